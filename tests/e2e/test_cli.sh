# End to end: the command line: help, version, exit codes.
. tests/e2e/lib.sh
"$BIN" --help > "$OUT/help.txt"; ok $? "--help exits 0"
like "$(cat "$OUT/help.txt")" "replay" "--help lists the commands"
"$BIN" --version > "$OUT/version.txt"; ok $? "--version exits 0"
like "$(cat "$OUT/version.txt")" "^smtpscope [0-9]" "--version prints the version"
for c in replay live analyze findings report export merge; do
	"$BIN" $c --help > "$OUT/help-$c.txt" 2>&1; ok $? "$c --help exits 0"
	like "$(cat "$OUT/help-$c.txt")" "usage: smtpscope $c" "$c --help shows its usage"
done
"$BIN" help replay > /dev/null; ok $? "help replay exits 0"
"$BIN" > /dev/null 2>&1; is $? 2 "no command: exit 2"
"$BIN" frobnicate > /dev/null 2>&1; is $? 2 "unknown command: exit 2"
"$BIN" replay > /dev/null 2>&1; is $? 2 "replay without files: exit 2"
"$BIN" replay --bogus x.pcap > /dev/null 2>&1; is $? 2 "unknown option: exit 2"
"$BIN" replay --max-flows zero x.pcap > /dev/null 2>&1; is $? 2 "bad number: exit 2"
"$BIN" findings --format xml > /dev/null 2>&1; is $? 2 "bad format: exit 2"
"$BIN" export --db "$OUT/none.db" > /dev/null 2>&1; is $? 2 "export without --table: exit 2"
"$BIN" findings --db "$OUT/does-not-exist.db" > /dev/null 2>&1; is $? 1 "findings on a missing database: exit 1"
done_testing
