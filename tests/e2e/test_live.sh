# End to end, live: a real SMTP server (exim4) in a network namespace, a
# client namespace joined to it by a veth pair, swaks sending two mails (one
# over STARTTLS), and `smtpscope live` capturing on the client's veth as
# nobody.  Then the database must hold both sessions, the non-FQDN banner
# name, the STARTTLS session, a finished live capture and the
# non_fqdn_greeting finding.  A second run uses two workers (PACKET_FANOUT).
# Needs root, ip (iproute2), exim4 (exim4-daemon-light), swaks, sqlite3;
# openssl for the STARTTLS part.
. tests/e2e/lib.sh

. tests/e2e/live/rig.sh
rig_require "live capture end to end" ip exim4 swaks sqlite3
rig_workdir live

# ---- the command line, before any network is set up
"$BIN" live --list-interfaces > "$OUT/live-ifaces.txt" 2>&1
ok $? "live --list-interfaces exits 0"
like "$(cut -f 1 "$OUT/live-ifaces.txt" | tr '\n' ' ')" "(^| )lo " "and lists lo"
bad=$(fresh_db live-badfilter)
err=$("$BIN" live -i lo -f 'tcp port' --db "$bad" 2>&1)
is "$?" 2 "a filter libpcap rejects is a usage error (exit 2)"
like "$err" "bad filter 'tcp port': .*syntax error" "the error names the filter and libpcap's reason"
ok "$([ ! -e "$bad" ]; echo $?)" "and no database is created"
"$BIN" live -i nosuch0 --db "$bad" > /dev/null 2>&1
is "$?" 1 "an interface that does not exist is a runtime error (exit 1)"
"$BIN" live -i lo --workers 0 > /dev/null 2>&1
is "$?" 2 "--workers 0 is a usage error"
"$BIN" live -i lo -q --write-pcap /etc/hostname --db "$bad" > /dev/null 2>&1
is "$?" 1 "--write-pcap on a file is an error (exit 1)"
is "$(db_val "$bad" "SELECT status || ' ' || (error LIKE '%not a directory%') FROM captures")" "error 1" \
	"and the capture row says error with the reason, not running"
SNS=ssv$$ CNS=scl$$ VS=vs$$ VC=vc$$
NET=10.199.1 SRV=10.199.1.1 CLI=10.199.1.2
dir="$W/exim"
log="$OUT/live-smtpscope.log"
exim_pid="" live_pid="" idle_pid=""

cleanup() {
	[ -n "$live_pid" ] && kill "$live_pid" 2> /dev/null
	[ -n "$idle_pid" ] && kill "$idle_pid" 2> /dev/null
	rig_teardown
}
trap cleanup EXIT
trap 'cleanup; exit 1' INT TERM

# ---- the network: server namespace <-veth-> client namespace
rig_net
ok $? "network namespaces $SNS/$CNS joined by veth $VS/$VC ($NET.0/24)"

# ---- the SMTP server
rm -rf "$dir" && mkdir -p "$dir" && chmod 755 "$dir"
tls="tls_advertise_hosts ="
tls_why="openssl missing: no certificate for STARTTLS"
perl -MNet::SSLeay -e 1 > /dev/null 2>&1 || tls_why="swaks cannot do TLS without Net::SSLeay (apt-get install libnet-ssleay-perl)"
if [ "$tls_why" = "openssl missing: no certificate for STARTTLS" ] && command -v openssl > /dev/null 2>&1 &&
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/key.pem" -out "$dir/cert.pem" -days 2 \
		-subj /CN=aliasex2000 > "$dir/openssl.log" 2>&1; then
	chmod 644 "$dir/key.pem" "$dir/cert.pem"
	tls="tls_advertise_hosts = *
tls_certificate = $dir/cert.pem
tls_privatekey = $dir/key.pem"
	have_tls=1
else
	have_tls=0
fi
rig_exim "$dir" "$tls"; up=$?
ok $up "exim4 listens on $SRV:25 in $SNS"
[ $up -eq 0 ] || { done_testing; exit $?; }

# Waits until the log says the capture runs (the privileges are dropped by then).
wait_capturing() {
	for i in $(seq 1 100); do
		grep -q "capturing on" "$1" 2> /dev/null && return 0
		kill -0 "$2" 2> /dev/null || return 1
		sleep 0.1
	done
	return 1
}

