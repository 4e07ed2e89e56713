/* \summary: the HTML report: one self-contained page (inline CSS and SVG, no
 * script, no external resource).  Every string from the database goes out
 * through esc_html(). */
#include <sqlite3.h>
#include <string.h>
#include <strings.h>

#include "reports/render/render.h"

static const char CSS[] =
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;"
	"max-width:1200px;padding:0 16px 40px;color:#1d232a;background:#fafbfc}"
	"h1{font-size:24px;margin:20px 0 4px}h2{font-size:19px;border-bottom:2px solid #d7dde3;"
	"padding-bottom:3px;margin-top:34px}h3{font-size:16px;margin:26px 0 6px}"
	"h4{font-size:14px;margin:14px 0 4px;color:#3a4653}"
	"table{border-collapse:collapse;margin:6px 0 10px;background:#fff;font-size:13px}"
	"th,td{border:1px solid #d7dde3;padding:3px 7px;text-align:left;vertical-align:top}"
	"th{background:#eef1f4;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}"
	".cards{display:flex;flex-wrap:wrap;gap:10px}.card{background:#fff;border:1px solid #d7dde3;"
	"border-radius:6px;padding:8px 14px;min-width:120px}.card b{display:block;font-size:20px}"
	".sev{display:inline-block;border-radius:3px;padding:0 6px;font-size:12px;font-weight:600;"
	"color:#fff;background:#6b7785}.sev-high{background:#c62828}.sev-medium{background:#e08a00}"
	".sev-low{background:#3b73b9}.sev-info{background:#6b7785}"
	"pre{background:#fff;border:1px solid #d7dde3;padding:8px;overflow-x:auto;font-size:12px;"
	"white-space:pre-wrap;word-break:break-all}.c{color:#1b5e20}.s{color:#0d3c73}"
	"details>summary{cursor:pointer}.muted{color:#6b7785}article{border-top:1px solid #d7dde3}"
	"svg{background:#fff;border:1px solid #d7dde3}nav a{margin-right:12px}";

static void h(FILE *o, const char *s)
{
	esc_html(o, s, s ? strlen(s) : 0, ESC_CAP_LIST);
}

static const char *sev_class(const char *sev)
{
	static const char *const known[] = { "high", "medium", "low", "info" };
	size_t i;

	for (i = 0; sev && i < 4; i++)
		if (strcmp(sev, known[i]) == 0)
			return known[i];
	return "info";
}

static void badge(FILE *o, const char *sev)
{
	fprintf(o, "<span class=\"sev sev-%s\">", sev_class(sev));
	h(o, sev ? sev : "?");
	fputs("</span>", o);
}

static void header_name(FILE *o, const char *name)
{
	for (; *name; name++)
		fputc(*name == '_' ? ' ' : *name, o);
}

/* A loaded table as an HTML table; severity columns as badges. */
static void html_rtable(FILE *o, const struct rtable *t, const char *id)
{
	char buf[64];
	int r, c;

	if (t->nrow == 0) {
		fputs("<p class=\"muted\">none</p>\n", o);
		return;
	}
	if (id)
		fprintf(o, "<table id=\"%s\">", id);
	else
		fputs("<table>", o);
	fputs("<thead><tr>", o);
	for (c = 0; c < t->ncol; c++) {
		fputs("<th>", o);
		header_name(o, t->names[c]);
		fputs("</th>", o);
	}
	fputs("</tr></thead><tbody>\n", o);
	for (r = 0; r < t->nrow; r++) {
		fputs("<tr>", o);
		for (c = 0; c < t->ncol; c++) {
			const struct rcell *cell = t->c + (size_t)r * (size_t)t->ncol + (size_t)c;
			const char *s;
			size_t n;
			int num = cell->type == SQLITE_INTEGER || cell->type == SQLITE_FLOAT;
			fputs(num && !rt_is_time_col(t->names[c]) ? "<td class=\"n\">" : "<td>", o);
			if (strstr(t->names[c], "severity") && cell->type == SQLITE_TEXT) {
				badge(o, cell->s);
			} else {
				cell_text(t, c, cell, buf, sizeof buf, &s, &n);
				esc_html(o, s, n, ESC_CAP_LIST);
			}
			fputs("</td>", o);
		}
		fputs("</tr>\n", o);
	}
	fputs("</tbody></table>\n", o);
}

