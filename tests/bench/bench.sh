#!/bin/sh
# bench.sh: the performance table (README "Performance"); `make bench` runs it.
#
# Prepares the benchmark captures once under $BENCH_DIR (reused when present),
# measures the bare libpcap read loop (pcapcount: the floor), `smtpscope
# replay`, ndpiReader and tshark on them, and `smtpscope analyze/findings/
# report` on a database of 10^6 sessions, then prints one table with a
# PASS/FAIL line per performance target and writes it to
# $BENCH_DIR/results.md.  A missed target is reported, not an error: the
# exit status is 1 only when a command failed.  See tests/bench/README.md.
#
# Environment (defaults in brackets):
#   BUILD [build/release]  BENCH_DIR [build/bench]  SHARED [../shared]
#   RUNS [5]         runs of each fast command (the median is reported)
#   RUNS_TSHARK [1]  runs of tshark (about 20 s each on the benchmark capture)
#   RUNS_BIG [3]     runs on the 4x and open-flows captures
#   RUNS_DB [3]      runs of findings and report on the 10^6-session database
#   SESSIONS [5000]  SMTP sessions in the benchmark capture (the 4x one has 4 times as many)
#   OPEN_FLOWS [1000000]  DB_SESSIONS [1000000]
#   PEERS_4X [0]     1: also run ndpiReader and tshark on the 4x capture
#   ANALYZE_TIMEOUT [600]  seconds before `smtpscope analyze` on 10^6 sessions is stopped
#   PERF [1]         0 skips the perf profile of one replay (perf-top.txt)
#   CG_SESSIONS [500]  SMTP sessions of the capture measured under callgrind
#                      (instructions per packet and per session: a figure that
#                      does not move with the machine's load); 0 skips it
set -eu

BUILD=${BUILD:-build/release}
OUT=${BENCH_DIR:-build/bench}
SHARED=${SHARED:-../shared}
RUNS=${RUNS:-5}
RUNS_TSHARK=${RUNS_TSHARK:-1}
RUNS_BIG=${RUNS_BIG:-3}
RUNS_DB=${RUNS_DB:-3}
SESSIONS=${SESSIONS:-5000}
OPEN_FLOWS=${OPEN_FLOWS:-1000000}
DB_SESSIONS=${DB_SESSIONS:-1000000}
PEERS_4X=${PEERS_4X:-0}
ANALYZE_TIMEOUT=${ANALYZE_TIMEOUT:-600}
CG_SESSIONS=${CG_SESSIONS:-500}

HERE=$(cd "$(dirname "$0")" && pwd)
SMTPSCOPE=$BUILD/smtpscope
MKPCAP=$BUILD/tests/mkpcap
PCAPCOUNT=$BUILD/tests/pcapcount
SMTPGEN=$SHARED/tools/smtpgen.py
RAW=$OUT/raw.jsonl
TMPD=$OUT/tmp

say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

for f in "$SMTPSCOPE" "$MKPCAP" "$PCAPCOUNT"; do
	[ -x "$f" ] || die "$f is missing: run make first"
done
mkdir -p "$OUT" "$TMPD"

# The runner: forks the measured command from a small C process so that the
# peak RSS is the command's own (see runrss.c).
RUNNER=$OUT/runrss
if [ ! -x "$RUNNER" ] || [ "$HERE/runrss.c" -nt "$RUNNER" ]; then
	${CC:-cc} -std=gnu11 -O2 -Wall -Wextra -Werror -o "$RUNNER" "$HERE/runrss.c" ||
		die "cannot build $RUNNER"
fi
export MEASURE_RUNNER=$RUNNER

# ---- captures ----------------------------------------------------------------
# gen NAME SESSIONS: $OUT/NAME.pcap (+ NAME.json truth with smtpgen).
gen() {
	name=$1 n=$2
	[ -s "$OUT/$name.pcap" ] && return 0
	if [ -f "$SMTPGEN" ]; then
		say "generating $name.pcap: smtpgen.py, $n sessions with 40 KB bodies (about $((n / 250)) s)"
		python3 "$SMTPGEN" -o "$OUT/$name.pcap.tmp" --truth "$OUT/$name.json" \
			--sessions "$n" --body-kb 40 --noise 1.0 --seed 11 >&2
		echo smtpgen >"$OUT/$name.gen"
	else
		say "generating $name.pcap: mkpcap --bench $n ($SMTPGEN not found)"
		"$MKPCAP" --bench "$n" "$OUT/$name.pcap.tmp"
		rm -f "$OUT/$name.json"
		echo mkpcap >"$OUT/$name.gen"
	fi
	mv "$OUT/$name.pcap.tmp" "$OUT/$name.pcap"
}
gen bench "$SESSIONS"
gen bench4x $((SESSIONS * 4))
[ "$CG_SESSIONS" -gt 0 ] && gen bench500 "$CG_SESSIONS"
if [ ! -s "$OUT/openflows.pcap" ]; then
	say "generating openflows.pcap: mkpcap --open-flows $OPEN_FLOWS"
	"$MKPCAP" --open-flows "$OPEN_FLOWS" "$OUT/openflows.pcap.tmp"
	mv "$OUT/openflows.pcap.tmp" "$OUT/openflows.pcap"
