#!/bin/sh
# Runs the libFuzzer targets built by `make fuzz-build` (build/fuzz/fuzz_*).
#
#   FUZZ_SECONDS=60 tests/fuzz/run.sh [target...]     (targets: decode reasm smtp message pcap probe tls)
#
# For each target: first the committed regression inputs
# (tests/fuzz/regressions/<target>/*) are replayed, then the fuzzer runs for
# FUZZ_SECONDS on a work corpus copied from tests/fuzz/corpus/<target> into
# build/fuzz/corpus-work/<target> (the committed corpus is never written).
# Crash, leak and timeout inputs land in build/fuzz/artifacts/<target>/.
# Prints a TAP line per target with its executions and coverage, and
# "# N passed, M failed".  Builds nothing: make does.
#
# Environment: FUZZ_SECONDS (60), FUZZ_BUILD (build/fuzz), FUZZ_JOBS (1:
# targets run one after the other; 2 runs two at a time), MKPCAP
# (build/release/tests/mkpcap: when built, its fixtures under 256 KiB also
# seed the pcap work corpus).

set -u
cd "$(dirname "$0")/../.." || exit 2

SECONDS_PER=${FUZZ_SECONDS:-60}
B=${FUZZ_BUILD:-build/fuzz}
JOBS=${FUZZ_JOBS:-1}
MKPCAP=${MKPCAP:-build/release/tests/mkpcap}
TARGETS=${*:-decode reasm smtp message pcap probe tls}
DICT_TEXT=tests/fuzz/smtp.dict
DICT_NET=tests/fuzz/net.dict

# Per-target options: max_len and dictionary.
opts() {
	case $1 in
	smtp|message) echo "-max_len=65536 -dict=$DICT_TEXT" ;;
	pcap)         echo "-max_len=262144 -dict=$DICT_NET" ;;
	decode)       echo "-max_len=65536 -dict=$DICT_NET" ;;
	*)            echo "-max_len=65536" ;;
	esac
}

# Runs one target; writes $B/logs/<t>.result: "ok|not ok<TAB>detail".
run_one() {
	t=$1
	bin=$B/fuzz_$t
	log=$B/logs/$t.log
	res=$B/logs/$t.result
	work=$B/corpus-work/$t
	art=$B/artifacts/$t/
	rm -f "$res" "$log"
	if [ ! -x "$bin" ]; then
		printf 'not ok\t%s not built (make fuzz-build)\n' "$bin" > "$res"
		return
	fi
	mkdir -p "$work" "$art"
	# Regressions first: each committed reproducer must run clean now.
	if [ -d "tests/fuzz/regressions/$t" ] && [ -n "$(ls "tests/fuzz/regressions/$t" 2>/dev/null)" ]; then
		if ! "$bin" -rss_limit_mb=2048 -timeout=10 tests/fuzz/regressions/"$t"/* > "$B/logs/$t.regress.log" 2>&1; then
			printf 'not ok\tregression input fails again: see %s\n' "$B/logs/$t.regress.log" > "$res"
			return
		fi
	fi
	[ -d "tests/fuzz/corpus/$t" ] && cp -n tests/fuzz/corpus/"$t"/* "$work"/ 2>/dev/null
	# The project's fixture captures, when the generator is built (never committed here).
	if [ "$t" = pcap ] && [ -x "$MKPCAP" ] && [ ! -d "$B/mkpcap-out" ]; then
		if "$MKPCAP" "$B/mkpcap-out" > /dev/null 2>&1; then
			find "$B/mkpcap-out" -type f -size -256k \( -name '*.pcap' -o -name '*.pcapng' \) \
				-exec cp -n {} "$work"/ \; 2>/dev/null
		fi
	fi
	before=$(ls "$art" | wc -l)
	# shellcheck disable=SC2046
	"$bin" $(opts "$t") -max_total_time="$SECONDS_PER" -rss_limit_mb=2048 -timeout=10 \
		-print_final_stats=1 -artifact_prefix="$art" "$work" > "$log" 2>&1
	rc=$?
	after=$(ls "$art" | wc -l)
	# "#123456 DONE   cov: 3552 ft: 15937 corp: ..." and "stat::number_of_executed_units: N"
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	[ -n "$execs" ] || execs=$(sed -n 's/^#\([0-9]*\).*/\1/p' "$log" | tail -n 1)
	cov=$(sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\).*/cov \1 ft \2/p' "$log" | tail -n 1)
	detail="${execs:-0} executions, ${cov:-cov ?}, corpus $(ls "$work" | wc -l) files"
	if [ "$rc" -ne 0 ] || [ "$after" -gt "$before" ]; then
		printf 'not ok\t%s; exit %s, new artifacts in %s, log %s\n' "$detail" "$rc" "$art" "$log" > "$res"
	else
		printf 'ok\t%s\n' "$detail" > "$res"
	fi
}

mkdir -p "$B/logs"
echo "1..$(echo $TARGETS | wc -w)"
pending=""
for t in $TARGETS; do
	if [ "$JOBS" -gt 1 ]; then
		run_one "$t" &
		pending="$pending $!"
		if [ "$(echo $pending | wc -w)" -ge "$JOBS" ]; then
			wait $pending
			pending=""
		fi
	else
		run_one "$t"
	fi
done
[ -n "$pending" ] && wait $pending

n=0 pass=0 fail=0
for t in $TARGETS; do
	n=$((n + 1))
	line=$(cat "$B/logs/$t.result" 2>/dev/null || printf 'not ok\tno result')
	status=${line%%	*}
	detail=${line#*	}
	if [ "$status" = ok ]; then
		pass=$((pass + 1))
		echo "ok $n - fuzz_$t: $detail"
	else
		fail=$((fail + 1))
		echo "not ok $n - fuzz_$t: $detail"
	fi
done
echo "# $pass passed, $fail failed"
[ "$fail" -eq 0 ]
