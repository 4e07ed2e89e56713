/* \summary: the bounded queue that carries ended SMTP sessions from the
 * capture threads to the one thread that owns SQLite (live workers, and the
 * replay's writer thread).  The producer hands over the struct smtp_session
 * itself (session_end_fn returns 1); the consumer stores smtp_record() and
 * smtp_free()s it. */
#ifndef SMTPSCOPE_SESSION_QUEUE_H
#define SMTPSCOPE_SESSION_QUEUE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/store/store.h"

/* One ended session on its way to the writer.  Owns s (smtp_free). */
struct session_item {
	struct session_item *next;
	struct session_meta meta;   /* ndpi_protocol points into the worker's nDPI module */
	struct smtp_session *s;     /* owned */
};

struct session_queue {
	pthread_mutex_t mu;
	pthread_cond_t nonempty, nonfull;
	struct session_item *head, *tail;  /* owned, FIFO */
	size_t n, cap;
	uint64_t dropped;           /* sessions lost: the queue stayed full past LIVE_QUEUE_WAIT_MS */
	uint64_t full_waits;        /* times a worker had to wait for room */
	int producers;              /* workers still running; the writer stops at 0 and empty */
};

int session_queue_init(struct session_queue *q, size_t cap, int producers);
/* Frees what is left in the queue (smtp_free on each session). */
void session_queue_fini(struct session_queue *q);
/* Appends it.  wait_ms < 0 waits for room for ever (the final flush);
 * otherwise at most wait_ms.  0 queued (the queue owns it), -1 full: the
 * caller still owns it, and q->dropped was counted. */
int session_queue_push(struct session_queue *q, struct session_item *it, int wait_ms);
/* Takes everything queued, waiting up to wait_ms while the queue is empty
 * and producers remain.  The caller owns the returned list (NULL if none). */
struct session_item *session_queue_take(struct session_queue *q, int wait_ms);
/* A worker has finished (after its last push): wakes the writer. */
void session_queue_producer_done(struct session_queue *q);
int session_queue_finished(struct session_queue *q);   /* no producers left and nothing queued */

#endif
