/* \summary: command-line numbers; see numparse.h. */
#include "analyzer/base/numparse.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

int num_parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *v)
{
	unsigned long long x;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || *end || x < lo || x > hi)
		return -1;
	*v = x;
	return 0;
}

int num_parse_double(const char *s, double lo, double hi, double *v)
{
	double x;
	char *end;

	if (!s || !*s || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	x = strtod(s, &end);
	if (errno || *end || !(x >= lo && x <= hi)) /* also false for NaN */
		return -1;
	*v = x;
	return 0;
}