/* Sessions over time: TIMELINE_BUCKETS bars, the aborted part in red. */
static void svg_timeline(FILE *o, const struct rtable *t, double t0, double width)
{
	long long all[TIMELINE_BUCKETS] = { 0 }, ab[TIMELINE_BUCKETS] = { 0 }, max = 0;
	const int W = 720, H = 130, top = 16, base = 104, bw = W / TIMELINE_BUCKETS;
	char a[32], b[32];
	int r, i;

	for (r = 0; r < t->nrow; r++) {
		long long k = rt_int(t, r, "bucket");
		if (k < 0 || k >= TIMELINE_BUCKETS)
			continue;
		all[k] += rt_int(t, r, "sessions");
		ab[k] += rt_int(t, r, "aborted");
		if (all[k] > max)
			max = all[k];
	}
	if (max == 0) {
		fputs("<p class=\"muted\">no sessions</p>\n", o);
		return;
	}
	fprintf(o, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"sessions over time\">", W, H, W, H);
	for (i = 0; i < TIMELINE_BUCKETS; i++) {
		int hh = (int)((double)all[i] * (base - top) / (double)max);
		int ha = (int)((double)ab[i] * (base - top) / (double)max);
		if (all[i] == 0)
			continue;
		if (hh < 1)
			hh = 1;
		fmt_time(t0 + width * i, a, sizeof a);
		fprintf(o, "<g><title>%s: %lld sessions, %lld aborted</title>"
			"<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#3b73b9\"/>",
			a, all[i], ab[i], i * bw + 1, base - hh, bw - 2, hh);
		if (ha > 0)
			fprintf(o, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#c62828\"/>",
				i * bw + 1, base - ha, bw - 2, ha);
		fputs("</g>", o);
	}
	fmt_time(t0, a, sizeof a);
	fmt_time(t0 + width * TIMELINE_BUCKETS, b, sizeof b);
	fprintf(o, "<line x1=\"0\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#6b7785\"/>"
		"<text x=\"2\" y=\"12\" font-size=\"11\" fill=\"#3a4653\">max %lld sessions per %.0f s "
		"(red: aborted)</text>"
		"<text x=\"2\" y=\"122\" font-size=\"11\" fill=\"#3a4653\">%s</text>"
		"<text x=\"%d\" y=\"122\" font-size=\"11\" fill=\"#3a4653\" text-anchor=\"end\">%s UTC</text>"
		"</svg>\n", base, W, base, max, width, a, W - 2, b);
}

static void card(FILE *o, const char *label, const char *value)
{
	fputs("<div class=\"card\">", o);
	fputs(label, o);
	fputs("<b>", o);
	h(o, value);
	fputs("</b></div>", o);
}

static void card_int(FILE *o, const char *label, long long v)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%lld", v);
	card(o, label, buf);
}

