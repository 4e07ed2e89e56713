/* \summary: capture worker threads; see worker.h. */
#include "analyzer/capture/worker.h"
#include "analyzer/base/runtime.h"
#include "analyzer/capture/live_dump.h"
#include "analyzer/capture/pcapread.h"
#include "analyzer/capture/tap.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#define WORKER_BATCH     4096  /* frames per pcap_dispatch() of a file */
#define WORKER_HOUSE_S   0.25  /* publishing and pcap_stats, wall time */
#define WORKER_EXPIRE_S  1.0   /* idle-flow scan of an interface on the wall clock */
#define WORKER_POLL_MS   100   /* longest sleep when the ring is empty */
#define WORKER_DRAIN_S   2.0   /* at the stop, frames already in the ring are read for at most this long */
#define WORKER_DRAIN_POLL_MS 150 /* ... until the ring stays empty this long (> the block timeout) */

static int stopping(const struct worker *w)
{
	return __atomic_load_n(w->stop, __ATOMIC_RELAXED) != 0 || rt_stopping();
}

static void fail(struct worker *w)
{
	w->failed = 1;
	__atomic_store_n(w->stop, 1, __ATOMIC_RELAXED);
}

/* session_end_fn: hand the finished session to the writer. */
static void on_session_end(void *ctx, struct session *s)
{
	struct worker *w = ctx;

	if (w->dump)
		live_dump_learn_port(w->dump, s->meta.server_port);
	/* A live writer that cannot keep up costs sessions (counted), never
	 * packets; the final flush and a replay wait for room. */
	(void)session_queue_push(w->q, s, stopping(w) ? -1 : w->push_wait_ms);
}

static void publish(struct worker *w)
{
	__atomic_store_n(&w->pub.packets, w->pl.packets, __ATOMIC_RELAXED);
	__atomic_store_n(&w->pub.bytes, w->pl.bytes, __ATOMIC_RELAXED);
	__atomic_store_n(&w->pub.first_ts, w->pl.first_ts, __ATOMIC_RELAXED);
	__atomic_store_n(&w->pub.last_ts, w->pl.last_ts, __ATOMIC_RELAXED);
	__atomic_store_n(&w->pub.flows_active, flow_get_stats(w->pl.flows)->active, __ATOMIC_RELAXED);
	if (w->src->rd)
		__atomic_store_n(&w->pub.file_offset, (int64_t)pcapread_offset(w->src->rd), __ATOMIC_RELAXED);
	else if (w->src->is_file && !w->src->compressed && pcap_file(w->src->p))
		__atomic_store_n(&w->pub.file_offset, (int64_t)ftell(pcap_file(w->src->p)), __ATOMIC_RELAXED);
}

static void read_stats(struct worker *w)
{
	struct pcap_stat ps;

	if (!w->src->is_file && pcap_stats(w->src->p, &ps) == 0) {
		__atomic_store_n(&w->pub.ps_recv, (uint64_t)ps.ps_recv, __ATOMIC_RELAXED);
		__atomic_store_n(&w->pub.ps_drop, (uint64_t)ps.ps_drop, __ATOMIC_RELAXED);
		__atomic_store_n(&w->pub.ps_ifdrop, (uint64_t)ps.ps_ifdrop, __ATOMIC_RELAXED);
	}
}

void worker_read(const struct worker *w, struct worker_pub *o)
{
	o->packets = __atomic_load_n(&w->pub.packets, __ATOMIC_RELAXED);
	o->bytes = __atomic_load_n(&w->pub.bytes, __ATOMIC_RELAXED);
	o->first_ts = __atomic_load_n(&w->pub.first_ts, __ATOMIC_RELAXED);
	o->last_ts = __atomic_load_n(&w->pub.last_ts, __ATOMIC_RELAXED);
	o->ps_recv = __atomic_load_n(&w->pub.ps_recv, __ATOMIC_RELAXED);
	o->ps_drop = __atomic_load_n(&w->pub.ps_drop, __ATOMIC_RELAXED);
	o->ps_ifdrop = __atomic_load_n(&w->pub.ps_ifdrop, __ATOMIC_RELAXED);
	o->file_offset = __atomic_load_n(&w->pub.file_offset, __ATOMIC_RELAXED);
	o->flows_active = __atomic_load_n(&w->pub.flows_active, __ATOMIC_RELAXED);
}

