/* \summary: per-direction TCP stream reassembly (policy in reasm.h).
 *
 * Sequence space (RFC 9293 3.4): raw 32-bit sequence numbers are compared
 * only as a signed 32-bit difference against the next expected one; all
 * state is kept as 64-bit offsets from d->isn, so a stream may run past
 * 2^32 bytes and an ISN near UINT32_MAX wraps without special cases.
 *
 * A held segment covers the extent [off, off + len + miss) of sequence space:
 * len captured bytes copied into data[], then miss bytes the snaplen cut.
 * Extents of held segments never overlap each other, nor the delivered part
 * [0, next): every invariant below relies on that.
 *
 * The held list is singly linked, sorted by offset and circular: d->held
 * points at the TAIL (highest offset), whose next is the HEAD.  This gives the
 * two common cases in O(1) without another field in struct reasm_dir:
 * appending after the tail (a burst after one lost segment) and taking the
 * head (draining, or a reversed capture inserting in front).
 *
 * Choices worth knowing (also in README "TCP reassembly"):
 *  - First data wins.  Delivered bytes are not kept, so a new segment can be
 *    compared only with held bytes: an overlap with delivered bytes is trimmed
 *    and counted in stats.overlaps, but never in overlaps_diff.  Bytes a held
 *    segment lost to the snaplen belong to that segment's extent: a later copy
 *    of them is dropped, and the gap is reported when the extent is reached.
 *  - reasm_ack() declares a gap only when later bytes are already held.  With
 *    nothing held, the missing bytes may still come, reordered by the capture
 *    (mirror ports do that), so no gap is declared; reasm_flush() will.
 *  - The FIN occupies the sequence number fin_off: bytes at or after it are
 *    not part of this stream and are counted as out_of_window.
 *  - Mid-stream pickup: a direction without a SYN starts at its first segment
 *    carrying data; reordered earlier bytes then fall before offset 0 and are
 *    dropped as retransmissions.  Reporting ANOM_MIDSTREAM is the flow's job.
 *  - A cap that would be exceeded gives up the oldest hole (gap up to the
 *    first held segment, or up to the new segment itself when nothing is held
 *    before it); memory never goes over REASM_OOO_FLOW_MAX, REASM_OOO_SEGS_MAX
 *    or env->held_max.  A failed malloc is handled the same way. */
#include <stdlib.h>
#include <string.h>

#include "analyzer/base/limits.h"
#include "analyzer/engine/reasm.h"

struct reasm_seg {
	struct reasm_seg *next;   /* circular: the tail's next is the head */
	uint64_t off;             /* stream offset of data[0] */
	uint32_t len;             /* captured bytes in data[] */
	uint32_t miss;            /* bytes after data[] cut by the snaplen */
	uint8_t data[];           /* len bytes, owned with the segment */
};

/* ---- small helpers --------------------------------------------------- */

static inline uint64_t seg_end(const struct reasm_seg *s)
{
	return s->off + s->len + s->miss;
}

static inline struct reasm_seg *held_head(const struct reasm_dir *d)
{
	return d->held ? d->held->next : NULL;
}

static inline uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static inline uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static void emit_anomaly(const struct reasm_sink *sink, int dir, enum anomaly_kind kind, uint64_t ts)
{
	if (sink && sink->anomaly)
		sink->anomaly(sink->ctx, dir, kind, ts);
}

/* Hands n in-order bytes at p to the sink (the caller's buffer or a held
 * copy; valid only during the call). */
static void emit_data(struct reasm_dir *d, const struct reasm_sink *sink, int dir,
		      const uint8_t *p, size_t n, uint64_t ts)
{
	if (n == 0)
		return;
	if (sink && sink->data)
		sink->data(sink->ctx, dir, p, n, ts);
	d->next += n;
}

