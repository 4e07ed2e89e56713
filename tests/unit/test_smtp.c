/* \summary: unit tests of the SMTP push parser (dissectors/smtp.c).
 *
 * Hand-written transcripts, both directions.  The main transcripts run three
 * ways (picohttpparser): every step whole, split at every byte offset into
 * two calls, and one byte at a time; each chunk is copied into an exact-size
 * malloc so that ASan sees a one-byte over-read.  All runs must give the same
 * record, compared field by field through rec_dump(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/base/limits.h"
#include "dissectors/smtp.h"
#include "tests/tap.h"

/* ---- transcripts -------------------------------------------------------- */

struct step {
	int dir;          /* SMTP_C2S, SMTP_S2C, or GAP (len = gap length) */
	const char *p;
	size_t n;
};

#define GAP 2
#define C(str) { SMTP_C2S, str, sizeof str - 1 }
#define S(str) { SMTP_S2C, str, sizeof str - 1 }
#define NSTEPS(a) (sizeof a / sizeof a[0])

enum split { WHOLE, SPLIT_AT, BYTES };

static int feed_copy(struct smtp_session *s, int dir, const char *p, size_t n, uint64_t ts)
{
	uint8_t *c;
	int rc;

	if (!n)
		return 0;
	c = malloc(n);
	if (!c)
		abort();
	memcpy(c, p, n);
	rc = smtp_feed(s, (enum smtp_dir)dir, c, n, ts);
	free(c);
	return rc;
}

/* Feeds the transcript; with SPLIT_AT the byte stream is cut once at global
 * offset k (counted over all steps).  Returns the session (finished with how). */
static struct smtp_session *run(const struct step *st, size_t nst, enum split mode, size_t k, enum smtp_end how)
{
	struct smtp_session *s = smtp_new();
	size_t i, j, off = 0;
	int bad = 0;

	for (i = 0; i < nst; i++) {
		uint64_t ts = 1000000 + i * 1000;
		if (st[i].dir == GAP) {
			bad |= smtp_gap(s, SMTP_C2S, st[i].n, ts);
			continue;
		}
		if (mode == WHOLE || (mode == SPLIT_AT && (k <= off || k >= off + st[i].n))) {
			bad |= feed_copy(s, st[i].dir, st[i].p, st[i].n, ts);
		} else if (mode == SPLIT_AT) {
			bad |= feed_copy(s, st[i].dir, st[i].p, k - off, ts);
			bad |= feed_copy(s, st[i].dir, st[i].p + (k - off), st[i].n - (k - off), ts);
		} else {
			for (j = 0; j < st[i].n; j++)
				bad |= feed_copy(s, st[i].dir, st[i].p + j, 1, ts);
		}
		off += st[i].n;
	}
	bad |= smtp_finish(s, how, 9000000);
	/* -1 means out of memory or a bug, never bad traffic: a failing test */
	if (bad)
		ok(0, "a smtp_feed/smtp_gap/smtp_finish call returned -1 (mode %d, split %zu)", (int)mode, k);
	return s;
}

/* ---- record dump and comparison ---------------------------------------- */

static void dz(FILE *f, const char *name, const char *z)
{
	fprintf(f, "%s=%s%s%s\n", name, z ? "\"" : "", z ? z : "NULL", z ? "\"" : "");
}

/* Every field of the record as text (malloc'd): two records are equal when
 * their dumps are. */
static char *rec_dump(const struct smtp_record *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int i, j;

	fprintf(f, "banner_code=%d\n", r->banner_code);
	dz(f, "banner_text", r->banner_text);
	dz(f, "banner_host", r->banner_host);
	dz(f, "software", r->software);
	dz(f, "software_version", r->software_version);
	dz(f, "helo_verb", r->helo_verb);
	dz(f, "helo_arg", r->helo_arg);
	fprintf(f, "helo_code=%d\n", r->helo_code);
	dz(f, "greeting_host", r->greeting_host);
	dz(f, "ehlo_first_line", r->ehlo_first_line);
	for (i = 0; i < r->n_ext; i++) {
		dz(f, " ext.keyword", r->ext[i].keyword);
		dz(f, " ext.params", r->ext[i].params);
	}
	fprintf(f, "xexps_advertised=%d\n", r->xexps_advertised);
	dz(f, "xexps_mechanisms", r->xexps_mechanisms);
	dz(f, "auth_mechanisms", r->auth_mechanisms);
	fprintf(f, "starttls=%d code=%d\n", r->starttls, r->starttls_code);
	dz(f, "auth_mechanism", r->auth_mechanism);
	fprintf(f, "auth_code=%d rt=%d payload=%llu xexps_used=%d pipelined=%d bdat=%d\n", r->auth_code,
		r->auth_round_trips, (unsigned long long)r->auth_payload_bytes, r->xexps_used, r->pipelined, r->bdat);
	fprintf(f, "n_mails=%d mail_count=%d\n", r->n_mails, r->mail_count);
	for (i = 0; i < r->n_mails; i++) {
		const struct smtp_mail *m = &r->mails[i];
		fprintf(f, " mail ts=%llu\n", (unsigned long long)m->ts);
		dz(f, " mail_from", m->mail_from);
		dz(f, " params", m->params);
		fprintf(f, " size_param=%llu\n", (unsigned long long)m->size_param);
		dz(f, " body_type", m->body_type);
		dz(f, " ret", m->ret);
		dz(f, " envid", m->envid);
		dz(f, " auth", m->auth);
		fprintf(f, " mail_code=%d n_rcpts=%d rcpt_count=%d accepted=%d\n", m->mail_code, m->n_rcpts,
			m->rcpt_count, m->accepted);
		for (j = 0; j < m->n_rcpts; j++) {
			dz(f, "  rcpt", m->rcpts[j].address);
			fprintf(f, "  code=%d\n", m->rcpts[j].code);
			dz(f, "  enhanced", m->rcpts[j].enhanced);
		}
		fprintf(f, " data_code=%d final_code=%d bdat=%d chunks=%d completed=%d size=%llu\n", m->data_code,
			m->final_code, m->bdat, m->bdat_chunks, m->completed, (unsigned long long)m->size);
		dz(f, " final_enhanced", m->final_enhanced);
		dz(f, " hdr_from", m->hdr_from);
		dz(f, " hdr_to", m->hdr_to);
		dz(f, " subject", m->subject);
		dz(f, " date", m->date);
		dz(f, " message_id", m->message_id);
		dz(f, " content_type", m->content_type);
		fprintf(f, " is_dsn=%d n_dsn=%d\n", m->is_dsn, m->n_dsn);
		for (j = 0; j < m->n_dsn; j++) {
			dz(f, "  final_recipient", m->dsn[j].final_recipient);
			dz(f, "  action", m->dsn[j].action);
			dz(f, "  status", m->dsn[j].status);
			dz(f, "  reporting_mta", m->dsn[j].reporting_mta);
			dz(f, "  diagnostic", m->dsn[j].diagnostic);
		}
	}
	fprintf(f, "n_cmds=%d cmds_total=%llu\n", r->n_cmds, (unsigned long long)r->cmds_total);
	for (i = 0; i < r->n_cmds; i++) {
		fprintf(f, " cmd ts=%llu known=%d\n", (unsigned long long)r->cmds[i].ts, r->cmds[i].known);
		dz(f, " verb", r->cmds[i].verb);
		dz(f, " arg", r->cmds[i].arg);
	}
	fprintf(f, "n_replies=%d replies_total=%llu\n", r->n_replies, (unsigned long long)r->replies_total);
	for (i = 0; i < r->n_replies; i++) {
		fprintf(f, " reply ts=%llu code=%d lines=%d\n", (unsigned long long)r->replies[i].ts,
			r->replies[i].code, r->replies[i].lines);
		dz(f, " enhanced", r->replies[i].enhanced);
		dz(f, " text", r->replies[i].text);
	}
	fprintf(f, "n_anomalies=%d anomalies_total=%llu\n", r->n_anomalies, (unsigned long long)r->anomalies_total);
	for (i = 0; i < r->n_anomalies; i++) {
		fprintf(f, " anomaly ts=%llu %s\n", (unsigned long long)r->anomalies[i].ts,
			anomaly_name(r->anomalies[i].kind));
		dz(f, " detail", r->anomalies[i].detail);
	}
	fprintf(f, "bytes=%llu/%llu gaps=%llu/%llu quit=%d end=%d outcome=%s saw_smtp=%d\n",
		(unsigned long long)r->bytes_c2s, (unsigned long long)r->bytes_s2c, (unsigned long long)r->gaps,
		(unsigned long long)r->gap_bytes, r->quit, (int)r->end, smtp_outcome_name(r->outcome), r->saw_smtp);
	fclose(f);
	return buf;
}

