/* \summary: analysis off the ingest path: a thread with its own connection
 * to the database that refreshes the findings every interval while live
 * capture writes sessions through another connection.
 *
 * The writer must never wait for an analysis.  So the analysis reads one
 * snapshot (a read transaction: WAL readers do not block the writer) and
 * writes only TEMP copies of the tables it produces (ANALYSIS_OUTPUTS,
 * shadowing the main ones by name on this connection); then one short
 * write transaction replaces the main tables' rows with the copies.  The
 * writer waits at most for that copy (findings are a few rows per server),
 * never for the queries.
 *
 * The analysis itself is a function handed in (analyze_run() from
 * reports/analyze.h, given by the CLI), so storage does not depend on the
 * reports. */
#ifndef SMTPSCOPE_ANALYSIS_THREAD_H
#define SMTPSCOPE_ANALYSIS_THREAD_H

#include <stddef.h>
#include <stdint.h>

struct sqlite3;

/* The tables an analysis writes (NULL-terminated list, in analysis_thread.c). */
extern const char *const analysis_outputs[];

/* An analysis over db: 0, or -1 with err set. */
typedef int (*analysis_fn)(struct sqlite3 *db, char *err, size_t errlen);

struct analysis_thread;

/* Opens its own connection to path and starts the thread, which runs fn
 * every interval_s seconds (the first after interval_s).  NULL with err set. */
struct analysis_thread *analysis_thread_start(const char *path, analysis_fn fn, double interval_s,
					      char *err, size_t errlen);

/* Stops the thread (an analysis in progress finishes first) and closes its
 * connection.  NULL is a no-op.  Returns the number of analyses that ran. */
uint64_t analysis_thread_stop(struct analysis_thread *a);

/* One analysis as the thread runs it, on db (a connection nobody else
 * uses meanwhile): snapshot, temp copies, short publish.  0 or -1. */
int analysis_run_shadowed(struct sqlite3 *db, analysis_fn fn, char *err, size_t errlen);

#endif
