# End to end against ground truth: captures written by ../shared/tools/smtpgen.py
# (when ../shared exists), compared field by field by tests/check_truth.py.
. tests/e2e/lib.sh
gen=$SHARED/tools/smtpgen.py
if [ ! -f "$gen" ] || ! command -v python3 > /dev/null; then
	skip "smtpgen truth checks" "no $gen or python3"
	done_testing; exit $?
fi
# Captures are cached in build/smtpgen (shared by the release and asan runs).
cache=build/smtpgen
mkdir -p "$cache"
# issue 2: 300 sessions; issue 4: 2000 sessions, seeds 1-5 (default impairment
# 0.1); issue 3: 2000 sessions, seeds 1-5, --impair 0.5.
for spec in "300 1 0.1" "2000 1 0.1" "2000 2 0.1" "2000 3 0.1" "2000 4 0.1" "2000 5 0.1" \
	    "2000 1 0.5" "2000 2 0.5" "2000 3 0.5" "2000 4 0.5" "2000 5 0.5"; do
	set -- $spec
	cap="$cache/gen-$1-$2-$3.pcap"; truth="$cache/gen-$1-$2-$3.json"
	[ -f "$cap" ] && [ -f "$truth" ] || python3 "$gen" -o "$cap" --truth "$truth" --sessions "$1" --seed "$2" --impair "$3" > /dev/null
	db=$(fresh_db "gen-$1-$2-$3")
	"$BIN" replay -q --db "$db" "$cap"
	ok $? "smtpgen --sessions $1 --seed $2 --impair $3: replay exits 0"
	python3 tests/check_truth.py "$db" "$truth" > "$OUT/truth-$1-$2-$3.txt" 2>&1
	ok $? "every truth field agrees for >= 99.9% of sessions, findings equal the truth (see $OUT/truth-$1-$2-$3.txt)"
	grep -E "LOW|DIFFERENT|missing" "$OUT/truth-$1-$2-$3.txt" | head -n 12 | sed 's/^/# /'
done
# every contract column is filled somewhere
db=$(fresh_db gen-300-1-0.1)
"$BIN" replay -q --db "$db" "$cache/gen-300-1-0.1.pcap" "$PCAPS/kb301401.pcap" "$PCAPS/hostile.pcap" "$PCAPS/gap.pcap"
for tc in "captures:id source kind started finished packets bytes smtp_sessions" \
	"sessions:id capture_id client_ip client_port server_ip server_port vlan first_ts last_ts ndpi_protocol banner_code banner_text banner_host software helo_verb helo_arg greeting_host starttls auth_mechanism xexps_advertised xexps_used mails outcome pipelined bdat bytes_c2s bytes_s2c gaps anomalies" \
	"extensions:session_id keyword params" "commands:session_id seq ts verb arg" "replies:session_id seq ts code enhanced text" \
	"mails:id session_id seq mail_from rcpt_count accepted size subject message_id is_dsn" \
	"recipients:mail_id address code enhanced" "dsn_recipients:mail_id final_recipient action status reporting_mta diagnostic" \
	"servers:server_ip server_port names software sessions aborted first_ts last_ts" \
	"findings:id server_ip server_port kind severity name summary evidence first_ts last_ts" \
	"anomalies:session_id ts kind detail"; do
	t=${tc%%:*}; cols=${tc#*:}
	empty=""
	for c in $cols; do
		v=$(db_val "$db" "SELECT count(*) FROM $t WHERE $c IS NOT NULL AND $c != 0 AND $c != ''" 2>&1)
		[ "$v" = 0 ] && empty="$empty $c"
	done
	is "$empty" "" "$t: every contract column is filled in some row"
done
done_testing
