# End to end: evidence is never dropped for one bad byte or a silent cap.
#  - a BEL in the KB 301401 banner and an ESC sequence in EHLO: the lines are
#    parsed with the bytes escaped (\xHH), a control_byte anomaly each, and
#    the high non_fqdn_greeting finding is there;
#  - a DSN nested 5 MIME levels deep is read; one nested deeper than
#    MSG_MIME_DEPTH is a message_cap anomaly naming the cap;
#  - a capture cut by a small snap length ends with a warning naming how
#    many sessions and what to do (-s 0), even with -q.
. tests/e2e/lib.sh
db=$(fresh_db evidence-ctl)
"$BIN" replay -q --db "$db" "$PCAPS/ctlbyte.pcap"; ok $? "replay ctlbyte.pcap"
is "$(db_val "$db" "SELECT banner_host FROM sessions")" aliasex2000 "the banner with a BEL is parsed: its host is kept"
like "$(db_val "$db" "SELECT banner_text FROM sessions")" 'ready\\x07$' "the BEL is kept escaped in the banner text"
like "$(db_val "$db" "SELECT helo_arg FROM sessions")" '^client\\x1b\[31m\.example\.com$' "the ESC in EHLO is kept escaped"
is "$(db_val "$db" "SELECT group_concat(detail, ',') FROM (SELECT detail FROM anomalies WHERE kind = 'control_byte' ORDER BY detail)")" \
	"client,server" "one control_byte anomaly per side"
is "$(db_val "$db" "SELECT severity FROM findings WHERE kind = 'non_fqdn_greeting'")" high \
	"the KB 301401 high finding is not lost to the BEL"
like "$(db_val "$db" "SELECT xexps_advertised FROM sessions")" 1 "the EHLO reply after the ESC line is still paired (X-EXPS seen)"
"$BIN" report --db "$db" --format text | grep -q "$(printf '\033')"; is $? 1 "no raw ESC reaches the text report"

db=$(fresh_db evidence-mime)
"$BIN" replay -q --db "$db" "$PCAPS/mimedepth.pcap"; ok $? "replay mimedepth.pcap"
is "$(db_val "$db" "SELECT d.final_recipient || ' ' || d.status FROM dsn_recipients d")" "five-deep@example.net 4.4.7" \
	"a DSN nested 5 MIME levels deep is read"
is "$(db_val "$db" "SELECT detail FROM anomalies WHERE kind = 'message_cap'")" MSG_MIME_DEPTH \
	"nesting deeper than MSG_MIME_DEPTH is counted (message_cap MSG_MIME_DEPTH)"
grep -q "define MSG_MIME_DEPTH" analyzer/base/limits.h; ok $? "MSG_MIME_DEPTH is in limits.h"

db=$(fresh_db evidence-snap)
"$BIN" replay -q --db "$db" "$PCAPS/snaplen.pcap" 2> "$OUT/evidence-snap.err"; ok $? "replay snaplen.pcap"
cut=$(db_val "$db" "SELECT count(DISTINCT session_id) FROM anomalies WHERE kind = 'reasm_snaplen'")
ok "$([ "$cut" -gt 0 ]; echo $?)" "the fixture has sessions cut by the snap length ($cut)"
like "$(cat "$OUT/evidence-snap.err")" "warning: $cut SMTP sessions? lost bytes to the capture's snap length" \
	"the replay ends with a warning counting them, even with -q"
like "$(cat "$OUT/evidence-snap.err")" "-s 0" "and says what to do (capture again with -s 0)"
db=$(fresh_db evidence-nosnap)
"$BIN" replay -q --db "$db" "$PCAPS/kb301401.pcap" 2> "$OUT/evidence-nosnap.err"
is "$(cat "$OUT/evidence-nosnap.err")" "" "a full-length capture gets no such warning"

# spreadsheet formulas from the wire are neutralised by export as by findings
db=$(fresh_db evidence-formula)
"$BIN" replay -q --db "$db" "$PCAPS/formula.pcap"; ok $? "replay formula.pcap"
like "$(db_val "$db" "SELECT banner_text FROM sessions")" "^=HYPERLINK" "the banner is stored as sent"
for t in sessions replies extensions commands; do
	"$BIN" export --db "$db" --table $t --format csv > "$OUT/formula-$t.csv"
	is "$(grep -cE '(^|,)"?[=+@-]' "$OUT/formula-$t.csv")" 0 "export $t csv: no field starts with = + - @"
done
like "$(cat "$OUT/formula-sessions.csv")" "\"'=HYPERLINK" "the banner is exported with a leading quote"
"$BIN" export --db "$db" --table sessions --format jsonl | grep -q '"=HYPERLINK'; ok $? "JSON lines keep the text as it was"
done_testing
