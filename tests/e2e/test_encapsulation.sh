# End to end: every link type and tunnel fixture yields its one SMTP session
# with the exact banner host and EHLO argument.
. tests/e2e/lib.sh
for f in vlan qinq ipv6 ipv6-vlan gre erspan2 erspan3 vxlan frag sll sll2 raw null nanosecond; do
	db=$(fresh_db "encap-$f")
	"$BIN" replay -q --db "$db" "$PCAPS/$f.pcap"
	ok $? "$f: replay exits 0"
	is "$(db_val "$db" "SELECT count(*) || ' ' || coalesce(min(banner_host),'-') || ' ' || coalesce(min(helo_arg),'-') || ' ' || min(outcome) FROM sessions")" \
		"1 encap.example.com client.example.com aborted" "$f: one session, banner host, EHLO argument, outcome"
done
db=$(fresh_db encap-pcapng)
"$BIN" replay -q --db "$db" "$PCAPS/session.pcapng"
ok $? "pcapng with an unknown block: replay exits 0"
is "$(db_val "$db" "SELECT count(*) || ' ' || min(banner_host) FROM sessions")" "1 encap.example.com" "pcapng session found"
is "$(db_val "$db" "SELECT vlan FROM sessions")" "$(db_val "$db" "SELECT vlan FROM sessions")" "vlan column readable"
db=$(fresh_db encap-vlanid)
"$BIN" replay -q --db "$db" "$PCAPS/qinq.pcap"
like "$(db_val "$db" "SELECT vlan FROM sessions")" "^[1-9][0-9]*$" "QinQ: the inner VLAN id is stored"
db=$(fresh_db encap-frag)
"$BIN" replay -q --db "$db" "$PCAPS/frag.pcap"
like "$(db_val "$db" "SELECT value FROM capture_counters WHERE name='fragments_reassembled'")" "^[1-9]" "frag: fragments were reassembled"
db=$(fresh_db encap-ipv6)
"$BIN" replay -q --db "$db" "$PCAPS/ipv6.pcap"
like "$(db_val "$db" "SELECT server_ip FROM sessions")" ":" "ipv6: the server address is IPv6 text"
db=$(fresh_db encap-snaplen)
"$BIN" replay -q --db "$db" "$PCAPS/snaplen.pcap"
ok $? "snaplen-truncated capture: replay exits 0"
like "$(db_val "$db" "SELECT sum(gaps) FROM sessions")" "^[1-9]" "snaplen: the cut bytes are reported as gaps"
done_testing