static void write_summary(FILE *o, const struct rdata *d)
{
	const struct rtable *s = &d->summary;
	char a[32], b[32], span[96];
	double t0 = rt_num(s, 0, "first_ts"), t1 = rt_num(s, 0, "last_ts");
	int r;

	fputs("<section id=\"summary\"><h2>Summary</h2><div class=\"cards\">", o);
	card_int(o, "Captures", rt_int(s, 0, "captures"));
	if (rt_get(s, 0, "first_ts") && rt_get(s, 0, "first_ts")->type != SQLITE_NULL) {
		fmt_time(t0, a, sizeof a);
		fmt_time(t1, b, sizeof b);
		snprintf(span, sizeof span, "%s to %s UTC (%.1f h)", a, b, (t1 - t0) / 3600.0);
	} else {
		snprintf(span, sizeof span, "-");
	}
	card(o, "Time span", span);
	card_int(o, "Packets", rt_int(s, 0, "packets"));
	card_int(o, "SMTP sessions", rt_int(s, 0, "sessions"));
	card_int(o, "Servers", rt_int(s, 0, "servers"));
	card_int(o, "Clients", rt_int(s, 0, "clients"));
	card_int(o, "Mails", rt_int(s, 0, "mails"));
	card_int(o, "Findings", rt_int(s, 0, "findings"));
	fputs("</div>\n<p>Findings by severity: ", o);
	for (r = 0; r < d->severity.nrow; r++) {
		badge(o, rt_str(&d->severity, r, "severity"));
		fprintf(o, " %lld &nbsp; ", rt_int(&d->severity, r, "findings"));
	}
	fputs("</p>\n<h4>Sessions over time</h4>\n", o);
	svg_timeline(o, &d->timeline, d->t0, d->width);
	fputs("</section>\n", o);
}

static void write_findings(FILE *o, const struct rdata *d)
{
	const struct rtable *t = &d->findings;
	long long total = rt_int(&d->summary, 0, "findings");
	char ep[96], a[32], b[32];
	int r;

	fputs("<section id=\"findings-section\"><h2>Findings</h2>\n", o);
	if (total > t->nrow)
		fprintf(o, "<p class=\"muted\">The %d most severe of %lld findings; "
			"<code>smtpscope findings</code> lists all.</p>\n", t->nrow, total);
	fputs("<table id=\"findings\"><thead><tr><th>severity</th><th>server / client</th>"
	      "<th>kind</th><th>name</th><th>summary, remediation and evidence</th>"
	      "<th>first seen</th><th>last seen</th></tr></thead><tbody>\n", o);
	for (r = 0; r < t->nrow; r++) {
		const struct rcell *ev = rt_get(t, r, "evidence");
		const char *sip = rt_str(t, r, "server_ip");
		fputs("<tr><td>", o);
		badge(o, rt_str(t, r, "severity"));
		fputs("</td><td>", o);
		if (sip)
			fmt_endpoint(sip, rt_int(t, r, "server_port"), ep, sizeof ep);
		else if (rt_str(t, r, "client_ip"))
			snprintf(ep, sizeof ep, "client %.64s", rt_str(t, r, "client_ip"));
		else
			snprintf(ep, sizeof ep, "-");
		h(o, ep);
		fputs("</td><td>", o);
		h(o, rt_str(t, r, "kind"));
		fputs("</td><td>", o);
		h(o, rt_str(t, r, "name"));
		fputs("</td><td><details><summary>", o);
		h(o, rt_str(t, r, "summary"));
		fputs("</summary><p>", o);
		h(o, rt_str(t, r, "remediation"));
		fputs("</p><pre>", o);
		if (ev && ev->type == SQLITE_TEXT)
			esc_html(o, ev->s, ev->n, 4000);
		fputs("</pre></details></td><td>", o);
		fmt_time(rt_num(t, r, "first_ts"), a, sizeof a);
		fmt_time(rt_num(t, r, "last_ts"), b, sizeof b);
		h(o, rt_get(t, r, "first_ts") && rt_get(t, r, "first_ts")->type != SQLITE_NULL ? a : "-");
		fputs("</td><td>", o);
		h(o, rt_get(t, r, "last_ts") && rt_get(t, r, "last_ts")->type != SQLITE_NULL ? b : "-");
		fputs("</td></tr>\n", o);
	}
	fputs("</tbody></table>\n", o);
	if (t->nrow == 0)
		fputs("<p class=\"muted\">no findings</p>\n", o);
	fputs("</section>\n", o);
}

/* Writes the first word of s (at most 64 bytes). */
static void first_word(FILE *o, const char *s)
{
	size_t n = 0;

	while (s && s[n] && s[n] != ' ' && n < 64)
		n++;
	esc_html(o, s, n, 64);
}

