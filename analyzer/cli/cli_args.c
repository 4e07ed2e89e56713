/* \summary: parsers of the CLI's option values (analyzer/cli/cli_args.h). */
#include "analyzer/cli/cli_args.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Reads exactly `digits` decimal digits at *p. */
static int num(const char **p, int digits, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < digits; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -1;
		*v = *v * 10 + ((*p)[i] - '0');
	}
	*p += digits;
	return 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static long long days_from_civil(int y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int parse_iso(const char *s, double *out)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, se = 0, zh = 0, zm = 0, sign = 0;
	double frac = 0;

	if (num(&p, 4, &y) < 0 || *p++ != '-' || num(&p, 2, &mo) < 0 || *p++ != '-' ||
	    num(&p, 2, &d) < 0)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
		return -1;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (num(&p, 2, &h) < 0 || *p++ != ':' || num(&p, 2, &mi) < 0)
			return -1;
		if (*p == ':') {
			p++;
			if (num(&p, 2, &se) < 0)
				return -1;
			if (*p == '.') {
				double scale = 0.1;
				p++;
				if (*p < '0' || *p > '9')
					return -1;
				while (*p >= '0' && *p <= '9') {
					frac += (*p++ - '0') * scale;
					scale /= 10;
				}
			}
		}
		if (h > 23 || mi > 59 || se > 60)
			return -1;
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			sign = *p++ == '-' ? -1 : 1;
			if (num(&p, 2, &zh) < 0)
				return -1;
			if (*p == ':')
				p++;
			if (num(&p, 2, &zm) < 0 || zh > 23 || zm > 59)
				return -1;
		}
	}
	if (*p)
		return -1;
	*out = (double)(days_from_civil(y, mo, d) * 86400LL + h * 3600 + mi * 60 + se) + frac -
	       sign * (zh * 3600 + zm * 60);
	return 0;
}

int parse_time_arg(const char *s, double now, double *out)
{
	char *end;
	double v;
	size_t n;

	if (!s || !*s)
		return -1;
	if (parse_iso(s, out) == 0)
		return 0;
	n = strlen(s);
	v = strtod(s, &end);
	if (end == s || v < 0 || v != v)
		return -1;
	if (*end == '\0') {           /* Unix seconds */
		*out = v;
		return 0;
	}
	if (end != s + n - 1)
		return -1;
	switch (*end) {
	case 's': break;
	case 'm': v *= 60; break;
	case 'h': v *= 3600; break;
	case 'd': v *= 86400; break;
	case 'w': v *= 7 * 86400; break;
	default: return -1;
	}
	if (v > 100.0 * 365 * 86400)
		return -1;
	*out = now - v;
	return 0;
}

static int is_ip(const char *s)
{
	unsigned char b[16];

	return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

static int port_of(const char *s, int *port)
{
	char *end;
	long v;

	if (!*s)
		return -1;
	v = strtol(s, &end, 10);
	if (*end || v < 0 || v > 65535)
		return -1;
	*port = (int)v;
	return 0;
}

int parse_server_arg(const char *s, char *ip, size_t n, int *port)
{
	const char *c;
	size_t len;

	*port = -1;
	if (!s || !*s)
		return -1;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || (size_t)(close - s - 1) >= n)
			return -1;
		len = (size_t)(close - s - 1);
		memcpy(ip, s + 1, len);
		ip[len] = '\0';
		if (close[1] == ':' && port_of(close + 2, port) < 0)
			return -1;
		if (close[1] && close[1] != ':')
			return -1;
		return is_ip(ip) ? 0 : -1;
	}
	c = strchr(s, ':');
	if (c && strchr(c + 1, ':') == NULL) {  /* one colon: v4:port */
		len = (size_t)(c - s);
		if (len >= n)
			return -1;
		memcpy(ip, s, len);
		ip[len] = '\0';
		if (port_of(c + 1, port) < 0)
			return -1;
	} else {                                /* v4, or a bare v6 */
		if (strlen(s) >= n)
			return -1;
		strcpy(ip, s);
	}
	return is_ip(ip) ? 0 : -1;
}
