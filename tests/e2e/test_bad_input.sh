# End to end: corrupt, truncated and strange capture files give a clear
# error, exit code 1, keep everything stored before the fault, and leave the
# database consistent.
. tests/e2e/lib.sh
run() { # run DB FILE: sets rc and msg
	msg=$("$BIN" replay -q --db "$1" "$2" 2>&1); rc=$?
}
db=$(fresh_db bad)
"$BIN" replay -q --db "$db" "$PCAPS/kb301401.pcap"
before=$(db_val "$db" "SELECT count(*) FROM sessions")
is "$before" 6 "a good capture first: 6 sessions"

run "$db" "$PCAPS/empty.pcap"
is "$rc" 1 "empty file: exit 1"
like "$msg" "empty.pcap: empty file" "empty file: message names the file"
run "$db" "$PCAPS/notacapture.pcap"
is "$rc" 1 "not a capture: exit 1"
like "$msg" "notacapture.pcap: not a readable pcap or pcapng file" "not a capture: clear message"
run "$db" "$PCAPS/unknown-linktype.pcap"
is "$rc" 1 "unknown link type: exit 1"
like "$msg" "link type 147.*not supported" "unknown link type: the message names it"
run "$db" /nonexistent/file.pcap
is "$rc" 1 "missing file: exit 1"
like "$msg" "No such file" "missing file: says so"
is "$(db_val "$db" "SELECT count(*) FROM sessions")" 6 "nothing stored before was lost"

db=$(fresh_db bad-trunc)
run "$db" "$PCAPS/truncated.pcap"
is "$rc" 1 "truncated capture: exit 1"
like "$msg" "truncated.pcap: corrupt or truncated capture at byte offset [0-9]+" "truncated: file and offset named"
is "$(db_val "$db" "SELECT count(*) FROM sessions")" 3 "truncated: the 3 sessions before the cut are stored"
is "$(db_val "$db" "SELECT status FROM captures")" error "truncated: capture marked error"
like "$(db_val "$db" "SELECT error FROM captures")" "byte offset" "truncated: the error is stored"
is "$(db_val "$db" "PRAGMA integrity_check")" ok "truncated: database passes integrity_check"

db=$(fresh_db bad-huge)
run "$db" "$PCAPS/hugerecord.pcap"
is "$rc" 1 "2 GB record length: exit 1"
like "$msg" "hugerecord.pcap: corrupt or truncated capture at byte offset [0-9]+.*" "2 GB record: file and offset named"
is "$(db_val "$db" "SELECT count(*) FROM sessions")" 2 "2 GB record: the 2 sessions before are stored"

db=$(fresh_db bad-block)
run "$db" "$PCAPS/badblock.pcapng"
is "$rc" 1 "pcapng with a corrupt block: exit 1"
like "$msg" "badblock.pcapng: corrupt or truncated capture" "corrupt block: message"
is "$(db_val "$db" "SELECT count(*) FROM sessions")" 1 "corrupt block: the session before it is stored"

db=$(fresh_db bad-back)
run "$db" "$PCAPS/backwards-ts.pcap"
is "$rc" 0 "timestamps going backwards: exit 0"
is "$(db_val "$db" "SELECT count(*) FROM sessions")" 1 "timestamps backwards: the session is stored"
like "$(db_val "$db" "SELECT value FROM capture_counters WHERE name='timestamps_backwards'")" "^[1-9]" \
	"timestamps backwards: counted"

db=$(fresh_db bad-stdin)
"$BIN" replay -q --db "$db" - < "$PCAPS/kb301401.pcap"
ok $? "replay from standard input"
is "$(db_val "$db" "SELECT count(*) FROM sessions")" 6 "stdin: 6 sessions"

# not a database / a foreign database are refused and not modified
echo "this is not a database" > "$OUT/notadb.db"
sum1=$(md5sum < "$OUT/notadb.db")
msg=$("$BIN" replay -q --db "$OUT/notadb.db" "$PCAPS/kb301401.pcap" 2>&1); rc=$?
is "$rc" 1 "a file that is not a database is refused (exit 1)"
is "$(md5sum < "$OUT/notadb.db")" "$sum1" "and it is not modified"
rm -f "$OUT/foreign.db"; sqlite3 "$OUT/foreign.db" "CREATE TABLE t(x); INSERT INTO t VALUES (1);"
sum1=$(md5sum < "$OUT/foreign.db")
msg=$("$BIN" findings --db "$OUT/foreign.db" 2>&1); rc=$?
is "$rc" 1 "a foreign SQLite database is refused (exit 1)"
"$BIN" replay -q --db "$OUT/foreign.db" "$PCAPS/kb301401.pcap" 2>/dev/null
is "$(md5sum < "$OUT/foreign.db")" "$sum1" "and it is not modified, even by replay"
rm -f "$OUT/newer.db"; sqlite3 "$OUT/newer.db" "CREATE TABLE captures(id); PRAGMA user_version=999;"
msg=$("$BIN" findings --db "$OUT/newer.db" 2>&1); rc=$?
is "$rc" 1 "a database from a newer smtpscope is refused"
like "$msg" "newer" "with a clear message"
done_testing
