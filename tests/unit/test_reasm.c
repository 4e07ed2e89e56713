/* \summary: unit tests for analyzer/reasm.c: order, permutations, overlaps,
 * gaps (ack, flush, caps, snaplen), sequence wrap, SYN/FIN, mid-stream, caps.
 * The sink renders the stream as bytes with "[N]" for an N-byte gap. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/base/limits.h"
#include "analyzer/engine/reasm.h"
#include "tests/tap.h"

#define COL_MAX (1u << 17)

/* What the sink saw. */
struct col {
	char buf[COL_MAX];        /* data bytes and "[N]" gap markers */
	size_t n;
	int overflow;             /* buf was too small: the test fails */
	int count_only;           /* only count bytes (streams past 4 GiB) */
	uint64_t pos;             /* stream offset as the sink sees it (data + gaps) */
	uint64_t mismatches;      /* delivered bytes differing from pattern(pos) */
	int check_pattern;
	uint64_t data_bytes, gap_calls, gap_bytes;
	int anom[ANOM__COUNT];
	uint64_t last_ts;
	int bad_dir;              /* a callback came with the wrong dir */
};

static struct col C;
static struct reasm_env E;
static struct reasm_dir D;
static uint32_t BASE;             /* sequence number of stream offset 0 */

static uint8_t pattern(uint64_t off)
{
	return (uint8_t)('a' + off % 26);
}

static void col_put(const char *p, size_t n)
{
	if (C.n + n > sizeof C.buf) {
		C.overflow = 1;
		return;
	}
	memcpy(C.buf + C.n, p, n);
	C.n += n;
}

static void col_data(void *ctx, int dir, const uint8_t *p, size_t n, uint64_t ts)
{
	size_t i;

	(void)ctx;
	if (dir != 1)
		C.bad_dir = 1;
	if (C.check_pattern)
		for (i = 0; i < n; i++)
			if (p[i] != pattern(C.pos + i))
				C.mismatches++;
	C.pos += n;
	C.data_bytes += n;
	C.last_ts = ts;
	if (!C.count_only)
		col_put((const char *)p, n);
}

static void col_gap(void *ctx, int dir, uint64_t n, uint64_t ts)
{
	char tmp[32];
	int k;

	(void)ctx;
	if (dir != 1)
		C.bad_dir = 1;
	C.pos += n;
	C.gap_calls++;
	C.gap_bytes += n;
	C.last_ts = ts;
	k = snprintf(tmp, sizeof tmp, "[%llu]", (unsigned long long)n);
	if (!C.count_only)
		col_put(tmp, (size_t)k);
}

static void col_anom(void *ctx, int dir, enum anomaly_kind kind, uint64_t ts)
{
	(void)ctx;
	(void)ts;
	if (dir != 1)
		C.bad_dir = 1;
	if ((unsigned)kind < ANOM__COUNT)
		C.anom[kind]++;
}

static const struct reasm_sink SINK = { col_data, col_gap, col_anom, NULL };

/* Fresh state; syn_seq is the SYN's sequence number, data starts at syn_seq+1. */
static void setup(uint32_t syn_seq)
{
	reasm_release(&D, &E);  /* a failed case must not leak into the next */
	memset(&C, 0, sizeof C);
	reasm_env_init(&E);
	memset(&D, 0, sizeof D);
	reasm_syn(&D, syn_seq);
	BASE = syn_seq + 1;
}

/* Sends string s at stream offset rel (relative to BASE). */
static void seg(uint32_t rel, const char *s)
{
	reasm_segment(&D, &E, &SINK, 1, BASE + rel, (const uint8_t *)s, (uint32_t)strlen(s),
		      (uint32_t)strlen(s), 0, 0, 0);
}

static void seg_fin(uint32_t rel, const char *s)
{
	reasm_segment(&D, &E, &SINK, 1, BASE + rel, (const uint8_t *)s, (uint32_t)strlen(s),
		      (uint32_t)strlen(s), 0, 1, 0);
}

static void flush(void)
{
	reasm_flush(&D, &E, &SINK, 1, 0);
}

static void ack(uint32_t rel)
{
	reasm_ack(&D, &E, &SINK, 1, BASE + rel, 0);
}

static const char *got(void)
{
	static char s[COL_MAX + 1];

	memcpy(s, C.buf, C.n);
	s[C.n] = '\0';
	return s;
}

