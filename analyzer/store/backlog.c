/* \summary: the writer's backlog while the database is locked; see backlog.h. */
#include "analyzer/store/backlog.h"
#include "analyzer/base/limits.h"

#include <stdlib.h>

static void item_free(struct session_item *it)
{
	smtp_free(it->s);
	free(it);
}

void store_backlog_drop(struct store_backlog *bl, uint64_t *lost)
{
	struct session_item *it, *next;

	for (it = bl->head; it; it = next) {
		next = it->next;
		item_free(it);
		if (lost)
			(*lost)++;
	}
	bl->head = bl->tail = NULL;
	bl->n = 0;
	bl->busy_since = 0;
	bl->wait_s = 0;
}

int store_backlog_due(const struct store_backlog *bl, double now)
{
	return bl->head && now >= bl->next_try;
}

int store_backlog_drain(struct store *st, struct store_backlog *bl, struct session_item *list,
			int64_t capture_id, double now, uint64_t *stored, uint64_t *lost)
{
	struct session_item *it;

	while (list) {
		it = list;
		list = list->next;
		it->next = NULL;
		if (bl->tail)
			bl->tail->next = it;
		else
			bl->head = it;
		bl->tail = it;
		bl->n++;
	}
	while ((it = bl->head) != NULL) {
		int64_t id;

		it->meta.capture_id = capture_id;
		if ((id = store_session(st, &it->meta, smtp_record(it->s))) < 0) {
			if (store_last_busy(st)) {
				/* another process holds the lock: wait, then retry from here */
				if (!bl->busy_since)
					bl->busy_since = now;
				bl->refusals++;
				bl->wait_s = bl->wait_s <= 0 ? STORE_RETRY_MIN_MS / 1000.0 : bl->wait_s * 2;
				if (bl->wait_s > STORE_RETRY_MAX_MS / 1000.0)
					bl->wait_s = STORE_RETRY_MAX_MS / 1000.0;
				bl->next_try = now + bl->wait_s;
				return 1;
			}
			store_backlog_drop(bl, lost);
			return -1;
		}
		(*stored)++;
		if (bl->on_stored)
			bl->on_stored(bl->on_stored_ctx, id, &it->meta, smtp_record(it->s));
		bl->head = it->next;
		if (!bl->head)
			bl->tail = NULL;
		bl->n--;
		item_free(it);
	}
	bl->busy_since = 0;
	bl->wait_s = 0;
	return 0;
}