/* First line where two dumps differ, for the failure message. */
/* Prints the first line where dumps a and b differ (from its start: never
 * before either buffer). */
static void show_diff(const char *a0, const char *b0)
{
	const char *a = a0, *b = b0;

	while (*a && *a == *b)
		a++, b++;
	while (a > a0 && a[-1] != '\n') /* the common prefix: a and b step back together */
		a--, b--;
	printf("#   whole: %.*s\n#   other: %.*s\n", (int)strcspn(a, "\n"), a, (int)strcspn(b, "\n"), b);
}

/* Runs st whole, split at every offset, and byte by byte; asserts equal
 * records.  Returns the whole run's session (caller frees). */
static struct smtp_session *three_ways(const char *name, const struct step *st, size_t nst, enum smtp_end how)
{
	struct smtp_session *w = run(st, nst, WHOLE, 0, how), *o;
	char *dw = rec_dump(smtp_record(w)), *d;
	size_t total = 0, i, bad_at = 0;
	int bad = 0;

	for (i = 0; i < nst; i++)
		if (st[i].dir != GAP)
			total += st[i].n;
	for (i = 1; i < total && !bad; i++) {
		o = run(st, nst, SPLIT_AT, i, how);
		d = rec_dump(smtp_record(o));
		if (strcmp(d, dw)) {
			bad = 1;
			bad_at = i;
			show_diff(dw, d);
		}
		free(d);
		smtp_free(o);
	}
	ok(!bad, "%s: split in two at every offset gives the same record (first bad offset %zu)", name, bad_at);
	o = run(st, nst, BYTES, 0, how);
	d = rec_dump(smtp_record(o));
	if (!ok(strcmp(d, dw) == 0, "%s: byte by byte gives the same record", name))
		show_diff(dw, d);
	free(d);
	smtp_free(o);
	free(dw);
	return w;
}

static int count_anom(const struct smtp_record *r, enum anomaly_kind k)
{
	int i, n = 0;

	for (i = 0; i < r->n_anomalies; i++)
		n += r->anomalies[i].kind == k;
	return n;
}

static int dump_has(const struct smtp_record *r, const char *needle)
{
	char *d = rec_dump(r);
	int has = strstr(d, needle) != NULL;

	free(d);
	return has;
}

/* ---- KB 301401 ------------------------------------------------------------ */

#define KB_BANNER "220 aliasex2000 Microsoft ESMTP MAIL Service, Version: 5.0.2195.1600 ready at  Thu, 7 Jun 2001 10:00:00 +0000 \r\n"

static const struct step kb[] = {
	S(KB_BANNER),
	C("EHLO sender.example.com\r\n"),
	S("250-aliasex2000 Hello [192.0.2.10]\r\n"
	  "250-TURN\r\n"
	  "250-ATRN\r\n"
	  "250-SIZE 10240000\r\n"
	  "250-ETRN\r\n"
	  "250-PIPELINING\r\n"
	  "250-DSN\r\n"
	  "250-ENHANCEDSTATUSCODES\r\n"
	  "250-8bitmime\r\n"
	  "250-BINARYMIME\r\n"
	  "250-CHUNKING\r\n"
	  "250-VRFY\r\n"
	  "250-X-EXPS GSSAPI NTLM LOGIN\r\n"
	  "250-X-EXPS=LOGIN\r\n"
	  "250-AUTH GSSAPI NTLM LOGIN\r\n"
	  "250-AUTH=LOGIN\r\n"
	  "250-X-LINK2STATE\r\n"
	  "250-XEXCH50\r\n"
	  "250 OK\r\n"),
	C("QUIT\r\n"),
	S("221 2.0.0 aliasex2000 Service closing transmission channel\r\n"),
};

static void test_kb301401(void)
{
	struct smtp_session *s = three_ways("KB 301401", kb, NSTEPS(kb), SMTP_END_FIN);
	const struct smtp_record *r = smtp_record(s);

	is_int(r->banner_code, 220, "kb: banner code");
	is_str(r->banner_text, "aliasex2000 Microsoft ESMTP MAIL Service, Version: 5.0.2195.1600 ready at  Thu, 7 Jun 2001 10:00:00 +0000 ",
	       "kb: banner text kept as sent (trailing space too)");
	is_str(r->banner_host, "aliasex2000", "kb: banner host");
	is_str(r->software, "Exchange 2000", "kb: software");
	is_str(r->software_version, "5.0.2195.1600", "kb: version");
	is_str(r->helo_verb, "EHLO", "kb: helo verb");
	is_str(r->helo_arg, "sender.example.com", "kb: helo arg");
	is_int(r->helo_code, 250, "kb: helo code");
	is_str(r->greeting_host, "aliasex2000", "kb: greeting host");
	is_str(r->ehlo_first_line, "aliasex2000 Hello [192.0.2.10]", "kb: ehlo first line");
	is_int(r->n_ext, 18, "kb: 18 extensions, duplicates kept");
	if (r->n_ext == 18) {
		is_str(r->ext[2].keyword, "SIZE", "kb: SIZE");
		is_str(r->ext[2].params, "10240000", "kb: SIZE params");
		is_str(r->ext[0].params, NULL, "kb: TURN has no params");
		is_str(r->ext[7].keyword, "8BITMIME", "kb: 8bitmime upper-cased");
		is_str(r->ext[11].keyword, "X-EXPS", "kb: X-EXPS");
		is_str(r->ext[11].params, "GSSAPI NTLM LOGIN", "kb: X-EXPS params");
		is_str(r->ext[12].keyword, "X-EXPS", "kb: X-EXPS=LOGIN keyword");
		is_str(r->ext[12].params, "LOGIN", "kb: X-EXPS=LOGIN params");
		is_str(r->ext[14].keyword, "AUTH", "kb: AUTH=LOGIN keyword");
		is_str(r->ext[14].params, "LOGIN", "kb: AUTH=LOGIN params");
		is_str(r->ext[16].keyword, "XEXCH50", "kb: XEXCH50");
		is_str(r->ext[17].keyword, "OK", "kb: last line is an extension too");
	}
	is_int(r->xexps_advertised, 1, "kb: X-EXPS advertised");
	is_str(r->xexps_mechanisms, "GSSAPI NTLM LOGIN", "kb: X-EXPS mechanisms union");
	is_str(r->auth_mechanisms, "GSSAPI NTLM LOGIN", "kb: AUTH mechanisms union");
	is_int(r->n_cmds, 2, "kb: 2 commands");
	is_int(r->n_replies, 3, "kb: 3 replies");
	if (r->n_replies == 3) {
		is_int(r->replies[1].lines, 19, "kb: EHLO reply has 19 lines");
		is_str(r->replies[2].enhanced, "2.0.0", "kb: enhanced code of 221");
		ok(r->replies[1].text && !strncmp(r->replies[1].text, "aliasex2000 Hello [192.0.2.10]\nTURN\nATRN\n", 40),
		   "kb: reply lines joined with newline");
	}
	is_int(r->quit, 1, "kb: quit");
	is_int(r->pipelined, 0, "kb: not pipelined");
	is_int(r->saw_smtp, 1, "kb: saw smtp");
	is_int((int)r->anomalies_total, 0, "kb: no anomalies");
	is_str(smtp_outcome_name(r->outcome), "aborted", "kb: EHLO then QUIT is aborted");
	smtp_free(s);
}

/* ---- pipelining ------------------------------------------------------------ */

static const struct step pipe_steps[] = {
	S("220 mx.example.org ESMTP Postfix\r\n"),
	C("EHLO c.example\r\n"),
	S("250-mx.example.org\r\n250-PIPELINING\r\n250-SIZE 10000000\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250 CHUNKING\r\n"),
	C("MAIL FROM:<a@c.example> SIZE=300 BODY=8BITMIME RET=HDRS ENVID=QQ314159 AUTH=<>\r\n"
	  "RCPT TO:<b@mx.example.org>\r\n"
	  "RCPT TO:<nobody@mx.example.org> NOTIFY=NEVER\r\n"
	  "RCPT TO:<d@mx.example.org>\r\n"
	  "DATA\r\n"),
	S("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 <nobody@mx.example.org>: Recipient address rejected\r\n"
	  "250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n"),
	C("Subject: hi\r\nFrom: a@c.example\r\n\r\n..dot line\r\nbody\r\n.\r\nQUIT\r\n"),
	S("250 2.0.0 Ok: queued as ABC\r\n221 2.0.0 Bye\r\n"),
};