/* The example session: commands (C:) and replies (S:); authentication
 * payloads and challenges are never printed (the store already redacts them). */
static void write_transcript(FILE *o, const struct rserver *s)
{
	const struct rtable *t = &s->transcript;
	char ep[96], a[32];
	int r, in_auth = 0;

	if (s->example.nrow == 0 || t->nrow == 0)
		return;
	fmt_endpoint(rt_str(&s->example, 0, "client_ip"), rt_int(&s->example, 0, "client_port"),
		     ep, sizeof ep);
	fmt_time(rt_num(&s->example, 0, "first_ts"), a, sizeof a);
	fprintf(o, "<h4>Example transcript: session %lld from ", rt_int(&s->example, 0, "id"));
	h(o, ep);
	fprintf(o, " at %s UTC, outcome ", a);
	h(o, rt_str(&s->example, 0, "outcome"));
	fputs("</h4><pre>", o);
	for (r = 0; r < t->nrow; r++) {
		const char *dir = rt_str(t, r, "dir"), *verb = rt_str(t, r, "verb");
		const struct rcell *text = rt_get(t, r, "text");
		if (dir && dir[0] == 'C') {
			fputs("<span class=\"c\">C: ", o);
			if (in_auth) {
				fputs("[authentication data not shown]", o);
			} else {
				h(o, verb);
				if (verb && (strcasecmp(verb, "AUTH") == 0 || strcasecmp(verb, "X-EXPS") == 0)) {
					fputc(' ', o);
					first_word(o, text && text->type == SQLITE_TEXT ? text->s : NULL);
					fputs(" [credentials not shown]", o);
					in_auth = 1;
				} else if (text && text->type == SQLITE_TEXT) {
					fputc(' ', o);
					esc_html(o, text->s, text->n, ESC_CAP_LIST);
				}
			}
			fputs("</span>\n", o);
		} else {
			long long code = rt_int(t, r, "code");
			fprintf(o, "<span class=\"s\">S: %lld ", code);
			if (code == 334)
				fputs("[challenge not shown]", o);
			else if (text && text->type == SQLITE_TEXT)
				esc_html(o, text->s, text->n, ESC_CAP_DETAIL);
			if (code != 334)
				in_auth = 0;
			fputs("</span>\n", o);
		}
	}
	fputs("</pre>\n", o);
}

static void write_server(FILE *o, const struct rdata *d, int i)
{
	const struct rserver *s = &d->srv[i];
	const struct rcell *bt;
	char ep[96];

	fmt_endpoint(rt_str(&d->servers, i, "server_ip"), rt_int(&d->servers, i, "server_port"),
		     ep, sizeof ep);
	fprintf(o, "<article id=\"srv-%d\"><h3>", i + 1);
	h(o, ep);
	fputs(" &mdash; ", o);
	h(o, rt_str(&d->servers, i, "name") ? rt_str(&d->servers, i, "name") : "(no banner)");
	if (rt_str(&d->servers, i, "software")) {
		fputs(" (", o);
		h(o, rt_str(&d->servers, i, "software"));
		fputc(')', o);
	}
	fprintf(o, "</h3><p>%lld sessions, %lld aborted, %lld mails.</p>\n",
		rt_int(&d->servers, i, "sessions"), rt_int(&d->servers, i, "aborted"),
		rt_int(&d->servers, i, "mails"));
	fputs("<h4>Findings</h4>\n", o);
	html_rtable(o, &s->findings, NULL);
	fputs("<h4>Names announced</h4>\n", o);
	html_rtable(o, &s->names, NULL);
	fputs("<h4>Software</h4>\n", o);
	html_rtable(o, &s->software, NULL);
	if (s->banner.nrow > 0) {
		fputs("<h4>Example banner and EHLO reply</h4><pre>", o);
		fprintf(o, "%lld ", rt_int(&s->banner, 0, "banner_code"));
		if ((bt = rt_get(&s->banner, 0, "banner_text")) && bt->type == SQLITE_TEXT)
			esc_html(o, bt->s, bt->n, ESC_CAP_DETAIL);
		if ((bt = rt_get(&s->banner, 0, "ehlo_first_line")) && bt->type == SQLITE_TEXT) {
			fputs("\n250 ", o);
			esc_html(o, bt->s, bt->n, ESC_CAP_DETAIL);
		}
		fputs("</pre>\n", o);
	}
	fputs("<h4>EHLO extensions</h4><p class=\"muted\">counted over the server's 2000 most "
	      "recent EHLO sessions</p>\n", o);
	html_rtable(o, &s->ext, NULL);
	fputs("<h4>Outcomes</h4>\n", o);
	html_rtable(o, &s->outcomes, NULL);
	fputs("<h4>Sessions over time</h4>\n", o);
	svg_timeline(o, &s->timeline, s->t0, s->width);
	write_transcript(o, s);
	fputs("</article>\n", o);
}

