#!/bin/sh
# tests/run.sh [unit|e2e|shared|threads|all]: runs the unit test programs and the end-to-end
# scripts, sums their "# N passed, M failed" lines and ends with the total
# "N passed, N failed".  Exit status 1 when anything failed.
# BUILD is the build directory (build/release by default).
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build/release}
export BUILD
export BIN="$BUILD/smtpscope"
export MKPCAP="$BUILD/tests/mkpcap"
export PCAPS="$BUILD/pcaps"
export OUT="$BUILD/tests-out"
what=${1:-all}
passed=0
failed=0
skipped=0
broken=""
mkdir -p "$OUT"

run_one() {
	name=$1; shift
	log="$OUT/$(echo "$name" | tr / -).log"
	"$@" > "$log" 2>&1
	rc=$?
	line=$(grep -E '^# [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		echo "FAIL $name: no summary line (exit $rc); see $log"
		tail -n 20 "$log" | sed 's/^/    /'
		failed=$((failed + 1)); broken="$broken $name"
		return
	fi
	p=$(echo "$line" | sed -E 's/^# ([0-9]+) passed, ([0-9]+) failed.*/\1/')
	f=$(echo "$line" | sed -E 's/^# ([0-9]+) passed, ([0-9]+) failed.*/\2/')
	s=$(grep -c '^ok .*# SKIP' "$log")
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
	if [ "$f" -ne 0 ] || [ "$rc" -ne 0 ]; then
		[ "$f" -eq 0 ] && failed=$((failed + 1))
		echo "FAIL $name: $p passed, $f failed (exit $rc); see $log"
		grep -E '^not ok|^#   ' "$log" | head -n 30 | sed 's/^/    /'
		broken="$broken $name"
	else
		echo "ok   $name: $p passed${s:+, $s skipped}"
	fi
}

if [ "$what" = unit ] || [ "$what" = all ]; then
	# the layers: every #include runs the documented way (README)
	run_one check/includes-selftest sh tests/check_includes.sh --self-test
	run_one check/includes sh tests/check_includes.sh
	# the fuzz corpora and crash regressions, once through every target
	run_one fuzz/replay sh tests/fuzz/replay.sh
	for t in "$BUILD"/tests/test_*; do
		[ -x "$t" ] || continue
		run_one "unit/$(basename "$t")" "$t"
	done
fi
e2e_list=tests/e2e/test_*.sh
# shared: only the checks against ../shared (public captures, smtpgen truth)
[ "$what" = shared ] && e2e_list="tests/e2e/test_shared.sh tests/e2e/test_smtpgen.sh"
# threads: the tests that run the threaded paths (replay: a worker and the
# writer; live: 1 and 2 workers and the analysis thread), for make tsan
[ "$what" = threads ] && e2e_list="tests/e2e/test_sample.sh tests/e2e/test_kb301401.sh tests/e2e/test_live.sh"
if [ "$what" = e2e ] || [ "$what" = shared ] || [ "$what" = threads ] || [ "$what" = all ]; then
	rm -rf "$PCAPS" && mkdir -p "$PCAPS"
	if ! "$MKPCAP" "$PCAPS" > "$OUT/mkpcap.log" 2>&1; then
		echo "FAIL mkpcap: could not write the fixtures; see $OUT/mkpcap.log"
		failed=$((failed + 1))
	fi
	for t in $e2e_list; do
		[ -f "$t" ] || continue
		run_one "e2e/$(basename "$t" .sh)" sh "$t"
	done
fi
[ -n "$broken" ] && echo "failing:$broken"
echo "${passed} passed, ${failed} failed${skipped:+, ${skipped} skipped}"
[ "$failed" -eq 0 ]