/* Checks nothing is held and no callback saw a wrong dir. */
static void is_clean(const char *name)
{
	ok(D.held == NULL && D.held_bytes == 0 && D.held_count == 0 && E.held_bytes == 0 &&
	   !C.bad_dir && !C.overflow, "%s: nothing held afterwards", name);
}

static const uint32_t ISNS[] = { 0, 1, UINT32_MAX, UINT32_MAX - 10 };
#define NISNS (sizeof ISNS / sizeof ISNS[0])

/* ---- cases --------------------------------------------------------------- */

static void test_in_order(void)
{
	setup(1000);
	seg(0, "Hello, ");
	seg(7, "world");
	is_str(got(), "Hello, world", "in order: stream");
	is_int(E.stats.segments, 2, "in order: segments");
	is_int(E.stats.in_order, 2, "in order: in_order");
	is_int(E.stats.ooo_segments, 0, "in order: nothing held");
	is_int(D.next, 12, "in order: next offset");
	is_clean("in order");
}

static void test_reversed(void)
{
	size_t i;

	for (i = 0; i < NISNS; i++) {
		char name[64];

		setup(ISNS[i]);
		seg(8, "ij");
		seg(6, "gh");
		seg(4, "ef");
		is_int(E.held_bytes, 6, "reversed: 6 bytes held");
		is_int(D.held_count, 3, "reversed: 3 segments held");
		seg(2, "cd");
		seg(0, "ab");
		snprintf(name, sizeof name, "reversed, isn %u: stream", ISNS[i]);
		is_str(got(), "abcdefghij", name);
		is_int(E.stats.ooo_segments, 4, "reversed: 4 held");
		is_int(E.stats.in_order, 1, "reversed: 1 in order");
		is_int(E.stats.gaps, 0, "reversed: no gap");
		is_clean("reversed");
	}
}

/* Next permutation in lexicographic order; 0 after the last. */
static int next_perm(int *a, int n)
{
	int i, j, t;

	for (i = n - 2; i >= 0 && a[i] > a[i + 1]; i--)
		;
	if (i < 0)
		return 0;
	for (j = n - 1; a[j] < a[i]; j--)
		;
	t = a[i], a[i] = a[j], a[j] = t;
	for (i++, j = n - 1; i < j; i++, j--)
		t = a[i], a[i] = a[j], a[j] = t;
	return 1;
}

static void test_permutations(void)
{
	static const char *const parts[5] = { "MAIL ", "FROM:", "<a@b>", "\r\n", "RCPT TO:<c@d>\r\n" };
	uint32_t offs[5], o = 0;
	int a[5], k, perms, exact;
	size_t i;

	for (k = 0; k < 5; k++) {
		offs[k] = o;
		o += (uint32_t)strlen(parts[k]);
	}
	for (i = 0; i < NISNS; i++) {
		char name[80];

		for (k = 0; k < 5; k++)
			a[k] = k;
		perms = exact = 0;
		do {
			setup(ISNS[i]);
			for (k = 0; k < 5; k++)
				seg(offs[a[k]], parts[a[k]]);
			perms++;
			if (strcmp(got(), "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n") == 0 &&
			    E.held_bytes == 0 && D.held == NULL && E.stats.gaps == 0 &&
			    E.stats.retransmissions == 0 && D.next == o)
				exact++;
			reasm_release(&D, &E);
		} while (next_perm(a, 5));
		snprintf(name, sizeof name, "permutations, isn %u: 120 tried", ISNS[i]);
		is_int(perms, 120, name);
		snprintf(name, sizeof name, "permutations, isn %u: every one gives the exact stream", ISNS[i]);
		is_int(exact, 120, name);
	}
}

/* Overlapping 3-byte segments every 2 bytes, all 120 orders of 5. */
static void test_permutations_overlapping(void)
{
	const char *want = "abcdefghijk";
	int a[5], k, exact = 0;

	for (k = 0; k < 5; k++)
		a[k] = k;
	do {
		setup(UINT32_MAX - 3);
		for (k = 0; k < 5; k++) {
			char s[4];

			memcpy(s, want + 2 * a[k], 3);
			s[3] = '\0';
			seg((uint32_t)(2 * a[k]), s);
		}
		if (strcmp(got(), "abcdefghijk") == 0 && E.held_bytes == 0 &&
		    E.stats.overlaps_diff == 0 && E.stats.overlaps >= 1)
			exact++;
		reasm_release(&D, &E);
	} while (next_perm(a, 5));
	is_int(exact, 120, "overlapping permutations: every order gives the exact stream");
}

