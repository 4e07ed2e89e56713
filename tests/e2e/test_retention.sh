# Retention: a database with sessions spread over 60 days, `smtpscope prune
# --older-than 30d` while replays write into the same database, then `live
# --retain 30d`.  Old sessions (and their transcript, mails, recipients) are
# gone, the newer ones stay; every session ingested during the prune is
# stored; findings history and per-server summaries outlive the sessions.
. tests/e2e/lib.sh
T=$OUT/retention
rm -rf "$T" && mkdir -p "$T"
big="$T/big.pcap"
"$MKPCAP" --bench 1500 "$big" > /dev/null
base=$(fresh_db retention-base)
"$BIN" replay -q --db "$base" "$PCAPS/kb301401.pcap" "$PCAPS/dsn447.pcap" "$big"
ok $? "the base database is built"
now=$(date +%s)
# session k ended (k mod 60) days and one hour ago: 60 days, about 30 in each half
db_val "$base" "UPDATE sessions SET first_ts = $now - (id % 60) * 86400 - 3600 - (last_ts - first_ts),
	last_ts = $now - (id % 60) * 86400 - 3600; UPDATE mails SET ts = (SELECT first_ts FROM sessions s WHERE s.id = session_id);"
"$BIN" analyze --db "$base"
total=$(db_val "$base" "SELECT count(*) FROM sessions")
old=$(db_val "$base" "SELECT count(*) FROM sessions WHERE id % 60 >= 30")
young=$((total - old))
maxid=$(db_val "$base" "SELECT max(id) FROM sessions")
ok "$([ "$old" -gt 100 ] && [ "$young" -gt 100 ]; echo $?)" "$total sessions over 60 days: $old older than 30 days, $young younger"
nfind=$(db_val "$base" "SELECT count(*) FROM findings")
ok "$([ "$nfind" -gt 0 ]; echo $?)" "the database has $nfind findings"
db_val "$base" "SELECT kind || '|' || coalesce(server_ip, '') || '|' || coalesce(server_port, 0) || '|' || coalesce(name, '')
	FROM findings ORDER BY 1" > "$T/findings-before.txt"
db_val "$base" "SELECT server_ip || ':' || server_port || ' ' || count(*) || ' ' || sum(mails) FROM sessions
	GROUP BY server_ip, server_port ORDER BY 1" > "$T/servers-before.txt"
oldmails=$(db_val "$base" "SELECT count(*) FROM mails m JOIN sessions s ON s.id = m.session_id WHERE s.id % 60 >= 30")
ok "$([ "$oldmails" -gt 0 ]; echo $?)" "old sessions carry mails ($oldmails) and recipients"

# ---- prune in small batches while replays write new sessions into the same file
db=$(fresh_db retention-prune)
cp "$base" "$db"
"$BIN" prune --db "$db" --older-than 30d --batch 10 > "$T/prune.log" 2>&1 &
prune_pid=$!
ingest="pipelining.pcap bdat.pcap sample.pcap starttls.pcap reorder.pcap ipv6.pcap auth-login.pcap gap.pcap"
want_new=0
for f in $ingest; do
	[ -f "$PCAPS/$f" ] || continue
	one=$(fresh_db "retention-one-$f")
	"$BIN" replay -q --db "$one" "$PCAPS/$f"
	want_new=$((want_new + $(db_val "$one" "SELECT count(*) FROM sessions")))
	"$BIN" replay -q --db "$db" "$PCAPS/$f"
	ok $? "replay $f into the database while it is pruned"
done
wait "$prune_pid"
ok $? "prune exits 0 (see $T/prune.log)"
like "$(cat "$T/prune.log")" "^smtpscope: $old sessions that ended before .* deleted in [0-9]+ batches" "prune says how many sessions it deleted"
is "$(db_val "$db" "SELECT count(*) FROM sessions WHERE id <= $maxid AND id % 60 >= 30")" 0 "every session older than 30 days is gone"
is "$(db_val "$db" "SELECT count(*) FROM sessions WHERE id <= $maxid")" "$young" "every younger one remains ($young)"
is "$(db_val "$db" "SELECT count(*) FROM sessions WHERE id > $maxid")" "$want_new" "every session ingested during the prune is stored ($want_new)"
is "$(db_val "$db" "SELECT count(*) FROM mails WHERE session_id NOT IN (SELECT id FROM sessions)") $(db_val "$db" "SELECT count(*) FROM recipients WHERE mail_id NOT IN (SELECT id FROM mails)") $(db_val "$db" "SELECT count(*) FROM commands WHERE session_id NOT IN (SELECT id FROM sessions)") $(db_val "$db" "SELECT count(*) FROM extensions WHERE session_id NOT IN (SELECT id FROM sessions)")" \
	"0 0 0 0" "no mail, recipient, command or extension row is left without its session"
