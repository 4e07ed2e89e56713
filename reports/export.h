/* \summary: exports one contract table or view as JSON Lines or CSV (`smtpscope export`).
 *
 * table is one of the names documented in schema/README.md: sessions,
 * extensions, commands, replies, mails, recipients, dsn_recipients,
 * anomalies, findings, captures, servers, capture_stats.  Any other name is
 * refused (names are matched against a fixed list and never put into SQL).
 *
 * since >= 0 keeps the rows at or after that Unix time (seconds) on the
 * table's time column (sessions.first_ts, commands.ts, replies.ts,
 * mails.ts, anomalies.ts, findings.last_ts, captures.started,
 * capture_stats.ts, servers.last_ts); tables without one use their parent's
 * (extensions: the session's first_ts; recipients, dsn_recipients: the
 * mail's ts).  since < 0 exports everything.
 *
 * jsonl: one JSON object per row and line, keys in column order; INTEGER as
 *        numbers, REAL as numbers (timestamps with 6 decimals, microseconds),
 *        NULL as null, text as JSON strings with control characters as
 *        \u00XX and bytes that are not valid UTF-8 replaced by \ufffd.
 * csv:   RFC 4180: a header row, CRLF line ends, fields quoted when they hold
 *        a comma, quote, CR or LF (quotes doubled); NULL is an empty field,
 *        '' is "" ; invalid UTF-8 bytes and NUL become U+FFFD.
 *
 * Every string exported came off the wire: this is its single output point.
 * Returns 0, or -1 with the reason in err. */
#ifndef SMTPSCOPE_EXPORT_H
#define SMTPSCOPE_EXPORT_H

#include <stddef.h>
#include <stdio.h>

struct sqlite3;

int export_table(struct sqlite3 *db, const char *table, const char *format, double since,
		 FILE *out, char *err, size_t errlen);

/* The contract tables, in their documented order (the one list: defs in
 * export.c): the i-th name, or NULL past the last. */
const char *export_table_at(size_t i);

#endif
