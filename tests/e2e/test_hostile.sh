# End to end: hostile banners and EHLO names are stored verbatim through
# bound parameters, and come out escaped in every report format.
. tests/e2e/lib.sh
db=$(fresh_db hostile)
"$BIN" replay -q --db "$db" "$PCAPS/hostile.pcap" "$PCAPS/longline.pcap"
ok $? "replay hostile.pcap"
is "$(db_val "$db" "SELECT count(*) FROM sqlite_master WHERE name='sessions'")" 1 "the sessions table survived"
like "$(db_val "$db" "SELECT helo_arg FROM sessions WHERE helo_arg LIKE '%DROP TABLE%'")" "DROP TABLE sessions;--" \
	"the SQL-injection EHLO name is stored verbatim"
like "$(db_val "$db" "SELECT banner_text FROM sessions WHERE banner_text LIKE '%script%'")" "<script>alert\(1\)</script>" \
	"the script banner is stored verbatim"
"$BIN" report --db "$db" -o "$OUT/hostile.html"; ok $? "html report"
is "$(grep -io '<script' "$OUT/hostile.html" | wc -l | tr -d ' ') $(grep -o '<script id="smtpscope-ui">' "$OUT/hostile.html" | wc -l | tr -d ' ')" "1 1" \
	"no <script in the HTML but the report's own"
grep -q '&lt;script&gt;' "$OUT/hostile.html"; is $? 0 "the banner appears escaped"
"$BIN" findings --db "$db" --format json | python3 -c 'import json,sys; json.load(sys.stdin)'; ok $? "findings json parses"
"$BIN" report --db "$db" --format json | python3 -c 'import json,sys; json.load(sys.stdin)'; ok $? "report json parses"
"$BIN" report --db "$db" --format text > "$OUT/hostile.txt"; ok $? "text report"
grep -q "$(printf '\033')" "$OUT/hostile.txt"; is $? 1 "no ESC byte in the text report"
"$BIN" findings --db "$db" --format text > "$OUT/hostile-f.txt"
grep -q "$(printf '\033')" "$OUT/hostile-f.txt"; is $? 1 "no ESC byte in the text findings"
"$BIN" findings --db "$db" --format csv | python3 -c 'import csv,sys; list(csv.reader(sys.stdin))'; ok $? "findings csv parses"
maxline=$(awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }' "$OUT/hostile.txt")
ok "$([ "$maxline" -lt 4000 ]; echo $?)" "long lines are shortened in the text report (longest $maxline)"
"$BIN" export --db "$db" --table sessions | python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]'; ok $? "export jsonl parses"
# export --format csv: a wire string that would run as a spreadsheet formula
# gets the same leading ' as the findings CSV (one policy, escape.h)
f=$(fresh_db hostile-formula)
"$BIN" replay -q --db "$f" "$PCAPS/sample.pcap"
sqlite3 "$f" "UPDATE sessions SET helo_arg = '=cmd|'' /C calc''!A0' WHERE id = (SELECT min(id) FROM sessions)"
"$BIN" export --db "$f" --table sessions --format csv > "$OUT/hostile-formula.csv"; ok $? "export csv"
grep -qF "\"'=cmd|' /C calc'!A0\"" "$OUT/hostile-formula.csv"; ok $? "export csv: a formula gets a leading quote"
grep -q ',=cmd' "$OUT/hostile-formula.csv"; is $? 1 "export csv: no field starts with ="
done_testing
