/* \summary: SMTP push parser (RFC 5321; 1869/1870 EHLO and SIZE; 2920 PIPELINING;
 * 3030 CHUNKING/BDAT; 3207 STARTTLS; 3463 enhanced status codes; 3464 DSN;
 * 4954 AUTH; Microsoft X-EXPS, XEXCH50, X-LINK2STATE).
 *
 * The parser never sees pcap or TCP.  The flow layer hands it each direction's
 * reassembled bytes, in capture time order, through smtp_feed(); missing bytes
 * through smtp_gap(); the end of the connection through smtp_finish().  The
 * result is the same however the bytes are split across calls.
 *
 * Everything the session learnt is kept in a struct smtp_record that the
 * session owns, bounded by the caps of analyzer/limits.h.  Credentials (AUTH
 * and X-EXPS payloads) and message bodies are never kept: only their lengths.
 *
 * Return values: 0 on success, -1 only on out-of-memory or an internal bug.
 * After -1 the session is dead and stays dead: every later call returns -1
 * and does nothing (llhttp's sticky errors).  Protocol violations are not
 * errors: they add an anomaly to the record and parsing carries on. */
#ifndef SMTPSCOPE_SMTP_H
#define SMTPSCOPE_SMTP_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer/base/anomaly.h"

struct tls_info;

enum smtp_dir { SMTP_C2S = 0, SMTP_S2C = 1 };

/* Why the connection ended, as the flow layer saw it. */
enum smtp_end {
	SMTP_END_FIN,      /* orderly close (FIN) */
	SMTP_END_RST,      /* reset */
	SMTP_END_TIMEOUT,  /* idle timeout */
	SMTP_END_EVICTED,  /* flow table full, written early */
	SMTP_END_CAPTURE,  /* the capture ended (end of file, signal, --duration) */
};

#define SMTP_OUTCOMES(X) \
	X(UNKNOWN,   "unknown")   /* not decided yet (session still open) */ \
	X(COMPLETED, "completed") /* a mail transaction finished, or QUIT after a clean exchange */ \
	X(ABORTED,   "aborted")   /* quit or closed after greeting/EHLO without a mail transaction */ \
	X(REJECTED,  "rejected")  /* 4xx/5xx greeting or HELO/EHLO reply */ \
	X(TLS,       "tls")       /* STARTTLS accepted: the rest is encrypted */ \
	X(RESET,     "reset")     /* RST during a transaction */ \
	X(TRUNCATED, "truncated") /* capture ended, timed out, or a gap prevented parsing */

enum smtp_outcome {
#define X(c, n) SMTP_OUTCOME_##c,
	SMTP_OUTCOMES(X)
#undef X
};
const char *smtp_outcome_name(enum smtp_outcome o);

/* All strings below (but software) are NUL-terminated, owned by the record (malloc), at most
 * SMTP_FIELD_MAX bytes, and may hold any byte but NUL that came off the wire:
 * escape them on output.  NULL means "not seen". Timestamps are microseconds
 * since the epoch, capture time. */

struct smtp_command {
	uint64_t ts;
	char *verb;       /* upper-cased as sent ("EHLO", "MAIL", "X-EXPS"); a line that is
	                     no command keeps its first word here, flagged by known=0 */
	char *arg;        /* the rest of the line; AUTH/X-EXPS: mechanism only, the initial
	                     response replaced by "[redacted N bytes]" */
	int known;        /* 1 when verb is in smtp_cmds.def */
};

struct smtp_reply {
	uint64_t ts;
	int code;         /* 100..599 */
	char *enhanced;   /* RFC 3463 "x.y.z" of the last line, or NULL */
	char *text;       /* every line's text after "NNN-"/"NNN ", joined with '\n';
	                     334 challenges are replaced by "[redacted N bytes]" */
	int lines;        /* number of lines in the reply */
};

struct smtp_extension {
	char *keyword;    /* upper-case, as advertised: "X-EXPS" for "X-EXPS=LOGIN" too */
	char *params;     /* the rest, "GSSAPI NTLM LOGIN", "LOGIN" for "X-EXPS=LOGIN",
	                     "10240000" for SIZE; NULL when none */
};

struct smtp_recipient {
	char *address;    /* inside <...> when present, else the whole argument */
	int code;         /* reply code, 0 when no reply was seen */
	char *enhanced;   /* RFC 3463 code of the reply, or NULL */
};

/* One per-recipient block of a delivery-status report (RFC 3464), or one
 * recipient named by an Exchange-style NDR text with its <host #x.y.z> marker. */