/* Reports n missing bytes at d->next as a gap of the given kind and moves past them. */
static void declare_gap(struct reasm_dir *d, struct reasm_env *env, const struct reasm_sink *sink,
			int dir, uint64_t n, enum anomaly_kind kind, uint64_t ts)
{
	if (n == 0)
		return;
	env->stats.gaps++;
	env->stats.gap_bytes += n;
	emit_anomaly(sink, dir, kind, ts);
	if (sink && sink->gap)
		sink->gap(sink->ctx, dir, n, ts);
	d->next += n;
}

/* Unlinks the head segment and returns it; the caller frees it. */
static struct reasm_seg *pop_head(struct reasm_dir *d, struct reasm_env *env)
{
	struct reasm_seg *tail = d->held, *h = tail->next;

	if (h == tail)
		d->held = NULL;
	else
		tail->next = h->next;
	d->held_count--;
	d->held_bytes -= h->len;
	env->held_bytes -= h->len;
	return h;
}

/* Delivers held segments while the head is contiguous with d->next. */
static void drain(struct reasm_dir *d, struct reasm_env *env, const struct reasm_sink *sink,
		  int dir, uint64_t ts)
{
	struct reasm_seg *h;
	uint64_t skip;

	while ((h = held_head(d)) != NULL && h->off <= d->next) {
		h = pop_head(d, env);
		/* Never true while the extents stay disjoint; harmless if not. */
		skip = d->next - h->off;
		if (skip < h->len)
			emit_data(d, sink, dir, h->data + skip, h->len - skip, ts);
		if (seg_end(h) > d->next)
			declare_gap(d, env, sink, dir, seg_end(h) - d->next, ANOM_REASM_SNAPLEN, ts);
		free(h);
	}
}

/* Delivers an in-order piece straight from the caller's buffer, then the
 * gap for its snaplen-cut tail. */
static void deliver_direct(struct reasm_dir *d, struct reasm_env *env, const struct reasm_sink *sink,
			   int dir, const uint8_t *p, uint32_t len, uint32_t miss, uint64_t ts)
{
	emit_data(d, sink, dir, p, len, ts);
	declare_gap(d, env, sink, dir, miss, ANOM_REASM_SNAPLEN, ts);
}

static int fits(const struct reasm_dir *d, const struct reasm_env *env, uint32_t len)
{
	return (uint64_t)d->held_bytes + len <= REASM_OOO_FLOW_MAX &&
	       d->held_count < REASM_OOO_SEGS_MAX &&
	       (uint64_t)env->held_bytes + len <= env->held_max;
}

/* Links n into the sorted circular list; its extent overlaps no held one. */
static void link_seg(struct reasm_dir *d, struct reasm_seg *n)
{
	struct reasm_seg *tail = d->held, *prev, *s;

	if (!tail) {
		n->next = n;
		d->held = n;
	} else if (tail->off < n->off) {        /* append: the common case */
		n->next = tail->next;
		tail->next = n;
		d->held = n;
	} else {                                /* prev == tail: new head */
		prev = tail;
		s = tail->next;
		while (s->off < n->off) {
			prev = s;
			s = s->next;
		}
		n->next = s;
		prev->next = n;
	}
}

/* Places a piece of a new segment whose extent [off, off+len+miss) no held
 * segment covers and that starts at or after d->next: delivered at once when
 * in order, otherwise copied and held, giving up the oldest holes first when
 * a cap would be exceeded.  Returns 1 when the piece was held. */
static int put_piece(struct reasm_dir *d, struct reasm_env *env, const struct reasm_sink *sink,
		     int dir, uint64_t off, const uint8_t *p, uint32_t len, uint32_t miss, uint64_t ts)
{
	struct reasm_seg *h, *n = NULL;
	uint64_t to;

	drain(d, env, sink, dir, ts);
	for (;;) {
		if (off <= d->next) {
			deliver_direct(d, env, sink, dir, p, len, miss, ts);
			return 0;
		}
		if (fits(d, env, len) && (n = malloc(sizeof *n + len)) != NULL)
			break;
		/* Over a cap (or out of memory): give up the oldest hole, which is
		 * the one before the first held segment, or before this piece. */
		h = held_head(d);
		to = h && h->off < off ? h->off : off;
		env->stats.cap_hits++;
		declare_gap(d, env, sink, dir, to - d->next, ANOM_REASM_OOO_CAP, ts);
		drain(d, env, sink, dir, ts);
	}
	n->off = off;
	n->len = len;
	n->miss = miss;
	if (len)
		memcpy(n->data, p, len);
	link_seg(d, n);
	d->held_count++;
	d->held_bytes += len;
	env->held_bytes += len;
	return 1;
}

