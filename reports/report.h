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

/* Which findings `findings` lists (all fields: no filter). */
struct findings_filter {
	int min_severity;       /* 0: all; else the lowest rank kept (1 high .. 4 info) */
	const char *kinds;      /* comma-separated kinds; NULL: all */
	const char *server_ip;  /* the server (or client) address; NULL: all */
	int server_port;        /* -1: any */
	double since;           /* first seen at or after (Unix time); < 0: any */
	int new_only;           /* only findings new in the latest analysis */
};

/* findings_write with a filter (NULL: none); *worst (may be NULL) gets the
 * rank of the most severe finding listed, 0 when none was. */
int findings_list(struct sqlite3 *db, FILE *out, enum report_format f, const struct findings_filter *flt,
		  int *worst, char *err, size_t errlen);

/* `smtpscope report`: the full report (html, text or json). */
int report_write(struct sqlite3 *db, FILE *out, enum report_format f, char *err, size_t errlen);

#endif