struct smtp_dsn_recipient {
	char *final_recipient;  /* address part of Final-Recipient (type stripped) */
	char *action;           /* failed, delayed, delivered, relayed, expanded */
	char *status;           /* "4.4.7" */
	char *reporting_mta;    /* name part of Reporting-MTA, or the host of <host #x.y.z> */
	char *diagnostic;       /* Diagnostic-Code, or the NDR sentence ("Could not deliver ...") */
};

struct smtp_mail {
	uint64_t ts;            /* time of MAIL FROM */
	char *mail_from;        /* reverse path inside <>: "" for the null path <> */
	char *params;           /* MAIL parameters as sent: "SIZE=4358 BODY=8BITMIME" */
	uint64_t size_param;    /* SIZE= value, 0 when absent */
	char *body_type;        /* BODY= value */
	char *ret;              /* RET= value */
	char *envid;            /* ENVID= value */
	char *auth;             /* AUTH= value */
	int mail_code;          /* reply to MAIL FROM */
	struct smtp_recipient *rcpts; /* owned array, n_rcpts long */
	int n_rcpts;            /* stored (at most SMTP_RCPT_MAX) */
	int rcpt_count;         /* RCPT commands seen, stored or not */
	int accepted;           /* RCPTs answered 2xx */
	int data_code;          /* 354 to DATA, or 0; for BDAT the last chunk's reply */
	int final_code;         /* reply after the end of data ('.' or BDAT LAST), 0 if none */
	char *final_enhanced;
	int bdat;               /* the body came by BDAT chunks */
	int bdat_chunks;
	int completed;          /* the body ended ('.' or BDAT LAST) */
	uint64_t size;          /* message bytes after dot-unstuffing (or BDAT bytes) */
	char *hdr_from, *hdr_to, *subject, *date, *message_id, *content_type;
	int is_dsn;             /* multipart/report;report-type=delivery-status, or NDR wording */
	struct smtp_dsn_recipient *dsn; /* owned array, n_dsn long */
	int n_dsn;
};

struct smtp_anomaly {
	uint64_t ts;
	enum anomaly_kind kind;
	char *detail;           /* short context (cut, escaped on output), or NULL */
};

struct smtp_record {
	/* Laid out without holes, flags as bytes: an open flow's parser holds
	 * one, and a mirror port holds many idle sessions at once. */
	/* greeting (first server reply) */
	char *banner_text;      /* all of the banner's text lines, joined with '\n' */
	char *banner_host;      /* first word of the banner */
	const char *software;   /* "Exchange 2000", "Postfix", ... or NULL when unknown: a static
	                           name from software.c's table, not owned */
	char *software_version; /* "5.0.2195.1600", "8.15.2", ... or NULL */
	int banner_code;        /* 0 when the banner was not seen (mid-stream pickup) */
	/* HELO/EHLO (the first one; later ones are in commands) */
	int helo_code;          /* reply to it */
	char *helo_verb;        /* "EHLO" or "HELO" */
	char *helo_arg;
	char *greeting_host;    /* first word of the HELO/EHLO reply's first line */
	char *ehlo_first_line;  /* that whole first line */
	struct smtp_extension *ext; /* owned array */
	char *xexps_mechanisms; /* X-EXPS's mechanisms, space separated */
	char *auth_mechanisms;  /* AUTH mechanisms advertised, space separated */
	int n_ext;
	/* STARTTLS, AUTH, X-EXPS */
	int starttls_code;      /* reply to STARTTLS, 0 when not tried */
	char *auth_mechanism;   /* mechanism of the first AUTH or X-EXPS exchange */
	uint64_t auth_payload_bytes; /* client payload bytes (never stored) */
	int auth_code;          /* its final reply (235, 535, ...) */
	int auth_round_trips;   /* 334 challenges in it */
	uint8_t xexps_advertised; /* X-EXPS in the EHLO reply */
	uint8_t starttls;       /* 1 when STARTTLS was answered 220 */
	uint8_t xexps_used;     /* the client ran an X-EXPS exchange */
	uint8_t pipelined;      /* commands were sent before the reply to the previous one */
	uint8_t bdat;           /* BDAT was used */
	uint8_t quit;           /* QUIT was sent */
	uint8_t saw_smtp;       /* the bytes looked like SMTP (a reply or command parsed) */
	uint8_t tls_plaintext;  /* the bytes after that 220 were SMTP, not TLS: parsed on as SMTP */
	/* mail transactions */
	struct smtp_mail *mails; /* owned array */
	int n_mails;            /* stored */
	int mail_count;         /* MAIL FROM commands seen */
	/* transcript */
	struct smtp_command *cmds; uint64_t cmds_total;
	struct smtp_reply *replies; uint64_t replies_total;
	struct smtp_anomaly *anomalies; uint64_t anomalies_total;
	int n_cmds, n_replies, n_anomalies;
	/* how it ended (valid after smtp_finish) */
	enum smtp_end end;
	enum smtp_outcome outcome;
	uint8_t banner_shared;  /* banner_text is the string of the banner's entry in replies
	                           (one copy, freed with the replies) */
	/* traffic */
	uint64_t bytes_c2s, bytes_s2c;  /* bytes fed, both directions */
	uint64_t gaps, gap_bytes;       /* smtp_gap() calls and their bytes */
	/* TLS (dissectors/tls.h): set when STARTTLS or X-ANONYMOUSTLS got 220, or
	 * the session began in TLS (smtp_begin_tls, port 465); tls_plaintext above */
	const char *tls_mode;   /* "starttls", "x-anonymoustls", "implicit", or NULL: static */
	const struct tls_info *tls; /* what the TLS parser saw (points into tls_session), NULL when none */
	struct tls_session *tls_session; /* owned: that parser, freed with the record */
};

