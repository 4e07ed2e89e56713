/* \summary: the top of the HTML report: one sentence that answers "which
 * servers, why", one card per server with a problem that costs mail (ranked
 * by that cost: expired mail first, then stalled deliveries), each with the
 * name it announces and where, its software, the evidence in order, the
 * name it should announce when the evidence shows one, and the whole
 * remediation; then the hygiene findings in one list per kind. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "reports/escape.h"
#include "reports/query/kinds.h"
#include "reports/query/table.h"
#include "reports/render/html_int.h"
#include "reports/render/textfmt.h"

#define CARDS_MAX   60   /* problem cards written; the rest linked from the verdict */
#define HYGIENE_LINKS 40 /* server links per hygiene kind */

struct problem {
	const char *ip;
	long long port;
	const char *name;           /* the name at fault */
	int worst;                  /* severity rank */
	long long reports, attempts, sessions;
	int nonfqdn, stalled, expired, other;
	double cost;
	int first_row;              /* first row of d->findings for it */
};

static int same_server(const struct rdata *d, int r, const char *ip, long long port)
{
	const char *s = rt_str(&d->findings, r, "server_ip");
	return s && ip && strcmp(s, ip) == 0 && rt_int(&d->findings, r, "server_port") == port;
}

static struct jspan evidence(const struct rdata *d, int r)
{
	const struct rcell *c = rt_get(&d->findings, r, "evidence");
	struct jspan v = { NULL, 0 };

	if (c && c->type == SQLITE_TEXT && rt_int(&d->findings, r, "evidence_ok")) {
		v.p = c->s;
		v.n = c->n;
	}
	return v;
}

static int cmp_problem(const void *a, const void *b)
{
	const struct problem *x = a, *y = b;

	if (x->cost != y->cost)
		return x->cost < y->cost ? 1 : -1;
	if (x->worst != y->worst)
		return x->worst - y->worst;
	return x->first_row - y->first_row;
}

/* Collects the servers with a problem finding; returns how many (*out malloc'd). */
static int collect(const struct rdata *d, struct problem **out)
{
	const struct rtable *f = &d->findings;
	struct problem *p = NULL;
	int np = 0, r, i;

	*out = NULL;
	if (f->nrow == 0 || !(p = calloc((size_t)f->nrow, sizeof *p)))
		return 0;
	for (r = 0; r < f->nrow; r++) {
		const char *ip = rt_str(f, r, "server_ip"), *kind = rt_str(f, r, "kind");
		const char *sev = rt_str(f, r, "severity");
		struct jspan ev = evidence(d, r);
		struct problem *q = NULL;

		if (!ip || kind_group(kind, sev) != KIND_PROBLEM)
			continue;
		for (i = 0; i < np; i++)
			if (same_server(d, r, p[i].ip, p[i].port))
				q = &p[i];
		if (!q) {
			q = &p[np++];
			q->ip = ip;
			q->port = rt_int(f, r, "server_port");
			q->worst = 9;
			q->first_row = r;
		}
		if (severity_rank(sev) && severity_rank(sev) < q->worst)
			q->worst = severity_rank(sev);
		if (strcmp(kind, "non_fqdn_greeting") == 0) {
			q->nonfqdn = 1;
			q->name = rt_str(f, r, "name");
			q->sessions = (long long)jr_num(jr_get(ev, "server_sessions"), 0);
		} else if (strcmp(kind, "stalled_deliveries") == 0) {
			q->stalled = 1;
			q->attempts = (long long)jr_num(jr_get(ev, "attempts"), 0);
			if (!q->name)
				q->name = rt_str(f, r, "name");
		} else if (strcmp(kind, "expired_447") == 0) {
			q->expired = 1;
			q->reports = (long long)jr_num(jr_get(ev, "reports"), 0);
			if (!q->name)
				q->name = rt_str(f, r, "name");
		} else {
			q->other = 1;
			if (!q->name)
				q->name = rt_str(f, r, "name");
		}
	}
	/* the mail it costs: expired mail is lost, stalled attempts are mail that waits */
	for (i = 0; i < np; i++)
		p[i].cost = (double)p[i].reports * 1000.0 + (double)p[i].attempts * 10.0 +
			    (p[i].worst == 1 ? 5.0 : 0) + (double)p[i].sessions * 0.001;
	qsort(p, (size_t)np, sizeof *p, cmp_problem);
	*out = p;
	return np;
}