static void test_pipelined(void)
{
	struct smtp_session *s = three_ways("pipelined", pipe_steps, NSTEPS(pipe_steps), SMTP_END_FIN);
	const struct smtp_record *r = smtp_record(s);
	const struct smtp_mail *m = r->n_mails ? &r->mails[0] : NULL;

	is_int(r->pipelined, 1, "pipe: pipelined");
	is_int(count_anom(r, ANOM_PIPELINING_UNADVERTISED), 0, "pipe: PIPELINING was advertised");
	is_int(count_anom(r, ANOM_UNSOLICITED_REPLY), 0, "pipe: every reply paired");
	is_int(r->n_mails, 1, "pipe: one mail");
	is_int(r->n_cmds, 7, "pipe: 7 commands");
	if (!m)
		return;
	is_str(m->mail_from, "a@c.example", "pipe: mail from");
	is_str(m->params, "SIZE=300 BODY=8BITMIME RET=HDRS ENVID=QQ314159 AUTH=<>", "pipe: params");
	is_int((int)m->size_param, 300, "pipe: SIZE=");
	is_str(m->body_type, "8BITMIME", "pipe: BODY=");
	is_str(m->ret, "HDRS", "pipe: RET=");
	is_str(m->envid, "QQ314159", "pipe: ENVID=");
	is_str(m->auth, "<>", "pipe: AUTH=");
	is_int(m->mail_code, 250, "pipe: mail code");
	is_int(m->rcpt_count, 3, "pipe: 3 rcpts");
	is_int(m->n_rcpts, 3, "pipe: 3 stored");
	is_int(m->accepted, 2, "pipe: 2 accepted");
	if (m->n_rcpts == 3) {
		is_str(m->rcpts[1].address, "nobody@mx.example.org", "pipe: rcpt address inside <>");
		is_int(m->rcpts[1].code, 550, "pipe: rejected rcpt code");
		is_str(m->rcpts[1].enhanced, "5.1.1", "pipe: rejected rcpt enhanced");
		is_str(m->rcpts[2].enhanced, "2.1.5", "pipe: accepted rcpt enhanced");
	}
	is_int(m->data_code, 354, "pipe: data code");
	is_int(m->final_code, 250, "pipe: final code");
	is_str(m->final_enhanced, "2.0.0", "pipe: final enhanced");
	is_int(m->completed, 1, "pipe: completed");
	is_int((int)m->size, (int)strlen("Subject: hi\r\nFrom: a@c.example\r\n\r\n.dot line\r\nbody\r\n"),
	       "pipe: size after dot-unstuffing");
	is_int(r->quit, 1, "pipe: quit");
	is_str(smtp_outcome_name(r->outcome), "completed", "pipe: outcome completed");
	smtp_free(s);
}

/* ---- AUTH, X-EXPS ------------------------------------------------------ */

static const struct step auth_steps[] = {
	S("220 mx.example.org ESMTP\r\n"),
	C("EHLO c.example\r\n"),
	S("250-mx.example.org\r\n250 AUTH LOGIN PLAIN\r\n"),
	C("AUTH LOGIN\r\n"),
	S("334 VXNlcm5hbWU6\r\n"),
	C("dXNlcm5hbWU=\r\n"),
	S("334 UGFzc3dvcmQ6\r\n"),
	C("c2VjcmV0cGFzcw==\r\n"),
	S("235 2.7.0 Authentication successful\r\n"),
	C("AUTH PLAIN AHVzZXIAc2VjcmV0cGFzcw==\r\n"),
	S("503 5.5.1 Already authenticated\r\n"),
	C("QUIT\r\n"),
	S("221 Bye\r\n"),
};

static void test_auth(void)
{
	struct smtp_session *s = three_ways("auth login", auth_steps, NSTEPS(auth_steps), SMTP_END_FIN);
	const struct smtp_record *r = smtp_record(s);

	is_str(r->auth_mechanism, "LOGIN", "auth: mechanism");
	is_int(r->auth_round_trips, 2, "auth: 2 round trips");
	is_int(r->auth_code, 235, "auth: final code");
	is_int((int)r->auth_payload_bytes, 12 + 16 + 24, "auth: payload bytes counted");
	is_int(r->xexps_used, 0, "auth: no X-EXPS");
	is_int(r->n_cmds, 4, "auth: payload lines are no commands");
	ok(r->n_cmds == 4 && r->cmds[2].arg && !strcmp(r->cmds[2].arg, "PLAIN [redacted 24 bytes]"),
	   "auth: initial response redacted (%s)", r->n_cmds == 4 && r->cmds[2].arg ? r->cmds[2].arg : "-");
	ok(r->n_replies >= 4 && r->replies[3].text && !strcmp(r->replies[3].text, "[redacted 12 bytes]"),
	   "auth: 334 challenge redacted");
	ok(!dump_has(r, "secretpass") && !dump_has(r, "c2VjcmV0cGFzcw") && !dump_has(r, "dXNlcm5hbWU") &&
	   !dump_has(r, "AHVzZXIA") && !dump_has(r, "VXNlcm5hbWU6") && !dump_has(r, "UGFzc3dvcmQ6"),
	   "auth: no credential or challenge in any stored string");
	is_int(count_anom(r, ANOM_UNSOLICITED_REPLY), 0, "auth: replies paired");
	smtp_free(s);
}

static const struct step xexps_steps[] = {
	S(KB_BANNER),
	C("EHLO sender.example.com\r\n"),
	S("250-aliasex2000 Hello [192.0.2.10]\r\n250-X-EXPS GSSAPI NTLM LOGIN\r\n250 X-EXPS=LOGIN\r\n"),
	C("X-EXPS LOGIN\r\n"),
	S("334 VXNlcm5hbWU6\r\n"),
	C("dXNlcg==\r\n"),
	S("334 UGFzc3dvcmQ6\r\n"),
	C("cGFzc3dvcmQ=\r\n"),
	S("235 2.7.0 Authentication successful\r\n"),
	C("AUTH NTLM\r\n"),
	S("334 NTLM supported\r\n"),
	C("*\r\n"),
	S("501 5.7.0 cancelled\r\n"),
	C("QUIT\r\n"),
	S("221 bye\r\n"),
};

static void test_xexps(void)
{
	struct smtp_session *s = three_ways("x-exps", xexps_steps, NSTEPS(xexps_steps), SMTP_END_FIN);
	const struct smtp_record *r = smtp_record(s);

	is_int(r->xexps_used, 1, "x-exps: used");
	is_str(r->auth_mechanism, "LOGIN", "x-exps: mechanism of the first exchange");
	is_int(r->auth_code, 235, "x-exps: final code of the first exchange");
	is_int(r->auth_round_trips, 2, "x-exps: round trips");
	is_int(count_anom(r, ANOM_AUTH_CANCELLED), 1, "x-exps: '*' cancels");
	is_int((int)r->auth_payload_bytes, 8 + 12 + 1, "x-exps: payload bytes");
	is_int(r->n_cmds, 4, "x-exps: 4 commands");
	ok(r->n_cmds == 4 && !strcmp(r->cmds[1].verb, "X-EXPS") && r->cmds[1].known, "x-exps: verb known");
	ok(!dump_has(r, "cGFzc3dvcmQ") && !dump_has(r, "dXNlcg"), "x-exps: payloads not stored");
	smtp_free(s);
}

/* ---- STARTTLS ------------------------------------------------------------ */

static const struct step tls_ok[] = {
	S("220 mx ESMTP\r\n"),
	C("EHLO c\r\n"),
	S("250-mx\r\n250 STARTTLS\r\n"),
	C("STARTTLS\r\n"),
	S("220 2.0.0 Ready to start TLS\r\n"),
	C("\x16\x03\x01\x00\x05\x01\x00\x00\x01\x00\r\nMAIL FROM:<x@y>\r\n"),
	S("\x16\x03\x03\x00\x02\x02\x00"),
};

