/* \summary: libFuzzer target for the SMTP evidence probe and the tunnel
 * preludes (analyzer/engine/probe.c, dissectors/tunnel.c).
 *
 * Input: one control byte, then chunks separated by FUZZ_SEP.  Chunks
 * alternate direction; bit 0 of the control byte: the server speaks first;
 * bits 1-3: every Nth chunk is followed by a gap in its direction (0 never);
 * bit 4: an nDPI label (family from bits 5-7) arrives after the first chunk,
 * at DPI confidence.  Every chunk is an exact-size malloc, so ASan catches a
 * one-byte over-read.  Invariants: a prelude skip never exceeds the bytes
 * fed, the verdict never goes back to undecided, a rejection has a reason,
 * the final verdict is decided, the tunnel strings are NUL-terminated. */
#include "tests/fuzz/fuzz_common.h"

#include "analyzer/engine/classify.h"
#include "analyzer/engine/probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p, *end = data + size, *chunk;
	size_t len;
	uint8_t ctl;
	int dir, k = 0, every, was = PROBE_UNDECIDED;
	struct probe *pr;
	enum probe_reason why = PROBE_R_NONE;
	const struct tunnel_info *ti;

	if (size < 1)
		return 0;
	ctl = data[0];
	p = data + 1;
	dir = !(ctl & 1); /* from_client: 1 = the client first */
	every = (ctl >> 1) & 7;
	if (!(pr = probe_new()))
		return 0;
	while (fuzz_next_chunk(&p, end, &chunk, &len)) {
		uint8_t *c = fuzz_copy(chunk, len);
		size_t skip = probe_feed(pr, dir, c, len);
		enum probe_verdict v;

		free(c);
		if (skip > len)
			fuzz_fail("skipped %zu of %zu bytes", skip, len);
		v = probe_verdict(pr, &why);
		if (was != PROBE_UNDECIDED && (int)v != was)
			fuzz_fail("verdict %d changed to %d", was, v);
		if (v == PROBE_NOT_SMTP && (why == PROBE_R_NONE || why >= PROBE_R__COUNT))
			fuzz_fail("rejected without a reason (%d)", why);
		was = v;
		if (++k == 1 && (ctl & 0x10))
			probe_ndpi(pr, (ctl >> 5) & 7, 1);
		if (every && k % every == 0)
			probe_gap(pr, dir);
		dir = !dir;
	}
	if (probe_finish(pr, 1, &why) == PROBE_UNDECIDED)
		fuzz_fail("undecided after probe_finish");
	ti = probe_tunnel(pr);
	if (strnlen(ti->target, sizeof ti->target) == sizeof ti->target ||
	    strnlen(ti->proxied_ip, sizeof ti->proxied_ip) == sizeof ti->proxied_ip)
		fuzz_fail("tunnel strings not terminated");
	probe_free(pr);
	return 0;
}
