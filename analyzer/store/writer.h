/* \summary: the writer: the one owner of the store while a capture runs.
 * It drains the session queue, writes each finished session (struct
 * session) with the capture id it belongs to, frees it, and commits in
 * batches (store_tick).  Replay and live capture call it from the same loop
 * (analyzer/capture/run.c), on the thread that opened the store.
 *
 * After a failed write the writer stops writing (the first error is kept
 * in err) but keeps draining and freeing, so the workers never block on a
 * queue nobody empties. */
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
	int failed;                 /* a write failed: err says why */
	char err[512];
};

void writer_init(struct writer *w, struct store *st, struct session_queue *q, int64_t capture_id);

/* Writes what is queued, waiting up to wait_ms while the queue is empty,
 * then commits if a batch is due.  Returns the sessions written by this call. */
uint64_t writer_drain(struct writer *w, int wait_ms);

#endif
