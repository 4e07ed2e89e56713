/* \summary: the HTML report: one self-contained page (inline CSS, SVG and a
 * small script; no external resource).  The answer comes first (the verdict,
 * then one card per server with a problem, render/html_verdict.c); the
 * tables below sort and filter with the script and stay complete and
 * readable without it.  Every string from the database goes out through
 * esc_html(). */
#include <arpa/inet.h>
#include <sqlite3.h>
#include <string.h>
#include <strings.h>

#include "reports/escape.h"
#include "reports/query/kinds.h"
#include "reports/render/html_int.h"
#include "reports/render/textfmt.h"

static const char CSS[] =
	":root{--fg:#1d232a;--bg:#fafbfc;--card:#fff;--line:#d7dde3;--head:#eef1f4;--muted:#5d6975;"
	"--link:#0b57b0;--high:#c62828;--medium:#b26a00;--low:#3b73b9;--info:#6b7785;--bar:#3b73b9}"
	"@media (prefers-color-scheme:dark){:root{--fg:#e3e7eb;--bg:#14181c;--card:#1d2227;--line:#38414a;"
	"--head:#262d34;--muted:#9aa6b2;--link:#7fb2ff;--high:#ef5350;--medium:#f0a030;--low:#6a9be0;"
	"--info:#8d99a6;--bar:#6a9be0}}"
	"*{box-sizing:border-box}"
	"body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:1200px;"
	"padding:0 16px 40px;color:var(--fg);background:var(--bg);overflow-wrap:anywhere}"
	"a{color:var(--link)}h1{font-size:24px;margin:18px 0 2px}"
	"h2{font-size:20px;border-bottom:2px solid var(--line);padding-bottom:3px;margin-top:34px}"
	"h3{font-size:16px;margin:18px 0 6px}h4{font-size:14px;margin:14px 0 4px;color:var(--muted)}"
	"table{border-collapse:collapse;margin:6px 0 10px;background:var(--card);font-size:13px;width:100%}"
	"th,td{border:1px solid var(--line);padding:3px 7px;text-align:left;vertical-align:top;"
	"overflow-wrap:anywhere}"
	"th{background:var(--head);font-weight:600;overflow-wrap:normal}td.ep,td.t{overflow-wrap:normal}"
	".sev{white-space:nowrap}td.n{text-align:right;font-variant-numeric:tabular-nums}"
	"th.sorth{cursor:pointer}th[aria-sort=ascending]::after{content:' \\25B2'}"
	"th[aria-sort=descending]::after{content:' \\25BC'}"
	".sev{display:inline-block;border-radius:3px;padding:0 6px;font-size:12px;font-weight:600;"
	"color:#fff;background:var(--info)}.sev-high{background:var(--high)}.sev-medium{background:var(--medium)}"
	".sev-low{background:var(--low)}.sev-info{background:var(--info)}"
	"pre{background:var(--card);border:1px solid var(--line);padding:8px;font-size:12px;"
	"white-space:pre-wrap;overflow-wrap:anywhere;max-width:100%}.c{color:#2e7d32}"
	".muted{color:var(--muted)}code{font-size:12px}code.k{color:var(--muted);font-size:11px}"
	".w{overflow-wrap:anywhere}nav a{margin-right:12px;display:inline-block}"
	"svg{background:var(--card);border:1px solid var(--line);max-width:100%;height:auto}"
	".verdict{font-size:20px;font-weight:600;margin:14px 0 8px}"
	".chip{display:inline-block;border:1px solid var(--line);border-left:5px solid var(--info);"
	"border-radius:4px;padding:1px 7px;margin:2px 2px;background:var(--card);font-size:13px;"
	"text-decoration:none;max-width:100%}"
	".sev-b-high{border-left-color:var(--high)}.sev-b-medium{border-left-color:var(--medium)}"
	".sev-b-low{border-left-color:var(--low)}"
	"article.problem{background:var(--card);border:1px solid var(--line);border-left:6px solid var(--info);"
	"border-radius:6px;padding:4px 16px 6px;margin:12px 0}"
	"article.problem h3 a{text-decoration:none}.rank{color:var(--muted)}"
	"ol.chain li{margin:3px 0}.fix{background:var(--head);padding:6px 10px;border-radius:4px}"
	".suggest b{font-size:16px}"
	"ul.ev{margin:2px 0;padding-left:20px}ul.ev ul.ev{padding-left:16px}.k{color:var(--muted)}"
	"article.server{border-top:2px solid var(--line);margin-top:26px}"
	".finding{border:1px solid var(--line);background:var(--card);border-radius:4px;padding:4px 12px;"
	"margin:8px 0}.new{color:var(--high);font-weight:600;font-size:12px}"
	"input.filter{display:block;margin:6px 0 2px;padding:3px 6px;width:18em;max-width:100%;"
	"font:inherit;color:var(--fg);background:var(--card);border:1px solid var(--line)}"
	".grid{display:flex;flex-wrap:wrap;gap:10px}.grid figure{margin:0;flex:1 1 340px;min-width:0}"
	"figcaption{font-size:12px;color:var(--muted)}"
	"@media print{body{max-width:none;padding:0;background:#fff;color:#000;font-size:10pt}"
	"nav,input.filter{display:none}table{font-size:8pt;width:100%;table-layout:fixed}"
	"article.server{break-before:page}article.problem,.finding,figure{break-inside:avoid}"
	"a{color:inherit;text-decoration:none}.chip{border-color:#999}pre{font-size:8pt}"
	"th[aria-sort]::after{content:''}}";