static void server_link(FILE *o, const struct rdata *d, const char *ip, long long port, const char *name,
			const char *cls)
{
	char id[HTML_ID_MAX], ep[96];
	int i = html_server_index(d, ip, port);

	fmt_endpoint(ip, port, ep, sizeof ep);
	srv_id(ip, port, id, sizeof id);
	if (i >= 0)
		fprintf(o, "<a class=\"%s\" href=\"#%s\">", cls, id);
	else
		fprintf(o, "<a class=\"%s\" href=\"#servers-table\">", cls);
	h(o, ep);
	if (name) {
		fputs(" <span class=\"w\">", o);
		h_wire(o, name, strlen(name), 40);
		fputs("</span>", o);
	}
	fputs("</a>", o);
}

static void plural(FILE *o, long long n, const char *one, const char *many)
{
	fprintf(o, "%lld %s", n, n == 1 ? one : many);
}

static void write_sentence(FILE *o, const struct problem *p, int np)
{
	long long nf = 0, ns = 0, ne = 0, mails = 0, attempts = 0, other = 0;
	int i, parts = 0;

	for (i = 0; i < np; i++) {
		nf += p[i].nonfqdn;
		ns += p[i].stalled;
		ne += p[i].expired;
		other += p[i].other && !p[i].nonfqdn && !p[i].stalled && !p[i].expired;
		mails += p[i].reports;
		attempts += p[i].attempts;
	}
	fputs("<p class=\"verdict\" id=\"verdict-sentence\">", o);
	if (np == 0) {
		fputs("No server has a problem that costs mail.", o);
		fputs("</p>\n", o);
		return;
	}
	if (nf) {
		plural(o, nf, "virtual server announces", "virtual servers announce");
		fputs(" a name that is not an FQDN", o);
		parts++;
	}
	if (ns) {
		fputs(parts ? "; " : "", o);
		fputs(parts ? "deliveries to " : "Deliveries to ", o);
		plural(o, ns, "server", "servers");
		fputs(" stop after EHLO (", o);
		plural(o, attempts, "attempt", "attempts");
		fputc(')', o);
		parts++;
	}
	if (ne) {
		fputs(parts ? "; " : "", o);
		plural(o, mails, "mail", "mails");
		fprintf(o, " to %s", ne == 1 ? "one of them" : "them");
		if (!parts) {
			fputs(" (", o);
			plural(o, ne, "server", "servers");
			fputc(')', o);
		}
		fputs(mails == 1 ? " has" : " have", o);
		fputs(" expired with 4.4.7", o);
		parts++;
	}
	if (other) {
		fputs(parts ? "; " : "", o);
		plural(o, other, "other server has", "other servers have");
		fputs(" a high-severity problem", o);
	}
	fputs(".</p>\n", o);
}