send_mail() { # send_mail N [swaks options]
	k=$1; shift
	ip netns exec "$CNS" swaks --server "$SRV" --port 25 --helo client.example.com \
		--from "sender$k@client.example.com" --to "rcpt$k@example.org" \
		--header "Subject: smtpscope live test $k" --timeout 20 "$@" > "$OUT/live-swaks-$k.log" 2>&1
}

# ---- smtpscope live, one worker, dropped to nobody
db="$W/live.db"
rm -f "$log" # the background job truncates it only once it runs
ip netns exec "$CNS" "$BIN" live -i "$VC" -Z nobody --stats-interval 1 --analyze-interval 1 \
	--timeout-established 3 --timeout-half 3 --db "$db" > "$log" 2>&1 &
live_pid=$!
wait_capturing "$log" "$live_pid"
ok $? "smtpscope live started on $VC (see $log)"
uids=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$live_pid/status" 2> /dev/null)

nobody=$(id -u nobody)
is "$uids" "$nobody $nobody $nobody $nobody" "the running capture has dropped root: real, effective, saved and fs uid are nobody"
gids=$(awk '/^Groups:/ { $1 = ""; print }' "/proc/$live_pid/status" 2> /dev/null | tr -d ' ')
is "$gids" "$(id -G nobody | tr -d ' ')" "and only nobody's groups (root's dropped by initgroups)"

send_mail 1
ok $? "swaks: plain mail accepted (see $OUT/live-swaks-1.log)"
if [ "$have_tls" = 1 ]; then
	send_mail 2 --tls
	ok $? "swaks --tls: mail accepted over STARTTLS (see $OUT/live-swaks-2.log)"
else
	skip "swaks --tls" "$tls_why"
fi
want=$((1 + have_tls))

# Sessions are written while the capture runs (they end with QUIT/FIN).
got=0
for i in $(seq 1 50); do
	got=$(db_val "$db" "SELECT count(*) FROM sessions" 2> /dev/null)
	[ "${got:-0}" -ge "$want" ] && break
	sleep 0.2
done
is "$got" "$want" "sessions are in the database while the capture still runs"
running=$(db_val "$db" "SELECT status FROM captures")
is "$running" "running" "the capture row says running meanwhile"
got=0
for i in $(seq 1 30); do
	got=$(db_val "$db" "SELECT count(*) FROM findings WHERE kind = 'non_fqdn_greeting'" 2> /dev/null)
	[ "${got:-0}" -ge 1 ] && break
	sleep 0.2
done
is "$got" 1 "the findings are refreshed while the capture runs (--analyze-interval 1)"

# An idle connection ends on the wall clock: no packet arrives after EHLO,
# yet the session is written when the 3 s idle timeout has passed.
idle=0
if command -v bash > /dev/null 2>&1; then
	ip netns exec "$CNS" bash -c 'exec 3<> /dev/tcp/'"$SRV"'/25 || exit 1
		read -r l <&3; printf "EHLO idle.example.com\r\n" >&3
		while read -r l <&3; do case $l in 250\ *) break ;; esac; done; sleep 12' > /dev/null 2>&1 &
	idle_pid=$!
	got=""
	for i in $(seq 1 50); do
		got=$(db_val "$db" "SELECT end_reason FROM sessions WHERE helo_arg = 'idle.example.com'" 2> /dev/null)
		[ -n "$got" ] && break
		sleep 0.2
	done
	kill -0 "$idle_pid" 2> /dev/null
	ok $? "the idle client still holds its connection"
	is "$got" "timeout" "its session was written on the idle timeout, with no packet since EHLO"
	idle=1 # the client is stopped after the capture: its close would start a new (midstream) session
else
	skip "idle timeout on the wall clock" "no bash for /dev/tcp"
	skip "idle session written" "no bash"
fi

kill -TERM "$live_pid"
wait "$live_pid"
rc=$?
live_pid=""
is "$rc" 0 "SIGTERM stops smtpscope live with exit 0"
if [ -n "$idle_pid" ]; then
	kill "$idle_pid" 2> /dev/null
	wait "$idle_pid" 2> /dev/null
	idle_pid=""
fi
like "$(tail -n 1 "$log")" "dropped: [0-9]+ by the kernel, [0-9]+ by the interface" "the last line reports the drops"

