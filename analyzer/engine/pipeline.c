/* \summary: decoder -> flows -> sessions, for one capture thread; see pipeline.h. */
#include "analyzer/engine/pipeline.h"

#include <stdio.h>
#include "analyzer/engine/classify.h"

#include <malloc.h>
#include <string.h>

int pipeline_init(struct pipeline *pl, const struct flow_config *cfg, session_end_fn on_end, void *ctx)
{
	memset(pl, 0, sizeof *pl);
	pl->dec = decode_new();
	pl->cls = classify_new();
	if (pl->dec && pl->cls)
		pl->flows = flow_table_new(cfg, pl->cls, on_end, ctx);
	if (!pl->flows) {
		pipeline_fini(pl);
		return -1;
	}
	return 0;
}

void pipeline_fini(struct pipeline *pl)
{
	flow_table_free(pl->flows);
	classify_free(pl->cls);
	decode_free(pl->dec);
	memset(pl, 0, sizeof *pl);
}

const struct pkt *pipeline_frame(struct pipeline *pl, uint64_t ts, const uint8_t *frame, uint32_t caplen,
				 uint32_t wirelen)
{
	pl->packets++;
	pl->bytes += caplen;
	if (!pl->first_ts)
		pl->first_ts = ts;
	if (ts < pl->last_ts)
		pl->ts_backwards++;
	else
		pl->last_ts = ts;
	if (decode_frame(pl->dec, pl->dlt, frame, caplen, wirelen, ts, &pl->pkt) != DECODE_TCP)
		return NULL;
	flow_packet(pl->flows, &pl->pkt);
	return &pl->pkt;
}

void pipeline_expire(struct pipeline *pl, uint64_t now)
{
	flow_expire(pl->flows, now);
}

/* Flows ended together at the end of a capture (10^6 open flows: ~1 GB)
 * leave their memory free in this thread's malloc arena, where no other
 * thread allocates: it is given back, so the storing and the analysis that
 * follow (other threads, other arenas) do not add to the peak. */
#define FLUSH_TRIM_FLOWS 4096

void pipeline_flush(struct pipeline *pl, enum smtp_end how)
{
	uint64_t open = flow_get_stats(pl->flows)->active;

	flow_flush_all(pl->flows, how);
	if (open >= FLUSH_TRIM_FLOWS)
		malloc_trim(0);
}

void pipeline_counters(const struct pipeline *pl, void (*put)(void *ctx, const char *name, uint64_t v), void *ctx)
{
	const uint64_t *dc = decode_counts(pl->dec);
	const struct flow_stats *fs = flow_get_stats(pl->flows);
	const struct reasm_stats *rs = flow_reasm_stats(pl->flows);
	int i;

	for (i = 0; i < DECODE__COUNT; i++)
		if (i != DECODE_TCP)
			put(ctx, decode_result_name((enum decode_result)i), dc[i]);
	put(ctx, "tcp_segments", dc[DECODE_TCP]);
	put(ctx, "fragments_reassembled", decode_frag_reassembled(pl->dec));
	put(ctx, "timestamps_backwards", pl->ts_backwards);
	put(ctx, "flows", fs->flows);
	put(ctx, "flows_peak", fs->peak);
	put(ctx, "smtp_flows", fs->smtp_flows);
	put(ctx, "not_smtp_flows", fs->not_smtp);
	for (i = PROBE_R_NONE + 1; i < PROBE_R__COUNT; i++) {
		char name[48];
		snprintf(name, sizeof name, "not_smtp_%s", probe_reason_name((enum probe_reason)i));
		put(ctx, name, fs->not_smtp_reason[i]);
	}
	put(ctx, "speculative_dropped", fs->dropped_speculative);
	put(ctx, "evicted_flows", fs->evicted);
	put(ctx, "timed_out_flows", fs->timed_out);
	put(ctx, "port_reuse", fs->port_reuse);
	put(ctx, "midstream_sessions", fs->midstream);
	put(ctx, "one_sided_sessions", fs->one_sided);
	put(ctx, "stray_packets", fs->stray);
	put(ctx, "sessions_lost_nomem", fs->lost_nomem);
	put(ctx, "sessions_parser_failed", fs->parser_failed);
	put(ctx, "ndpi_skipped", classify_skipped(pl->cls));
	put(ctx, "segments", rs->segments);
	put(ctx, "in_order_segments", rs->in_order);
	put(ctx, "ooo_segments", rs->ooo_segments);
	put(ctx, "retransmissions", rs->retransmissions);
	put(ctx, "overlaps", rs->overlaps);
	put(ctx, "overlaps_diff", rs->overlaps_diff);
	put(ctx, "gaps", rs->gaps);
	put(ctx, "gap_bytes", rs->gap_bytes);
	put(ctx, "reasm_cap_hits", rs->cap_hits);
	put(ctx, "out_of_window", rs->out_of_window);
}
