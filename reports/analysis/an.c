/* \summary: the driver of one finding kind (reports/analysis/an.h): runs its
 * query's setup statements, steps its candidates through its builder and
 * inserts each finding; the evidence and statement helpers builders share. */
#include "reports/analysis/an.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "analyzer/base/embedded.h"
#include "reports/query/table.h"

int an_fail(struct an *a, const char *what)
{
	if (a->err && a->errlen)
		snprintf(a->err, a->errlen, "analyze: %s: %s", what, sqlite3_errmsg(a->db));
	return -1;
}

sqlite3_stmt *an_q(struct an *a, const char *sql)
{
	int i;

	for (i = 0; i < a->nq; i++) {
		if (a->q[i].sql == sql) {
			sqlite3_reset(a->q[i].st);
			sqlite3_clear_bindings(a->q[i].st);
			return a->q[i].st;
		}
	}
	if (a->nq == AN_STMTS_MAX) {
		if (a->err && a->errlen)
			snprintf(a->err, a->errlen, "analyze: more than %d evidence queries", AN_STMTS_MAX);
		return NULL;
	}
	if (sqlite3_prepare_v2(a->db, sql, -1, &a->q[a->nq].st, NULL) != SQLITE_OK) {
		an_fail(a, sql);
		sqlite3_finalize(a->q[a->nq].st);
		a->q[a->nq].st = NULL;
		return NULL;
	}
	a->q[a->nq].sql = sql;
	return a->q[a->nq++].st;
}

const char *an_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

char *an_dup(sqlite3_stmt *st, int i)
{
	const char *s = an_text(st, i);
	return s ? strdup(s) : NULL;
}

void an_bind_server(sqlite3_stmt *st, const char *ip, int port)
{
	sqlite3_bind_text(st, 1, ip, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, port);
}

char *an_first_text(sqlite3_stmt *st, const char *ip, int port, int i)
{
	char *s = NULL;

	an_bind_server(st, ip, port);
	if (sqlite3_step(st) == SQLITE_ROW)
		s = an_dup(st, i);
	sqlite3_reset(st);
	return s;
}

void an_endpoint(const char *ip, int port, char *buf)
{
	fmt_endpoint(ip, port, buf, AN_EP_MAX);
}

char *an_own(struct finding *f, char *s)
{
	if (s && f->nown < AN_OWN_MAX)
		f->own[f->nown++] = s;
	else if (s)
		abort(); /* a builder owns more than AN_OWN_MAX strings: a bug */
	return s;
}

void an_summary(struct finding *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->summary, sizeof f->summary, fmt, ap);
	va_end(ap);
}

/* ---- evidence -------------------------------------------------------------- */

void ev_col(struct jw *w, sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER: jw_int(w, sqlite3_column_int64(st, i)); break;
	case SQLITE_FLOAT: jw_num(w, sqlite3_column_double(st, i)); break;
	case SQLITE_NULL: jw_null(w); break;
	default:
		jw_strn(w, an_text(st, i), (size_t)sqlite3_column_bytes(st, i));
		break;
	}
}

void ev_ids(struct jw *w, const char *key, sqlite3_stmt *st)
{
	jw_key(w, key);
	jw_arr(w);
	while (sqlite3_step(st) == SQLITE_ROW)
		jw_int(w, sqlite3_column_int64(st, 0));
	jw_arr_end(w);
	sqlite3_reset(st);
}

void ev_rows(struct jw *w, const char *key, sqlite3_stmt *st)
{
	int i, n = sqlite3_column_count(st);

	jw_key(w, key);
	jw_arr(w);
	while (sqlite3_step(st) == SQLITE_ROW) {
		jw_obj(w);
		for (i = 0; i < n; i++) {
			jw_key(w, sqlite3_column_name(st, i));
			ev_col(w, st, i);
		}
		jw_obj_end(w);
	}
	jw_arr_end(w);
	sqlite3_reset(st);
}

void ev_first(struct jw *w, const char *key, sqlite3_stmt *st)
{
	jw_key(w, key);
	if (sqlite3_step(st) == SQLITE_ROW)
		ev_col(w, st, 0);
	else
		jw_null(w);
	sqlite3_reset(st);
}

void ev_int(struct jw *w, const char *key, long long v)
{
	jw_key(w, key);
	jw_int(w, v);
}

void ev_str(struct jw *w, const char *key, const char *s)
{
	jw_key(w, key);
	jw_str(w, s);
}

void ev_bool(struct jw *w, const char *key, int v)
{
	jw_key(w, key);
	jw_bool(w, v);
}

void ev_num(struct jw *w, const char *key, double v)
{
	jw_key(w, key);
	jw_num(w, v);
}

void ev_secs(struct jw *w, const char *key, double v)
{
	jw_key(w, key);
	if (v < 0)
		jw_null(w);
	else
		jw_num(w, v);
}

/* ---- findings ----------------------------------------------------------------- */

int an_has(struct an *a, const char *ip, int port, const char *kind)
{
	int r;

	an_bind_server(a->has, ip, port);
	sqlite3_bind_text(a->has, 3, kind, -1, SQLITE_STATIC);
	r = sqlite3_step(a->has) == SQLITE_ROW;
	sqlite3_reset(a->has);
	return r;
}