static void test_retransmission(void)
{
	setup(7);
	seg(0, "abc");
	seg(0, "abc");
	seg(1, "b");
	is_str(got(), "abc", "retransmission: delivered once");
	is_int(E.stats.retransmissions, 2, "retransmission: counted");
	is_int(E.stats.overlaps, 0, "retransmission: not an overlap");

	/* A retransmitted held segment is dropped too. */
	setup(7);
	seg(3, "def");
	seg(3, "def");
	is_int(E.held_bytes, 3, "held retransmission: held once");
	is_int(E.stats.retransmissions, 1, "held retransmission: counted");
	seg(0, "abc");
	is_str(got(), "abcdef", "held retransmission: stream");
	is_clean("retransmission");
}

static void test_overlap_delivered(void)
{
	setup(0);
	seg(0, "abcd");
	seg(2, "cdef");
	is_str(got(), "abcdef", "overlap with delivered, same bytes: trimmed");
	is_int(E.stats.overlaps, 1, "overlap with delivered: counted");
	is_int(E.stats.overlaps_diff, 0, "overlap with delivered, same: no diff");

	/* Delivered bytes are not kept, so a difference there cannot be seen. */
	setup(0);
	seg(0, "abcd");
	seg(2, "XXef");
	is_str(got(), "abcdef", "overlap with delivered, other bytes: first wins");
	is_int(E.stats.overlaps, 1, "overlap with delivered, other bytes: counted");
	is_int(E.stats.overlaps_diff, 0, "overlap with delivered: not compared (documented)");
	is_int(C.anom[ANOM_REASM_OVERLAP_DIFF], 0, "overlap with delivered: no diff anomaly");
	is_clean("overlap delivered");
}

static void test_overlap_held(void)
{
	size_t i;

	for (i = 0; i < NISNS; i++) {
		setup(ISNS[i]);
		seg(4, "efgh");
		seg(2, "cdefgh");         /* same bytes over the held ones */
		seg(0, "ab");
		is_str(got(), "abcdefgh", "overlap with held, same bytes: stream");
		is_int(E.stats.overlaps, 1, "overlap with held, same bytes: counted");
		is_int(E.stats.overlaps_diff, 0, "overlap with held, same bytes: no diff");
		is_clean("overlap held same");

		setup(ISNS[i]);
		seg(4, "efgh");
		seg(2, "cdEFgh");         /* differs over the held ones: first wins */
		seg(0, "ab");
		is_str(got(), "abcdefgh", "overlap with held, other bytes: first data wins");
		is_int(E.stats.overlaps_diff, 1, "overlap with held, other bytes: overlaps_diff");
		is_int(C.anom[ANOM_REASM_OVERLAP_DIFF], 1, "overlap with held, other bytes: anomaly");
		is_clean("overlap held diff");
	}

	/* An in-order segment covering a held one: its middle loses. */
	setup(0);
	seg(3, "DEF");
	seg(0, "abcdefg");
	is_str(got(), "abcDEFg", "in-order over held: held (first) bytes win");
	is_int(E.stats.overlaps_diff, 1, "in-order over held: diff counted");
	is_int(E.stats.in_order, 1, "in-order over held: in order");

	/* A new segment spanning two held ones and the hole between them. */
	setup(0);
	seg(2, "cd");
	seg(6, "gh");
	seg(1, "bcdefghi");
	is_str(got(), "", "spanning: still a hole at 0");
	is_int(E.held_bytes, 8, "spanning: bytes 1..8 held once");
	is_int(D.held_count, 5, "spanning: pieces 1, 2-3, 4-5, 6-7, 8");
	seg(0, "a");
	is_str(got(), "abcdefghi", "spanning: stream");
	is_clean("overlap spanning");
}

static void test_gap_flush(void)
{
	size_t i;

	for (i = 0; i < NISNS; i++) {
		setup(ISNS[i]);
		seg(0, "abc");
		seg(6, "ghi");
		is_str(got(), "abc", "gap: waits for the hole");
		flush();
		is_str(got(), "abc[3]ghi", "gap then data then flush: stream");
		is_int(E.stats.gaps, 1, "gap: counted");
		is_int(E.stats.gap_bytes, 3, "gap: bytes");
		is_int(C.anom[ANOM_REASM_GAP], 1, "gap: anomaly");
		is_clean("gap flush");
		seg(9, "jk");
		is_str(got(), "abc[3]ghijk", "after flush: data continues");
	}
}

