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
