# End to end, live: a sensor that waits instead of stopping.  exim4 in a
# network namespace, swaks sending mails from another, `smtpscope live` on
# the client's veth writing into a database of 10^5 sessions.  While mail
# flows, another process holds an exclusive lock on the database for 15 s,
# and `smtpscope analyze` recomputes the findings of the 10^5 sessions: the
# sensor keeps running, and every session sent is stored.
# Needs root, ip, exim4, swaks, sqlite3, python3.
. tests/e2e/lib.sh

. tests/e2e/live/rig.sh
rig_require "live capture with a locked database" ip exim4 swaks sqlite3 python3
rig_workdir i14-lock
SNS=i14s$$ CNS=i14c$$ VS=i14vs$$ VC=i14vc$$
SRV=10.199.14.1 CLI=10.199.14.2
dir="$W/exim"
log="$OUT/live-lock-smtpscope.log"
exim_pid="" live_pid="" lock_pid="" sender_pid=""
cleanup() {
	for p in $sender_pid $lock_pid $live_pid; do kill "$p" 2> /dev/null; done
	rig_teardown
}
trap cleanup EXIT
trap 'cleanup; exit 1' INT TERM

# ---- a database of 10^5 sessions (tests/bench/mkdb.py grows a replay)
db="$W/big.db"
"$BIN" replay -q --no-analyze --db "$db" tests/pcaps/sample.pcap && python3 tests/bench/mkdb.py "$db" 100000 > "$OUT/live-lock-mkdb.json"
ok $? "a database of 10^5 sessions ($(cat "$OUT/live-lock-mkdb.json" | head -c 80)...)"
base=$(db_val "$db" "SELECT count(*) FROM sessions")
ok "$([ "$base" -ge 100000 ]; echo $?)" "it holds $base sessions"
"$BIN" analyze --db "$db"; ok $? "its findings computed once"

# ---- the network and the SMTP server (tests/e2e/live/rig.sh)
rig_net
ok $? "network namespaces $SNS/$CNS joined by veth $VS/$VC"
rig_exim "$dir" "tls_advertise_hosts ="; up=$?
ok $up "exim4 listens on $SRV:25 in $SNS"
[ $up -eq 0 ] || { done_testing; exit $?; }

# ---- the sensor
ip netns exec "$CNS" "$BIN" live -i "$VC" --stats-interval 1 --analyze-interval 3600 \
	--timeout-established 3 --timeout-half 3 --db "$db" > "$log" 2>&1 &
live_pid=$!
for i in $(seq 1 100); do grep -q "capturing on" "$log" 2> /dev/null && break; sleep 0.1; done
grep -q "capturing on" "$log"; ok $? "smtpscope live runs on $VC into the 10^5-session database"
cap=$(db_val "$db" "SELECT id FROM captures WHERE kind = 'live'")

# mail flows for the whole test: one every 0.5 s, the count of accepted ones in a file
N=${LOCK_MAILS:-25}
( k=0; while [ $k -lt "$N" ]; do k=$((k + 1))
	ip netns exec "$CNS" swaks --server "$SRV" --port 25 --helo client.example.com \
		--from "s$k@client.example.com" --to "r$k@example.org" --timeout 20 > "$OUT/live-lock-swaks.log" 2>&1 &&
		echo "$k" >> "$W/sent"
	sleep 0.5; done ) &
sender_pid=$!
sleep 2

# another process holds an exclusive lock for 15 s
python3 -c "
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
db.execute('BEGIN EXCLUSIVE')
open(sys.argv[2], 'w').write('locked\n')
time.sleep(15)
db.execute('COMMIT')
" "$db" "$W/locked" &
lock_pid=$!
for i in $(seq 1 100); do [ -f "$W/locked" ] && break; sleep 0.1; done
ok "$([ -f "$W/locked" ]; echo $?)" "another process holds an exclusive lock"
before=$(db_val "$db" "SELECT count(*) FROM sessions WHERE capture_id = $cap")
sleep 8
kill -0 "$live_pid" 2> /dev/null; ok $? "the sensor still runs 8 s into the lock"
wait "$lock_pid"; lock_pid=""
kill -0 "$live_pid" 2> /dev/null; ok $? "the sensor still runs when the 15 s lock ends"
like "$(cat "$log")" "locked by another process; [0-9]+ sessions? wait" "it said it was waiting for the lock"

# smtpscope analyze on the 10^5 sessions, while the capture writes
t0=$(date +%s.%N)
"$BIN" analyze --db "$db" 2> "$OUT/live-lock-analyze.err"; rc=$?
t1=$(date +%s.%N)
is "$rc" 0 "smtpscope analyze on $base sessions during the capture exits 0 ($(echo "$t1 - $t0" | bc 2>/dev/null || echo ?) s)"
kill -0 "$live_pid" 2> /dev/null; ok $? "the sensor still runs after the analysis"

wait "$sender_pid"; sender_pid=""
sent=$(wc -l < "$W/sent" 2> /dev/null | tr -d ' ')
ok "$([ "${sent:-0}" -ge $((N - 2)) ]; echo $?)" "swaks delivered $sent of $N mails"
# the last sessions end with FIN; give the writer its commit interval
got=0
for i in $(seq 1 50); do
	got=$(db_val "$db" "SELECT count(*) FROM sessions WHERE capture_id = $cap" 2> /dev/null)
	[ "${got:-0}" -ge "$sent" ] && break
	sleep 0.2
done
kill -INT "$live_pid"; wait "$live_pid"; rc=$?; live_pid=""
is "$rc" 0 "SIGINT stops the sensor with exit 0"
grep -q "database write failed" "$log"; is $? 1 "the sensor never stopped on a write failure"
is "$(db_val "$db" "SELECT count(*) FROM sessions WHERE capture_id = $cap AND banner_host = 'aliasex2000' AND outcome = 'completed'")" \
	"$sent" "every session sent is stored ($sent; $before before the lock)"
is "$(db_val "$db" "SELECT status || ' ' || smtp_sessions FROM captures WHERE id = $cap")" "finished $sent" \
	"the capture is finished and counts them"
is "$(db_val "$db" "SELECT value FROM capture_counters WHERE capture_id = $cap AND name = 'queue_dropped_sessions'")" 0 \
	"no session lost in the writer queue"
is "$(db_val "$db" "SELECT count(*) FROM sessions")" $((base + sent)) "the 10^5 sessions are still all there"
done_testing
