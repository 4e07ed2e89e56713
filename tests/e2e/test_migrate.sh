# Schema migrations (issue 15): a version-4 database (schema/001..004, the
# layout before EHLO profiles and the clustered transcript) is converted by
# the first command that writes, and the documented queries give the same
# answers before and after (tests/migrate_check.py).
. tests/e2e/lib.sh
if ! command -v python3 > /dev/null || ! command -v sqlite3 > /dev/null; then
	skip "migration from version 4" "no python3 or sqlite3"
	done_testing; exit $?
fi
max=$(ls schema/[0-9][0-9][0-9]_*.sql | sed 's|.*/0*\([0-9]*\)_.*|\1|' | sort -n | tail -n 1)

# the rows: a replay by this smtpscope of captures with many servers, EHLO
# lists, transcripts, mails and DSNs; an smtpgen capture when there is one
cur=$(fresh_db migrate-cur)
caps="$PCAPS/kb301401.pcap $PCAPS/hostile.pcap $PCAPS/dsn447.pcap $PCAPS/pipelining.pcap tests/pcaps/sample.pcap"
[ -f build/smtpgen/gen-300-1-0.1.pcap ] && caps="$caps build/smtpgen/gen-300-1-0.1.pcap"
"$BIN" replay -q --db "$cur" $caps
ok $? "replay into a current database"

v4=$(fresh_db migrate-v4)
python3 tests/migrate_check.py mkv4 "$v4" "$cur" > "$OUT/migrate-mkv4.txt" 2>&1
ok $? "a version-4 database with the same rows (tests/migrate_check.py mkv4)"
is "$(db_val "$v4" 'PRAGMA user_version')" 4 "it is at version 4"
is "$(db_val "$v4" "SELECT type FROM sqlite_master WHERE name = 'extensions'")" table "extensions is a table there"
rows=$(db_val "$v4" 'SELECT count(*) FROM extensions')
[ "$rows" -gt 100 ]
ok $? "with $rows extension rows"

python3 tests/migrate_check.py dump "$v4" > "$OUT/migrate-before.txt"
ok $? "documented queries on version 4"
"$BIN" analyze --db "$v4" > /dev/null 2>&1
ok $? "smtpscope analyze migrates it"
is "$(db_val "$v4" 'PRAGMA user_version')" "$max" "now at version $max"
is "$(db_val "$v4" "SELECT type FROM sqlite_master WHERE name = 'extensions'")" view "extensions is a view"
profiles=$(db_val "$v4" 'SELECT count(*) FROM ehlo_profiles')
[ "$profiles" -gt 0 ] && [ "$profiles" -lt "$rows" ]
ok $? "each distinct EHLO list stored once ($profiles profiles for $rows rows)"
is "$(db_val "$v4" "SELECT count(*) FROM ehlo_profiles p WHERE extensions <> (SELECT count(*) FROM ehlo_profile_extensions e WHERE e.profile_id = p.id)")" 0 \
	"every profile holds as many rows as it says"
is "$(db_val "$v4" "SELECT count(*) FROM sqlite_master WHERE name IN ('m007_caps', 'm007_cmd', 'm007_rep')")" 0 \
	"no work tables left"
python3 tests/migrate_check.py dump "$v4" > "$OUT/migrate-after.txt"
ok $? "documented queries after the migration"
diff "$OUT/migrate-before.txt" "$OUT/migrate-after.txt" > "$OUT/migrate-diff.txt"
ok $? "the same answers before and after ($(wc -l < "$OUT/migrate-before.txt") lines; see $OUT/migrate-diff.txt)"
head -n 10 "$OUT/migrate-diff.txt" | sed 's/^/# /'
# the same as the database written at the current version from the start
python3 tests/migrate_check.py dump "$cur" > "$OUT/migrate-cur.txt"
diff "$OUT/migrate-cur.txt" "$OUT/migrate-after.txt" > /dev/null
ok $? "and the same as a database written at version $max"
fq="SELECT kind, severity, server_ip, server_port, name, summary FROM findings ORDER BY 1, 3, 4, 5, 6"
is "$(db_val "$v4" "$fq" | md5sum)" "$(db_val "$cur" "$fq" | md5sum)" "findings of the migrated database equal the current one's"
is "$(db_val "$v4" "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_master WHERE type = 'index' AND name IN ('sessions_server', 'sessions_profile', 'sessions_server_summary') ORDER BY name)")" \
	"sessions_server" "the analysis built the index it reads (the wide ones only for big databases)"

# a replay into the migrated file adds to the same profiles
before=$(db_val "$v4" 'SELECT count(*) FROM ehlo_profiles')
"$BIN" replay -q --force --db "$v4" "$PCAPS/kb301401.pcap"
ok $? "replay into the migrated database"
is "$(db_val "$v4" 'SELECT count(*) FROM ehlo_profiles')" "$before" "known EHLO lists are not stored again"

# a merge of the version-4 file into a new one gives the same answers
v4b=$(fresh_db migrate-v4b)
python3 tests/migrate_check.py mkv4 "$v4b" "$cur" > /dev/null 2>&1
m=$(fresh_db migrate-merged)
"$BIN" merge "$m" "$v4b" > /dev/null 2>&1
ok $? "merge a version-4 database into a new one"
python3 tests/migrate_check.py dump "$m" > "$OUT/migrate-merged.txt"
diff "$OUT/migrate-before.txt" "$OUT/migrate-merged.txt" > /dev/null
ok $? "the merged database answers as the version-4 one did"
done_testing