/* Progressive enhancement: click (or Enter on) a header to sort, type to
 * filter.  The page is complete without it. */
static const char JS[] =
	"(function(){'use strict';"
	"function key(c){var v=c.getAttribute('data-v');return v!==null?v:c.textContent.trim().toLowerCase();}"
	"function num(s){return s!==''&&isFinite(s)?parseFloat(s):NaN;}"
	"function cmp(a,b){var x=num(a),y=num(b);if(!isNaN(x)&&!isNaN(y))return x-y;"
	"return a<b?-1:a>b?1:0;}"
	"var ts=document.querySelectorAll('table.sortable');"
	"Array.prototype.forEach.call(ts,function(t){"
	"if(!t.tHead||!t.tBodies.length)return;var hs=t.tHead.rows[0].cells;"
	"Array.prototype.forEach.call(hs,function(th,i){th.tabIndex=0;th.className+=' sorth';"
	"th.setAttribute('aria-sort','none');"
	"function go(){var b=t.tBodies[0],rs=Array.prototype.slice.call(b.rows),"
	"d=th.getAttribute('aria-sort')==='ascending'?-1:1;"
	"rs.sort(function(p,q){var a=p.cells[i],c=q.cells[i];if(!a||!c)return 0;return d*cmp(key(a),key(c));});"
	"Array.prototype.forEach.call(hs,function(o){o.setAttribute('aria-sort','none');});"
	"th.setAttribute('aria-sort',d>0?'ascending':'descending');"
	"rs.forEach(function(r){b.appendChild(r);});}"
	"th.addEventListener('click',go);"
	"th.addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' '){e.preventDefault();go();}});});"
	"var f=document.createElement('input');f.type='search';f.className='filter';"
	"f.placeholder='Filter rows';f.setAttribute('aria-label','Filter '+(t.getAttribute('aria-label')||'rows'));"
	"f.addEventListener('input',function(){var q=f.value.toLowerCase();"
	"Array.prototype.forEach.call(t.tBodies[0].rows,function(r){"
	"r.hidden=q!==''&&r.textContent.toLowerCase().indexOf(q)<0;});});"
	"t.parentNode.insertBefore(f,t);});})();";

/* ---- shared helpers (html_int.h) ------------------------------------------- */

void h(FILE *o, const char *s)
{
	esc_html(o, s, s ? strlen(s) : 0, ESC_CAP_LIST);
}

