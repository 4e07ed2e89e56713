# tests/e2e/live/rig.sh: the live-test rig (sourced, after tests/e2e/lib.sh):
# two network namespaces joined by a veth pair, and exim4 listening in the
# server one.
# rig_require WHAT TOOL...: skips the whole test (and exits) unless it runs
#   as root, every TOOL is on PATH ("Net::SSLeay" is a Perl module) and a
#   network namespace can be made; WHAT names the test in the skip line.
# rig_workdir NAME: makes BIN and OUT absolute and W a fresh mode-755
#   directory under /tmp (exim drops to its own user and smtpscope to nobody:
#   their files live where they can reach them whatever the checkout's path).
# rig_net: needs SNS CNS VS VC SRV CLI set; 0 when the network is up.
# rig_exim DIR TLS [TEMPLATE]: exim4 from TEMPLATE (tests/e2e/live/
#   exim4.conf.in) with its files in DIR (mode 755; files already there, a
#   certificate say, stay) and TLS as the @TLS@ lines; sets exim_pid; 0 once
#   it listens on $SRV:25, else its output is printed as comments.
# rig_teardown: stops exim, removes the namespaces and W (the tests' own
#   cleanup kills their processes first).
rig_require() {
	rig_what=$1
	shift
	if [ "$(id -u)" -ne 0 ]; then
		skip "$rig_what" "needs root (network namespaces, capture)"
		done_testing; exit $?
	fi
	rig_missing=""
	for rig_t in "$@"; do
		case $rig_t in
		Net::SSLeay) perl -MNet::SSLeay -e 1 > /dev/null 2>&1 || rig_missing="$rig_missing $rig_t" ;;
		*) command -v "$rig_t" > /dev/null 2>&1 || rig_missing="$rig_missing $rig_t" ;;
		esac
	done
	if [ -n "$rig_missing" ]; then
		skip "$rig_what" "missing:$rig_missing (make deps installs them)"
		done_testing; exit $?
	fi
	if ! ip netns add "rigprobe$$" 2> /dev/null; then
		skip "$rig_what" "cannot create network namespaces here"
		done_testing; exit $?
	fi
	ip netns del "rigprobe$$"
}
rig_workdir() {
	BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
	mkdir -p "$OUT"
	OUT=$(cd "$OUT" && pwd)
	W=$(mktemp -d "/tmp/smtpscope-$1.XXXXXX") && chmod 755 "$W"
}
rig_net() {
	ip netns add "$SNS" && ip netns add "$CNS" &&
		ip link add "$VS" netns "$SNS" type veth peer name "$VC" netns "$CNS" &&
		ip -n "$SNS" addr add "$SRV/24" dev "$VS" && ip -n "$CNS" addr add "$CLI/24" dev "$VC" &&
		ip -n "$SNS" link set lo up && ip -n "$CNS" link set lo up &&
		ip -n "$SNS" link set "$VS" up && ip -n "$CNS" link set "$VC" up
}
rig_exim() {
	rig_dir=$1
	mkdir -p "$rig_dir/spool" "$rig_dir/log" && chmod 755 "$rig_dir" || return 1
	rig_user=Debian-exim
	id "$rig_user" > /dev/null 2>&1 || rig_user=mail
	chown -R "$rig_user" "$rig_dir/spool" "$rig_dir/log"
	awk -v d="$rig_dir" -v a="$SRV" -v u="$rig_user" -v t="$2" \
		'{ gsub(/@DIR@/, d); gsub(/@ADDR@/, a); gsub(/@USER@/, u); if ($0 == "@TLS@") $0 = t; print }' \
		"${3:-tests/e2e/live/exim4.conf.in}" > "$rig_dir/exim4.conf"
	chmod 644 "$rig_dir/exim4.conf"
	ip netns exec "$SNS" exim4 -C "$rig_dir/exim4.conf" -bdf > "$rig_dir/exim.out" 2>&1 &
	exim_pid=$!
	for rig_i in $(seq 1 50); do
		ip netns exec "$SNS" ss -ltn 2> /dev/null | grep -q "$SRV:25 " && return 0
		kill -0 "$exim_pid" 2> /dev/null || break
		sleep 0.1
	done
	sed 's/^/# exim: /' "$rig_dir/exim.out" "$rig_dir/log/"* 2> /dev/null | head -n 20
	return 1
}
rig_teardown() {
	[ -n "${exim_pid:-}" ] && kill "$exim_pid" 2> /dev/null
	[ -n "${rig_dir:-}" ] && [ -f "$rig_dir/exim.pid" ] && kill "$(cat "$rig_dir/exim.pid")" 2> /dev/null
	ip netns del "$SNS" 2> /dev/null
	ip netns del "$CNS" 2> /dev/null
	[ -n "${W:-}" ] && rm -rf "$W"
	return 0
}