/* One item of the evidence chain, from one finding. */
static void chain_item(FILE *o, const struct rdata *d, int r)
{
	const struct rtable *f = &d->findings;
	const char *kind = rt_str(f, r, "kind");
	struct jspan ev = evidence(d, r);
	char buf[512], a[48], b[48];
	long len;

	fputs("<li>", o);
	if (kind && strcmp(kind, "non_fqdn_greeting") == 0) {
		struct jspan names = jr_get(ev, "names"), n;
		struct jiter it = { 0 };
		int first = 1;
		fputs("Announces ", o);
		while (jr_next(names, &it, NULL, &n)) {
			char w[64], src[32], kd[32];
			if (jr_str(jr_get(n, "name"), buf, sizeof buf) < 0)
				continue;
			jr_str(jr_get(n, "source"), src, sizeof src);
			jr_str(jr_get(n, "kind"), kd, sizeof kd);
			fputs(first ? "" : ", ", o);
			first = 0;
			fputs("<b class=\"w\">", o);
			h_wire(o, buf, strlen(buf), 60);
			fputs("</b> in its ", o);
			fputs(strcmp(src, "ehlo_reply") == 0 ? "EHLO reply" : "greeting", o);
			fputs(" (", o);
			h(o, name_kind_words(kd, w, sizeof w));
			fprintf(o, ", %lld session%s)", (long long)jr_num(jr_get(n, "sessions"), 0),
				jr_num(jr_get(n, "sessions"), 0) == 1 ? "" : "s");
		}
		fputs(". ", o);
		if ((len = jr_str(jr_get(ev, "example_banner"), buf, sizeof buf)) >= 0) {
			fputs("Greeting: <code class=\"w\">220 ", o);
			h_wire(o, buf, (size_t)len, HTML_SHORT);
			fputs("</code> ", o);
		}
		if (jr_true(jr_get(ev, "xexps_advertised")))
			fputs("It advertises <b>X-EXPS</b> (Exchange 2000 authentication between servers). ", o);
		if (jr_true(jr_get(ev, "kb301401")))
			fputs("This is the <b>KB 301401</b> case: Exchange 2000 senders before SP2 stop after EHLO.", o);
	} else if (kind && strcmp(kind, "stalled_deliveries") == 0) {
		double med = jr_num(jr_get(ev, "median_retry_s"), -1);
		double left = jr_num(jr_get(ev, "hours_to_expiry"), -1);
		fprintf(o, "<b>%lld delivery attempts</b> from %lld client%s stopped after EHLO without "
			"sending, ", (long long)jr_num(jr_get(ev, "attempts"), 0),
			(long long)jr_num(jr_get(ev, "clients_total"), 0),
			jr_num(jr_get(ev, "clients_total"), 0) == 1 ? "" : "s");
		fputs("from ", o);
		h_date(o, jr_num(jr_get(ev, "first_attempt"), -1));
		fputs(" to ", o);
		h_date(o, jr_num(jr_get(ev, "last_attempt"), -1));
		if (med >= 0)
			fprintf(o, ", retried every %s (median)", fmt_duration(med, a, sizeof a));
		fprintf(o, "; the oldest has waited %s of the 2-day expiry",
			fmt_duration(jr_num(jr_get(ev, "span_s"), 0), b, sizeof b));
		if (left >= 0)
			fprintf(o, " (%s left)", fmt_duration(left * 3600.0, a, sizeof a));
		fputs(".", o);
	} else if (kind && strcmp(kind, "expired_447") == 0) {
		struct jspan mtas = jr_get(ev, "reporting_mtas"), m;
		struct jiter it = { 0 };
		long long n = (long long)jr_num(jr_get(ev, "reports"), 0);
		int first = 1;
		fprintf(o, "<b>%lld delivery-status report%s with 4.4.7</b> (message expired) %s about it",
			n, n == 1 ? "" : "s", n == 1 ? "is" : "are");
		while (jr_next(mtas, &it, NULL, &m)) {
			if (jr_str(jr_get(m, "reporting_mta"), buf, sizeof buf) < 0)
				continue;
			fputs(first ? ", from " : ", ", o);
			first = 0;
			fputs("<span class=\"w\">", o);
			h_wire(o, buf, strlen(buf), 60);
			fputs("</span>", o);
		}
		if ((len = jr_str(jr_get(ev, "marker"), buf, sizeof buf)) >= 0) {
			fputs("; the NDRs read <code class=\"w\">", o);
			h_wire(o, buf, (size_t)len, 80);
			fputs("</code>", o);
		}
		fputs(", ", o);
		h_date(o, rt_num(f, r, "first_ts"));
		fputs(" to ", o);
		h_date(o, rt_num(f, r, "last_ts"));
		fputs(".", o);
	} else {
		fputs("<b>", o);
		h(o, kind_title(kind));
		fputs("</b>: ", o);
		h(o, rt_str(f, r, "summary"));
	}
	fputs("</li>\n", o);
}

static const char *const chain_order[] = { "non_fqdn_greeting", "stalled_deliveries", "expired_447" };

