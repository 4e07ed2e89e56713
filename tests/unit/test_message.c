/* \summary: unit tests for the message parser (dissectors/message.c):
 * headers, folding, DSN reports, Exchange NDR text, caps, split invariance,
 * and the cost of non-report bodies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyzer/base/limits.h"
#include "dissectors/message.h"
#include "tests/tap.h"

/* The DSN a traffic generator emits for the KB 301401 case. */
static const char dsn_example[] =
	"From: postmaster@example.com\r\n"
	"To: test1@example.com\r\n"
	"Subject: Delivery Status Notification (Failure)\r\n"
	"Date: Thu, 07 Jun 2001 10:00:00 +0000\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: multipart/report; report-type=delivery-status;\r\n"
	"\tboundary=\"9B095B5ADSN=_01C0F2B4D00000001\"\r\n"
	"\r\n"
	"This is a MIME-formatted message.\r\n"
	"--9B095B5ADSN=_01C0F2B4D00000001\r\n"
	"Content-Type: text/plain; charset=unicode-1-1-utf-7\r\n"
	"\r\n"
	"Delivery to the following recipients failed.\r\n"
	"\r\n"
	"       test1@example.com on Thu, 07 Jun 2001 10:00:00 +0000\r\n"
	"            Could not deliver the message in the time limit specified.  Please retry or contact your administrator.\r\n"
	"            <mx7.example.com #4.4.7>\r\n"
	"\r\n"
	"--9B095B5ADSN=_01C0F2B4D00000001\r\n"
	"Content-Type: message/delivery-status\r\n"
	"\r\n"
	"Reporting-MTA: dns;mx7.example.com\r\n"
	"Received-From-MTA: dns;mx7.example.com\r\n"
	"Arrival-Date: Thu, 07 Jun 2001 10:00:00 +0000\r\n"
	"\r\n"
	"Final-Recipient: rfc822;user@corp.example\r\n"
	"Action: failed\r\n"
	"Status: 4.4.7\r\n"
	"\r\n"
	"--9B095B5ADSN=_01C0F2B4D00000001--\r\n";

#define DIAG_447 "Could not deliver the message in the time limit specified.  Please retry or contact your administrator."

/* Exchange 2000 text-only NDR (no delivery-status part). */
static const char ndr_text[] =
	"From: System Administrator <postmaster@ex2000.corp.example>\r\n"
	"To: alice@corp.example\r\n"
	"Subject: Undeliverable: quarterly numbers\r\n"
	"Content-Type: text/plain; charset=\"iso-8859-1\"\r\n"
	"\r\n"
	"Your message did not reach some or all of the intended recipients.\r\n"
	"\r\n"
	"      Subject:\tquarterly numbers\r\n"
	"      Sent:\t6/7/2001 10:00 AM\r\n"
	"\r\n"
	"The following recipient(s) could not be reached:\r\n"
	"\r\n"
	"      bob@partner.example on 6/9/2001 10:00 AM\r\n"
	"            Could not deliver the message in the time limit specified.  Please retry or contact your administrator.\r\n"
	"            <aliasex2000 #4.4.7>\r\n"
	"\r\n"
	"      <carol@partner.example> on 6/9/2001 10:00 AM\r\n"
	"            The recipient name is not recognized\r\n"
	"            <aliasex2000.corp.example #5.1.1 smtp;550 5.1.1 unknown user>\r\n";

struct result {
	struct smtp_mail m;
	int header_cap, dsn_cap, rc;
};

/* Feeds msg in pieces: chunk 0 = whole, else chunk bytes at a time; split
 * (when > 0 and chunk == 0) cuts it in two there.  Each piece is an
 * exact-size heap copy so ASan sees any over-read. */
static void run(struct result *r, const char *msg, size_t len, int null_sender, size_t chunk, size_t split)
{
	struct msg_parser *mp = msg_new(null_sender);
	size_t off = 0;

	memset(r, 0, sizeof *r);
	if (!mp) {
		r->rc = -2;
		return;
	}
	while (off < len) {
		size_t n = chunk ? chunk : (split && off < split ? split : len - off);
		uint8_t *piece;
		if (n > len - off)
			n = len - off;
		piece = malloc(n);
		memcpy(piece, msg + off, n);
		if (msg_feed(mp, piece, n) != 0)
			r->rc = -1;
		free(piece);
		off += n;
	}
	msg_end(mp);
	msg_take(mp, &r->m, &r->header_cap, &r->dsn_cap);
	msg_free(mp);
}

