/* \summary: the writer that drains the session queue into the store; see writer.h. */
#include "analyzer/store/writer.h"

#include <stdio.h>
#include <string.h>

void writer_init(struct writer *w, struct store *st, struct session_queue *q, int64_t capture_id)
{
	memset(w, 0, sizeof *w);
	w->st = st;
	w->q = q;
	w->capture_id = capture_id;
}

static void writer_fail(struct writer *w)
{
	if (!w->failed)
		snprintf(w->err, sizeof w->err, "%s", store_error(w->st));
	w->failed = 1;
}

uint64_t writer_drain(struct writer *w, int wait_ms)
{
	struct session *s = session_queue_take(w->q, wait_ms), *next;
	uint64_t n = 0;

	for (; s; s = next) {
		next = s->next;
		if (!w->failed) {
			s->meta.capture_id = w->capture_id;
			if (store_session(w->st, &s->meta, s->rec) < 0)
				writer_fail(w);
			else
				n++;
		}
		session_free(s);
	}
	w->stored += n;
	if (!w->failed && store_tick(w->st) < 0)
		writer_fail(w);
	return n;
}
