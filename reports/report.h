/* \summary: what users read: findings lists and the reports.
 *
 * Every string that came off the wire goes out through the escaping writers of
 * reports/escape.h (HTML, JSON, CSV, terminal text): one output point per
 * format.  All functions return 0, or -1 with the reason in err. */
#ifndef SMTPSCOPE_REPORT_H
#define SMTPSCOPE_REPORT_H

#include <stdio.h>
#include <stddef.h>

struct sqlite3;

enum report_format { REPORT_TEXT, REPORT_JSON, REPORT_CSV, REPORT_HTML };

/* "text", "json", "csv", "html" -> format; -1 when unknown. */
int report_format_parse(const char *s);

/* `smtpscope findings`: the findings table (text, json or csv). */
int findings_write(struct sqlite3 *db, FILE *out, enum report_format f, char *err, size_t errlen);

/* `smtpscope report`: the full report (html, text or json). */
int report_write(struct sqlite3 *db, FILE *out, enum report_format f, char *err, size_t errlen);

#endif
