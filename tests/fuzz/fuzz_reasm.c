/* \summary: libFuzzer target for TCP reassembly (analyzer/reasm.c).
 *
 * Input: a 10-byte header, then operations.
 *   header: [0] global budget env.held_max = byte * 16 (0 = nothing may be
 *           held: every out-of-order segment hits the cap); [1] bit 0 =
 *           flush both directions before the release; [2..9] base sequence
 *           numbers of direction 0 and 1 (little endian).
 *   operation: op, seq (2 bytes LE, added to the direction's base), len,
 *           extra, then len payload bytes.  op bit 0 = direction; bits 1-3 =
 *           kind (0-4 segment, 5 ack, 6 reasm_syn, 7 flush); bit 4 = SYN flag;
 *           bit 5 = FIN flag; bit 6 = the snaplen cut extra bytes (wirelen =
 *           len + extra); bit 7 = extra bytes of the capture were padding
 *           (wirelen = len - extra).
 * Every payload is an exact-size malloc.
 *
 * Checks, at every call of the sink and after every operation:
 *  - data and gaps arrive at the direction's next offset (d->next), in order,
 *    and never for the wrong direction;
 *  - every delivered byte equals the first byte offered at its sequence
 *    number since the direction (re)started: a shadow of 128 KiB per
 *    direction, indexed by sequence number minus the base (all offered
 *    sequence numbers lie within base .. base + 65535 + 2 * 255);
 *  - delivered bytes never exceed captured bytes offered;
 *  - held bytes and segments stay within their caps and add up to
 *    env.held_bytes; after reasm_flush nothing is held; after reasm_release
 *    env.held_bytes is 0. */
#include "tests/fuzz/fuzz_common.h"
#include "analyzer/engine/reasm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SHADOW (1u << 17)

struct model {
	struct reasm_dir d[2];
	struct reasm_env env;
	uint32_t base[2];
	uint64_t offered[2];      /* captured payload bytes offered */
	uint64_t delivered[2];
	uint64_t gapped[2];
	uint8_t *val[2];          /* SHADOW bytes: first byte offered per sequence number */
	uint8_t *has[2];          /* SHADOW flags */
};

static uint32_t key(const struct model *m, int dir, uint32_t seq)
{
	return (seq - m->base[dir]) & (SHADOW - 1);
}

static void on_data(void *ctx, int dir, const uint8_t *p, size_t n, uint64_t ts)
{
	struct model *m = ctx;
	const struct reasm_dir *d;
	uint32_t seq;
	size_t i;

	(void)ts;
	if (dir != 0 && dir != 1)
		fuzz_fail("data for direction %d", dir);
	d = &m->d[dir];
	if (n == 0)
		fuzz_fail("empty data callback");
	if (m->delivered[dir] + m->gapped[dir] != d->next)
		fuzz_fail("dir %d: data at offset %llu, but %llu delivered + %llu gapped", dir,
			  (unsigned long long)d->next, (unsigned long long)m->delivered[dir],
			  (unsigned long long)m->gapped[dir]);
	for (i = 0; i < n; i++) {
		seq = d->isn + (uint32_t)(d->next + i);
		if (!m->has[dir][key(m, dir, seq)])
			fuzz_fail("dir %d: byte at offset %llu (seq %u) delivered but never offered", dir,
				  (unsigned long long)(d->next + i), seq);
		if (m->val[dir][key(m, dir, seq)] != p[i])
			fuzz_fail("dir %d: byte at offset %llu (seq %u) is 0x%02x, first offered 0x%02x", dir,
				  (unsigned long long)(d->next + i), seq, p[i], m->val[dir][key(m, dir, seq)]);
	}
	m->delivered[dir] += n;
	if (m->delivered[dir] > m->offered[dir])
		fuzz_fail("dir %d: %llu bytes delivered, %llu offered", dir,
			  (unsigned long long)m->delivered[dir], (unsigned long long)m->offered[dir]);
}

static void on_gap(void *ctx, int dir, uint64_t n, uint64_t ts)
{
	struct model *m = ctx;

	(void)ts;
	if (dir != 0 && dir != 1)
		fuzz_fail("gap for direction %d", dir);
	if (n == 0)
		fuzz_fail("empty gap");
	if (n > SHADOW)
		fuzz_fail("dir %d: gap of %llu bytes, more than the input can span", dir, (unsigned long long)n);
	if (m->delivered[dir] + m->gapped[dir] != m->d[dir].next)
		fuzz_fail("dir %d: gap at offset %llu, but %llu delivered + %llu gapped", dir,
			  (unsigned long long)m->d[dir].next, (unsigned long long)m->delivered[dir],
			  (unsigned long long)m->gapped[dir]);
	m->gapped[dir] += n;
}

static void on_anomaly(void *ctx, int dir, enum anomaly_kind kind, uint64_t ts)
{
	(void)ctx;
	(void)ts;
	if (dir != 0 && dir != 1)
		fuzz_fail("anomaly for direction %d", dir);
	if ((unsigned)kind >= ANOM__COUNT)
		fuzz_fail("anomaly kind %d", (int)kind);
}

