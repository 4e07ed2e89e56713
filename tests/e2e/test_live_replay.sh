# End to end, live against offline: tcpreplay sends a capture over a veth
# pair at a set rate while `smtpscope live` captures on the peer; when no
# drop is reported, the sessions stored must equal those of an offline
# `smtpscope replay` of the same file.  Then the same at top speed with a
# 1 MiB buffer, where drops must be reported (or, if this machine keeps up
# even so, the drop check is skipped with the reason).
# Needs root, ip (iproute2), tcpreplay, sqlite3.
. tests/e2e/lib.sh

if [ "$(id -u)" -ne 0 ]; then
	skip "live replay end to end" "needs root (network namespace, capture)"
	done_testing; exit $?
fi
missing=""
for t in ip tcpreplay sqlite3; do
	command -v "$t" > /dev/null 2>&1 || missing="$missing $t"
done
if [ -n "$missing" ]; then
	skip "live replay end to end" "missing tool(s):$missing (apt-get install iproute2 tcpreplay sqlite3)"
	done_testing; exit $?
fi

BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
NS=srp$$ VA=ra$$ VB=rb$$
live_pid=""
# smtpscope drops to nobody: its databases live where nobody can reach them,
# whatever the permissions of the checkout's path.
W=$(mktemp -d /tmp/smtpscope-live.XXXXXX) && chmod 755 "$W"
cleanup() {
	[ -n "$live_pid" ] && kill "$live_pid" 2> /dev/null
	ip netns del "$NS" 2> /dev/null
	rm -rf "$W"
	return 0
}
trap cleanup EXIT
trap 'cleanup; exit 1' INT TERM

# The capture: 300 generated sessions when smtpgen is there, else the fixture.
gen=$SHARED/tools/smtpgen.py
cap="$OUT/live-gen300.pcap"
if [ -f "$gen" ] && command -v python3 > /dev/null 2>&1; then
	[ -f "$cap" ] || python3 "$gen" -o "$cap" --sessions 300 --seed 7 --impair 0 > /dev/null 2>&1 || cap=""
else
	cap=""
fi
[ -n "$cap" ] && [ -f "$cap" ] || cap="$PCAPS/sample.pcap"
if [ ! -f "$cap" ]; then
	skip "live replay end to end" "no capture to send ($PCAPS/sample.pcap missing)"
	done_testing; exit $?
fi
echo "# sending $cap"

if ! ip netns add "$NS" 2> /dev/null; then
	skip "live replay end to end" "cannot create network namespaces here"
	done_testing; exit $?
fi
ip -n "$NS" link add "$VA" type veth peer name "$VB" &&
	ip -n "$NS" link set "$VA" up && ip -n "$NS" link set "$VB" up
ok $? "veth pair $VA/$VB in namespace $NS"
# Frames of the capture may be larger than the default MTU.
ip -n "$NS" link set "$VA" mtu 9000 2> /dev/null
ip -n "$NS" link set "$VB" mtu 9000 2> /dev/null

wait_capturing() {
	for i in $(seq 1 100); do
		grep -q "capturing on" "$1" 2> /dev/null && return 0
		kill -0 "$2" 2> /dev/null || return 1
		sleep 0.1
	done
	return 1
}

# live_run NAME SMTPSCOPE-OPTIONS -- TCPREPLAY-OPTIONS: one capture of one send.
live_run() {
	name=$1; shift
	lopts=""
	while [ "$1" != "--" ]; do lopts="$lopts $1"; shift; done
	shift
	db="$W/$name.db"
	log="$OUT/$name.log"
	rm -f "$log" # the background job truncates it only once it runs
	# shellcheck disable=SC2086
	ip netns exec "$NS" "$BIN" live -i "$VB" --stats-interval 1 --db "$db" $lopts > "$log" 2>&1 &
	live_pid=$!
	wait_capturing "$log" "$live_pid" || return 1
	ip netns exec "$NS" tcpreplay -i "$VA" "$@" "$cap" > "$OUT/$name-tcpreplay.log" 2>&1 || return 1
	sleep 1 # the last ring block is handed over within the 100 ms timeout
	kill -TERM "$live_pid"
	wait "$live_pid"
	rc=$?
	live_pid=""
	return $rc
}