static void test_rst_holes(void)
{
	setup(UINT32_MAX - 10);
	seg(0, "ab");
	seg(8, "ij");
	seg(4, "ef");
	/* RST: the caller flushes. */
	flush();
	is_str(got(), "ab[2]ef[2]ij", "RST with holes: flush delivers all, holes as gaps");
	is_int(E.stats.gaps, 2, "RST with holes: two gaps");
	is_int(E.stats.gap_bytes, 4, "RST with holes: gap bytes");
	is_clean("rst");
	flush();
	is_str(got(), "ab[2]ef[2]ij", "second flush: nothing more");

	/* A flush with a known FIN beyond what we have. */
	setup(5);
	seg(0, "ab");
	seg_fin(4, "ef");       /* FIN at offset 6 */
	seg(8, "zz");           /* past the FIN: not this stream */
	flush();
	is_str(got(), "ab[2]ef", "flush with FIN: hole before the FIN segment");
	is_int(E.stats.out_of_window, 1, "data past the FIN ignored");

	setup(5);
	seg(0, "ab");
	reasm_segment(&D, &E, &SINK, 1, BASE + 5, NULL, 0, 0, 0, 1, 0); /* bare FIN at 5 */
	flush();
	is_str(got(), "ab[3]", "flush: gap up to the FIN");
	is_clean("flush fin");
}

static void test_ack_gap(void)
{
	size_t i;

	for (i = 0; i < NISNS; i++) {
		setup(ISNS[i]);
		seg(0, "abc");
		seg(6, "ghi");
		ack(6);
		is_str(got(), "abc[3]ghi", "ack-declared gap: stream");
		is_int(E.stats.gaps, 1, "ack-declared gap: counted");
		is_int(C.anom[ANOM_REASM_GAP], 1, "ack-declared gap: anomaly");
		is_clean("ack gap");
	}

	/* Ack past the held data: the gap stops at the held segment. */
	setup(100);
	seg(0, "abc");
	seg(6, "ghi");
	ack(50);
	is_str(got(), "abc[3]ghi", "ack beyond held: gap only up to held");
	is_int(D.next, 9, "ack beyond held: next");

	/* Ack into the hole, short of the held data. */
	setup(100);
	seg(0, "abc");
	seg(6, "ghi");
	ack(5);
	is_str(got(), "abc[2]", "ack into the hole: partial gap");
	seg(5, "f");
	is_str(got(), "abc[2]fghi", "ack into the hole: rest fills");

	/* Nothing held: no gap (the bytes may still come, reordered). */
	setup(100);
	seg(0, "abc");
	ack(6);
	is_int(E.stats.gaps, 0, "ack with nothing held: no gap");
	seg(3, "def");
	is_str(got(), "abcdef", "ack with nothing held: late data delivered");

	/* Old ack, ack far away, ack on a direction not started. */
	setup(100);
	seg(0, "abc");
	seg(6, "ghi");
	ack(2);
	ack(3);
	reasm_ack(&D, &E, &SINK, 1, BASE + 0x80000000u, 0);
	is_int(E.stats.gaps, 0, "old, equal or far acks: no gap");
	reasm_release(&D, &E);
	memset(&D, 0, sizeof D);
	reasm_ack(&D, &E, &SINK, 1, 12345, 0);
	ok(!D.started && D.next == 0, "ack on a direction not started: ignored");
	is_clean("ack");
}

static void test_wrap(void)
{
	size_t i;
	const char *want = "0123456789abcdefghijklmnopqrst";

	for (i = 0; i < NISNS; i++) {
		char name[64];

		setup(ISNS[i]);
		seg(20, "klmnopqrst");
		seg(10, "abcdefghij");
		seg(0, "0123456789");
		snprintf(name, sizeof name, "wrap, isn %u: stream across 2^32", ISNS[i]);
		is_str(got(), want, name);
		is_int(D.next, 30, "wrap: next offset");
		is_clean("wrap");
	}
	/* The raw sequence numbers really wrap here. */
	setup(UINT32_MAX - 10);
	ok(BASE + 20 < BASE, "wrap: sequence numbers do wrap in this case");
}

