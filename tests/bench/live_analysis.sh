#!/bin/sh
# tests/bench/live_analysis.sh: does periodic analysis cost live capture any
# session?  (issue 13: analysis off the ingest path.)
#
# A database of SESSIONS (10^5) sessions is built (a replay of an smtpgen
# capture grown by mkdb.py, then analyzed once).  Two copies of it each get
# the same live capture: tcpreplay sends a second smtpgen capture (TRAFFIC
# sessions, at PPS packets/s) over a veth pair while `smtpscope live
# --workers 2` captures the peer, once with --analyze-interval 1 (the
# findings of the whole database refreshed every second, on the analysis
# thread) and once without periodic analysis (--analyze-interval 86400).
# Prints one line per run and a verdict: the periodic run must store every
# session the other stores and lose none in the writer queue.
# Needs root, ip, tcpreplay, python3, sqlite3, ../shared/tools/smtpgen.py.
# Environment: BUILD (build/release), SESSIONS (100000), TRAFFIC (2000), PPS (3000).
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build/release}
BIN=$(pwd)/$BUILD/smtpscope
SESSIONS=${SESSIONS:-100000}
TRAFFIC=${TRAFFIC:-2000}
PPS=${PPS:-3000}
GEN=${SHARED:-../shared}/tools/smtpgen.py
W=$(mktemp -d /tmp/smtpscope-liveanalysis.XXXXXX) || exit 1
NS=sla$$ VA=la$$ VB=lb$$
live_pid=
cleanup() {
	[ -n "$live_pid" ] && kill "$live_pid" 2> /dev/null
	ip netns del "$NS" 2> /dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'cleanup; exit 1' INT TERM
q() { sqlite3 -batch -noheader "$1" "$2"; }

python3 "$GEN" -o "$W/base.pcap" --sessions 300 --seed 7 --impair 0 > /dev/null || exit 1
python3 "$GEN" -o "$W/traffic.pcap" --sessions "$TRAFFIC" --seed 8 --impair 0 --noise 0 \
	--start 1900000000 > /dev/null || exit 1
"$BIN" replay -q --no-analyze --db "$W/base.db" "$W/base.pcap" || exit 1
python3 tests/bench/mkdb.py "$W/base.db" "$SESSIONS" > /dev/null || exit 1
t0=$(date +%s.%N)
"$BIN" analyze --db "$W/base.db" || exit 1
t1=$(date +%s.%N)
echo "# base: $(q "$W/base.db" "SELECT count(*) FROM sessions") sessions; one analysis takes" \
	"$(echo "$t1 $t0" | awk '{ printf "%.1f", $1 - $2 }') s"
offline=$("$BIN" replay -q --no-analyze --db "$W/offline.db" "$W/traffic.pcap" && q "$W/offline.db" "SELECT count(*) FROM sessions")
echo "# traffic: $TRAFFIC generated sessions, $offline found by an offline replay, sent at $PPS packets/s"

ip netns add "$NS" || exit 1
ip -n "$NS" link add "$VA" type veth peer name "$VB" && ip -n "$NS" link set "$VA" up &&
	ip -n "$NS" link set "$VB" up || exit 1
ip -n "$NS" link set "$VA" mtu 9000 2> /dev/null
ip -n "$NS" link set "$VB" mtu 9000 2> /dev/null

run() { # run NAME ANALYZE-INTERVAL: prints "stored queue_dropped kernel_dropped runs"
	cp "$W/base.db" "$W/$1.db"
	ip netns exec "$NS" "$BIN" live -i "$VB" -Z root --workers 2 --stats-interval 1 \
		--analyze-interval "$2" --db "$W/$1.db" > "$W/$1.log" 2>&1 &
	live_pid=$!
	for i in $(seq 1 100); do grep -q "capturing on" "$W/$1.log" && break; sleep 0.1; done
	ip netns exec "$NS" tcpreplay -q -i "$VA" --pps "$PPS" "$W/traffic.pcap" > "$W/$1-tcpreplay.log" 2>&1
	sleep 2
	kill -TERM "$live_pid"; wait "$live_pid"; live_pid=
	id=$(q "$W/$1.db" "SELECT max(id) FROM captures")
	echo "$(q "$W/$1.db" "SELECT smtp_sessions FROM captures WHERE id = $id")" \
	     "$(q "$W/$1.db" "SELECT coalesce(max(value), 0) FROM capture_counters WHERE capture_id = $id AND name = 'queue_dropped_sessions'")" \
	     "$(q "$W/$1.db" "SELECT dropped + if_dropped FROM captures WHERE id = $id")" \
	     "$(q "$W/$1.db" "SELECT count(*) FROM findings")" \
	     "$(q "$W/$1.db" "SELECT coalesce(max(value), 0) FROM capture_counters WHERE capture_id = $id AND name = 'analysis_runs'")"
}
set -- $(run periodic 1); p_stored=$1 p_qdrop=$2 p_kdrop=$3 p_find=$4 p_runs=$5
refreshes=$(grep -c 'refreshing the findings failed' "$W/periodic.log")
set -- $(run none 86400); n_stored=$1 n_qdrop=$2 n_kdrop=$3
echo "periodic analysis every 1 s: $p_runs analyses of the whole database ran; $p_stored sessions stored, $p_qdrop lost in the writer queue, $p_kdrop packets dropped by the kernel, $p_find findings, $refreshes failed refreshes"
echo "no periodic analysis:        $n_stored sessions stored, $n_qdrop lost in the writer queue, $n_kdrop packets dropped by the kernel"
if [ "$p_stored" -ge "$n_stored" ] && [ "$p_qdrop" -eq 0 ] && [ "$refreshes" -eq 0 ] && [ "$p_runs" -gt 0 ]; then
	echo "ok - periodic analysis dropped no session that the run without it kept"
else
	echo "not ok - periodic analysis cost sessions"
	exit 1
fi