all=$((want + idle))
is "$(db_val "$db" "SELECT count(*) FROM sessions")" "$all" "$all sessions stored"
is "$(db_val "$db" "SELECT count(*) FROM sessions WHERE banner_host = 'aliasex2000' AND server_ip = '$SRV' AND server_port = 25")" \
	"$all" "every session has banner host aliasex2000 from $SRV:25"
is "$(db_val "$db" "SELECT helo_arg || ' ' || outcome || ' ' || mails FROM sessions WHERE starttls = 0 AND helo_arg = 'client.example.com'")" \
	"client.example.com completed 1" "the plain session: EHLO client.example.com, completed, one mail"
if [ "$have_tls" = 1 ]; then
	is "$(db_val "$db" "SELECT count(*) FROM sessions WHERE starttls = 1 AND outcome = 'tls'")" 1 \
		"one session went to STARTTLS (starttls=1, outcome tls)"
else
	skip "STARTTLS session" "$tls_why"
fi
is "$(db_val "$db" "SELECT kind || ' ' || status || ' ' || interface || ' ' || (finished IS NOT NULL) FROM captures")" \
	"live finished $VC 1" "capture: kind live, status finished, interface $VC"
is "$(db_val "$db" "SELECT smtp_sessions FROM captures")" "$all" "capture row counts the sessions"
ok "$([ "$(db_val "$db" "SELECT packets > 0 FROM captures")" = 1 ]; echo $?)" "capture row counts packets"
ok "$([ "$(db_val "$db" "SELECT count(*) >= 2 FROM capture_stats")" = 1 ]; echo $?)" \
	"capture_stats holds the per-interval samples"
is "$(db_val "$db" "SELECT dropped + if_dropped FROM captures")" 0 "no packets dropped at this rate"
is "$(db_val "$db" "SELECT count(*) FROM findings WHERE kind = 'non_fqdn_greeting' AND server_ip = '$SRV' AND server_port = 25")" \
	1 "finding non_fqdn_greeting for $SRV:25"
is "$(stat -c %U "$db")" nobody "the database file belongs to the user capture ran as"
"$BIN" findings --db "$db" > "$OUT/live-findings.txt" 2>&1
ok $? "smtpscope findings reads the database afterwards"
su -s /bin/sh nobody -c "sqlite3 -readonly '$db' 'SELECT count(*) FROM sessions'" > "$OUT/live-nobody.txt" 2>&1
is "$(cat "$OUT/live-nobody.txt")" "$all" "and nobody can read it too"
is "$(find "$dir/spool/input" -name '*-H' | wc -l | tr -d ' ')" "$want" "exim kept the $want messages in its spool"

# ---- two workers in a PACKET_FANOUT group, --duration stops
rm -rf "$W/live-pcaps"
db2="$W/live-workers.db"
log2="$OUT/live-smtpscope-workers.log"
rm -f "$log2"
ip netns exec "$CNS" "$BIN" live -i "$VC" --workers 2 -Z nobody --duration 6 --stats-interval 1 \
	--write-pcap "$W/live-pcaps" --db "$db2" > "$log2" 2>&1 &
live_pid=$!
wait_capturing "$log2" "$live_pid"
ok $? "smtpscope live --workers 2 started (see $log2)"
for k in 3 4 5; do send_mail $k; done
wait "$live_pid"
rc=$?
live_pid=""
is "$rc" 0 "--duration stops it with exit 0"
is "$(db_val "$db2" "SELECT count(*) FROM sessions WHERE banner_host = 'aliasex2000' AND outcome = 'completed'")" 3 \
	"two workers: all 3 sessions stored complete (each flow stayed on one worker)"
is "$(db_val "$db2" "SELECT value FROM capture_counters WHERE name = 'workers'")" 2 "the capture used 2 workers"
is "$(db_val "$db2" "SELECT status FROM captures")" finished "and finished"
npk=$(ls "$W/live-pcaps"/smtpscope-*.pcap 2> /dev/null | wc -l)
ok "$([ "$npk" -ge 1 ]; echo $?)" "--write-pcap wrote a pcap file"
db3=$(fresh_db live-rereplay)
"$BIN" replay -q --db "$db3" "$W/live-pcaps"/smtpscope-*.pcap
is "$(db_val "$db3" "SELECT count(*) FROM sessions WHERE banner_host = 'aliasex2000'")" 3 \
	"replaying the written pcap gives the 3 sessions back"
done_testing