static void result_free(struct result *r)
{
	int i;

	free(r->m.hdr_from);
	free(r->m.hdr_to);
	free(r->m.subject);
	free(r->m.date);
	free(r->m.message_id);
	free(r->m.content_type);
	for (i = 0; i < r->m.n_dsn; i++) {
		free(r->m.dsn[i].final_recipient);
		free(r->m.dsn[i].action);
		free(r->m.dsn[i].status);
		free(r->m.dsn[i].reporting_mta);
		free(r->m.dsn[i].diagnostic);
	}
	free(r->m.dsn);
	memset(r, 0, sizeof *r);
}

#define S(x) ((x) ? (x) : "(null)")

/* Everything msg_take produced, as one string, to compare runs. */
static char *dump(const struct result *r)
{
	char *buf = NULL;
	size_t sz = 0;
	FILE *f = open_memstream(&buf, &sz);
	int i;

	fprintf(f, "rc=%d size=%llu hcap=%d dcap=%d from=%s to=%s subj=%s date=%s mid=%s ct=%s dsn=%d n=%d\n",
	        r->rc, (unsigned long long)r->m.size, r->header_cap, r->dsn_cap, S(r->m.hdr_from),
	        S(r->m.hdr_to), S(r->m.subject), S(r->m.date), S(r->m.message_id),
	        S(r->m.content_type), r->m.is_dsn, r->m.n_dsn);
	for (i = 0; i < r->m.n_dsn; i++)
		fprintf(f, " [%s|%s|%s|%s|%s]\n", S(r->m.dsn[i].final_recipient), S(r->m.dsn[i].action),
		        S(r->m.dsn[i].status), S(r->m.dsn[i].reporting_mta), S(r->m.dsn[i].diagnostic));
	fclose(f);
	return buf;
}

/* Whole, split at every offset, and one byte at a time: all identical to
 * the whole run.  Returns the whole run's dump (caller frees). */
static char *split_invariant(const char *name, const char *msg, size_t len, int null_sender)
{
	struct result r;
	char *whole, *d;
	size_t cut, bad = 0, first_bad = 0;

	run(&r, msg, len, null_sender, 0, 0);
	whole = dump(&r);
	result_free(&r);
	for (cut = 1; cut < len; cut++) {
		run(&r, msg, len, null_sender, 0, cut);
		d = dump(&r);
		if (strcmp(d, whole) != 0 && bad++ == 0)
			first_bad = cut;
		free(d);
		result_free(&r);
	}
	ok(bad == 0, "%s: split in two at every offset gives the same result (first bad cut %zu)", name, first_bad);
	run(&r, msg, len, null_sender, 1, 0);
	d = dump(&r);
	ok(strcmp(d, whole) == 0, "%s: one byte at a time gives the same result", name);
	if (strcmp(d, whole) != 0)
		printf("# whole:\n%s# bytewise:\n%s", whole, d);
	free(d);
	result_free(&r);
	run(&r, msg, len, null_sender, 7, 0);
	d = dump(&r);
	ok(strcmp(d, whole) == 0, "%s: 7 bytes at a time gives the same result", name);
	free(d);
	result_free(&r);
	return whole;
}

