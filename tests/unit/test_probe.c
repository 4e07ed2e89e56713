/* \summary: unit tests for the SMTP evidence probe (analyzer/engine/probe.c):
 * confirmation, counter-evidence, nDPI labels (DPI only, HTTP while a
 * CONNECT opens), one-sided captures, line limits, gaps. */
#include <string.h>

#include "analyzer/base/limits.h"
#include "analyzer/engine/classify.h"
#include "analyzer/engine/probe.h"
#include "tests/tap.h"

enum { C = 1, S = 0 };

static void feed(struct probe *pr, int from_client, const char *z)
{
	probe_feed(pr, from_client, (const uint8_t *)z, strlen(z));
}

static void verdict_is(struct probe *pr, enum probe_verdict want, enum probe_reason want_r, const char *name)
{
	enum probe_reason r = PROBE_R_NONE;
	enum probe_verdict v = probe_verdict(pr, &r);

	if (!ok(v == want && (want != PROBE_NOT_SMTP || r == want_r), "%s", name))
		printf("#   got verdict %d reason %s\n", v, probe_reason_name(r));
}

static void final_is(struct probe *pr, int server_spoke, enum probe_verdict want, enum probe_reason want_r,
		     enum probe_evidence want_e, const char *name)
{
	enum probe_reason r = PROBE_R_NONE;
	enum probe_verdict v = probe_finish(pr, server_spoke, &r);

	if (!ok(v == want && (want != PROBE_NOT_SMTP || r == want_r) &&
		(want != PROBE_SMTP || probe_evidence_of(pr) == want_e), "%s", name))
		printf("#   got verdict %d reason %s evidence %s\n", v, probe_reason_name(r),
		       probe_evidence_name(probe_evidence_of(pr)));
}

