/* \summary: one packet pipeline: decoder -> flow table (nDPI, reassembly,
 * SMTP) -> a session sink.  One per capture thread; nothing in it is shared.
 *
 * pipeline_frame() takes one captured frame as libpcap hands it over.  Each
 * session that ends goes, as a finished record (struct session), to the
 * session_end_fn given at creation: a capture worker pushes it to the
 * session queue that the writer drains (analyzer/capture/worker.c). */
#ifndef SMTPSCOPE_PIPELINE_H
#define SMTPSCOPE_PIPELINE_H

#include <stdint.h>

#include "analyzer/engine/decode.h"
#include "analyzer/engine/flow.h"

struct pipeline {
	struct decoder *dec;        /* owned */
	struct classifier *cls;     /* owned: one nDPI module per pipeline */
	struct flow_table *flows;   /* owned */
	int dlt;                    /* link type of the current source */
	uint64_t packets, bytes;    /* frames and captured bytes seen */
	uint64_t first_ts, last_ts; /* capture time, microseconds */
	uint64_t ts_backwards;      /* frames older than the one before */
	struct pkt pkt;             /* the last frame decoded, see pipeline_frame() */
};

/* 0, or -1 when out of memory (nothing to free then). */
int pipeline_init(struct pipeline *pl, const struct flow_config *cfg, session_end_fn on_end, void *ctx);
void pipeline_fini(struct pipeline *pl); /* frees without writing open sessions */

/* One frame: ts in microseconds, caplen captured bytes of wirelen.  Returns
 * the decoded TCP segment (valid until the next call; pointers into frame or
 * the decoder), or NULL when the frame held none. */
const struct pkt *pipeline_frame(struct pipeline *pl, uint64_t ts, const uint8_t *frame, uint32_t caplen,
				 uint32_t wirelen);

/* Ends the flows idle for longer than their timeout at capture time now
 * (microseconds): how a live worker keeps time while no packet arrives. */
void pipeline_expire(struct pipeline *pl, uint64_t now);

/* Ends every open session (end of a file, or a stop) with how. */
void pipeline_flush(struct pipeline *pl, enum smtp_end how);

/* Name/value counters for the capture_counters table, NULL-name terminated
 * by the callback's caller: calls put(ctx, name, value) for each. */
void pipeline_counters(const struct pipeline *pl, void (*put)(void *ctx, const char *name, uint64_t v), void *ctx);

#endif
