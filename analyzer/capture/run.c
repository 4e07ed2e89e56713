/* \summary: the capture driver; see run.h. */
#include "analyzer/capture/run.h"
#include "analyzer/base/limits.h"
#include "analyzer/base/runtime.h"

#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RUN_TAKE_MS     100   /* the writer wakes at least this often */
#define RUN_COUNTERS_MAX 192  /* distinct counter names summed across workers */
#define RUN_COUNTER_NAME 64   /* bytes of a counter name kept */

void run_stop(struct run *r, const char *why)
{
	int i;

	if (!r->stop_why)
		r->stop_why = why;
	__atomic_store_n(&r->stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < r->nsrc; i++)
		if (r->src[i].p)
			pcap_breakloop(r->src[i].p);
}

static int stopping(struct run *r)
{
	return __atomic_load_n(&r->stop, __ATOMIC_RELAXED) || rt_stopping();
}

int run_capture(struct run *r, char *err, size_t errlen)
{
	sigset_t block, old;
	double now, next_tick;
	int i;

	r->w = calloc((size_t)r->nsrc, sizeof *r->w);
	r->q = session_queue_new(r->queue_max, r->nsrc);
	if (!r->w || !r->q) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rt_timing("run", NULL);
	writer_init(&r->wr, r->st, r->q, r->capture_id);
	r->wr.on_stored = r->on_stored;
	r->wr.on_stored_ctx = r->ctx;
	/* Pipelines one after the other, here: nDPI's set-up is not thread safe. */
	for (i = 0; i < r->nsrc; i++) {
		if (worker_init(&r->w[i], i, &r->src[i], r->flows, r->q, r->push_wait_ms, r->dump, &r->stop) < 0) {
			snprintf(err, errlen, "worker %d: %s", i, r->w[i].err);
			return -1;
		}
		r->w[i].tap = r->tap;
	}
	if (r->ready)
		r->ready(r);
	for (i = 0; i < r->nsrc; i++)
		source_watch_stop(&r->src[i]);
	/* SIGINT/SIGTERM go to the workers, not to this thread: a worker
	 * blocked reading a pipe must see EINTR to notice the stop (this
	 * thread only waits on the queue, with a timeout).  Workers inherit
	 * the mask from here, so it is set after they start. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	for (i = 0; i < r->nsrc; i++)
		if (worker_start(&r->w[i]) < 0) {
			snprintf(r->w[i].err, sizeof r->w[i].err, "cannot start worker %d", i);
			r->w[i].failed = 1;
			run_stop(r, "a worker did not start");
			break;
		}
	for (; i < r->nsrc; i++) /* the unstarted ones will never say they are done */
		session_queue_producer_done(r->q);
	pthread_sigmask(SIG_BLOCK, &block, &old);

	r->t0 = rt_mono_s();
	rt_timing("run", "start (nDPI modules, threads)");
	next_tick = r->t0 + r->tick_s;
	while (!session_queue_finished(r->q) || writer_waiting(&r->wr)) {
		writer_drain(&r->wr, RUN_TAKE_MS);
		now = rt_mono_s();
		if (writer_waiting(&r->wr) && stopping(r) && now - r->wr.busy_since > STORE_STOP_WAIT_S) {
			char why[160];
			snprintf(why, sizeof why, "the database stayed locked by another process for %d s after "
				 "the stop; %" PRIu64 " sessions not stored", STORE_STOP_WAIT_S, r->wr.waiting);
			writer_give_up(&r->wr, why);
		}
		if (!stopping(r) && r->duration > 0 && now - r->t0 >= r->duration)
			run_stop(r, "--duration reached");
		if (r->wr.failed && !stopping(r))
			run_stop(r, "database write failed");
		if (rt_signal() && !r->stop_why)
			r->stop_why = rt_signal() == SIGINT ? "SIGINT" : "SIGTERM";
		if (r->tick && r->tick_s > 0 && now >= next_tick) {
			r->tick(r, now);
			next_tick = now + r->tick_s;
		}
	}
	rt_timing("run", "capture (readers and writer)");
	for (i = 0; i < r->nsrc; i++)
		worker_join(&r->w[i]);
	pthread_sigmask(SIG_SETMASK, &old, NULL); /* a signal held meanwhile arrives here */
	writer_drain(&r->wr, 0);
	writer_fini(&r->wr);
	for (i = 0; i < r->nsrc; i++)
		if (r->src[i].breaker >= 0) {
			rt_remove_breaker(r->src[i].breaker);
			r->src[i].breaker = -1;
		}
	return 0;
}