static void test_dsn_example(void)
{
	struct result r;
	size_t len = strlen(dsn_example);
	char *whole;

	run(&r, dsn_example, len, 1, 0, 0);
	is_int(r.rc, 0, "dsn: feed ok");
	is_int(r.m.size, len, "dsn: size is every byte");
	is_str(r.m.hdr_from, "postmaster@example.com", "dsn: From");
	is_str(r.m.hdr_to, "test1@example.com", "dsn: To");
	is_str(r.m.subject, "Delivery Status Notification (Failure)", "dsn: Subject");
	is_str(r.m.date, "Thu, 07 Jun 2001 10:00:00 +0000", "dsn: Date");
	is_str(r.m.message_id, NULL, "dsn: no Message-ID");
	is_str(r.m.content_type,
	       "multipart/report; report-type=delivery-status; boundary=\"9B095B5ADSN=_01C0F2B4D00000001\"",
	       "dsn: Content-Type unfolded");
	is_int(r.m.is_dsn, 1, "dsn: is_dsn");
	is_int(r.m.n_dsn, 1, "dsn: one recipient (text and part merged)");
	if (r.m.n_dsn >= 1) {
		is_str(r.m.dsn[0].final_recipient, "user@corp.example", "dsn: final recipient from the part");
		is_str(r.m.dsn[0].action, "failed", "dsn: action");
		is_str(r.m.dsn[0].status, "4.4.7", "dsn: status");
		is_str(r.m.dsn[0].reporting_mta, "mx7.example.com", "dsn: reporting MTA");
		is_str(r.m.dsn[0].diagnostic, DIAG_447, "dsn: diagnostic from the NDR text");
	}
	is_int(r.header_cap, 0, "dsn: no header cap");
	is_int(r.dsn_cap, 0, "dsn: no dsn cap");
	result_free(&r);

	/* without the null sender hint it is still a candidate (From postmaster) */
	run(&r, dsn_example, len, 0, 0, 0);
	is_int(r.m.is_dsn, 1, "dsn, not null sender: is_dsn");
	is_int(r.m.n_dsn, 1, "dsn, not null sender: one recipient");
	result_free(&r);

	whole = split_invariant("dsn example", dsn_example, len, 1);
	free(whole);

	/* LF-only line endings give the same records */
	{
		char *lf = malloc(len + 1);
		size_t i, k = 0;
		for (i = 0; i < len; i++)
			if (dsn_example[i] != '\r')
				lf[k++] = dsn_example[i];
		run(&r, lf, k, 1, 0, 0);
		is_int(r.m.n_dsn, 1, "dsn, bare LF: one recipient");
		if (r.m.n_dsn == 1) {
			is_str(r.m.dsn[0].final_recipient, "user@corp.example", "dsn, bare LF: recipient");
			is_str(r.m.dsn[0].diagnostic, DIAG_447, "dsn, bare LF: diagnostic");
		}
		result_free(&r);
		free(lf);
	}
}

static void test_ndr_text(void)
{
	struct result r;
	char *whole;

	run(&r, ndr_text, strlen(ndr_text), 0, 0, 0);
	is_int(r.m.is_dsn, 1, "ndr text: is_dsn");
	is_str(r.m.subject, "Undeliverable: quarterly numbers", "ndr text: subject");
	is_str(r.m.content_type, "text/plain; charset=\"iso-8859-1\"", "ndr text: content type");
	is_int(r.m.n_dsn, 2, "ndr text: two markers, two recipients");
	if (r.m.n_dsn == 2) {
		is_str(r.m.dsn[0].final_recipient, "bob@partner.example", "ndr text: recipient 1");
		is_str(r.m.dsn[0].status, "4.4.7", "ndr text: status 1");
		is_str(r.m.dsn[0].reporting_mta, "aliasex2000", "ndr text: host 1 (single label)");
		is_str(r.m.dsn[0].diagnostic, DIAG_447, "ndr text: diagnostic 1");
		is_str(r.m.dsn[0].action, NULL, "ndr text: no action");
		is_str(r.m.dsn[1].final_recipient, "carol@partner.example", "ndr text: recipient 2 (angles stripped)");
		is_str(r.m.dsn[1].status, "5.1.1", "ndr text: status 2 (Exchange 2003 marker with text)");
		is_str(r.m.dsn[1].reporting_mta, "aliasex2000.corp.example", "ndr text: host 2");
		is_str(r.m.dsn[1].diagnostic, "The recipient name is not recognized", "ndr text: diagnostic 2");
	}
	result_free(&r);
	whole = split_invariant("ndr text", ndr_text, strlen(ndr_text), 0);
	free(whole);

	/* marker without any recipient line, the diagnostic is the paragraph before it */
	{
		static const char m[] =
			"Subject: Delivery Status Notification (Delay)\r\n\r\n"
			"Could not deliver the message in the time limit specified.\r\n"
			"<mx.example.net #4.4.7>\r\n";
		run(&r, m, sizeof m - 1, 0, 0, 0);
		is_int(r.m.is_dsn, 1, "bare marker: is_dsn");
		is_int(r.m.n_dsn, 1, "bare marker: one entry");
		if (r.m.n_dsn == 1) {
			is_str(r.m.dsn[0].final_recipient, NULL, "bare marker: no recipient");
			is_str(r.m.dsn[0].diagnostic, "Could not deliver the message in the time limit specified.",
			       "bare marker: diagnostic");
			is_str(r.m.dsn[0].reporting_mta, "mx.example.net", "bare marker: host");
		}
		result_free(&r);
	}
	/* wording alone makes a report, without recipients */
	{
		static const char m[] =
			"From: MAILER-DAEMON@mx.example.net\r\nSubject: hi\r\n\r\n"
			"Delivery to the following recipients failed.\r\n\r\n       x@y.example\r\n";
		run(&r, m, sizeof m - 1, 0, 0, 0);
		is_int(r.m.is_dsn, 1, "wording only: is_dsn");
		is_int(r.m.n_dsn, 0, "wording only: no recipients");
		result_free(&r);
	}
	/* things that look like a marker but are not */
	{
		static const char m[] =
			"Subject: Returned mail\r\n\r\n"
			"see ticket <#4.4.7> and <host#4.4.7> and <host #4.4> and <host #9.4.7> and <a b #4.4.7>\r\n"
			"<host #4.4.7\r\n";
		run(&r, m, sizeof m - 1, 0, 0, 0);
		is_int(r.m.n_dsn, 0, "non-markers: no recipients");
		is_int(r.m.is_dsn, 0, "non-markers: not a report");
		result_free(&r);
	}
}

