# current.sql (issue 15): a new database gets the schema in one step
# instead of the migrations; it must be exactly what the migrations leave.
. tests/e2e/lib.sh
if ! command -v python3 > /dev/null || ! command -v sqlite3 > /dev/null; then
	skip "schema/current.sql" "no python3 or sqlite3"
	done_testing; exit $?
fi
max=$(ls schema/[0-9][0-9][0-9]_*.sql | sed 's|.*/0*\([0-9]*\)_.*|\1|' | sort -n | tail -n 1)
objects="SELECT type || ' ' || name || ' ' || tbl_name || ' ' || coalesce(sql, '-') FROM sqlite_master ORDER BY rowid"

# the build makes it from the migrations (Makefile: schema/mkcurrent.py)
cur="$BUILD/gen/current.sql"
[ -s "$cur" ]
ok $? "the build made $cur"
python3 schema/mkcurrent.py "$OUT/current.sql"
cmp -s "$OUT/current.sql" "$cur"
ok $? "it is what schema/mkcurrent.py makes of the migrations now"
is "$(sed -n '1s/^-- smtpscope schema version \([0-9]*\),.*/\1/p' "$cur")" "$max" \
	"it is of the latest version ($max)"
ok "$(git ls-files --error-unmatch schema/current.sql > /dev/null 2>&1; [ $? != 0 ]; echo $?)" \
	"no current.sql is kept in the tree (a build output)"

# a new file (current.sql) and a version-1 file (001 by hand, then 002..max
# by smtpscope), the same capture written into both
new=$(fresh_db schema-new)
old=$(fresh_db schema-v1)
sqlite3 -batch "$old" < schema/001_core.sql
is "$(db_val "$old" 'PRAGMA user_version')" 1 "a version-1 file"
"$BIN" replay -q --no-analyze --db "$new" tests/pcaps/sample.pcap
ok $? "replay into a new file"
"$BIN" replay -q --no-analyze --db "$old" tests/pcaps/sample.pcap
ok $? "replay into the version-1 file (it migrates)"
is "$(db_val "$new" 'PRAGMA user_version')" "$max" "the new file is at version $max"
is "$(db_val "$old" 'PRAGMA user_version')" "$max" "the migrated file is at version $max"
db_val "$new" "$objects" > "$OUT/schema-new.txt"
db_val "$old" "$objects" > "$OUT/schema-v1.txt"
diff "$OUT/schema-v1.txt" "$OUT/schema-new.txt" > "$OUT/schema-diff.txt"
ok $? "the same schema objects, in the same order, with the same text ($(wc -l < "$OUT/schema-new.txt") lines; see $OUT/schema-diff.txt)"
head -n 10 "$OUT/schema-diff.txt" | sed 's/^/# /'
is "$(db_val "$new" 'SELECT count(*) FROM sessions')" "$(db_val "$old" 'SELECT count(*) FROM sessions')" \
	"the same sessions written"
# the migrations drop tables (007: extensions, commands, replies and their
# work tables) and later CREATEs reuse the freed pages as root pages; in one
# step every object's root page comes after the one created before it
order="SELECT count(*) FROM sqlite_master a JOIN sqlite_master b ON b.rowid > a.rowid
 WHERE a.rootpage > 0 AND b.rootpage > 0 AND b.rootpage < a.rootpage"
[ "$(db_val "$old" "$order")" -gt 0 ]
ok $? "the migrated file reused pages the migrations freed"
is "$(db_val "$new" "$order")" 0 "the new file was made in one step (root pages in creation order)"

# current.sql over a database that already has the schema changes nothing
# (every CREATE has IF NOT EXISTS; the tests that apply every schema file)
sqlite3 -batch "$old" < "$cur"
ok $? "current.sql runs over the migrated schema"
db_val "$old" "$objects" > "$OUT/schema-v1-again.txt"
cmp -s "$OUT/schema-v1.txt" "$OUT/schema-v1-again.txt"
ok $? "and changes nothing"
done_testing
