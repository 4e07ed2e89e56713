# End to end, the sensor's outputs: exim4 in a network namespace, swaks
# sending three mails, `smtpscope live` (dropped to nobody) streaming its
# events at once to a file, to syslog (RFC 5424 datagrams to a receiver this
# test starts) and to a real redis-server (started here, inside the client
# namespace, on a port of its own), and writing Prometheus metrics.  Between
# the second and the third mail the event file is moved and SIGHUP sent, as
# logrotate does: a new file appears and the capture goes on.  Then every
# session swaks sent is in each output exactly once, as the same valid JSON
# line, with the Community ID recomputed here; promtool accepts the metrics
# and they equal the capture row; the .db alone is complete after the stop.
# Needs root, ip, exim4, swaks, sqlite3, redis-server, redis-cli, python3;
# promtool for the metrics part.
. tests/e2e/lib.sh

. tests/e2e/live/rig.sh
rig_require "live events end to end" ip exim4 swaks sqlite3 redis-server redis-cli python3
rig_workdir ev18
HERE=$(pwd)
SNS=s18s$$ CNS=s18c$$ VS=v18s$$ VC=v18c$$
SRV=10.199.18.1 CLI=10.199.18.2
RPORT=$((20000 + $$ % 20000))
MPORT=$((RPORT + 1))
dir="$W/exim"
log="$OUT/live-events-smtpscope.log"
exim_pid="" live_pid="" redis_pid="" reader_pid=""

cleanup() {
	[ -n "$live_pid" ] && kill "$live_pid" 2> /dev/null
	[ -n "$reader_pid" ] && kill "$reader_pid" 2> /dev/null
	[ -n "$redis_pid" ] && kill "$redis_pid" 2> /dev/null
	sleep 0.2
	rig_teardown
}
trap cleanup EXIT
trap 'cleanup; exit 1' INT TERM

rig_net
ok $? "network namespaces $SNS/$CNS joined by veth $VS/$VC"

# ---- exim4 (plain SMTP only), as in test_live.sh
rig_exim "$dir" "tls_advertise_hosts ="; up=$?
ok $up "exim4 listens on $SRV:25"
[ $up -ne 0 ] && { done_testing; exit $?; }

# ---- redis-server inside the client namespace (its own loopback), and the syslog receiver
mkdir -p "$W/redis"
ip netns exec "$CNS" redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no \
	--dir "$W/redis" --daemonize no > "$W/redis/out.log" 2>&1 &
redis_pid=$!
rcli() { ip netns exec "$CNS" redis-cli -p "$RPORT" "$@"; }
up=1
for i in $(seq 1 50); do
	[ "$(rcli ping 2> /dev/null)" = PONG ] && { up=0; break; }
	sleep 0.1
done
ok $up "redis-server answers on 127.0.0.1:$RPORT in $CNS"
python3 tests/e2e/live/syslog_reader.py "$W/syslog.sock" "$W/syslog.out" 2> "$W/reader.err" &
reader_pid=$!
for i in $(seq 1 50); do [ -S "$W/syslog.sock" ] && break; sleep 0.1; done
ok "$([ -S "$W/syslog.sock" ]; echo $?)" "the syslog receiver listens on $W/syslog.sock"

# ---- smtpscope live, as nobody, into a directory nobody owns (so SIGHUP can make the new file)
mkdir -p "$W/ev" && chown nobody "$W/ev"
db="$W/ev/live.db"
rm -f "$log"
ip netns exec "$CNS" "$BIN" live -i "$VC" -Z nobody --stats-interval 1 --analyze-interval 1 \
	--timeout-established 3 --timeout-half 3 --db "$db" --sensor sensor18 \
	--events "$W/ev/events.json" --events-syslog-socket "$W/syslog.sock" \
	--events-redis "127.0.0.1:$RPORT" --events-redis-key smtpscope18 \
	--metrics-file "$W/ev/smtpscope.prom" --metrics-listen "127.0.0.1:$MPORT" > "$log" 2>&1 &
live_pid=$!
started=1
for i in $(seq 1 100); do
	grep -q "capturing on" "$log" 2> /dev/null && { started=0; break; }
	kill -0 "$live_pid" 2> /dev/null || break
	sleep 0.1
done
ok $started "smtpscope live started with file, syslog and redis events (see $log)"