/* A stream longer than 4 GiB: 64-bit offsets keep counting. */
static void test_long_stream(void)
{
	static uint8_t big[65536];
	uint32_t k, n = 70000;
	uint64_t total = (uint64_t)n * sizeof big;
	uint32_t seq;

	setup(UINT32_MAX - 100);
	C.count_only = 1;
	for (k = 0; k < n; k++)
		reasm_segment(&D, &E, &SINK, 1, BASE + k * (uint32_t)sizeof big, big, sizeof big,
			      sizeof big, 0, 0, 0);
	ok(D.next == total, "long stream: next is past 2^32");
	seq = BASE + (uint32_t)total;
	reasm_segment(&D, &E, &SINK, 1, seq + 10, big, 10, 10, 0, 0, 0);
	is_int(E.held_bytes, 10, "long stream: out-of-order after 2^32 held");
	reasm_ack(&D, &E, &SINK, 1, seq + 10, 0);
	ok(D.next == total + 20 && C.gap_bytes == 10, "long stream: ack gap after 2^32");
	ok(C.data_bytes == total + 10, "long stream: all bytes delivered");
	is_clean("long stream");
}

static void test_syn_data(void)
{
	memset(&C, 0, sizeof C);
	reasm_env_init(&E);
	memset(&D, 0, sizeof D);
	reasm_segment(&D, &E, &SINK, 1, 5000, (const uint8_t *)"hello", 5, 5, 1, 0, 0);
	reasm_segment(&D, &E, &SINK, 1, 5006, (const uint8_t *)" world", 6, 6, 0, 0, 0);
	is_str(got(), "hello world", "data on SYN (direction not started): accepted");
	is_int(D.isn, 5001, "data on SYN: isn = seq + 1");

	/* reasm_syn first, then the SYN segment itself carries data (TFO). */
	setup(9000);
	reasm_segment(&D, &E, &SINK, 1, 9000, (const uint8_t *)"EHLO", 4, 4, 1, 0, 0);
	seg(4, " x\r\n");
	is_str(got(), "EHLO x\r\n", "data on SYN after reasm_syn: accepted");
	/* A retransmitted SYN with the same data is old. */
	reasm_segment(&D, &E, &SINK, 1, 9000, (const uint8_t *)"EHLO", 4, 4, 1, 0, 0);
	is_int(E.stats.retransmissions, 1, "retransmitted SYN data: dropped");
	is_str(got(), "EHLO x\r\n", "retransmitted SYN data: not delivered twice");
	is_clean("syn data");
}

static void test_fin(void)
{
	setup(100);
	seg_fin(0, "abc");
	ok(D.fin && D.fin_off == 3, "FIN: fin_off is the end of the data");
	/* The FIN's sequence number is not data. */
	seg(3, "X");
	is_str(got(), "abc", "FIN consumes a seq: a later byte there is not data");
	is_int(E.stats.out_of_window, 1, "FIN consumes a seq: counted out_of_window");
	/* A retransmitted FIN segment. */
	seg_fin(0, "abc");
	is_int(E.stats.retransmissions, 1, "retransmitted FIN segment: old");
	reasm_segment(&D, &E, &SINK, 1, BASE + 3, NULL, 0, 0, 0, 1, 0);
	ok(D.fin_off == 3, "retransmitted bare FIN: fin_off unchanged");
	/* The peer's ACK of the FIN (fin_off + 1) does nothing. */
	ack(4);
	is_int(E.stats.gaps, 0, "ack of the FIN: no gap");
	flush();
	is_str(got(), "abc", "FIN: flush adds nothing");

	/* FIN seen before the last data (reordered). */
	setup(UINT32_MAX);
	seg(0, "ab");
	reasm_segment(&D, &E, &SINK, 1, BASE + 5, NULL, 0, 0, 0, 1, 0);
	seg(2, "cde");
	flush();
	is_str(got(), "abcde", "FIN before the last data: stream complete, no gap");
	is_int(E.stats.gaps, 0, "FIN before the last data: no gap");

	/* A segment running over the FIN is cut at it. */
	setup(0);
	reasm_segment(&D, &E, &SINK, 1, BASE + 4, NULL, 0, 0, 0, 1, 0);
	seg(0, "abcdXYZ");
	is_str(got(), "abcd", "segment over the FIN: cut at fin_off");
	is_clean("fin");
}

