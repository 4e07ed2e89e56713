/* \summary: small text helpers shared by the dissectors (bounded, ASCII). */
#ifndef SMTPSCOPE_TEXT_H
#define SMTPSCOPE_TEXT_H

#include <stddef.h>

/* ASCII lower case; other bytes unchanged. */
static inline int text_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* Case-insensitive (ASCII) search of the NUL-terminated needle in
 * hay[0..n); never reads past n.  The match, or NULL. */
const char *text_ci_find(const char *hay, size_t n, const char *needle);

/* The one rule for a NUL byte in a wire string kept as a C string: it
 * becomes '?', so the length and the bytes around it stay as they came (a
 * NUL is also counted as an anomaly by whoever parses the line).  Copies
 * src[0..n) to dst and terminates it: dst holds n + 1 bytes.  Returns n. */
size_t text_copy_wire(char *dst, const void *src, size_t n);

/* RFC 3463 section 2: the enhanced status code "class.subject.detail" at
 * the start of p[0..n) (class 2, 4 or 5; subject and detail 1 to 3 digits,
 * not followed by another digit).  Its length, or 0 when there is none.
 * The one status-code parser: replies (smtp.c) and DSN texts (message.c). */
size_t text_status_code(const char *p, size_t n);

#endif
