# End to end over a real TLS stack (issue 16): exim4 (GnuTLS) in a network
# namespace with a certificate made here by openssl, clients in another
# namespace (swaks/Net::SSLeay, and Python smtplib/ssl for 3-message
# sessions) over STARTTLS with TLS 1.2 and TLS 1.3, captured live by
# `smtpscope live` on the veth, written to a pcap (--write-pcap) and replayed.
# Checks: the stored certificate (subject, SANs, serial, SHA-256, validity)
# equals what openssl says; version, cipher and SNI equal what swaks and exim
# logged; TLS 1.3 records the certificate as hidden; JA3 equals tshark's; the
# encrypted-phase estimate's message count is right for >= 95% of sessions
# (the ground truth is what each client was told to send, and exim's spool).
# Needs root, ip, exim4, swaks + Net::SSLeay, openssl, python3, sqlite3.
. tests/e2e/lib.sh

. tests/e2e/live/rig.sh
rig_require "TLS live end to end" ip exim4 swaks sqlite3 openssl python3 Net::SSLeay
rig_workdir tls16
HERE=$(pwd)
SNS=t16s$$ CNS=t16c$$ VS=t16a$$ VC=t16b$$
SRV=10.216.16.1 CLI=10.216.16.2
NAME=mx16.tls.example
dir="$W/exim"
exim_pid="" live_pid=""
cleanup() {
	[ -n "$live_pid" ] && kill "$live_pid" 2> /dev/null
	rig_teardown
}
trap cleanup EXIT
trap 'cleanup; exit 1' INT TERM

rig_net
ok $? "namespaces $SNS/$CNS joined by veth $VS/$VC"

# ---- the certificate, and what openssl says about it
rm -rf "$dir" && mkdir -p "$dir" && chmod 755 "$dir"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/key.pem" -out "$dir/cert.pem" -days 30 \
	-subj "/O=smtpscope tls16/CN=$NAME" \
	-addext "subjectAltName=DNS:$NAME,DNS:mail16.tls.example,IP:$SRV" > "$dir/openssl.log" 2>&1