static void write_servers(FILE *o, const struct rdata *d)
{
	int i;

	fprintf(o, "<section id=\"servers\"><h2>Servers</h2><p class=\"muted\">The %d servers with "
		"the most severe findings, then the busiest, of %lld.</p>\n", d->nsrv,
		rt_int(&d->summary, 0, "servers"));
	html_rtable(o, &d->servers, "servers-table");
	fputs("<nav>", o);
	for (i = 0; i < d->nsrv; i++) {
		char ep[96];
		fmt_endpoint(rt_str(&d->servers, i, "server_ip"), rt_int(&d->servers, i, "server_port"),
			     ep, sizeof ep);
		fprintf(o, "<a href=\"#srv-%d\">", i + 1);
		h(o, ep);
		fputs("</a> ", o);
	}
	fputs("</nav>\n", o);
	for (i = 0; i < d->nsrv; i++)
		write_server(o, d, i);
	fputs("</section>\n", o);
}

int report_html(const struct rdata *d, FILE *o)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	      "<title>smtpscope report</title><style>", o);
	fputs(CSS, o);
	fputs("</style></head><body>\n<h1>smtpscope report</h1>\n"
	      "<p class=\"muted\">SMTP servers seen in the captures, what they announce, and what "
	      "went wrong. Times are UTC.</p>\n<nav><a href=\"#summary\">Summary</a>"
	      "<a href=\"#findings-section\">Findings</a><a href=\"#servers\">Servers</a>"
	      "<a href=\"#clients\">Clients</a><a href=\"#dsn447\">4.4.7 reports</a>"
	      "<a href=\"#anomalies\">Anomalies</a><a href=\"#captures\">Captures</a></nav>\n", o);
	write_summary(o, d);
	write_findings(o, d);
	write_servers(o, d);
	fprintf(o, "<section id=\"clients\"><h2>Clients</h2><p class=\"muted\">The %d busiest.</p>\n",
		REPORT_CLIENTS_MAX);
	html_rtable(o, &d->clients, "clients-table");
	fprintf(o, "</section>\n<section id=\"dsn447\"><h2>Delivery-status reports 4.4.7 "
		"(message expired)</h2><p>%lld report mails", rt_int(&d->dsn_count, 0, "reports"));
	if (rt_int(&d->dsn_count, 0, "reports") > d->dsn.nrow)
		fprintf(o, "; the first %d recipients listed", d->dsn.nrow);
	fputs(". <i>about server</i> is the server whose banner name matches the report's "
	      "Reporting-MTA (or its first label) or the recipient's domain.</p>\n", o);
	html_rtable(o, &d->dsn, "dsn447-table");
	fputs("</section>\n<section id=\"anomalies\"><h2>Protocol anomalies</h2>\n", o);
	html_rtable(o, &d->anomalies, NULL);
	fputs("</section>\n<section id=\"captures\"><h2>Captures</h2>\n", o);
	html_rtable(o, &d->captures, NULL);
	fputs("</section>\n<p class=\"muted\">Generated by smtpscope.</p>\n</body></html>\n", o);
	return ferror(o) ? -1 : 0;
}
