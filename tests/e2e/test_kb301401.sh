# End to end: the KB 301401 fixture replayed, then the database and the
# findings checked field by field.
. tests/e2e/lib.sh
db=$(fresh_db kb301401)
"$BIN" replay -q --db "$db" "$PCAPS/kb301401.pcap"
ok $? "replay kb301401.pcap exits 0"

is "$(db_val "$db" "SELECT count(*) FROM sessions")" 6 "6 SMTP sessions stored (4 aborted, 1 mail, 1 NDR)"
is "$(db_val "$db" "SELECT count(*) FROM sessions WHERE server_ip='10.0.0.25' AND server_port=25")" 4 \
	"4 sessions with the Exchange 2000 server"
is "$(db_val "$db" "SELECT DISTINCT banner_text FROM sessions WHERE server_ip='10.0.0.25'")" \
	"aliasex2000 Microsoft ESMTP MAIL Service, Version: 5.0.2195.1600 ready at  Thu, 7 Jun 2001 10:00:00 +0000 " \
	"exact banner text"
is "$(db_val "$db" "SELECT DISTINCT banner_code FROM sessions WHERE server_ip='10.0.0.25'")" 220 "banner code"
is "$(db_val "$db" "SELECT DISTINCT banner_host FROM sessions WHERE server_ip='10.0.0.25'")" aliasex2000 "banner host"
is "$(db_val "$db" "SELECT DISTINCT software FROM sessions WHERE server_ip='10.0.0.25'")" "Exchange 2000" "software"
is "$(db_val "$db" "SELECT DISTINCT software_version FROM sessions WHERE server_ip='10.0.0.25'")" "5.0.2195.1600" "version"
is "$(db_val "$db" "SELECT DISTINCT helo_verb || ' ' || helo_arg FROM sessions WHERE server_ip='10.0.0.25'")" \
	"EHLO exch-send.corp.example" "EHLO argument"
is "$(db_val "$db" "SELECT DISTINCT greeting_host FROM sessions WHERE server_ip='10.0.0.25'")" aliasex2000 "greeting host"
sid=$(db_val "$db" "SELECT min(id) FROM sessions WHERE server_ip='10.0.0.25'")
is "$(db_val "$db" "SELECT group_concat(keyword || coalesce('=' || params, ''), ',') FROM (SELECT * FROM extensions WHERE session_id=$sid ORDER BY seq)")" \
	"TURN,ATRN,SIZE,ETRN,PIPELINING,DSN,ENHANCEDSTATUSCODES,8BITMIME,BINARYMIME,CHUNKING,VRFY,X-EXPS=GSSAPI NTLM LOGIN,X-EXPS=LOGIN,AUTH=GSSAPI NTLM LOGIN,AUTH=LOGIN,X-LINK2STATE,XEXCH50" \
	"extensions in order with parameters"
is "$(db_val "$db" "SELECT DISTINCT xexps_advertised FROM sessions WHERE server_ip='10.0.0.25'")" 1 "X-EXPS advertised"
is "$(db_val "$db" "SELECT group_concat(outcome) FROM (SELECT outcome FROM sessions WHERE server_ip='10.0.0.25' ORDER BY first_ts)")" \
	"aborted,aborted,aborted,aborted" "the sender gives up after EHLO each time"
is "$(db_val "$db" "SELECT count(*) FROM sessions WHERE server_ip='10.0.0.26' AND outcome='completed'")" 2 \
	"control server: mail and NDR sessions completed"
is "$(db_val "$db" "SELECT DISTINCT banner_host FROM sessions WHERE server_ip='10.0.0.26'")" mail.corp.example "control banner host"
is "$(db_val "$db" "SELECT count(*) FROM mails m JOIN dsn_recipients d ON d.mail_id=m.id WHERE m.is_dsn=1 AND d.status='4.4.7'")" 1 \
	"one 4.4.7 delivery-status report"
is "$(db_val "$db" "SELECT mail_from FROM mails WHERE is_dsn=1")" "" "the NDR has the null reverse path"
is "$(db_val "$db" "SELECT smtp_sessions FROM captures")" 6 "captures.smtp_sessions"
is "$(db_val "$db" "SELECT status FROM captures")" finished "capture finished"

# findings
f=$("$BIN" findings --db "$db")
ok $? "findings exits 0"
like "$f" "10\.0\.0\.25.*25.*aliasex2000" "findings names 10.0.0.25 port 25 and aliasex2000"
is "$(db_val "$db" "SELECT server_ip || ':' || server_port || ' ' || severity || ' ' || name FROM findings WHERE kind='non_fqdn_greeting'")" \
	"10.0.0.25:25 high aliasex2000" "exactly one non_fqdn_greeting finding, high, for the Exchange 2000 server"
is "$(db_val "$db" "SELECT count(*) FROM findings WHERE server_ip='10.0.0.26' AND kind='non_fqdn_greeting'")" 0 \
	"the control server (FQDN) has no non_fqdn_greeting finding"
is "$(db_val "$db" "SELECT json_extract(evidence, '\$.attempts') FROM findings WHERE kind='stalled_deliveries' AND server_ip='10.0.0.25'")" 4 \
	"stalled_deliveries counts the 4 attempts"
is "$(db_val "$db" "SELECT count(*) FROM findings WHERE kind='expired_447' AND server_ip='10.0.0.25'")" 1 \
	"the 4.4.7 report is tied to the Exchange 2000 server"
j=$("$BIN" findings --db "$db" --format json)
printf '%s' "$j" | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if any(f["kind"]=="non_fqdn_greeting" for f in d) else 1)'
ok $? "findings --format json parses and holds non_fqdn_greeting"
c=$("$BIN" findings --db "$db" --format csv)
like "$(printf '%s' "$c" | head -n 1)" "kind" "findings --format csv has a header"
like "$c" "non_fqdn_greeting" "csv holds the finding"

# the report
"$BIN" report --db "$db" -o "$OUT/kb301401.html"
ok $? "report exits 0"
like "$(cat "$OUT/kb301401.html")" "aliasex2000" "the report names the server"
like "$(cat "$OUT/kb301401.html")" "id=\"findings\"" "the report has the findings table"
done_testing
