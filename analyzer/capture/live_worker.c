/* \summary: capture worker threads and the session queue of `smtpscope
 * live`; see live_worker.h. */
#include "analyzer/capture/live_worker.h"
#include "analyzer/capture/tap.h"
#include "analyzer/capture/live_dump.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HOUSEKEEP_S   0.25  /* pcap_stats and publishing, wall time */
#define EXPIRE_S      1.0   /* idle-flow scan on the wall clock */
#define POLL_MS       100   /* longest sleep when the ring is empty */
#define DRAIN_S       2.0   /* at the stop, frames already in the ring are read for at most this long */
#define DRAIN_POLL_MS 150   /* ... until the ring stays empty this long (> the 100 ms block timeout) */

static double mono_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* ---- a worker ------------------------------------------------------------- */

static int stopping(const struct live_worker *w)
{
	return __atomic_load_n(w->stop, __ATOMIC_RELAXED) != 0;
}

/* session_end_fn: hand the session to the writer. */
static int on_session_end(void *ctx, struct session_meta *m, struct smtp_session *s)
{
	struct live_worker *w = ctx;
	struct session_item *it = malloc(sizeof *it);

	if (!it) {
		pthread_mutex_lock(&w->q->mu);
		w->q->dropped++;
		pthread_mutex_unlock(&w->q->mu);
		return 0;
	}
	if (w->dump)
		live_dump_learn_port(w->dump, m->server_port);
	it->meta = *m;
	it->s = s;
	/* While capturing, a writer that cannot keep up costs sessions (counted),
	 * never packets; the final flush waits for room. */
	if (session_queue_push(w->q, it, stopping(w) ? -1 : LIVE_QUEUE_WAIT_MS) < 0) {
		free(it);
		return 0; /* the flow layer frees s */
	}
	return 1;
}

static void publish(struct live_worker *w)
{
	__atomic_store_n(&w->pub.packets, w->pl.packets, __ATOMIC_RELAXED);
	__atomic_store_n(&w->pub.bytes, w->pl.bytes, __ATOMIC_RELAXED);
	__atomic_store_n(&w->pub.first_ts, w->pl.first_ts, __ATOMIC_RELAXED);
	__atomic_store_n(&w->pub.last_ts, w->pl.last_ts, __ATOMIC_RELAXED);
}

static void read_stats(struct live_worker *w)
{
	struct pcap_stat ps;

	if (pcap_stats(w->p, &ps) == 0) {
		__atomic_store_n(&w->pub.ps_recv, (uint64_t)ps.ps_recv, __ATOMIC_RELAXED);
		__atomic_store_n(&w->pub.ps_drop, (uint64_t)ps.ps_drop, __ATOMIC_RELAXED);
		__atomic_store_n(&w->pub.ps_ifdrop, (uint64_t)ps.ps_ifdrop, __ATOMIC_RELAXED);
	}
}

void live_worker_read(const struct live_worker *w, struct live_pub *o)
{
	o->packets = __atomic_load_n(&w->pub.packets, __ATOMIC_RELAXED);
	o->bytes = __atomic_load_n(&w->pub.bytes, __ATOMIC_RELAXED);
	o->first_ts = __atomic_load_n(&w->pub.first_ts, __ATOMIC_RELAXED);
	o->last_ts = __atomic_load_n(&w->pub.last_ts, __ATOMIC_RELAXED);
	o->ps_recv = __atomic_load_n(&w->pub.ps_recv, __ATOMIC_RELAXED);
	o->ps_drop = __atomic_load_n(&w->pub.ps_drop, __ATOMIC_RELAXED);
	o->ps_ifdrop = __atomic_load_n(&w->pub.ps_ifdrop, __ATOMIC_RELAXED);
}

static uint64_t frame_ts(const struct live_worker *w, const struct pcap_pkthdr *h)
{
	return (uint64_t)h->ts.tv_sec * 1000000u +
	       (uint64_t)(w->nano ? h->ts.tv_usec / 1000 : h->ts.tv_usec);
}

