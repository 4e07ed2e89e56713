# End to end: first-time writers racing on a new database.  Two, then four
# replays started together on a file that does not exist yet: every one
# succeeds, the schema ends at the current version (the highest
# schema/NNN_*.sql, computed here, not assumed), and the sessions are the sum
# of what each file gives alone.  Repeated, because the race is timing.
. tests/e2e/lib.sh
current=$(ls schema/[0-9][0-9][0-9]_*.sql | sed 's|.*/0*\([0-9]*\)_.*|\1|' | sort -n | tail -n 1)
files="kb301401 pipelining bdat sample"
# what each file gives alone
for f in $files; do
	d=$(fresh_db conc-alone-$f)
	"$BIN" replay -q --no-analyze --db "$d" "$PCAPS/$f.pcap"
	c=$(db_val "$d" 'SELECT count(*) FROM sessions')
	eval "alone_$f=$c"
done
race() { # race ROUND N: N replays at once into a new database
	d=$(fresh_db "conc-$1-$2")
	want=0; pids=""; i=0
	for f in $files; do
		[ $i -lt "$2" ] || break
		"$BIN" replay -q --db "$d" "$PCAPS/$f.pcap" > "$OUT/conc-$1-$2-$f.log" 2>&1 &
		pids="$pids $!"
		eval "c=\$alone_$f"
		want=$((want + c))
		i=$((i + 1))
	done
	bad=0
	for p in $pids; do wait "$p" || bad=$((bad + 1)); done
	is "$bad" 0 "round $1: $2 concurrent first-time replays all exit 0"
	[ "$bad" -eq 0 ] || cat "$OUT"/conc-$1-$2-*.log | sed 's/^/#   /'
	is "$(db_val "$d" 'PRAGMA user_version')" "$current" "round $1, $2 writers: schema version is current ($current)"
	is "$(db_val "$d" 'SELECT count(*) FROM sessions')" "$want" "round $1, $2 writers: sessions = sum of the files alone ($want)"
	is "$(db_val "$d" "SELECT count(*) FROM captures WHERE status = 'finished'")" "$2" "round $1, $2 writers: one finished capture each"
	is "$(db_val "$d" 'PRAGMA integrity_check')" ok "round $1, $2 writers: integrity_check"
}
for round in 1 2 3; do
	race $round 2
	race $round 4
done
done_testing
