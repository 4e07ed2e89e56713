/* \summary: the bounded queue that carries finished sessions (struct
 * session: meta + record, no parser state) from the capture workers to the
 * one writer that owns SQLite.  Used the same way by replay (one worker
 * reading a file) and live capture (N workers on an interface).
 *
 * The queue is opaque: its lock and counters are only reached through the
 * functions below.  Every function is thread safe. */
#ifndef SMTPSCOPE_SESSION_QUEUE_H
#define SMTPSCOPE_SESSION_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer/engine/session.h"

struct session_queue;

struct session_queue_stats {
	uint64_t queued;            /* sessions accepted */
	uint64_t dropped;           /* sessions lost: the queue stayed full for the whole wait */
	uint64_t full_waits;        /* pushes that found the queue full and had to wait */
	size_t peak;                /* most sessions queued at once */
	size_t depth;               /* sessions queued now */
};

/* cap sessions at most; the writer stops once producers have called
 * session_queue_producer_done() and the queue is empty.  NULL when out of memory. */
struct session_queue *session_queue_new(size_t cap, int producers);
/* Frees the queue and every session still in it.  NULL is a no-op. */
void session_queue_free(struct session_queue *q);

/* Appends s; the queue owns it whatever the result.  wait_ms < 0 waits for
 * room for ever (a replay, a final flush); otherwise at most wait_ms.  0
 * queued; -1 still full after the wait: s was freed and counted as dropped. */
int session_queue_push(struct session_queue *q, struct session *s, int wait_ms);

/* Takes everything queued, waiting up to wait_ms while the queue is empty
 * and producers remain.  The caller owns the returned list, linked by
 * ->next (NULL if none). */
struct session *session_queue_take(struct session_queue *q, int wait_ms);

/* A producer has pushed its last session: wakes the writer. */
void session_queue_producer_done(struct session_queue *q);
/* 1 when no producer is left and nothing is queued. */
int session_queue_finished(struct session_queue *q);

void session_queue_get_stats(struct session_queue *q, struct session_queue_stats *out);

#endif
