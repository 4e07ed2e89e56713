/* \summary: small text helpers shared by the dissectors; see text.h. */
#include "dissectors/text.h"

#include <string.h>

/* The first-byte candidates come from memchr() of its two cases (the
 * banners' software table asks ~35 needles of every greeting), then the
 * rest is compared; the first match is returned, as a scan would. */
const char *text_ci_find(const char *hay, size_t n, const char *needle)
{
	size_t m = strlen(needle), i = 0, j, last, none, li, ui;
	int lo, up;

	if (m == 0)
		return hay;
	if (m > n)
		return NULL;
	last = n - m; /* the last position a match can start at */
	none = last + 1;
	lo = text_lower((unsigned char)needle[0]);
	up = lo >= 'a' && lo <= 'z' ? lo - ('a' - 'A') : lo;
	li = ui = none;
	for (;;) {
		const char *p;
		size_t c;
		if (i == 0 || (li < i)) { /* the next candidate of each case, from i */
			p = memchr(hay + i, lo, last + 1 - i);
			li = p ? (size_t)(p - hay) : none;
		}
		if (up != lo && (i == 0 || ui < i)) {
			p = memchr(hay + i, up, last + 1 - i);
			ui = p ? (size_t)(p - hay) : none;
		}
		c = li < ui ? li : ui;
		if (c == none)
			return NULL;
		i = c;
		for (j = 1; j < m; j++)
			if (text_lower((unsigned char)hay[i + j]) != text_lower((unsigned char)needle[j]))
				break;
		if (j == m)
			return hay + i;
		if (++i > last)
			return NULL;
	}
}

size_t text_status_code(const char *p, size_t n)
{
	size_t i, k;
	int part;

	if (n < 5 || (p[0] != '2' && p[0] != '4' && p[0] != '5') || p[1] != '.')
		return 0;
	i = 2;
	for (part = 0; part < 2; part++) {
		for (k = 0; i < n && k < 3 && p[i] >= '0' && p[i] <= '9'; k++)
			i++;
		if (k == 0)
			return 0;
		if (part == 0) {
			if (i >= n || p[i] != '.')
				return 0;
			i++;
		}
	}
	if (i < n && p[i] >= '0' && p[i] <= '9')
		return 0; /* a fourth digit */
	return i;
}

size_t text_copy_wire(char *dst, const void *src, size_t n)
{
	size_t i;

	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
	for (i = 0; i < n; i++)
		if (!dst[i])
			dst[i] = '?';
	return n;
}
