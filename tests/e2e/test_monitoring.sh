# End to end: findings for monitoring (issue 17): --fail-on exit status,
# stable keys across analyses, --new, the filters, --since parsing, and the
# KB 301401 remediation whole in every output.
. tests/e2e/lib.sh
db=$(fresh_db monitoring)
"$BIN" replay -q --db "$db" "$PCAPS/sample.pcap"; ok $? "replay the sample"

# --fail-on
"$BIN" findings --db "$db" --fail-on high > "$OUT/mon-fail.txt"; is $? 3 "findings --fail-on high exits 3 on the sample"
grep -q '^HIGH' "$OUT/mon-fail.txt"; ok $? "the list is printed when --fail-on matches"
"$BIN" findings --db "$db" --fail-on high --kind legacy_software > /dev/null; is $? 0 "--fail-on high with only low findings listed exits 0"
healthy=$(fresh_db monitoring-healthy)
"$BIN" replay -q --db "$healthy" "$PCAPS/starttls.pcap" "$PCAPS/bdat.pcap" "$PCAPS/pipelining.pcap"
is "$(db_val "$healthy" "SELECT count(*) FROM sessions WHERE outcome = 'completed'") -gt 0" "$(db_val "$healthy" "SELECT count(*) FROM sessions WHERE outcome = 'completed'") -gt 0" "healthy capture replayed"
is "$(db_val "$healthy" "SELECT count(*) FROM findings")" 0 "the healthy capture has no findings"
"$BIN" findings --db "$healthy" --fail-on high > /dev/null; is $? 0 "findings --fail-on high exits 0 on healthy servers only"
"$BIN" findings --db "$healthy" --fail-on info > /dev/null; is $? 0 "findings --fail-on info exits 0 on healthy servers only"
low=$(fresh_db monitoring-low)
"$BIN" replay -q --db "$low" "$PCAPS/ipv6.pcap"
"$BIN" findings --db "$low" --fail-on low > /dev/null; is $? 3 "--fail-on low exits 3 on a low finding"
"$BIN" findings --db "$low" --fail-on medium > /dev/null; is $? 0 "--fail-on medium exits 0 on a low finding"
"$BIN" findings --db "$db" --fail-on bogus > /dev/null 2>&1; is $? 2 "--fail-on bogus is a usage error"

# keys and --new across analyses
keys1=$(db_val "$db" "SELECT kind || ' ' || coalesce(server_ip, client_ip) || ' ' || finding_key FROM findings ORDER BY 1")
first1=$(db_val "$db" "SELECT min(first_seen) || ' ' || max(first_seen) FROM findings")
nf=$(db_val "$db" "SELECT count(*) FROM findings")
is "$(db_val "$db" "SELECT count(*) FROM findings WHERE is_new")" "$nf" "the first analysis: every finding is new"
is "$(db_val "$db" "SELECT count(DISTINCT finding_key) FROM findings")" "$nf" "finding keys are distinct"
sleep 1
"$BIN" analyze --db "$db"; ok $? "analyze again"
keys2=$(db_val "$db" "SELECT kind || ' ' || coalesce(server_ip, client_ip) || ' ' || finding_key FROM findings ORDER BY 1")
is "$keys2" "$keys1" "finding keys are equal across two analyze runs"
is "$(db_val "$db" "SELECT min(first_seen) || ' ' || max(first_seen) FROM findings")" "$first1" "first_seen is kept"
is "$(db_val "$db" "SELECT count(*) FROM findings WHERE last_seen > first_seen")" "$nf" "last_seen moves on"
out=$("$BIN" findings --db "$db" --new); ok $? "findings --new exits 0"
is "$out" "no findings" "--new after two analyses lists nothing"
is "$("$BIN" findings --db "$db" --new --format json | tr -d ' \n')" "[]" "--new as JSON: an empty array"
"$BIN" findings --db "$db" --new --fail-on info > /dev/null; is $? 0 "--new --fail-on info: nothing new, exit 0"
is "$(db_val "$db" "SELECT count(*) FROM analyses") $(db_val "$db" "SELECT new FROM analyses ORDER BY id DESC LIMIT 1")" "2 0" "two analyses recorded, the second found nothing new"
# a new finding after a new capture
"$BIN" replay -q --db "$db" "$PCAPS/ipv6.pcap"
newk=$("$BIN" findings --db "$db" --new --format json | python3 -c 'import json,sys; print(" ".join(sorted(f["kind"] for f in json.load(sys.stdin))))')
like "$newk" "starttls_not_offered" "a finding from a new capture is new"
unlike_old=$(db_val "$db" "SELECT count(*) FROM findings WHERE is_new AND kind = 'non_fqdn_greeting'")
is "$unlike_old" 0 "old findings are not new again"

# filters
"$BIN" findings --db "$db" --severity high --format json > "$OUT/mon-high.json"
is "$(python3 -c 'import json,sys; print(sorted(set(f["severity"] for f in json.load(open(sys.argv[1])))))' "$OUT/mon-high.json")" "['high']" "--severity high keeps high only"
is "$("$BIN" findings --db "$db" --kind expired_447,stalled_deliveries --format json | python3 -c 'import json,sys; print(sorted(set(f["kind"] for f in json.load(sys.stdin))))')" \
	"['expired_447', 'stalled_deliveries']" "--kind with two kinds"