ok $? "openssl made a self-signed RSA-2048 certificate for $NAME"
chmod 644 "$dir/key.pem" "$dir/cert.pem"
o_fp=$(openssl x509 -in "$dir/cert.pem" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
o_subj=$(openssl x509 -in "$dir/cert.pem" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
o_iss=$(openssl x509 -in "$dir/cert.pem" -noout -issuer -nameopt RFC2253 | sed 's/^issuer=//')
o_serial=$(openssl x509 -in "$dir/cert.pem" -noout -serial | sed 's/^serial=//')
o_nb=$(date -u -d "$(openssl x509 -in "$dir/cert.pem" -noout -startdate | sed 's/^notBefore=//')" +%s)
o_na=$(date -u -d "$(openssl x509 -in "$dir/cert.pem" -noout -enddate | sed 's/^notAfter=//')" +%s)
o_sans=$(openssl x509 -in "$dir/cert.pem" -noout -ext subjectAltName | tail -n +2 |
	sed 's/^ *//; s/, /,/g; s/IP Address:/IP:/g')
o_sig=$(openssl x509 -in "$dir/cert.pem" -noout -text | sed -n 's/^ *Signature Algorithm: //p' | head -n 1)

rig_exim "$dir" "" tests/e2e/live/exim4-tls.conf.in; up=$?
ok $up "exim4 listens on $SRV:25"
[ $up -eq 0 ] || { done_testing; exit $?; }

# ---- smtpscope live on the client's veth, also writing the packets to a pcap
db="$W/live.db"
log="$OUT/tls16-live.log"
rm -f "$log"
mkdir -p "$W/pcaps" && chmod 777 "$W/pcaps"
ip netns exec "$CNS" "$BIN" live -i "$VC" -Z nobody --timeout-established 3 --timeout-half 3 \
	--write-pcap "$W/pcaps" --db "$db" > "$log" 2>&1 &
live_pid=$!
for i in $(seq 1 100); do
	grep -q "capturing on" "$log" 2> /dev/null && break
	sleep 0.1
done
grep -q "capturing on" "$log"
ok $? "smtpscope live captures on $VC"

# ---- the sessions: the EHLO name carries the ground truth (index, messages sent)
head -c 200000 /dev/urandom | base64 -w 76 > "$W/text"
plan="$W/plan"
: > "$plan"
i=0
sw() { # sw VER NMSG SIZE [swaks options]: one swaks session over STARTTLS
	ver=$1 nm=$2 size=$3; shift 3
	i=$((i + 1))
	eo=0; [ "$*" = "--quit-after HELO" ] && eo=1
	helo="s$i-m$nm.v$ver.tls16.example"
	p=tlsv1_2; [ "$ver" = 13 ] && p=tlsv1_3
	set -- --tls --tls-protocol "$p" --tls-sni "$NAME" "$@"
	[ "$size" -gt 0 ] && set -- "$@" --body "$(head -c "$size" "$W/text")"
	ip netns exec "$CNS" swaks --server "$SRV" --port 25 --helo "$helo" \
		--from "s$i@client.tls16.example" --to "r$i@example.org" --timeout 20 "$@" \
		> "$W/swaks-$i.log" 2>&1
	echo "$helo $nm swaks $? $eo" >> "$plan"
}
py() { # py VER SIZE...: one Python smtplib session sending one message per SIZE
	ver=$1; shift
	i=$((i + 1))
	helo="s$i-m$#.v$ver.tls16.example"
	ip netns exec "$CNS" python3 "$HERE/tests/e2e/live/smtp_tls_multi.py" "$SRV" "$helo" \
		"tls1.${ver#1}" "$@" > "$W/py-$i.log" 2>&1
	echo "$helo $# python $? $([ $# -eq 0 ] && echo 1 || echo 0)" >> "$plan"
}
for v in 12 13; do
	sw $v 0 0 --quit-after HELO
	sw $v 0 0 --quit-after HELO
	sw $v 0 0 --quit-after HELO
	sw $v 0 0 --quit-after RCPT
	sw $v 1 0
	sw $v 1 700
	sw $v 1 3000
	sw $v 1 12000
	sw $v 1 50000
	sw $v 1 90000
	py $v 400 5000 30000
	py $v 1200 300 64000
	py $v 9000 9000 9000
	py $v
	py $v 2500
done
total=$i
is "$(awk '$4 != 0' "$plan" | wc -l | tr -d ' ')" 0 "all $total client sessions ran to their end (see $W/plan)"
sent=$(awk '{ s += $2 } END { print s }' "$plan")
# implicit TLS on port 465 (RFC 8314), outside the STARTTLS plan
for v in 12 13; do
	p=tlsv1_2; [ "$v" = 13 ] && p=tlsv1_3
	ip netns exec "$CNS" swaks --server "$SRV" --port 465 --tls-on-connect --tls-protocol "$p" \
		--tls-sni "$NAME" --helo "implicit.v$v.tls16.example" --from i@client.tls16.example \
		--to r@example.org --timeout 20 > "$W/swaks-465-$v.log" 2>&1
	ok $? "swaks --tls-on-connect to port 465 with TLS 1.${v#1}"
done
sent=$((sent + 2))

for k in $(seq 1 60); do
	got=$(db_val "$db" "SELECT count(*) FROM sessions" 2> /dev/null)
	[ "${got:-0}" -ge "$((total + 2))" ] && break
	sleep 0.25
done
kill -TERM "$live_pid"
wait "$live_pid"
ok $? "smtpscope live stopped with exit 0"
live_pid=""
is "$(find "$dir/spool/input" -name '*-H' | wc -l | tr -d ' ')" "$sent" "exim's spool holds the $sent messages the clients sent"

pcap=$(ls "$W/pcaps"/smtpscope-*.pcap 2> /dev/null | head -n 1)
ok "$([ -s "$pcap" ]; echo $?)" "--write-pcap wrote the packets"
rdb=$(fresh_db tls16-replay)
"$BIN" replay -q --db "$rdb" "$W/pcaps"/smtpscope-*.pcap
ok $? "the written pcap replays"
cp "$db" "$OUT/tls16-live.db" 2> /dev/null

for d in live replay; do
	D=$db; [ $d = replay ] && D=$rdb
	is "$(db_val "$D" "SELECT count(*) FROM sessions WHERE tls_mode = 'starttls' AND outcome = 'tls' AND tls_plaintext = 0")" \
		"$total" "$d: $total STARTTLS sessions"
	is "$(db_val "$D" "SELECT count(*) FROM sessions s JOIN tls_handshakes h ON h.session_id = s.id WHERE h.client_hello AND h.server_hello AND h.established AND s.tls_mode = 'starttls'")" \
		"$total" "$d: each has a parsed ClientHello, ServerHello, and encrypted records both ways"
	q="FROM sessions s JOIN tls_handshakes h ON h.session_id = s.id WHERE s.helo_arg LIKE 's%.v12.%'"
	is "$(db_val "$D" "SELECT count(*) $q AND h.version = 'TLSv1.2' AND h.certificate = 'sent' AND h.certificates_total = 1")" \
		"$((total / 2))" "$d: the TLS 1.2 sessions negotiated TLSv1.2 and showed the certificate"
	q="FROM sessions s JOIN tls_handshakes h ON h.session_id = s.id WHERE s.helo_arg LIKE 's%.v13.%'"
	is "$(db_val "$D" "SELECT count(*) $q AND h.version = 'TLSv1.3' AND h.certificate = 'hidden'")" \
		"$((total / 2))" "$d: the TLS 1.3 sessions negotiated TLSv1.3, certificate hidden"
	is "$(db_val "$D" "SELECT count(*) FROM session_certificates c JOIN sessions s ON s.id = c.session_id WHERE s.helo_arg LIKE '%.v13.%'")" \
		0 "$d: and no certificate is linked to a TLS 1.3 session"
	is "$(db_val "$D" "SELECT count(*) FROM certificates")" 1 "$d: one certificate row (deduplicated by fingerprint)"
	is "$(db_val "$D" "SELECT group_concat(v, ' ') FROM (SELECT s.server_port || '/' || s.evidence || '/' || s.outcome || '/' || h.version || '/' || h.certificate || '/' || coalesce(h.sni, '-') || '/' || e.messages AS v FROM sessions s JOIN tls_handshakes h ON h.session_id = s.id JOIN tls_estimates e ON e.session_id = s.id WHERE s.tls_mode = 'implicit' ORDER BY h.version)")" \
		"465/implicit_tls/tls/TLSv1.2/sent/$NAME/1 465/implicit_tls/tls/TLSv1.3/hidden/$NAME/1" "$d: the two port-465 sessions: implicit TLS, versions, certificate, SNI, one message each"
	c="SELECT %s FROM certificates"
	is "$(db_val "$D" "SELECT sha256 FROM certificates")" "$o_fp" "$d: SHA-256 = openssl x509 -fingerprint -sha256"
	is "$(db_val "$D" "SELECT subject FROM certificates")" "$o_subj" "$d: subject = openssl's RFC 2253 subject ($o_subj)"
	is "$(db_val "$D" "SELECT issuer FROM certificates")" "$o_iss" "$d: issuer = openssl's"
	is "$(db_val "$D" "SELECT sans FROM certificates")" "$o_sans" "$d: SANs = openssl -ext subjectAltName ($o_sans)"
	is "$(db_val "$D" "SELECT serial FROM certificates")" "$o_serial" "$d: serial = openssl -serial"
	is "$(db_val "$D" "SELECT CAST(not_before AS INTEGER) || ' ' || CAST(not_after AS INTEGER) FROM certificates")" \
		"$o_nb $o_na" "$d: validity = openssl -startdate/-enddate"
	is "$(db_val "$D" "SELECT key_type || ' ' || key_bits || ' ' || sig_alg || ' ' || self_signed FROM certificates")" \
		"RSA 2048 $o_sig 1" "$d: key RSA 2048, $o_sig, self-signed"
	is "$(db_val "$D" "SELECT count(*) FROM session_certificates c JOIN certificates x ON x.id = c.certificate_id WHERE c.seq = 0 AND x.sha256 = '$o_fp'")" \
		"$((total / 2 + 1))" "$d: every TLS 1.2 session (and the 465 one) links that certificate as its leaf"
done

# ---- version, cipher and SNI against what swaks logged (OpenSSL names -> IANA via openssl ciphers -stdname)
openssl ciphers -stdname ALL 2> /dev/null | awk '{ print $3, $1 }' > "$W/stdnames"
openssl ciphers -stdname -ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256 2> /dev/null |
	awk '{ print $3, $1 }' >> "$W/stdnames"
bad=0 nsw=0
while read -r helo nm kind rc eo; do
	[ "$kind" = swaks ] || continue
	k=${helo%%-*}; k=${k#s}
	line=$(grep -m 1 "TLS started with cipher" "$W/swaks-$k.log")
	ver=$(echo "$line" | sed -E 's/.*cipher ([^:]+):([^:]+):.*/\1/')
	oname=$(echo "$line" | sed -E 's/.*cipher ([^:]+):([^:]+):.*/\2/')
	iana=$(awk -v o="$oname" '$1 == o { print $2; exit }' "$W/stdnames")
	[ -z "$iana" ] && iana=$oname
	got=$(db_val "$db" "SELECT h.version || ' ' || h.cipher || ' ' || coalesce(h.sni, '-') FROM sessions s JOIN tls_handshakes h ON h.session_id = s.id WHERE s.helo_arg = '$helo'")
	nsw=$((nsw + 1))
	if [ "$got" != "$ver $iana $NAME" ]; then
		bad=$((bad + 1)); echo "# $helo: stored '$got', swaks said '$ver $iana' SNI $NAME"
	fi
done < "$plan"
is "$bad" 0 "version, cipher and SNI equal swaks' for all $nsw swaks sessions"
# exim logs X=TLS1.x:... and SNI=... for each message it received
bad=0 nex=0
while read -r helo; do
	ev=$(grep -F "H=($helo)" "$dir/log/mainlog" | grep ' <= ' | head -n 1 | sed -E 's/.* X=TLS([0-9.]+):.*/\1/')
	esni=$(grep -F "H=($helo)" "$dir/log/mainlog" | grep ' <= ' | head -n 1 | sed -nE 's/.* SNI=([^ ]+).*/\1/p')
	[ -z "$ev" ] && continue
	nex=$((nex + 1))
	got=$(db_val "$db" "SELECT h.version || ' ' || coalesce(h.sni, '') FROM sessions s JOIN tls_handshakes h ON h.session_id = s.id WHERE s.helo_arg = '$helo'")
	[ "$got" = "TLSv$ev $esni" ] || { bad=$((bad + 1)); echo "# $helo: stored '$got', exim logged TLS$ev SNI '$esni'"; }
done <<EOT
$(awk '$2 > 0 { print $1 }' "$plan")
EOT
ok "$([ "$nex" -ge 10 ] && [ "$bad" -eq 0 ]; echo $?)" "version and SNI equal exim's log for the $nex sessions that delivered ($bad differ)"

# ---- JA3 equals tshark's (the published recipe, as Wireshark implements it)
if command -v tshark > /dev/null 2>&1; then
	tshark -r "$pcap" -Y 'tls.handshake.type == 1' -T fields -e tcp.srcport -e tls.handshake.ja3 2> /dev/null |
		sort > "$W/ja3.tshark"
	db_val "$rdb" "SELECT s.client_port || '	' || h.ja3 FROM sessions s JOIN tls_handshakes h ON h.session_id = s.id" |
		sort > "$W/ja3.ours"
	is "$(diff "$W/ja3.tshark" "$W/ja3.ours" > /dev/null && wc -l < "$W/ja3.ours" | tr -d ' ')" "$((total + 2))" \
		"JA3 of all $((total + 2)) ClientHellos equals tshark's tls.handshake.ja3"
else
	skip "JA3 against tshark" "no tshark"
fi

# ---- the live and the replayed database agree on every TLS row
qq="SELECT s.helo_arg, h.version, h.cipher, h.sni, h.ja3, h.ja4, h.certificate, e.verdict, e.messages, e.client_turns FROM sessions s JOIN tls_handshakes h ON h.session_id = s.id LEFT JOIN tls_estimates e ON e.session_id = s.id ORDER BY s.helo_arg, h.version"
db_val "$db" "$qq" > "$W/rows.live"
db_val "$rdb" "$qq" > "$W/rows.replay"
ok "$(diff "$W/rows.live" "$W/rows.replay" > /dev/null; echo $?)" "live capture and replay of its pcap store the same TLS rows"

# ---- the encrypted-phase estimate against the ground truth
right=0
while read -r helo nm kind rc eo; do
	est=$(db_val "$db" "SELECT e.messages FROM sessions s JOIN tls_estimates e ON e.session_id = s.id WHERE s.helo_arg = '$helo'")
	if [ "$est" = "$nm" ]; then right=$((right + 1)); else
		echo "# $helo ($kind): sent $nm, estimated '$est': $(db_val "$db" "SELECT e.verdict || ' ' || e.client_turns FROM sessions s JOIN tls_estimates e ON e.session_id = s.id WHERE s.helo_arg = '$helo'")"; fi
done < "$plan"
echo "# estimate: message count right for $right of $total sessions"
ok "$([ $((right * 100)) -ge $((total * 95)) ]; echo $?)" "estimated message count right for >= 95% of sessions ($right/$total)"
is "$(db_val "$db" "SELECT count(*) FROM sessions s JOIN tls_estimates e ON e.session_id = s.id WHERE s.helo_arg LIKE '%-m0.%' AND e.ended_after_ehlo = 1")" \
	"$(awk '$5 == 1' "$plan" | wc -l | tr -d ' ')" \
	"exactly the sessions that quit right after EHLO are flagged ended_after_ehlo (the stalled-delivery pattern)"
is "$(db_val "$db" "SELECT count(*) FROM tls_estimates WHERE ended_after_ehlo = 1")" \
	"$(awk '$5 == 1' "$plan" | wc -l | tr -d ' ')" "and no other session is"
is "$(db_val "$db" "SELECT count(*) FROM tls_estimates WHERE rule = 'tls-turns-v1'")" "$((total + 2))" "every estimate names its rule"
done_testing
