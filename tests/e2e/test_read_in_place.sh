# End to end: the in-place reader of classic pcap files
# (analyzer/capture/pcapread.c) stores exactly what libpcap's reading
# stores.  Every classic pcap fixture (and a 2000-session smtpgen capture
# with impairments, when ../shared exists) is replayed twice, in place
# (the default) and with SMTPSCOPE_READER=libpcap, and the two whole
# exports (tests/gen/golden.c) must be equal byte for byte: sessions,
# transcripts, anomalies, counters, the content hash, and the error of a
# truncated or corrupt file with its byte offset.  Also with a BPF filter
# and through the import rules (a re-run is skipped).
. tests/e2e/lib.sh
: "${BUILD:?run from tests/run.sh or make test}" "${BIN:?}" "${PCAPS:?}" "${OUT:?}"
GOLDEN="$BUILD/tests/golden"
work="$OUT/in-place"
rm -rf "$work"; mkdir -p "$work"

# classic pcap, this byte order, version 2.4: what the in-place reader takes
classic() {
	python3 - "$1" <<'PY'
import sys
d = open(sys.argv[1], 'rb').read(8)
sys.exit(0 if d[:4] in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') and d[4:8] == b'\x02\x00\x04\x00' else 1)
PY
}

# same NAME FILE [OPTS...]: both readers' exports are equal
same() {
	name=$1 f=$2
	shift 2
	rm -f "$work/$name".*
	SOURCE_DATE_EPOCH=1000000000 "$BIN" replay -q --db "$work/$name.a.db" "$@" "$f" > "$work/$name.a.log" 2>&1
	ra=$?
	SOURCE_DATE_EPOCH=1000000000 SMTPSCOPE_READER=libpcap "$BIN" replay -q --db "$work/$name.b.db" "$@" "$f" \
		> "$work/$name.b.log" 2>&1
	rb=$?
	"$GOLDEN" "$work/$name.a.db" > "$work/$name.a.jsonl" 2>&1
	"$GOLDEN" "$work/$name.b.db" > "$work/$name.b.jsonl" 2>&1
	if [ "$ra" = "$rb" ] && cmp -s "$work/$name.a.jsonl" "$work/$name.b.jsonl" &&
	   cmp -s "$work/$name.a.log" "$work/$name.b.log"; then
		ok 0 "$name: in place and libpcap store the same (exit $ra)"
	else
		ok 1 "$name: in place (exit $ra) and libpcap (exit $rb) differ"
		diff "$work/$name.a.jsonl" "$work/$name.b.jsonl" | head -n 6 | cut -c1-240 | sed 's/^/#   /'
		diff "$work/$name.a.log" "$work/$name.b.log" | head -n 4 | sed 's/^/#   /'
	fi
}

n_classic=0
for f in "$PCAPS"/*.pcap; do
	classic "$f" || continue
	n_classic=$((n_classic + 1))
	same "$(basename "$f" .pcap)" "$f"
done
ok "$([ "$n_classic" -ge 40 ]; echo $?)" "the fixtures include at least 40 classic pcap files ($n_classic)"
# the corrupt ones really fail, with the offset
like "$(cat "$work/truncated.a.log")" "corrupt or truncated capture at byte offset [0-9]+" "truncated.pcap: the error names the offset"
like "$(cat "$work/hugerecord.a.log")" "invalid packet capture length 2147483648" "hugerecord.pcap: libpcap's reason"

# which reader ran: in place, the 24 header bytes are one read(2) of their own
if command -v strace > /dev/null; then
	for mode in in-place libpcap; do
		rm -f "$work/st.db"*
		if [ $mode = libpcap ]; then
			SMTPSCOPE_READER=libpcap strace -f -e trace=read -o "$work/st-$mode.txt" \
				"$BIN" replay -q --no-analyze --db "$work/st.db" "$PCAPS/sample.pcap"
		else
			strace -f -e trace=read -o "$work/st-$mode.txt" \
				"$BIN" replay -q --no-analyze --db "$work/st.db" "$PCAPS/sample.pcap"
		fi
	done
	ok "$(grep -q '"\\324\\303\\262\\241.*, 24) = 24' "$work/st-in-place.txt"; echo $?)" \
		"by default sample.pcap is read in place (its header read alone)"
	ok "$(grep -q ', 24) = 24' "$work/st-libpcap.txt"; [ $? = 1 ]; echo $?)" \
		"SMTPSCOPE_READER=libpcap: libpcap reads it"
else
	skip "which reader ran" "no strace"
fi

same filter "$PCAPS/sample.pcap" --filter 'tcp port 25 and host 192.0.2.25'

# the import rules see the same hash: a second run of the file is skipped
db=$(fresh_db in-place-again)
"$BIN" replay -q --db "$db" "$PCAPS/sample.pcap"
SMTPSCOPE_READER=libpcap "$BIN" replay -q --db "$db" "$PCAPS/sample.pcap"
is "$(db_val "$db" "SELECT count(*) FROM captures")" 1 "read in place, then by libpcap: one import (same content hash)"

gen=$SHARED/tools/smtpgen.py
if [ -f "$gen" ] && command -v python3 > /dev/null; then
	cache=build/smtpgen
	mkdir -p "$cache"
	cap="$cache/gen-2000-3-0.5.pcap"; truth="$cache/gen-2000-3-0.5.json"
	[ -f "$cap" ] && [ -f "$truth" ] || python3 "$gen" -o "$cap" --truth "$truth" --sessions 2000 --seed 3 --impair 0.5 > /dev/null
	same smtpgen-2000 "$cap"
else
	skip "smtpgen capture in place" "no $gen"
fi
done_testing
