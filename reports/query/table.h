/* \summary: the query and table layer that the analysis and the renderers share.
 *
 * Layers inside reports/ (imports run downwards only):
 *   report.c, analyze.c        entry points (CLI calls these)
 *   render/   analysis/        renderers (HTML, text, JSON, findings lists);
 *                              finding kinds and their builders
 *   query/                     embedded queries, loaded tables, formatting,
 *                              SQL functions, the catalogue of finding kinds
 *   escape.h                   the output point of every wire string
 * The queries are the embedded reports/queries/ files (*.sql). */
#ifndef SMTPSCOPE_QUERY_TABLE_H
#define SMTPSCOPE_QUERY_TABLE_H

#include <stdio.h>
#include <stddef.h>

#include "reports/escape.h"

struct sqlite3;
struct sqlite3_stmt;

/* What the report shows at most: these keep it far below 10 MB on 10^6 sessions. */
#define REPORT_FINDINGS_MAX    500  /* findings listed (HTML/JSON); the rest counted */
#define REPORT_TEXT_FINDINGS   60   /* findings listed in the terminal summary */
#define REPORT_SERVERS_MAX     300  /* servers with findings shown in detail */
#define REPORT_OTHERS_MAX      1000 /* servers without findings in the compact table */
#define REPORT_TEXT_SERVERS    10   /* of which the terminal summary shows */
#define REPORT_CLIENTS_MAX     200  /* busiest clients */
#define REPORT_DSN_MAX         200  /* 4.4.7 reports listed */
#define REPORT_TRANSCRIPT_MAX  60   /* transcript lines of the example session */
#define REPORT_TABLE_ROWS_MAX  1000 /* any loaded table */
#define TIMELINE_BUCKETS       48   /* bars in a sessions-over-time chart */

/* One loaded cell: SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT (or BLOB, kept as
 * text) or SQLITE_NULL. */
struct rcell {
	int type;
	long long i;
	double d;
	char *s;      /* TEXT: owned copy, NUL-terminated, n bytes (may hold NULs) */
	size_t n;
};

struct rtable {
	int ncol, nrow;
	char **names;       /* ncol owned column names */
	struct rcell *c;    /* nrow * ncol cells, owned */
};

/* Prepares the embedded query `name` (e.g. "summary.sql"); NULL with err set. */
struct sqlite3_stmt *rq_prep(struct sqlite3 *db, const char *name, char *err, size_t errlen);
/* Steps st to the end (at most max_rows rows kept), then resets it.  0 or -1. */
int rt_load(struct rtable *t, struct sqlite3_stmt *st, int max_rows);
void rt_free(struct rtable *t);                  /* rt_free on a zeroed table is a no-op */
int rt_col(const struct rtable *t, const char *name);   /* index or -1 */
const struct rcell *rt_get(const struct rtable *t, int row, const char *name); /* NULL if absent */
const char *rt_str(const struct rtable *t, int row, const char *name);        /* TEXT or NULL */
long long rt_int(const struct rtable *t, int row, const char *name);          /* 0 if NULL */
double rt_num(const struct rtable *t, int row, const char *name);             /* 0 if NULL */
/* 1 when the column holds times (Unix seconds): named ts or *_ts, *_attempt. */
int rt_is_time_col(const char *name);

/* Formats t as "YYYY-MM-DD HH:MM:SS" UTC into buf. */
void fmt_time(double t, char *buf, size_t n);
/* The display text of a cell (numbers formatted; times as dates when the
 * column is a time column).  *s and *n point into the cell or into buf. */
void cell_text(const struct rtable *t, int col, const struct rcell *c, char *buf, size_t bufn,
	       const char **s, size_t *n);

/* A connection that scans a large database (report, findings, analyze) gets
 * a larger page cache while it does: the default (2 MiB for a read-only
 * connection) makes SQLite re-read the same index pages from the file over
 * and over.  rq_tune() saves the connection's setting in *saved and only ever
 * grows it; rq_untune() puts it back.  (Memory-mapping the file was measured
 * too: after the schema 004 indexes it gained under 10% and made the mapped
 * file pages count as resident memory, so it is not used.) */
#define RQ_CACHE_KIB   65536      /* 64 MiB */
#define RQ_TUNE_MIN_DB_MIB 256    /* databases smaller than this keep their cache */
struct rq_tuning {
	long long cache_size;     /* PRAGMA cache_size before rq_tune() */
	int saved;
};
void rq_tune(struct sqlite3 *db, struct rq_tuning *saved);
void rq_untune(struct sqlite3 *db, const struct rq_tuning *saved);

/* Writers of a loaded table in each format. */
void json_rtable(struct jw *w, const struct rtable *t);
void json_rrow(struct jw *w, const struct rtable *t, int row);

/* A duration in a unit a person reads: "45 s", "12 min", "5.5 h", "3.2 days", "56.6 years";
 * "-" when s < 0.  Returns buf. */
const char *fmt_duration(double s, char *buf, size_t n);
/* A count with its noun, plural when n != 1: "1 session", "3 sessions"
 * (noun + "s"). Returns buf. */
const char *fmt_count(long long n, const char *noun, char *buf, size_t len);

/* "ip:port", with [ ] around an IPv6 address; "-" when ip is NULL. */
void fmt_endpoint(const char *ip, long long port, char *buf, size_t n);

#endif
