/* \summary: the report as a terminal summary (esc_text: no control byte
 * reaches the terminal) and as JSON for scripts (the same sections). */
#include <sqlite3.h>
#include <string.h>
#include <strings.h>

#include "reports/render/render.h"
#include "reports/render/textfmt.h"

#define TXT_CELL_MAX 48  /* columns of one text table cell */

static void t(FILE *o, const char *s)
{
	esc_text(o, s, s ? strlen(s) : 0, ESC_CAP_LIST);
}

/* A loaded table as aligned text, at most max_rows rows. */
static void text_rtable(FILE *o, const struct rtable *tb, int max_rows, const char *indent)
{
	size_t w[64] = { 0 }, x, n;
	char buf[64];
	const char *s;
	int r, c, ncol = tb->ncol < 64 ? tb->ncol : 64, rows = tb->nrow < max_rows ? tb->nrow : max_rows;

	if (tb->nrow == 0) {
		fprintf(o, "%s(none)\n", indent);
		return;
	}
	for (c = 0; c < ncol; c++) {
		w[c] = strlen(tb->names[c]);
		for (r = 0; r < rows; r++) {
			cell_text(tb, c, tb->c + (size_t)r * (size_t)tb->ncol + (size_t)c, buf, sizeof buf, &s, &n);
			if ((x = esc_text_width(s, n, TXT_CELL_MAX)) > w[c])
				w[c] = x;
		}
	}
	fputs(indent, o);
	for (c = 0; c < ncol; c++)
		fprintf(o, "%-*s%s", c + 1 < ncol ? (int)w[c] : 0, tb->names[c], c + 1 < ncol ? "  " : "\n");
	for (r = 0; r < rows; r++) {
		fputs(indent, o);
		for (c = 0; c < ncol; c++) {
			cell_text(tb, c, tb->c + (size_t)r * (size_t)tb->ncol + (size_t)c, buf, sizeof buf, &s, &n);
			esc_text(o, s, n, TXT_CELL_MAX);
			if (c + 1 < ncol) {
				for (x = esc_text_width(s, n, TXT_CELL_MAX); x < w[c] + 2; x++)
					fputc(' ', o);
			}
		}
		fputc('\n', o);
	}
	if (tb->nrow > rows)
		fprintf(o, "%s... %d more\n", indent, tb->nrow - rows);
}

int report_text(const struct rdata *d, FILE *o)
{
	const struct rtable *s = &d->summary;
	char a[32], b[32], ep[96];
	int i, r, width = text_width(o);

	fputs("smtpscope report\n================\n\n", o);
	fmt_time(rt_num(s, 0, "first_ts"), a, sizeof a);
	fmt_time(rt_num(s, 0, "last_ts"), b, sizeof b);
	fprintf(o, "captures %lld, packets %lld, sessions %lld, servers %lld, clients %lld, mails %lld\n",
		rt_int(s, 0, "captures"), rt_int(s, 0, "packets"), rt_int(s, 0, "sessions"),
		rt_int(s, 0, "servers"), rt_int(s, 0, "clients"), rt_int(s, 0, "mails"));
	if (rt_int(s, 0, "sessions") > 0)
		fprintf(o, "time span %s to %s UTC\n", a, b);
	fputs("findings:", o);
	for (r = 0; r < d->severity.nrow; r++) {
		fputc(' ', o);
		t(o, rt_str(&d->severity, r, "severity"));
		fprintf(o, " %lld", rt_int(&d->severity, r, "findings"));
	}
	fputs("\n\nFindings\n--------\n", o);
	if (d->findings.nrow == 0)
		fputs("(none)\n", o);
	for (r = 0; r < d->findings.nrow && r < REPORT_TEXT_FINDINGS; r++) {
		const struct rtable *f = &d->findings;
		struct fview v;

		memset(&v, 0, sizeof v);
		v.severity = rt_str(f, r, "severity");
		v.server_ip = rt_str(f, r, "server_ip");
		v.server_port = rt_int(f, r, "server_port");
		v.client_ip = rt_str(f, r, "client_ip");
		v.kind = rt_str(f, r, "kind");
		v.name = rt_str(f, r, "name");
		v.summary = rt_str(f, r, "summary");
		v.remediation = rt_str(f, r, "remediation");
		v.suggested_name = rt_str(f, r, "suggested_name");
		v.suggested_source = rt_str(f, r, "suggested_source");
		v.key = rt_str(f, r, "finding_key");
		v.first_seen = rt_get(f, r, "first_seen") && rt_get(f, r, "first_seen")->type != SQLITE_NULL
			       ? rt_num(f, r, "first_seen") : -1;
		v.last_seen = rt_num(f, r, "last_seen");
		v.is_new = (int)rt_int(f, r, "is_new");
		if (r)
			fputc('\n', o);
		text_finding(o, &v, width);
	}
	if (rt_int(s, 0, "findings") > r)
		fprintf(o, "... %lld more (smtpscope findings lists all)\n", rt_int(s, 0, "findings") - r);
	fputs("\nServers\n-------\n", o);
	text_rtable(o, &d->servers, 20, "");
	for (i = 0; i < d->nsrv && i < REPORT_TEXT_SERVERS; i++) {
		const struct rserver *sv = &d->srv[i];
		fmt_endpoint(rt_str(&d->servers, i, "server_ip"), rt_int(&d->servers, i, "server_port"),
			     ep, sizeof ep);
		fputs("\n* ", o);
		t(o, ep);
		fputs("  ", o);
		t(o, rt_str(&d->servers, i, "name"));
		fputs("\n  names:\n", o);
		text_rtable(o, &sv->names, 10, "    ");
		fputs("  software:\n", o);
		text_rtable(o, &sv->software, 5, "    ");
		fputs("  outcomes:\n", o);
		text_rtable(o, &sv->outcomes, 10, "    ");
	}
	fputs("\nBusiest clients\n---------------\n", o);
	text_rtable(o, &d->clients, 20, "");
	fprintf(o, "\n4.4.7 delivery-status reports: %lld\n", rt_int(&d->dsn_count, 0, "reports"));
	text_rtable(o, &d->dsn, 20, "");
	fputs("\nAnomalies\n---------\n", o);
	text_rtable(o, &d->anomalies, 20, "");
	return ferror(o) ? -1 : 0;
}

