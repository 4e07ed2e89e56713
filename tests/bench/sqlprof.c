/* \summary: sqlprof: LD_PRELOAD library that times every SQL statement.
 *
 *   cc -shared -fPIC -O2 -o sqlprof.so tests/bench/sqlprof.c -ldl
 *   SQLPROF_OUT=/tmp/prof.txt LD_PRELOAD=./sqlprof.so smtpscope analyze --db big.db
 *
 * Interposes sqlite3_open_v2() to register a SQLITE_TRACE_PROFILE callback on
 * every connection; the callback adds each statement run's time to a table
 * keyed by the statement's text.  At exit the statements are printed to
 * SQLPROF_OUT (default stderr), slowest total first: total ms, runs, text.
 * With SQLPROF_EQP=TEXT, the query plan (EXPLAIN QUERY PLAN) of every
 * statement prepared with sqlite3_prepare_v2/v3 whose text contains TEXT is
 * printed to stderr at prepare time.
 * A diagnostic for the benchmark only; not linked into anything. */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#define SLOTS 1024

struct slot {
	char *sql;
	uint64_t ns;
	uint64_t runs;
};

static struct slot tab[SLOTS];
static int used;

static int on_trace(unsigned type, void *ctx, void *p, void *x)
{
	const char *sql;
	uint64_t ns;
	int i;

	(void)ctx;
	if (type != SQLITE_TRACE_PROFILE)
		return 0;
	sql = sqlite3_sql((sqlite3_stmt *)p);
	ns = *(sqlite3_int64 *)x;
	if (!sql)
		sql = "?";
	for (i = 0; i < used; i++)
		if (strcmp(tab[i].sql, sql) == 0)
			break;
	if (i == used) {
		if (used == SLOTS)
			return 0;
		tab[i].sql = strdup(sql);
		if (!tab[i].sql)
			return 0;
		used++;
	}
	tab[i].ns += ns;
	tab[i].runs++;
	return 0;
}

static int by_time(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;

	return x->ns < y->ns ? 1 : x->ns > y->ns ? -1 : 0;
}

static void dump(void)
{
	const char *path = getenv("SQLPROF_OUT");
	FILE *f = path ? fopen(path, "w") : stderr;
	int i;

	if (!f)
		return;
	qsort(tab, (size_t)used, sizeof tab[0], by_time);
	for (i = 0; i < used; i++) {
		char *c;

		for (c = tab[i].sql; *c; c++)
			if (*c == '\n' || *c == '\t')
				*c = ' ';
		fprintf(f, "%10.1f ms %8llu runs  %.300s\n", (double)tab[i].ns / 1e6,
			(unsigned long long)tab[i].runs, tab[i].sql);
	}
	if (f != stderr)
		fclose(f);
}

int sqlite3_open_v2(const char *name, sqlite3 **db, int flags, const char *vfs)
{
	static int (*real)(const char *, sqlite3 **, int, const char *);
	static int registered;
	int rc;

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "sqlite3_open_v2");
	if (!real)
		return SQLITE_ERROR;
	rc = real(name, db, flags, vfs);
	if (rc == SQLITE_OK && *db)
		sqlite3_trace_v2(*db, SQLITE_TRACE_PROFILE, on_trace, NULL);
	if (!registered) {
		registered = 1;
		atexit(dump);
	}
	return rc;
}

static void show_plan(sqlite3 *db, const char *sql, int n)
{
	const char *want = getenv("SQLPROF_EQP");
	sqlite3_stmt *st;
	char *q;

	static int busy; /* the EXPLAIN below goes through sqlite3_prepare_v2 too */

	if (busy || !want || !sql || !strstr(sql, want))
		return;
	q = n < 0 ? sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sql)
		  : sqlite3_mprintf("EXPLAIN QUERY PLAN %.*s", n, sql);
	if (!q)
		return;
	fprintf(stderr, "sqlprof plan of: %.200s\n", sql);
	busy = 1;
	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW)
			fprintf(stderr, "  %d %d %s\n", sqlite3_column_int(st, 0),
				sqlite3_column_int(st, 1), (const char *)sqlite3_column_text(st, 3));
		sqlite3_finalize(st);
	}
	busy = 0;
	sqlite3_free(q);
}

int sqlite3_prepare_v2(sqlite3 *db, const char *sql, int n, sqlite3_stmt **st, const char **tail)
{
	static int (*real)(sqlite3 *, const char *, int, sqlite3_stmt **, const char **);

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "sqlite3_prepare_v2");
	if (!real)
		return SQLITE_ERROR;
	show_plan(db, sql, n);
	return real(db, sql, n, st, tail);
}

int sqlite3_prepare_v3(sqlite3 *db, const char *sql, int n, unsigned flags, sqlite3_stmt **st,
		       const char **tail)
{
	static int (*real)(sqlite3 *, const char *, int, unsigned, sqlite3_stmt **, const char **);

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "sqlite3_prepare_v3");
	if (!real)
		return SQLITE_ERROR;
	show_plan(db, sql, n);
	return real(db, sql, n, flags, st, tail);
}
