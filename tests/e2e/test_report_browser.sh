# End to end: the HTML report renders in headless Chromium with no console
# errors, shows the findings table, runs no script from the data, and leaves
# a screenshot in the test output.
. tests/e2e/lib.sh
chrome=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chrome" ]; then
	skip "report in Chromium" "chromium not installed"
	done_testing; exit $?
fi
db=$(fresh_db browser)
"$BIN" replay -q --db "$db" "$PCAPS/sample.pcap" "$PCAPS/hostile.pcap"
"$BIN" report --db "$db" -o "$OUT/report.html"
ok $? "report written"
size=$(wc -c < "$OUT/report.html")
ok "$([ "$size" -lt 10000000 ]; echo $?)" "report is under 10 MB ($size bytes)"
grep -Eq '(src|href)="(https?:)?//' "$OUT/report.html"; is $? 1 "no external resources"
case $OUT in /*) abs=$OUT ;; *) abs=$PWD/$OUT ;; esac
flags="--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync --disable-dev-shm-usage"
prof=$(mktemp -d)
timeout 60 "$chrome" $flags --user-data-dir="$prof" --enable-logging=stderr --v=0 --dump-dom "file://$abs/report.html" \
	> "$OUT/report.dom" 2> "$OUT/chromium.log"
ok $? "chromium loads the report"
grep -q 'id="findings"' "$OUT/report.dom"; ok $? "the DOM has the findings table"
grep -q 'aliasex\|EX2000' "$OUT/report.dom"; ok $? "the DOM names the misconfigured server"
grep -Eq 'CONSOLE|Uncaught|console' "$OUT/chromium.log"; is $? 1 "no console messages or errors"
grep -q '<script>alert' "$OUT/report.dom"; is $? 1 "the hostile banner is not a script element in the DOM"
timeout 60 "$chrome" $flags --user-data-dir="$prof" --window-size=1280,2400 --screenshot="$abs/report.png" \
	"file://$abs/report.html" > /dev/null 2>&1
ok "$([ -s "$OUT/report.png" ]; echo $?)" "screenshot kept at $OUT/report.png"
rm -rf "$prof"
done_testing
