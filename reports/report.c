/* \summary: the report: loads each section (the files in reports/queries/) into small
 * capped tables, then hands them to the HTML, text or JSON renderer. */
#include "reports/report.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyzer/base/embedded.h"
#include "reports/analyze.h"
#include "reports/report_int.h"

int report_format_parse(const char *s)
{
	if (!s)
		return -1;
	if (strcmp(s, "text") == 0 || strcmp(s, "txt") == 0)
		return REPORT_TEXT;
	if (strcmp(s, "json") == 0)
		return REPORT_JSON;
	if (strcmp(s, "csv") == 0)
		return REPORT_CSV;
	if (strcmp(s, "html") == 0)
		return REPORT_HTML;
	return -1;
}

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
			int ncap = cap ? cap * 2 : 16;
			struct rcell *nc;
			if (ncap > max_rows)
				ncap = max_rows;
			nc = realloc(t->c, (size_t)ncap * (size_t)(t->ncol ? t->ncol : 1) * sizeof *nc);
			if (!nc)
				goto fail;
			t->c = nc;
			cap = ncap;
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

/* ---- loading ------------------------------------------------------------------ */

/* Start and bucket width of a timeline over [t0, t1]. */
static void timeline_span(double t0, double t1, double *start, double *width)
{
	double w = (t1 - t0) / TIMELINE_BUCKETS;

	*start = t0;
	*width = w >= 1.0 ? w : 1.0;
}

