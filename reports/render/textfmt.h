/* \summary: one finding as a block of terminal text (shared by `findings`
 * and `report --format text`), with the remediation and the suggested name,
 * wrapped to the terminal width on a tty. */
#ifndef SMTPSCOPE_RENDER_TEXTFMT_H
#define SMTPSCOPE_RENDER_TEXTFMT_H

#include <stdio.h>

/* A finding's fields, borrowed from a statement row or a loaded table. */
struct fview {
	const char *severity, *server_ip, *client_ip, *kind, *name, *summary, *remediation;
	const char *suggested_name, *suggested_source, *key;
	long long server_port;
	double first_seen, last_seen;  /* < 0: not known (a database before schema 9) */
	int is_new;
};

/* The terminal's width when out is a terminal (COLUMNS, else the tty's
 * size; 40..250), else 0: no wrapping (one line per field, for grep). */
int text_width(FILE *out);

/* Writes s (esc_text-escaped, at most cap characters) wrapped at width
 * columns; continuation lines start with `indent` spaces; `used` columns of
 * the first line are already taken.  width 0: no wrapping. */
void text_wrap(FILE *o, const char *s, size_t n, size_t cap, int width, int used, int indent);

/* The block of one finding:
 *   HIGH    10.0.0.25:25  aliasex2000  Server name is not an FQDN [non_fqdn_greeting]  NEW
 *           <summary>
 *           Suggested name: <name> (seen in <source>)
 *           Fix: <remediation, whole>
 *           Key <key>, first seen <time> UTC, last seen <time> UTC */
void text_finding(FILE *o, const struct fview *v, int width);

/* "its EHLO reply", "the Reporting-MTA of its 4.4.7 reports", ... */
const char *suggest_source_words(const char *src);

#endif
