/* \summary: times and durations as operators write them: ISO 8601 UTC
 * timestamps (RFC 3339 profile) out and in, and durations with a unit
 * ("90s", "1m", "2h", "30d"), as tcpdump, journalctl and systemd take them. */
#ifndef SMTPSCOPE_TIMEFMT_H
#define SMTPSCOPE_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#define TIMEFMT_ISO_LEN 32   /* "2026-12-01T08:25:56.123456Z" and the NUL, with room */

/* us microseconds since the epoch as "YYYY-MM-DDTHH:MM:SS.uuuuuuZ".
 * Returns buf. */
char *timefmt_iso8601_us(uint64_t us, char *buf, size_t n);
/* The wall clock now, the same way. */
char *timefmt_now_iso8601(char *buf, size_t n);

/* A duration: a number (decimals allowed) with an optional unit ms, s, m,
 * h, d or w; a bare number is unit_default seconds-multiplier units
 * (1 = seconds).  0 with *secs set, -1 when it does not parse or is
 * negative. */
int timefmt_parse_duration(const char *s, double unit_default, double *secs);

/* A point in time: Unix seconds ("1764577556", "1764577556.5") or ISO 8601
 * ("2026-12-01", "2026-12-01T08:25", "2026-12-01T08:25:56Z",
 * "2026-12-01 08:25:56.25+01:00"); without a zone, UTC.  0 with *secs set,
 * or -1. */
int timefmt_parse_time(const char *s, double *secs);

#endif