is "$("$BIN" findings --db "$db" --server 10.1.0.25:25 --format json | python3 -c 'import json,sys; print(sorted(set("%s:%s" % (f["server_ip"], f["server_port"]) for f in json.load(sys.stdin))))')" \
	"['10.1.0.25:25']" "--server ADDR:PORT"
is "$("$BIN" findings --db "$db" --server 10.1.0.25:2525 --format json | tr -d ' \n')" "[]" "--server with another port: nothing"
v6=$(db_val "$db" "SELECT server_ip || ' ' || server_port FROM findings WHERE server_ip LIKE '%:%' LIMIT 1")
if [ -n "$v6" ]; then
	is "$("$BIN" findings --db "$db" --server "[${v6% *}]:${v6#* }" --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)) > 0)')" "True" "--server [v6]:port"
	like "$("$BIN" findings --db "$db" --server "${v6% *}")" "\[${v6% *}\]:${v6#* }" "IPv6 endpoints are written [v6]:port"
else
	skip "--server [v6]:port" "no IPv6 finding"; skip "[v6]:port" "no IPv6 finding"
fi
"$BIN" findings --db "$db" --server 'not an ip' > /dev/null 2>&1; is $? 2 "--server garbage is a usage error"
for t in 24h 7d 90s 2026-01-01 2026-01-01T08:00Z "2026-01-01 08:00:30+02:00" 1700000000; do
	"$BIN" findings --db "$db" --since "$t" > /dev/null; is $? 0 "--since $t"
done
for t in 7x 2026-13-01 yesterday "" 2026-01-01T25:00; do
	"$BIN" findings --db "$db" --since "$t" > /dev/null 2>&1; is $? 2 "--since '$t' is a usage error"
done
is "$("$BIN" findings --db "$db" --since 2099-01-01)" "no findings" "--since the future lists nothing"
is "$("$BIN" findings --db "$db" --since 1h --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" \
	"$(db_val "$db" "SELECT count(*) FROM findings")" "--since 1h keeps what was just found"

# every field in JSON, remediation and suggested name in text
"$BIN" findings --db "$db" --format json > "$OUT/mon.json"
is "$(python3 -c '
import json,sys
need = {"id","severity","server_ip","server_port","client_ip","kind","kind_title","name","summary","first_ts","last_ts",
        "remediation","finding_key","first_seen","last_seen","new","suggested_name","suggested_source","evidence"}
fs = json.load(open(sys.argv[1]))
print(all(need <= set(f) for f in fs) and len(fs) > 0)' "$OUT/mon.json")" "True" "findings JSON carries every field"
is "$(python3 -c '
import json,sys
fs = [f for f in json.load(open(sys.argv[1])) if f["kind"] == "non_fqdn_greeting" and f["name"] == "EX2000SRV"]
print(fs[0]["suggested_name"], fs[0]["suggested_source"])' "$OUT/mon.json")" "ex2000srv.corp.example dsn_reporting_mta" \
	"the suggested name of the Exchange 2000 server comes from its 4.4.7 reports"
last="then retry the queues before messages expire (default 2 days, NDR 4.4.7)."
"$BIN" findings --db "$db" > "$OUT/mon.txt"
grep -qF "$last" "$OUT/mon.txt"; ok $? "findings text: the KB 301401 remediation whole"
grep -q "Suggested name: ex2000srv.corp.example" "$OUT/mon.txt"; ok $? "findings text: the suggested name"
grep -qF "$last" "$OUT/mon.json"; ok $? "findings json: the KB 301401 remediation whole"
# on a terminal: wrapped to its width (script(1) gives the command a tty)
if command -v script > /dev/null 2>&1; then
	COLUMNS=60 script -qc "$BIN findings --db $db --kind non_fqdn_greeting,expired_447" /dev/null | tr -d '\r' > "$OUT/mon-tty.txt"
	is "$(awk '{ if (length($0) > m) m = length($0) } END { print (m <= 60 && NR > 4) }' "$OUT/mon-tty.txt")" 1 \
		"findings on a 60-column terminal: every line fits ($(awk '{ if (length($0) > m) m = length($0) } END { print m }' "$OUT/mon-tty.txt") columns)"
	is "$(tr '\n' ' ' < "$OUT/mon-tty.txt" | tr -s ' ' | grep -c 'then retry the queues before messages expire (default 2 days, NDR 4.4.7).')" 1 \
		"wrapped, the KB 301401 remediation is still whole"
else
	skip "tty wrapping" "no script(1)"; skip "tty wrapping" "no script(1)"
fi
"$BIN" report --db "$db" --format text > "$OUT/mon-report.txt"
grep -qF "$last" "$OUT/mon-report.txt"; ok $? "report text: the KB 301401 remediation whole"
grep -q "ex2000srv.corp.example" "$OUT/mon-report.txt"; ok $? "report text: the suggested name"
"$BIN" report --db "$db" --format json > "$OUT/mon-report.json"
grep -qF "$last" "$OUT/mon-report.json"; ok $? "report json: the KB 301401 remediation whole"
"$BIN" report --db "$db" -o "$OUT/mon-report.html"
grep -qF "then retry the queues before messages expire (default 2 days, NDR 4.4.7)." "$OUT/mon-report.html"; ok $? "report html: the KB 301401 remediation whole"
grep -c 'Service Pack 2' "$OUT/mon-report.html" > "$OUT/mon-sp2.txt"
ok "$([ "$(cat "$OUT/mon-sp2.txt")" -ge 1 ]; echo $?)" "report html mentions Service Pack 2 ($(cat "$OUT/mon-sp2.txt") times)"
done_testing
