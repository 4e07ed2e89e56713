/* \summary: capped arrays; see carray.h. */
#include "analyzer/base/carray.h"

#include <stdint.h>
#include <stdlib.h>

int carray_reserve(void *arr, size_t *cap, size_t need, size_t elem, size_t first, size_t max)
{
	void **pp = arr;
	size_t n = *cap ? *cap : (first ? first : 1);
	void *q;

	if (need <= *cap)
		return 0;
	if (need > max || elem == 0)
		return -1;
	while (n < need)
		n = n > max / 2 ? max : n * 2;
	if (n > max)
		n = max;
	if (n > SIZE_MAX / elem || !(q = realloc(*pp, n * elem)))
		return -1;
	*pp = q;
	*cap = n;
	return 0;
}
