/* \summary: the writer: the one owner of the store while a capture runs.
 * It drains the session queue, writes each finished session (struct
 * session) with the capture id it belongs to, frees it, and commits in
 * batches (store_tick).  Replay and live capture call it from the same loop
 * (analyzer/capture/run.c), on the thread that opened the store.
 *
 * A database locked by another process (SQLITE_BUSY/LOCKED: another
 * writer, a backup) is not a failure: the refused session and every one
 * after it wait in the writer's backlog, in order, and are tried again
 * after a back-off (STORE_RETRY_MIN_MS doubling up to STORE_RETRY_MAX_MS).
 * While sessions wait the writer takes nothing more from the queue, so
 * memory stays bounded by the queue's cap (a queue that stays full makes
 * live workers drop sessions, counted).  Any other error is persistent:
 * the writer stops writing (the first error is kept in err) but keeps
 * draining and freeing, so the workers never block on a queue nobody
 * empties. */
#ifndef SMTPSCOPE_WRITER_H
#define SMTPSCOPE_WRITER_H

#include <stdint.h>

#include "analyzer/store/session_queue.h"
#include "analyzer/store/store.h"

struct writer {
	struct store *st;           /* borrowed: nobody else writes through it meanwhile */
	struct session_queue *q;    /* borrowed */
	int64_t capture_id;         /* written into every session's meta */
	uint64_t stored;            /* sessions written */
	uint64_t lost;              /* sessions freed unwritten after a persistent failure */
	int failed;                 /* a write failed for good: err says why */
	char err[512];
	/* called after each session is written, with its row id (events); may be NULL */
	void (*on_stored)(void *ctx, int64_t id, const struct session *s);
	void *on_stored_ctx;
	/* the backlog: sessions waiting for a lock another process holds */
	struct session *head, *tail; /* owned, in order */
	uint64_t waiting;
	double wait_s, next_try;    /* back-off, and the monotonic second of the next attempt */
	double busy_since;          /* when the lock was first refused, 0 when not waiting */
	uint64_t refusals;          /* attempts refused by the lock */
};

void writer_init(struct writer *w, struct store *st, struct session_queue *q, int64_t capture_id);

/* With a backlog: waits (at most wait_ms) until its retry is due and tries
 * again.  Else writes what is queued, waiting up to wait_ms while the queue
 * is empty.  Then commits if a batch is due.  Returns the sessions written. */
uint64_t writer_drain(struct writer *w, int wait_ms);

/* 1 while sessions wait for the lock. */
int writer_waiting(const struct writer *w);

/* Gives up on the backlog (at the stop, after STORE_STOP_WAIT_S): frees
 * it, counts it in lost, and marks the writer failed with why. */
void writer_give_up(struct writer *w, const char *why);

/* Frees the backlog (end of the run). */
void writer_fini(struct writer *w);

#endif
