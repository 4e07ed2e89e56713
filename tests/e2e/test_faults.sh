# End to end, fault injection: an import is all or nothing from the user's
# point of view.  Each fault below is followed by a re-run of the same input,
# and the database must then equal a clean run's exactly (sessions and
# findings):
#   kill -9 at three points, SIGINT, a full disk (a small tmpfs, as root),
#   a truncated copy then the whole file, --force, stdin twice;
# and a file modified in the middle (same size, same sampled fingerprint)
# is imported, not skipped.
. tests/e2e/lib.sh
N=${FAULT_SESSIONS:-10000}   # >= 10000: the kill points need several 2000-session batches
src="$OUT/faults-src.pcap"
"$MKPCAP" --small "$N" "$src" > /dev/null || { echo "not ok 1 - mkpcap --small"; exit 1; }

snap() { # the content that must not depend on the history of the database
	db_val "$1" "SELECT count(*) FROM sessions"
	db_val "$1" "SELECT client_ip, client_port, server_ip, server_port, banner_host, helo_arg, outcome, mails, end_reason
		FROM sessions ORDER BY first_ts, client_ip, client_port" | md5sum
	db_val "$1" "SELECT kind, server_ip, server_port, severity, name, summary FROM findings ORDER BY 1, 2, 3, 5" | md5sum
}
truth() { # every capture row's session count is what is stored for it
	db_val "$1" "SELECT count(*) FROM captures c WHERE smtp_sessions <> (SELECT count(*) FROM sessions s WHERE s.capture_id = c.id)"
}
clean=$(fresh_db faults-clean)
"$BIN" replay -q --db "$clean" "$src"; ok $? "clean run"
want=$(snap "$clean")
is "$(db_val "$clean" "SELECT count(*) FROM sessions")" "$N" "the clean run stores all $N sessions"
like "$(db_val "$clean" "SELECT count(*) FROM findings WHERE kind = 'non_fqdn_greeting'")" "^[1-9]" "and has findings to compare"

# wait_sessions DB CAPTURE_STATUS N PID: until the running capture has >= N
# committed sessions (or PID ended); prints the count reached
wait_sessions() {
	i=0; c=0
	while kill -0 "$4" 2>/dev/null && [ $i -lt 3000 ]; do
		c=$(db_val "$1" "SELECT coalesce(max(smtp_sessions), 0) FROM captures WHERE status = '$2'" 2>/dev/null)
		[ -n "$c" ] && [ "$c" -ge "$3" ] && break
		sleep 0.01; i=$((i + 1))
	done
	echo "${c:-0}"
}

# 1. kill -9 at three points, then the same file again
k=$(fresh_db faults-kill)
for th in $((N / 5)) $((N * 2 / 5)) $((N * 3 / 5)); do
	"$BIN" replay -q --db "$k" "$src" & pid=$!
	got=$(wait_sessions "$k" running "$th" "$pid")
	kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	ok "$([ "$got" -ge "$th" ] && [ "$got" -lt "$N" ]; echo $?)" "kill -9 with $got of $N sessions committed (wanted >= $th)"
done
"$BIN" analyze --db "$k" 2>/dev/null  # any open for writing marks what the killed runs left
is "$(db_val "$k" "SELECT count(*) FROM captures WHERE status = 'running'")" 0 "no capture stays 'running' after its process is gone"
like "$(db_val "$k" "SELECT group_concat(status || ': ' || error, ' | ') FROM captures")" \
	"^interrupted: the process writing it .* ended without finishing it" "each killed capture says so, with the reason"
is "$(truth "$k")" 0 "each killed capture's session count is what it committed"
like "$(db_val "$k" "SELECT min(hashed_bytes) FROM captures")" "^[1-9]" "and says how far it read (hashed_bytes)"
like "$(db_val "$k" "SELECT min(packets) || ' ' || min(bytes) FROM captures")" "^[1-9][0-9]* [1-9]" \
	"and how many packets and bytes it had read when it last committed (not 0)"
"$BIN" replay -q --db "$k" "$src"; ok $? "re-run after three kill -9"
is "$(snap "$k")" "$want" "after kill -9 x3 and a re-run: sessions and findings equal the clean run's"
is "$(db_val "$k" "SELECT count(*) || ' ' || group_concat(status) FROM captures")" "1 finished" "one finished capture remains"
is "$(db_val "$k" "PRAGMA integrity_check")" ok "integrity_check"

# 2. SIGINT, then the same file again
g=$(fresh_db faults-int)
"$BIN" replay -q --db "$g" "$src" & pid=$!
got=$(wait_sessions "$g" running $((N / 4)) "$pid")
kill -INT "$pid"; wait "$pid"; rc=$?
is "$rc" 130 "SIGINT: exit 130 (after $got sessions)"
is "$(db_val "$g" "SELECT status FROM captures")" interrupted "SIGINT: the capture says interrupted"
like "$(db_val "$g" "SELECT error FROM captures")" "^stopped by SIGINT after [0-9]+ packets" "SIGINT: and why"
is "$(truth "$g")" 0 "SIGINT: the capture's session count is what was committed"
"$BIN" replay -q --db "$g" "$src"; ok $? "re-run after SIGINT"
is "$(snap "$g")" "$want" "after SIGINT and a re-run: equal to the clean run"

