# End to end: credentials and message bodies never reach the database.
. tests/e2e/lib.sh
db=$(fresh_db privacy)
"$BIN" replay -q --db "$db" "$PCAPS/auth-login.pcap"
ok $? "replay auth-login.pcap"
sqlite3 "$db" "PRAGMA wal_checkpoint(TRUNCATE);" > /dev/null
sqlite3 "$db" .dump > "$OUT/privacy.sql"
for secret in s3cr3t-PLANTED-pw "$(printf 's3cr3t-PLANTED-pw' | base64)" PLANTED-XEXPS-TOKEN PLANTED-BODY-SECRET; do
	grep -q -- "$secret" "$OUT/privacy.sql"; r=$?
	is "$r" 1 "'$secret' is nowhere in the dump"
	cat "$db"* | grep -a -q -- "$secret"; r=$?
	is "$r" 1 "'$secret' is nowhere in the database files"
done
like "$(db_val "$db" "SELECT group_concat(arg) FROM commands WHERE verb IN ('AUTH','X-EXPS')")" "LOGIN" "the AUTH mechanism is stored"
like "$(db_val "$db" "SELECT max(auth_payload_bytes) FROM sessions")" "^[1-9]" "only the payload length is stored"
done_testing
