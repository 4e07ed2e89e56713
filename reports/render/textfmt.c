/* \summary: one finding as terminal text (reports/render/textfmt.h). */
#include "reports/render/textfmt.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "reports/escape.h"
#include "reports/query/kinds.h"
#include "reports/query/table.h"

#define TEXT_INDENT 8

int text_width(FILE *out)
{
	struct winsize ws;
	const char *c = getenv("COLUMNS");
	int w = 0;

	if (!out || !isatty(fileno(out)))
		return 0;
	if (c && *c)
		w = atoi(c);
	if (w <= 0 && ioctl(fileno(out), TIOCGWINSZ, &ws) == 0)
		w = ws.ws_col;
	if (w <= 0)
		w = 80;
	return w < 40 ? 40 : w > 250 ? 250 : w;
}

/* Terminal columns of the UTF-8 text s[0..n) (esc_text output: printable). */
static int cols(const char *s, size_t n)
{
	int c = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			c++;
	return c;
}

void text_wrap(FILE *o, const char *s, size_t n, size_t cap, int width, int used, int indent)
{
	char *buf = NULL;
	size_t len = 0, i = 0;
	FILE *m;
	int col = used;

	if (width <= 0 || !(m = open_memstream(&buf, &len))) {
		esc_text(o, s, n, cap);
		return;
	}
	esc_text(m, s, n, cap);
	if (fclose(m) != 0) {
		free(buf);
		esc_text(o, s, n, cap);
		return;
	}
	while (i < len) {
		size_t j = i;
		int w;
		while (j < len && buf[j] != ' ')
			j++;
		w = cols(buf + i, j - i);
		if (col > indent && col + 1 + w > width) {
			fprintf(o, "\n%*s", indent, "");
			col = indent;
		} else if (col > used || (col == used && i > 0)) {
			fputc(' ', o);
			col++;
		}
		fwrite(buf + i, 1, j - i, o);
		col += w;
		i = j;
		while (i < len && buf[i] == ' ')
			i++;
	}
	free(buf);
}

const char *suggest_source_words(const char *src)
{
	static const char *const words[][2] = {
		{ "ehlo_reply", "its EHLO reply" },
		{ "greeting", "its greeting" },
		{ "dsn_reporting_mta", "the Reporting-MTA of its 4.4.7 reports" },
		{ "own_helo", "its own HELO/EHLO when it sends mail" },
		{ "tls_certificate", "its TLS certificate" },
		{ "rcpt_domain", "the recipient domains senders use for it" },
		{ "received", "Received headers" },
	};
	size_t i;

	if (!src)
		return "the evidence";
	for (i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strcmp(words[i][0], src) == 0)
			return words[i][1];
	return src;
}

static void put(FILE *o, const char *s, size_t cap)
{
	esc_text(o, s, s ? strlen(s) : 0, cap);
}

void text_finding(FILE *o, const struct fview *v, int width)
{
	char ep[96], sev[16], t1[32], t2[32];
	size_t i;
	int used, col, tw;

	for (i = 0; v->severity && v->severity[i] && i + 1 < sizeof sev; i++)
		sev[i] = (char)(v->severity[i] >= 'a' && v->severity[i] <= 'z' ? v->severity[i] - 32 : v->severity[i]);
	sev[i] = '\0';
	if (v->server_ip)
		fmt_endpoint(v->server_ip, v->server_port, ep, sizeof ep);
	else if (v->client_ip)
		snprintf(ep, sizeof ep, "client %.64s", v->client_ip);
	else
		snprintf(ep, sizeof ep, "-");
	put(o, sev, 8);
	fprintf(o, "%*s", (int)(strlen(sev) < TEXT_INDENT ? TEXT_INDENT - strlen(sev) : 1), "");
	put(o, ep, 80);
	col = TEXT_INDENT + (int)esc_text_width(ep, strlen(ep), 80);
	if (v->name) {
		size_t nw = esc_text_width(v->name, strlen(v->name), ESC_CAP_LIST);
		if (width > 0 && col + 2 + (int)nw > width) {
			fprintf(o, "\n%*s", TEXT_INDENT, "");
			text_wrap(o, v->name, strlen(v->name), ESC_CAP_LIST, width, TEXT_INDENT, TEXT_INDENT);
			col = width; /* the title goes on its own line */
		} else {
			fputs("  ", o);
			put(o, v->name, ESC_CAP_LIST);
			col += 2 + (int)nw;
		}
	}
	tw = (int)(strlen(kind_title(v->kind)) + esc_text_width(v->kind, v->kind ? strlen(v->kind) : 0, 60) + 3 +
		   (v->is_new ? 5 : 0));
	if (width > 0 && col + 2 + tw > width)
		fprintf(o, "\n%*s", TEXT_INDENT, "");
	else
		fputs("  ", o);
	put(o, kind_title(v->kind), 80);
	fputs(" [", o);
	put(o, v->kind, 60);
	fputc(']', o);
	if (v->is_new)
		fputs("  NEW", o);
	fprintf(o, "\n%*s", TEXT_INDENT, "");
	text_wrap(o, v->summary, v->summary ? strlen(v->summary) : 0, ESC_CAP_DETAIL, width,
		  TEXT_INDENT, TEXT_INDENT);
	fputc('\n', o);
	if (v->suggested_name) {
		char line[512];
		snprintf(line, sizeof line, "Suggested name: %.300s (seen in %s)", v->suggested_name,
			 suggest_source_words(v->suggested_source));
		fprintf(o, "%*s", TEXT_INDENT, "");
		text_wrap(o, line, strlen(line), ESC_CAP_LIST + 80, width, TEXT_INDENT, TEXT_INDENT);
		fputc('\n', o);
	}
	if (v->remediation) {
		fprintf(o, "%*sFix: ", TEXT_INDENT, "");
		used = TEXT_INDENT + 5;
		text_wrap(o, v->remediation, strlen(v->remediation), ESC_CAP_DETAIL, width, used,
			  TEXT_INDENT + 5);
		fputc('\n', o);
	}
	if (v->key) {
		char line[160];
		int k = snprintf(line, sizeof line, "Key %.20s", v->key);
		if (v->first_seen >= 0 && k > 0 && (size_t)k < sizeof line) {
			fmt_time(v->first_seen, t1, sizeof t1);
			fmt_time(v->last_seen, t2, sizeof t2);
			snprintf(line + k, sizeof line - (size_t)k, ", first seen %s UTC, last seen %s UTC", t1, t2);
		}
		fprintf(o, "%*s", TEXT_INDENT, "");
		text_wrap(o, line, strlen(line), 160, width, TEXT_INDENT, TEXT_INDENT);
		fputc('\n', o);
	}
}
