/* \summary: ISO 8601 timestamps and durations with units (see timefmt.h). */
#include "analyzer/base/timefmt.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

char *timefmt_iso8601_us(uint64_t us, char *buf, size_t n)
{
	time_t t = (time_t)(us / 1000000u);
	struct tm tm;

	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, n, "1970-01-01T00:00:00.000000Z");
		return buf;
	}
	snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		 tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)(us % 1000000u));
	return buf;
}

char *timefmt_now_iso8601(char *buf, size_t n)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return timefmt_iso8601_us((uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u, buf, n);
}

int timefmt_parse_duration(const char *s, double unit_default, double *secs)
{
	static const struct { const char *u; double mul; } units[] = {
		{ "ms", 0.001 }, { "s", 1 }, { "sec", 1 }, { "m", 60 }, { "min", 60 }, { "h", 3600 },
		{ "d", 86400 }, { "w", 7 * 86400 },
	};
	char *end;
	double v;
	size_t i;

	if (!s || !*s || isspace((unsigned char)*s) || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0)
		return -1;
	if (!*end) {
		*secs = v * unit_default;
		return 0;
	}
	for (i = 0; i < sizeof units / sizeof units[0]; i++)
		if (!strcmp(end, units[i].u)) {
			*secs = v * units[i].mul;
			return 0;
		}
	return -1;
}

/* Reads exactly n digits at *p into *v. */
static int digits(const char **p, int n, int *v)
{
	int i, x = 0;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		x = x * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*v = x;
	return 0;
}

int timefmt_parse_time(const char *s, double *secs)
{
	struct tm tm;
	const char *p = s;
	char *end;
	int y, mo, d, h = 0, mi = 0, se = 0, zh, zm, sign;
	double frac = 0, v;
	time_t t;

	if (!s || !*s)
		return -1;
	/* Unix seconds: only digits and at most one '.', and no '-' (a date has them). */
	if (!strchr(s, '-') && !strchr(s, ':')) {
		errno = 0;
		v = strtod(s, &end);
		if (errno || *end || end == s || !isfinite(v) || v < 0 || *s == '+' || isspace((unsigned char)*s))
			return -1;
		*secs = v;
		return 0;
	}
	if (digits(&p, 4, &y) < 0 || *p++ != '-' || digits(&p, 2, &mo) < 0 || *p++ != '-' || digits(&p, 2, &d) < 0)
		return -1;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (digits(&p, 2, &h) < 0 || *p++ != ':' || digits(&p, 2, &mi) < 0)
			return -1;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &se) < 0)
				return -1;
			if (*p == '.' || *p == ',') {
				double scale = 0.1;
				p++;
				if (!isdigit((unsigned char)*p))
					return -1;
				while (isdigit((unsigned char)*p)) {
					frac += (*p++ - '0') * scale;
					scale /= 10;
				}
			}
		}
	}
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '+' ? 1 : -1;
		if (digits(&p, 2, &zh) < 0)
			return -1;
		if (*p == ':')
			p++;
		if (digits(&p, 2, &zm) < 0 || zh > 23 || zm > 59)
			return -1;
		t -= sign * (zh * 3600 + zm * 60);
	}
	if (*p)
		return -1;
	*secs = (double)t + frac;
	return 0;
}