static void write_card(FILE *o, const struct rdata *d, const struct problem *p, int rank)
{
	const struct rtable *f = &d->findings;
	const char *rem[8], *sugg = NULL, *sugg_src = NULL, *software = NULL;
	char id[HTML_ID_MAX], ep[96];
	int r, k, nrem = 0, j, si = html_server_index(d, p->ip, p->port);

	fmt_endpoint(p->ip, p->port, ep, sizeof ep);
	srv_id(p->ip, p->port, id, sizeof id);
	if (si >= 0)
		software = rt_str(&d->servers, si, "software");
	fprintf(o, "<article class=\"problem sev-b-%s\" id=\"card-%s\"><h3>", p->worst == 1 ? "high" :
		p->worst == 2 ? "medium" : "low", id);
	fprintf(o, "<span class=\"rank\">%d</span> ", rank);
	server_link(o, d, p->ip, p->port, p->name, "srv");
	if (software) {
		fputs(" <span class=\"muted\">", o);
		h(o, software);
		fputs("</span>", o);
	}
	fputs("</h3>\n<p class=\"kinds\">", o);
	for (r = p->first_row, j = 0; r < f->nrow; r++) {
		if (!same_server(d, r, p->ip, p->port) ||
		    kind_group(rt_str(f, r, "kind"), rt_str(f, r, "severity")) != KIND_PROBLEM)
			continue;
		fputs(j++ ? " " : "", o);
		h_badge(o, rt_str(f, r, "severity"));
		fputc(' ', o);
		h_kind(o, rt_str(f, r, "kind"));
	}
	fputs("</p>\n<ol class=\"chain\">\n", o);
	/* the chain in order: the name, the stalls, the expiries, then anything else */
	for (k = 0; k <= 3; k++)
		for (r = p->first_row; r < f->nrow; r++) {
			const char *kind = rt_str(f, r, "kind");
			int known = 0;
			if (!same_server(d, r, p->ip, p->port) ||
			    kind_group(kind, rt_str(f, r, "severity")) != KIND_PROBLEM)
				continue;
			for (j = 0; j < 3; j++)
				known |= kind && strcmp(kind, chain_order[j]) == 0;
			if ((k < 3 && (!kind || strcmp(kind, chain_order[k]) != 0)) || (k == 3 && known))
				continue;
			chain_item(o, d, r);
		}
	fputs("</ol>\n", o);
	/* any finding of the server may carry the suggestion (any evidence source) */
	for (r = 0; r < f->nrow && !sugg; r++)
		if (same_server(d, r, p->ip, p->port) && rt_str(f, r, "suggested_name")) {
			sugg = rt_str(f, r, "suggested_name");
			sugg_src = rt_str(f, r, "suggested_source");
		}
	if (sugg) {
		fputs("<p class=\"suggest\">Announce <b class=\"w\">", o);
		h_wire(o, sugg, strlen(sugg), 100);
		fputs("</b> instead (seen in ", o);
		h(o, suggest_source_words(sugg_src));
		fputs(").</p>\n", o);
	}
	for (r = p->first_row; r < f->nrow; r++) {
		const char *rm = rt_str(f, r, "remediation");
		int dup = 0;
		if (!same_server(d, r, p->ip, p->port) || !rm ||
		    kind_group(rt_str(f, r, "kind"), rt_str(f, r, "severity")) != KIND_PROBLEM)
			continue;
		for (j = 0; j < nrem; j++)
			dup |= strcmp(rem[j], rm) == 0;
		if (!dup && nrem < 8)
			rem[nrem++] = rm;
	}
	for (j = 0; j < nrem; j++)
		h_fix(o, rem[j]);
	if (si >= 0)
		fprintf(o, "<p><a href=\"#%s\">Evidence and sessions of ", id);
	else
		fputs("<p><a href=\"#servers-table\">All servers of ", o);
	h(o, ep);
	fputs(" &rarr;</a></p>\n</article>\n", o);
}

struct chip {
	char key[96];
	int row;
};

static int cmp_chip(const void *a, const void *b)
{
	return strcmp(((const struct chip *)a)->key, ((const struct chip *)b)->key);
}

/* The servers (or clients) of one hygiene kind, in address order (numeric). */
static int hygiene_links(FILE *o, const struct rdata *d, const char *kind, int from, int n)
{
	const struct rtable *f = &d->findings;
	struct chip *c = calloc((size_t)(n > 0 ? n : 1), sizeof *c);
	int r, k = 0, i;

	if (!c)
		return 0;
	for (r = from; r < f->nrow && k < n; r++) {
		const char *k2 = rt_str(f, r, "kind"), *ip = rt_str(f, r, "server_ip");
		if (!k2 || strcmp(k2, kind) != 0)
			continue;
		ip_sort_key(ip ? ip : rt_str(f, r, "client_ip"), ip ? rt_int(f, r, "server_port") : -1,
			    c[k].key, sizeof c[k].key);
		c[k++].row = r;
	}
	qsort(c, (size_t)k, sizeof *c, cmp_chip);
	for (i = 0; i < k; i++) {
		const char *ip = rt_str(f, c[i].row, "server_ip");
		if (i == HYGIENE_LINKS) {
			fprintf(o, " and %d more in the findings table", k - HYGIENE_LINKS);
			break;
		}
		if (ip) {
			server_link(o, d, ip, rt_int(f, c[i].row, "server_port"), NULL, "chip");
		} else {
			fputs("<span class=\"chip\">", o);
			h(o, rt_str(f, c[i].row, "client_ip") ? rt_str(f, c[i].row, "client_ip") : "-");
			fputs("</span>", o);
		}
		fputc(' ', o);
	}
	free(c);
	return k;
}

