# End to end: the database contract under real use: re-imports, merges,
# kill -9, readers during a replay, export.
. tests/e2e/lib.sh
db=$(fresh_db store-a)
"$BIN" replay -q --db "$db" "$PCAPS/kb301401.pcap"
n1=$(db_val "$db" "SELECT count(*) FROM sessions")
"$BIN" replay -q --db "$db" "$PCAPS/kb301401.pcap"
ok $? "a second replay of the same file exits 0"
is "$(db_val "$db" "SELECT count(*) FROM sessions")" "$n1" "a second replay adds nothing"
is "$(db_val "$db" "SELECT count(*) FROM captures")" 1 "and no second capture row"
"$BIN" replay -q --force --db "$db" "$PCAPS/kb301401.pcap"
is "$(db_val "$db" "SELECT count(*) FROM sessions")" "$n1" "--force re-imports in place of the old import"

# merge: two sensors equal one replay of both files
a=$(fresh_db merge-a); b=$(fresh_db merge-b); both=$(fresh_db merge-both); m=$(fresh_db merge-out)
"$BIN" replay -q --db "$a" "$PCAPS/kb301401.pcap"
"$BIN" replay -q --db "$b" "$PCAPS/pipelining.pcap" "$PCAPS/bdat.pcap"
"$BIN" replay -q --db "$both" "$PCAPS/kb301401.pcap" "$PCAPS/pipelining.pcap" "$PCAPS/bdat.pcap"
"$BIN" merge "$m" "$a" "$b"; ok $? "merge exits 0"
"$BIN" merge "$m" "$a" "$b"; ok $? "merging again exits 0"
snap() { db_val "$1" "SELECT client_ip, client_port, server_ip, server_port, banner_text, helo_arg, outcome, mails,
	(SELECT count(*) FROM commands c WHERE c.session_id=s.id), (SELECT count(*) FROM replies r WHERE r.session_id=s.id),
	(SELECT count(*) FROM extensions e WHERE e.session_id=s.id) FROM sessions s ORDER BY first_ts, client_port"; }
is "$(snap "$m")" "$(snap "$both")" "merged sessions equal one replay of both files (merging twice adds nothing)"
is "$(db_val "$m" "SELECT kind || server_ip FROM findings ORDER BY 1")" "$(db_val "$both" "SELECT kind || server_ip FROM findings ORDER BY 1")" \
	"merged findings equal"

# export
"$BIN" export --db "$db" --table sessions --format jsonl > "$OUT/sessions.jsonl"; ok $? "export jsonl"
is "$(wc -l < "$OUT/sessions.jsonl" | tr -d ' ')" "$n1" "one JSON line per session"
"$BIN" export --db "$db" --table sessions --format csv > "$OUT/sessions.csv"; ok $? "export csv"
is "$(python3 -c 'import csv,sys; print(len(list(csv.reader(open(sys.argv[1]))))-1)' "$OUT/sessions.csv")" "$n1" "one CSV row per session"
"$BIN" export --db "$db" --table "sessions; DROP TABLE sessions" > /dev/null 2>&1; is $? 2 "export refuses an unknown table"
"$BIN" export --db "$db" --table sessions --since 4102444800 > "$OUT/none.jsonl"
is "$(wc -l < "$OUT/none.jsonl" | tr -d ' ')" 0 "--since in the future exports nothing"

# kill -9 during a long replay, with a reader running findings meanwhile
big="$OUT/big.pcap"
[ -f "$big" ] || "$MKPCAP" --bench 3000 "$big" > /dev/null
k=$(fresh_db kill)
"$BIN" replay -q --db "$k" "$big" &
pid=$!
seen=0; reads=0; readfail=0; i=0
while [ $i -lt 200 ] && kill -0 $pid 2>/dev/null; do
	c=$(db_val "$k" "SELECT count(*) FROM sessions" 2>/dev/null || echo 0)
	[ -n "$c" ] && [ "$c" -gt 0 ] && seen=$c
	if "$BIN" findings --db "$k" > /dev/null 2>&1; then reads=$((reads + 1)); else [ "$seen" -gt 0 ] && readfail=$((readfail + 1)); fi
	[ "$seen" -ge 2000 ] && break
	sleep 0.05; i=$((i + 1))
done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
ok "$([ "$seen" -gt 0 ]; echo $?)" "committed batches were visible to a reader during the replay ($seen sessions)"
is "$readfail" 0 "findings succeeded every time it ran during the replay ($reads runs)"
is "$(db_val "$k" "PRAGMA integrity_check")" ok "after kill -9 the database passes integrity_check"
after=$(db_val "$k" "SELECT count(*) FROM sessions")
ok "$([ "$after" -ge "$seen" ]; echo $?)" "after kill -9 every committed session is still there ($after >= $seen)"
"$BIN" findings --db "$k" > /dev/null; ok $? "the database opens and answers after kill -9"

# SIGINT during a replay: what was parsed is committed, open sessions are
# written as truncated, the capture is marked finished (status interrupted).
# The capture comes through a FIFO that stops in the middle of the first
# session's message, so a session is surely open when the signal comes.
g=$(fresh_db sigint)
fifo="$OUT/sigint.fifo"
rm -f "$fifo"; mkfifo "$fifo"
"$BIN" replay -q --db "$g" - < "$fifo" &
rpid=$!
exec 9> "$fifo"
head -c 20000 "$big" >&9
sleep 1
kill -INT $rpid; wait $rpid; rc=$?
exec 9>&-
rm -f "$fifo"
is "$rc" 130 "SIGINT: replay exits 130 (interrupted) after a clean stop"
is "$(db_val "$g" "SELECT status FROM captures")" interrupted "SIGINT: the capture says interrupted"
like "$(db_val "$g" "SELECT finished FROM captures")" "^[0-9]" "SIGINT: the capture is marked finished (a time)"
is "$(db_val "$g" "SELECT count(*) || ' ' || outcome || ' ' || end_reason FROM sessions")" "1 truncated capture" \
	"SIGINT: the open session is written as truncated"
is "$(db_val "$g" "PRAGMA integrity_check")" ok "SIGINT: integrity_check"

# The .db alone is complete after a replay (the capture's pages copied while
# the analysis ran, the rest by the last checkpoint): a copy of the file
# without its -wal and -shm holds every session and finding.
d=$(fresh_db storage-alone)
"$BIN" replay -q --db "$d" "$PCAPS/sample.pcap" "$PCAPS/kb301401.pcap"
is "$(stat -c %s "$d-wal" 2>/dev/null || echo 0)" 0 "after a replay the -wal is empty"
alone="$OUT/storage-alone-copy.db"
rm -f "$alone" "$alone-wal" "$alone-shm"
cp "$d" "$alone"
is "$(db_val "$alone" "SELECT count(*) FROM sessions") $(db_val "$alone" "SELECT count(*) FROM findings")" \
	"$(db_val "$d" "SELECT count(*) FROM sessions") $(db_val "$d" "SELECT count(*) FROM findings")" \
	"the .db copied alone has every session and finding"
is "$(db_val "$alone" "PRAGMA integrity_check")" ok "the .db copied alone passes integrity_check"
done_testing