fi

# ---- measurements ------------------------------------------------------------
: >"$RAW"
failed=0

# record SET TOOL FILE RUNS COMMAND...: one JSON line in $RAW.
record() {
	set_=$1 tool=$2 file=$3 runs=$4
	shift 4
	say "$set_: $tool ($runs run(s))"
	load=$(cut -d' ' -f1 /proc/loadavg) # other work on the machine skews the times
	if ! res=$(python3 "$HERE/measure.py" "$runs" -- "$@"); then
		say "$set_: $tool: measure.py failed"
		failed=1
		return 0
	fi
	case $res in
	*'"rc": 0,'*) ;;
	*'"rc": 124,'*) [ "$tool" = analyze ] && say "$set_: $tool timed out" ||
		{ say "$set_: $tool failed: $res"; failed=1; } ;;
	*) say "$set_: $tool failed: $res"; failed=1 ;;
	esac
	printf '{"set": "%s", "tool": "%s", "file": "%s", "runs_n": %s, "timeout": %s, "load1": %s, "m": %s}\n' \
		"$set_" "$tool" "$file" "$runs" "${ANALYZE_TIMEOUT}" "$load" "$res" >>"$RAW"
}

# capture_info SET FILE: packets, bytes, file size and SMTP sessions of FILE.
capture_info() {
	set_=$1 file=$2
	counts=$("$PCAPCOUNT" "$file") || { say "pcapcount $file failed"; failed=1; return 0; }
	size=$(stat -L -c %s "$file")
	truth=${file%.pcap}.json
	sessions=null
	if [ -s "$truth" ]; then
		sessions=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["sessions"]))' "$truth")
	fi
	flows=null
	[ "$set_" = openflows ] && flows=$OPEN_FLOWS
	printf '{"set": "%s", "info": true, "file": "%s", "packets": %s, "bytes": %s, "size": %s, "sessions": %s, "gen": "%s", "flows": %s}\n' \
		"$set_" "$file" "$(echo "$counts" | cut -d' ' -f2)" "$(echo "$counts" | cut -d' ' -f4)" \
		"$size" "$sessions" "$(cat "${file%.pcap}.gen" 2>/dev/null || echo mkpcap)" "$flows" >>"$RAW"
}

# replay_sessions SET DB: the sessions smtpscope stored (when no truth file).
replay_sessions() {
	n=$(sqlite3 "$2" 'SELECT count(*) FROM sessions' 2>/dev/null || echo null)
	printf '{"set": "%s", "stored_sessions": %s}\n' "$1" "$n" >>"$RAW"
}

DB=$TMPD/replay.db
FRESH="rm -f $DB $DB-wal $DB-shm $DB-journal"

# measure_capture SET FILE RUNS PEERS
measure_capture() {
	set_=$1 file=$2 runs=$3 peers=$4
	cat "$file" >/dev/null # the page cache, so that the first tool is not penalised
	capture_info "$set_" "$file"
	record "$set_" floor "$file" "$runs" "$PCAPCOUNT" "$file"
	MEASURE_BEFORE=$FRESH record "$set_" smtpscope "$file" "$runs" \
		"$SMTPSCOPE" replay -q --db "$DB" "$file"
	replay_sessions "$set_" "$DB"
	[ "$peers" = 1 ] || return 0
	if command -v ndpiReader >/dev/null; then
		record "$set_" ndpiReader "$file" "$runs" ndpiReader -i "$file" -q
	else
		say "ndpiReader not installed (Debian libndpi-bin): skipped"
	fi
	if command -v tshark >/dev/null; then
		record "$set_" tshark "$file" "$RUNS_TSHARK" tshark -r "$file" -Y smtp -T fields \
			-e frame.number -e smtp.req.command -e smtp.req.parameter \
			-e smtp.response.code -e smtp.rsp.parameter
	else
		say "tshark not installed: skipped"
	fi
}

measure_capture bench "$OUT/bench.pcap" "$RUNS" 1
measure_capture bench4x "$OUT/bench4x.pcap" "$RUNS_BIG" "$PEERS_4X"
measure_capture openflows "$OUT/openflows.pcap" "$RUNS_BIG" 0
rm -f "$DB" "$DB-wal" "$DB-shm"

