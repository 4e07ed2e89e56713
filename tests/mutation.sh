#!/bin/sh
# tests/mutation.sh [NAME...]: the mutation check.  Each mutation deletes one
# rule the tests must guard (the four guard clauses of the outcome rules,
# the dot-unstuffing, the reassembly overlap check, the HTML escaping) in a
# scratch copy of the tree (never in the checkout), rebuilds it there and
# runs the unit tests and the golden tests; the mutation is "killed" when at
# least one test fails.  Prints TAP: "ok" for a killed mutation.
# Needs a built tree (build/release: objects are copied so only the mutated
# file recompiles).  Takes a few minutes.
set -u
cd "$(dirname "$0")/.." || exit 1
src=$(pwd)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/smtpscope-mutation.XXXXXX") || exit 1
trap 'rm -rf "$scratch"' EXIT

# NAME~FILE~TEXT~REPLACEMENT   (TEXT must occur exactly once in FILE)
mutations='guard-helo-accepted~dissectors/smtp.c~(d->helo_code >= 400 && !d->helo_accepted)~(d->helo_code >= 400)
guard-no-banner-no-command~dissectors/smtp.c~!d->saw_smtp || (d->banner_code == 0 && d->known_cmds == 0)~!d->saw_smtp
guard-quit~dissectors/smtp.c~if (!d->quit && (d->how~if ((d->how
guard-unterminated~dissectors/smtp.c~d->quit && d->mail_accepted && !d->unterminated~d->quit && d->mail_accepted
dot-unstuffing~dissectors/smtp.c~s->body_bst = B_MID;  /* stuffed dot: dropped */~body_feed(s, (const uint8_t *)".", 1); s->body_bst = B_MID;
reasm-overlap-check~analyzer/engine/reasm.c~covered = overlap_held(d, off, data, dend, end, &diff);~covered = 0; diff = 0;
html-escaping~reports/escape.c~case '"'"'<'"'"': fputs("&lt;", f); continue;~case '"'"'<'"'"': fputc('"'"'<'"'"', f); continue;'
[ $# -gt 0 ] && want=" $* " || want=

n=0
echo "$mutations" | while IFS='~' read -r name file text repl; do
	[ -n "$want" ] && case $want in *" $name "*) ;; *) continue ;; esac
	n=$((n + 1))
	rm -rf "$scratch/t"; mkdir -p "$scratch/t"
	(cd "$src" && git ls-files -z -co --exclude-standard | xargs -0 cp --parents -a -t "$scratch/t")
	[ -d "$src/build/release" ] && mkdir -p "$scratch/t/build" && cp -a "$src/build/release" "$scratch/t/build/"
	if ! python3 - "$scratch/t/$file" "$text" "$repl" <<'PY'
import sys
p, t, r = sys.argv[1:4]
s = open(p).read()
if s.count(t) != 1:
    sys.exit("mutation text found %d times in %s" % (s.count(t), p))
open(p, "w").write(s.replace(t, r))
PY
	then
		echo "not ok $n - $name: could not apply the mutation"; continue
	fi
	log="$scratch/$name.log"
	if ! (cd "$scratch/t" && make -j2 test-bins > "$log" 2>&1); then
		echo "not ok $n - $name: the mutated tree does not build (see the log)"; tail -5 "$log"; continue
	fi
	(cd "$scratch/t" && ./tests/run.sh unit > "$log.unit" 2>&1
	 rm -rf build/release/pcaps && mkdir -p build/release/pcaps build/release/tests-out &&
	 build/release/tests/mkpcap build/release/pcaps > /dev/null 2>&1
	 BUILD=build/release BIN=build/release/smtpscope PCAPS=build/release/pcaps OUT=build/release/tests-out \
		sh tests/e2e/test_golden.sh > "$log.golden" 2>&1)
	fails=$(cat "$log.unit" "$log.golden" | grep -cE '^[[:space:]]*not ok')
	first=$(cat "$log.unit" "$log.golden" | grep -E '^[[:space:]]*not ok' | head -n 1 | sed 's/^[[:space:]]*//' | cut -c1-160)
	if [ "$fails" -gt 0 ]; then
		echo "ok $n - $name: killed ($fails failing tests; first: $first)"
	else
		echo "not ok $n - $name: SURVIVED (every unit and golden test still passes)"
	fi
done