static void on_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct live_worker *w = (struct live_worker *)user;
	uint64_t ts = frame_ts(w, h);
	enum tap_verdict v = w->tap ? capture_tap_frame(w->tap, h, bytes) : TAP_TAKE;
	const struct pkt *p;

	if (v != TAP_TAKE) { /* -c COUNT reached: every worker stops */
		__atomic_store_n(w->stop, 1, __ATOMIC_RELAXED);
		pcap_breakloop(w->p);
		if (v == TAP_DROP)
			return;
	}
	p = pipeline_frame(&w->pl, ts, bytes, h->caplen, h->len);

	if (w->dump && p) /* --write-pcap keeps the frames of SMTP ports */
		live_dump_frame(w->dump, h, bytes, p->sport, p->dport);
}

/* Idle flows end on the wall clock too: the capture clock is the last
 * frame's time plus the wall time since that frame. */
static void expire_idle(struct live_worker *w, double now)
{
	uint64_t clock;

	if (!w->pl.last_ts)
		return;
	clock = w->pl.last_ts + (uint64_t)((now - w->last_frame_mono) * 1e6);
	flow_expire(w->pl.flows, clock);
}

static void *worker_main(void *arg)
{
	struct live_worker *w = arg;
	struct pollfd pfd;
	double now, last_house = 0, last_expire = mono_s();
	int n;

	pfd.fd = pcap_get_selectable_fd(w->p);
	pfd.events = POLLIN;
	w->last_frame_mono = mono_s();
	while (!stopping(w)) {
		n = pcap_dispatch(w->p, -1, on_frame, (u_char *)w);
		if (n == PCAP_ERROR_BREAK)
			continue; /* pcap_breakloop: the stop flag says whether to leave */
		if (n < 0) {
			snprintf(w->err, sizeof w->err, "worker %d: capture failed: %s", w->index, pcap_geterr(w->p));
			w->failed = 1;
			__atomic_store_n(w->stop, 1, __ATOMIC_RELAXED);
			break;
		}
		now = mono_s();
		if (n > 0)
			w->last_frame_mono = now;
		if (now - last_house >= HOUSEKEEP_S) {
			publish(w);
			read_stats(w);
			last_house = now;
		}
		if (now - last_expire >= EXPIRE_S) {
			expire_idle(w, now);
			last_expire = now;
		}
		if (n == 0 && poll(&pfd, 1, POLL_MS) < 0 && errno != EINTR) {
			snprintf(w->err, sizeof w->err, "worker %d: poll: %s", w->index, strerror(errno));
			w->failed = 1;
			__atomic_store_n(w->stop, 1, __ATOMIC_RELAXED);
			break;
		}
	}
	/* Frames already in the ring were captured: read them (bounded, as a
	 * busy link never leaves the ring empty) before ending the sessions. */
	if (!w->failed) {
		double deadline = mono_s() + DRAIN_S;
		while (mono_s() < deadline) {
			n = pcap_dispatch(w->p, -1, on_frame, (u_char *)w);
			if (n == PCAP_ERROR_BREAK)
				continue;
			if (n < 0 || (n == 0 && poll(&pfd, 1, DRAIN_POLL_MS) <= 0))
				break;
		}
	}
	pipeline_flush(&w->pl, SMTP_END_CAPTURE);
	publish(w);
	read_stats(w);
	session_queue_producer_done(w->q);
	return NULL;
}

int live_worker_init(struct live_worker *w, int index, pcap_t *p, const struct flow_config *fc,
		     struct session_queue *q, struct live_dump *dump, volatile int *stop)
{
	memset(w, 0, sizeof *w);
	w->index = index;
	w->p = p;
	w->nano = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;
	w->q = q;
	w->dump = dump;
	w->stop = stop;
	if (pipeline_init(&w->pl, fc, on_session_end, w) < 0)
		return -1;
	w->pl_ok = 1;
	w->pl.dlt = pcap_datalink(p);
	/* Non-blocking reads plus poll(): with TPACKET_V3 a blocking read of an
	 * idle ring would not return, and the worker must keep its clock. */
	if (pcap_setnonblock(p, 1, w->err) < 0)
		return -1;
	return 0;
}

int live_worker_start(struct live_worker *w)
{
	if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
		return -1;
	w->started = 1;
	return 0;
}

void live_worker_join(struct live_worker *w)
{
	if (w->started)
		pthread_join(w->thread, NULL);
	w->started = 0;
}

void live_worker_fini(struct live_worker *w)
{
	if (w->pl_ok)
		pipeline_fini(&w->pl);
	w->pl_ok = 0;
	if (w->p)
		pcap_close(w->p);
	w->p = NULL;
}
