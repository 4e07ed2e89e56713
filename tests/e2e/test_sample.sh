# End to end: the bundled demo capture is exactly what the generator writes
# (so it is reproducible), and `make demo`'s steps give the KB 301401 story.
. tests/e2e/lib.sh
cmp -s "$PCAPS/sample.pcap" tests/pcaps/sample.pcap
ok $? "tests/pcaps/sample.pcap equals mkpcap's output byte for byte"
db=$(fresh_db sample)
"$BIN" replay -q --db "$db" tests/pcaps/sample.pcap
ok $? "replay the sample"
like "$("$BIN" findings --db "$db")" "EX2000SRV" "the findings name the Exchange 2000 server"
is "$(db_val "$db" "SELECT severity FROM findings WHERE kind='non_fqdn_greeting' AND name='EX2000SRV'")" high "high severity"
like "$(db_val "$db" "SELECT count(*) FROM findings WHERE kind='expired_447' AND server_ip IS NOT NULL")" "^[1-9]" "4.4.7 reports tied to it"
like "$(db_val "$db" "SELECT json_extract(evidence, '\$.attempts') FROM findings WHERE kind='stalled_deliveries'")" "^[1-9]" "stalled deliveries counted"
done_testing