static void check_caps(const struct model *m)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (m->d[i].held_bytes > REASM_OOO_FLOW_MAX || m->d[i].held_count > REASM_OOO_SEGS_MAX)
			fuzz_fail("dir %d holds %u bytes in %u segments", i, m->d[i].held_bytes, m->d[i].held_count);
		if (!m->d[i].held != !m->d[i].held_count)
			fuzz_fail("dir %d: held list and held_count (%u) disagree", i, m->d[i].held_count);
		if (m->delivered[i] + m->gapped[i] != m->d[i].next)
			fuzz_fail("dir %d: next %llu, sink saw %llu", i, (unsigned long long)m->d[i].next,
				  (unsigned long long)(m->delivered[i] + m->gapped[i]));
	}
	if (m->env.held_bytes > m->env.held_max)
		fuzz_fail("env holds %zu bytes, budget %zu", m->env.held_bytes, m->env.held_max);
	if (m->env.held_bytes != (size_t)m->d[0].held_bytes + m->d[1].held_bytes)
		fuzz_fail("env holds %zu bytes, directions %u + %u", m->env.held_bytes, m->d[0].held_bytes,
			  m->d[1].held_bytes);
}

/* Records the captured bytes of a segment in the shadow (first offer wins). */
static void shadow(struct model *m, int dir, uint32_t seq, const uint8_t *p, uint32_t n)
{
	uint32_t i, k;

	for (i = 0; i < n; i++) {
		k = key(m, dir, seq + i);
		if (!m->has[dir][k]) {
			m->has[dir][k] = 1;
			m->val[dir][k] = p[i];
		}
	}
}

/* Does reasm_syn() now restart the direction (reasm.c: only when nothing was
 * delivered, held or closed)?  Then "first offer" starts over. */
static int syn_restarts(const struct reasm_dir *d)
{
	return !d->started || !(d->next || d->held || d->fin);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct model m;
	const uint8_t *p = data + 10, *end = data + size;
	struct reasm_sink sink = { on_data, on_gap, on_anomaly, &m };
	uint8_t op, len, extra, *buf;
	uint32_t seq, caplen, wirelen;
	uint64_t ts = 1;
	int dir, kind, syn, fin, i;

	if (size < 10)
		return 0;
	if (!m.val[0])
		for (i = 0; i < 2; i++)
			if (!(m.val[i] = malloc(SHADOW)) || !(m.has[i] = malloc(SHADOW)))
				abort();
	memset(m.d, 0, sizeof m.d);
	memset(m.offered, 0, sizeof m.offered);
	memset(m.delivered, 0, sizeof m.delivered);
	memset(m.gapped, 0, sizeof m.gapped);
	memset(m.has[0], 0, SHADOW);
	memset(m.has[1], 0, SHADOW);
	reasm_env_init(&m.env);
	m.env.held_max = (size_t)data[0] * 16;
	memcpy(&m.base[0], data + 2, 4);
	memcpy(&m.base[1], data + 6, 4);

	while (end - p >= 5) {
		op = p[0];
		seq = (uint32_t)p[1] | (uint32_t)p[2] << 8;
		len = p[3];
		extra = p[4];
		p += 5;
		dir = op & 1;
		kind = (op >> 1) & 7;
		syn = (op >> 4) & 1;
		fin = (op >> 5) & 1;
		seq += m.base[dir];
		ts++;
		switch (kind) {
		case 5:
			reasm_ack(&m.d[dir], &m.env, &sink, dir, seq, ts);
			break;
		case 6:
			if (syn_restarts(&m.d[dir]))
				memset(m.has[dir], 0, SHADOW);
			reasm_syn(&m.d[dir], seq);
			break;
		case 7:
			reasm_flush(&m.d[dir], &m.env, &sink, dir, ts);
			if (m.d[dir].held || m.d[dir].held_bytes || m.d[dir].held_count)
				fuzz_fail("dir %d still holds segments after reasm_flush", dir);
			if (m.d[dir].fin && m.d[dir].next < m.d[dir].fin_off)
				fuzz_fail("dir %d flushed to %llu, short of the FIN at %llu", dir,
					  (unsigned long long)m.d[dir].next, (unsigned long long)m.d[dir].fin_off);
			break;
		default:
			caplen = len;
			if (caplen > (uint32_t)(end - p))
				caplen = (uint32_t)(end - p);
			wirelen = caplen;
			if (op & 0x40)
				wirelen += extra;
			else if (op & 0x80)
				wirelen -= extra < caplen ? extra : caplen;
			buf = fuzz_copy(p, caplen);
			p += caplen;
			/* a direction that has not started begins here: first offers start over */
			if (!m.d[dir].started)
				memset(m.has[dir], 0, SHADOW);
			shadow(&m, dir, seq + (uint32_t)syn, buf, caplen < wirelen ? caplen : wirelen);
			m.offered[dir] += caplen < wirelen ? caplen : wirelen;
			reasm_segment(&m.d[dir], &m.env, &sink, dir, seq, buf, caplen, wirelen, syn, fin, ts);
			free(buf);
			break;
		}
		check_caps(&m);
	}
	if (data[1] & 1) {
		for (i = 0; i < 2; i++) {
			reasm_flush(&m.d[i], &m.env, &sink, i, ts);
			if (m.d[i].held)
				fuzz_fail("dir %d still holds segments after reasm_flush", i);
		}
		check_caps(&m);
	}
	for (i = 0; i < 2; i++)
		reasm_release(&m.d[i], &m.env);
	if (m.env.held_bytes != 0)
		fuzz_fail("env.held_bytes %zu after reasm_release of every direction", m.env.held_bytes);
	if (m.d[0].held || m.d[1].held)
		fuzz_fail("segments left after reasm_release");
	return 0;
}
