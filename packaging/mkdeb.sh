#!/bin/sh
# packaging/mkdeb.sh BUILD OUTDIR: builds OUTDIR/smtpscope_VERSION_ARCH.deb with
# dpkg-deb from a staged `make install PREFIX=/usr DESTDIR=...` (binary, man
# pages, systemd unit, bash completion, schema contract, README, LICENSE),
# plus /etc/default/smtpscope and /etc/logrotate.d/smtpscope as conffiles.
# Depends is computed from the libraries the binary links (dpkg -S).
set -eu
build=$1; outdir=$2
root=$build/deb/root
rm -rf "$build/deb" && mkdir -p "$root/DEBIAN" "$outdir"
make --no-print-directory install PREFIX=/usr DESTDIR="$root" CFG="$(basename "$build")" > /dev/null
install -D -m 0644 packaging/smtpscope.default "$root/etc/default/smtpscope"
install -D -m 0644 packaging/smtpscope.logrotate "$root/etc/logrotate.d/smtpscope"
gzip -9n "$root"/usr/share/man/man1/*.1
version=$("$root/usr/bin/smtpscope" --version | awk '{ print $2 }')
arch=$(dpkg --print-architecture)
# the packages of the libraries the binary names itself (DT_NEEDED)
needed=$(objdump -p "$root/usr/bin/smtpscope" | awk '$1 == "NEEDED" { print $2 }')
deps=$(for n in $needed; do
	lib=$(ldd "$root/usr/bin/smtpscope" | awk -v n="$n" '$1 == n { print $3 }')
	[ -n "$lib" ] || continue
	dpkg -S "$lib" 2> /dev/null || dpkg -S "$(readlink -f "$lib")" 2> /dev/null || true
done | cut -d: -f1 | sort -u | paste -sd, - | sed 's/,/, /g')
size=$(du -sk "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<CONTROL
Package: smtpscope
Version: $version
Architecture: $arch
Maintainer: The smtpscope authors <smtpscope@localhost>
Installed-Size: $size
Depends: $deps
Section: net
Priority: optional
Homepage: https://example.invalid/smtpscope
Description: packet-level SMTP analyzer for mirror ports and captures
 smtpscope finds the SMTP virtual servers that announce a name that is not
 a fully qualified domain name (Microsoft KB 301401: mail stalls after EHLO
 and expires with 4.4.7), stores every SMTP session in SQLite, writes an
 HTML report, and streams JSON events to files, syslog and redis.
CONTROL
printf '/etc/default/smtpscope\n/etc/logrotate.d/smtpscope\n' > "$root/DEBIAN/conffiles"
deb="$outdir/smtpscope_${version}_${arch}.deb"
dpkg-deb --root-owner-group --build "$root" "$deb" > /dev/null
echo "$deb"
