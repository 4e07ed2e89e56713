/* \summary: what every finding kind's builder uses (reports/analysis/): the
 * analysis context, one finding, its JSON evidence, cached statements.
 *
 * A kind is one entry of the table in kinds.c: its kind, its query (a file of
 * reports/queries/: optional setup statements, then the SELECT of the
 * candidates, one row each) and its builder.  The driver (an_run_kind) steps
 * the candidates; for each row it opens the evidence object and calls the
 * builder, which fills the finding and writes the evidence; the driver then
 * inserts the finding and frees what it owns.  Builders never prepare,
 * finalize or insert by themselves. */
#ifndef SMTPSCOPE_ANALYSIS_AN_H
#define SMTPSCOPE_ANALYSIS_AN_H

#include <stddef.h>

#include "reports/escape.h"

struct sqlite3;
struct sqlite3_stmt;

#define AN_SUMMARY_MAX  512
#define AN_NAME_SHOWN   80    /* bytes of a wire name quoted in a summary */
#define AN_STMTS_MAX    48    /* cached evidence statements */
#define AN_OWN_MAX      4     /* strings a finding owns */

struct an_stmt {
	const char *sql;           /* static text: the cache key is the pointer */
	struct sqlite3_stmt *st;
};

struct an {
	struct sqlite3 *db;
	char *err;
	size_t errlen;
	struct sqlite3_stmt *ins;  /* INSERT INTO findings */
	struct sqlite3_stmt *has;  /* does a server have a finding of a kind */
	struct an_stmt q[AN_STMTS_MAX];
	int nq;
};

struct finding {
	const char *server_ip;  /* NULL for client findings and untied reports */
	int server_port;        /* ignored when server_ip is NULL */
	const char *client_ip;  /* NULL unless client finding */
	const char *kind, *severity, *name, *remediation;
	/* the name the server should announce, when the evidence shows one, and
	 * where it was seen: "ehlo_reply", "tls_certificate", "rcpt_domain",
	 * "received", ... (any source; the report shows it with the source) */
	const char *suggested_name, *suggested_source;
	double t0, t1;          /* first_ts, last_ts; < 0 means NULL */
	char summary[AN_SUMMARY_MAX];
	struct jw *ev;          /* the evidence object, open: write keys and values */
	char *own[AN_OWN_MAX];  /* freed after the insert (an_own) */
	int nown;
};

/* A builder: fills f from the candidate row (and cached queries), writes the
 * evidence into f->ev.  1: insert f; 0: skip this row; -1: error (a->err). */
typedef int (*an_build_fn)(struct an *a, struct sqlite3_stmt *row, struct finding *f);

struct an_kind {
	const char *kind;      /* findings.kind (documentation and errors) */
	const char *query;     /* reports/queries/ file name */
	an_build_fn build;
};

extern const struct an_kind an_kinds[];   /* in the order they run; ends with { 0 } */

/* -1 with "analyze: what: sqlite's message" in a->err. */
int an_fail(struct an *a, const char *what);
/* The cached statement of sql (a string literal), reset with no bindings; NULL
 * with a->err set when it does not prepare. */
struct sqlite3_stmt *an_q(struct an *a, const char *sql);
/* The stable key of a finding (kind, server or client, name): 16 hex digits
 * and a NUL into key. */
void an_key(const struct finding *f, char key[17]);
/* After every kind ran: keys' first/last seen, is_new, the analyses row
 * (reports/analysis/history.c).  now: wall clock of this analysis. */
int an_history(struct an *a, double now);
/* The analysis's time: SOURCE_DATE_EPOCH when set (reproducible outputs),
 * else the wall clock. */
double an_now(void);
/* The name the server should announce, from the first evidence source that
 * shows one (reports/analysis/suggest.c): sets f->suggested_name/_source.
 * bad: the name at fault.  0 or -1. */
int an_suggest(struct an *a, const char *ip, int port, const char *bad, struct finding *f);
/* Runs one kind: setup statements, candidates, builder, insert. */
int an_run_kind(struct an *a, const struct an_kind *k);
/* 1 when the server already has a finding of this kind. */
int an_has(struct an *a, const char *ip, int port, const char *kind);
/* Makes f own s (malloc'd; NULL is allowed) and returns it. */
char *an_own(struct finding *f, char *s);

/* Row helpers. */
const char *an_text(struct sqlite3_stmt *st, int i);
char *an_dup(struct sqlite3_stmt *st, int i);       /* malloc'd copy; NULL stays NULL */
/* The first row's column i (malloc'd, NULL when no row) of st with ip/port bound. */
char *an_first_text(struct sqlite3_stmt *st, const char *ip, int port, int i);
void an_bind_server(struct sqlite3_stmt *st, const char *ip, int port);
/* "" or "s": the plural ending for n things. */
static inline const char *an_s(long long n) { return n == 1 ? "" : "s"; }
/* "ip:port" or "[v6]:port" into buf (AN_EP_MAX bytes). */
#define AN_EP_MAX 80
void an_endpoint(const char *ip, int port, char *buf);
void an_summary(struct finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Evidence writers: each steps st to its end and resets it. */
void ev_ids(struct jw *w, const char *key, struct sqlite3_stmt *st);    /* [col 0 ints] */
void ev_rows(struct jw *w, const char *key, struct sqlite3_stmt *st);   /* [{col: value}] */
void ev_first(struct jw *w, const char *key, struct sqlite3_stmt *st);  /* first col 0 or null */
void ev_col(struct jw *w, struct sqlite3_stmt *st, int i);               /* value of its type */
void ev_int(struct jw *w, const char *key, long long v);
void ev_str(struct jw *w, const char *key, const char *s);
void ev_bool(struct jw *w, const char *key, int v);
void ev_num(struct jw *w, const char *key, double v);
void ev_secs(struct jw *w, const char *key, double v);  /* null when v < 0 */

#endif