static void on_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct worker *w = (struct worker *)user;
	enum tap_verdict v = w->tap ? capture_tap_frame(w->tap, h, bytes) : TAP_TAKE;
	const struct pkt *p;

	if (v != TAP_TAKE) { /* -c COUNT reached: every worker stops */
		__atomic_store_n(w->stop, 1, __ATOMIC_RELAXED);
		pcap_breakloop(w->src->p);
		if (v == TAP_DROP)
			return;
	}
	p = pipeline_frame(&w->pl, source_ts_us(w->src, h), bytes, h->caplen, h->len);

	if (w->dump && p) /* --write-pcap keeps the frames of SMTP ports */
		live_dump_frame(w->dump, h, bytes, p->sport, p->dport);
}

/* A classic pcap file read in place (pcapread.h): as read_file(), with
 * the filter run here (libpcap's pcap_offline_filter). */
static void read_in_place(struct worker *w)
{
	struct source *src = w->src;
	struct pcap_pkthdr h;
	const u_char *data;
	double last_house = 0, now;
	uint64_t at = 0;
	unsigned batch = 0;
	char why[PCAP_ERRBUF_SIZE];
	int k;

	while (!stopping(w)) {
		k = pcapread_next(src->rd, &h, &data, why, sizeof why, &at);
		if (k == 0)
			break;
		if (k < 0) {
			snprintf(w->err, sizeof w->err, "corrupt or truncated capture at byte offset %" PRIu64
				 ", after %" PRIu64 " packets: %s", at, w->pl.packets, why);
			fail(w);
			break;
		}
		if (!src->has_bpf || pcap_offline_filter(&src->bpf, &h, data))
			on_frame((u_char *)w, &h, data);
		if (++batch == WORKER_BATCH) {
			batch = 0;
			now = rt_mono_s();
			if (now - last_house >= WORKER_HOUSE_S) {
				publish(w);
				last_house = now;
			}
		}
	}
}

/* A file: to its end, a corrupt record, or the stop. */
static void read_file(struct worker *w)
{
	pcap_t *p = w->src->p;
	double last_house = 0, now;
	int n;

	if (w->src->rd) {
		read_in_place(w);
		return;
	}

	while (!stopping(w)) {
		n = pcap_dispatch(p, WORKER_BATCH, on_frame, (u_char *)w);
		if (n == 0)
			break; /* end of file */
		if (n == PCAP_ERROR_BREAK || (n < 0 && stopping(w)))
			continue; /* pcap_breakloop, or a read cut by the signal: the stop flag says to leave */
		if (n < 0) {
			long off = pcap_file(p) && !w->src->compressed ? ftell(pcap_file(p)) : -1;
			char at[64] = "";
			if (off >= 0)
				snprintf(at, sizeof at, " at byte offset %ld", off);
			snprintf(w->err, sizeof w->err, "corrupt or truncated capture%s%s, after %" PRIu64
				 " packets: %s", at, w->src->compressed ? " (of the decompressed stream)" : "",
				 w->pl.packets, pcap_geterr(p));
			fail(w);
			break;
		}
		now = rt_mono_s();
		if (now - last_house >= WORKER_HOUSE_S) {
			publish(w);
			last_house = now;
		}
	}
}

/* Idle flows end on the wall clock too: the capture clock is the last
 * frame's time plus the wall time since that frame. */
static void expire_idle(struct worker *w, double now)
{
	if (w->pl.last_ts)
		pipeline_expire(&w->pl, w->pl.last_ts + (uint64_t)((now - w->last_frame_mono) * 1e6));
}

