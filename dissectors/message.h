/* \summary: the message carried by DATA or BDAT: RFC 5322 headers, MIME
 * (RFC 2045/2046), delivery-status reports (RFC 3462 multipart/report, RFC
 * 3464 message/delivery-status) and Exchange-style NDR text with its
 * "<host #4.4.7>" marker.
 *
 * A push parser: smtp.c feeds the message bytes exactly as the client sent
 * them after dot-unstuffing (or the raw BDAT chunk bytes), split anywhere,
 * then calls msg_end().  Memory is bounded: headers are examined up to
 * SMTP_HEADER_BLOCK_MAX bytes, and the body is scanned for reports only when
 * the message is a DSN candidate (null reverse path, multipart/report, or an
 * NDR-like From/Subject), up to SMTP_DSN_SCAN_MAX bytes.  Bodies are never
 * kept.  Header values are unfolded, cut to SMTP_FIELD_MAX. */
#ifndef SMTPSCOPE_MESSAGE_H
#define SMTPSCOPE_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

#include "dissectors/smtp.h"

struct msg_parser;

/* null_sender: the envelope's reverse path was <> (a hint that this is a report). */
struct msg_parser *msg_new(int null_sender);

/* Feeds message bytes; 0, or -1 on out-of-memory (the parser is then dead). */
int msg_feed(struct msg_parser *mp, const uint8_t *p, size_t n);

/* The message ended ('.' or BDAT LAST, or the connection ended inside it). */
void msg_end(struct msg_parser *mp);

/* Moves what was found into m: size, hdr_from, hdr_to, subject, date,
 * message_id, content_type, is_dsn, dsn/n_dsn (ownership passes to m; fields
 * already set in m are freed first).  Sets *header_cap / *dsn_cap when those
 * caps were hit, so the caller can record anomalies. */
void msg_take(struct msg_parser *mp, struct smtp_mail *m, int *header_cap, int *dsn_cap);

/* Which of the parser's own caps (limits.h) cut something: MSG_CAP_* bits. */
enum {
	MSG_CAP_LINE     = 1,  /* a line longer than MSG_LINE_MAX */
	MSG_CAP_UNFOLD   = 2,  /* a header field longer than MSG_UNFOLD_MAX */
	MSG_CAP_DEPTH    = 4,  /* multiparts nested deeper than MSG_MIME_DEPTH */
	MSG_CAP_BOUNDARY = 8,  /* a boundary longer than MSG_BOUNDARY_MAX */
	MSG_CAP_CTYPE    = 16, /* a media type longer than MSG_CTYPE_MAX */
};
unsigned msg_caps_hit(const struct msg_parser *mp);

void msg_free(struct msg_parser *mp); /* msg_free(NULL) is a no-op */

#endif
