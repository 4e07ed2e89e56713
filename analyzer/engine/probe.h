/* \summary: is this TCP flow SMTP?  Evidence from both directions, counter-
 * evidence for FTP, POP3, IMAP, NNTP and other protocols, nDPI's labels, and
 * the tunnel preludes (PROXY v1/v2, HTTP CONNECT, SOCKS) in front of it.
 *
 * The flow layer hands the probe each direction's in-order bytes before they
 * go anywhere else (probe_feed); the probe says how many leading bytes are a
 * tunnel prelude (skipped), reads the first lines of the inner streams and
 * keeps a verdict:
 *
 *   confirmed      a client SMTP-only command (EHLO, HELO, LHLO, MAIL FROM,
 *                  RCPT TO, DATA, BDAT, STARTTLS, VRFY, EXPN, AUTH <SASL>)
 *                  answered the SMTP way (250/251/252, 354, 334/235, 220 to
 *                  STARTTLS, or any reply with an RFC 3463 enhanced code);
 *                  the reply may come before the greeting (early talkers);
 *                  or QUIT, RSET, NOOP, HELP answered with an RFC 3463 code (a
 *                  capture that began in the middle of a session).
 *   greeting_only  no exchange was seen but the server's 220 greeting says
 *                  SMTP itself (a word containing "SMTP", or "mail"), and no
 *                  FTP word; or the server sent a multi-line 250 reply with
 *                  SMTP extension keywords (a capture of one direction).
 *   client_only    the server never spoke in the capture and the client sent
 *                  at least two SMTP-only commands (a one-sided capture).
 *   not SMTP       counter-evidence (a reason below), or none of the above
 *                  when the flow ended or PROBE_LINES_MAX lines were read.
 *
 * Counter-evidence ends the hypothesis at once while the flow is not yet
 * confirmed: server lines SMTP never sends (1xx, FTP-only codes 331 230 215
 * 227 ..., 200/201 greetings of NNTP, +OK/-ERR of POP3, "* OK" of IMAP,
 * "SSH-", "HTTP/"), client commands of the other protocols (USER, PASS,
 * SYST, FEAT, PASV, AUTH TLS, CAPA, UIDL, tagged IMAP commands, MODE READER,
 * AUTHINFO, GROUP ...), and nDPI's labels at DPI confidence for FTP_CONTROL,
 * POP3, IMAP, NNTP and clear non-mail protocols (never a port guess; HTTP
 * labels are ignored while a CONNECT tunnel is being opened).  After a
 * confirmation nothing reclassifies the flow.
 *
 * Memory: a small struct per flow that carries data, freed with the flow; a
 * line split across chunks is kept in a PROBE_LINE_KEEP buffer per direction
 * and the tunnel parser's state exists only while a prelude is read. */
#ifndef SMTPSCOPE_PROBE_H
#define SMTPSCOPE_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "dissectors/tunnel.h"

#define PROBE_EVIDENCE(X) \
	X(NONE,          "none")          \
	X(CONFIRMED,     "confirmed")     \
	X(GREETING_ONLY, "greeting_only") \
	X(CLIENT_ONLY,   "client_only")

enum probe_evidence {
#define X(c, n) PROBE_EV_##c,
	PROBE_EVIDENCE(X)
#undef X
};

/* Why a flow was given up (capture counters not_smtp_<name>). */
#define PROBE_REASONS(X) \
	X(NONE,          "none")          /* not given up */ \
	X(NO_SMTP_START, "no_smtp_start") /* nothing SMTP-like in the first chunks */ \
	X(FTP,           "ftp")           /* FTP commands, replies or banner */ \
	X(POP3,          "pop3")          \
	X(IMAP,          "imap")          \
	X(NNTP,          "nntp")          \
	X(OTHER,         "other_protocol") /* SSH, HTTP, ... greeting or commands */ \
	X(NDPI,          "ndpi_label")    /* nDPI named another protocol (DPI confidence) */ \
	X(BANNER_ONLY,   "banner_only")   /* a greeting that does not say SMTP, no exchange */ \
	X(UNCONFIRMED,   "unconfirmed")   /* both sides talked, no SMTP exchange */ \
	X(TUNNEL_FAILED, "tunnel_failed") /* CONNECT / SOCKS refused or malformed, nothing after */

enum probe_reason {
#define X(c, n) PROBE_R_##c,
	PROBE_REASONS(X)
#undef X
	PROBE_R__COUNT
};

enum probe_verdict { PROBE_UNDECIDED, PROBE_SMTP, PROBE_NOT_SMTP };

struct probe;

struct probe *probe_new(void);      /* NULL when out of memory */
void probe_free(struct probe *pr);  /* NULL is a no-op */

/* n in-order bytes from the client (from_client 1) or the server (0).
 * Returns how many leading bytes of p are a tunnel prelude. */
size_t probe_feed(struct probe *pr, int from_client, const uint8_t *p, size_t n);

/* Bytes of one direction were not captured: a line cut by the hole is
 * judged on what arrived, and the bytes up to the next line end are dropped. */
void probe_gap(struct probe *pr, int from_client);

/* nDPI named the flow; dpi: at NDPI_CONFIDENCE_DPI (else it is ignored).
 * family: classify_family() of the protocol nDPI named. */
void probe_ndpi(struct probe *pr, int family, int dpi);

/* The verdict so far; PROBE_NOT_SMTP sets *reason. */
enum probe_verdict probe_verdict(const struct probe *pr, enum probe_reason *reason);

/* The flow ended (or gave up) undecided: the final rule.  server_spoke: the
 * server sent bytes.  Returns the final verdict. */
enum probe_verdict probe_finish(struct probe *pr, int server_spoke, enum probe_reason *reason);

enum probe_evidence probe_evidence_of(const struct probe *pr);
const struct tunnel_info *probe_tunnel(const struct probe *pr);

const char *probe_evidence_name(enum probe_evidence e);
const char *probe_reason_name(enum probe_reason r);

#endif
