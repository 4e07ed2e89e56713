#!/bin/sh
# tests/check_includes.sh [ROOT]: fails when an #include runs against the
# documented direction of imports (README "The pipeline and the code"):
#
#   analyzer/cli ─► analyzer/capture ─► analyzer/output ─► analyzer/store ─┐
#             │                                   └──► reports ─────────┼─► analyzer/engine ─► dissectors ─► analyzer/base
#             └──────────────────────────────────────► reports ─────────┘
#
# A layer may include its own folder and any layer to its right: cli
# everything; capture (sources and the driver) output, store, engine,
# dissectors, base; output (events, metrics) store, reports (escaping),
# engine, dissectors, base; store and reports engine, dissectors, base;
# engine dissectors and base; dissectors base; base only itself.  Inside reports/, query/ is the
# layer render/ and analysis/ share: query/ includes neither, and render/
# and analysis/ do not include each other.  Includes are root-relative
# ("analyzer/base/limits.h"); a quoted include that is not is flagged too.
# Prints TAP; "# N passed, M failed" last.  ROOT defaults to the checkout.
# --self-test: the check must reject a tree with a violation (it can fail).
set -u
if [ "${1:-}" = --self-test ]; then
	t=$(mktemp -d) || exit 1
	mkdir -p "$t/analyzer/base" "$t/analyzer/engine" "$t/dissectors" "$t/reports"
	echo '#include "analyzer/engine/flow.h"' > "$t/analyzer/base/up.h"
	echo '#include "../analyzer/base/anomaly.h"' > "$t/dissectors/rel.h"
	: > "$t/analyzer/engine/flow.h"
	out=$(sh "$0" "$t" 2>&1); rc=$?
	rm -rf "$t"
	if [ "$rc" -ne 0 ] && echo "$out" | grep -q 'base must not include engine' &&
	   echo "$out" | grep -q 'not a root-relative include'; then
		echo "ok 1 - the include check rejects an upward and a relative include"
		echo "# 1 passed, 0 failed"
		exit 0
	fi
	echo "not ok 1 - the include check let a violation through: $out"
	echo "# 0 passed, 1 failed"
	exit 1
fi
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || exit 1

layer() { # layer PATH: the layer a file or include path belongs to
	case $1 in
	analyzer/base/*) echo base ;;
	dissectors/*) echo dissectors ;;
	analyzer/engine/*) echo engine ;;
	analyzer/store/*) echo store ;;
	reports/query/*) echo reports-query ;;
	reports/render/*) echo reports-render ;;
	reports/analysis/*) echo reports-analysis ;;
	reports/*) echo reports ;;
	analyzer/capture/*) echo capture ;;
	analyzer/output/*) echo output ;;
	analyzer/cli/*) echo cli ;;
	*) echo unknown ;;
	esac
}

allowed() { # allowed FROM TO: 0 when layer FROM may include layer TO
	[ "$1" = "$2" ] && return 0
	case "$1:$2" in
	cli:*) return 0 ;;
	capture:output|capture:store|capture:engine|capture:dissectors|capture:base) return 0 ;;
	output:store|output:reports|output:engine|output:dissectors|output:base) return 0 ;;
	store:engine|store:dissectors|store:base) return 0 ;;
	reports*:engine|reports*:dissectors|reports*:base) return 0 ;;
	reports:reports-*) return 0 ;;
	reports-render:reports|reports-analysis:reports) return 0 ;;
	reports-render:reports-query|reports-analysis:reports-query) return 0 ;;
	reports-query:reports) return 0 ;;
	engine:dissectors|engine:base) return 0 ;;
	dissectors:base) return 0 ;;
	esac
	return 1
}

# reports-query may include reports/escape.h (a foundation of the reports)
# but not the tops (report.h, analyze.h): checked by name below.
n=0; bad=0
for f in $(find analyzer dissectors reports -name '*.[ch]' | sort); do
	from=$(layer "$f")
	for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
		to=$(layer "$inc")
		why=
		if [ "$to" = unknown ] && [ ! -f "$inc" ]; then
			why="not a root-relative include of the tree"
		elif [ "$to" = unknown ]; then
			:
		elif ! allowed "$from" "$to"; then
			why="$from must not include $to"
		elif [ "$from" = reports-query ] && { [ "$inc" = reports/report.h ] || [ "$inc" = reports/analyze.h ]; }; then
			why="reports/query is below report.h and analyze.h"
		elif [ "$from" = reports-analysis ] && [ "$inc" = reports/report.h ]; then
			why="reports/analysis must not include the report"
		fi
		n=$((n + 1))
		if [ -n "$why" ]; then
			bad=$((bad + 1))
			echo "not ok $n - $f includes \"$inc\": $why"
		fi
	done
done
[ "$bad" -eq 0 ] && echo "ok 1 - $n includes of analyzer/, dissectors/ and reports/ run one way"
echo "# $((bad == 0 ? 1 : 0)) passed, $bad failed ($n includes checked)"
[ "$bad" -eq 0 ]
