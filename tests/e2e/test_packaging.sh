# Operations and packaging: a man page per command that renders and carries
# every option of that command's --help, the bash completion, the LICENSE,
# `make install` (binary, man pages, unit, completion, schema contract), the
# systemd unit checked by systemd-analyze, and `make deb` installed with
# dpkg into a root of its own (the host stays clean), where --version and
# `man smtpscope` work, then purged.
. tests/e2e/lib.sh
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
MANDIR=$BUILD/man
T=$(mktemp -d /tmp/smtpscope-pkg18.XXXXXX)
trap 'rm -rf "$T"' EXIT

# ---- man pages, in step with --help
cmds=$("$BIN" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }')
ok "$([ "$(echo "$cmds" | wc -w)" -ge 8 ]; echo $?)" "smtpscope --help lists the commands: $(echo $cmds)"
for page in smtpscope $cmds; do
	case $page in smtpscope) f=$MANDIR/smtpscope.1; help=$("$BIN" --help) ;;
	*) f=$MANDIR/smtpscope-$page.1; help=$("$BIN" "$page" --help) ;; esac
	if [ ! -f "$f" ]; then
		ok 1 "a man page for $page ($f)"
		continue
	fi
	out=$(MANWIDTH=200 man -l "$f" 2> "$T/man.err")
	ok "$([ $? -eq 0 ] && [ ! -s "$T/man.err" ] && printf '%s' "$out" | grep -q '^NAME'; echo $?)" "man -l renders $(basename "$f") without warnings"
	missing=""
	for o in $(printf '%s\n' "$help" | grep -oE -- '(^|[ ,])--[a-z][a-z0-9-]+' | tr -d ' ,' | sort -u); do
		printf '%s' "$out" | grep -qe "$o" || missing="$missing $o"
	done
	is "$missing" "" "every option of '$page --help' is in its man page"
	extra=""
	for o in $(printf '%s' "$out" | sed -n '/^OPTIONS/,/^EXAMPLES/p' | grep -oE -- '(^|[ ,])--[a-z][a-z0-9-]+' | tr -d ' ,' | sort -u); do
		printf '%s\n' "$help" | grep -qe "$o" || extra="$extra $o"
	done
	is "$extra" "" "and its OPTIONS section names no option that --help lacks"
done

# ---- LICENSE
like "$(head -n 3 LICENSE)" "MIT License" "LICENSE is the MIT license"
like "$(grep Copyright LICENSE)" "The smtpscope authors" "copyright: The smtpscope authors"

# ---- bash completion
if [ -f /usr/share/bash-completion/bash_completion ] && command -v bash > /dev/null 2>&1; then
	comp() { # comp WORD... : completions of the last word
		bash -c '. /usr/share/bash-completion/bash_completion; . packaging/smtpscope.bash-completion
			COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
			_smtpscope "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
			printf "%s\n" "${COMPREPLY[@]}"' comp "$@" | sort | tr '\n' ' '
	}
	like "$(comp "$BIN" pr)" "^prune $" "completion: the command 'pr' -> prune"
	like "$(comp "$BIN" live --ev)" "--events --events-redis .*--events-syslog" "completion: live --ev -> the event options"
	like "$(comp "$BIN" replay --fil)" "^--filter $" "completion: replay --fil -> --filter"
	like "$(comp "$BIN" export --format j)" "json jsonl" "completion: export --format j -> json jsonl"
else
	skip "bash completion" "no bash-completion"
fi

# ---- make install: what lands where
make --no-print-directory install PREFIX=/usr DESTDIR="$T/stage" CFG="$(basename "$BUILD")" > "$T/install.log" 2>&1
ok $? "make install DESTDIR=... PREFIX=/usr"
for f in usr/bin/smtpscope usr/share/man/man1/smtpscope.1 usr/share/man/man1/smtpscope-live.1 \
	usr/lib/systemd/system/smtpscope.service usr/share/bash-completion/completions/smtpscope \
	usr/share/doc/smtpscope/schema.md usr/share/doc/smtpscope/copyright; do
	ok "$([ -f "$T/stage/$f" ]; echo $?)" "installed /$f"
