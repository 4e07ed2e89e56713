/* \summary: the query and table layer shared by the analysis and the renderers:
 * embedded queries (the files of reports/queries/), small capped in-memory tables,
 * cell formatting, and the connection tuning for large scans. */
#include "reports/query/table.h"
#include "analyzer/base/carray.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyzer/base/embedded.h"

struct sqlite3_stmt *rq_prep(struct sqlite3 *db, const char *name, char *err, size_t errlen)
{
	const char *sql = embedded_find(query_files, name);
	sqlite3_stmt *st = NULL;

	if (!sql) {
		snprintf(err, errlen, "report: query %s is not built in", name);
		return NULL;
	}
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "report: %s: %s", name, sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

void rt_free(struct rtable *t)
{
	int i;

	if (!t)
		return;
	if (t->c)
		for (i = 0; i < t->nrow * t->ncol; i++)
			free(t->c[i].s);
	if (t->names)
		for (i = 0; i < t->ncol; i++)
			free(t->names[i]);
	free(t->c);
	free(t->names);
	memset(t, 0, sizeof *t);
}

int rt_load(struct rtable *t, struct sqlite3_stmt *st, int max_rows)
{
	int i, cap = 0, rc;

	memset(t, 0, sizeof *t);
	if (max_rows > REPORT_TABLE_ROWS_MAX || max_rows < 0)
		max_rows = REPORT_TABLE_ROWS_MAX;
	t->ncol = sqlite3_column_count(st);
	if (!(t->names = calloc((size_t)t->ncol + 1, sizeof *t->names)))
		goto fail;
	for (i = 0; i < t->ncol; i++) {
		const char *n = sqlite3_column_name(st, i);
		if (!(t->names[i] = strdup(n ? n : "?")))
			goto fail;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct rcell *row;
		if (t->nrow == max_rows)
			continue; /* keep stepping so the statement ends cleanly */
		if (t->nrow == cap) {
			size_t c = (size_t)cap;
			if (carray_reserve(&t->c, &c, c + 1, (size_t)(t->ncol ? t->ncol : 1) * sizeof *t->c, 16,
					   (size_t)max_rows) < 0)
				goto fail;
			cap = (int)c;
		}
		row = t->c + (size_t)t->nrow * (size_t)t->ncol;
		memset(row, 0, (size_t)t->ncol * sizeof *row);
		t->nrow++;
		for (i = 0; i < t->ncol; i++) {
			struct rcell *c = row + i;
			c->type = sqlite3_column_type(st, i);
			if (c->type == SQLITE_INTEGER) {
				c->i = sqlite3_column_int64(st, i);
				c->d = (double)c->i;
			} else if (c->type == SQLITE_FLOAT) {
				c->d = sqlite3_column_double(st, i);
				c->i = (long long)c->d;
			} else if (c->type != SQLITE_NULL) {
				const unsigned char *s = sqlite3_column_text(st, i);
				c->type = SQLITE_TEXT;
				c->n = (size_t)sqlite3_column_bytes(st, i);
				if (!(c->s = malloc(c->n + 1)))
					goto fail;
				if (s)
					memcpy(c->s, s, c->n);
				c->s[c->n] = '\0';
			}
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
fail:
	sqlite3_reset(st);
	rt_free(t);
	return -1;
}

int rt_col(const struct rtable *t, const char *name)
{
	int i;

	for (i = 0; i < t->ncol; i++)
		if (strcmp(t->names[i], name) == 0)
			return i;
	return -1;
}

const struct rcell *rt_get(const struct rtable *t, int row, const char *name)
{
	int c = rt_col(t, name);

	if (c < 0 || row < 0 || row >= t->nrow)
		return NULL;
	return t->c + (size_t)row * (size_t)t->ncol + (size_t)c;
}

const char *rt_str(const struct rtable *t, int row, const char *name)
{
	const struct rcell *c = rt_get(t, row, name);
	return c && c->type == SQLITE_TEXT ? c->s : NULL;
}

long long rt_int(const struct rtable *t, int row, const char *name)
{
	const struct rcell *c = rt_get(t, row, name);
	return c && c->type != SQLITE_NULL ? c->i : 0;
}

double rt_num(const struct rtable *t, int row, const char *name)
{
	const struct rcell *c = rt_get(t, row, name);
	return c && c->type != SQLITE_NULL ? c->d : 0;
}

int rt_is_time_col(const char *name)
{
	size_t n = strlen(name);

	return strcmp(name, "ts") == 0 || (n > 3 && strcmp(name + n - 3, "_ts") == 0);
}

void fmt_time(double t, char *buf, size_t n)
{
	time_t tt;
	struct tm tm;

	if (!(t > -1e12 && t < 1e12)) {
		snprintf(buf, n, "?");
		return;
	}
	tt = (time_t)t;
	if (!gmtime_r(&tt, &tm) || strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, n, "%.0f", t);
}

void cell_text(const struct rtable *t, int col, const struct rcell *c, char *buf, size_t bufn,
	       const char **s, size_t *n)
{
	*s = buf;
	buf[0] = '\0';
	switch (c->type) {
	case SQLITE_NULL:
		snprintf(buf, bufn, "-");
		break;
	case SQLITE_INTEGER:
		if (rt_is_time_col(t->names[col]))
			fmt_time((double)c->i, buf, bufn);
		else
			snprintf(buf, bufn, "%lld", c->i);
		break;
	case SQLITE_FLOAT:
		if (rt_is_time_col(t->names[col]))
			fmt_time(c->d, buf, bufn);
		else
			snprintf(buf, bufn, "%.2f", c->d);
		break;
	default:
		*s = c->s;
		*n = c->n;
		return;
	}
	*n = strlen(buf);
}

const char *fmt_duration(double s, char *buf, size_t n)
{
	if (!(s >= 0) || s > 1e12)
		snprintf(buf, n, "-");
	else if (s < 90)
		snprintf(buf, n, "%.0f s", s);
	else if (s < 90 * 60)
		snprintf(buf, n, "%.0f min", s / 60);
	else if (s < 48 * 3600)
		snprintf(buf, n, "%.1f h", s / 3600);
	else if (s < 730 * 86400.0)
		snprintf(buf, n, "%.1f days", s / 86400);
	else
		snprintf(buf, n, "%.1f years", s / (365.25 * 86400));
	return buf;
}

const char *fmt_count(long long v, const char *noun, char *buf, size_t len)
{
	snprintf(buf, len, "%lld %s%s", v, noun, v == 1 ? "" : "s");
	return buf;
}

void fmt_endpoint(const char *ip, long long port, char *buf, size_t n)
{
	if (!ip)
		snprintf(buf, n, "-");
	else if (strchr(ip, ':'))
		snprintf(buf, n, "[%.64s]:%lld", ip, port);
	else
		snprintf(buf, n, "%.64s:%lld", ip, port);
}

void json_rrow(struct jw *w, const struct rtable *t, int row)
{
	int i;

	jw_obj(w);
	for (i = 0; i < t->ncol; i++) {
		const struct rcell *c = t->c + (size_t)row * (size_t)t->ncol + (size_t)i;
		jw_key(w, t->names[i]);
		switch (c->type) {
		case SQLITE_NULL: jw_null(w); break;
		case SQLITE_INTEGER: jw_int(w, c->i); break;
		case SQLITE_FLOAT: jw_num(w, c->d); break;
		default: jw_strn(w, c->s, c->n); break;
		}
	}
	jw_obj_end(w);
}

void json_rtable(struct jw *w, const struct rtable *t)
{
	int r;

	jw_arr(w);
	for (r = 0; r < t->nrow; r++)
		json_rrow(w, t, r);
	jw_arr_end(w);
}

/* ---- connection settings ------------------------------------------------------ */

static int pragma_int(struct sqlite3 *db, const char *sql, long long *v)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
		*v = sqlite3_column_int64(st, 0);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

static void pragma_set(struct sqlite3 *db, const char *name, long long v)
{
	char sql[96];

	snprintf(sql, sizeof sql, "PRAGMA %s = %lld", name, v);
	sqlite3_exec(db, sql, NULL, NULL, NULL);
}

void rq_tune(struct sqlite3 *db, struct rq_tuning *saved)
{
	long long v, page = 0, pages = 0;
	int big;

	memset(saved, 0, sizeof *saved);
	if (pragma_int(db, "PRAGMA cache_size", &saved->cache_size) < 0 ||
	    pragma_int(db, "PRAGMA page_size", &page) < 0 ||
	    pragma_int(db, "PRAGMA page_count", &pages) < 0)
		return;
	/* A small database is read quickly through the connection's own cache;
	 * growing it would only make memory follow the database size. */
	if (pages * page < (long long)RQ_TUNE_MIN_DB_MIB << 20)
		return;
	saved->saved = 1;
	/* negative: KiB; positive: pages of page_size bytes (512..65536) */
	v = saved->cache_size;
	if (v < 0)
		big = v <= -(long long)RQ_CACHE_KIB;
	else
		big = page > 0 && v >= (long long)RQ_CACHE_KIB * 1024 / page;
	if (!big)
		pragma_set(db, "cache_size", -(long long)RQ_CACHE_KIB);
}

void rq_untune(struct sqlite3 *db, const struct rq_tuning *saved)
{
	if (saved->saved)
		pragma_set(db, "cache_size", saved->cache_size);
}

