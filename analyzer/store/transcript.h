/* \summary: a session's transcript as one row (schema 007: transcripts).
 *
 * The commands and the replies of a session are stored as two JSON arrays
 * in one `transcripts` row instead of one row per line; the views `commands`
 * and `replies` (json_each) give back the documented rows.  Element layout:
 *   commands: [ts_us, verb, arg]             (arg null when absent)
 *   replies:  [ts_us, code, enhanced, text]  (enhanced, text null when absent)
 * ts_us is the capture time in integer microseconds (the views divide by
 * 1e6, so a REAL ts reads back exactly as it was computed).  Strings are
 * JSON strings holding the wire bytes: '"', '\\' and bytes below 0x20 are
 * escaped, every other byte (invalid UTF-8 too) is kept as it is, which is
 * what SQLite's JSON functions read back unchanged. */
#ifndef SMTPSCOPE_TRANSCRIPT_H
#define SMTPSCOPE_TRANSCRIPT_H

#include <stddef.h>

#include "dissectors/smtp.h"

/* A growing text buffer; p owned (malloc), NUL-terminated after each call. */
struct jbuf {
	char *p;
	size_t n, cap;
	int oom;               /* an allocation failed: the text is incomplete */
};

void jbuf_free(struct jbuf *b);

/* Replace b's text by the JSON array of the commands / replies.
 * 0, or -1 when out of memory. */
int transcript_commands_json(struct jbuf *b, const struct smtp_command *c, int n);
int transcript_replies_json(struct jbuf *b, const struct smtp_reply *r, int n);

#endif
