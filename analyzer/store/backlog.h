/* \summary: the writer's backlog: sessions waiting while another process
 * holds the database lock.
 *
 * A transient SQLITE_BUSY or SQLITE_LOCKED (another writer, a long
 * `smtpscope analyze` of an older version, a backup) is not a failure: the
 * session that was refused, and every one after it, wait here in order, and
 * the next attempt comes after a back-off (STORE_RETRY_MIN_MS doubling up to
 * STORE_RETRY_MAX_MS).  While sessions wait, the writer takes nothing more
 * from its session queue, so memory stays bounded by the queue's cap: a
 * queue that stays full makes the capture threads drop sessions, and those
 * are counted (queue_dropped_sessions).  Any other error (disk full, I/O) is
 * persistent and returned as such. */
#ifndef SMTPSCOPE_BACKLOG_H
#define SMTPSCOPE_BACKLOG_H

#include <stdint.h>

#include "analyzer/store/session_queue.h"
#include "analyzer/store/store.h"

struct store_backlog {
	struct session_item *head, *tail; /* owned: not stored yet, in order */
	uint64_t n;
	double wait_s;       /* current back-off */
	double next_try;     /* monotonic seconds of the next attempt */
	double busy_since;   /* when the lock was first refused (monotonic s), 0 when not waiting */
	uint64_t refusals;   /* attempts refused by the lock, counted */
	/* called after each session is stored, with its id (outputs, events);
	 * may be NULL */
	void (*on_stored)(void *ctx, int64_t id, const struct session_meta *m, const struct smtp_record *r);
	void *on_stored_ctx;
};

/* Appends list (owned from now on) to bl and stores from the head, in
 * order, setting each item's capture_id.  Returns 0 when everything was
 * stored, 1 when sessions wait for the lock (retry when
 * store_backlog_due()), -1 on a persistent failure (the reason is in
 * store_error(st); the waiting sessions are freed and counted in *lost).
 * *stored counts the sessions stored. */
int store_backlog_drain(struct store *st, struct store_backlog *bl, struct session_item *list,
			int64_t capture_id, double now, uint64_t *stored, uint64_t *lost);

/* 1 when bl holds sessions and their next attempt is due at now. */
int store_backlog_due(const struct store_backlog *bl, double now);

/* Frees what waits (counted in *lost when not NULL). */
void store_backlog_drop(struct store_backlog *bl, uint64_t *lost);

#endif
