# tests/e2e/live/rig.sh: the live-test rig (sourced): two network namespaces
# joined by a veth pair, and exim4 listening in the server one.
# rig_net: needs SNS CNS VS VC SRV CLI set; 0 when the network is up.
# rig_exim DIR TLS: exim4 from tests/e2e/live/exim4.conf.in with its files in
#   DIR (mode 755) and TLS as the @TLS@ lines; sets exim_pid; 0 once it
#   listens on $SRV:25.
rig_net() {
	ip netns add "$SNS" && ip netns add "$CNS" &&
		ip link add "$VS" netns "$SNS" type veth peer name "$VC" netns "$CNS" &&
		ip -n "$SNS" addr add "$SRV/24" dev "$VS" && ip -n "$CNS" addr add "$CLI/24" dev "$VC" &&
		ip -n "$SNS" link set lo up && ip -n "$CNS" link set lo up &&
		ip -n "$SNS" link set "$VS" up && ip -n "$CNS" link set "$VC" up
}
rig_exim() {
	rig_dir=$1
	rm -rf "$rig_dir" && mkdir -p "$rig_dir/spool" "$rig_dir/log" && chmod 755 "$rig_dir" || return 1
	rig_user=Debian-exim
	id "$rig_user" > /dev/null 2>&1 || rig_user=mail
	chown -R "$rig_user" "$rig_dir/spool" "$rig_dir/log"
	awk -v d="$rig_dir" -v a="$SRV" -v u="$rig_user" -v t="$2" \
		'{ gsub(/@DIR@/, d); gsub(/@ADDR@/, a); gsub(/@USER@/, u); if ($0 == "@TLS@") $0 = t; print }' \
		tests/e2e/live/exim4.conf.in > "$rig_dir/exim4.conf"
	chmod 644 "$rig_dir/exim4.conf"
	ip netns exec "$SNS" exim4 -C "$rig_dir/exim4.conf" -bdf > "$rig_dir/exim.out" 2>&1 &
	exim_pid=$!
	for rig_i in $(seq 1 50); do
		ip netns exec "$SNS" ss -ltn 2> /dev/null | grep -q "$SRV:25 " && return 0
		kill -0 "$exim_pid" 2> /dev/null || return 1
		sleep 0.1
	done
	return 1
}