int main(void)
{
	struct probe *pr;
	int i;

	pr = probe_new();
	feed(pr, S, "220 mx.example.com ESMTP Postfix\r\n");
	feed(pr, C, "EHLO client.example.com\r\n");
	verdict_is(pr, PROBE_UNDECIDED, PROBE_R_NONE, "greeting and EHLO alone decide nothing");
	feed(pr, S, "250-mx.example.com\r\n250 PIPELINING\r\n");
	verdict_is(pr, PROBE_SMTP, PROBE_R_NONE, "EHLO answered 250: confirmed");
	ok(probe_evidence_of(pr) == PROBE_EV_CONFIRMED, "evidence confirmed");
	feed(pr, C, "USER x\r\n");
	verdict_is(pr, PROBE_SMTP, PROBE_R_NONE, "nothing reclassifies a confirmed flow");
	probe_free(pr);

	pr = probe_new();
	feed(pr, S, "220 (vsFTPd 3.0.3)\r\n");
	feed(pr, C, "EHLO scanner\r\n");
	feed(pr, S, "530 Please login with USER and PASS.\r\n");
	verdict_is(pr, PROBE_UNDECIDED, PROBE_R_NONE, "EHLO answered 530: not a confirmation");
	final_is(pr, 1, PROBE_NOT_SMTP, PROBE_R_FTP, PROBE_EV_NONE, "vsftpd banner at the end: ftp");
	probe_free(pr);

	pr = probe_new();
	feed(pr, S, "220 ftp.example.org ready\r\n");
	probe_ndpi(pr, CLASSIFY_F_FTP, 0);
	verdict_is(pr, PROBE_UNDECIDED, PROBE_R_NONE, "an nDPI FTP guess by port is no evidence");
	probe_ndpi(pr, CLASSIFY_F_FTP, 1);
	verdict_is(pr, PROBE_NOT_SMTP, PROBE_R_NDPI, "nDPI FTP_CONTROL at DPI confidence rejects");
	probe_free(pr);

	pr = probe_new();
	probe_ndpi(pr, CLASSIFY_F_HTTP, 1); /* nDPI names the first packet before the probe read it */
	feed(pr, C, "CONNECT mx.example.org:25 HTTP/1.1\r\n\r\n");
	probe_ndpi(pr, CLASSIFY_F_HTTP, 1);
	feed(pr, S, "HTTP/1.1 200 Connection established\r\n\r\n");
	feed(pr, S, "220 mx.example.org ESMTP\r\n");
	feed(pr, C, "EHLO 192.0.2.1\r\n");
	feed(pr, S, "250 mx.example.org\r\n");
	verdict_is(pr, PROBE_SMTP, PROBE_R_NONE, "HTTP labels are ignored while a CONNECT opens; SMTP inside confirmed");
	ok(probe_tunnel(pr)->kind == TUNNEL_HTTP_CONNECT && strcmp(probe_tunnel(pr)->target, "mx.example.org:25") == 0,
	   "the tunnel and its target are kept");
	probe_free(pr);

	pr = probe_new();
	feed(pr, C, "GET / HTTP/1.1\r\n");
	verdict_is(pr, PROBE_NOT_SMTP, PROBE_R_OTHER, "an HTTP request rejects");
	probe_free(pr);

	pr = probe_new();
	feed(pr, S, "+OK Dovecot ready.\r\n");
	verdict_is(pr, PROBE_NOT_SMTP, PROBE_R_POP3, "+OK greeting: pop3");
	probe_free(pr);

	pr = probe_new();
	feed(pr, S, "* OK [CAPABILITY IMAP4rev1] ready\r\n");
	verdict_is(pr, PROBE_NOT_SMTP, PROBE_R_IMAP, "* OK greeting: imap");
	probe_free(pr);

	pr = probe_new();
	feed(pr, S, "200 news.example.org InterNetNews NNRP server ready\r\n");
	verdict_is(pr, PROBE_NOT_SMTP, PROBE_R_NNTP, "200 greeting: nntp");
	probe_free(pr);

	pr = probe_new();
	feed(pr, S, "220 mx.example.com Microsoft ESMTP MAIL Service ready\r\n");
	final_is(pr, 1, PROBE_SMTP, PROBE_R_NONE, PROBE_EV_GREETING_ONLY, "a silent client, a greeting that says ESMTP: greeting_only");
	probe_free(pr);

	pr = probe_new();
	feed(pr, S, "220 mx.example.com\r\n");
	final_is(pr, 1, PROBE_NOT_SMTP, PROBE_R_BANNER_ONLY, PROBE_EV_NONE, "a bare 220 banner alone: banner_only");
	probe_free(pr);

	pr = probe_new();
	feed(pr, C, "EHLO client.example.com\r\n");
	feed(pr, C, "MAIL FROM:<a@example.com>\r\n");
	final_is(pr, 0, PROBE_SMTP, PROBE_R_NONE, PROBE_EV_CLIENT_ONLY, "server not captured, EHLO + MAIL: client_only");
	probe_free(pr);

	pr = probe_new();
	feed(pr, C, "EHLO client.example.com\r\n");
	final_is(pr, 1, PROBE_NOT_SMTP, PROBE_R_UNCONFIRMED, PROBE_EV_NONE, "one command to a server that said nothing SMTP: unconfirmed");
	probe_free(pr);

	pr = probe_new();
	for (i = 0; i < PROBE_LINES_MAX + 2; i++) {
		feed(pr, S, "hello there\r\n");
		feed(pr, C, "hi again\r\n");
	}
	verdict_is(pr, PROBE_NOT_SMTP, PROBE_R_UNCONFIRMED, "PROBE_LINES_MAX lines each way without evidence: decided at once");
	probe_free(pr);

	pr = probe_new();
	for (i = 0; i < 3 * PROBE_LINES_MAX; i++)
		feed(pr, S, "220-This system is for authorised use only; activity is logged.\r\n");
	feed(pr, S, "220 mx.example.com\r\n");
	feed(pr, C, "EHLO c\r\n");
	feed(pr, S, "250 mx.example.com\r\n");
	verdict_is(pr, PROBE_SMTP, PROBE_R_NONE, "a long multi-line banner leaves room for the EHLO reply");
	probe_free(pr);

	pr = probe_new();
	feed(pr, S, "220 mx ESMT");
	probe_gap(pr, 0);
	feed(pr, S, "P Postfix\r\n250-mx\r\n");
	feed(pr, C, "EHLO c\r\n");
	feed(pr, S, "250");
	probe_gap(pr, 0);
	verdict_is(pr, PROBE_SMTP, PROBE_R_NONE, "a line cut by a gap is judged on what arrived (250 to EHLO)");
	probe_free(pr);

	pr = probe_new();
	feed(pr, C, "the end of a body\r\n.\r\n");
	feed(pr, S, "250 2.0.0 Ok: queued as X\r\n");
	feed(pr, C, "QUIT\r\n");
	feed(pr, S, "221 2.0.0 Bye\r\n");
	verdict_is(pr, PROBE_SMTP, PROBE_R_NONE, "mid-session pickup: QUIT answered 221 2.0.0 confirms");
	probe_free(pr);
	probe_free(NULL);
	return done_testing();
}
