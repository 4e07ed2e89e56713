# End to end: credentials a client sends after its AUTH or X-EXPS was
# refused (502/504), after it cancelled the exchange ('*'), or pipelined
# before the server's answer, reach neither the database (tables, anomaly
# details, the files themselves) nor a report, a findings list or an export.
. tests/e2e/lib.sh
db=$(fresh_db privacy-auth)
"$BIN" replay -q --db "$db" "$PCAPS/privacy-auth.pcap"
ok $? "replay privacy-auth.pcap"
is "$(db_val "$db" "SELECT count(*) FROM sessions")" 3 "three sessions (refused, cancelled, pipelined)"
sqlite3 "$db" "PRAGMA wal_checkpoint(TRUNCATE);" > /dev/null
o="$OUT/privacy-auth"
rm -rf "$o"; mkdir -p "$o"
sqlite3 "$db" .dump > "$o/dump.sql"
cat "$db"* > "$o/dbfiles.bin"
"$BIN" report --db "$db" -o "$o/report.html"; ok $? "report html"
"$BIN" report --db "$db" --format text -o "$o/report.txt"; ok $? "report text"
"$BIN" report --db "$db" --format json -o "$o/report.json"; ok $? "report json"
for f in text json csv; do "$BIN" findings --db "$db" --format $f > "$o/findings.$f"; done
for t in sessions extensions commands replies mails recipients dsn_recipients anomalies findings captures capture_stats servers; do
	"$BIN" export --db "$db" --table $t --format jsonl > "$o/export-$t.jsonl" || echo "export $t jsonl failed" >> "$o/errors"
	"$BIN" export --db "$db" --table $t --format csv > "$o/export-$t.csv" || echo "export $t csv failed" >> "$o/errors"
done
is "$(cat "$o/errors" 2>/dev/null)" "" "every table exports"
like "$(cat "$o/export-commands.jsonl")" "AUTH" "the AUTH commands themselves are exported (the grep below reads real output)"
for secret in PLANTED-Ruser-cleartext PLANTED-Rpass-b64 "$(printf 'PLANTED-Rpass-b64' | base64)" "PLANTED-Rxexps" \
	"PLANTED-Cpass" "PLANTED-Puser" "PLANTED-Ppass" PLANTED; do
	hits=$(grep -a -l -- "$secret" "$o"/* 2>/dev/null | sed 's|.*/||' | tr '\n' ' ')
	is "$hits" "" "'$secret' is in no database file, dump, report, findings list or export"
done
is "$(db_val "$db" "SELECT count(*) FROM anomalies WHERE kind = 'unknown_command'")" 0 \
	"the credential lines are no unknown commands"
like "$(db_val "$db" "SELECT group_concat(auth_payload_bytes, ' ') FROM sessions ORDER BY client_port")" \
	"^[1-9][0-9]* [1-9][0-9]* [1-9][0-9]*$" "each session counts the redacted payload bytes"
is "$(db_val "$db" "SELECT count(*) FROM anomalies WHERE kind = 'auth_cancelled'")" 1 "the cancel is an anomaly"
# after the exchange the client's commands are parsed again
is "$(db_val "$db" "SELECT count(*) FROM commands WHERE verb = 'QUIT'")" 3 "QUIT after each exchange is still a command"
done_testing