/* NDR text markers in a message that is not a candidate are not looked for. */
static void test_not_candidate(void)
{
	struct result r;
	static const char m[] =
		"From: alice@example.com\r\n"
		"To: bob@example.com\r\n"
		"Subject: forwarding you this\r\n"
		"\r\n"
		"Delivery to the following recipients failed.\r\n"
		"       test1@example.com\r\n"
		"            <mx7.example.com #4.4.7>\r\n";

	run(&r, m, sizeof m - 1, 0, 0, 0);
	is_int(r.m.is_dsn, 0, "not a candidate: body not scanned");
	is_int(r.m.n_dsn, 0, "not a candidate: no recipients");
	result_free(&r);
	run(&r, m, sizeof m - 1, 1, 0, 0);
	is_int(r.m.is_dsn, 1, "same body with null sender: scanned, a report");
	is_int(r.m.n_dsn, 1, "same body with null sender: one recipient");
	result_free(&r);
}

static void test_headers(void)
{
	struct result r;
	char *whole;
	static const char m[] =
		"Received: from client.example.com ([192.0.2.7]) by mx.example.com;\r\n"
		"\tThu, 7 Jun 2001 10:00:00 +0000\r\n"
		"from:   \"Alice\" <alice@example.com>  \r\n"
		"TO: bob@example.com,\r\n"
		"    carol@example.com\r\n"
		"Subject: a rather long subject line that\r\n"
		" continues here\r\n"
		"\t\tand here\r\n"
		"Subject: second subject is ignored\r\n"
		"Message-ID: <20010607100000.123@client.example.com>\r\n"
		"Date : Thu, 7 Jun 2001 10:00:00 +0000\r\n"
		"Content-Type: text/plain;\r\n"
		" charset=us-ascii\r\n"
		"X-Empty:\r\n"
		"not a header line\r\n"
		"\r\n"
		"Hello Bob,\r\n"
		"From: this is the body, not a header\r\n"
		"\r\n";

	run(&r, m, sizeof m - 1, 0, 0, 0);
	is_str(r.m.hdr_from, "\"Alice\" <alice@example.com>", "headers: From trimmed, case-insensitive name");
	is_str(r.m.hdr_to, "bob@example.com, carol@example.com", "headers: To unfolded");
	is_str(r.m.subject, "a rather long subject line that continues here and here", "headers: folded Subject");
	is_str(r.m.message_id, "<20010607100000.123@client.example.com>", "headers: Message-ID");
	is_str(r.m.date, "Thu, 7 Jun 2001 10:00:00 +0000", "headers: obsolete \"Date :\"");
	is_str(r.m.content_type, "text/plain; charset=us-ascii", "headers: Content-Type");
	is_int(r.m.is_dsn, 0, "headers: not a report");
	is_int(r.m.size, sizeof m - 1, "headers: size");
	result_free(&r);
	whole = split_invariant("headers", m, sizeof m - 1, 0);
	free(whole);

	/* no body, no final CRLF: the last header still counts */
	{
		static const char h[] = "Subject: only headers\r\nFrom: a@b.example";
		run(&r, h, sizeof h - 1, 0, 0, 0);
		is_str(r.m.subject, "only headers", "no body: subject");
		is_str(r.m.hdr_from, "a@b.example", "no body, no CRLF: last header");
		result_free(&r);
	}
	/* empty message */
	run(&r, "", 0, 0, 0, 0);
	is_int(r.m.size, 0, "empty message: size 0");
	is_str(r.m.subject, NULL, "empty message: no subject");
	result_free(&r);
	/* a NUL byte in a stored value becomes '?', as in every wire string (text_copy_wire) */
	{
		static const char h[] = "Subject: a\0b\r\n\r\n";
		run(&r, h, sizeof h - 1, 0, 0, 0);
		is_str(r.m.subject, "a?b", "NUL in a value becomes '?' (the one wire-string rule)");
		result_free(&r);
	}
	/* a value is cut at SMTP_FIELD_MAX */
	{
		size_t n = 9 + 3000 + 4, i;
		char *h = malloc(n);
		memcpy(h, "Subject: ", 9);
		for (i = 0; i < 3000; i++)
			h[9 + i] = (char)('a' + i % 26);
		memcpy(h + 9 + 3000, "\r\n\r\n", 4);
		run(&r, h, n, 0, 0, 0);
		ok(r.m.subject && strlen(r.m.subject) == SMTP_FIELD_MAX, "long subject cut at SMTP_FIELD_MAX");
		ok(r.m.subject && memcmp(r.m.subject, h + 9, SMTP_FIELD_MAX) == 0, "long subject keeps its start");
		result_free(&r);
		free(h);
	}
	/* a line longer than SMTP_LINE_MAX is cut; the next header still parses */
	{
		size_t n = 0, i;
		char *h = malloc(20000);
		n += (size_t)sprintf(h + n, "X-Long: ");
		for (i = 0; i < 10000; i++)
			h[n++] = 'x';
		n += (size_t)sprintf(h + n, "Subject: not a header\r\nSubject: after long\r\n\r\n");
		run(&r, h, n, 0, 0, 0);
		is_str(r.m.subject, "after long", "overlong line cut, next line parsed");
		result_free(&r);
		free(h);
	}
}

