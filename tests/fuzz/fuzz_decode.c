/* \summary: libFuzzer target for the packet decoder (analyzer/decode.c): link
 * layers, VLAN, IPv4/IPv6, extension headers, GRE/ERSPAN/VXLAN, IPv4
 * fragment reassembly.
 *
 * Input: byte 0 selects the link type (DLT table below; a few unsupported
 * values too), byte 1 steers timestamps and snaplen cuts, then frames
 * separated by FUZZ_SEP.  Every frame of an input goes through the same
 * decoder, so fragments of one datagram can come in several frames.  The
 * decoder is made once (decode_new() clears a 600 KB fragment table: 10x
 * slower per input) and emptied after each input by one empty frame stamped
 * past FRAG_TIMEOUT_US, which expires every held fragment: no state carries
 * over, a crash reproduces alone, and LeakSanitizer sees balanced mallocs.
 * Each frame is an exact-size malloc.  For every TCP result the struct pkt is checked: its
 * pointers lie inside the frame or the decoder's reassembly buffer, and the
 * lengths agree; every payload byte is read so ASan sees a bad pointer. */
#include <pcap/dlt.h>

#include "tests/fuzz/fuzz_common.h"
#include "analyzer/engine/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int dlts[] = {
	DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, DLT_NULL, DLT_LOOP, DLT_IPV4, DLT_IPV6,
	DLT_EN10MB, DLT_EN10MB, DLT_RAW, DLT_LINUX_SLL,   /* the common ones twice as often */
	101 /* LINKTYPE_RAW: libpcap maps it, decode may not */, 14, 9, 147,
};

static volatile uint8_t sink;

static void touch(const uint8_t *p, uint32_t n)
{
	uint8_t x = 0;
	uint32_t i;

	for (i = 0; i < n; i++)
		x ^= p[i];
	sink ^= x;
}

static int inside(const uint8_t *p, uint32_t n, const uint8_t *buf, uint32_t len)
{
	return p >= buf && p <= buf + len && n <= (uint32_t)(buf + len - p);
}

static void check_pkt(const struct pkt *k, const uint8_t *frame, uint32_t caplen)
{
	if (k->ip_version != 4 && k->ip_version != 6)
		fuzz_fail("ip_version %u", k->ip_version);
	if (k->payload_len > k->payload_wire_len)
		fuzz_fail("payload_len %u > payload_wire_len %u", k->payload_len, k->payload_wire_len);
	if (k->l3_len > k->l3_wire_len)
		fuzz_fail("l3_len %u > l3_wire_len %u", k->l3_len, k->l3_wire_len);
	if (k->payload_len && !k->payload)
		fuzz_fail("payload_len %u with a NULL payload", k->payload_len);
	if (!k->l3)
		fuzz_fail("TCP segment without l3");
	if (k->ip_version == 4 && (memcmp(k->src + 4, "\0\0\0\0\0\0\0\0\0\0\0\0", 12) ||
				   memcmp(k->dst + 4, "\0\0\0\0\0\0\0\0\0\0\0\0", 12)))
		fuzz_fail("IPv4 address with non-zero tail");
	/* From the frame, or (reassembled) from the decoder: ASan checks the latter. */
	if (inside(k->l3, k->l3_len, frame, caplen) &&
	    k->payload_len && !inside(k->payload, k->payload_len, frame, caplen))
		fuzz_fail("payload outside the frame while l3 is inside");
	if (k->payload && k->payload_len && k->payload < k->l3)
		fuzz_fail("payload before the IP header");
	touch(k->l3, k->l3_len);
	if (k->payload)
		touch(k->payload, k->payload_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p, *end = data + size, *chunk;
	static struct decoder *d;
	struct pkt k;
	enum decode_result r;
	uint64_t ts = 1700000000ull * 1000000ull, max_ts = ts, sum = 0, before[DECODE__COUNT];
	const uint64_t *counts;
	uint8_t *frame, ctl;
	size_t n;
	uint32_t wire, frames = 0, tcp = 0;
	uint64_t before_reasm;
	int dlt, i;

	if (size < 2)
		return 0;
	dlt = dlts[data[0] % (sizeof dlts / sizeof dlts[0])];
	ctl = data[1];
	p = data + 2;
	if (!d && !(d = decode_new()))
		abort();
	memcpy(before, decode_counts(d), sizeof before);
	before_reasm = decode_frag_reassembled(d);
	if (decode_linktype_supported(dlt) != 0 && decode_linktype_supported(dlt) != 1)
		fuzz_fail("decode_linktype_supported is not 0/1");
	while (fuzz_next_chunk(&p, end, &chunk, &n)) {
		if (n > CAPTURE_SNAPLEN_MAX)
			n = CAPTURE_SNAPLEN_MAX;
		frame = fuzz_copy(chunk, n);
		/* bit 0: frames were cut by a snaplen (the wire length is longer) */
		wire = (uint32_t)n + ((ctl & 1) ? (uint32_t)(frames * 37 % 1500) : 0);
		memset(&k, 0xa5, sizeof k);
		r = decode_frame(d, dlt, frame, (uint32_t)n, wire, ts, &k);
		if ((unsigned)r >= DECODE__COUNT)
			fuzz_fail("decode_frame returned %d", (int)r);
		if (!decode_result_name(r))
			fuzz_fail("no name for result %d", (int)r);
		if (r == DECODE_TCP) {
			check_pkt(&k, frame, (uint32_t)n);
			tcp++;
		}
		free(frame);
		frames++;
		/* bits 1-2: time between frames; 3 = past FRAG_TIMEOUT_US, so held
		 * fragments time out */
		switch ((ctl >> 1) & 3) {
		case 0: ts += 1; break;
		case 1: ts += 1000; break;
		case 2: ts += frames & 1 ? FRAG_TIMEOUT_US + 1 : 10; break;
		default: ts -= 5; break; /* time going backwards */
		}
		if (ts > max_ts)
			max_ts = ts;
	}
	counts = decode_counts(d);
	for (i = 0; i < DECODE__COUNT; i++)
		sum += counts[i] - before[i];
	/* each frame is counted once; expired fragments add FRAG_DROPPED counts */
	if (sum < frames || counts[DECODE_TCP] - before[DECODE_TCP] != tcp)
		fuzz_fail("%u frames (%u TCP) decoded but the counters say %llu (%llu TCP)", frames, tcp,
			  (unsigned long long)sum, (unsigned long long)(counts[DECODE_TCP] - before[DECODE_TCP]));
	if (decode_frag_reassembled(d) - before_reasm > frames)
		fuzz_fail("more datagrams reassembled than frames");
	/* empty the fragment table for the next input */
	decode_frame(d, DLT_EN10MB, NULL, 0, 0, max_ts + FRAG_TIMEOUT_US + 1, &k);
	return 0;
}
