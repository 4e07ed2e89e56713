/* \summary: retention: delete sessions older than a cutoff, with all their
 * rows (ON DELETE CASCADE: extensions, transcript, mails, recipients,
 * anomalies, and whatever later tables hang off sessions), in small
 * batches, without stopping ingest.
 *
 * One prune run:
 *   1. copies the findings table into findings_history (one short
 *      transaction), so the findings of the sessions about to go remain;
 *   2. fixes the last session id to consider: sessions stored while the
 *      prune runs are never its business, whatever their timestamps;
 *   3. then, batch after batch (PRUNE_BATCH_SESSIONS, each its own
 *      BEGIN IMMEDIATE ... COMMIT, a pause of PRUNE_PAUSE_MS between them so
 *      the writer takes the lock): adds the batch's sessions to
 *      server_history (per server and UTC day) and deletes them;
 *   4. deletes capture_stats samples older than the cutoff;
 *   5. records the run in `prunes`.
 * A writer waiting for the lock waits at most one batch (milliseconds).
 * The caller runs the analysis afterwards if it wants findings recomputed. */
#ifndef SMTPSCOPE_PRUNE_H
#define SMTPSCOPE_PRUNE_H

#include <stddef.h>
#include <stdint.h>

struct sqlite3;

struct prune_opts {
	double cutoff;           /* Unix seconds: sessions with last_ts < cutoff go */
	int batch;               /* sessions per transaction (PRUNE_BATCH_SESSIONS when 0) */
	int pause_ms;            /* between batches (PRUNE_PAUSE_MS when < 0) */
	volatile int *stop;      /* optional: set to stop between batches */
};

struct prune_result {
	uint64_t sessions, stats_rows, batches, findings_kept;
	int interrupted;
};

/* 0, or -1 with err set (what was committed stays deleted and summarised). */
int prune_run(struct sqlite3 *db, const struct prune_opts *o, struct prune_result *res, char *err,
	      size_t errlen);

/* `live --retain`: a thread with its own connection to path that prunes
 * what is older than retain_s now, then every interval_s, until
 * prune_thread_stop(). NULL with err set when it cannot start. */
struct prune_thread;
struct prune_thread *prune_thread_start(const char *path, double retain_s, double interval_s, int quiet,
					char *err, size_t errlen);
void prune_thread_stop(struct prune_thread *t);   /* NULL is a no-op */

#endif