/* msg_take frees what m held and replaces it (ASan checks for leaks). */
static void test_take_replaces(void)
{
	struct result r;
	struct msg_parser *mp = msg_new(0);
	static const char h[] = "Subject: new\r\n\r\nbody\r\n";
	int hc = 7, dc = 7;

	memset(&r, 0, sizeof r);
	r.m.subject = strdup("old");
	r.m.hdr_from = strdup("old from");
	r.m.dsn = calloc(1, sizeof *r.m.dsn);
	r.m.dsn[0].status = strdup("5.0.0");
	r.m.n_dsn = 1;
	r.m.size = 99;
	msg_feed(mp, (const uint8_t *)h, sizeof h - 1);
	msg_take(mp, &r.m, &hc, &dc);
	msg_free(mp);
	is_str(r.m.subject, "new", "take: subject replaced");
	is_str(r.m.hdr_from, NULL, "take: From replaced by not-seen");
	is_int(r.m.n_dsn, 0, "take: old DSN entries freed");
	is_int(r.m.size, sizeof h - 1, "take: size");
	is_int(hc, 0, "take: header_cap written");
	is_int(dc, 0, "take: dsn_cap written");
	result_free(&r);

	/* msg_take without msg_end finishes the parse itself; feeding after the
	 * end is ignored; NULL is harmless */
	mp = msg_new(0);
	msg_feed(mp, (const uint8_t *)"Subject: x", 10);
	msg_take(mp, &r.m, NULL, NULL);
	is_str(r.m.subject, "x", "take without end: last line flushed");
	is_int(msg_feed(mp, (const uint8_t *)"abc", 3), 0, "feed after end: ignored");
	msg_free(mp);
	result_free(&r);
	msg_free(NULL); /* a no-op: a crash here fails the whole program, no ok() needed */
}

static void test_header_cap(void)
{
	struct result r;
	size_t n = 0, i, cap = SMTP_HEADER_BLOCK_MAX;
	char *m = malloc(cap + 4096);

	n += (size_t)sprintf(m + n, "From: MAILER-DAEMON@example.net\r\nSubject: first\r\n");
	for (i = 0; n + 100 < cap + 1000; i++)
		n += (size_t)sprintf(m + n, "X-Filler-%05zu: %s\r\n", i,
		                     "0123456789012345678901234567890123456789012345678901234567890123456789");
	n += (size_t)sprintf(m + n, "Message-ID: <late@example.net>\r\n\r\n");
	n += (size_t)sprintf(m + n, "Could not deliver.\r\n<mx.example.net #4.4.7>\r\n");
	run(&r, m, n, 0, 0, 0);
	is_int(r.header_cap, 1, "header cap: hit");
	is_str(r.m.hdr_from, "MAILER-DAEMON@example.net", "header cap: early header kept");
	is_str(r.m.subject, "first", "header cap: early subject kept");
	is_str(r.m.message_id, NULL, "header cap: header past the cap not examined");
	is_int(r.m.size, n, "header cap: size still counts every byte");
	is_int(r.m.n_dsn, 1, "header cap: the body after it is still scanned");
	result_free(&r);
	/* same under byte-wise feeding */
	run(&r, m, n, 0, 1, 0);
	is_int(r.header_cap, 1, "header cap, bytewise: hit");
	is_int(r.m.n_dsn, 1, "header cap, bytewise: same recipients");
	result_free(&r);
	/* a header block just under the cap does not hit it */
	n = 0;
	n += (size_t)sprintf(m + n, "Subject: s\r\n");
	while (n + 200 < cap)
		n += (size_t)sprintf(m + n, "X-F: %s\r\n", "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghij");
	n += (size_t)sprintf(m + n, "Message-ID: <ok@example.net>\r\n\r\nbody\r\n");
	run(&r, m, n, 0, 0, 0);
	is_int(r.header_cap, 0, "under the header cap: not hit");
	is_str(r.m.message_id, "<ok@example.net>", "under the header cap: last header seen");
	result_free(&r);
	free(m);
}

