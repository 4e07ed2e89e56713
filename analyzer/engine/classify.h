/* \summary: flow classification by nDPI 4.2 (the only file that includes nDPI).
 *
 * One struct classifier is one nDPI detection module: one per thread, created
 * serially at start-up (nDPI's rule).  A flow's nDPI state (about 700 bytes)
 * exists only while it is being classified: classify_packet() frees it as
 * soon as nDPI names the flow, gives up, or NDPI_PACKETS_MAX packets were
 * fed; classify_done() frees it at flow end.  We never take protocol fields
 * from nDPI: our own parser on reassembled bytes is authoritative (nDPI sees
 * single packets and misses a split banner). */
#ifndef SMTPSCOPE_CLASSIFY_H
#define SMTPSCOPE_CLASSIFY_H

#include <stdint.h>

struct classifier;
struct ndpi_flow_struct;

/* Per-flow classification state, embedded in struct flow. */
struct classify_state {
	struct ndpi_flow_struct *ndpi; /* owned while classifying, else NULL */
	uint16_t proto;                /* nDPI app (or master) protocol id, 0 = unknown */
	uint8_t packets;               /* packets fed */
	uint8_t done;                  /* decided: no more packets are fed */
	uint8_t after_smtp;            /* packets fed since our parser recognised SMTP */
};

struct classifier *classify_new(void);          /* NULL on failure */
void classify_free(struct classifier *c);       /* classify_free(NULL) is a no-op */

/* Feeds one IP packet (l3 points at the IP header, len captured bytes) of a
 * flow still being classified.  Returns the protocol id when decided, else 0. */
uint16_t classify_packet(struct classifier *c, struct classify_state *st, const uint8_t *l3,
			 uint32_t len, uint64_t ts_us);

/* Ends classification (flow end or enough packets): asks nDPI for its best
 * guess if nothing was decided, frees the nDPI state. Idempotent. */
void classify_done(struct classifier *c, struct classify_state *st);

/* Flows skipped because CLASSIFY_FLOWS_MAX flows were being classified. */
uint64_t classify_skipped(const struct classifier *c);

/* nDPI's static name for a protocol id ("SMTP", "SMTPS", "Unknown"). */
const char *classify_name(struct classifier *c, uint16_t proto);

/* 1 when proto is SMTP or SMTPS. */
int classify_is_smtp(uint16_t proto);

/* 1 when proto is a protocol that cannot turn into SMTP later on the same
 * connection (HTTP, DNS, SSH, ...): probing stops.  TLS is not among them: a
 * client may send a ClientHello to a server that answers with a plaintext banner. */
int classify_rules_out_smtp(uint16_t proto);

/* Bytes nDPI itself accounts for (its modules and flows). */
uint64_t classify_memory(void);

#endif