/* Characters (UTF-8 code points) in s[0..n). */
static size_t chars(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

void h_wire(FILE *o, const char *s, size_t n, size_t shown)
{
	if (!s) {
		fputs("-", o);
		return;
	}
	if (chars(s, n) <= shown) {
		esc_html(o, s, n, ESC_CAP_DETAIL);
		return;
	}
	fputs("<span title=\"", o);
	esc_html(o, s, n, ESC_CAP_DETAIL);
	fputs("\">", o);
	esc_html(o, s, n, shown);
	fputs("</span>", o);
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

/* An endpoint: IPv6 ones may break after a colon (<wbr>), IPv4 ones never. */
static void h_ep(FILE *o, const char *ep)
{
	const char *p;

	if (!strchr(ep, '[')) {
		h(o, ep);
		return;
	}
	for (p = ep; *p; p++) {
		esc_html(o, p, 1, 1);
		if (*p == ':')
			fputs("<wbr>", o);
	}
}

/* An endpoint, linked to #id when id is not NULL. */
static void ep_link(FILE *o, const char *ep, const char *id, const char *cls)
{
	if (id)
		fprintf(o, "<a class=\"%s\" href=\"#%s\">", cls, id);
	h_ep(o, ep);
	if (id)
		fputs("</a>", o);
}

void h_badge(FILE *o, const char *sev)
{
	fprintf(o, "<span class=\"sev sev-%s\">%s</span>", sev_class(sev), sev_class(sev));
}

void h_kind(FILE *o, const char *kind)
{
	fputs("<span title=\"", o);
	h(o, kind);
	fputs("\">", o);
	h(o, kind_title(kind));
	fputs("</span> <code class=\"k\">", o);
	h(o, kind);
	fputs("</code>", o);
}

void h_fix(FILE *o, const char *rem)
{
	if (!rem)
		return;
	fputs("<p class=\"fix\"><b>Fix:</b> ", o);
	esc_html(o, rem, strlen(rem), ESC_CAP_DETAIL);
	fputs("</p>\n", o);
}

void h_date(FILE *o, double t)
{
	char a[32];

	if (!(t >= 0)) {
		fputs("-", o);
		return;
	}
	fmt_time(t, a, sizeof a);
	fprintf(o, "<time>%s</time>", a);
}

void srv_id(const char *ip, long long port, char *buf, size_t n)
{
	size_t i, o = 0;

	o = (size_t)snprintf(buf, n, "srv-");
	for (i = 0; ip && ip[i] && o + 8 < n; i++) {
		char c = ip[i];
		buf[o++] = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ? c : '-';
	}
	snprintf(buf + o, n - o, "-%lld", port);
}

void ip_sort_key(const char *ip, long long port, char *buf, size_t n)
{
	unsigned char b[16];
	size_t o;
	int i;

	if (ip && inet_pton(AF_INET, ip, b) == 1) {
		o = (size_t)snprintf(buf, n, "v4-");
		for (i = 0; i < 4 && o + 3 < n; i++)
			o += (size_t)snprintf(buf + o, n - o, "%02x", b[i]);
	} else if (ip && inet_pton(AF_INET6, ip, b) == 1) {
		o = (size_t)snprintf(buf, n, "v6-");
		for (i = 0; i < 16 && o + 3 < n; i++)
			o += (size_t)snprintf(buf + o, n - o, "%02x", b[i]);
	} else {
		o = (size_t)snprintf(buf, n, "zz-");
		for (i = 0; ip && ip[i] && o + 2 < n; i++)
			buf[o++] = ip[i] == '"' || ip[i] == '<' || ip[i] == '&' || ip[i] == '\'' ? '_' : ip[i];
		buf[o] = '\0';
	}
	if (port >= 0 && o < n)
		snprintf(buf + o, n - o, "-%05lld", port);
}

int html_server_index(const struct rdata *d, const char *ip, long long port)
{
	int i;

	for (i = 0; ip && i < d->nsrv; i++) {
		const char *s = rt_str(&d->servers, i, "server_ip");
		if (s && strcmp(s, ip) == 0 && rt_int(&d->servers, i, "server_port") == port)
			return i;
	}
	return -1;
}

/* ---- tables ----------------------------------------------------------------- */

static const char *const col_words[][2] = {
	{ "ehlo_reply", "EHLO reply" }, { "greeting_host", "EHLO reply host" },
	{ "banner_host", "greeting host" }, { "banner_text", "greeting" }, { "helo", "HELO/EHLO name" },
	{ "first_ts", "first seen" }, { "last_ts", "last seen" }, { "ts", "time" },
	{ "ehlo_first_line", "EHLO reply" }, { "reporting_mta", "Reporting-MTA" },
	{ "about_server", "about server" }, { "carried_by", "carried by" },
};

static void header_name(FILE *o, const char *name)
{
	size_t i;

	for (i = 0; i < sizeof col_words / sizeof col_words[0]; i++)
		if (strcmp(name, col_words[i][0]) == 0) {
			fputs(col_words[i][1], o);
			return;
		}
	for (; *name; name++)
		fputc(*name == '_' ? ' ' : *name, o);
}

static int ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n >= m && strcmp(s + n - m, suf) == 0;
}

/* A loaded table as an HTML table (sortable with the script when id is set);
 * severity columns as badges, times as dates, addresses with sort keys. */
static void html_rtable(FILE *o, const struct rtable *t, const char *id, const char *label)
{
	char buf[64], key[96];
	int r, c;

	if (t->nrow == 0) {
		fputs("<p class=\"muted\">none</p>\n", o);
		return;
	}
	if (id)
		fprintf(o, "<table id=\"%s\" class=\"sortable\" aria-label=\"%s\">", id, label ? label : id);
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
			int time = rt_is_time_col(t->names[c]);
			if (ends_with(t->names[c], "_ip") && cell->type == SQLITE_TEXT) {
				ip_sort_key(cell->s, -1, key, sizeof key);
				fprintf(o, "<td data-v=\"%s\">", key);
			} else if (num) {
				fprintf(o, "<td class=\"%s\" data-v=\"%.6f\">", time ? "t" : "n", cell->d);
			} else if (strstr(t->names[c], "severity") && cell->type == SQLITE_TEXT) {
				fprintf(o, "<td data-v=\"%d\">", severity_rank(cell->s));
			} else {
				fputs("<td>", o);
			}
			if (strstr(t->names[c], "severity") && cell->type == SQLITE_TEXT) {
				h_badge(o, cell->s);
			} else if (strcmp(t->names[c], "kind") == 0 && cell->type == SQLITE_TEXT && cell->n < 40) {
				char w[48];
				h(o, name_kind_words(cell->s, w, sizeof w));
			} else if (time && num) {
				h_date(o, cell->d);
			} else {
				cell_text(t, c, cell, buf, sizeof buf, &s, &n);
				h_wire(o, s, n, HTML_SHORT);
			}
			fputs("</td>", o);
		}
		fputs("</tr>\n", o);
	}
	fputs("</tbody></table>\n", o);
}

