/* \summary: the session queue between capture threads and the SQLite writer;
 * see session_queue.h. */
#include "analyzer/store/session_queue.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void deadline_in(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* ---- the queue ------------------------------------------------------------ */

int session_queue_init(struct session_queue *q, size_t cap, int producers)
{
	pthread_condattr_t ca;

	memset(q, 0, sizeof *q);
	q->cap = cap;
	q->producers = producers;
	if (pthread_mutex_init(&q->mu, NULL) != 0)
		return -1;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (pthread_cond_init(&q->nonempty, &ca) != 0 || pthread_cond_init(&q->nonfull, &ca) != 0) {
		pthread_condattr_destroy(&ca);
		return -1;
	}
	pthread_condattr_destroy(&ca);
	return 0;
}

void session_queue_fini(struct session_queue *q)
{
	struct session_item *it, *next;

	for (it = q->head; it; it = next) {
		next = it->next;
		smtp_free(it->s);
		free(it);
	}
	q->head = q->tail = NULL;
	pthread_cond_destroy(&q->nonempty);
	pthread_cond_destroy(&q->nonfull);
	pthread_mutex_destroy(&q->mu);
}

int session_queue_push(struct session_queue *q, struct session_item *it, int wait_ms)
{
	struct timespec dl;
	int rc = 0;

	it->next = NULL;
	pthread_mutex_lock(&q->mu);
	if (q->n >= q->cap) {
		q->full_waits++;
		if (wait_ms >= 0)
			deadline_in(&dl, wait_ms);
		while (q->n >= q->cap) {
			if (wait_ms < 0) {
				pthread_cond_wait(&q->nonfull, &q->mu);
			} else if (pthread_cond_timedwait(&q->nonfull, &q->mu, &dl) == ETIMEDOUT) {
				if (q->n >= q->cap)
					rc = -1;
				break;
			}
		}
	}
	if (rc == 0) {
		if (q->tail)
			q->tail->next = it;
		else
			q->head = it;
		q->tail = it;
		q->n++;
		pthread_cond_signal(&q->nonempty);
	} else {
		q->dropped++;
	}
	pthread_mutex_unlock(&q->mu);
	return rc;
}

struct session_item *session_queue_take(struct session_queue *q, int wait_ms)
{
	struct session_item *list;
	struct timespec dl;

	pthread_mutex_lock(&q->mu);
	if (!q->head && q->producers > 0 && wait_ms > 0) {
		deadline_in(&dl, wait_ms);
		while (!q->head && q->producers > 0)
			if (pthread_cond_timedwait(&q->nonempty, &q->mu, &dl) == ETIMEDOUT)
				break;
	}
	list = q->head;
	q->head = q->tail = NULL;
	q->n = 0;
	pthread_cond_broadcast(&q->nonfull);
	pthread_mutex_unlock(&q->mu);
	return list;
}

void session_queue_producer_done(struct session_queue *q)
{
	pthread_mutex_lock(&q->mu);
	q->producers--;
	pthread_cond_broadcast(&q->nonempty);
	pthread_mutex_unlock(&q->mu);
}

int session_queue_finished(struct session_queue *q)
{
	int done;

	pthread_mutex_lock(&q->mu);
	done = q->producers <= 0 && !q->head;
	pthread_mutex_unlock(&q->mu);
	return done;
}

