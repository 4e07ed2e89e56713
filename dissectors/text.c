/* \summary: small text helpers shared by the dissectors; see text.h. */
#include "dissectors/text.h"

#include <string.h>

const char *text_ci_find(const char *hay, size_t n, const char *needle)
{
	size_t m = strlen(needle), i, j;

	for (i = 0; i + m <= n; i++) {
		for (j = 0; j < m; j++)
			if (text_lower((unsigned char)hay[i + j]) != text_lower((unsigned char)needle[j]))
				break;
		if (j == m)
			return hay + i;
	}
	return NULL;
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