static void test_snaplen(void)
{
	setup(50);
	/* in order: 5 bytes sent, 3 captured */
	reasm_segment(&D, &E, &SINK, 1, BASE, (const uint8_t *)"abc", 3, 5, 0, 0, 0);
	is_str(got(), "abc[2]", "snaplen in order: data then gap");
	is_int(C.anom[ANOM_REASM_SNAPLEN], 1, "snaplen in order: anomaly");
	seg(5, "fg");
	is_str(got(), "abc[2]fg", "snaplen in order: stream continues");
	is_int(E.stats.gap_bytes, 2, "snaplen in order: gap bytes");

	/* out of order: the cut segment is held and its tail reported when reached */
	setup(UINT32_MAX - 1);
	reasm_segment(&D, &E, &SINK, 1, BASE + 2, (const uint8_t *)"cd", 2, 4, 0, 0, 0);
	seg(6, "gh");
	is_int(E.held_bytes, 4, "snaplen out of order: only captured bytes held");
	seg(0, "ab");
	is_str(got(), "abcd[2]gh", "snaplen out of order: gap where the tail was");
	is_int(C.anom[ANOM_REASM_SNAPLEN], 1, "snaplen out of order: anomaly");
	is_int(E.stats.gaps, 1, "snaplen out of order: one gap");
	is_clean("snaplen ooo");

	/* the cut tail held last: flush reports it */
	setup(1);
	reasm_segment(&D, &E, &SINK, 1, BASE + 2, (const uint8_t *)"c", 1, 3, 0, 0, 0);
	flush();
	is_str(got(), "[2]c[2]", "snaplen tail at flush: reported");

	/* nothing captured at all */
	setup(1);
	reasm_segment(&D, &E, &SINK, 1, BASE, NULL, 0, 4, 0, 0, 0);
	seg(4, "e");
	is_str(got(), "[4]e", "snaplen 0 bytes captured: whole segment is a gap");

	/* caplen > wirelen: the extra bytes are link padding */
	setup(1);
	reasm_segment(&D, &E, &SINK, 1, BASE, (const uint8_t *)"abc\0\0\0", 6, 3, 0, 0, 0);
	seg(3, "d");
	is_str(got(), "abcd", "caplen > wirelen: padding ignored");
	is_clean("snaplen");
}

static void test_midstream(void)
{
	memset(&C, 0, sizeof C);
	reasm_env_init(&E);
	memset(&D, 0, sizeof D);
	/* a bare ACK does not start the direction */
	reasm_segment(&D, &E, &SINK, 1, 990, NULL, 0, 0, 0, 0, 0);
	ok(!D.started, "mid-stream: bare ACK does not start");
	reasm_segment(&D, &E, &SINK, 1, 1000, (const uint8_t *)"250 ", 4, 4, 0, 0, 0);
	ok(D.started && D.isn == 1000, "mid-stream: starts at the first data segment");
	reasm_segment(&D, &E, &SINK, 1, 1004, (const uint8_t *)"OK\r\n", 4, 4, 0, 0, 0);
	is_str(got(), "250 OK\r\n", "mid-stream: stream");
	/* bytes before the pickup point are old */
	reasm_segment(&D, &E, &SINK, 1, 990, (const uint8_t *)"0123456789", 10, 10, 0, 0, 0);
	is_int(E.stats.retransmissions, 1, "mid-stream: earlier bytes dropped");
	/* a segment from before the pickup running past next is trimmed */
	reasm_segment(&D, &E, &SINK, 1, 998, (const uint8_t *)"xx250 OK\r\n25", 12, 12, 0, 0, 0);
	is_str(got(), "250 OK\r\n25", "mid-stream: straddling segment trimmed");
	is_int(E.stats.overlaps, 1, "mid-stream: straddling counted as overlap");
	is_clean("midstream");
}

static void test_out_of_window(void)
{
	setup(0);
	seg(0, "abc");
	seg(0x80000000u, "zzz");
	seg(REASM_WINDOW_MAX + 10, "zzz");
	reasm_segment(&D, &E, &SINK, 1, BASE - REASM_WINDOW_MAX - 100, (const uint8_t *)"zz", 2, 2, 0, 0, 0);
	is_int(E.stats.out_of_window, 3, "out of window: counted");
	is_int(E.held_bytes, 0, "out of window: nothing held");
	seg(3, "d");
	flush();
	is_str(got(), "abcd", "out of window: ignored");
	is_clean("out of window");
}

