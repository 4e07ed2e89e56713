# End to end: readers on read-only media and in directories they cannot
# write, and commands that only read refusing a database that is not there.
. tests/e2e/lib.sh
db=$(fresh_db readonly-src)
"$BIN" replay -q --db "$db" "$PCAPS/kb301401.pcap"; ok $? "replay kb301401.pcap"
want_findings=$("$BIN" findings --db "$db" --format csv)
want_sessions=$("$BIN" export --db "$db" --table sessions --format csv)

# 1. read-only media: a read-only bind mount of a directory holding the database
if [ "$(id -u)" = 0 ]; then
	src=$(mktemp -d /tmp/smtpscope-i14-ro.XXXXXX); mnt=$(mktemp -d /tmp/smtpscope-i14-rom.XXXXXX)
	chmod 755 "$src" "$mnt"
	trap 'umount "$mnt" 2>/dev/null; rm -rf "$src" "$mnt"' EXIT
	cp "$db" "$src/ro.db"
	if mount --bind "$src" "$mnt" 2>/dev/null && mount -o remount,bind,ro "$mnt" 2>/dev/null; then
		touch "$mnt/probe" 2>/dev/null; is $? 1 "the bind mount is read-only"
		got=$("$BIN" findings --db "$mnt/ro.db" --format csv 2> "$OUT/ro-findings.err"); ok $? "findings on read-only media exits 0"
		is "$got" "$want_findings" "findings on read-only media equal the original's"
		like "$(cat "$OUT/ro-findings.err")" "findings: note: .*read-only location.*immutable" "with a note saying how it was read"
		is "$(wc -l < "$OUT/ro-findings.err" | tr -d ' ')" 1 "one note line, no error"
		"$BIN" report --db "$mnt/ro.db" -o "$OUT/ro-report.html" 2>/dev/null; ok $? "report on read-only media exits 0"
		like "$(cat "$OUT/ro-report.html")" "aliasex2000" "and the report names the server"
		got=$("$BIN" export --db "$mnt/ro.db" --table sessions --format csv 2>/dev/null); ok $? "export on read-only media exits 0"
		is "$got" "$want_sessions" "export on read-only media equals the original's"
		"$BIN" replay -q --db "$mnt/ro.db" "$PCAPS/pipelining.pcap" 2> "$OUT/ro-replay.err"; is $? 1 "a writer on read-only media fails (exit 1)"
		like "$(cat "$OUT/ro-replay.err")" "^smtpscope replay: .*ro.db: .*(read-only|readonly|unable to open)" "naming the command, the file and the cause"
		umount "$mnt"
	else
		skip "read-only media" "cannot bind-mount here"
	fi
else
	skip "read-only media" "needs root to mount"
fi

# 2. a directory the reader cannot write (the -shm file cannot be created)
if [ "$(id -u)" = 0 ] && id nobody > /dev/null 2>&1 && command -v runuser > /dev/null; then
	dir=$(mktemp -d /tmp/smtpscope-i14-nw.XXXXXX); chmod 755 "$dir"
	cp "$db" "$dir/nw.db"; chmod 644 "$dir/nw.db"
	cp "$BIN" "$dir/smtpscope"; chmod 755 "$dir/smtpscope"
	got=$(runuser -u nobody -- "$dir/smtpscope" findings --db "$dir/nw.db" --format csv 2> "$OUT/nw-findings.err"); ok $? "findings in a directory nobody cannot write exits 0"
	is "$got" "$want_findings" "and gives the same findings"
	like "$(cat "$OUT/nw-findings.err")" "note: .*immutable" "with the note"
	runuser -u nobody -- "$dir/smtpscope" report --db "$dir/nw.db" --format text > /dev/null 2>&1; ok $? "report there exits 0"
	runuser -u nobody -- "$dir/smtpscope" report --db "$dir/nw.db" -o "$dir/out.html" 2> "$OUT/nw-report.err"; is $? 1 "report -o into that directory fails"
	like "$(cat "$OUT/nw-report.err")" "^smtpscope report: .*out.html: Permission denied" "naming the output file and the real cause"
	rm -rf "$dir"
else
	skip "unwritable directory" "needs root and the nobody user"
fi

# 3. commands that only read refuse a database that does not exist
gone="$OUT/readonly-nothere.db"; rm -f "$gone"*
for c in findings report export analyze; do
	extra=""; [ $c = export ] && extra="--table sessions"
	"$BIN" $c --db "$gone" $extra > /dev/null 2> "$OUT/nothere-$c.err"; is $? 1 "$c on a missing database exits 1"
	like "$(cat "$OUT/nothere-$c.err")" "^smtpscope $c: .*readonly-nothere.db: no (smtpscope )?database here" "$c names itself, the file and the cause"
	is "$(grep -c "readonly-nothere.db: .*readonly-nothere.db" "$OUT/nothere-$c.err")" 0 "$c: the file is named once"
	ok "$([ ! -e "$gone" ]; echo $?)" "$c did not create it"
done
done_testing
