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

#endif
