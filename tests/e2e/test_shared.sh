# End to end against reality: every public capture in ../shared/pcaps/public
# (third-party files, not committed here) replays without a crash and gives
# one sessions row per SMTP connection, as counted in SOURCES.md.  Then the
# banners and EHLO/HELO arguments are compared with tshark's (when present).
. tests/e2e/lib.sh
dir=$SHARED/pcaps/public
if [ ! -d "$dir" ]; then
	skip "public captures" "no $dir"
	done_testing; exit $?
fi
db=$(fresh_db shared)
"$BIN" replay -q --db "$db" "$dir"/*.pcap "$dir"/*.pcapng
ok $? "replay of every public capture exits 0"
for f in "$dir"/*.pcap "$dir"/*.pcapng; do
	b=$(basename "$f")
	want=$(awk -F'|' -v f="\`$b\`" '$2 ~ f { gsub(/ /, "", $6); print $6; exit }' "$dir/SOURCES.md")
	# SOURCES.md counts the streams tshark calls SMTP; this file has one more:
	# a port-465 connection whose server greets in plaintext "220 v02.kerne.org
	# ESMTP Postfix" (like ndpi-smtps.pcapng, which SOURCES.md does count).
	[ "$b" = suricata-verify-smtp-errors-smtperr.pcap ] && want=4
	got=$(db_val "$db" "SELECT count(*) FROM sessions s JOIN captures c ON c.id=s.capture_id WHERE c.source='$f'")
	is "$got" "$want" "$b: $want SMTP session(s) stored"
done
is "$(db_val "$db" "PRAGMA integrity_check")" ok "integrity_check"
if command -v tshark > /dev/null; then
	sh tests/compare_tshark.sh "$db" "$dir" > "$OUT/tshark-compare.txt" 2>&1
	ok $? "banners and HELO/EHLO arguments equal tshark's, except the documented cases (see $OUT/tshark-compare.txt)"
	grep -E '^(DIFF|EXPLAINED)' "$OUT/tshark-compare.txt" | head -n 20 | sed 's/^/# /'
else
	skip "tshark comparison" "tshark not installed"
fi
done_testing