/* First held segment whose extent ends after pos, or NULL. */
static struct reasm_seg *held_after(const struct reasm_dir *d, uint64_t pos)
{
	struct reasm_seg *s;

	if (!d->held || seg_end(d->held) <= pos)
		return NULL;
	for (s = d->held->next; seg_end(s) <= pos; s = s->next)
		;
	return s;
}

/* Compares the new segment [off, end) (captured up to dend) with the held
 * segments it overlaps.  Returns the number of its sequence-space bytes that
 * held extents cover; *diff is set when overlapping captured bytes differ. */
static uint64_t overlap_held(const struct reasm_dir *d, uint64_t off, const uint8_t *p,
			     uint64_t dend, uint64_t end, int *diff)
{
	const struct reasm_seg *s;
	uint64_t covered = 0, a, b, db;

	*diff = 0;
	if (!d->held || seg_end(d->held) <= off)
		return 0;
	for (s = d->held->next; s->off < end; s = s->next) {
		if (seg_end(s) > off) {
			a = max_u64(off, s->off);
			b = min_u64(end, seg_end(s));
			covered += b - a;
			db = min_u64(b, min_u64(dend, s->off + s->len));
			if (db > a && memcmp(p + (a - off), s->data + (a - s->off), db - a) != 0)
				*diff = 1;
		}
		if (s == d->held)
			break;
	}
	return covered;
}

/* ---- public API ------------------------------------------------------ */

void reasm_env_init(struct reasm_env *env)
{
	memset(env, 0, sizeof *env);
	env->held_max = REASM_OOO_TOTAL_MAX;
}

void reasm_syn(struct reasm_dir *d, uint32_t seq)
{
	/* A repeated SYN may restart a direction that has nothing yet. */
	if (d->started && (d->next || d->held || d->fin))
		return;
	d->isn = seq + 1;
	d->next = 0;
	d->started = 1;
}