/* ---- timeline ---------------------------------------------------------------------- */

/* log10(1 + v) without libm: enough for bar heights. */
static double lg(double v)
{
	double r = 0;

	v += 1;
	while (v >= 10) {
		v /= 10;
		r += 1;
	}
	/* log10 on [1, 10): a cubic fit, error under 0.01 */
	v -= 1;
	return r + v * (0.4342945 - v * (0.0917 - v * 0.0082)) * (1 + v * 0.02) / (1 + v * 0.1);
}

/* Sessions per time bucket on a log scale, aborted sessions in red on top of
 * each bar (so a small count stays visible beside a dominant one). */
static void svg_timeline(FILE *o, const struct rtable *t, double t0, double width, const char *label)
{
	long long all[TIMELINE_BUCKETS] = { 0 }, ab[TIMELINE_BUCKETS] = { 0 }, max = 0, sum = 0, sab = 0;
	const int W = 720, H = 140, top = 16, base = 112, bw = W / TIMELINE_BUCKETS;
	char a[32], b[32], per[32];
	double lmax;
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
	lmax = lg((double)max);
	if (lmax <= 0)
		lmax = 1;
	fmt_duration(width, per, sizeof per);
	fprintf(o, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", W, H, W, H);
	h(o, label);
	fputs("\">", o);
	for (i = 0; i < TIMELINE_BUCKETS; i++) {
		int hh, hok, hab;
		if (all[i] == 0)
			continue;
		sum += all[i];
		sab += ab[i];
		hh = (int)(lg((double)all[i]) * (base - top) / lmax);
		if (hh < 2)
			hh = 2;
		/* the bar's height is the log of all sessions; the aborted share of it in red */
		hab = ab[i] > 0 ? (int)((double)hh * (double)ab[i] / (double)all[i]) : 0;
		if (ab[i] > 0 && hab < 2)
			hab = 2;
		hok = hh - hab;
		fmt_time(t0 + width * i, a, sizeof a);
		fprintf(o, "<g><title>%s UTC: %lld session%s, %lld aborted</title>", a, all[i],
			all[i] == 1 ? "" : "s", ab[i]);
		if (hok > 0)
			fprintf(o, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#3b73b9\"/>",
				i * bw + 1, base - hh, bw - 2, hok);
		if (hab > 0)
			fprintf(o, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#c62828\"/>",
				i * bw + 1, base - hab, bw - 2, hab);
		fputs("</g>", o);
	}
	fmt_time(t0, a, sizeof a);
	fmt_time(t0 + width * TIMELINE_BUCKETS, b, sizeof b);
	fprintf(o, "<line x1=\"0\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#6b7785\"/>"
		"<text x=\"2\" y=\"12\" font-size=\"11\" fill=\"#6b7785\">log scale, max %lld per %s; "
		"%lld sessions, %lld aborted (red)</text>"
		"<text x=\"2\" y=\"130\" font-size=\"11\" fill=\"#6b7785\">%s</text>"
		"<text x=\"%d\" y=\"130\" font-size=\"11\" fill=\"#6b7785\" text-anchor=\"end\">%s UTC</text>"
		"</svg>\n", base, W, base, max, per, sum, sab, a, W - 2, b);
}

/* ---- sections --------------------------------------------------------------------- */

static void endpoint_of(const struct rtable *t, int r, char *ep, size_t n)
{
	const char *sip = rt_str(t, r, "server_ip");

	if (sip)
		fmt_endpoint(sip, rt_int(t, r, "server_port"), ep, n);
	else if (rt_str(t, r, "client_ip"))
		snprintf(ep, n, "client %.64s", rt_str(t, r, "client_ip"));
	else
		snprintf(ep, n, "-");
}

static void write_header(FILE *o, const struct rdata *d)
{
	const struct rtable *s = &d->summary;
	char a[32], b[32], span[32];
	double t0 = rt_num(s, 0, "first_ts"), t1 = rt_num(s, 0, "last_ts");
	long long n;

	fputs("<header><h1>smtpscope report</h1><p class=\"muted\">", o);
	n = rt_int(s, 0, "captures");
	fprintf(o, "%lld capture%s", n, n == 1 ? "" : "s");
	if (rt_get(s, 0, "first_ts") && rt_get(s, 0, "first_ts")->type != SQLITE_NULL) {
		fmt_time(t0, a, sizeof a);
		fmt_time(t1, b, sizeof b);
		fprintf(o, ", %s to %s UTC (%s)", a, b, fmt_duration(t1 - t0, span, sizeof span));
	}
	n = rt_int(s, 0, "sessions");
	fprintf(o, ", %lld SMTP session%s", n, n == 1 ? "" : "s");
	n = rt_int(s, 0, "servers");
	fprintf(o, ", %lld server%s", n, n == 1 ? "" : "s");
	n = rt_int(s, 0, "clients");
	fprintf(o, ", %lld client%s", n, n == 1 ? "" : "s");
	n = rt_int(s, 0, "mails");
	fprintf(o, ", %lld mail%s", n, n == 1 ? "" : "s");
	n = rt_int(s, 0, "findings");
	fprintf(o, ", %lld finding%s", n, n == 1 ? "" : "s");
	if (d->severity.nrow) {
		int r;
		fputs(" (", o);
		for (r = 0; r < d->severity.nrow; r++) {
			fprintf(o, "%s%lld ", r ? ", " : "", rt_int(&d->severity, r, "findings"));
			h(o, rt_str(&d->severity, r, "severity"));
		}
		fputc(')', o);
	}
	fputs(".</p></header>\n<nav><a href=\"#verdict\">Verdict</a><a href=\"#problems\">Problems</a>"
	      "<a href=\"#hygiene\">Hygiene</a><a href=\"#findings-section\">Findings</a>"
	      "<a href=\"#timeline\">Timeline</a><a href=\"#servers\">Servers</a>"
	      "<a href=\"#clients\">Clients</a><a href=\"#dsn447\">4.4.7 reports</a>"
	      "<a href=\"#anomalies\">Anomalies</a><a href=\"#captures\">Captures</a></nav>\n", o);
}

/* Problems first (severity), hygiene after: the order of the table. */
static int problem_first(const struct rdata *d, int r, int pass)
{
	int g = kind_group(rt_str(&d->findings, r, "kind"), rt_str(&d->findings, r, "severity"));
	return pass == 0 ? g == KIND_PROBLEM : g != KIND_PROBLEM;
}

static void write_findings(FILE *o, const struct rdata *d)
{
	const struct rtable *t = &d->findings;
	long long total = rt_int(&d->summary, 0, "findings");
	char ep[96], id[HTML_ID_MAX], key[96];
	int r, pass;

	fputs("<section id=\"findings-section\"><h2>Findings</h2>\n", o);
	if (total > t->nrow)
		fprintf(o, "<p class=\"muted\">The %d most severe of %lld findings; "
			"<code>smtpscope findings</code> lists all.</p>\n", t->nrow, total);
	fputs("<p class=\"muted\">Problems that cost mail first, then hygiene. Each row links to "
	      "its server's section, where the evidence and the fix are.</p>\n", o);
	fputs("<table id=\"findings\" class=\"sortable\" aria-label=\"findings\"><thead><tr>"
	      "<th>severity</th><th>server or client</th><th>finding</th><th>name</th><th>summary</th>"
	      "<th>first</th><th>last</th></tr></thead><tbody>\n", o);
	for (pass = 0; pass < 2; pass++)
		for (r = 0; r < t->nrow; r++) {
			const char *sip = rt_str(t, r, "server_ip"), *name = rt_str(t, r, "name");
			const char *fk = rt_str(t, r, "finding_key");
			int si;
			if (!problem_first(d, r, pass))
				continue;
			endpoint_of(t, r, ep, sizeof ep);
			ip_sort_key(sip ? sip : rt_str(t, r, "client_ip"), sip ? rt_int(t, r, "server_port") : -1,
				    key, sizeof key);
			fputs("<tr", o);
			if (fk && strspn(fk, "0123456789abcdef") == strlen(fk))
				fprintf(o, " id=\"row-%s\"", fk);
			fprintf(o, "><td data-v=\"%d\">", severity_rank(rt_str(t, r, "severity")));
			h_badge(o, rt_str(t, r, "severity"));
			fprintf(o, "</td><td class=\"ep\" data-v=\"%s\">", key);
			si = sip ? html_server_index(d, sip, rt_int(t, r, "server_port")) : -1;
			if (si >= 0)
				srv_id(sip, rt_int(t, r, "server_port"), id, sizeof id);
			ep_link(o, ep, si >= 0 ? id : NULL, "flink");
			fputs("</td><td>", o);
			h_kind(o, rt_str(t, r, "kind"));
			if (rt_int(t, r, "is_new"))
				fputs(" <span class=\"new\">new</span>", o);
			fputs("</td><td class=\"w\">", o);
			h_wire(o, name, name ? strlen(name) : 0, 60);
			fputs("</td><td>", o);
			h(o, rt_str(t, r, "summary"));
			fprintf(o, "</td><td class=\"t\" data-v=\"%.6f\">", rt_num(t, r, "first_ts"));
			h_date(o, rt_get(t, r, "first_ts") && rt_get(t, r, "first_ts")->type != SQLITE_NULL
				  ? rt_num(t, r, "first_ts") : -1);
			fprintf(o, "</td><td class=\"t\" data-v=\"%.6f\">", rt_num(t, r, "last_ts"));
			h_date(o, rt_get(t, r, "last_ts") && rt_get(t, r, "last_ts")->type != SQLITE_NULL
				  ? rt_num(t, r, "last_ts") : -1);
			fputs("</td></tr>\n", o);
		}
	fputs("</tbody></table>\n", o);
	if (t->nrow == 0)
		fputs("<p class=\"muted\">no findings</p>\n", o);
	/* findings without a server section (clients, untied reports): their evidence here */
	for (r = 0; r < t->nrow; r++) {
		const char *sip = rt_str(t, r, "server_ip");
		const struct rcell *ev = rt_get(t, r, "evidence");
		if (sip && html_server_index(d, sip, rt_int(t, r, "server_port")) >= 0)
			continue;
		endpoint_of(t, r, ep, sizeof ep);
		fputs("<div class=\"finding\"><h4>", o);
		h_badge(o, rt_str(t, r, "severity"));
		fputc(' ', o);
		h(o, ep);
		fputs(": ", o);
		h_kind(o, rt_str(t, r, "kind"));
		fputs("</h4><p>", o);
		h(o, rt_str(t, r, "summary"));
		fputs("</p>", o);
		if (ev && ev->type == SQLITE_TEXT)
			html_evidence(o, ev->s, ev->n);
		h_fix(o, rt_str(t, r, "remediation"));
		fputs("</div>\n", o);
	}
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
			fprintf(o, "<span>S: %lld ", code);
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

static void write_server_findings(FILE *o, const struct rserver *s)
{
	const struct rtable *t = &s->findings;
	int r;

	for (r = 0; r < t->nrow; r++) {
		const char *fk = rt_str(t, r, "finding_key"), *sg = rt_str(t, r, "suggested_name");
		const struct rcell *ev = rt_get(t, r, "evidence");
		int safe = fk && strspn(fk, "0123456789abcdef") == strlen(fk);
		fputs("<div class=\"finding\"", o);
		if (safe)
			fprintf(o, " id=\"f-%s\"", fk);
		fputs("><h4>", o);
		h_badge(o, rt_str(t, r, "severity"));
		fputc(' ', o);
		h_kind(o, rt_str(t, r, "kind"));
		if (rt_int(t, r, "is_new"))
			fputs(" <span class=\"new\">new</span>", o);
		if (safe)
			fprintf(o, " <a href=\"#row-%s\" title=\"back to the findings table\">&uarr; table</a>", fk);
		fputs("</h4><p>", o);
		h(o, rt_str(t, r, "summary"));
		fputs("</p>", o);
		if (ev && ev->type == SQLITE_TEXT)
			html_evidence(o, ev->s, ev->n);
		if (sg) {
			fputs("<p class=\"suggest\">Announce <b class=\"w\">", o);
			h_wire(o, sg, strlen(sg), 100);
			fputs("</b> (seen in ", o);
			h(o, suggest_source_words(rt_str(t, r, "suggested_source")));
			fputs(").</p>", o);
		}
		h_fix(o, rt_str(t, r, "remediation"));
		if (safe)
			fprintf(o, "<p class=\"muted\">Key <code>%s</code></p>", fk);
		fputs("</div>\n", o);
	}
}

static void write_server(FILE *o, const struct rdata *d, int i)
{
	const struct rserver *s = &d->srv[i];
	const char *ip = rt_str(&d->servers, i, "server_ip"), *name = rt_str(&d->servers, i, "name");
	long long port = rt_int(&d->servers, i, "server_port");
	const struct rcell *bt;
	char ep[96], id[HTML_ID_MAX];
	long long n;

	fmt_endpoint(ip, port, ep, sizeof ep);
	srv_id(ip, port, id, sizeof id);
	fprintf(o, "<article class=\"server\" id=\"%s\"><h3>", id);
	h(o, ep);
	fputs(" &mdash; <span class=\"w\">", o);
	h_wire(o, name ? name : "(no greeting)", name ? strlen(name) : 13, 80);
	fputs("</span>", o);
	if (rt_str(&d->servers, i, "software")) {
		fputs(" <span class=\"muted\">", o);
		h(o, rt_str(&d->servers, i, "software"));
		fputs("</span>", o);
	}
	n = rt_int(&d->servers, i, "sessions");
	fprintf(o, "</h3><p>%lld session%s, ", n, n == 1 ? "" : "s");
	n = rt_int(&d->servers, i, "aborted");
	fprintf(o, "%lld aborted, ", n);
	n = rt_int(&d->servers, i, "mails");
	fprintf(o, "%lld mail%s, ", n, n == 1 ? "" : "s");
	h_date(o, rt_num(&d->servers, i, "first_ts"));
	fputs(" to ", o);
	h_date(o, rt_num(&d->servers, i, "last_ts"));
	fputs(" UTC.</p>\n", o);
	write_server_findings(o, s);
	if (s->banner.nrow > 0) {
		fputs("<h4>Example greeting and EHLO reply</h4><pre>", o);
		fprintf(o, "%lld ", rt_int(&s->banner, 0, "banner_code"));
		if ((bt = rt_get(&s->banner, 0, "banner_text")) && bt->type == SQLITE_TEXT)
			esc_html(o, bt->s, bt->n, ESC_CAP_DETAIL);
		if ((bt = rt_get(&s->banner, 0, "ehlo_first_line")) && bt->type == SQLITE_TEXT) {
			fputs("\n250 ", o);
			esc_html(o, bt->s, bt->n, ESC_CAP_DETAIL);
		}
		fputs("</pre>\n", o);
	}
	fputs("<div class=\"grid\"><figure><figcaption>Names announced</figcaption>\n", o);
	html_rtable(o, &s->names, NULL, NULL);
	fputs("</figure><figure><figcaption>Software</figcaption>\n", o);
	html_rtable(o, &s->software, NULL, NULL);
	fputs("</figure><figure><figcaption>Outcomes</figcaption>\n", o);
	html_rtable(o, &s->outcomes, NULL, NULL);
	fputs("</figure><figure><figcaption>EHLO extensions (the server's 2000 most recent EHLO "
	      "sessions)</figcaption>\n", o);
	html_rtable(o, &s->ext, NULL, NULL);
	fputs("</figure></div>\n<h4>Sessions over time</h4>\n", o);
	svg_timeline(o, &s->timeline, s->t0, s->width, "sessions of this server over time");
	write_transcript(o, s);
	fputs("</article>\n", o);
}

static void server_row(FILE *o, const struct rdata *d, const struct rtable *t, int r, int linked)
{
	const char *ip = rt_str(t, r, "server_ip"), *name = rt_str(t, r, "name");
	long long port = rt_int(t, r, "server_port");
	char ep[96], id[HTML_ID_MAX], key[96];
	const char *sev = rt_str(t, r, "worst_severity");

	(void)d;
	fmt_endpoint(ip, port, ep, sizeof ep);
	srv_id(ip, port, id, sizeof id);
	ip_sort_key(ip, port, key, sizeof key);
	fprintf(o, "<tr id=\"row-%s\"><td class=\"ep\" data-v=\"%s\">", id, key);
	ep_link(o, ep, linked ? id : NULL, "slink");
	fputs("</td><td class=\"w\">", o);
	h_wire(o, name, name ? strlen(name) : 0, 60);
	fputs("</td><td>", o);
	h(o, rt_str(t, r, "software") ? rt_str(t, r, "software") : "-");
	fprintf(o, "</td><td class=\"n\" data-v=\"%lld\">%lld</td><td class=\"n\" data-v=\"%lld\">%lld</td>"
		"<td class=\"n\" data-v=\"%lld\">%lld</td><td class=\"n\" data-v=\"%lld\">%lld</td>",
		rt_int(t, r, "sessions"), rt_int(t, r, "sessions"), rt_int(t, r, "aborted"),
		rt_int(t, r, "aborted"), rt_int(t, r, "mails"), rt_int(t, r, "mails"),
		rt_int(t, r, "findings"), rt_int(t, r, "findings"));
	fprintf(o, "<td data-v=\"%d\">", sev ? severity_rank(sev) : 9);
	if (sev)
		h_badge(o, sev);
	else
		fputs("-", o);
	fprintf(o, "</td><td class=\"t\" data-v=\"%.6f\">", rt_num(t, r, "last_ts"));
	h_date(o, rt_num(t, r, "last_ts"));
	fputs("</td></tr>\n", o);
}

static void write_servers(FILE *o, const struct rdata *d)
{
	long long total = rt_int(&d->summary, 0, "servers");
	int i;

	fputs("<section id=\"servers\"><h2>Servers</h2>\n", o);
	fprintf(o, "<p class=\"muted\">All %lld server%s (IP and port): those with findings link to "
		"their section below", total, total == 1 ? "" : "s");
	if (total > d->nsrv + d->others.nrow)
		fprintf(o, "; the table lists %d of them", d->nsrv + d->others.nrow);
	fputs(".</p>\n<table id=\"servers-table\" class=\"sortable\" aria-label=\"servers\"><thead><tr>"
	      "<th>server</th><th>greeting name</th><th>software</th><th>sessions</th><th>aborted</th>"
	      "<th>mails</th><th>findings</th><th>worst</th><th>last seen</th></tr></thead><tbody>\n", o);
	for (i = 0; i < d->nsrv; i++)
		server_row(o, d, &d->servers, i, 1);
	for (i = 0; i < d->others.nrow; i++)
		server_row(o, d, &d->others, i, 0);
	fputs("</tbody></table>\n", o);
	for (i = 0; i < d->nsrv; i++)
		write_server(o, d, i);
	fputs("</section>\n", o);
}

static void write_clients(FILE *o, const struct rdata *d)
{
	long long total = rt_int(&d->summary, 0, "clients");

	fputs("<section id=\"clients\"><h2>Clients</h2>\n<p class=\"muted\">", o);
	if (total > d->clients.nrow)
		fprintf(o, "The %d busiest of %lld clients.", d->clients.nrow, total);
	else
		fprintf(o, "All %lld client%s.", total, total == 1 ? "" : "s");
	fputs("</p>\n", o);
	html_rtable(o, &d->clients, "clients-table", "clients");
	fputs("</section>\n", o);
}

int report_html(const struct rdata *d, FILE *o)
{
	long long nd = rt_int(&d->dsn_count, 0, "reports");

	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	      "<meta name=\"color-scheme\" content=\"light dark\">"
	      "<title>smtpscope report</title><style>", o);
	fputs(CSS, o);
	fputs("</style></head><body>\n", o);
	write_header(o, d);
	html_verdict(o, d);
	write_findings(o, d);
	fputs("<section id=\"timeline\"><h2>Sessions over time</h2>\n", o);
	svg_timeline(o, &d->timeline, d->t0, d->width, "all sessions over time");
	fputs("</section>\n", o);
	write_servers(o, d);
	write_clients(o, d);
	fprintf(o, "<section id=\"dsn447\"><h2>Delivery-status reports 4.4.7 (message expired)</h2>"
		"<p>%lld report mail%s", nd, nd == 1 ? "" : "s");
	if (nd > d->dsn.nrow)
		fprintf(o, "; the first %d recipients listed", d->dsn.nrow);
	fputs(". <i>about server</i> is the server whose greeting name matches the report's "
	      "Reporting-MTA (or its first label) or the recipient's domain.</p>\n", o);
	html_rtable(o, &d->dsn, "dsn447-table", "4.4.7 reports");
	fputs("</section>\n<section id=\"anomalies\"><h2>Protocol anomalies</h2>\n", o);
	html_rtable(o, &d->anomalies, "anomalies-table", "anomalies");
	fputs("</section>\n<section id=\"captures\"><h2>Captures</h2>\n", o);
	html_rtable(o, &d->captures, "captures-table", "captures");
	fputs("</section>\n<p class=\"muted\">Generated by smtpscope. Times are UTC.</p>\n"
	      "<script id=\"smtpscope-ui\">", o);
	fputs(JS, o);
	fputs("</script>\n</body></html>\n", o);
	return ferror(o) ? -1 : 0;
}
