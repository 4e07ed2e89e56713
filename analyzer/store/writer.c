/* \summary: the writer that drains the session queue into the store; see writer.h. */
#include "analyzer/store/writer.h"
#include "analyzer/base/limits.h"
#include "analyzer/base/runtime.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

void writer_init(struct writer *w, struct store *st, struct session_queue *q, int64_t capture_id)
{
	memset(w, 0, sizeof *w);
	w->st = st;
	w->q = q;
	w->capture_id = capture_id;
}

static void writer_fail(struct writer *w, const char *why)
{
	if (!w->failed)
		snprintf(w->err, sizeof w->err, "%s", why);
	w->failed = 1;
}

static void drop_backlog(struct writer *w)
{
	struct session *s, *next;

	for (s = w->head; s; s = next) {
		next = s->next;
		session_free(s);
		w->lost++;
	}
	w->head = w->tail = NULL;
	w->waiting = 0;
	w->busy_since = 0;
	w->wait_s = 0;
}

/* Writes the backlog from its head.  0 all written, 1 the lock is held
 * by another process (retry later), -1 persistent failure. */
static int write_backlog(struct writer *w, uint64_t *n)
{
	struct session *s;
	int64_t id;

	while ((s = w->head) != NULL) {
		s->meta.capture_id = w->capture_id;
		if ((id = store_session(w->st, &s->meta, s->rec)) < 0) {
			if (store_last_busy(w->st)) {
				double now = rt_mono_s();
				if (!w->busy_since)
					w->busy_since = now;
				w->refusals++;
				w->wait_s = w->wait_s <= 0 ? STORE_RETRY_MIN_MS / 1000.0 : w->wait_s * 2;
				if (w->wait_s > STORE_RETRY_MAX_MS / 1000.0)
					w->wait_s = STORE_RETRY_MAX_MS / 1000.0;
				w->next_try = now + w->wait_s;
				return 1;
			}
			writer_fail(w, store_error(w->st));
			drop_backlog(w);
			return -1;
		}
		(*n)++;
		if (w->on_stored)
			w->on_stored(w->on_stored_ctx, id, s);
		w->head = s->next;
		if (!w->head)
			w->tail = NULL;
		w->waiting--;
		session_free(s);
	}
	w->busy_since = 0;
	w->wait_s = 0;
	return 0;
}

uint64_t writer_drain(struct writer *w, int wait_ms)
{
	struct session *list, *next;
	uint64_t n = 0;

	if (w->head) {
		/* sessions wait for the lock: take nothing more (the queue bounds
		 * memory), retry when due */
		double wait = w->next_try - rt_mono_s();
		if (wait > wait_ms / 1000.0)
			wait = wait_ms / 1000.0;
		if (wait > 0)
			usleep((useconds_t)(wait * 1e6));
		if (rt_mono_s() < w->next_try)
			return 0;
	} else {
		list = session_queue_take(w->q, wait_ms);
		if (w->failed) {
			for (; list; list = next) {
				next = list->next;
				session_free(list);
				w->lost++;
			}
			return 0;
		}
		for (; list; list = next) { /* into the backlog, in order, written from there */
			next = list->next;
			list->next = NULL;
			if (w->tail)
				w->tail->next = list;
			else
				w->head = list;
			w->tail = list;
			w->waiting++;
		}
	}
	write_backlog(w, &n);
	w->stored += n;
	if (!w->failed && store_tick(w->st) < 0 && !store_last_busy(w->st))
		writer_fail(w, store_error(w->st));
	return n;
}

int writer_waiting(const struct writer *w)
{
	return w->head != NULL;
}

void writer_give_up(struct writer *w, const char *why)
{
	drop_backlog(w);
	writer_fail(w, why);
}

void writer_fini(struct writer *w)
{
	drop_backlog(w);
}
