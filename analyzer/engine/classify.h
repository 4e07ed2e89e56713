/* \summary: flow classification by nDPI 4.2 (the only file that includes nDPI).
 *
 * One struct classifier is one nDPI detection module: one per thread, created
 * serially at start-up (nDPI's rule).  A flow's nDPI state (about 700 bytes)
 * exists only while it is being classified: classify_packet() frees it as
 * soon as nDPI names the flow, gives up, or NDPI_PACKETS_MAX packets were
 * fed; classify_done() frees it at flow end.  We never take protocol fields
 * from nDPI: our own parser on reassembled bytes is authoritative (nDPI sees
 * single packets and misses a split banner).  nDPI only sees the flows our
 * probe has not decided (flow.c): an SMTP connection whose first bytes are
 * a banner or a command never reaches it (classify_flow_name() then gives
 * nDPI's port-based guess). */
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
	uint8_t dpi;                   /* proto was named at NDPI_CONFIDENCE_DPI (not by port) */
};

/* What a protocol nDPI names means for SMTP detection (analyzer/engine/probe.c). */
enum classify_family {
	CLASSIFY_F_NONE,   /* no evidence either way (unknown, TLS, tunnels, exotic labels) */
	CLASSIFY_F_SMTP,   /* SMTP, SMTPS */
	CLASSIFY_F_FTP,    /* FTP_CONTROL, FTP_DATA */
	CLASSIFY_F_POP3,   /* POP3, POPS */
	CLASSIFY_F_IMAP,   /* IMAP, IMAPS */
	CLASSIFY_F_NNTP,   /* Usenet */
	CLASSIFY_F_HTTP,   /* HTTP (a CONNECT tunnel may follow) */
	CLASSIFY_F_OTHER,  /* clear non-mail protocols: SSH, DNS, Telnet, IRC, RDP, VNC, MySQL, ... */
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

/* Our own probe decided the flow first: nDPI is not asked any more (no
 * giveup guess), its state is freed; what it had named stays.  Idempotent. */
void classify_release(struct classifier *c, struct classify_state *st);

/* The name stored as sessions.ndpi_protocol: nDPI's name when it named the
 * flow or gave up on it, else (it never saw a packet: our probe was first)
 * nDPI's guess from the TCP ports and IPv4 addresses (host byte order, 0
 * for IPv6), which costs no packet inspection.  A static string. */
const char *classify_flow_name(struct classifier *c, const struct classify_state *st, uint32_t shost,
			       uint16_t sport, uint32_t dhost, uint16_t dport);

/* Flows skipped because CLASSIFY_FLOWS_MAX flows were being classified. */
uint64_t classify_skipped(const struct classifier *c);

/* nDPI's static name for a protocol id ("SMTP", "SMTPS", "Unknown"). */
const char *classify_name(struct classifier *c, uint16_t proto);

/* 1 when proto is SMTP or SMTPS. */
int classify_is_smtp(uint16_t proto);

/* The family of proto (enum classify_family).  TLS is CLASSIFY_F_NONE: a
 * client may send a ClientHello to a server that answers with a plaintext
 * banner; the exotic binary labels nDPI 4.2 gives line-oriented text (MQTT,
 * Cassandra) are too. */
int classify_family(uint16_t proto);

/* Bytes nDPI itself accounts for (its modules and flows). */
uint64_t classify_memory(void);

#endif