snapshot() {
	db_val "$1" "SELECT client_ip, client_port, server_ip, server_port, coalesce(banner_host, '-'),
		coalesce(helo_arg, '-'), outcome, mails FROM sessions
		ORDER BY client_ip, client_port, server_ip, server_port, first_ts"
}

# ---- offline
off=$(fresh_db live-offline)
"$BIN" replay -q --db "$off" "$cap"
ok $? "offline replay of $(basename "$cap")"
snapshot "$off" > "$OUT/live-offline.txt"
nsess=$(wc -l < "$OUT/live-offline.txt" | tr -d ' ')
ok "$([ "$nsess" -gt 0 ]; echo $?)" "the offline replay found $nsess sessions"

# ---- live at a set rate
live_run live-paced -Z nobody -- --pps 2000
ok $? "live capture while tcpreplay --pps 2000 sends it (see $OUT/live-paced.log)"
db=$W/live-paced.db
snapshot "$db" > "$OUT/live-paced.txt"
drops=$(db_val "$db" "SELECT dropped + if_dropped FROM captures")
sent=$(sed -n 's/.*Successful packets: *\([0-9]*\).*/\1/p' "$OUT/live-paced-tcpreplay.log" | head -n 1)
echo "# tcpreplay sent ${sent:-?} packets; live saw $(db_val "$db" "SELECT packets FROM captures"), dropped ${drops:-?}"
if [ "${drops:-1}" = 0 ]; then
	d=$(diff "$OUT/live-offline.txt" "$OUT/live-paced.txt" | head -n 10)
	is "$d" "" "live sessions equal the offline replay's ($nsess; snapshots $OUT/live-offline.txt, $OUT/live-paced.txt)"
	ok "$([ "$(db_val "$db" "SELECT packets >= ${sent:-1} FROM captures")" = 1 ]; echo $?)" \
		"live counted every packet sent"
else
	skip "live equals offline" "the kernel dropped $drops packets even at 2000 packets/s"
	skip "live counted every packet sent" "drops"
fi
is "$(db_val "$db" "SELECT kind || ' ' || status FROM captures")" "live finished" "capture live, finished"

# ---- top speed, 1 MiB buffer: drops must show
live_run live-flood -B 1024 -Z nobody -- --topspeed --loop 5
ok $? "live capture while tcpreplay --topspeed --loop 5 floods it (see $OUT/live-flood.log)"
db=$W/live-flood.db
drops=$(db_val "$db" "SELECT dropped + if_dropped FROM captures")
if [ "${drops:-0}" -gt 0 ]; then
	ok 0 "drops are counted in the capture row ($drops)"
	ok "$([ "$(db_val "$db" "SELECT max(dropped + if_dropped) > 0 FROM capture_stats")" = 1 ]; echo $?)" \
		"and in capture_stats"
	like "$(tail -n 1 "$OUT/live-flood.log")" "dropped: [1-9][0-9]* by the kernel" "the final line reports them"
	is "$(db_val "$db" "SELECT count(*) FROM anomalies WHERE kind = 'packets_dropped'")" 1 \
		"a packets_dropped anomaly says the results are incomplete"
else
	for t in "drops counted in the capture row" "drops in capture_stats" "final line reports drops" \
		"packets_dropped anomaly"; do
		skip "$t" "this machine kept up with tcpreplay --topspeed even with a 1 MiB buffer (0 drops)"
	done
fi
is "$(db_val "$db" "SELECT status FROM captures")" "finished" "the flooded capture still finishes"
done_testing