# 3. a full disk: the database on a small tmpfs
if [ "$(id -u)" = 0 ]; then
	mnt=$(mktemp -d /tmp/smtpscope-i14-full.XXXXXX)
	trap 'umount "$mnt" 2>/dev/null; rmdir "$mnt" 2>/dev/null' EXIT
	if mount -t tmpfs -o size=6m tmpfs-i14 "$mnt" 2>/dev/null; then
		f="$mnt/full.db"
		"$BIN" replay -q --db "$f" "$src" 2> "$OUT/faults-full.err"; rc=$?
		is "$rc" 1 "full disk: the replay fails (exit 1)"
		like "$(cat "$OUT/faults-full.err")" "(full|No space)" "full disk: the message names the cause"
		mount -o remount,size=256m "$mnt"
		"$BIN" analyze --db "$f" 2>/dev/null
		like "$(db_val "$f" "SELECT status FROM captures")" "^(interrupted|error)$" "full disk: the capture says it did not finish"
		is "$(truth "$f")" 0 "full disk: its session count is what was committed"
		"$BIN" replay -q --db "$f" "$src"; ok $? "full disk: re-run once there is room"
		is "$(snap "$f")" "$want" "after a full disk and a re-run: equal to the clean run"
		umount "$mnt"; rmdir "$mnt"; trap - EXIT
	else
		skip "full disk" "cannot mount a tmpfs"
	fi
else
	skip "full disk" "needs root to mount a tmpfs"
fi

# 4. a truncated copy, then the whole file
t=$(fresh_db faults-trunc)
cut="$OUT/faults-cut.pcap"
head -c $(( $(wc -c < "$src") / 2 + 7 )) "$src" > "$cut"
"$BIN" replay -q --db "$t" "$cut" 2>/dev/null; is $? 1 "a truncated copy fails (exit 1)"
is "$(db_val "$t" "SELECT status FROM captures")" error "and its capture says error"
"$BIN" replay -q --db "$t" "$src"; ok $? "then the whole file"
is "$(snap "$t")" "$want" "truncated copy then the whole file: equal to the clean run"

# 5. --force gives the same result again
"$BIN" replay -q --force --db "$t" "$src"; ok $? "--force"
is "$(snap "$t")" "$want" "--force replaces the earlier import: equal to the clean run"
is "$(db_val "$t" "SELECT count(*) FROM captures")" 1 "one capture"
"$BIN" replay -q --db "$t" "$src" 2> "$OUT/faults-skip.err"; ok $? "the same file once more"
is "$(cat "$OUT/faults-skip.err")" "" "is skipped quietly with -q"
is "$(snap "$t")" "$want" "and adds nothing"

# 6. a file modified in the middle, same size, same sampled fingerprint
mod="$OUT/faults-mod.pcap"
cp "$src" "$mod"
size=$(wc -c < "$src")
# the sampled fingerprint (capture_file_fingerprint) reads the first and last
# MiB and 64 slices of 16 KiB at (size - 1 MiB) / 65 * i: change a byte
# after the first MiB, between two slices
k=1; while [ $(( (size - 1048576) / 65 * k )) -lt 1048576 ]; do k=$((k + 1)); done
off=$(( (size - 1048576) / 65 * k + 16384 + 4096 ))
python3 -c "
import sys
p, off = sys.argv[1], int(sys.argv[2])
with open(p, 'r+b') as f:
    f.seek(off); b = f.read(1); f.seek(off); f.write(bytes([b[0] ^ 0x20]))
" "$mod" "$off"
is "$(wc -c < "$mod")" "$size" "the modified copy has the same size"
"$BIN" replay -q --db "$t" "$mod"; ok $? "replay the modified copy"
is "$(db_val "$t" "SELECT count(DISTINCT sample_hash) || ' ' || count(DISTINCT content_hash) || ' ' || count(*) FROM captures WHERE status = 'finished'")" \
	"1 2 2" "it is imported: same sampled fingerprint, different whole-content hash, a second capture"
mc=$(db_val "$t" "SELECT smtp_sessions FROM captures ORDER BY id DESC LIMIT 1")
ok "$([ "$mc" -ge $((N - 2)) ] && [ "$mc" -le $((N + 2)) ]; echo $?)" "with its own sessions ($mc; the flipped byte may change one)"
is "$(db_val "$t" "SELECT count(*) FROM sessions")" $((N + mc)) "next to the original's"

# 7. standard input twice is imported once
s=$(fresh_db faults-stdin)
"$BIN" replay -q --db "$s" - < "$src"; ok $? "stdin, first time"
"$BIN" replay --db "$s" - < "$src" 2> "$OUT/faults-stdin.err"; ok $? "stdin, second time"
like "$(cat "$OUT/faults-stdin.err")" "already imported" "the second is recognised"
is "$(snap "$s")" "$want" "stdin twice: equal to the clean run"
is "$(db_val "$s" "SELECT count(*) FROM captures")" 1 "one capture"

# 8. a filter makes another import: the same file read with --filter gives
# other sessions, so it neither skips nor replaces an import without it
fl=$(fresh_db faults-filter)
"$BIN" replay -q --db "$fl" --filter 'host 10.1.0.99' "$PCAPS/kb301401.pcap"; ok $? "replay with a filter that keeps nothing"
"$BIN" replay -q --db "$fl" "$PCAPS/kb301401.pcap" 2> "$OUT/faults-filter.err"; ok $? "the same file without the filter"
is "$(cat "$OUT/faults-filter.err")" "" "is not skipped"
is "$(db_val "$fl" "SELECT count(*) || ' ' || sum(smtp_sessions > 0) FROM captures")" "2 1" "two imports, the unfiltered one with sessions"
"$BIN" replay --db "$fl" --filter 'host 10.1.0.99' "$PCAPS/kb301401.pcap" 2> "$OUT/faults-filter2.err"
like "$(cat "$OUT/faults-filter2.err")" "already imported" "the same file with the same filter again is skipped"
done_testing
