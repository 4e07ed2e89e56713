/* \summary: parsers of the CLI's option values (analyzer/cli/cli_args.h). */
#include "analyzer/cli/cli_args.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/base/timefmt.h"

int parse_time_arg(const char *s, double now, double *out)
{
	double d;
	size_t n;

	if (!s || !*s)
		return -1;
	if (timefmt_parse_time(s, out) == 0)      /* ISO 8601 or Unix seconds */
		return 0;
	n = strlen(s);
	/* a duration back from now needs its unit (a bare number is a time) */
	if (n < 2 || (s[n - 1] >= '0' && s[n - 1] <= '9') || timefmt_parse_duration(s, 1, &d) < 0 ||
	    d > 100.0 * 365 * 86400)
		return -1;
	*out = now - d;
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
