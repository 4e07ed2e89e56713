/* \summary: per-direction TCP stream reassembly.
 *
 * Policy (documented in README "TCP reassembly"):
 *  - Sequence numbers are compared modulo 2^32 and turned into 64-bit offsets
 *    from the stream's initial sequence number.
 *  - In-order bytes are delivered at once, without copying.  Out-of-order
 *    segments are copied and held, sorted, until the hole before them fills.
 *  - Retransmitted bytes (below the delivered offset) are dropped.  Overlaps:
 *    first data wins; overlapping bytes that differ are counted
 *    (ANOM_REASM_OVERLAP_DIFF).
 *  - A gap is declared, and reported to the sink as gap(len), when: held bytes
 *    exceed REASM_OOO_FLOW_MAX / REASM_OOO_SEGS_MAX, or the global budget; the
 *    peer acknowledges bytes we never saw while later data is held; the
 *    direction is flushed (FIN, RST, timeout, end of capture) with holes; a
 *    segment was cut by the snaplen (the missing tail).
 *
 * Ownership: a struct reasm_dir owns its held segments; reasm_release() frees
 * them.  The data pointer handed to the sink is valid only during the call. */
#ifndef SMTPSCOPE_REASM_H
#define SMTPSCOPE_REASM_H

#include <stdint.h>
#include <stddef.h>

#include "analyzer/base/anomaly.h"

struct reasm_seg; /* a held out-of-order segment (private) */

/* Where in-order bytes, gaps and anomalies go. */
struct reasm_sink {
	void (*data)(void *ctx, int dir, const uint8_t *p, size_t n, uint64_t ts);
	void (*gap)(void *ctx, int dir, uint64_t n, uint64_t ts);
	void (*anomaly)(void *ctx, int dir, enum anomaly_kind kind, uint64_t ts);
	void *ctx;
};

/* Counters for one capture, summed over all flows. */
struct reasm_stats {
	uint64_t segments;        /* segments with payload offered */
	uint64_t in_order;        /* delivered at once */
	uint64_t ooo_segments;    /* held out of order */
	uint64_t retransmissions; /* wholly old bytes, dropped */
	uint64_t overlaps;        /* partially old, trimmed */
	uint64_t overlaps_diff;   /* overlapping bytes that differed */
	uint64_t gaps, gap_bytes; /* holes reported */
	uint64_t cap_hits;        /* a cap forced a gap */
	uint64_t out_of_window;   /* segments too far from the stream to be it */
};

/* State shared by all flows of one thread: the global budget and counters. */
struct reasm_env {
	struct reasm_stats stats;
	size_t held_bytes;        /* out-of-order bytes held, all flows */
	size_t held_max;          /* REASM_OOO_TOTAL_MAX unless a test lowers it */
};

struct reasm_dir {
	uint32_t isn;             /* sequence number of stream offset 0 */
	uint64_t next;            /* offset of the next byte to deliver */
	struct reasm_seg *held;   /* held segments, sorted by offset; owned */
	uint32_t held_bytes;      /* bytes held in this direction */
	uint16_t held_count;      /* segments held */
	uint8_t started;          /* isn known (SYN seen, or first data) */
	uint8_t fin;              /* FIN seen; fin_off valid */
	uint64_t fin_off;         /* offset just past the last data byte */
};

void reasm_env_init(struct reasm_env *env);

/* Starts the direction at a SYN with sequence number seq (data starts at seq+1). */
void reasm_syn(struct reasm_dir *d, uint32_t seq);

/* Offers a segment: seq, the captured payload data[0..caplen), and wirelen
 * payload bytes that were sent (wirelen >= caplen; the rest was cut by the
 * snaplen).  syn/fin are the segment's flags (a SYN consumes one sequence
 * number, data on a SYN is accepted).  Delivers what became in order. */
void reasm_segment(struct reasm_dir *d, struct reasm_env *env, const struct reasm_sink *sink, int dir,
		   uint32_t seq, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
		   int syn, int fin, uint64_t ts);

/* The peer acknowledged up to ack: bytes of this direction below ack that
 * were never seen become a gap when later bytes are already held. */
void reasm_ack(struct reasm_dir *d, struct reasm_env *env, const struct reasm_sink *sink, int dir,
	       uint32_t ack, uint64_t ts);

/* Delivers everything held, declaring the holes as gaps (FIN, RST, timeout,
 * end of capture). */
void reasm_flush(struct reasm_dir *d, struct reasm_env *env, const struct reasm_sink *sink, int dir,
		 uint64_t ts);

/* Frees held segments without delivering them. */
void reasm_release(struct reasm_dir *d, struct reasm_env *env);

#endif
