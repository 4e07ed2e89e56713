# End to end (issue 17): the HTML reports of the sample capture, a
# 2000-session smtpgen capture (--seed 3), the hostile capture and the
# public captures, in Debian's Chromium driven by Playwright
# (tests/browser/report_check.js): no horizontal overflow at 1400 and 800 px,
# the first screen names the misconfigured servers, headers sort, finding
# links land on their server sections, everything is there without
# JavaScript, the print fits the page.  Screenshots of both widths (and
# without JavaScript) are left in $OUT/browser/ for a person to look at.
. tests/e2e/lib.sh
chrome=$(command -v chromium || command -v chromium-browser || true)
pw=tests/browser/node_modules/playwright-core
if [ -z "$chrome" ] || ! command -v node > /dev/null 2>&1 || [ ! -d "$pw" ]; then
	skip "reports in Chromium with Playwright" "chromium, node or $pw missing (make deps-test)"
	done_testing; exit $?
fi
shots=$OUT/browser
rm -rf "$shots"; mkdir -p "$shots"

# expected.txt: endpoints ([v6]:port) of servers, from findings or from a truth file
endpoints_of_findings() { # DB OUT
	"$BIN" findings --db "$1" --kind non_fqdn_greeting --format json | python3 -c '
import ipaddress, json, sys
for f in json.load(sys.stdin):
    ip = ipaddress.ip_address(f["server_ip"])
    print(("[%s]:%d" if ip.version == 6 else "%s:%d") % (ip.compressed, f["server_port"]))' > "$2"
}

args=""
db=$(fresh_db pw-sample)
"$BIN" replay -q --db "$db" "$PCAPS/sample.pcap"; ok $? "replay the sample"
"$BIN" report --db "$db" -o "$shots/sample.html"; ok $? "report of the sample"
endpoints_of_findings "$db" "$shots/sample.expected"
grep -qx '10.1.0.25:25' "$shots/sample.expected"; ok $? "the sample's Exchange 2000 server is among the expected"
args="$args sample=$shots/sample.html=$shots/sample.expected"

gen=$SHARED/tools/smtpgen.py
if [ -f "$gen" ]; then
	cache=$OUT/smtpgen-cache; mkdir -p "$cache"
	cap=$cache/gen-2000-3.pcap
	[ -s "$cap" ] || python3 "$gen" -o "$cap" --truth "$cache/gen-2000-3.json" --sessions 2000 --seed 3 > /dev/null
	db=$(fresh_db pw-smtpgen)
	"$BIN" replay -q --db "$db" "$cap"; ok $? "replay smtpgen --sessions 2000 --seed 3"
	"$BIN" report --db "$db" -o "$shots/smtpgen.html"; ok $? "report of the smtpgen capture"
	python3 -c '
import ipaddress, json, sys
t = json.load(open(sys.argv[1]))
for s in t["servers"].values():
    if s.get("misconfigured_non_fqdn"):
        ip = ipaddress.ip_address(s["ip"])
        print(("[%s]:%d" if ip.version == 6 else "%s:%d") % (ip.compressed, s["port"]))' "$cache/gen-2000-3.json" > "$shots/smtpgen.expected"
	is "$(wc -l < "$shots/smtpgen.expected" | tr -d ' ')" 23 "truth marks 23 servers misconfigured"
	args="$args smtpgen=$shots/smtpgen.html=$shots/smtpgen.expected"
else
	skip "smtpgen report" "$gen missing"
fi

db=$(fresh_db pw-hostile)
"$BIN" replay -q --db "$db" "$PCAPS/hostile.pcap"; ok $? "replay the hostile capture"
"$BIN" report --db "$db" -o "$shots/hostile.html"; ok $? "report of the hostile capture"
endpoints_of_findings "$db" "$shots/hostile.expected"
args="$args hostile=$shots/hostile.html=$shots/hostile.expected"

pub=$(ls "$SHARED"/pcaps/public/*.pcap "$SHARED"/pcaps/public/*.pcapng 2>/dev/null)
if [ -n "$pub" ]; then
	db=$(fresh_db pw-public)
	# shellcheck disable=SC2086
	"$BIN" replay -q --db "$db" $pub; ok $? "replay the public captures"
	"$BIN" report --db "$db" -o "$shots/public.html"; ok $? "report of the public captures"
	endpoints_of_findings "$db" "$shots/public.expected"
	args="$args public=$shots/public.html=$shots/public.expected"
else
	skip "public captures" "none in $SHARED/pcaps/public"
fi

# the browser's TAP lines become ours
# shellcheck disable=SC2086
node tests/browser/report_check.js "$shots" $args > "$shots/browser.tap" 2>&1
rc=$?
while IFS= read -r line; do
	case $line in
	"ok "*) ok 0 "${line#ok * - }" ;;
	"not ok "*) ok 1 "${line#not ok * - }" ;;
	"#   "*) echo "$line" ;;
	esac
done < "$shots/browser.tap"
ok $rc "the browser run ends cleanly (see $shots/browser.tap)"
for r in sample smtpgen hostile public; do
	[ -f "$shots/$r.html" ] || continue
	ok "$([ -s "$shots/report-$r-1400.png" ] && [ -s "$shots/report-$r-800.png" ]; echo $?)" "screenshots of $r at 1400 and 800 px in $shots"
done
done_testing
