/* \summary: the session queue between capture workers and the writer;
 * see session_queue.h. */
#include "analyzer/store/session_queue.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct session_queue {
	pthread_mutex_t mu;
	pthread_cond_t nonempty, nonfull;
	struct session *head, *tail;  /* owned, FIFO */
	size_t n, cap;
	int producers;                /* still running */
	struct session_queue_stats st;
};

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

struct session_queue *session_queue_new(size_t cap, int producers)
{
	struct session_queue *q = calloc(1, sizeof *q);
	pthread_condattr_t ca;
	int ok;

	if (!q)
		return NULL;
	q->cap = cap ? cap : 1;
	q->producers = producers;
	if (pthread_mutex_init(&q->mu, NULL) != 0) {
		free(q);
		return NULL;
	}
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	ok = pthread_cond_init(&q->nonempty, &ca) == 0;
	if (ok && pthread_cond_init(&q->nonfull, &ca) != 0) {
		pthread_cond_destroy(&q->nonempty);
		ok = 0;
	}
	pthread_condattr_destroy(&ca);
	if (!ok) {
		pthread_mutex_destroy(&q->mu);
		free(q);
		return NULL;
	}
	return q;
}

void session_queue_free(struct session_queue *q)
{
	struct session *s, *next;

	if (!q)
		return;
	for (s = q->head; s; s = next) {
		next = s->next;
		session_free(s);
	}
	pthread_cond_destroy(&q->nonempty);
	pthread_cond_destroy(&q->nonfull);
	pthread_mutex_destroy(&q->mu);
	free(q);
}

int session_queue_push(struct session_queue *q, struct session *s, int wait_ms)
{
	struct timespec dl;
	int rc = 0;

	s->next = NULL;
	pthread_mutex_lock(&q->mu);
	if (q->n >= q->cap) {
		q->st.full_waits++;
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
			q->tail->next = s;
		else
			q->head = s;
		q->tail = s;
		q->n++;
		q->st.queued++;
		if (q->n > q->st.peak)
			q->st.peak = q->n;
		pthread_cond_signal(&q->nonempty);
	} else {
		q->st.dropped++;
	}
	pthread_mutex_unlock(&q->mu);
	if (rc < 0)
		session_free(s);
	return rc;
}

struct session *session_queue_take(struct session_queue *q, int wait_ms)
{
	struct session *list;
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

void session_queue_get_stats(struct session_queue *q, struct session_queue_stats *out)
{
	pthread_mutex_lock(&q->mu);
	*out = q->st;
	out->depth = q->n;
	pthread_mutex_unlock(&q->mu);
}
