#!/bin/sh
# deps.sh [build|test|all]: makes sure the Debian 12 packages smtpscope needs
# are installed.  As root it installs what is missing with apt-get (after
# 'apt-get update'); otherwise it prints the exact command and fails.
#   build: compiler toolchain, libpcap, nDPI 4.2, SQLite, libpsl + publicsuffix,
#          OpenSSL libcrypto (X.509), zlib/zstd/xz (compressed captures),
#          hiredis (events to Redis), libmicrohttpd (metrics endpoint),
#          xxHash (whole-file content identity of imported captures)
#   test:  build + what the tests use (tshark, tcpreplay, chromium, clang for
#          fuzzing, iproute2, exim4 and swaks for the live test, python3,
#          redis-server, promtool, rsyslog, systemd-analyze, dpkg-deb, man),
#          and the npm packages of the browser test (playwright-core, pinned
#          in tests/browser/package-lock.json) into tests/browser/node_modules
set -eu
group=${1:-build}

build_pkgs="gcc make pkg-config python3 libc6-dev libpcap-dev libndpi-dev libsqlite3-dev libpsl-dev publicsuffix libssl-dev zlib1g-dev libzstd-dev liblzma-dev libhiredis-dev libmicrohttpd-dev libxxhash-dev"
test_pkgs="python3 sqlite3 tshark tcpreplay libndpi-bin chromium clang libclang-rt-14-dev iproute2 exim4-daemon-light swaks libnet-ssleay-perl libio-socket-ssl-perl openssl valgrind linux-perf procps redis-server prometheus rsyslog systemd dpkg-dev man-db groff-base bash-completion gzip zstd xz-utils"

case $group in
build) want=$build_pkgs ;;
test|all) want="$build_pkgs $test_pkgs" ;;
*) echo "usage: $0 [build|test|all]" >&2; exit 2 ;;
esac

# npm packages of the browser test, installed from the committed lock file
# into a gitignored folder (node and npm come with Debian's nodejs/npm).
browser_deps() {
	[ "$group" = build ] && return 0
	bd=$(dirname "$0")/tests/browser
	[ -d "$bd/node_modules/playwright-core" ] && return 0
	if ! command -v npm > /dev/null 2>&1; then
		echo "smtpscope: npm not found: the Playwright browser test will skip" >&2
		return 0
	fi
	(cd "$bd" && npm ci --no-audit --no-fund --silent) ||
		echo "smtpscope: npm ci failed in $bd: the Playwright browser test will skip" >&2
}

missing=
for p in $want; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing="$missing $p"
	fi
done
if [ -z "$missing" ]; then
	browser_deps
	exit 0
fi

echo "smtpscope: missing Debian packages:$missing" >&2
if [ "$(id -u)" -ne 0 ]; then
	echo "smtpscope: run as root:  apt-get update && apt-get install -y$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# A daemon installed for the tests (exim4) must not start on the host.
policy=/usr/sbin/policy-rc.d
made_policy=
if [ ! -e $policy ]; then
	printf '#!/bin/sh\nexit 101\n' > $policy && chmod +x $policy && made_policy=1
fi
rc=0
apt-get update -qq || rc=$?
if [ $rc -eq 0 ]; then
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/tmp/smtpscope-deps.log 2>&1 || rc=$?
fi
[ -n "$made_policy" ] && rm -f $policy
if [ $rc -ne 0 ]; then
	echo "smtpscope: apt-get failed (exit $rc); see /tmp/smtpscope-deps.log" >&2
	tail -20 /tmp/smtpscope-deps.log >&2 || true
	exit 1
fi
echo "smtpscope: installed$missing" >&2
browser_deps