void run_totals(const struct run *r, struct capture_totals *t)
{
	struct worker_pub p;
	int i;

	memset(t, 0, sizeof *t);
	for (i = 0; r->w && i < r->nsrc; i++) {
		worker_read(&r->w[i], &p);
		t->packets += p.packets;
		t->bytes += p.bytes;
		/* ps_drop is per socket, so it adds up; ps_ifdrop is the
		 * interface's counter, the same for every handle on it. */
		t->dropped += p.ps_drop;
		if (p.ps_ifdrop > t->if_dropped)
			t->if_dropped = p.ps_ifdrop;
		if (p.first_ts && (!t->first_ts || p.first_ts < t->first_ts))
			t->first_ts = p.first_ts;
		if (p.last_ts > t->last_ts)
			t->last_ts = p.last_ts;
	}
	t->smtp_sessions = r->wr.stored;
}

/* Names are copied: pipeline_counters() may build one in a buffer of its own. */
struct counter_sum {
	char name[RUN_COUNTERS_MAX][RUN_COUNTER_NAME];
	uint64_t v[RUN_COUNTERS_MAX];
	int n;
};

static void sum_counter(void *ctx, const char *name, uint64_t v)
{
	struct counter_sum *c = ctx;
	int i;

	for (i = 0; i < c->n; i++)
		if (!strcmp(c->name[i], name)) {
			c->v[i] += v;
			return;
		}
	if (c->n < RUN_COUNTERS_MAX) {
		snprintf(c->name[c->n], sizeof c->name[c->n], "%s", name);
		c->v[c->n++] = v;
	}
}

void run_counters(const struct run *r, void (*put)(void *ctx, const char *name, uint64_t v), void *ctx)
{
	struct counter_sum *cs = calloc(1, sizeof *cs); /* 14 KiB: not on the stack */
	int i;

	for (i = 0; r->w && i < r->nsrc; i++)
		if (r->w[i].pl_ok)
			pipeline_counters(&r->w[i].pl, cs ? sum_counter : put, cs ? (void *)cs : ctx);
	for (i = 0; cs && i < cs->n; i++)
		put(ctx, cs->name[i], cs->v[i]);
	free(cs);
}

uint64_t run_ts_backwards(const struct run *r)
{
	uint64_t n = 0;
	int i;

	for (i = 0; r->w && i < r->nsrc; i++)
		n += r->w[i].pl.ts_backwards;
	return n;
}

void run_queue_stats(const struct run *r, struct session_queue_stats *out)
{
	if (r->q)
		session_queue_get_stats(r->q, out);
	else
		memset(out, 0, sizeof *out);
}

const char *run_failure(struct run *r)
{
	int i;

	for (i = 0; r->w && i < r->nsrc; i++)
		if (r->w[i].failed)
			return r->w[i].err;
	if (r->wr.failed) {
		snprintf(r->failure, sizeof r->failure, "database write failed: %s", r->wr.err);
		return r->failure;
	}
	return NULL;
}

void run_fini(struct run *r)
{
	int i;

	for (i = 0; r->w && i < r->nsrc; i++)
		worker_fini(&r->w[i]);
	free(r->w);
	r->w = NULL;
	session_queue_free(r->q);
	r->q = NULL;
}
