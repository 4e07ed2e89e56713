#!/bin/sh
# Golden tests, in the tcpdump TESTLIST style: tests/expected/LIST names each
# case (NAME, the capture, replay options); the case replays the capture
# into a fresh database and its whole export (tests/gen/golden.c: every
# exportable table in a stable order, as JSON lines) must equal
# tests/expected/NAME.jsonl byte for byte.  The replay's exit status is the
# first line ({"exit":N}), so a capture that must be refused stays refused.
# Every fixture mkpcap writes must have a line, so a new fixture cannot go
# without its golden.
#
# Outputs change on purpose sometimes: `make golden-update` rewrites every
# expected file from the current build (GOLDEN_UPDATE=1); review the diff
# like code before committing it.
. "$(dirname "$0")/lib.sh"
: "${BUILD:?run from tests/run.sh or make test}" "${BIN:?}" "${PCAPS:?}" "${OUT:?}"
LIST=tests/expected/LIST
GOLDEN="$BUILD/tests/golden"
update=${GOLDEN_UPDATE:-0}
work="$OUT/golden"
rm -rf "$work"; mkdir -p "$work"

# Every fixture is listed (and only existing ones).
missing=
for f in "$PCAPS"/*; do
	b=$(basename "$f")
	grep -q "	pcaps/$b	\|	pcaps/$b\$" "$LIST" || missing="$missing $b"
done
is "$missing" "" "every fixture mkpcap writes has a line in $LIST"

while IFS='	' read -r name input opts; do
	case $name in ''|'#'*) continue ;; esac
	case $input in
	pcaps/*) path="$PCAPS/${input#pcaps/}" ;;
	*) path=$input ;;
	esac
	db="$work/$name.db"
	got="$work/$name.jsonl"
	# shellcheck disable=SC2086
	SOURCE_DATE_EPOCH=1000000000 "$BIN" replay -q --db "$db" $opts "$path" > "$work/$name.log" 2>&1
	echo "{\"exit\":$?}" > "$got"
	if [ -f "$db" ]; then
		"$GOLDEN" "$db" >> "$got" 2>> "$work/$name.log" || echo '{"golden":"failed"}' >> "$got"
	fi
	want="tests/expected/$name.jsonl"
	if [ "$update" = 1 ]; then
		cp "$got" "$want"
		ok 0 "$name: $want written"
	elif [ ! -f "$want" ]; then
		ok 1 "$name: $want is missing (make golden-update writes it)"
	elif cmp -s "$got" "$want"; then
		ok 0 "$name: the export equals $want"
	else
		ok 1 "$name: the export differs from $want (got: $got)"
		diff "$want" "$got" | head -n 12 | cut -c1-300 | sed 's/^/#   /'
	fi
done < "$LIST"
done_testing