static void test_dsn_cap(void)
{
	struct result r;
	size_t sz = 200000, n = 0;
	char *m = malloc(sz);
	int i;

	n += (size_t)snprintf(m + n, sz - n,
		"Content-Type: Multipart/Report; Report-Type=\"Delivery-Status\"; boundary=b1\r\n\r\n"
		"--b1\r\nContent-Type: message/delivery-status\r\n\r\n"
		"Reporting-MTA: dns; mx.example.org\r\n\r\n");
	for (i = 0; i < DSN_RCPT_MAX + 44; i++)
		n += (size_t)snprintf(m + n, sz - n,
			"Final-Recipient: rfc822; <u%d@example.com>\r\nAction: failed\r\nStatus: 5.1.1 (bad mailbox)\r\n"
			"Diagnostic-Code: smtp; 550 5.1.1 <u%d@example.com>:\r\n    Recipient address rejected\r\n\r\n",
			i, i);
	n += (size_t)snprintf(m + n, sz - n, "--b1--\r\n");
	run(&r, m, n, 0, 0, 0);
	is_int(r.m.is_dsn, 1, "dsn cap: report (parameters case-insensitive, quoted)");
	is_int(r.m.n_dsn, DSN_RCPT_MAX, "dsn cap: recipients stop at DSN_RCPT_MAX");
	is_int(r.dsn_cap, 1, "dsn cap: hit");
	if (r.m.n_dsn == DSN_RCPT_MAX) {
		is_str(r.m.dsn[0].final_recipient, "u0@example.com", "dsn cap: first recipient, type and angles stripped");
		is_str(r.m.dsn[0].status, "5.1.1", "dsn cap: status without comment");
		is_str(r.m.dsn[0].reporting_mta, "mx.example.org", "dsn cap: reporting MTA copied");
		is_str(r.m.dsn[0].diagnostic, "550 5.1.1 <u0@example.com>: Recipient address rejected",
		       "dsn cap: folded Diagnostic-Code, type stripped");
		is_str(r.m.dsn[DSN_RCPT_MAX - 1].final_recipient, "u255@example.com", "dsn cap: last stored");
	}
	result_free(&r);
	free(m);
}

/* report-type folded and quoted, nested multipart, merge by address,
 * reporting MTA from the marker when the part has none */
