# tcpdump and tshark habits: replay -r FILE, --filter EXPR (BPF) for replay,
# gzip/zstd/xz captures read directly (files and standard input), a clear
# word for bzip2 and for files that are no capture at all, and the event
# file of a replay.
. tests/e2e/lib.sh
S=tests/pcaps/sample.pcap
T=$OUT/habits
rm -rf "$T" && mkdir -p "$T"

plain=$(fresh_db habits-plain)
"$BIN" replay -q --db "$plain" "$S"
all=$(db_val "$plain" "SELECT count(*) FROM sessions")
p25=$(db_val "$plain" "SELECT count(*) FROM sessions WHERE server_port = 25")
ok "$([ "$all" -gt "$p25" ] && [ "$p25" -gt 0 ]; echo $?)" "the sample has sessions on port 25 ($p25) and elsewhere ($all in all)"

db=$(fresh_db habits-r)
"$BIN" replay -q --db "$db" -r "$S"
ok $? "replay -r FILE is accepted (tcpdump -r)"
is "$(db_val "$db" "SELECT count(*) FROM sessions")" "$all" "and reads the same sessions as replay FILE"

gzip -c "$S" > "$T/x.pcap.gz"
db=$(fresh_db habits-gz)
"$BIN" replay -q --db "$db" -r "$T/x.pcap.gz" --filter 'tcp port 25'
ok $? "replay -r x.pcap.gz --filter 'tcp port 25' works"
is "$(db_val "$db" "SELECT count(*) FROM sessions")" "$p25" "only the port-25 sessions are read"
is "$(db_val "$db" "SELECT count(*) FROM sessions WHERE server_port <> 25")" 0 "and none on another port"
is "$(db_val "$db" "SELECT filter FROM captures")" "tcp port 25" "the capture row keeps the filter"

for z in "zstd -q -c" "xz -c" "gzip -c"; do
	tool=${z%% *}
	if ! command -v "$tool" > /dev/null 2>&1; then skip "$tool capture" "no $tool"; continue; fi
	$z "$S" > "$T/y.$tool"
	db=$(fresh_db "habits-$tool")
	"$BIN" replay -q --db "$db" "$T/y.$tool"
	is "$(db_val "$db" "SELECT count(*) FROM sessions")" "$all" "a $tool-compressed capture is read directly (whatever its name)"
	db=$(fresh_db "habits-$tool-stdin")
	$z "$S" | "$BIN" replay -q --db "$db" -
	is "$(db_val "$db" "SELECT count(*) FROM sessions")" "$all" "and from standard input"
done
cat "$T/x.pcap.gz" "$T/x.pcap.gz" > "$T/two.pcap.gz"
db=$(fresh_db habits-twomembers)
err=$("$BIN" replay -q --db "$db" "$T/two.pcap.gz" 2>&1)
like "$err" "corrupt or truncated capture \(of the decompressed stream\)" \
	"two gzip members back to back are read as one stream (the second pcap header is then a bad record)"
head -c 3000 "$T/x.pcap.gz" > "$T/cut.pcap.gz"
db=$(fresh_db habits-cut)
err=$("$BIN" replay -q --db "$db" "$T/cut.pcap.gz" 2>&1)
is "$?" 1 "a cut .gz is an error (exit 1)"
like "$err" "cut.pcap.gz: corrupt or truncated capture \(of the decompressed stream\), after [0-9]+ packets" \
	"which says so, and how far it got"
if command -v bzip2 > /dev/null 2>&1; then
	bzip2 -c "$S" > "$T/x.pcap.bz2"
	err=$("$BIN" replay -q --db "$(fresh_db habits-bz2)" "$T/x.pcap.bz2" 2>&1)
	like "$err" "bzip2-compressed: not read directly .*bunzip2" "bzip2 gets a clear word"
else
	skip "bzip2" "no bzip2"
fi
echo "not a capture" > "$T/text.pcap"
err=$("$BIN" replay -q --db "$(fresh_db habits-text)" "$T/text.pcap" 2>&1)
like "$err" "not a readable pcap or pcapng file \(gzip, zstd and xz compressed captures are read directly" \
	"an unknown format says which compressions are read"

err=$("$BIN" replay --db "$(fresh_db habits-badf)" --filter 'tcp port' "$S" 2>&1)
is "$?" 2 "a filter libpcap rejects is a usage error (exit 2)"
like "$err" "bad filter 'tcp port'" "naming the filter"
err=$("$BIN" replay -f "$S" 2>&1)
is "$?" 2 "replay -f is refused (it meant --force here and a filter in live)"
like "$err" "--force .*--filter" "and the message names both long options"
"$BIN" replay --help | grep -q -- "-f," 
ok "$([ $? -ne 0 ]; echo $?)" "replay --help lists no -f short option"