/* An interface: until the stop, then what the ring already holds. */
static void read_iface(struct worker *w)
{
	pcap_t *p = w->src->p;
	struct pollfd pfd;
	double now, last_house = 0, last_expire = rt_mono_s(), deadline;
	int n;

	pfd.fd = pcap_get_selectable_fd(p);
	pfd.events = POLLIN;
	w->last_frame_mono = rt_mono_s();
	while (!stopping(w)) {
		n = pcap_dispatch(p, -1, on_frame, (u_char *)w);
		if (n == PCAP_ERROR_BREAK)
			continue;
		if (n < 0) {
			snprintf(w->err, sizeof w->err, "worker %d: capture failed: %s", w->index, pcap_geterr(p));
			fail(w);
			return;
		}
		now = rt_mono_s();
		if (n > 0)
			w->last_frame_mono = now;
		if (now - last_house >= WORKER_HOUSE_S) {
			publish(w);
			read_stats(w);
			last_house = now;
		}
		if (now - last_expire >= WORKER_EXPIRE_S) {
			expire_idle(w, now);
			last_expire = now;
		}
		if (n == 0 && poll(&pfd, 1, WORKER_POLL_MS) < 0 && errno != EINTR) {
			snprintf(w->err, sizeof w->err, "worker %d: poll: %s", w->index, strerror(errno));
			fail(w);
			return;
		}
	}
	/* Frames already in the ring were captured: read them (bounded, as a
	 * busy link never leaves the ring empty) before ending the sessions. */
	deadline = rt_mono_s() + WORKER_DRAIN_S;
	while (rt_mono_s() < deadline) {
		n = pcap_dispatch(p, -1, on_frame, (u_char *)w);
		if (n == PCAP_ERROR_BREAK)
			continue;
		if (n < 0 || (n == 0 && poll(&pfd, 1, WORKER_DRAIN_POLL_MS) <= 0))
			break;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	char name[16];

	snprintf(name, sizeof name, "reader-%d", w->index); /* top -H, perf --sort comm */
	pthread_setname_np(pthread_self(), name);
	rt_timing(w->index ? "reader-n" : "reader-0", NULL);

	if (w->src->is_file)
		read_file(w);
	else
		read_iface(w);
	rt_timing(w->index ? "reader-n" : "reader-0", "read and parse");
	pipeline_flush(&w->pl, SMTP_END_CAPTURE);
	rt_timing(w->index ? "reader-n" : "reader-0", "end of the open sessions");
	publish(w);
	read_stats(w);
	session_queue_producer_done(w->q);
	return NULL;
}

int worker_init(struct worker *w, int index, struct source *src, const struct flow_config *fc,
		struct session_queue *q, int push_wait_ms, struct live_dump *dump, int *stop)
{
	memset(w, 0, sizeof *w);
	w->index = index;
	w->src = src;
	w->q = q;
	w->push_wait_ms = push_wait_ms;
	w->dump = dump;
	w->stop = stop;
	w->pub.file_offset = -1;
	if (pipeline_init(&w->pl, fc, on_session_end, w) < 0) {
		snprintf(w->err, sizeof w->err, "out of memory starting the pipeline");
		return -1;
	}
	w->pl_ok = 1;
	w->pl.dlt = src->dlt;
	/* Non-blocking reads plus poll(): with TPACKET_V3 a blocking read of an
	 * idle ring would not return, and the worker must keep its clock. */
	if (!src->is_file && pcap_setnonblock(src->p, 1, w->err) < 0)
		return -1;
	return 0;
}

int worker_start(struct worker *w)
{
	if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
		return -1;
	w->started = 1;
	return 0;
}

void worker_join(struct worker *w)
{
	if (w->started)
		pthread_join(w->thread, NULL);
	w->started = 0;
}

void worker_fini(struct worker *w)
{
	if (w->pl_ok)
		pipeline_fini(&w->pl);
	w->pl_ok = 0;
}