static const struct step tls_no[] = {
	S("220 mx ESMTP\r\n"),
	C("EHLO c\r\n"),
	S("250-mx\r\n250 STARTTLS\r\n"),
	C("STARTTLS\r\n"),
	S("454 4.7.0 TLS not available due to temporary reason\r\n"),
	C("MAIL FROM:<x@c>\r\n"),
	S("250 ok\r\n"),
	C("RCPT TO:<y@mx>\r\n"),
	S("250 ok\r\n"),
	C("DATA\r\n"),
	S("354 go\r\n"),
	C("Subject: t\r\n\r\nhello\r\n.\r\n"),
	S("250 queued\r\n"),
	C("QUIT\r\n"),
	S("221 bye\r\n"),
};

static void test_starttls(void)
{
	struct smtp_session *s = three_ways("starttls 220", tls_ok, NSTEPS(tls_ok), SMTP_END_FIN);
	const struct smtp_record *r = smtp_record(s);

	is_int(r->starttls, 1, "tls: starttls");
	is_int(r->starttls_code, 220, "tls: code");
	is_int(r->n_cmds, 2, "tls: nothing parsed after 220");
	is_int(r->n_replies, 3, "tls: no reply after 220");
	is_int(r->n_mails, 0, "tls: MAIL inside TLS not seen");
	is_int((int)r->bytes_c2s, (int)(8 + 10 + tls_ok[5].n), "tls: bytes counted");
	is_int(count_anom(r, ANOM_DATA_IN_TLS), 0, "tls: TLS records are no cleartext");
	is_str(smtp_outcome_name(r->outcome), "tls", "tls: outcome");
	smtp_free(s);

	s = three_ways("starttls 454", tls_no, NSTEPS(tls_no), SMTP_END_FIN);
	r = smtp_record(s);
	is_int(r->starttls, 0, "tls 454: no starttls");
	is_int(r->starttls_code, 454, "tls 454: code");
	is_int(r->n_mails, 1, "tls 454: parsing goes on");
	is_str(smtp_outcome_name(r->outcome), "completed", "tls 454: outcome completed");
	smtp_free(s);

	{
		/* STARTTLS injection: a command pipelined after STARTTLS */
		static const struct step inj[] = {
			S("220 mx ESMTP\r\n"), C("EHLO c\r\n"), S("250 mx\r\n"),
			C("STARTTLS\r\nRSET\r\n"), S("220 go ahead\r\n"), C("\x16\x03\x01"),
		};
		s = run(inj, NSTEPS(inj), WHOLE, 0, SMTP_END_FIN);
		r = smtp_record(s);
		is_int(count_anom(r, ANOM_DATA_IN_TLS), 1, "tls: command pipelined after STARTTLS flagged");
		is_int(r->n_cmds, 3, "tls: the pipelined RSET is still a command");
		smtp_free(s);
	}
}

/* ---- BDAT --------------------------------------------------------------- */

static const struct step bdat_steps[] = {
	S("220 mx ESMTP\r\n"),
	C("EHLO c\r\n"),
	S("250-mx\r\n250-PIPELINING\r\n250 CHUNKING\r\n"),
	C("MAIL FROM:<a@c>\r\nRCPT TO:<b@mx>\r\nBDAT 12\r\nSubject: x\r\n"),
	C("BDAT 7 LAST\r\n\r\nhello"),
	C("QUIT\r\n"),
	S("250 ok\r\n250 ok\r\n250 2.0.0 12 octets received\r\n250 2.0.0 Message accepted\r\n221 bye\r\n"),
};

static void test_bdat(void)
{
	struct smtp_session *s = three_ways("bdat", bdat_steps, NSTEPS(bdat_steps), SMTP_END_FIN);
	const struct smtp_record *r = smtp_record(s);
	const struct smtp_mail *m = r->n_mails ? &r->mails[0] : NULL;

	is_int(r->bdat, 1, "bdat: used");
	ok(m != NULL, "bdat: mail stored");
	if (m) {
		is_int(m->bdat, 1, "bdat: mail bdat");
		is_int(m->bdat_chunks, 2, "bdat: 2 chunks");
		is_int((int)m->size, 19, "bdat: size");
		is_int(m->completed, 1, "bdat: LAST completes");
		is_int(m->final_code, 250, "bdat: final code");
		is_str(m->final_enhanced, "2.0.0", "bdat: final enhanced");
		is_int(m->data_code, 250, "bdat: data code = last chunk's reply");
	}
	is_int(r->n_cmds, 6, "bdat: chunk bytes are no commands");
	is_int(r->quit, 1, "bdat: QUIT right after the chunk");
	is_int(count_anom(r, ANOM_UNKNOWN_COMMAND), 0, "bdat: no unknown command");
	is_str(smtp_outcome_name(r->outcome), "completed", "bdat: outcome");
	smtp_free(s);
}

/* ---- DATA --------------------------------------------------------------- */

static struct smtp_session *data_session(const char **body, int nbody)
{
	struct smtp_session *s = smtp_new();
	int i;

	smtp_feed(s, SMTP_S2C, (const uint8_t *)"220 mx\r\n", 8, 1);
	smtp_feed(s, SMTP_C2S, (const uint8_t *)"HELO c\r\n", 8, 2);
	smtp_feed(s, SMTP_S2C, (const uint8_t *)"250 mx\r\n", 8, 3);
	smtp_feed(s, SMTP_C2S, (const uint8_t *)"MAIL FROM:<>\r\n", 14, 4);
	smtp_feed(s, SMTP_S2C, (const uint8_t *)"250 ok\r\n", 8, 5);
	smtp_feed(s, SMTP_C2S, (const uint8_t *)"RCPT TO:<u@mx>\r\n", 16, 6);
	smtp_feed(s, SMTP_S2C, (const uint8_t *)"250 ok\r\n", 8, 7);
	smtp_feed(s, SMTP_C2S, (const uint8_t *)"DATA\r\n", 6, 8);
	smtp_feed(s, SMTP_S2C, (const uint8_t *)"354 go\r\n", 8, 9);
	for (i = 0; i < nbody; i++)
		smtp_feed(s, SMTP_C2S, (const uint8_t *)body[i], strlen(body[i]), 10);
	return s;
}

static void test_data(void)
{
	const char *b1[] = { "Subject: a\r\n\r\n..x\r\n.", "\r\n", "QUIT\r\n" };
	const char *b2[] = { "line\r\n", ".", "\r", "\nNOOP\r\n" };
	const char *b3[] = { "a\r\n.\rb\r\n.\r\n" };
	struct smtp_session *s = data_session(b1, 3);
	const struct smtp_record *r = smtp_record(s);

	is_int(r->n_mails, 1, "data: one mail");
	is_str(r->mails[0].mail_from, "", "data: null sender is empty string");
	is_int(r->mails[0].completed, 1, "data: end split as '\\r\\n.' | '\\r\\n' found");
	is_int((int)r->mails[0].size, 18, "data: dot-unstuffed size");
	is_int(r->quit, 1, "data: QUIT after the end is a command");
	smtp_free(s);

	s = data_session(b2, 4);
	r = smtp_record(s);
	is_int(r->mails[0].completed, 1, "data: end split in three calls");
	is_int((int)r->mails[0].size, 6, "data: size");
	ok(r->n_cmds == 5 && !strcmp(r->cmds[4].verb, "NOOP"), "data: NOOP after the end");
	smtp_free(s);

	s = data_session(b3, 1);
	r = smtp_record(s);
	is_int(r->mails[0].completed, 1, "data: '.\\r' + other byte is no terminator");
	is_int((int)r->mails[0].size, 7, "data: '.\\rb' loses only its dot");
	smtp_free(s);

	{
		/* a 10 kB body line is fine inside DATA */
		char *big = malloc(10003);
		const char *b4[2];
		memset(big, 'x', 10000);
		memcpy(big + 10000, "\r\n", 3);
		b4[0] = big;
		b4[1] = ".\r\n";
		s = data_session(b4, 2);
		r = smtp_record(s);
		is_int(count_anom(r, ANOM_LINE_TOO_LONG), 0, "data: long body lines are no anomaly");
		is_int((int)r->mails[0].size, 10002, "data: long line size");
		smtp_free(s);
		free(big);
	}
	{
		/* unterminated at the end of the capture */
		const char *b5[] = { "Subject: a\r\n\r\nbody" };
		s = data_session(b5, 1);
		smtp_finish(s, SMTP_END_CAPTURE, 20);
		r = smtp_record(s);
		is_int(r->mails[0].completed, 0, "data: unterminated not completed");
		is_int(count_anom(r, ANOM_DATA_UNTERMINATED), 1, "data: DATA_UNTERMINATED");
		is_str(smtp_outcome_name(r->outcome), "truncated", "data: capture end mid-DATA is truncated");
		smtp_free(s);
	}
}

