/* \summary: the flow table: TCP connections keyed by addresses, ports and
 * VLAN; direction (client/server); per-direction reassembly; nDPI; the SMTP
 * dissector; idle timeouts, eviction and the end-of-capture flush.
 *
 * Data moves only forward: flow_packet() takes a decoded struct pkt, feeds
 * nDPI while the flow is being classified, feeds the two reassemblers, and
 * routes the in-order bytes to the flow's SMTP session.  Every session that
 * ends (FIN, RST, idle timeout, eviction, end of capture) is handed to the
 * session_end callback exactly once, then freed.
 *
 * Which flows are SMTP: analyzer/engine/probe.c decides by evidence from both
 * directions (probe.h) and strips tunnel preludes (PROXY, HTTP CONNECT,
 * SOCKS).  Meanwhile an SMTP session is started on the first SMTP-looking
 * chunk (a reply line such as "220 " from the server, or a known command from
 * the client: smtp_probe()), or when nDPI names the flow SMTP, and parses as
 * usual: it is the bounded buffer that holds the greeting until the verdict.
 * A flow the probe rejects, or that shows nothing SMTP-like within
 * PROBE_PAYLOAD_MAX chunks per direction, is given up (counted per reason,
 * never stored) and costs one hash lookup per packet from then on.  So SMTP
 * is found on any port, inside tunnels, or from the middle of a connection. */
#ifndef SMTPSCOPE_FLOW_H
#define SMTPSCOPE_FLOW_H

#include <stdint.h>

#include "analyzer/engine/decode.h"
#include "analyzer/engine/probe.h"
#include "analyzer/engine/reasm.h"
#include "analyzer/engine/session.h"
#include "dissectors/smtp.h"

struct classifier;
struct flow_table;

struct flow_config {
	uint32_t max_flows;        /* FLOW_TABLE_DEFAULT */
	uint64_t timeout_est_us;   /* FLOW_TIMEOUT_EST_US */
	uint64_t timeout_half_us;  /* FLOW_TIMEOUT_HALF_US */
};

struct flow_stats {
	uint64_t flows;            /* flows created */
	uint64_t active, peak;     /* flows in the table now, and at most */
	uint64_t smtp_flows;       /* flows that became SMTP sessions */
	uint64_t not_smtp;         /* flows given up as not SMTP */
	uint64_t not_smtp_reason[PROBE_R__COUNT]; /* ... per reason (probe.h) */
	uint64_t dropped_speculative; /* SMTP sessions started on a hint that never parsed */
	uint64_t evicted;          /* written early because the table was full */
	uint64_t timed_out;        /* ended by the idle timeout */
	uint64_t port_reuse;       /* a new SYN on an old 5-tuple */
	uint64_t midstream;        /* SMTP sessions picked up without a handshake */
	uint64_t one_sided;        /* SMTP sessions with bytes in one direction only */
	uint64_t stray;            /* packets of no flow that start none (ACK, RST, FIN) */
	uint64_t lost_nomem;       /* ended sessions lost: no memory for the finished record */
	uint64_t parser_failed;    /* SMTP sessions whose parser ran out of memory (stored, with an anomaly) */
};

/* Called once per ended SMTP session with its finished record: the callback
 * owns s from then on (session_free() it, e.g. after a writer stored it).
 * s->meta.capture_id is left 0 for the writer to fill. */
typedef void (*session_end_fn)(void *ctx, struct session *s);

void flow_config_default(struct flow_config *cfg);

/* cls is borrowed (one per thread). NULL when out of memory. */
struct flow_table *flow_table_new(const struct flow_config *cfg, struct classifier *cls,
				  session_end_fn on_end, void *ctx);
void flow_table_free(struct flow_table *t);      /* frees without writing; NULL is a no-op */

void flow_packet(struct flow_table *t, const struct pkt *p);

/* Ends flows idle for longer than their timeout at capture time now (µs). */
void flow_expire(struct flow_table *t, uint64_t now);

/* Ends every open flow (end of capture, signal): sessions get how. */
void flow_flush_all(struct flow_table *t, enum smtp_end how);

const struct flow_stats *flow_get_stats(const struct flow_table *t);
const struct reasm_stats *flow_reasm_stats(const struct flow_table *t);
uint64_t flow_memory(const struct flow_table *t);  /* bytes held by flows, buckets and segments */

#endif
