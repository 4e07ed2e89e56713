# End to end: a CLI that never surprises.  Options anywhere among the file
# names and "--" ending them; one message per error naming the command and
# the option; merge takes --db and prints a summary; the replay summary
# counts files imported, skipped and failed.
. tests/e2e/lib.sh
work="$OUT/cli-args"; rm -rf "$work"; mkdir -p "$work"
cd "$work" || exit 1
BINA=$(cd "$OLDPWD" && readlink -f "$BIN"); P=$(cd "$OLDPWD" && readlink -f "$PCAPS")

"$BINA" replay -q "$P/kb301401.pcap" --db order.db; ok $? "replay FILE --db X exits 0"
like "$(db_val order.db "SELECT count(*) FROM sessions")" "^[1-9]" "replay FILE --db X writes into X"
ok "$([ ! -e smtpscope.db ]; echo $?)" "and not into ./smtpscope.db"
"$BINA" replay "$P/pipelining.pcap" -q --db order2.db "$P/bdat.pcap" --no-analyze; ok $? "options between file names"
is "$(db_val order2.db "SELECT count(*) FROM captures")" 2 "both files around the options are imported"
cp "$P/bdat.pcap" ./-dash.pcap
"$BINA" replay -q --db dash.db -- -dash.pcap; ok $? "'--' ends the options: a file named -dash.pcap"
is "$(db_val dash.db "SELECT source FROM captures")" "-dash.pcap" "and it is the file imported"

# one message per error, naming the command and the option
for args in "replay --bogus x.pcap|replay: unknown option '--bogus'" \
	    "replay x.pcap --db|replay: option '--db' needs a value" \
	    "replay -Z x.pcap|replay: unknown option '-Z'" \
	    "replay --quiet=1 x.pcap|replay: option '--quiet' takes no value" \
	    "findings --format xml|findings: --format is text, json or csv, not 'xml'" \
	    "export --db order.db|export: --table is required" \
	    "merge --bogus|merge: unknown option '--bogus'" \
	    "analyze --bogus|analyze: unknown option '--bogus'" \
	    "live --bogus|live: unknown option '--bogus'" \
	    "live -i|live: option '-i' needs a value" \
	    "--bogus|smtpscope: unknown option '--bogus'" \
	    "frobnicate|smtpscope: unknown command 'frobnicate'"; do
	a=${args%%|*}; want=${args#*|}
	"$BINA" $a > /dev/null 2> err.txt; rc=$?
	is "$rc" 2 "'$a' is a usage error (exit 2)"
	like "$(head -n 1 err.txt)" "$want" "'$a': $want"
	is "$(grep -vc "^Try '" err.txt)" 1 "'$a': one message (and the hint)"
done

# the summary counts files imported, skipped and failed
"$BINA" replay --db sum.db "$P/kb301401.pcap" "$P/kb301401.pcap" "$P/notacapture.pcap" "$P/bdat.pcap" 2> sum.err; rc=$?
is "$rc" 1 "a replay where one file failed exits 1"
like "$(tail -n 1 sum.err)" "^2 files imported, 1 skipped \(already imported\), 1 failed" "summary: 2 imported, 1 skipped, 1 failed"
"$BINA" replay --db sum.db "$P/kb301401.pcap" 2> sum2.err; is $? 0 "a replay of a file already imported exits 0"
like "$(tail -n 1 sum2.err)" "^0 files imported, 1 skipped" "summary: 0 imported, 1 skipped (not 'Replayed 1 file')"

# merge takes --db and prints a summary
"$BINA" replay -q --db in1.db "$P/kb301401.pcap"; "$BINA" replay -q --db in2.db "$P/bdat.pcap"
"$BINA" merge --db merged.db in1.db in2.db 2> merge.err; ok $? "merge --db OUT IN IN exits 0"
want=$(( $(db_val in1.db "SELECT count(*) FROM sessions") + $(db_val in2.db "SELECT count(*) FROM sessions") ))
is "$(db_val merged.db "SELECT count(*) FROM sessions")" "$want" "merge --db writes into OUT"
like "$(cat merge.err)" "^Merged 2 databases into merged.db: 2 captures copied \($want SMTP sessions" "merge prints what it copied"
"$BINA" merge in1.db --db merged.db 2> merge2.err; ok $? "merging again (option after the input) exits 0"
like "$(cat merge2.err)" "0 captures copied .*1 already present" "and says nothing new was copied"
"$BINA" merge legacy.db in1.db 2> /dev/null; ok $? "the old form merge OUT IN still works"
is "$(db_val legacy.db "SELECT count(*) FROM captures")" 1 "into OUT"
"$BINA" merge --db merged.db nothere.db 2> merge3.err; is $? 1 "merging a missing input exits 1"
is "$(grep -c "nothere.db: .*nothere.db" merge3.err)" 0 "the missing input is named once"
done_testing
