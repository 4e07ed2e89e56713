/* \summary: a capture worker: one thread reading one source into one
 * pipeline (decoder, nDPI module, flow table), handing every finished
 * session to the session queue.  Replay runs one worker on a file; live
 * capture runs N on an interface, one PACKET_FANOUT group, so both
 * directions of a flow reach the same worker.  Nothing of a worker is
 * shared but the queue and the --write-pcap dump.
 *
 * A file is read to its end (or to the first corrupt record: then err
 * says where).  An interface is read until the stop, with housekeeping
 * between reads on wall time: idle flows are expired even when no packet
 * arrives (the capture clock is the last frame's time advanced by the
 * wall time since), and pcap_stats() is published; at the stop the frames
 * already in the ring are read (at most WORKER_DRAIN_S).  Either way the
 * open sessions end as SMTP_END_CAPTURE before the worker leaves. */
#ifndef SMTPSCOPE_WORKER_H
#define SMTPSCOPE_WORKER_H

#include <pthread.h>
#include <stdint.h>

#include "analyzer/capture/source.h"
#include "analyzer/engine/pipeline.h"
#include "analyzer/store/session_queue.h"

struct live_dump;

/* What a worker publishes for the driver's thread (atomic loads). */
struct worker_pub {
	uint64_t packets, bytes;    /* frames and captured bytes seen by the pipeline */
	uint64_t first_ts, last_ts; /* capture time, microseconds */
	uint64_t ps_recv, ps_drop, ps_ifdrop; /* pcap_stats (interfaces), cumulative */
	int64_t file_offset;        /* bytes of a file read so far, -1 unknown */
	uint64_t flows_active;      /* flows in the table now */
};

struct worker {
	int index;
	struct source *src;         /* borrowed: the driver opens and closes sources */
	struct pipeline pl;         /* owned */
	int pl_ok;                  /* pl was initialised */
	struct session_queue *q;    /* borrowed, shared */
	int push_wait_ms;           /* how long a full queue is waited for (-1: for ever, never drop) */
	struct live_dump *dump;     /* borrowed, shared, NULL without --write-pcap */
	struct capture_tap *tap;    /* borrowed, shared, NULL without -c / -w */
	int *stop;                  /* borrowed: the run's stop flag (atomic); the worker sets it on failure */
	pthread_t thread;
	int started;
	struct worker_pub pub;      /* written by the worker only */
	double last_frame_mono;     /* wall (monotonic) time of the last frame */
	int failed;                 /* read error: err says why; read after join */
	char err[PCAP_ERRBUF_SIZE + 128];
};

/* Sets w up on src and creates its pipeline (the nDPI module: call
 * serially, from one thread).  0, or -1 with w->err set. */
int worker_init(struct worker *w, int index, struct source *src, const struct flow_config *fc,
		struct session_queue *q, int push_wait_ms, struct live_dump *dump, int *stop);
int worker_start(struct worker *w);      /* 0 or -1 */
void worker_join(struct worker *w);
void worker_fini(struct worker *w);      /* after join: frees the pipeline (not the source) */

/* A consistent-enough copy of what w published. */
void worker_read(const struct worker *w, struct worker_pub *out);

#endif