done
unit=$T/stage/usr/lib/systemd/system/smtpscope.service
like "$(grep '^ExecStart=' "$unit")" "^ExecStart=/usr/bin/smtpscope live " "the unit runs /usr/bin/smtpscope live"
like "$(grep '^EnvironmentFile=' "$unit")" "/etc/default/smtpscope" "options from an EnvironmentFile"
is "$(grep '^CapabilityBoundingSet=' "$unit")" "CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN" "capabilities limited to CAP_NET_RAW and CAP_NET_ADMIN"
is "$(grep '^AmbientCapabilities=' "$unit")" "AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN" "and given to the unprivileged user"
is "$(grep '^StateDirectory=' "$unit")" "StateDirectory=smtpscope" "a state directory for the database"
is "$(grep '^Restart=' "$unit")" "Restart=on-failure" "Restart=on-failure"
like "$(grep '^ExecReload=' "$unit")" "kill -HUP" "reload sends SIGHUP (reopens the event file)"
if command -v systemd-analyze > /dev/null 2>&1; then
	# verify the installed unit, with its paths pointed into the staged tree
	sed "s|/usr/bin/smtpscope|$T/stage/usr/bin/smtpscope|" "$unit" > "$T/smtpscope.service"
	MANPATH=$T/stage/usr/share/man systemd-analyze verify "$T/smtpscope.service" > "$T/verify.log" 2>&1
	ok $? "systemd-analyze verify passes on the unit (see $T/verify.log)"
	sed 's/^Restart=on-failure/Restart=sometimes/' "$T/smtpscope.service" > "$T/bad.service"
	MANPATH=$T/stage/usr/share/man systemd-analyze verify "$T/bad.service" > "$T/verify-bad.log" 2>&1
	like "$(cat "$T/verify-bad.log")" "Failed to parse|Invalid|sometimes" "and it does complain about a broken one"
else
	skip "systemd-analyze verify" "no systemd-analyze"
	skip "systemd-analyze on a broken unit" "no systemd-analyze"
fi

# ---- make deb, installed with dpkg into a root of its own, then purged
if command -v dpkg-deb > /dev/null 2>&1; then
	deb=$(make --no-print-directory deb CFG="$(basename "$BUILD")" 2> "$T/deb.err" | tail -n 1)
	ok "$([ -f "$deb" ]; echo $?)" "make deb built $deb"
	list=$(dpkg-deb -c "$deb" | awk '{ print $6 }')
	for f in ./usr/bin/smtpscope ./usr/share/man/man1/smtpscope.1.gz ./usr/share/man/man1/smtpscope-prune.1.gz \
		./usr/lib/systemd/system/smtpscope.service ./usr/share/bash-completion/completions/smtpscope \
		./usr/share/doc/smtpscope/schema.md ./etc/default/smtpscope; do
		printf '%s\n' "$list" | grep -qx -- "$f"
		ok $? "the package holds $f"
	done
	like "$(dpkg-deb -f "$deb" Depends)" "libpcap0.8.*libsqlite3-0" "Depends names the libraries it links"
	R=$T/root
	mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" && touch "$R/var/lib/dpkg/status"
	dpkg --root="$R" --force-depends -i "$deb" > "$T/dpkg.log" 2>&1
	ok $? "dpkg -i installs it (into $R; see $T/dpkg.log)"
	like "$("$R/usr/bin/smtpscope" --version)" "^smtpscope [0-9]" "smtpscope --version works from the package"
	out=$(MANPATH=$R/usr/share/man MANWIDTH=100 man smtpscope 2> /dev/null)
	like "$out" "smtpscope - find the SMTP servers" "man smtpscope works from the package"
	out=$(MANPATH=$R/usr/share/man MANWIDTH=100 man smtpscope-live 2> /dev/null)
	like "$out" "--events-redis" "and man smtpscope-live too"
	is "$(dpkg --root="$R" -s smtpscope 2> /dev/null | sed -n 's/^Status: //p')" "install ok installed" "dpkg knows it as installed"
	dpkg --root="$R" --purge smtpscope > "$T/purge.log" 2>&1
	ok $? "dpkg --purge removes it"
	ok "$([ ! -e "$R/usr/bin/smtpscope" ] && [ ! -e "$R/etc/default/smtpscope" ]; echo $?)" "and leaves none of its files"
else
	skip "make deb" "no dpkg-deb"
fi
done_testing
