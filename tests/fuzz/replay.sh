#!/bin/sh
# tests/fuzz/replay.sh: replays the committed seed corpora
# (tests/fuzz/corpus/<target>/) and crash regressions
# (tests/fuzz/regressions/<target>/) once through every fuzz target, built
# without libFuzzer as $BUILD/tests/fuzz_<target>-replay (replay_main.c).
# No fuzzing: a crash or a broken invariant fails the target's line.
# Prints TAP and "# N passed, M failed".
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build/release}
n=0; fail=0
for src in tests/fuzz/fuzz_*.c; do
	t=$(basename "$src" .c); t=${t#fuzz_}
	bin="$BUILD/tests/fuzz_$t-replay"
	n=$((n + 1))
	set --
	for f in tests/fuzz/corpus/"$t"/* tests/fuzz/regressions/"$t"/*; do
		[ -f "$f" ] && set -- "$@" "$f"
	done
	if [ ! -x "$bin" ]; then
		echo "not ok $n - fuzz_$t: $bin is not built"; fail=$((fail + 1))
	elif [ $# -eq 0 ]; then
		echo "not ok $n - fuzz_$t: no corpus in tests/fuzz/corpus/$t"; fail=$((fail + 1))
	elif out=$("$bin" "$@" 2>&1); then
		echo "ok $n - fuzz_$t: $# corpus and regression inputs ran"
	else
		echo "not ok $n - fuzz_$t: an input broke the target"; fail=$((fail + 1))
		echo "$out" | tail -n 5 | sed 's/^/#   /'
	fi
done
echo "# $((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
