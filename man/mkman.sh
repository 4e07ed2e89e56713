#!/bin/sh
# man/mkman.sh BIN PAGE.in OUT: writes the man page OUT from PAGE.in, whose
# line "@HELP command@" is replaced by that command's --help turned into roff
# (option lines become .TP entries), and @VERSION@ / @DATE@ by the binary's
# version and the page's date.  The options part of every page is therefore
# the --help text itself; tests/e2e/test_packaging.sh checks both agree.
set -eu
bin=$1; in=$2; out=$3
version=$("$bin" --version | awk '{ print $2 }')
date=$(date -u -r "$in" +%Y-%m-%d 2> /dev/null || date -u +%Y-%m-%d)
help2roff() {
	awk '
	function esc(s) { gsub(/\\/, "\\e", s); gsub(/-/, "\\-", s); return s }
	function flush() { if (desc != "") { d = esc(desc); if (d ~ /^[.\x27]/) d = "\\&" d; print d; desc = "" } }
	NR == 1 && /^usage:/ { next }
	/^       [a-z]+ / && NR < 4 { next }
	/^$/ { flush(); print ".PP"; next }
	substr($0, 1, 10) != "          " && /^  / {
		t = $0; sub(/^ +/, "", t); i = index(t, "  ")
		if (i > 0 || t ~ /^-/) {
			flush()
			spec = i > 0 ? substr(t, 1, i - 1) : t
			desc = i > 0 ? substr(t, i) : ""
			sub(/^ +/, "", desc)
			print ".TP"; print "\\fB" esc(spec) "\\fR"; next
		}
	}
	substr($0, 1, 10) == "          " { line = $0; sub(/^ +/, "", line); desc = desc " " line; next }
	{ flush(); line = $0; sub(/^ +/, "", line); line = esc(line); if (line ~ /^[.\x27]/) line = "\\&" line; print line }
	END { flush() }'
}
awk -v v="$version" -v d="$date" '{ gsub(/@VERSION@/, v); gsub(/@DATE@/, d); print }' "$in" | while IFS= read -r line; do
	case $line in
	"@HELP "*@)
		cmd=${line#@HELP }; cmd=${cmd%@}
		if [ "$cmd" = smtpscope ]; then "$bin" --help; else "$bin" "$cmd" --help; fi | help2roff
		;;
	*) printf '%s\n' "$line" ;;
	esac
done > "$out.tmp"
mv "$out.tmp" "$out"
