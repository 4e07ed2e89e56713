# End to end: SMTP features and TCP impairments, one fixture each.
. tests/e2e/lib.sh
rp() { db=$(fresh_db "feat-$1"); "$BIN" replay -q --db "$db" "$PCAPS/$1.pcap"; ok $? "$1: replay exits 0"; }
q() { db_val "$db" "$1"; }

rp pipelining
is "$(q "SELECT pipelined FROM sessions")" 1 "pipelining: session marked pipelined"
is "$(q "SELECT count(*) FROM mails WHERE completed=1")" 1 "pipelining: the mail completed"
is "$(q "SELECT rcpt_count || ' ' || accepted FROM mails")" "2 2" "pipelining: 2 recipients accepted"
is "$(q "SELECT count(*) FROM replies r JOIN commands c ON c.session_id=r.session_id AND c.seq=r.seq")" \
	"$(q "SELECT count(*) FROM commands")" "pipelining: every command has a reply"

rp starttls
is "$(q "SELECT starttls || ' ' || outcome FROM sessions")" "1 tls" "starttls: TLS, outcome tls"
rp starttls-refused
is "$(q "SELECT starttls || ' ' || outcome FROM sessions")" "0 completed" "starttls refused: parsing goes on"
is "$(q "SELECT count(*) FROM mails WHERE completed=1")" 1 "starttls refused: the mail after 454 is parsed"

rp bdat
is "$(q "SELECT bdat FROM sessions")" 1 "bdat: session marked"
is "$(q "SELECT bdat_chunks || ' ' || completed FROM mails")" "3 1" "bdat: 3 chunks, LAST ends the message"

rp auth-login
is "$(q "SELECT group_concat(auth_mechanism) FROM (SELECT auth_mechanism FROM sessions ORDER BY first_ts)")" "LOGIN,GSSAPI" \
	"auth-login: AUTH LOGIN then X-EXPS GSSAPI mechanisms"
is "$(q "SELECT xexps_used FROM sessions WHERE auth_mechanism='GSSAPI'")" 1 "auth-login: X-EXPS used"

rp dsn447
is "$(q "SELECT is_dsn FROM mails")" 1 "dsn447: the message is a DSN"
is "$(q "SELECT status FROM dsn_recipients")" 4.4.7 "dsn447: status 4.4.7"

rp longline
like "$(q "SELECT group_concat(kind) FROM anomalies")" "line_too_long" "longline: anomaly recorded"
is "$(q "SELECT count(*) FROM sessions")" 1 "longline: the session is stored"
like "$(q "SELECT length(helo_arg) <= 1024 FROM sessions")" 1 "longline: stored argument is capped"

rp midstream
is "$(q "SELECT count(*) FROM sessions")" 1 "midstream: the session is found"
is "$(q "SELECT midstream FROM sessions")" 1 "midstream: marked"
is "$(q "SELECT count(*) FROM mails")" 1 "midstream: the mail after pickup is parsed"

rp gap
like "$(q "SELECT gaps FROM sessions")" "^[1-9]" "gap: the session records the gap"
is "$(q "SELECT count(*) FROM commands WHERE verb='QUIT'")" 1 "gap: parsing resynchronises (QUIT seen)"

rp reorder
is "$(q "SELECT count(*) || ' ' || min(gaps) FROM sessions")" "1 0" "reorder: one session, no gap"
is "$(q "SELECT count(*) FROM mails WHERE completed=1")" 1 "reorder: the mail completed"
like "$(q "SELECT value FROM capture_counters WHERE name='retransmissions'")" "^[1-9]" "reorder: retransmissions counted"

rp overlap-diff
like "$(q "SELECT value FROM capture_counters WHERE name='overlaps_diff'")" "^[1-9]" "overlap-diff: counted"
like "$(q "SELECT group_concat(kind) FROM anomalies")" "reasm_overlap_diff" "overlap-diff: anomaly on the session"

rp portreuse
is "$(q "SELECT count(*) FROM sessions")" 2 "portreuse: two sessions on one 5-tuple"

rp port2525
is "$(q "SELECT server_port || ' ' || banner_code FROM sessions")" "2525 220" "port2525: found on a non-standard port"

rp socks
is "$(q "SELECT count(*) || ' ' || min(server_port) FROM sessions")" "1 1080" "socks: SMTP after a SOCKS5 handshake"
like "$(q "SELECT banner_host FROM sessions")" "." "socks: banner host found"
done_testing