/* What the outcome rules look at when a session ends (smtp_finish()). */
struct smtp_decision {
	int starttls;           /* STARTTLS answered 220 */
	int mail_completed;     /* a mail's end of data got a 2xx final reply */
	int mail_accepted;      /* a MAIL FROM got 2xx */
	int banner_code;        /* 0 when not seen */
	int helo_code;          /* reply to the recorded HELO/EHLO, 0 when none */
	int helo_accepted;      /* a HELO/EHLO got 2xx */
	int saw_smtp;           /* a reply or command parsed */
	uint64_t known_cmds;    /* commands of smtp_cmds.def seen */
	int quit;               /* QUIT was sent */
	int unterminated;       /* a body ended with the connection or a gap */
	enum smtp_end how;
	int in_txn;             /* a transaction was open at the end */
};

/* The outcome rules (smtp.c, above decide()), first match wins; a pure
 * function so that every rule can be tested both ways. */
enum smtp_outcome smtp_decide(const struct smtp_decision *d);

struct smtp_session;

/* A new session, or NULL when out of memory. */
struct smtp_session *smtp_new(void);

/* The connection is TLS from its first byte (implicit TLS, port 465): every
 * byte goes to the TLS parser.  Call before the first smtp_feed(). */
int smtp_begin_tls(struct smtp_session *s);

/* Feed len bytes of direction dir, captured at ts. buf is only read during
 * the call. */
int smtp_feed(struct smtp_session *s, enum smtp_dir dir, const uint8_t *buf, size_t len, uint64_t ts);

/* len bytes of direction dir were not captured: parsing resumes at the next line. */
int smtp_gap(struct smtp_session *s, enum smtp_dir dir, uint64_t len, uint64_t ts);

/* The connection ended; decides the outcome.  Idempotent. */
int smtp_finish(struct smtp_session *s, enum smtp_end how, uint64_t ts);

/* The session's record; valid until smtp_free(). */
const struct smtp_record *smtp_record(const struct smtp_session *s);

/* Record an anomaly that the flow layer saw (gaps, overlaps, midstream). */
void smtp_note_anomaly(struct smtp_session *s, enum anomaly_kind kind, const char *detail, uint64_t ts);

/* Frees every field a struct smtp_mail owns and zeroes it (for a mail built
 * outside a session, e.g. by msg_take() in a test). */
void smtp_mail_clear(struct smtp_mail *m);

/* Frees the session and its record. smtp_free(NULL) is a no-op. */
void smtp_free(struct smtp_session *s);

/* Ends the session for good: the record moves out to the caller (who frees
 * it with smtp_record_free()) and the parser state is freed with s.  Call
 * after smtp_finish().  NULL when out of memory (s is freed all the same). */
struct smtp_record *smtp_take_record(struct smtp_session *s);
/* Frees a record taken out of a session; NULL is a no-op. */
void smtp_record_free(struct smtp_record *r);

/* Cheap content test used before a session exists: does this chunk of the
 * server's (dir S2C) or client's (C2S) bytes look like the start of SMTP?
 * S2C: a reply line "220 " / "220-" (also any [2-5]xx reply for mid-stream).
 * C2S: a known command word followed by space or CRLF.
 * Returns 2 for a greeting (220), 1 for any other SMTP-looking line, 0 for no. */
int smtp_probe(enum smtp_dir dir, const uint8_t *buf, size_t len);

#endif
