/* \summary: the threads of `smtpscope live`: capture workers and the session
 * queue that feeds the single SQLite writer.
 *
 * Each worker owns one pcap handle (joined to a PACKET_FANOUT group when
 * there are several) and one pipeline (decoder, nDPI module, flow table):
 * nothing of it is shared, so both directions of a flow must reach the same
 * worker, which the kernel's symmetric flow hash guarantees.  Ended sessions
 * travel to the writer through a bounded queue: the worker hands over the
 * struct smtp_session itself (session_end_fn returns 1) and the writer
 * stores smtp_record() and smtp_free()s it.
 *
 * A worker does its own housekeeping between reads, on wall time: idle
 * flows are expired even when no packet arrives (the capture clock is the
 * last packet's time advanced by the wall time since), and pcap_stats() is
 * read and published for the writer's statistics. */
#ifndef SMTPSCOPE_LIVE_WORKER_H
#define SMTPSCOPE_LIVE_WORKER_H

#include <pcap/pcap.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/base/limits.h"
#include "analyzer/engine/pipeline.h"
#include "analyzer/store/session_queue.h"
#include "analyzer/store/store.h"


struct live_dump;
struct capture_tap;

/* What a worker publishes for the writer (read with __atomic loads). */
struct live_pub {
	uint64_t packets, bytes;    /* frames and captured bytes seen by the pipeline */
	uint64_t first_ts, last_ts; /* capture time, microseconds */
	uint64_t ps_recv, ps_drop, ps_ifdrop; /* pcap_stats, cumulative */
};

struct live_worker {
	int index;
	pcap_t *p;                  /* owned; closed by live_worker_fini */
	int nano;                   /* timestamps in nanoseconds */
	struct pipeline pl;         /* owned */
	int pl_ok;                  /* pl was initialised */
	struct session_queue *q;       /* borrowed, shared */
	struct live_dump *dump;     /* borrowed, shared, NULL without --write-pcap */
	struct capture_tap *tap;    /* borrowed, shared, NULL without -c / -w */
	volatile int *stop;         /* borrowed: set by the main thread (or by a failing worker) */
	pthread_t thread;
	int started;
	struct live_pub pub;        /* written by the worker only */
	double last_frame_mono;     /* wall (monotonic) time of the last frame */
	int failed;                 /* pcap error: err says why */
	char err[PCAP_ERRBUF_SIZE + 64];
};

/* Sets up w around an activated handle p (w takes it) and creates its
 * pipeline (the nDPI module: call serially, from one thread).  0 or -1. */
int live_worker_init(struct live_worker *w, int index, pcap_t *p, const struct flow_config *fc,
		     struct session_queue *q, struct live_dump *dump, volatile int *stop);
/* Starts the thread: reads until *stop, then what the ring already holds
 * (for at most 2 s), then flushes open sessions as
 * SMTP_END_CAPTURE, reads pcap_stats a last time and leaves. 0 or -1. */
int live_worker_start(struct live_worker *w);
void live_worker_join(struct live_worker *w);
void live_worker_fini(struct live_worker *w);   /* after join: frees pipeline and handle */

/* A consistent-enough copy of what w published. */
void live_worker_read(const struct live_worker *w, struct live_pub *out);

#endif
