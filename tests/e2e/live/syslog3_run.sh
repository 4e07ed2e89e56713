#!/bin/sh
# tests/e2e/live/syslog3_run.sh DIR COMMAND...: runs COMMAND in a private
# mount namespace whose /dev is DIR/dev (null, zero, urandom bound in, and a
# /dev/log socket served by syslog_reader.py into DIR/syslog3.out), so a
# program's syslog(3) messages reach the test and the host's /dev is not
# touched.  Run through `unshare -m`.
set -eu
d=$1; shift
mkdir -p "$d/dev"
for f in null zero random urandom; do
	: > "$d/dev/$f"
	mount --bind "/dev/$f" "$d/dev/$f"
done
mount --bind "$d/dev" /dev
python3 "$(dirname "$0")/syslog_reader.py" /dev/log "$d/syslog3.out" &
reader=$!
for i in $(seq 1 50); do [ -S /dev/log ] && break; sleep 0.1; done
rc=0
"$@" || rc=$?
sleep 0.3
kill "$reader"
exit $rc
