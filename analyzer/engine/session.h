/* \summary: the finished session record: what the packet engine hands on
 * when an SMTP session ends, and all that storage ever sees of it.
 *
 * The flow table fills the meta (addresses, ports, times, nDPI's name),
 * takes the dissector's record out of the parser (smtp_take_record()) and
 * frees the parser state, so a struct session carries no parser and no
 * pointer into a worker's flow table: it can cross threads (the session
 * queue) and outlive the capture thread that made it. */
#ifndef SMTPSCOPE_SESSION_H
#define SMTPSCOPE_SESSION_H

#include <stdint.h>

#include "dissectors/smtp.h"

/* Everything the flow layer knows of a session besides the SMTP record. */
struct session_meta {
	int64_t capture_id;                  /* filled by the writer (0 from the engine) */
	char client_ip[46], server_ip[46];   /* inet_ntop form */
	uint16_t client_port, server_port;
	uint16_t vlan;                       /* innermost 802.1Q id, 0 when untagged */
	uint64_t first_ts, last_ts;          /* microseconds */
	const char *ndpi_protocol;           /* static string (nDPI's table), or NULL */
	int midstream;                       /* no SYN was seen */
	const char *evidence;                /* probe.h: "confirmed", "greeting_only", "client_only";
	                                        static, NULL when unknown */
	const char *tunnel;                  /* "proxy_v1", "http_connect", ...; static, NULL: none */
	char tunnel_target[264];             /* CONNECT/SOCKS target or PROXY destination, "" none */
	char proxied_client_ip[46];          /* PROXY source address (the real client), "" none */
	uint16_t proxied_client_port;
};

struct session {
	struct session *next;       /* link of whoever holds it (the session queue) */
	struct session_meta meta;
	struct smtp_record *rec;    /* owned (smtp_record_free) */
};

/* Frees s and its record.  session_free(NULL) is a no-op. */
void session_free(struct session *s);

#endif
