/* \summary: the report's data: loads each section (the files in reports/queries/)
 * into small capped tables that the HTML, text and JSON renderers read. */
#include "reports/query/rdata.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

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
	    load_simple(db, "servers_rest.sql", REPORT_OTHERS_MAX, &d->others, err, errlen) < 0 ||
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
	rt_free(&d->others);
	rt_free(&d->clients);
	rt_free(&d->dsn);
	rt_free(&d->dsn_count);
	rt_free(&d->anomalies);
	rt_free(&d->captures);
	rt_free(&d->timeline);
	memset(d, 0, sizeof *d);
}