# events of a replay
db=$(fresh_db habits-events)
"$BIN" replay -q --db "$db" --events "$T/replay-events.json" --sensor habits "$S"
is "$(grep -c '"event_type":"smtp_session"' "$T/replay-events.json")" "$all" "replay --events: one smtp_session event per stored session"
ok "$([ "$(grep -c '"event_type":"finding"' "$T/replay-events.json")" -eq "$(db_val "$db" "SELECT count(*) FROM findings")" ]; echo $?)" \
	"and one finding event per finding"
"$BIN" replay -q --db "$(fresh_db habits-events-)" --events - "$S" > "$T/stdout-events.json"
is "$(grep -c '"event_type":"smtp_session"' "$T/stdout-events.json")" "$all" "--events - writes them to standard output"
if command -v promtool > /dev/null 2>&1; then
	"$BIN" replay -q --db "$(fresh_db habits-metrics)" --metrics-file "$T/replay.prom" "$S"
	promtool check metrics < "$T/replay.prom" > "$T/promtool.out" 2>&1
	ok $? "replay --metrics-file: promtool check metrics passes"
	is "$(awk '/^smtpscope_sessions_stored_total\{/ { print $NF }' "$T/replay.prom")" "$all" "and counts the stored sessions"
else
	skip "promtool" "no promtool"
	skip "promtool" "no promtool"
fi
# syslog(3): through /dev/log, in a mount namespace of the test's own
if [ "$(id -u)" -eq 0 ] && command -v unshare > /dev/null 2>&1 && command -v python3 > /dev/null 2>&1 &&
	unshare -m --propagation private true 2> /dev/null; then
	rm -rf "$T/sl" && mkdir -p "$T/sl"
	unshare -m --propagation private sh tests/e2e/live/syslog3_run.sh "$T/sl" \
		"$BIN" replay -q --db "$(fresh_db habits-syslog3)" --events-syslog --syslog-facility local3 "$S" 2> "$T/sl.err"
	ok $? "replay --events-syslog runs with a /dev/log of the test's own"
	is "$(grep -c '^<158>.* smtpscope\[[0-9]*\]: {"timestamp":"[^"]*","event_type":"smtp_session"' "$T/sl/syslog3.out")" "$all" \
		"syslog(3) got one message per session (facility local3, info = <158>, ident smtpscope[pid])"
	bad=$(sed 's/^[^{]*//' "$T/sl/syslog3.out" | python3 -c 'import json, sys
n = 0
for l in sys.stdin:
    try: json.loads(l)
    except ValueError: n += 1
print(n)')
	is "$bad" 0 "and each message carries one valid JSON event"
	ok "$([ ! -e /dev/log ] || [ -S /dev/log ]; echo $?)" "the host's /dev was not touched"
else
	for k in 1 2 3 4; do skip "syslog(3)" "needs root, unshare and python3"; done
fi

# ---- report on a terminal, export formats, tables, --since
if command -v script > /dev/null 2>&1; then
	out=$(script -qec "$BIN report --db $plain" /dev/null 2>&1)
	is "$?" 2 "report refuses to write HTML to a terminal (exit 2)"
	like "$out" "not writing HTML to a terminal.*-o report.html" "and says where it would write and how to write a file"
	like "$(script -qec "$BIN report --db $plain --format text" /dev/null 2>&1)" "smtpscope report" "--format text is fine on a terminal"
else
	skip "report on a terminal" "no script(1)"; skip "report message" "no script(1)"; skip "report text" "no script(1)"
fi
"$BIN" report --db "$plain" > "$T/r.html"
like "$(head -c 15 "$T/r.html")" "<!DOCTYPE html>" "report to a file or pipe still writes HTML"
"$BIN" export --db "$plain" -t sessions --format json > "$T/s.json"
is "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$T/s.json")" "$all" "export --format json: one array of every session"
"$BIN" export --db "$plain" -t capture_counters --format json > "$T/cc.json"
is "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$T/cc.json")" \
	"$(db_val "$plain" "SELECT count(*) FROM capture_counters")" "capture_counters is exportable"
missing=""
for t in $(db_val "$plain" "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite%'"); do
	rows=$("$BIN" export --db "$plain" -t "$t" 2> /dev/null | wc -l)
	[ "$rows" -eq "$(db_val "$plain" "SELECT count(*) FROM \"$t\"")" ] || missing="$missing $t"