/* Hashes s and a separator (NULL hashes differently from ""). */
static void key_part(XXH3_state_t *h, const char *s)
{
	static const char nul = '\0', sep = '\x1f';

	if (s)
		XXH3_64bits_update(h, s, strlen(s));
	else
		XXH3_64bits_update(h, &nul, 1);
	XXH3_64bits_update(h, &sep, 1);
}

void an_key(const struct finding *f, char key[17])
{
	XXH3_state_t *h = XXH3_createState();
	char port[16];
	unsigned long long v = 0;

	snprintf(port, sizeof port, "%d", f->server_ip ? f->server_port : -1);
	if (h && XXH3_64bits_reset(h) != XXH_ERROR) {
		key_part(h, f->kind);
		key_part(h, f->server_ip);
		key_part(h, port);
		key_part(h, f->client_ip);
		key_part(h, f->name);
		v = (unsigned long long)XXH3_64bits_digest(h);
	}
	XXH3_freeState(h);
	snprintf(key, 17, "%016llx", v);
}

static int an_insert(struct an *a, const struct finding *f, const char *evidence)
{
	sqlite3_stmt *st = a->ins;
	char key[17];
	int rc;

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (f->server_ip) {
		sqlite3_bind_text(st, 1, f->server_ip, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 2, f->server_port);
	}
	sqlite3_bind_text(st, 3, f->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, f->severity, -1, SQLITE_STATIC);
	if (f->name)
		sqlite3_bind_text(st, 5, f->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, f->summary, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, evidence, -1, SQLITE_TRANSIENT);
	if (f->t0 >= 0)
		sqlite3_bind_double(st, 8, f->t0);
	if (f->t1 >= 0)
		sqlite3_bind_double(st, 9, f->t1);
	if (f->remediation)
		sqlite3_bind_text(st, 10, f->remediation, -1, SQLITE_STATIC);
	if (f->client_ip)
		sqlite3_bind_text(st, 11, f->client_ip, -1, SQLITE_TRANSIENT);
	an_key(f, key);
	sqlite3_bind_text(st, 12, key, -1, SQLITE_TRANSIENT);
	if (f->suggested_name) {
		sqlite3_bind_text(st, 13, f->suggested_name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 14, f->suggested_source, -1, SQLITE_TRANSIENT);
	}
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : an_fail(a, "insert finding");
}

/* 1 when sql holds nothing but blanks and -- comments. */
static int sql_blank(const char *sql)
{
	for (;;) {
		while (*sql == ' ' || *sql == '\n' || *sql == '\t' || *sql == '\r')
			sql++;
		if (sql[0] != '-' || sql[1] != '-')
			return *sql == '\0';
		while (*sql && *sql != '\n')
			sql++;
	}
}

static void an_errf(struct an *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void an_errf(struct an *a, const char *fmt, ...)
{
	va_list ap;

	if (!a->err || !a->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(a->err, a->errlen, fmt, ap);
	va_end(ap);
}

/* One candidate: open the evidence, build, close, insert, free. */
static int an_one(struct an *a, const struct an_kind *k, sqlite3_stmt *row)
{
	struct finding f;
	struct jw w;
	FILE *mem;
	char *ev = NULL;
	size_t evlen = 0;
	int r, i;

	memset(&f, 0, sizeof f);
	f.kind = k->kind;
	f.t0 = f.t1 = -1;
	if (!(mem = open_memstream(&ev, &evlen))) {
		an_errf(a, "analyze: %s: out of memory", k->kind);
		return -1;
	}
	jw_init(&w, mem);
	jw_obj(&w);
	f.ev = &w;
	r = k->build(a, row, &f);
	jw_obj_end(&w);
	if (fclose(mem) != 0) {
		free(ev);
		ev = NULL;
		if (r > 0) {
			an_errf(a, "analyze: %s: out of memory", k->kind);
			r = -1;
		}
	}
	if (r > 0)
		r = an_insert(a, &f, ev);
	for (i = 0; i < f.nown; i++)
		free(f.own[i]);
	free(ev);
	return r < 0 ? -1 : 0;
}

int an_run_kind(struct an *a, const struct an_kind *k)
{
	const char *sql = embedded_find(query_files, k->query), *tail;
	sqlite3_stmt *st = NULL;
	int rc;

	if (!sql) {
		an_errf(a, "analyze: query %s is not built in", k->query);
		return -1;
	}
	/* every statement but the last is setup (temp tables); the last gives the candidates */
	for (;;) {
		if (sqlite3_prepare_v2(a->db, sql, -1, &st, &tail) != SQLITE_OK)
			return an_fail(a, k->query);
		if (!st) /* only comments or blanks were left */
			break;
		if (sql_blank(tail))
			break;
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		st = NULL;
		if (rc != SQLITE_DONE && rc != SQLITE_ROW)
			return an_fail(a, k->query);
		sql = tail;
	}
	if (!st) {
		an_errf(a, "analyze: %s has no candidate query", k->query);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (an_one(a, k, st) < 0) {
			sqlite3_finalize(st);
			return -1;
		}
	if (rc != SQLITE_DONE) {
		an_fail(a, k->query);
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}