/* n 1-byte segments of pattern(off), in the given order. */
static void send_tiny(const uint32_t *order, uint32_t n, size_t *max_held, uint16_t *max_count)
{
	uint32_t k;
	uint8_t b;

	for (k = 0; k < n; k++) {
		b = pattern(order[k]);
		reasm_segment(&D, &E, &SINK, 1, BASE + order[k], &b, 1, 1, 0, 0, 0);
		if (E.held_bytes > *max_held)
			*max_held = E.held_bytes;
		if (D.held_count > *max_count)
			*max_count = D.held_count;
	}
}

static uint32_t rnd_state = 12345;
static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

static void test_tiny_many(void)
{
	enum { N = 10000 };
	static uint32_t order[N];
	static char want[N + 1];
	uint32_t k, t, j;
	size_t max_held = 0;
	uint16_t max_count = 0;

	for (k = 0; k < N; k++)
		want[k] = (char)pattern(k);
	want[N] = '\0';

	/* Within the caps: blocks of 1000 reversed. */
	setup(UINT32_MAX - 5000);
	for (k = 0; k < N; k++)
		order[k] = (k / 1000) * 1000 + 999 - k % 1000;
	send_tiny(order, N, &max_held, &max_count);
	is_str(got(), want, "10^4 tiny, within caps: exact stream");
	is_int(max_count, 999, "10^4 tiny, within caps: at most 999 held");
	is_int(E.stats.cap_hits, 0, "10^4 tiny, within caps: no cap hit");
	is_int(E.stats.gaps, 0, "10^4 tiny, within caps: no gap");
	is_clean("tiny within");

	/* Within the caps, random order inside windows of 2000. */
	setup(0);
	for (k = 0; k < N; k++)
		order[k] = k;
	for (k = 0; k < N; k += 2000)
		for (j = 1999; j > 0; j--) {
			uint32_t r = rnd() % (j + 1);

			t = order[k + j], order[k + j] = order[k + r], order[k + r] = t;
		}
	max_held = 0;
	max_count = 0;
	send_tiny(order, N, &max_held, &max_count);
	is_str(got(), want, "10^4 tiny, shuffled in windows: exact stream");
	ok(max_count <= 2000 && max_count > 100, "10^4 tiny, shuffled: held up to %u", max_count);
	is_clean("tiny shuffled");

	/* Beyond the segment cap: 10^4 reversed. */
	setup(UINT32_MAX);
	for (k = 0; k < N; k++)
		order[k] = N - 1 - k;
	C.check_pattern = 1;
	max_held = 0;
	max_count = 0;
	send_tiny(order, N, &max_held, &max_count);
	ok(max_count <= REASM_OOO_SEGS_MAX, "10^4 reversed: held segments never over the cap (%u)", max_count);
	is_int(max_count, REASM_OOO_SEGS_MAX, "10^4 reversed: cap reached");
	ok(E.stats.cap_hits >= 1, "10^4 reversed: cap hit counted");
	ok(C.anom[ANOM_REASM_OOO_CAP] >= 1, "10^4 reversed: cap anomaly");
	ok(E.stats.gaps >= 1, "10^4 reversed: gap declared");
	is_int(C.pos, N, "10^4 reversed: data + gaps cover the stream");
	is_int(C.mismatches, 0, "10^4 reversed: every delivered byte at its place");
	flush();
	is_clean("tiny reversed");

	/* Global budget lowered: random order, never over env.held_max. */
	setup(UINT32_MAX - 10);
	E.held_max = 100;
	for (k = 0; k < N; k++)
		order[k] = k;
	for (k = N - 1; k > 0; k--) {
		uint32_t r = rnd() % (k + 1);

		t = order[k], order[k] = order[r], order[r] = t;
	}
	C.check_pattern = 1;
	max_held = 0;
	max_count = 0;
	send_tiny(order, N, &max_held, &max_count);
	ok(max_held <= 100, "budget 100, shuffled 10^4: held bytes never over (%zu)", max_held);
	ok(E.stats.cap_hits >= 1 && E.stats.gaps >= 1, "budget 100: caps forced gaps");
	is_int(C.mismatches, 0, "budget 100: every delivered byte at its place");
	flush();
	is_int(C.pos, N, "budget 100: data + gaps cover the stream after flush");
	is_int(C.data_bytes + C.gap_bytes, N, "budget 100: data + gap bytes");
	is_clean("tiny budget");

	/* Release instead of flush: the budget is returned. */
	setup(3);
	E.held_max = 100;
	for (k = 1; k < 60; k++)
		order[k - 1] = k;
	max_held = 0;
	send_tiny(order, 59, &max_held, &max_count);
	is_int(E.held_bytes, 59, "release: bytes held before");
	reasm_release(&D, &E);
	is_str(got(), "", "release: nothing delivered");
	is_clean("release");
}