send_mail() {
	ip netns exec "$CNS" swaks --server "$SRV" --port 25 --helo client.example.com \
		--from "sender$1@client.example.com" --to "rcpt$1@example.org" \
		--header "Subject: events $1" --timeout 20 > "$OUT/live-events-swaks-$1.log" 2>&1
}
wait_sessions() { # wait_sessions FILE N
	for i in $(seq 1 60); do
		[ "$(grep -c '"event_type":"smtp_session"' "$1" 2> /dev/null)" -ge "$2" ] && return 0
		sleep 0.2
	done
	return 1
}
send_mail 1 && send_mail 2
ok $? "swaks sent mails 1 and 2"
wait_sessions "$W/ev/events.json" 2
ok $? "both sessions are in the event file while the capture runs"

# ---- logrotate: move the file, SIGHUP, the next session goes to a new file
mv "$W/ev/events.json" "$W/ev/events.json.1"
kill -HUP "$live_pid"
sleep 0.5
kill -0 "$live_pid" 2> /dev/null
ok $? "SIGHUP does not stop the capture"
for i in $(seq 1 30); do [ -f "$W/ev/events.json" ] && break; sleep 0.1; done
ok "$([ -f "$W/ev/events.json" ]; echo $?)" "SIGHUP made a new events.json"
send_mail 3
ok $? "swaks sent mail 3 after the SIGHUP"
wait_sessions "$W/ev/events.json" 1
ok $? "its session is in the new file"
is "$(grep -c '"event_type":"smtp_session"' "$W/ev/events.json.1")" 2 "the moved file kept the first two sessions"
is "$(db_val "$db" "SELECT status FROM captures")" running "the capture row still says running after SIGHUP"
# the /metrics endpoint, read while the capture runs
ip netns exec "$CNS" python3 -c 'import sys, urllib.request
r = urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=5)
print(r.headers.get("Content-Type")); sys.stdout.write(r.read().decode())' "$MPORT" > "$W/http.out" 2> "$W/http.err"
ok $? "GET /metrics answers on 127.0.0.1:$MPORT (--metrics-listen)"
like "$(head -n 1 "$W/http.out")" "^text/plain; version=0.0.4" "with the Prometheus text content type"
if command -v promtool > /dev/null 2>&1; then
	tail -n +2 "$W/http.out" | promtool check metrics > "$W/promtool-http.out" 2>&1
	ok $? "promtool check metrics passes on the HTTP body"
else
	skip "promtool on /metrics" "no promtool"
fi
like "$(grep '^smtpscope_up{' "$W/http.out")" " 1$" "smtpscope_up is 1 while capturing"
# a finding event comes from the analysis every second
for i in $(seq 1 30); do grep -q '"event_type":"finding"' "$W/ev/events.json" "$W/ev/events.json.1" && break; sleep 0.2; done

kill -TERM "$live_pid"
wait "$live_pid"
rc=$?
live_pid=""
is "$rc" 0 "SIGTERM stops it with exit 0"
is "$(db_val "$db" "SELECT status FROM captures")" finished "the capture row says finished"
like "$(grep 'SMTP sessions;' "$log" | head -n 1)" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z smtpscope live: ' \
	"stats lines start with an ISO 8601 UTC time"
like "$(tail -n 1 "$log")" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T.*dropped: [0-9]+ by the kernel' "and so does the last line"
sleep 0.3 # the receiver writes what it got

rcli LRANGE smtpscope18 0 -1 > "$W/redis.out"
python3 tests/e2e/live/events_check.py file "$W/ev/events.json.1" "$W/ev/events.json" > "$W/c-file.txt"
python3 tests/e2e/live/events_check.py syslog "$W/syslog.out" > "$W/c-syslog.txt"
python3 tests/e2e/live/events_check.py redis "$W/redis.out" > "$W/c-redis.txt"
val() { awk -v k="$2" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "$W/c-$1.txt"; }
senders="sender1@client.example.com,sender2@client.example.com,sender3@client.example.com"
for k in file syslog redis; do
	ok "$([ "$(val $k lines)" -gt 0 ]; echo $?)" "$k: $(val $k lines) events received"
	is "$(val $k invalid)" 0 "$k: every event is valid JSON with timestamp (ISO 8601), event_type, sensor"
	is "$(val $k sessions)" 3 "$k: three smtp_session events"
	is "$(val $k senders)" "$senders" "$k: each mail swaks sent appears exactly once"
	is "$(val $k keysets)" 1 "$k: all session events carry the same fields"
	is "$(val $k cid_ok)/$(val $k cid_bad)" "3/0" "$k: community_id equals the Community ID v1 recomputed from the spec"