static void test_dsn_variants(void)
{
	struct result r;
	char *whole;
	static const char m[] =
		"From: Mail Delivery System <MAILER-DAEMON@relay.example>\r\n"
		"Content-Type: multipart/mixed; boundary=outer\r\n"
		"\r\n"
		"--outer\r\n"
		"Content-Type: MULTIPART/REPORT;\r\n"
		"  REPORT-TYPE = \"delivery-status\" ;\r\n"
		"  boundary=\"in ner\"\r\n"
		"\r\n"
		"preamble\r\n"
		"--in ner  \r\n"
		"\r\n"
		"Delivery to the following recipients failed.\r\n"
		"       a@x.example\r\n"
		"            Could not deliver the message in the time limit specified.\r\n"
		"            <relay.example #4.4.7>\r\n"
		"       b@x.example\r\n"
		"            Mailbox full.\r\n"
		"            <relay.example #4.2.2>\r\n"
		"       c@x.example\r\n"
		"            Only in the text.\r\n"
		"            <relay.example #5.0.0>\r\n"
		"--in ner\r\n"
		"Content-Type: message/delivery-status\r\n"
		"\r\n"
		"Arrival-Date: today\r\n"
		"\r\n"
		"Final-Recipient: rfc822;B@x.example\r\n"
		"Action: delayed\r\n"
		"Status: 4.2.2\r\n"
		"\r\n"
		"Original-Recipient: rfc822;a@x.example\r\n"
		"Action: failed\r\n"
		"Status: 4.4.7\r\n"
		"--in ner--\r\n"
		"--outer\r\n"
		"Content-Type: message/rfc822\r\n"
		"\r\n"
		"Subject: original\r\n"
		"\r\n"
		"<ignored.example #5.5.5>\r\n"
		"--outer--\r\n";

	run(&r, m, sizeof m - 1, 0, 0, 0);
	is_int(r.m.is_dsn, 1, "variants: nested report found");
	is_int(r.m.n_dsn, 3, "variants: two part recipients + one text-only");
	if (r.m.n_dsn == 3) {
		is_str(r.m.dsn[0].final_recipient, "B@x.example", "variants: part order kept");
		is_str(r.m.dsn[0].action, "delayed", "variants: action from the part");
		is_str(r.m.dsn[0].diagnostic, "Mailbox full.", "variants: merged by address, not position");
		is_str(r.m.dsn[0].reporting_mta, "relay.example", "variants: MTA from the marker");
		is_str(r.m.dsn[1].final_recipient, "a@x.example", "variants: Original-Recipient fallback");
		is_str(r.m.dsn[1].diagnostic, "Could not deliver the message in the time limit specified.",
		       "variants: second merged by address");
		is_str(r.m.dsn[1].status, "4.4.7", "variants: status");
		is_str(r.m.dsn[2].final_recipient, "c@x.example", "variants: text-only recipient appended");
		is_str(r.m.dsn[2].status, "5.0.0", "variants: its status");
		is_str(r.m.dsn[2].action, NULL, "variants: no action for it");
	}
	result_free(&r);
	whole = split_invariant("variants", m, sizeof m - 1, 0);
	free(whole);

	/* multipart/report of another type is a candidate but not a DSN */
	{
		static const char d[] =
			"Content-Type: multipart/report; report-type=disposition-notification; boundary=x\r\n\r\n"
			"--x\r\ncontent-type: text/plain\r\n\r\nYour message was read.\r\n--x--\r\n";
		run(&r, d, sizeof d - 1, 0, 0, 0);
		is_int(r.m.is_dsn, 0, "MDN report is not a DSN");
		result_free(&r);
	}
	/* report-type given, boundary unknown: still a DSN by its headers */
	{
		static const char d[] =
			"Content-Type: multipart/report; report-type=delivery-status\r\n\r\nno boundary\r\n";
		run(&r, d, sizeof d - 1, 0, 0, 0);
		is_int(r.m.is_dsn, 1, "report-type alone makes a DSN");
		is_int(r.m.n_dsn, 0, "report-type alone: no recipients");
		result_free(&r);
	}
}

/* Mutated reports, fed whole and in random pieces: never a crash or leak
 * (ASan), always the same records.  A fixed seed keeps it reproducible. */
static void test_random_splits(void)
{
	static const char noise[] = "\r\n\n-#<> @;:\t\"=\0x";
	const char *seeds[] = { dsn_example, ndr_text };
	unsigned rnd = 12345;
	int iter, bad = 0, s;

	for (iter = 0; iter < 400; iter++) {
		const char *base = seeds[iter % 2];
		size_t len = strlen(base), i, off = 0;
		char *m = malloc(len);
		struct msg_parser *mp;
		struct result whole, r;
		char *dw, *dr;

		memcpy(m, base, len);
		for (i = 0; i < (size_t)(iter % 16); i++) {
			rnd = rnd * 1103515245u + 12345u;
			m[(rnd >> 8) % len] = noise[(rnd >> 20) % (sizeof noise - 1)];
		}
		run(&whole, m, len, iter & 1, 0, 0);
		mp = msg_new(iter & 1);
		memset(&r, 0, sizeof r);
		while (off < len) {
			size_t n;
			uint8_t *piece;
			rnd = rnd * 1103515245u + 12345u;
			n = 1 + (rnd >> 16) % 97;
			if (n > len - off)
				n = len - off;
			piece = malloc(n);
			memcpy(piece, m + off, n);
			if (msg_feed(mp, piece, n) != 0)
				r.rc = -1;
			free(piece);
			off += n;
		}
		msg_end(mp);
		msg_take(mp, &r.m, &r.header_cap, &r.dsn_cap);
		msg_free(mp);
		dw = dump(&whole);
		dr = dump(&r);
		s = strcmp(dw, dr);
		if (s != 0 && bad++ == 0)
			printf("# iteration %d differs:\n%s%s", iter, dw, dr);
		free(dw);
		free(dr);
		result_free(&whole);
		result_free(&r);
		free(m);
	}
	is_int(bad, 0, "400 mutated reports in random pieces: same records as whole");
}