void reasm_segment(struct reasm_dir *d, struct reasm_env *env, const struct reasm_sink *sink, int dir,
		   uint32_t seq, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
		   int syn, int fin, uint64_t ts)
{
	uint64_t off, end, dend, front, pos, pe, covered;
	int64_t delta, send;
	int diff, held = 0, first = 1, was_held;
	struct reasm_seg *h;

	/* Fast path: the next bytes, nothing held, no FIN known, not cut. */
	if (seq == d->isn + (uint32_t)d->next && d->started && !d->held && !d->fin && !syn &&
	    caplen == wirelen && wirelen - 1 < REASM_WINDOW_MAX) {
		env->stats.segments++;
		env->stats.in_order++;
		emit_data(d, sink, dir, data, caplen, ts);
		if (fin) {
			d->fin = 1;
			d->fin_off = d->next;
		}
		return;
	}

	if (caplen > wirelen)           /* bytes past the IP length are padding */
		caplen = wirelen;
	if (!data)
		caplen = 0;
	if (syn)
		seq++;                  /* the SYN takes one sequence number */
	if (!d->started) {
		if (wirelen == 0 && !syn)
			return;         /* a bare ACK or FIN says nothing about where data starts */
		d->isn = seq;
		d->next = 0;
		d->started = 1;
	}
	if (wirelen == 0 && !fin)
		return;
	if (wirelen)
		env->stats.segments++;

	delta = (int32_t)(seq - (d->isn + (uint32_t)d->next));
	if (delta > (int64_t)REASM_WINDOW_MAX || delta < -(int64_t)REASM_WINDOW_MAX ||
	    wirelen > REASM_WINDOW_MAX) {
		env->stats.out_of_window++;
		return;
	}

	/* Signed until trimmed: the segment may start before offset 0 (before
	 * the ISN of a mid-stream pickup). */
	send = (int64_t)d->next + delta + (int64_t)wirelen;
	if (fin && !d->fin && send >= (int64_t)d->next) {
		d->fin = 1;
		d->fin_off = (uint64_t)send;
	}
	if (wirelen == 0)
		return;
	if (send <= (int64_t)d->next) {         /* all bytes below next */
		env->stats.retransmissions++;
		return;
	}
	end = (uint64_t)send;
	if (delta < 0) {                        /* trim what lies below next */
		front = (uint64_t)-delta;
		if (front >= caplen) {
			data = NULL;
			caplen = 0;
		} else {
			data += front;
			caplen -= (uint32_t)front;
		}
		off = d->next;
	} else {
		off = d->next + (uint64_t)delta;
	}
	/* Bytes at or past the FIN's sequence number are not this stream. */
	if (d->fin && end > d->fin_off) {
		if (off >= d->fin_off) {
			env->stats.out_of_window++;
			return;
		}
		end = d->fin_off;
		if (caplen > end - off)
			caplen = (uint32_t)(end - off);
	}
	dend = off + caplen;

	covered = overlap_held(d, off, data, dend, end, &diff);
	if (diff) {
		env->stats.overlaps_diff++;
		emit_anomaly(sink, dir, ANOM_REASM_OVERLAP_DIFF, ts);
	}
	if (covered >= end - off) {
		env->stats.retransmissions++;   /* all already seen (held) */
		return;
	}
	if (delta < 0 || covered)
		env->stats.overlaps++;

	/* Cut the segment into the pieces no held extent covers. */
	pos = off;
	while (pos < end) {
		h = held_after(d, pos);
		if (h && h->off <= pos) {
			pos = min_u64(end, seg_end(h));
			continue;
		}
		pe = h ? min_u64(end, h->off) : end;
		if (pos < dend)
			was_held = put_piece(d, env, sink, dir, pos, data + (pos - off),
					     (uint32_t)(min_u64(pe, dend) - pos),
					     (uint32_t)(pe - min_u64(pe, dend)), ts);
		else
			was_held = put_piece(d, env, sink, dir, pos, NULL, 0, (uint32_t)(pe - pos), ts);
		if (first && !was_held)
			env->stats.in_order++;
		held |= was_held;
		first = 0;
		pos = max_u64(pe, d->next);
	}
	if (held)
		env->stats.ooo_segments++;
	drain(d, env, sink, dir, ts);
}

void reasm_ack(struct reasm_dir *d, struct reasm_env *env, const struct reasm_sink *sink, int dir,
	       uint32_t ack, uint64_t ts)
{
	int32_t delta;
	struct reasm_seg *h;
	uint64_t to;

	if (!d->started || !d->held)
		return;         /* nothing held: the bytes may still come (see top) */
	delta = (int32_t)(ack - (d->isn + (uint32_t)d->next));
	if (delta <= 0 || (uint32_t)delta > REASM_WINDOW_MAX)
		return;
	h = held_head(d);
	to = min_u64(d->next + (uint32_t)delta, h->off);
	declare_gap(d, env, sink, dir, to - d->next, ANOM_REASM_GAP, ts);
	drain(d, env, sink, dir, ts);
}

void reasm_flush(struct reasm_dir *d, struct reasm_env *env, const struct reasm_sink *sink, int dir,
		 uint64_t ts)
{
	struct reasm_seg *h;

	while ((h = held_head(d)) != NULL) {
		if (h->off > d->next)
			declare_gap(d, env, sink, dir, h->off - d->next, ANOM_REASM_GAP, ts);
		drain(d, env, sink, dir, ts);
	}
	if (d->started && d->fin && d->fin_off > d->next)
		declare_gap(d, env, sink, dir, d->fin_off - d->next, ANOM_REASM_GAP, ts);
}

void reasm_release(struct reasm_dir *d, struct reasm_env *env)
{
	while (d->held)
		free(pop_head(d, env));
}