done
is "$(val syslog header_bad)" 0 "syslog: every message has an RFC 5424 header (version 1, host sensor18, app smtpscope, MSGID = event_type)"
is "$(val syslog keys)" "$(val file keys)" "syslog and file session events have the same fields"
is "$(val redis keys)" "$(val file keys)" "redis and file session events have the same fields"
is "$(val syslog session_lines)" "$(val file session_lines)" "syslog got the very same session lines as the file"
is "$(val redis session_lines)" "$(val file session_lines)" "and so did redis"
ok "$([ "$(val file findings)" -ge 1 ]; echo $?)" "a finding event was written ($(val file findings))"
is "$(grep -o '"event_type":"finding"[^}]*"kind":"non_fqdn_greeting"' "$W/ev/events.json.1" "$W/ev/events.json" | wc -l | tr -d ' ' | sed 's/^[1-9][0-9]*$/yes/')" yes \
	"the non_fqdn_greeting finding is among them"
ids=$(cat "$W/ev/events.json.1" "$W/ev/events.json" | grep '"event_type":"smtp_session"' | sed 's/.*"session_id":\([0-9]*\).*/\1/' | sort -n | tr '\n' ' ')
is "$ids" "$(db_val "$db" "SELECT id FROM sessions ORDER BY id" | tr '\n' ' ')" "session_id in the events are the database's ids"
is "$(grep -c '"sensor":"sensor18"' "$W/ev/events.json")" "$(grep -c . "$W/ev/events.json")" "every event names --sensor"

# ---- metrics
if command -v promtool > /dev/null 2>&1; then
	promtool check metrics < "$W/ev/smtpscope.prom" > "$W/promtool.out" 2>&1
	ok $? "promtool check metrics passes (see $W/promtool.out)"
else
	skip "promtool check metrics" "no promtool (apt-get install prometheus)"
fi
metric() { awk -v m="$1" -v l="$2" 'index($0, m "{") == 1 && index($0, l) { print $NF }' "$W/ev/smtpscope.prom"; }
ok "$([ "$(metric smtpscope_packets_total '')" -gt 0 ]; echo $?)" "smtpscope_packets_total is there and counts packets"
is "$(metric smtpscope_packets_total '')" "$(db_val "$db" "SELECT packets FROM captures")" "smtpscope_packets_total = the capture row's packets"
is "$(metric smtpscope_bytes_total '')" "$(db_val "$db" "SELECT bytes FROM captures")" "smtpscope_bytes_total = its bytes"
is "$(metric smtpscope_sessions_stored_total '')" "$(db_val "$db" "SELECT smtp_sessions FROM captures")" "sessions stored = its smtp_sessions"
is "$(metric smtpscope_dropped_packets_total 'where="kernel"')" "$(db_val "$db" "SELECT dropped FROM captures")" "kernel drops = its dropped"
is "$(metric smtpscope_dropped_packets_total 'where="interface"')" "$(db_val "$db" "SELECT if_dropped FROM captures")" "interface drops = its if_dropped"
is "$(metric smtpscope_sessions_lost_total '')" "$(db_val "$db" "SELECT value FROM capture_counters WHERE name = 'queue_dropped_sessions'")" "sessions lost = the queue_dropped_sessions counter"
is "$(metric smtpscope_findings 'severity="high"')" "$(db_val "$db" "SELECT count(*) FROM findings WHERE severity = 'high'")" "findings by severity = the findings table"
is "$(metric smtpscope_up '')" 0 "smtpscope_up is 0 once the capture has ended"

# ---- the .db alone is complete (WAL checkpointed at the clean stop)
ok "$([ ! -s "$db-wal" ]; echo $?)" "no data left in $db-wal after the clean stop"
cp "$db" "$W/copy.db"
is "$(db_val "$W/copy.db" "SELECT count(*) FROM sessions")" 3 "a copy of the .db file alone holds the 3 sessions"
done_testing