/* a boundary parameter past SMTP_FIELD_MAX of the Content-Type is still used */
static void test_long_content_type(void)
{
	struct result r;
	char *m = malloc(8192);
	size_t n = 0, i;

	n += (size_t)sprintf(m + n, "Content-Type: multipart/report; x-pad=\"");
	for (i = 0; i < 1500; i++)
		m[n++] = 'p';
	n += (size_t)sprintf(m + n, "\";\r\n report-type=delivery-status; boundary=zz\r\n\r\n"
	                     "--zz\r\nContent-Type: message/delivery-status\r\n\r\n"
	                     "Reporting-MTA: dns;a.example\r\n\r\nFinal-Recipient: rfc822;q@b.example\r\n"
	                     "Action: failed\r\nStatus: 5.0.0\r\n--zz--\r\n");
	run(&r, m, n, 0, 0, 0);
	ok(r.m.content_type && strlen(r.m.content_type) == SMTP_FIELD_MAX, "long Content-Type stored cut");
	is_int(r.m.is_dsn, 1, "long Content-Type: report-type past the cut still seen");
	is_int(r.m.n_dsn, 1, "long Content-Type: boundary past the cut still used");
	result_free(&r);
	free(m);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_big_body(void)
{
	size_t body = 1u << 20, n = 0, off, i;
	char *m = malloc(body + 1024);
	struct msg_parser *mp;
	struct result r;
	double t0, t1;
	int k, bad = 0;

	n += (size_t)sprintf(m + n, "From: alice@example.com\r\nSubject: big\r\n\r\n");
	for (i = 0; i < body; i++)
		m[n++] = (i % 78 == 77) ? '\n' : (char)('a' + i % 26);

	t0 = now();
	mp = msg_new(0);
	for (off = 0; off < n; off += 4096)
		if (msg_feed(mp, (const uint8_t *)m + off, n - off < 4096 ? n - off : 4096) != 0)
			bad++;
	msg_end(mp);
	memset(&r, 0, sizeof r);
	msg_take(mp, &r.m, &r.header_cap, &r.dsn_cap);
	msg_free(mp);
	t1 = now();
	is_int(bad, 0, "1 MB body: every feed ok");
	is_int(r.m.size, n, "1 MB body in 4 KB chunks: size");
	is_str(r.m.subject, "big", "1 MB body: subject");
	ok(t1 - t0 < 0.25, "1 MB non-report body costs little (%.4f s)", t1 - t0);
	result_free(&r);

	/* thousands of 40 KB bodies */
	t0 = now();
	for (k = 0; k < 2000; k++) {
		mp = msg_new(0);
		for (off = 0; off < 40960 + 40; off += 4096)
			msg_feed(mp, (const uint8_t *)m + off, 4096);
		msg_end(mp);
		msg_take(mp, &r.m, NULL, NULL);
		msg_free(mp);
		result_free(&r);
	}
	t1 = now();
	ok(t1 - t0 < 2.0, "2000 x 40 KB non-report messages (%.3f s)", t1 - t0);

	/* a report candidate scans only SMTP_DSN_SCAN_MAX of its body */
	mp = msg_new(1);
	for (off = 0; off < n; off += 4096)
		msg_feed(mp, (const uint8_t *)m + off, n - off < 4096 ? n - off : 4096);
	msg_feed(mp, (const uint8_t *)"\r\n<late.example #4.4.7>\r\n", 25);
	msg_end(mp);
	memset(&r, 0, sizeof r);
	msg_take(mp, &r.m, NULL, NULL);
	msg_free(mp);
	is_int(r.m.size, n + 25, "candidate 1 MB body: size");
	is_int(r.m.n_dsn, 0, "candidate: a marker past SMTP_DSN_SCAN_MAX is not seen");
	result_free(&r);
	free(m);
}

int main(void)
{
	test_dsn_example();
	test_ndr_text();
	test_not_candidate();
	test_headers();
	test_take_replaces();
	test_header_cap();
	test_dsn_cap();
	test_dsn_variants();
	test_random_splits();
	test_long_content_type();
	test_big_body();
	return done_testing();
}