/* DATA pipelined, server refuses it: the following lines stay commands. */
static const struct step data_refused[] = {
	S("220 mx ESMTP\r\n"),
	C("EHLO c\r\n"),
	S("250-mx\r\n250 PIPELINING\r\n"),
	C("MAIL FROM:<a@c>\r\nRCPT TO:<nobody@mx>\r\nDATA\r\n"),
	S("250 ok\r\n550 5.1.1 no such user\r\n554 5.5.1 Error: no valid recipients\r\n"),
	C("RSET\r\nQUIT\r\n"),
	S("250 ok\r\n221 bye\r\n"),
};

/* DATA pipelined and the body sent without waiting for 354. */
static const struct step data_eager[] = {
	S("220 mx ESMTP\r\n"),
	C("HELO c\r\n"),
	S("250 mx\r\n"),
	C("MAIL FROM:<a@c>\r\nRCPT TO:<b@mx>\r\nDATA\r\nSubject: eager\r\n\r\nhi\r\n.\r\n"),
	S("250 ok\r\n250 ok\r\n354 go\r\n250 queued\r\n"),
	C("QUIT\r\n"),
	S("221 bye\r\n"),
};

static void test_data_pipelined(void)
{
	struct smtp_session *s = three_ways("data refused", data_refused, NSTEPS(data_refused), SMTP_END_FIN);
	const struct smtp_record *r = smtp_record(s);

	is_int(r->mails[0].data_code, 554, "refused: data code");
	is_int(r->mails[0].completed, 0, "refused: no body");
	is_int(r->mails[0].accepted, 0, "refused: nobody accepted");
	is_int(r->n_cmds, 6, "refused: RSET and QUIT are commands");
	is_int(count_anom(r, ANOM_UNSOLICITED_REPLY), 0, "refused: replies paired");
	is_str(smtp_outcome_name(r->outcome), "completed", "refused: QUIT after a clean exchange with a mail");
	smtp_free(s);

	s = three_ways("data eager", data_eager, NSTEPS(data_eager), SMTP_END_FIN);
	r = smtp_record(s);
	is_int(r->mails[0].completed, 1, "eager: body found before 354");
	is_int(r->mails[0].final_code, 250, "eager: final code");
	is_int((int)r->mails[0].size, 22, "eager: size");
	is_int(r->n_cmds, 5, "eager: body lines are no commands");
	is_int(count_anom(r, ANOM_UNKNOWN_COMMAND), 0, "eager: no unknown command");
	smtp_free(s);
}

/* ---- line handling ---------------------------------------------------- */