during=$(db_val "$db" "SELECT count(*) FROM captures c, prunes p WHERE c.started BETWEEN p.started AND p.finished")
ok "$([ "$during" -ge 1 ]; echo $?)" "replays started while the prune ran ($during of them): ingest was not blocked"
ok "$([ "$(db_val "$db" "SELECT batches FROM prunes")" -ge 10 ]; echo $?)" "the prune worked in small batches ($(db_val "$db" "SELECT batches FROM prunes"))"
is "$(db_val "$db" "SELECT status FROM prunes")" finished "the prune run is recorded as finished"
db_val "$db" "SELECT kind || '|' || server_ip || '|' || server_port || '|' || name FROM findings_history ORDER BY 1" > "$T/history.txt"
is "$(comm -23 "$T/findings-before.txt" "$T/history.txt" | wc -l | tr -d ' ')" 0 \
	"every finding from before the prune is in findings_history ($(wc -l < "$T/history.txt" | tr -d ' ') rows)"
db_val "$db" "SELECT server_ip || ':' || server_port || ' ' || sum(n) || ' ' || sum(m) FROM (
	SELECT server_ip, server_port, count(*) AS n, sum(mails) AS m FROM sessions WHERE id <= $maxid GROUP BY 1, 2
	UNION ALL SELECT server_ip, server_port, sum(sessions), sum(mails) FROM server_history GROUP BY 1, 2)
	GROUP BY server_ip, server_port ORDER BY 1" > "$T/servers-after.txt"
is "$(cat "$T/servers-after.txt")" "$(cat "$T/servers-before.txt")" \
	"per server, the sessions and mails remaining plus server_history equal the counts before"
is "$(db_val "$db" "SELECT sum(sessions) FROM server_totals")" "$((total + want_new))" "the server_totals view counts every session ever stored"
is "$(db_val "$db" "SELECT count(DISTINCT day) FROM server_history")" 30 "server_history holds the 30 pruned days"
"$BIN" prune --db "$db" --older-than 30d -q
is "$(db_val "$db" "SELECT count(*) FROM sessions WHERE id <= $maxid")" "$young" "a second prune finds nothing more to delete"
is "$(db_val "$db" "SELECT sum(sessions) FROM server_totals")" "$((total + want_new))" "and counts nothing twice"
"$BIN" prune --db "$db" > /dev/null 2>&1
is "$?" 2 "prune without --older-than is a usage error"
"$BIN" prune --db "$db" --older-than soon > /dev/null 2>&1
is "$?" 2 "a bad age is a usage error"

# ---- live --retain 30d does the same beside a capture
if [ "$(id -u)" -eq 0 ] && ip netns add "s18r$$" 2> /dev/null; then
	ip -n "s18r$$" link set lo up
	ldb="$T/live-retain.db"
	cp "$base" "$ldb"
	ip netns exec "s18r$$" "$BIN" live -i lo -Z root --duration 3 --retain 30d --db "$ldb" > "$T/live.log" 2>&1
	ok $? "live --retain 30d runs (see $T/live.log)"
	ip netns del "s18r$$"
	is "$(db_val "$ldb" "SELECT count(*) FROM sessions WHERE id % 60 >= 30")" 0 "live --retain deleted the sessions older than 30 days"
	is "$(db_val "$ldb" "SELECT count(*) FROM sessions")" "$young" "and kept the younger ones"
	like "$(cat "$T/live.log")" "--retain: $old sessions older than 30 days deleted" "and said so"
	is "$(db_val "$ldb" "SELECT sum(sessions) FROM server_totals")" "$total" "server_totals still counts all of them"
else
	skip "live --retain" "needs root and network namespaces"
fi
done_testing