# ---- the database of 10^6 sessions -------------------------------------------
BIGDB=$OUT/db1m.db
BIGDB_STAMP=$OUT/db1m.stamp
if [ ! -s "$BIGDB" ] || [ "$(cat "$BIGDB_STAMP" 2>/dev/null)" != "$DB_SESSIONS $(stat -c %s "$OUT/bench.pcap")" ]; then
	say "building the $DB_SESSIONS-session database (replay once, then SQL copies; about 2 min)"
	rm -f "$BIGDB" "$BIGDB.tmp" "$BIGDB_STAMP"
	# with the analysis: the copies carry the benchmark capture's findings, so
	# findings/report have realistic input even if `analyze` below times out
	"$SMTPSCOPE" replay -q --db "$BIGDB.tmp" "$OUT/bench.pcap"
	python3 "$HERE/mkdb.py" "$BIGDB.tmp" "$DB_SESSIONS" >"$OUT/db1m.counts"
	mv "$BIGDB.tmp" "$BIGDB"
	echo "$DB_SESSIONS $(stat -c %s "$OUT/bench.pcap")" >"$BIGDB_STAMP"
fi
printf '{"set": "db", "counts": %s}\n' "$(cat "$OUT/db1m.counts")" >>"$RAW"
cat "$BIGDB" >/dev/null
# analyze is bounded: it is killed after ANALYZE_TIMEOUT seconds (then its
# transaction rolls back and findings/report run on the copied findings)
record db analyze "$BIGDB" 1 timeout "$ANALYZE_TIMEOUT" "$SMTPSCOPE" analyze --db "$BIGDB"
record db findings "$BIGDB" "$RUNS_DB" "$SMTPSCOPE" findings --db "$BIGDB"
record db report "$BIGDB" "$RUNS_DB" "$SMTPSCOPE" report --db "$BIGDB" -o /dev/null

# ---- instructions (callgrind) ---------------------------------------------------
# The floor and smtpscope replay of the small capture under valgrind
# --tool=callgrind: instructions executed (both threads), exact and
# repeatable whatever else the machine runs.  The top inclusive entries of
# the replay (reader, writer, analysis, start-up) go to $OUT/callgrind.txt.
# cg_run TOOL COMMAND...: one JSON line with the instruction count.
cg_run() {
	tool=$1
	shift
	say "callgrind: $tool"
	rm -f "$OUT/cg-$tool.out"
	if ! valgrind --tool=callgrind --callgrind-out-file="$OUT/cg-$tool.out" "$@" >/dev/null 2>"$OUT/cg-$tool.log"; then
		say "callgrind: $tool failed (see $OUT/cg-$tool.log)"
		failed=1
		return 0
	fi
	ir=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$OUT/cg-$tool.out" | head -n 1)
	printf '{"set": "callgrind", "tool": "%s", "instructions": %s}\n' "$tool" "${ir:-null}" >>"$RAW"
}
if [ "$CG_SESSIONS" -gt 0 ]; then
	if command -v valgrind >/dev/null; then
		capture_info bench500 "$OUT/bench500.pcap"
		cg_run floor "$PCAPCOUNT" "$OUT/bench500.pcap"
		rm -f "$DB" "$DB-wal" "$DB-shm"
		cg_run smtpscope "$SMTPSCOPE" replay -q --db "$DB" "$OUT/bench500.pcap"
		replay_sessions bench500 "$DB"
		rm -f "$DB" "$DB-wal" "$DB-shm"
		if [ -s "$OUT/cg-smtpscope.out" ]; then
			callgrind_annotate --inclusive=yes "$OUT/cg-smtpscope.out" 2>/dev/null >"$OUT/callgrind.txt" || :
			callgrind_annotate "$OUT/cg-smtpscope.out" 2>/dev/null >"$OUT/callgrind-self.txt" || :
		fi
	else
		say "valgrind not installed: instructions not measured"
	fi
fi

# ---- where the time goes (perf) ---------------------------------------------------
# One replay of the benchmark capture under `perf record` (sampling, both
# threads, kernel included): the share of each thread and the top entries,
# to $OUT/perf-threads.txt and $OUT/perf-top.txt for the table.  Skipped
# without perf (Debian linux-perf) or when the kernel refuses sampling.
rm -f "$OUT/perf-threads.txt" "$OUT/perf-top.txt"
if [ "${PERF:-1}" = 1 ] && command -v perf >/dev/null; then
	say "perf: smtpscope replay of the benchmark capture"
	rm -f "$DB" "$DB-wal" "$DB-shm"
	if perf record -q -F 4000 -o "$OUT/perf.data" "$SMTPSCOPE" replay -q --db "$DB" "$OUT/bench.pcap" \
		>/dev/null 2>"$OUT/perf.log"; then
		perf report -i "$OUT/perf.data" --no-children --sort comm --stdio 2>/dev/null |
			grep -v '^#' | grep . >"$OUT/perf-threads.txt" || :
		perf report -i "$OUT/perf.data" --no-children --sort dso,sym --stdio 2>/dev/null |
			grep -v '^#' | grep . | head -n 20 >"$OUT/perf-top.txt" || :
	else
		say "perf record failed (see $OUT/perf.log): no perf entries"
	fi
	rm -f "$DB" "$DB-wal" "$DB-shm"
fi

# ---- the table -----------------------------------------------------------------
python3 "$HERE/table.py" "$RAW" "$OUT/results.md" "$OUT/callgrind.txt" || failed=1
[ "$failed" = 0 ] || { say "a command failed (see above)"; exit 1; }
exit 0