static void test_lines(void)
{
	struct smtp_session *s;
	const struct smtp_record *r;
	char *big = malloc(10010);
	struct step st[4] = { S("220 mx\r\n") };

	memcpy(big, "HELO ", 5);
	memset(big + 5, 'a', 10000);
	memcpy(big + 10005, "\r\n", 2);
	st[1].dir = SMTP_C2S;
	st[1].p = big;
	st[1].n = 10007;
	st[2] = (struct step)S("250 mx\r\n");
	st[3] = (struct step)C("QUIT\r\n");
	s = three_ways("long line", st, 4, SMTP_END_FIN);
	r = smtp_record(s);
	is_int(count_anom(r, ANOM_LINE_TOO_LONG), 1, "long: LINE_TOO_LONG");
	is_int(count_anom(r, ANOM_LINE_OVER_RFC), 1, "long: LINE_OVER_RFC");
	is_int((int)strlen(r->helo_arg), SMTP_FIELD_MAX, "long: stored arg cut to SMTP_FIELD_MAX");
	is_int(r->helo_code, 250, "long: reply still paired");
	is_int(r->quit, 1, "long: next line parsed");
	smtp_free(s);
	free(big);

	{
		static const struct step over[] = { S("220 mx\r\n"), C("NOOP "
			"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			"xxxxxxxxxxxxxxxxxx\r\n") };
		s = run(over, NSTEPS(over), WHOLE, 0, SMTP_END_FIN);
		r = smtp_record(s);
		is_int(count_anom(r, ANOM_LINE_OVER_RFC), 1, "over rfc: 600-byte command");
		is_int(count_anom(r, ANOM_LINE_TOO_LONG), 0, "over rfc: not cut");
		smtp_free(s);
	}
	{
		static const struct step lf[] = { S("220 mx\n"), C("EHLO c\n"), S("250-mx\n250 8BITMIME\n"), C("QUIT\n"), S("221 bye\n") };
		s = three_ways("bare lf", lf, NSTEPS(lf), SMTP_END_FIN);
		r = smtp_record(s);
		is_int(count_anom(r, ANOM_BARE_LF), 6, "bare lf: counted per line");
		is_int(r->banner_code, 220, "bare lf: banner");
		is_int(r->n_ext, 1, "bare lf: extension");
		is_int(r->quit, 1, "bare lf: quit");
		smtp_free(s);
	}
	{
		static const struct step nul[] = { S("220 mx\r\n"), C("HELO a\0b\r\n"), S("250 m\0x hello\r\n") };
		s = three_ways("nul", nul, NSTEPS(nul), SMTP_END_FIN);
		r = smtp_record(s);
		is_int(count_anom(r, ANOM_NUL_BYTE), 2, "nul: NUL_BYTE both ways");
		is_str(r->helo_arg, "a?b", "nul: NUL replaced in helo arg");
		is_str(r->greeting_host, "m?x", "nul: NUL replaced in greeting host");
		smtp_free(s);
	}
	{
		/* multi-line reply with codes that disagree */
		static const struct step mm[] = { S("220-mx\r\n220-hi\r\n220 ready\r\n"), C("HELO c\r\n"),
						  S("250-mx\r\n251 odd\r\n") };
		s = run(mm, NSTEPS(mm), WHOLE, 0, SMTP_END_FIN);
		r = smtp_record(s);
		is_str(r->banner_text, "mx\nhi\nready", "multi-line banner joined");
		is_int(r->replies[0].lines, 3, "multi-line banner lines");
		is_int(count_anom(r, ANOM_REPLY_CODE_MISMATCH), 1, "code mismatch");
		smtp_free(s);
	}
}

/* ---- gaps, pickup, garbage, XEXCH50 --------------------------------------- */

static const struct step gap_steps[] = {
	S("220 mx ESMTP\r\n"),
	C("HELO c\r\n"),
	S("250 mx\r\n"),
	C("MAIL FROM:<a@c>\r\n"),
	S("250 ok\r\n"),
	C("RCPT TO:<b@mx>\r\n"),
	S("250 ok\r\n"),
	C("DATA\r\n"),
	S("354 go\r\n"),
	C("Subject: gap\r\n\r\nfirst part of the bo"),
	{ GAP, NULL, 1400 },
	C("dy, rest\r\n.\r\nQUIT\r\n"),
	S("250 queued\r\n221 bye\r\n"),
};

static void test_gap(void)
{
	struct smtp_session *s = three_ways("gap in DATA", gap_steps, NSTEPS(gap_steps), SMTP_END_FIN);
	const struct smtp_record *r = smtp_record(s);

	is_int((int)r->gaps, 1, "gap: counted");
	is_int((int)r->gap_bytes, 1400, "gap: bytes");
	is_int(count_anom(r, ANOM_DATA_UNTERMINATED), 1, "gap: DATA_UNTERMINATED");
	is_int(count_anom(r, ANOM_GAP_RESYNC), 1, "gap: GAP_RESYNC");
	is_int(r->mails[0].completed, 0, "gap: mail not completed");
	is_int((int)r->mails[0].size, 36, "gap: bytes before the gap");
	is_int(r->quit, 1, "gap: resynced at the next line, QUIT parsed");
	smtp_free(s);
}

static void test_midstream(void)
{
	static const struct step mid[] = {
		C("RCPT TO:<x@y>\r\n"),
		S("250 2.1.5 ok\r\n250 extra\r\n"),
		C("QUIT\r\n"),
		S("221 bye\r\n"),
	};
	static const struct step mid2[] = { S("250 2.1.5 Ok\r\n") };
	struct smtp_session *s = three_ways("midstream", mid, NSTEPS(mid), SMTP_END_FIN);
	const struct smtp_record *r = smtp_record(s);

	is_int(r->banner_code, 0, "mid: no banner");
	is_int(count_anom(r, ANOM_UNSOLICITED_REPLY), 1, "mid: unsolicited reply");
	is_int(r->n_replies, 3, "mid: unsolicited reply still stored");
	is_int(r->saw_smtp, 1, "mid: saw smtp");
	smtp_free(s);

	{
		/* picked up in the middle of AUTH LOGIN: still nothing stored */
		static const struct step mid_auth[] = {
			C("dXNlcm5hbWU=\r\n"), S("334 UGFzc3dvcmQ6\r\n"), C("Pa55 w0rd!\r\n"), S("235 2.7.0 ok\r\n"),
			C("MAIL FROM:<a@b>\r\n"), S("250 ok\r\n"),
		};
		s = three_ways("midstream auth", mid_auth, NSTEPS(mid_auth), SMTP_END_FIN);
		r = smtp_record(s);
		ok(!dump_has(r, "dXNlcm5hbWU") && !dump_has(r, "DXNLCM5HBWU") && !dump_has(r, "w0rd"),
		   "mid auth: payloads not stored");
		is_int((int)r->auth_payload_bytes, 10, "mid auth: payload bytes after the 334 counted");
		is_int(r->n_cmds, 1, "mid auth: MAIL after it is a command");
		smtp_free(s);
	}

	s = run(mid2, 1, WHOLE, 0, SMTP_END_TIMEOUT);
	r = smtp_record(s);
	is_int(r->banner_code, 0, "mid2: a 250 is no banner");
	is_int(count_anom(r, ANOM_UNSOLICITED_REPLY), 1, "mid2: unsolicited");
	is_str(smtp_outcome_name(r->outcome), "truncated", "mid2: no banner, no command: truncated");
	smtp_free(s);
}

static void test_garbage(void)
{
	static const struct step g[] = {
		S("220 mx ESMTP\r\n"),
		C("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\x8a\n\x9b\x11\x00\x20\x0a\x33\x44\x55\n\x01\x02\n"
		  "\x16\x03\x01\x00\x01\n"),
		S("500 5.5.1 unrecognized command\r\n500 5.5.1 unrecognized command\r\n"),
		C("QUIT\r\n"),
		S("221 bye\r\n"),
	};
	struct smtp_session *s = three_ways("garbage", g, NSTEPS(g), SMTP_END_FIN);
	const struct smtp_record *r = smtp_record(s);
	int i, unknown = 0;

	is_int(count_anom(r, ANOM_BINARY_GARBAGE), 1, "garbage: counted once per run");
	for (i = 0; i < r->n_cmds; i++)
		unknown += !r->cmds[i].known;
	is_int(unknown, 1, "garbage: one line stored per run");
	is_int(r->quit, 1, "garbage: QUIT after it parsed");
	smtp_free(s);

	{
		/* random bytes in both directions never crash */
		struct smtp_session *z = smtp_new();
		uint8_t buf[4096];
		unsigned x = 12345;
		int k;
		size_t j;
		for (k = 0; k < 200; k++) {
			for (j = 0; j < sizeof buf; j++) {
				x = x * 1103515245u + 12345u;
				buf[j] = (uint8_t)(x >> 16);
				if ((x >> 8) % 23 == 0)
					buf[j] = '\n';
			}
			smtp_feed(z, k & 1, buf, (size_t)(x % sizeof buf), (uint64_t)k);
		}
		smtp_finish(z, SMTP_END_FIN, 999);
		ok(smtp_record(z)->n_cmds <= 3, "random: garbage does not flood commands (%d)", smtp_record(z)->n_cmds);
		smtp_free(z);
	}
}

static void test_xexch50(void)
{
	static const struct step x[] = {
		S(KB_BANNER),
		C("EHLO a\r\n"),
		S("250-aliasex2000\r\n250 XEXCH50\r\n"),
		C("XEXCH50 22 2\r\n"),
		S("354 Send binary data\r\n"),
		C("\x01\x02\r\n\x00\x00\xff\xfe\n\n\x16\x03QUIT\r\nabcd"),
		C("NOOP\r\n"),
		S("250 XEXCH50 OK\r\n250 ok\r\n"),
		C("XEXCH50 99999999999 2\r\n"),
		S("500 too big\r\n"),
	};
	struct smtp_session *s = three_ways("xexch50", x, NSTEPS(x), SMTP_END_FIN);
	const struct smtp_record *r = smtp_record(s);

	is_int(r->n_cmds, 4, "xexch50: blob is no command");
	is_int(count_anom(r, ANOM_BINARY_GARBAGE), 0, "xexch50: blob skipped by length");
	is_int(count_anom(r, ANOM_UNSOLICITED_REPLY), 0, "xexch50: 250 after the blob paired");
	is_int(count_anom(r, ANOM_XEXCH50_BAD_SIZE), 1, "xexch50: bad size");
	is_int(r->quit, 0, "xexch50: QUIT inside the blob is no command");
	ok(r->n_cmds == 4 && !strcmp(r->cmds[2].verb, "NOOP"), "xexch50: NOOP after the blob");
	smtp_free(s);
}

/* ---- outcomes ------------------------------------------------------------ */

static void test_outcomes(void)
{
	static const struct step rset_quit[] = { S("220 mx\r\n"), C("EHLO c\r\n"), S("250 mx\r\n"), C("RSET\r\n"),
						 S("250 ok\r\n"), C("QUIT\r\n"), S("221 bye\r\n") };
	static const struct step ehlo_only[] = { S("220 mx\r\n"), C("EHLO c\r\n"), S("250 mx\r\n") };
	static const struct step rej[] = { S("554 5.7.1 go away\r\n"), C("QUIT\r\n"), S("221 bye\r\n") };
	static const struct step rej_ehlo[] = { S("220 mx\r\n"), C("EHLO c\r\n"), S("550 no\r\n"), C("HELO c\r\n"),
						S("550 no\r\n"), C("QUIT\r\n") };
	static const struct step helo_ok[] = { S("220 mx\r\n"), C("EHLO c\r\n"), S("500 what\r\n"), C("HELO c2\r\n"),
					       S("250 mx Hello c2\r\n"), C("QUIT\r\n") };
	static const struct step mid_txn[] = { S("220 mx\r\n"), C("HELO c\r\n"), S("250 mx\r\n"), C("MAIL FROM:<a@b>\r\n"),
					       S("250 ok\r\n") };
	static const struct step nothing[] = { C("\x17\x03\x03\x00\x10garbage") };
	struct smtp_session *s;

	s = run(rset_quit, NSTEPS(rset_quit), WHOLE, 0, SMTP_END_FIN);
	is_str(smtp_outcome_name(smtp_record(s)->outcome), "aborted", "outcome: EHLO RSET QUIT aborted");
	smtp_free(s);
	s = run(ehlo_only, NSTEPS(ehlo_only), WHOLE, 0, SMTP_END_RST);
	is_str(smtp_outcome_name(smtp_record(s)->outcome), "aborted", "outcome: EHLO then RST aborted");
	smtp_free(s);
	s = run(ehlo_only, NSTEPS(ehlo_only), WHOLE, 0, SMTP_END_TIMEOUT);
	is_str(smtp_outcome_name(smtp_record(s)->outcome), "truncated", "outcome: EHLO then timeout truncated");
	smtp_free(s);
	s = run(rej, NSTEPS(rej), WHOLE, 0, SMTP_END_FIN);
	is_str(smtp_outcome_name(smtp_record(s)->outcome), "rejected", "outcome: 554 greeting rejected");
	is_int(smtp_record(s)->banner_code, 554, "outcome: 554 greeting is the banner");
	smtp_free(s);
	s = run(rej_ehlo, NSTEPS(rej_ehlo), WHOLE, 0, SMTP_END_FIN);
	is_str(smtp_outcome_name(smtp_record(s)->outcome), "rejected", "outcome: EHLO and HELO refused rejected");
	is_str(smtp_record(s)->helo_verb, "EHLO", "outcome: none accepted: the first is recorded");
	is_int(smtp_record(s)->helo_code, 550, "outcome: its code");
	smtp_free(s);
	s = run(helo_ok, NSTEPS(helo_ok), WHOLE, 0, SMTP_END_FIN);
	is_str(smtp_outcome_name(smtp_record(s)->outcome), "aborted", "outcome: HELO accepted after EHLO 500");
	is_str(smtp_record(s)->helo_verb, "HELO", "helo: the accepted one is recorded");
	is_str(smtp_record(s)->helo_arg, "c2", "helo: its arg");
	is_int(smtp_record(s)->helo_code, 250, "helo: its code");
	is_str(smtp_record(s)->greeting_host, "mx", "helo: HELO reply sets greeting host");
	smtp_free(s);
	s = run(mid_txn, NSTEPS(mid_txn), WHOLE, 0, SMTP_END_RST);
	is_str(smtp_outcome_name(smtp_record(s)->outcome), "reset", "outcome: RST during a transaction");
	smtp_free(s);
	s = run(nothing, NSTEPS(nothing), WHOLE, 0, SMTP_END_FIN);
	is_str(smtp_outcome_name(smtp_record(s)->outcome), "truncated", "outcome: nothing parsable truncated");
	is_int(smtp_record(s)->saw_smtp, 0, "outcome: saw_smtp 0");
	smtp_free(s);
	/* idempotent finish */
	s = run(pipe_steps, NSTEPS(pipe_steps), WHOLE, 0, SMTP_END_FIN);
	is_int(smtp_finish(s, SMTP_END_RST, 1), 0, "finish twice returns 0");
	is_int((int)smtp_record(s)->end, SMTP_END_FIN, "finish twice keeps the first end");
	smtp_free(s);
}

/* ---- caps ------------------------------------------------------------------- */

static void test_caps(void)
{
	struct smtp_session *s = smtp_new();
	const struct smtp_record *r;
	char line[64];
	int i, n;

	smtp_feed(s, SMTP_S2C, (const uint8_t *)"220 mx\r\n", 8, 1);
	smtp_feed(s, SMTP_C2S, (const uint8_t *)"EHLO c\r\n", 8, 2);
	smtp_feed(s, SMTP_S2C, (const uint8_t *)"250-mx\r\n250 PIPELINING\r\n", 24, 3);
	smtp_feed(s, SMTP_C2S, (const uint8_t *)"MAIL FROM:<a@c>\r\n", 17, 4);
	for (i = 0; i < 2000; i++) {
		n = snprintf(line, sizeof line, "RCPT TO:<u%d@mx>\r\n", i);
		smtp_feed(s, SMTP_C2S, (const uint8_t *)line, (size_t)n, 5);
	}
	r = smtp_record(s);
	is_int(r->mails[0].rcpt_count, 2000, "caps: rcpt_count counts all");
	is_int(r->mails[0].n_rcpts, SMTP_RCPT_MAX, "caps: n_rcpts capped");
	is_int(count_anom(r, ANOM_RCPT_CAP), 1, "caps: RCPT_CAP once");
	is_int(r->n_cmds, SMTP_CMDS_MAX, "caps: commands capped");
	is_int((int)r->cmds_total, 2002, "caps: commands counted");
	is_int(count_anom(r, ANOM_CMDS_CAP), 1, "caps: CMDS_CAP");
	ok(count_anom(r, ANOM_PENDING_OVERFLOW) >= 1, "caps: pending overflow");
	ok(r->anomalies_total >= 3, "caps: anomalies_total counts all");
	for (i = 0; i < 2000; i++)
		smtp_feed(s, SMTP_S2C, (const uint8_t *)"250 ok\r\n", 8, 6);
	is_int(r->n_replies, SMTP_REPLIES_MAX, "caps: replies capped");
	is_int((int)r->replies_total, 2002, "caps: replies counted");
	ok(r->n_anomalies <= SMTP_ANOMALIES_MAX, "caps: anomalies stored capped");
	/* overflowed commands, RCPT_CAP, CMDS_CAP, unsolicited replies, REPLIES_CAP */
	is_int((int)r->anomalies_total, (2001 - SMTP_PENDING_MAX) + 1 + 1 + (2000 - SMTP_PENDING_MAX) + 1,
	       "caps: anomalies_total");
	smtp_free(s);

	s = smtp_new();
	for (i = 0; i < SMTP_MAILS_MAX + 5; i++)
		smtp_feed(s, SMTP_C2S, (const uint8_t *)"MAIL FROM:<a@c>\r\nRSET\r\n", 23, 1);
	r = smtp_record(s);
	is_int(r->n_mails, SMTP_MAILS_MAX, "caps: mails capped");
	is_int(r->mail_count, SMTP_MAILS_MAX + 5, "caps: mails counted");
	is_int(count_anom(r, ANOM_MAILS_CAP), 1, "caps: MAILS_CAP");
	smtp_free(s);

	s = smtp_new();
	smtp_feed(s, SMTP_S2C, (const uint8_t *)"220 mx\r\n", 8, 1);
	smtp_feed(s, SMTP_C2S, (const uint8_t *)"EHLO c\r\n", 8, 2);
	smtp_feed(s, SMTP_S2C, (const uint8_t *)"250-mx\r\n", 8, 3);
	for (i = 0; i < 100; i++)
		smtp_feed(s, SMTP_S2C, (const uint8_t *)"250-X\r\n", 7, 3);
	smtp_feed(s, SMTP_S2C, (const uint8_t *)"250 Y\r\n", 7, 3);
	for (i = 0; i < 100; i++)
		smtp_feed(s, SMTP_S2C, (const uint8_t *)"220-a\r\n", 7, 3);
	smtp_feed(s, SMTP_S2C, (const uint8_t *)"220 b\r\n", 7, 3);
	r = smtp_record(s);
	is_int(r->n_ext, SMTP_EXT_MAX, "caps: extensions capped");
	is_int(count_anom(r, ANOM_EXT_CAP), 1, "caps: EXT_CAP");
	is_int(count_anom(r, ANOM_REPLY_TOO_MANY_LINES), 0, "caps: 102 lines is under the line cap");
	is_int(r->replies[1].lines, 102, "caps: lines counted");
	smtp_free(s);
}

/* ---- DSN through DATA -------------------------------------------------------- */

static void test_dsn(void)
{
	const char *body[] = {
		"From: postmaster@mx.example.org\r\n"
		"To: a@c.example\r\n"
		"Subject: Delivery Status Notification (Delay)\r\n"
		"MIME-Version: 1.0\r\n"
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"B1\"\r\n"
		"\r\n"
		"--B1\r\n"
		"Content-Type: text/plain\r\n"
		"\r\n"
		"This is an automatically generated Delivery Status Notification.\r\n"
		"..Delivery to the following recipients has been delayed.\r\n"
		"\r\n"
		"--B1\r\n"
		"Content-Type: message/delivery-status\r\n"
		"\r\n"
		"Reporting-MTA: dns; aliasex2000\r\n"
		"\r\n"
		"Final-Recipient: rfc822; user@example.net\r\n"
		"Action: delayed\r\n"
		"Status: 4.4.7\r\n"
		"Diagnostic-Code: smtp; 400 4.4.7 Message delayed\r\n"
		"\r\n"
		"--B1--\r\n"
		".\r\n",
		"QUIT\r\n",
	};
	struct smtp_session *s = data_session(body, 2);
	const struct smtp_record *r;

	smtp_feed(s, SMTP_S2C, (const uint8_t *)"250 queued\r\n221 bye\r\n", 21, 11);
	smtp_finish(s, SMTP_END_FIN, 12);
	r = smtp_record(s);
	is_int(r->mails[0].completed, 1, "dsn: message completed");
	is_str(smtp_outcome_name(r->outcome), "completed", "dsn: outcome");
#ifdef SMTP_TEST_STUB_MESSAGE
	printf("ok %d - # SKIP dsn: is_dsn needs the real dissectors/message.c\n", ++tap_n);
#else
	is_int(r->mails[0].is_dsn, 1, "dsn: is_dsn");
	ok(r->mails[0].n_dsn >= 1, "dsn: a recipient block");
	if (r->mails[0].n_dsn >= 1) {
		is_str(r->mails[0].dsn[0].status, "4.4.7", "dsn: status 4.4.7");
		is_str(r->mails[0].dsn[0].final_recipient, "user@example.net", "dsn: final recipient");
	}
#endif
	smtp_free(s);
}

/* ---- probe -------------------------------------------------------------------- */

static void test_probe(void)
{
	is_int(smtp_probe(SMTP_S2C, (const uint8_t *)"220 mx ESMTP\r\n", 14), 2, "probe: greeting");
	is_int(smtp_probe(SMTP_S2C, (const uint8_t *)"220-mx\r\n", 8), 2, "probe: greeting continued");
	is_int(smtp_probe(SMTP_S2C, (const uint8_t *)"250 ok\r\n", 8), 1, "probe: other reply");
	is_int(smtp_probe(SMTP_S2C, (const uint8_t *)"HTTP/1.1 200", 12), 0, "probe: http");
	is_int(smtp_probe(SMTP_S2C, (const uint8_t *)"22", 2), 0, "probe: short");
	is_int(smtp_probe(SMTP_C2S, (const uint8_t *)"ehlo x\r\n", 8), 1, "probe: ehlo lower case");
	is_int(smtp_probe(SMTP_C2S, (const uint8_t *)"QUIT\r\n", 6), 1, "probe: QUIT CRLF");
	is_int(smtp_probe(SMTP_C2S, (const uint8_t *)"GET / HTTP/1.1\r\n", 16), 0, "probe: GET");
	is_int(smtp_probe(SMTP_C2S, (const uint8_t *)"\x16\x03\x01", 3), 0, "probe: TLS");
	is_int(smtp_probe(SMTP_C2S, NULL, 0), 0, "probe: empty");
}

/* ---- the outcome rules, one table row each way -------------------------- */

/* A session that passes every rule up to the last: greeted, EHLO accepted,
 * a known command, closed by FIN without QUIT or mail -> aborted.  Each row
 * changes the fields that make one rule match (or, its twin, miss). */
/* Designated initialisers overriding the base on purpose. */
#if defined(__clang__)
#pragma clang diagnostic ignored "-Winitializer-overrides"
#else
#pragma GCC diagnostic ignored "-Woverride-init"
#endif
#define DECIDE_BASE .banner_code = 220, .helo_code = 250, .helo_accepted = 1, .saw_smtp = 1, \
	.known_cmds = 2, .how = SMTP_END_FIN

static const struct {
	const char *name;
	struct smtp_decision d;
	enum smtp_outcome want;
} decide_rows[] = {
	{ "base: greeted, EHLO, FIN without mail", { DECIDE_BASE }, SMTP_OUTCOME_ABORTED },
	/* 1. STARTTLS accepted, before everything else */
	{ "1 tls: STARTTLS answered 220", { DECIDE_BASE, .starttls = 1, .banner_code = 554 }, SMTP_OUTCOME_TLS },
	{ "1 tls, other way: no STARTTLS", { DECIDE_BASE, .banner_code = 554 }, SMTP_OUTCOME_REJECTED },
	/* 2. a mail finished with 2xx wins over a rejection or a reset */
	{ "2 completed: a mail ended 250", { DECIDE_BASE, .mail_completed = 1, .banner_code = 554 },
	  SMTP_OUTCOME_COMPLETED },
	{ "2 completed, other way: no mail ended 2xx", { DECIDE_BASE, .banner_code = 554 }, SMTP_OUTCOME_REJECTED },
	/* 3. rejected greeting, or a HELO refused and none accepted */
	{ "3 rejected: banner 554", { DECIDE_BASE, .banner_code = 554 }, SMTP_OUTCOME_REJECTED },
	{ "3 rejected: banner 421", { DECIDE_BASE, .banner_code = 421 }, SMTP_OUTCOME_REJECTED },
	{ "3 rejected, other way: banner 399 is no rejection", { DECIDE_BASE, .banner_code = 399 },
	  SMTP_OUTCOME_ABORTED },
	{ "3 rejected: EHLO 504, no HELO accepted", { DECIDE_BASE, .helo_code = 504, .helo_accepted = 0 },
	  SMTP_OUTCOME_REJECTED },
	{ "3 rejected, other way: EHLO 504 but a later HELO accepted (guard !helo_accepted)",
	  { DECIDE_BASE, .helo_code = 504, .helo_accepted = 1 }, SMTP_OUTCOME_ABORTED },
	/* 4. nothing parsed, or neither greeting nor a known command */
	{ "4 truncated: nothing parsed as SMTP", { DECIDE_BASE, .saw_smtp = 0 }, SMTP_OUTCOME_TRUNCATED },
	{ "4 truncated: no banner and no known command",
	  { DECIDE_BASE, .banner_code = 0, .known_cmds = 0 }, SMTP_OUTCOME_TRUNCATED },
	{ "4 truncated, other way: no banner but a known command (guard banner_code == 0 && known_cmds == 0)",
	  { DECIDE_BASE, .banner_code = 0, .known_cmds = 1 }, SMTP_OUTCOME_ABORTED },
	{ "4 truncated, other way: a banner and no known command",
	  { DECIDE_BASE, .banner_code = 220, .known_cmds = 0 }, SMTP_OUTCOME_ABORTED },
	/* 5. QUIT after an accepted MAIL FROM and no body cut */
	{ "5 completed: QUIT after MAIL accepted", { DECIDE_BASE, .quit = 1, .mail_accepted = 1 },
	  SMTP_OUTCOME_COMPLETED },
	{ "5 completed, other way: the body was cut (guard !unterminated)",
	  { DECIDE_BASE, .quit = 1, .mail_accepted = 1, .unterminated = 1 }, SMTP_OUTCOME_ABORTED },
	{ "5 completed, other way: no MAIL accepted", { DECIDE_BASE, .quit = 1 }, SMTP_OUTCOME_ABORTED },
	{ "5 completed, other way: no QUIT", { DECIDE_BASE, .mail_accepted = 1 }, SMTP_OUTCOME_ABORTED },
	/* 6. no QUIT and the capture, not the peers, ended it */
	{ "6 truncated: idle timeout without QUIT", { DECIDE_BASE, .how = SMTP_END_TIMEOUT },
	  SMTP_OUTCOME_TRUNCATED },
	{ "6 truncated: evicted without QUIT", { DECIDE_BASE, .how = SMTP_END_EVICTED }, SMTP_OUTCOME_TRUNCATED },
	{ "6 truncated: end of capture without QUIT", { DECIDE_BASE, .how = SMTP_END_CAPTURE },
	  SMTP_OUTCOME_TRUNCATED },
	{ "6 truncated, other way: QUIT was sent before the timeout (guard !quit)",
	  { DECIDE_BASE, .quit = 1, .how = SMTP_END_TIMEOUT }, SMTP_OUTCOME_ABORTED },
	{ "6 truncated, other way: FIN is the peers' end", { DECIDE_BASE, .how = SMTP_END_FIN },
	  SMTP_OUTCOME_ABORTED },
	/* 7. RST inside a transaction */
	{ "7 reset: RST in a transaction", { DECIDE_BASE, .how = SMTP_END_RST, .in_txn = 1 }, SMTP_OUTCOME_RESET },
	{ "7 reset, other way: RST outside a transaction", { DECIDE_BASE, .how = SMTP_END_RST },
	  SMTP_OUTCOME_ABORTED },
	{ "7 reset, other way: FIN in a transaction", { DECIDE_BASE, .how = SMTP_END_FIN, .in_txn = 1 },
	  SMTP_OUTCOME_ABORTED },
};

static void test_decide_table(void)
{
	size_t i;

	for (i = 0; i < sizeof decide_rows / sizeof decide_rows[0]; i++) {
		enum smtp_outcome got = smtp_decide(&decide_rows[i].d);
		if (!ok(got == decide_rows[i].want, "decide: %s -> %s", decide_rows[i].name,
			smtp_outcome_name(decide_rows[i].want)))
			printf("#   got %s\n", smtp_outcome_name(got));
	}
}

int main(void)
{
	test_kb301401();
	test_pipelined();
	test_auth();
	test_xexps();
	test_starttls();
	test_bdat();
	test_data();
	test_data_pipelined();
	test_lines();
	test_gap();
	test_midstream();
	test_garbage();
	test_xexch50();
	test_outcomes();
	test_decide_table();
	test_caps();
	test_dsn();
	test_probe();
	return done_testing();
}