done
is "$missing" "" "every table and view of the database exports all its rows"
# a session that began before the cut and ended after it is exported
mid=$(db_val "$plain" "SELECT printf('%.6f', (first_ts + last_ts) / 2) FROM sessions ORDER BY last_ts - first_ts DESC LIMIT 1")
iso=$(python3 -c 'import datetime,sys; print(datetime.datetime.fromtimestamp(float(sys.argv[1]), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))' "$mid")
want=$(db_val "$plain" "SELECT count(*) FROM sessions WHERE last_ts >= $mid")
is "$("$BIN" export --db "$plain" -t sessions --since "$iso" | wc -l | tr -d ' ')" "$want" "--since $iso (ISO 8601) keeps sessions by their end: $want"
is "$("$BIN" export --db "$plain" -t sessions --since "$mid" | wc -l | tr -d ' ')" "$want" "the same with Unix seconds"
"$BIN" export --db "$plain" -t sessions --since yesterday > /dev/null 2>&1
is "$?" 2 "--since with a time that does not parse is a usage error"

# ---- live: -s 0, -B in KiB, -c COUNT, -w FILE, durations with units
"$BIN" live -i nosuch0 -s 0 --db "$(fresh_db habits-s0)" > /dev/null 2>&1
is "$?" 1 "live -s 0 is accepted (whole frames; the missing interface is what fails)"
err=$("$BIN" live -i lo -s 10 2>&1)
is "$?" 2 "-s 10 is a usage error"
err=$("$BIN" live -i lo -B 1 2>&1)
is "$?" 2 "-B 1 (one KiB) is a usage error"
like "$err" "KiB, as tcpdump" "and says -B is in KiB, as tcpdump"
err=$("$BIN" live -i lo --duration 1x 2>&1)
is "$?" 2 "--duration 1x is a usage error"
like "$err" "90s, 1m, 2h" "naming the accepted forms"
"$BIN" live -i nosuch0 --duration 1m --stats-interval 500ms --analyze-interval 2m --db "$(fresh_db habits-dur)" > /dev/null 2>&1
is "$?" 1 "--duration 1m, --stats-interval 500ms, --analyze-interval 2m are accepted"
if [ "$(id -u)" -eq 0 ] && ip netns add "s18h$$" 2> /dev/null; then
	NS=s18h$$
	ip -n "$NS" link set lo up
	# traffic: UDP datagrams to the discard port, 100 a second for 6 s
	ip netns exec "$NS" python3 -c 'import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(600):
    s.sendto(b"smtpscope", ("127.0.0.1", 9)); time.sleep(0.01)' > /dev/null 2>&1 &
	ping_pid=$!
	db=$(fresh_db habits-c)
	t0=$(date +%s)
	ip netns exec "$NS" "$BIN" live -i lo -Z root -q -c 25 -w "$T/c25.pcap" -B 4096 --duration 2m --db "$db" 2> "$T/c25.log"
	rc=$?
	t1=$(date +%s)
	kill "$ping_pid" 2> /dev/null; wait "$ping_pid" 2> /dev/null
	is "$rc" 0 "live -c 25 -w FILE -B 4096 exits 0"
	ok "$([ $((t1 - t0)) -lt 30 ]; echo $?)" "and stops by itself long before --duration 2m"
	is "$(db_val "$db" "SELECT packets FROM captures")" 25 "the capture row counts exactly 25 frames"
	is "$("$BUILD/tests/pcapcount" "$T/c25.pcap" 2> /dev/null | awk '{ print $2 }')" 25 "-w wrote exactly those 25 frames, as a pcap file"
	db2=$(fresh_db habits-c-replay)
	"$BIN" replay -q --db "$db2" "$T/c25.pcap"
	is "$(db_val "$db2" "SELECT packets FROM captures")" 25 "which replay reads back"
	t0=$(date +%s)
	ip netns exec "$NS" "$BIN" live -i lo -Z root -q --duration 2s --db "$(fresh_db habits-2s)" 2> /dev/null
	t1=$(date +%s)
	ok "$([ $((t1 - t0)) -ge 1 ] && [ $((t1 - t0)) -le 8 ]; echo $?)" "--duration 2s stops after about 2 s ($((t1 - t0)) s)"
	ip netns del "$NS"
else
	for k in 1 2 3 4 5 6; do skip "live -c/-w/--duration 2s" "needs root and network namespaces"; done
fi
done_testing