static int load_server(struct sqlite3 *db, struct rdata *d, int i, sqlite3_stmt **q, char *err,
		       size_t errlen)
{
	struct rserver *s = &d->srv[i];
	const char *ip = rt_str(&d->servers, i, "server_ip");
	long long port = rt_int(&d->servers, i, "server_port");
	struct rtable *tabs[] = { &s->names, &s->software, &s->banner, &s->ext, &s->outcomes,
				  &s->findings, &s->example };
	int k;

	(void)db;
	if (!ip)
		return 0;
	for (k = 0; k < 7; k++) {
		sqlite3_bind_text(q[k], 1, ip, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(q[k], 2, port);
		if (rt_load(tabs[k], q[k], REPORT_TABLE_ROWS_MAX) < 0)
			goto fail;
	}
	timeline_span(rt_num(&d->servers, i, "first_ts"), rt_num(&d->servers, i, "last_ts"),
		      &s->t0, &s->width);
	sqlite3_bind_text(q[7], 1, ip, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q[7], 2, port);
	sqlite3_bind_double(q[7], 3, s->t0);
	sqlite3_bind_double(q[7], 4, s->width);
	sqlite3_bind_int(q[7], 5, TIMELINE_BUCKETS - 1);
	if (rt_load(&s->timeline, q[7], TIMELINE_BUCKETS) < 0)
		goto fail;
	if (s->example.nrow > 0) {
		sqlite3_bind_int64(q[8], 1, rt_int(&s->example, 0, "id"));
		sqlite3_bind_int(q[8], 2, REPORT_TRANSCRIPT_MAX);
		if (rt_load(&s->transcript, q[8], REPORT_TRANSCRIPT_MAX) < 0)
			goto fail;
	}
	return 0;
fail:
	snprintf(err, errlen, "report: server %s: %s", ip, sqlite3_errmsg(db));
	return -1;
}

static const char *const server_queries[] = {
	"server_names.sql", "server_software.sql", "server_banner.sql", "server_extensions.sql",
	"server_outcomes.sql", "server_findings.sql", "server_example.sql", "server_timeline.sql",
	"transcript.sql",
};
#define N_SERVER_QUERIES (int)(sizeof server_queries / sizeof server_queries[0])

/* Runs one query with an optional integer limit into t. */
static int load_simple(struct sqlite3 *db, const char *name, int limit, struct rtable *t,
		       char *err, size_t errlen)
{
	sqlite3_stmt *st = rq_prep(db, name, err, errlen);
	int rc;

	if (!st)
		return -1;
	if (limit != 0)
		sqlite3_bind_int(st, 1, limit);
	rc = rt_load(t, st, REPORT_TABLE_ROWS_MAX);
	if (rc < 0)
		snprintf(err, errlen, "report: %s: %s", name, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc;
}

int rdata_load(struct sqlite3 *db, struct rdata *d, char *err, size_t errlen)
{
	sqlite3_stmt *q[N_SERVER_QUERIES] = { 0 }, *tl = NULL;
	int i, rc = -1;

	memset(d, 0, sizeof *d);
	if (load_simple(db, "summary.sql", 0, &d->summary, err, errlen) < 0 ||
	    load_simple(db, "findings_by_severity.sql", 0, &d->severity, err, errlen) < 0 ||
	    load_simple(db, "findings.sql", REPORT_FINDINGS_MAX, &d->findings, err, errlen) < 0 ||
	    load_simple(db, "servers_top.sql", REPORT_SERVERS_MAX, &d->servers, err, errlen) < 0 ||
	    load_simple(db, "clients_top.sql", REPORT_CLIENTS_MAX, &d->clients, err, errlen) < 0 ||
	    load_simple(db, "dsn_447.sql", REPORT_DSN_MAX, &d->dsn, err, errlen) < 0 ||
	    load_simple(db, "dsn_447_count.sql", 0, &d->dsn_count, err, errlen) < 0 ||
	    load_simple(db, "anomalies_top.sql", 0, &d->anomalies, err, errlen) < 0 ||
	    load_simple(db, "captures.sql", 0, &d->captures, err, errlen) < 0)
		goto out;
	timeline_span(rt_num(&d->summary, 0, "first_ts"), rt_num(&d->summary, 0, "last_ts"),
		      &d->t0, &d->width);
	if (!(tl = rq_prep(db, "timeline.sql", err, errlen)))
		goto out;
	sqlite3_bind_double(tl, 1, d->t0);
	sqlite3_bind_double(tl, 2, d->width);
	sqlite3_bind_int(tl, 3, TIMELINE_BUCKETS - 1);
	if (rt_load(&d->timeline, tl, TIMELINE_BUCKETS) < 0) {
		snprintf(err, errlen, "report: timeline: %s", sqlite3_errmsg(db));
		goto out;
	}
	for (i = 0; i < N_SERVER_QUERIES; i++)
		if (!(q[i] = rq_prep(db, server_queries[i], err, errlen)))
			goto out;
	if (d->servers.nrow > 0 && !(d->srv = calloc((size_t)d->servers.nrow, sizeof *d->srv))) {
		snprintf(err, errlen, "report: out of memory");
		goto out;
	}
	d->nsrv = d->servers.nrow;
	for (i = 0; i < d->nsrv; i++)
		if (load_server(db, d, i, q, err, errlen) < 0)
			goto out;
	rc = 0;
out:
	for (i = 0; i < N_SERVER_QUERIES; i++)
		sqlite3_finalize(q[i]);
	sqlite3_finalize(tl);
	if (rc < 0)
		rdata_free(d);
	return rc;
}

void rdata_free(struct rdata *d)
{
	int i;

	if (!d)
		return;
	for (i = 0; i < d->nsrv && d->srv; i++) {
		struct rserver *s = &d->srv[i];
		rt_free(&s->names);
		rt_free(&s->software);
		rt_free(&s->banner);
		rt_free(&s->ext);
		rt_free(&s->outcomes);
		rt_free(&s->timeline);
		rt_free(&s->findings);
		rt_free(&s->example);
		rt_free(&s->transcript);
	}
	free(d->srv);
	rt_free(&d->summary);
	rt_free(&d->severity);
	rt_free(&d->findings);
	rt_free(&d->servers);
	rt_free(&d->clients);
	rt_free(&d->dsn);
	rt_free(&d->dsn_count);
	rt_free(&d->anomalies);
	rt_free(&d->captures);
	rt_free(&d->timeline);
	memset(d, 0, sizeof *d);
}

int report_write(struct sqlite3 *db, FILE *out, enum report_format f, char *err, size_t errlen)
{
	struct rdata d;
	struct rq_tuning tune;
	int rc, own_txn;

	if (err && errlen)
		err[0] = '\0';
	if (f != REPORT_HTML && f != REPORT_TEXT && f != REPORT_JSON) {
		snprintf(err, errlen, "report: format must be html, text or json");
		return -1;
	}
	if (analyze_register_functions(db) < 0) {
		snprintf(err, errlen, "report: cannot register SQL functions");
		return -1;
	}
	rq_tune(db, &tune);
	/* one read transaction: every section sees the same snapshot (WAL) */
	own_txn = sqlite3_get_autocommit(db) && sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
	rc = rdata_load(db, &d, err, errlen);
	if (own_txn)
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	rq_untune(db, &tune);
	if (rc < 0)
		return -1;
	if (f == REPORT_HTML)
		rc = report_html(&d, out);
	else if (f == REPORT_TEXT)
		rc = report_text(&d, out);
	else
		rc = report_json(&d, out);
	rdata_free(&d);
	if (rc < 0 || ferror(out)) {
		snprintf(err, errlen, "report: write error");
		return -1;
	}
	return 0;
}
