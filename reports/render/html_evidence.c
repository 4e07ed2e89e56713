/* \summary: a finding's evidence (our JSON) as a readable HTML list: labels
 * in words, times as dates, durations in units, id lists inline. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "reports/escape.h"
#include "reports/query/kinds.h"
#include "reports/query/table.h"
#include "reports/render/html_int.h"

#define EV_DEPTH_MAX 6
#define EV_STR_MAX   4096

static const char *const labels[][2] = {
	{ "kb301401", "KB 301401 case" }, { "xexps_advertised", "X-EXPS advertised" },
	{ "xexps_used", "X-EXPS used" }, { "exchange2000", "Exchange 2000" },
	{ "median_retry_s", "median retry" }, { "span_s", "retries span" },
	{ "expiry_s", "expiry" }, { "expiry_used_pct", "expiry used" },
	{ "hours_to_expiry", "left before expiry" }, { "server_sessions", "sessions of the server" },
	{ "example_banner", "example greeting" }, { "example_ehlo_first_line", "example EHLO reply" },
	{ "ehlo_sessions", "sessions with EHLO" }, { "login_plain", "LOGIN/PLAIN" },
	{ "clients_total", "clients" }, { "reports_447", "4.4.7 reports" },
	{ "tied_by", "tied by" }, { "reporting_mta", "Reporting-MTA" },
	{ "reporting_mtas", "Reporting-MTAs" }, { "first_ts", "first" }, { "last_ts", "last" },
	{ "greeting_name", "greeting name" }, { "ehlo_reply_name", "EHLO reply name" },
};

static void label(FILE *o, const char *k, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof labels / sizeof labels[0]; i++)
		if (strlen(labels[i][0]) == n && memcmp(labels[i][0], k, n) == 0) {
			fputs(labels[i][1], o);
			return;
		}
	for (i = 0; i < n && i < 64; i++) {
		char c = k[i];
		if (c == '_')
			fputc(' ', o);
		else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			fputc(c, o);
	}
}

static int ends(const char *k, size_t n, const char *suf)
{
	size_t m = strlen(suf);
	return n >= m && memcmp(k + n - m, suf, m) == 0;
}

static int is_key(const char *k, size_t n, const char *want)
{
	return strlen(want) == n && memcmp(k, want, n) == 0;
}

static void scalar(FILE *o, const char *k, size_t kn, struct jspan v)
{
	char buf[64];
	double d;
	int t = jr_type(v);

	if (t == 's') {
		char *s = malloc(EV_STR_MAX);
		long len = s ? jr_str(v, s, EV_STR_MAX) : -1;
		if (len >= 0) {
			/* name kinds (single_label) and sources read as words */
			if (ends(k, kn, "kind") || is_key(k, kn, "source") || is_key(k, kn, "how")) {
				char w[64];
				const char *x = len < 60 ? s : NULL;
				if (x && strcmp(x, "ehlo_reply") == 0)
					fputs("EHLO reply", o);
				else if (x)
					h(o, name_kind_words(x, w, sizeof w));
				else
					h_wire(o, s, (size_t)len, HTML_SHORT);
			} else {
				fputs("<span class=\"w\">", o);
				h_wire(o, s, (size_t)len, HTML_SHORT);
				fputs("</span>", o);
			}
		}
		free(s);
		return;
	}
	if (t == 't' || t == 'f') {
		fputs(t == 't' ? "yes" : "no", o);
		return;
	}
	if (t != 'n') {
		fputs("-", o);
		return;
	}
	d = jr_num(v, 0);
	if (ends(k, kn, "_ts") || is_key(k, kn, "ts") || is_key(k, kn, "first_attempt") ||
	    is_key(k, kn, "last_attempt")) {
		h_date(o, d);
	} else if (ends(k, kn, "_s")) {
		h(o, fmt_duration(d, buf, sizeof buf));
	} else if (is_key(k, kn, "hours_to_expiry")) {
		h(o, fmt_duration(d * 3600.0, buf, sizeof buf));
	} else if (ends(k, kn, "_pct")) {
		fprintf(o, "%.1f %%", d);
	} else if (d == (double)(long long)d && d < 1e15 && d > -1e15) {
		fprintf(o, "%lld", (long long)d);
	} else {
		fprintf(o, "%.2f", d);
	}
}

static void value(FILE *o, const char *k, size_t kn, struct jspan v, int depth);

/* An object on one line: "k: v, k: v". */
static void inline_obj(FILE *o, struct jspan v, int depth)
{
	struct jiter it = { 0 };
	struct jspan key, val;
	int first = 1;

	while (jr_next(v, &it, &key, &val)) {
		if (!first)
			fputs(", ", o);
		first = 0;
		fputs("<span class=\"k\">", o);
		label(o, key.p + 1, key.n - 2);
		fputs("</span> ", o);
		value(o, key.p + 1, key.n - 2, val, depth + 1);
	}
}

static void value(FILE *o, const char *k, size_t kn, struct jspan v, int depth)
{
	struct jiter it = { 0 };
	struct jspan key, val;
	int t = jr_type(v), n = 0;

	if (depth > EV_DEPTH_MAX) {
		fputs("&hellip;", o);
		return;
	}
	if (t == 'o') {
		if (depth > 0) {
			inline_obj(o, v, depth);
			return;
		}
		fputs("<ul class=\"ev\">", o);
		while (jr_next(v, &it, &key, &val)) {
			fputs("<li><span class=\"k\">", o);
			label(o, key.p + 1, key.n - 2);
			fputs(":</span> ", o);
			value(o, key.p + 1, key.n - 2, val, depth + 1);
			fputs("</li>", o);
		}
		fputs("</ul>", o);
		return;
	}
	if (t == 'a') {
		struct jiter probe = { 0 };
		int objects = jr_next(v, &probe, NULL, &val) && jr_type(val) == 'o';
		if (objects) {
			fputs("<ul class=\"ev\">", o);
			while (jr_next(v, &it, NULL, &val)) {
				fputs("<li>", o);
				value(o, k, kn, val, depth + 1);
				fputs("</li>", o);
			}
			fputs("</ul>", o);
		} else {
			while (jr_next(v, &it, NULL, &val)) {
				if (n++)
					fputs(", ", o);
				scalar(o, k, kn, val);
			}
			if (n == 0)
				fputs("none", o);
		}
		return;
	}
	scalar(o, k, kn, v);
}

void html_evidence(FILE *o, const char *json, size_t n)
{
	struct jspan v = { json, n };

	if (jr_type(v) != 'o') {
		fputs("<pre class=\"w\">", o);
		esc_html(o, json, n, ESC_CAP_DETAIL);
		fputs("</pre>", o);
		return;
	}
	value(o, "", 0, v, 0);
}