static void jtable(struct jw *w, const char *key, const struct rtable *tb)
{
	jw_key(w, key);
	json_rtable(w, tb);
}

int report_json(const struct rdata *d, FILE *o)
{
	struct jw w;
	int i, r, in_auth;

	jw_init(&w, o);
	w.cap = ESC_CAP_DETAIL;
	jw_obj(&w);
	jw_key(&w, "summary");
	if (d->summary.nrow > 0)
		json_rrow(&w, &d->summary, 0);
	else
		jw_null(&w);
	jtable(&w, "findings_by_severity", &d->severity);
	jw_key(&w, "findings");
	jw_arr(&w);
	for (r = 0; r < d->findings.nrow; r++) {
		const struct rtable *f = &d->findings;
		const struct rcell *ev = rt_get(f, r, "evidence");
		int c;
		jw_obj(&w);
		for (c = 0; c < f->ncol; c++) {
			const struct rcell *cell = f->c + (size_t)r * (size_t)f->ncol + (size_t)c;
			if (strcmp(f->names[c], "evidence") == 0 || strcmp(f->names[c], "evidence_ok") == 0)
				continue;
			jw_key(&w, f->names[c]);
			if (cell->type == SQLITE_NULL)
				jw_null(&w);
			else if (cell->type == SQLITE_INTEGER)
				jw_int(&w, cell->i);
			else if (cell->type == SQLITE_FLOAT)
				jw_num(&w, cell->d);
			else
				jw_strn(&w, cell->s, cell->n);
		}
		jw_key(&w, "evidence");
		if (rt_int(f, r, "evidence_ok") && ev && ev->type == SQLITE_TEXT)
			jw_raw(&w, ev->s);
		else if (ev && ev->type == SQLITE_TEXT)
			jw_strn(&w, ev->s, ev->n);
		else
			jw_null(&w);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_key(&w, "timeline");
	jw_obj(&w);
	jw_key(&w, "start_ts");
	jw_num(&w, d->t0);
	jw_key(&w, "bucket_s");
	jw_num(&w, d->width);
	jtable(&w, "buckets", &d->timeline);
	jw_obj_end(&w);
	jw_key(&w, "servers");
	jw_arr(&w);
	for (i = 0; i < d->nsrv; i++) {
		const struct rserver *s = &d->srv[i];
		jw_obj(&w);
		jw_key(&w, "server");
		json_rrow(&w, &d->servers, i);
		jtable(&w, "findings", &s->findings);
		jtable(&w, "names", &s->names);
		jtable(&w, "software", &s->software);
		jtable(&w, "banner", &s->banner);
		jtable(&w, "extensions", &s->ext);
		jtable(&w, "outcomes", &s->outcomes);
		jw_key(&w, "timeline");
		jw_obj(&w);
		jw_key(&w, "start_ts");
		jw_num(&w, s->t0);
		jw_key(&w, "bucket_s");
		jw_num(&w, s->width);
		jtable(&w, "buckets", &s->timeline);
		jw_obj_end(&w);
		jtable(&w, "example_session", &s->example);
		/* the store redacts AUTH payloads already; 334 challenges are left out here too */
		jw_key(&w, "transcript");
		jw_arr(&w);
		in_auth = 0;
		for (r = 0; r < s->transcript.nrow; r++) {
			const char *dir = rt_str(&s->transcript, r, "dir");
			const char *verb = rt_str(&s->transcript, r, "verb");
			if (dir && dir[0] == 'C' && in_auth) {
				jw_obj(&w);
				jw_key(&w, "dir");
				jw_str(&w, "C");
				jw_key(&w, "text");
				jw_str(&w, "[authentication data not shown]");
				jw_obj_end(&w);
				continue;
			}
			if (dir && dir[0] == 'C' && verb &&
			    (strcasecmp(verb, "AUTH") == 0 || strcasecmp(verb, "X-EXPS") == 0))
				in_auth = 1;
			else if (dir && dir[0] == 'S' && rt_int(&s->transcript, r, "code") != 334)
				in_auth = 0;
			if (rt_int(&s->transcript, r, "code") == 334) {
				jw_obj(&w);
				jw_key(&w, "dir");
				jw_str(&w, "S");
				jw_key(&w, "code");
				jw_int(&w, 334);
				jw_key(&w, "text");
				jw_str(&w, "[challenge not shown]");
				jw_obj_end(&w);
			} else {
				json_rrow(&w, &s->transcript, r);
			}
		}
		jw_arr_end(&w);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jtable(&w, "other_servers", &d->others);
	jtable(&w, "clients", &d->clients);
	jw_key(&w, "dsn_447");
	jw_obj(&w);
	jw_key(&w, "reports");
	jw_int(&w, rt_int(&d->dsn_count, 0, "reports"));
	jtable(&w, "recipients", &d->dsn);
	jw_obj_end(&w);
	jtable(&w, "anomalies", &d->anomalies);
	jtable(&w, "captures", &d->captures);
	jw_obj_end(&w);
	fputc('\n', o);
	return ferror(o) ? -1 : 0;
}
