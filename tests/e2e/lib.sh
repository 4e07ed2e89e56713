# tests/e2e/lib.sh: TAP helpers for the end-to-end scripts (sourced).
# ok COND-EXIT-STATUS NAME / is GOT WANT NAME / skip NAME REASON / done_testing
# Also: db_val DB SQL (one value), fresh_db NAME (a new empty db path).
n=0
nfail=0
ok() { # ok RC NAME: RC 0 passes
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; nfail=$((nfail + 1)); fi
}
is() { # is GOT WANT NAME
	n=$((n + 1))
	if [ "$1" = "$2" ]; then echo "ok $n - $3"; else
		echo "not ok $n - $3"; echo "#   got:  '$1'"; echo "#   want: '$2'"; nfail=$((nfail + 1)); fi
}
like() { # like GOT REGEX NAME
	n=$((n + 1))
	if printf '%s' "$1" | grep -Eq -- "$2"; then echo "ok $n - $3"; else
		echo "not ok $n - $3"; echo "#   got:  '$(printf '%s' "$1" | head -c 400)'"; echo "#   want match: $2"; nfail=$((nfail + 1)); fi
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
done_testing() { echo "1..$n"; echo "# $((n - nfail)) passed, $nfail failed"; [ "$nfail" -eq 0 ]; }
db_val() { sqlite3 -batch -noheader "$1" "$2"; }
fresh_db() { d="$OUT/$1.db"; rm -f "$d" "$d-wal" "$d-shm"; echo "$d"; }
SHARED=${SHARED:-../shared}
