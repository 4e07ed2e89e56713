#!/bin/sh
# compare_tshark.sh DB DIR: for every capture in DIR, compares the banners
# and HELO/EHLO arguments smtpscope stored in DB with what tshark extracts
# (tcp.reassemble_out_of_order on).  Prints SAME/DIFF/EXPLAINED per file;
# exit 1 on any unexplained difference.
#
# Explained differences (tshark is wrong or blind there):
#  - ndpi-smtps.pcapng: port 465 is not SMTP to tshark; decoded with -d.
#  - arkime-socks5-smtp-503.pcap: SMTP inside SOCKS5 on port 1080; tshark's
#    SOCKS dissector does not hand the tunnelled bytes to SMTP.
#  - zeek-smtp-one-side-only.pcap: no server side, so no banner anywhere.
#  - suricata-verify-smtp-errors-smtperr.pcap: its port-465 connection gets a
#    plaintext "220" banner; tshark only sees it with -d (given below).
#  - Fields are compared up to 1000 characters: we store at most
#    SMTP_FIELD_MAX (1024) bytes of a field (the 4090-byte EHLO argument of
#    suricata-verify-smtp-long-command.pcap is cut, and counted as an anomaly).
set -u
db=$1; dir=$2; rc=0
for f in "$dir"/*.pcap "$dir"/*.pcapng; do
	b=$(basename "$f")
	ts_b=$(tshark -o tcp.reassemble_out_of_order:TRUE -d tcp.port==465,smtp -d tcp.port==2525,smtp -r "$f" \
		-Y 'smtp.response.code == 220 && !smtp.req' -T fields -E occurrence=f -e tcp.stream -e smtp.rsp.parameter 2>/dev/null |
		awk -F'\t' '!seen[$1]++ { print substr($2, 1, 1000) }' | sed 's/[[:space:]]*$//' | sort)
	ts_h=$(tshark -o tcp.reassemble_out_of_order:TRUE -d tcp.port==465,smtp -r "$f" \
		-Y 'smtp.req.command == "EHLO" || smtp.req.command == "HELO" || smtp.req.command == "ehlo" || smtp.req.command == "helo"' \
		-T fields -E occurrence=f -e tcp.stream -e smtp.req.parameter 2>/dev/null |
		awk -F'\t' '!seen[$1]++ { print substr($2, 1, 1000) }' | sed 's/[[:space:]]*$//' | sort)
	my_b=$(sqlite3 -batch -noheader "$db" "SELECT substr(substr(banner_text, 1, instr(banner_text || char(10), char(10)) - 1), 1, 1000) FROM sessions s JOIN captures c ON c.id=s.capture_id WHERE c.source='$f' AND banner_code=220" |
		sed 's/[[:space:]]*$//' | sort)
	my_h=$(sqlite3 -batch -noheader "$db" "SELECT (SELECT substr(arg, 1, 1000) FROM commands WHERE session_id=s.id AND verb IN ('EHLO','HELO') ORDER BY seq LIMIT 1) FROM sessions s JOIN captures c ON c.id=s.capture_id WHERE c.source='$f' AND EXISTS (SELECT 1 FROM commands WHERE session_id=s.id AND verb IN ('EHLO','HELO'))" |
		sed 's/[[:space:]]*$//' | sort)
	if [ "$ts_b" = "$my_b" ] && [ "$ts_h" = "$my_h" ]; then
		echo "SAME $b"
		continue
	fi
	case $b in
	arkime-socks5-smtp-503.pcap|zeek-smtp-one-side-only.pcap)
		echo "EXPLAINED $b: tshark banners [$ts_b] ours [$my_b]; tshark helo [$ts_h] ours [$my_h]"
		continue ;;
	esac
	echo "DIFF $b"
	echo "  tshark banners: $ts_b"
	echo "  our banners:    $my_b"
	echo "  tshark helo:    $ts_h"
	echo "  our helo:       $my_h"
	rc=1
done
exit $rc
