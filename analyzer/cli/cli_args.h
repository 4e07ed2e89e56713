/* \summary: parsers of the CLI's option values: times (ISO 8601 or a
 * duration back from now) and server endpoints. */
#ifndef SMTPSCOPE_CLI_ARGS_H
#define SMTPSCOPE_CLI_ARGS_H

#include <stddef.h>

/* A time as analyzer/base/timefmt.h reads it (ISO 8601: "2026-12-01",
 * "2026-12-01T08:00:30+02:00", no zone: UTC; or Unix seconds), or a
 * duration back from now with its unit ("90s", "30m", "24h", "7d", "2w").
 * 0 and *out, or -1. */
int parse_time_arg(const char *s, double now, double *out);

/* "ADDR", "ADDR:PORT", "[V6]:PORT", "[V6]" or a bare IPv6 address: the
 * address into ip (n bytes) and the port into *port (-1 when absent).
 * 0 or -1. */
int parse_server_arg(const char *s, char *ip, size_t n, int *port);

#endif
