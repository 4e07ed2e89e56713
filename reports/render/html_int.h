/* \summary: what the parts of the HTML report share (render/html*.c): the
 * escaping shorthands, ids and sort keys, and the sections each part writes.
 * Every string from the database goes out through esc_html(). */
#ifndef SMTPSCOPE_RENDER_HTML_INT_H
#define SMTPSCOPE_RENDER_HTML_INT_H

#include <stdio.h>

#include "reports/render/jread.h"
#include "reports/render/render.h"

#define HTML_SHORT 120   /* characters of a wire string shown in a table; the rest on hover */
#define HTML_ID_MAX 96

/* Escaped text, at most ESC_CAP_LIST characters. */
void h(FILE *o, const char *s);
/* A wire string: shown shortened to `shown` characters, the full value (up
 * to ESC_CAP_DETAIL) in a title attribute when it was shortened. */
void h_wire(FILE *o, const char *s, size_t n, size_t shown);
/* <span class="sev sev-high">high</span> */
void h_badge(FILE *o, const char *sev);
/* The human name of a kind with the internal kind as a small code and tooltip. */
void h_kind(FILE *o, const char *kind);
/* <p class="fix"><b>Fix:</b> the whole remediation</p>; nothing for NULL. */
void h_fix(FILE *o, const char *rem);
/* "2026-12-01 08:40:00" in a <time> element; "-" when t < 0. */
void h_date(FILE *o, double t);
/* The id of a server's section: "srv-" and the address and port with every
 * character but [0-9a-zA-Z] as '-'. */
void srv_id(const char *ip, long long port, char *buf, size_t n);
/* A sort key for an address (and port): "v4-0a000019-00025", "v6-<32 hex>-...". */
void ip_sort_key(const char *ip, long long port, char *buf, size_t n);

/* Is there a section for this server (it has findings and is in d->servers)? Its index or -1. */
int html_server_index(const struct rdata *d, const char *ip, long long port);

/* Evidence as a readable list (dates for times, units for durations). */
void html_evidence(FILE *o, const char *json, size_t n);

/* The verdict (one sentence), one card per problem server ranked by the
 * mail it costs, then the hygiene summary (render/html_verdict.c). */
void html_verdict(FILE *o, const struct rdata *d);

#endif
