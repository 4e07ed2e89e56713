/* \summary: the one capture driver, shared by replay and live capture:
 *
 *   source ─► worker (pipeline) ─┐
 *   source ─► worker (pipeline) ─┼─► session queue ─► writer ─► store
 *   ...                          ┘   (finished records)   (this thread)
 *
 * A replay is a run with one worker reading a file; live capture is a run
 * with N workers on one interface.  The calling thread is the writer: it
 * drains the queue, commits, calls the caller's tick() every tick_s, and
 * stops the workers on a signal (runtime.h), after `duration`, or when a
 * write fails.  A worker that fails stops the others. */
#ifndef SMTPSCOPE_RUN_H
#define SMTPSCOPE_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer/capture/source.h"
#include "analyzer/capture/worker.h"
#include "analyzer/store/session_queue.h"
#include "analyzer/store/store.h"
#include "analyzer/store/writer.h"

struct live_dump;
struct capture_tap;

struct run {
	/* in: set by the caller before run_capture() */
	struct source *src;          /* nsrc opened sources; borrowed (the caller closes them after run_fini) */
	int nsrc;
	const struct flow_config *flows;
	struct store *st;            /* the writer's connection, borrowed */
	int64_t capture_id;
	size_t queue_max;            /* sessions waiting for the writer at most */
	int push_wait_ms;            /* a worker facing a full queue waits this long, then drops
	                                (counted); -1 waits for ever (replay: never drops) */
	struct live_dump *dump;      /* --write-pcap, or NULL */
	struct capture_tap *tap;     /* -c COUNT / -w FILE, or NULL */
	double duration;             /* stop after this many seconds; 0 = no limit */
	double tick_s;               /* tick() period in seconds; 0 = never */
	void (*tick)(struct run *r, double now);
	/* called once the workers' pipelines exist, before they start (may be NULL) */
	void (*ready)(struct run *r);
	/* called after each session is written (events); may be NULL */
	void (*on_stored)(void *ctx, int64_t id, const struct session *s);
	void *ctx;                   /* the caller's, for the three callbacks */
	/* the run; read-only for the caller */
	struct worker *w;            /* nsrc workers, owned */
	struct session_queue *q;     /* owned */
	struct writer wr;
	int stop;                    /* atomic: the workers leave */
	const char *stop_why;        /* "SIGINT", "SIGTERM", "--duration reached", ... or NULL */
	double t0;                   /* rt_mono_s() at the start */
	char failure[1024];          /* run_failure()'s text */
};

/* Starts a worker per source, writes until every worker has ended, then
 * stores what is left in the queue.  0 once the run is over (see
 * run_failure() for how it went), or -1 with err set when it could not
 * start.  Call run_fini() either way. */
int run_capture(struct run *r, char *err, size_t errlen);

/* Stops the workers (from the writer's thread, e.g. in tick()). */
void run_stop(struct run *r, const char *why);

/* What the workers published, summed; smtp_sessions = sessions written. */
void run_totals(const struct run *r, struct capture_totals *t);
/* Every worker's pipeline counters, summed by name: put(ctx, name, value). */
void run_counters(const struct run *r, void (*put)(void *ctx, const char *name, uint64_t v), void *ctx);
/* Frames older than the one before them, all workers. */
uint64_t run_ts_backwards(const struct run *r);
void run_queue_stats(const struct run *r, struct session_queue_stats *out);

/* Why the run failed (a worker's read error, or "database write failed:
 * ..."), or NULL when it did not. */
const char *run_failure(struct run *r);

void run_fini(struct run *r);   /* frees workers and queue; not the sources */

#endif