static void write_hygiene(FILE *o, const struct rdata *d)
{
	const struct rtable *f = &d->findings;
	const char *done[64];
	int nd = 0, r, r2, j;

	fputs("<section id=\"hygiene\"><h2>Hygiene</h2>\n<p class=\"muted\">Worth fixing; no mail "
	      "is lost because of these yet.</p>\n", o);
	for (r = 0; r < f->nrow; r++) {
		const char *kind = rt_str(f, r, "kind");
		const struct kind_info *ki;
		int seen = 0, n = 0, links;
		if (!kind || kind_group(kind, rt_str(f, r, "severity")) != KIND_HYGIENE)
			continue;
		for (j = 0; j < nd; j++)
			seen |= strcmp(done[j], kind) == 0;
		if (seen || nd == 64)
			continue;
		done[nd++] = kind;
		for (r2 = r; r2 < f->nrow; r2++)
			n += rt_str(f, r2, "kind") && strcmp(rt_str(f, r2, "kind"), kind) == 0;
		ki = kind_info(kind);
		fputs("<div class=\"hyg\"><h3>", o);
		h_kind(o, kind);
		fprintf(o, " <span class=\"muted\">(%d finding%s)</span></h3>", n, n == 1 ? "" : "s");
		if (ki) {
			fputs("<p>", o);
			h(o, ki->why);
			fputs("</p>", o);
		}
		h_fix(o, rt_str(f, r, "remediation"));
		fputs("<p class=\"links\">", o);
		links = hygiene_links(o, d, kind, r, n);
		(void)links;
		fputs("</p></div>\n", o);
	}
	if (nd == 0)
		fputs("<p>No hygiene findings.</p>\n", o);
	fputs("</section>\n", o);
}

void html_verdict(FILE *o, const struct rdata *d)
{
	struct problem *p;
	long long total = rt_int(&d->summary, 0, "findings");
	int np = collect(d, &p), i, hyg = 0, r;

	for (r = 0; r < d->findings.nrow; r++)
		hyg += kind_group(rt_str(&d->findings, r, "kind"), rt_str(&d->findings, r, "severity")) ==
		       KIND_HYGIENE;
	fputs("<section id=\"verdict\">\n", o);
	write_sentence(o, p, np);
	if (np > 0) {
		fputs("<p class=\"jump\">", o);
		for (i = 0; i < np; i++) {
			char id[HTML_ID_MAX];
			srv_id(p[i].ip, p[i].port, id, sizeof id);
			if (i < CARDS_MAX) {
				char ep[96];
				fmt_endpoint(p[i].ip, p[i].port, ep, sizeof ep);
				fprintf(o, "<a class=\"chip sev-b-%s\" href=\"#card-%s\">", p[i].worst == 1 ? "high" :
					p[i].worst == 2 ? "medium" : "low", id);
				h(o, ep);
				if (p[i].name) {
					fputs(" <span class=\"w\">", o);
					h_wire(o, p[i].name, strlen(p[i].name), 32);
					fputs("</span>", o);
				}
				fputs("</a> ", o);
			} else {
				server_link(o, d, p[i].ip, p[i].port, p[i].name, "chip");
				fputc(' ', o);
			}
		}
		fputs("</p>\n", o);
	}
	fprintf(o, "<p class=\"muted\">Ranked by the mail they cost (expired mail, then stalled "
		"deliveries). ");
	if (hyg)
		fprintf(o, "<a href=\"#hygiene\">%d hygiene finding%s</a> follow%s. ", hyg, hyg == 1 ? "" : "s",
			hyg == 1 ? "s" : "");
	if (total > d->findings.nrow)
		fprintf(o, "The report lists the %d most severe of %lld findings; "
			"<code>smtpscope findings</code> lists all.", d->findings.nrow, total);
	fputs("</p>\n</section>\n", o);
	if (np > 0) {
		fputs("<section id=\"problems\"><h2>Problems that cost mail</h2>\n", o);
		for (i = 0; i < np && i < CARDS_MAX; i++)
			write_card(o, d, &p[i], i + 1);
		if (np > CARDS_MAX)
			fprintf(o, "<p>%d more servers with problems are linked above.</p>\n", np - CARDS_MAX);
		fputs("</section>\n", o);
	}
	write_hygiene(o, d);
	free(p);
}