static void test_byte_caps(void)
{
	static uint8_t blk[1000];
	uint32_t k, n = 300, max_bytes = 0;
	struct reasm_dir d2;

	/* Per-direction bytes: 300 x 1000 bytes reversed (the cap is 256 KiB). */
	setup(77);
	C.check_pattern = 1;
	C.count_only = 1;
	for (k = n; k-- > 0;) {
		uint32_t i;

		for (i = 0; i < sizeof blk; i++)
			blk[i] = pattern((uint64_t)k * sizeof blk + i);
		reasm_segment(&D, &E, &SINK, 1, BASE + k * (uint32_t)sizeof blk, blk, sizeof blk,
			      sizeof blk, 0, 0, 0);
		if (D.held_bytes > max_bytes)
			max_bytes = D.held_bytes;
	}
	ok(max_bytes <= REASM_OOO_FLOW_MAX, "per-direction bytes never over the cap (%u)", max_bytes);
	ok(max_bytes > REASM_OOO_FLOW_MAX - sizeof blk, "per-direction cap reached");
	ok(E.stats.cap_hits >= 1, "per-direction cap: counted");
	is_int(C.mismatches, 0, "per-direction cap: bytes at their place");
	is_int(C.pos, (uint64_t)n * sizeof blk, "per-direction cap: stream covered");
	is_clean("byte cap");

	/* Global budget shared by two directions. */
	setup(0);
	E.held_max = 1000;
	memset(&d2, 0, sizeof d2);
	reasm_syn(&d2, 0);
	seg(100, "x");
	memset(blk, 'y', sizeof blk);
	reasm_segment(&D, &E, &SINK, 1, BASE + 200, blk, 800, 800, 0, 0, 0);
	is_int(E.held_bytes, 801, "budget: first direction holds 801");
	reasm_segment(&d2, &E, &SINK, 1, 1 + 50, blk, 300, 300, 0, 0, 0);
	ok(E.held_bytes <= 1000, "budget: second direction cannot go over (%zu)", E.held_bytes);
	is_int(d2.held_bytes, 0, "budget: second direction gave up its hole");
	is_int(C.gap_bytes, 50, "budget: gap up to the new segment");
	is_int(d2.next, 350, "budget: the new segment delivered at once");
	reasm_release(&d2, &E);
	reasm_release(&D, &E);
	is_int(E.held_bytes, 0, "budget: back to 0 after release");
}

static void test_ts_and_null_sink(void)
{
	struct reasm_sink quiet = { NULL, NULL, NULL, NULL };

	setup(0);
	reasm_segment(&D, &E, &SINK, 1, BASE + 2, (const uint8_t *)"c", 1, 1, 0, 0, 111);
	reasm_segment(&D, &E, &SINK, 1, BASE, (const uint8_t *)"ab", 2, 2, 0, 0, 222);
	is_int(C.last_ts, 222, "drained data carries the ts of the call that drained it");

	setup(0);
	reasm_segment(&D, &E, &quiet, 1, BASE + 2, (const uint8_t *)"c", 1, 1, 0, 0, 0);
	reasm_flush(&D, &E, &quiet, 1, 0);
	ok(D.next == 3 && E.held_bytes == 0, "sink without callbacks: state still advances");
}

int main(void)
{
	test_in_order();
	test_reversed();
	test_permutations();
	test_permutations_overlapping();
	test_retransmission();
	test_overlap_delivered();
	test_overlap_held();
	test_gap_flush();
	test_rst_holes();
	test_ack_gap();
	test_wrap();
	test_long_stream();
	test_syn_data();
	test_fin();
	test_snaplen();
	test_midstream();
	test_out_of_window();
	test_tiny_many();
	test_byte_caps();
	test_ts_and_null_sink();
	return done_testing();
}
