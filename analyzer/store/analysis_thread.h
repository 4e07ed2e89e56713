/* \summary: analysis off the ingest path: a thread with its own connection
 * to the database that refreshes the findings every interval while live
 * capture writes sessions through another connection, so ingest never
 * waits for an analysis.
 *
 * The analysis is a function handed in (analyze_run() from
 * reports/analyze.h, given by the CLI), so storage does not depend on the
 * reports.  Called on a connection in autocommit mode, analyze_run()
 * computes on a read snapshot into a TEMP copy of the findings and swaps
 * them in with one short write transaction: the writer waits at most for
 * that swap, never for the queries.  The connection is opened with SQLite
 * directly, not store_open(): its header check open()s and close()s the
 * file, and closing any descriptor of a file drops every POSIX lock this
 * process holds on it, the writer's included (a reader in another process
 * would then take the WAL for its own and delete it). */
#ifndef SMTPSCOPE_ANALYSIS_THREAD_H
#define SMTPSCOPE_ANALYSIS_THREAD_H

#include <stddef.h>
#include <stdint.h>

struct sqlite3;

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

/* 1 when an analysis finished since the last call (its duration in *secs):
 * the writer's thread then reads the published findings for its events.
 * NULL is never done. */
int analysis_thread_poll(struct analysis_thread *a, double *secs);

#endif
