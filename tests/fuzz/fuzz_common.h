/* \summary: helpers shared by the libFuzzer targets: the chunk separator
 * (Suricata's fuzz_applayerparserparse model), exact-size copies so ASan sees
 * a one-byte over-read, and a walk over a struct smtp_record that touches
 * every string and checks the caps of limits.h.
 *
 * Header-only: every target is one translation unit.  A broken invariant
 * calls fuzz_fail(), which prints what broke and abort()s, so libFuzzer saves
 * the input as a crash. */
#ifndef SMTPSCOPE_FUZZ_COMMON_H
#define SMTPSCOPE_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/base/limits.h"
#include "dissectors/smtp.h"

/* Chunks of one input are separated by these 4 bytes (also in smtp.dict). */
#define FUZZ_SEP     "\x00\xffSP"
#define FUZZ_SEP_LEN 4

#define fuzz_fail(...) do { \
	fprintf(stderr, "fuzz invariant broken at %s:%d: ", __FILE__, __LINE__); \
	fprintf(stderr, __VA_ARGS__); \
	fputc('\n', stderr); \
	abort(); \
} while (0)

/* Next chunk of [*p, end): sets *chunk and *len, moves *p past the separator.
 * Returns 0 when nothing is left.  An input without separator is one chunk;
 * a trailing separator yields no empty last chunk. */
static inline int fuzz_next_chunk(const uint8_t **p, const uint8_t *end, const uint8_t **chunk, size_t *len)
{
	const uint8_t *s;

	if (*p >= end)
		return 0;
	s = memmem(*p, (size_t)(end - *p), FUZZ_SEP, FUZZ_SEP_LEN);
	*chunk = *p;
	if (s) {
		*len = (size_t)(s - *p);
		*p = s + FUZZ_SEP_LEN;
	} else {
		*len = (size_t)(end - *p);
		*p = end;
	}
	return 1;
}

/* An exact-size heap copy (malloc(0) avoided: one byte, never read). */
static inline uint8_t *fuzz_copy(const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);

	if (!c)
		abort();
	if (n)
		memcpy(c, p, n);
	return c;
}

/* Touches a record string: NULL or NUL-terminated, at most SMTP_FIELD_MAX. */
static inline size_t fuzz_str(const char *s, const char *what)
{
	size_t n;

	if (!s)
		return 0;
	n = strlen(s);
	if (n > SMTP_FIELD_MAX)
		fuzz_fail("%s is %zu bytes, over SMTP_FIELD_MAX", what, n);
	return n;
}

static inline void fuzz_upper(const char *s, const char *what)
{
	for (; s && *s; s++)
		if (*s >= 'a' && *s <= 'z')
			fuzz_fail("%s is not upper-case", what);
}

static inline void fuzz_count(int n, uint64_t total, int max, const void *arr, const char *what)
{
	if (n < 0 || n > max)
		fuzz_fail("%s: %d stored, cap %d", what, n, max);
	if ((uint64_t)n > total)
		fuzz_fail("%s: %d stored but only %llu seen", what, n, (unsigned long long)total);
	if (n > 0 && !arr)
		fuzz_fail("%s: %d stored in a NULL array", what, n);
}

static inline void fuzz_code(int code, int zero_ok, const char *what)
{
	if ((code == 0 && zero_ok) || (code >= 100 && code <= 599))
		return;
	fuzz_fail("%s: reply code %d", what, code);
}

static inline void fuzz_walk_dsn(const struct smtp_dsn_recipient *d, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		fuzz_str(d[i].final_recipient, "dsn.final_recipient");
		fuzz_str(d[i].action, "dsn.action");
		fuzz_str(d[i].status, "dsn.status");
		fuzz_str(d[i].reporting_mta, "dsn.reporting_mta");
		fuzz_str(d[i].diagnostic, "dsn.diagnostic");
	}
}

/* The fields msg_take() fills, and everything else of one mail. */
static inline void fuzz_walk_mail(const struct smtp_mail *m)
{
	int i;

	fuzz_str(m->mail_from, "mail.mail_from");
	fuzz_str(m->params, "mail.params");
	fuzz_str(m->body_type, "mail.body_type");
	fuzz_str(m->ret, "mail.ret");
	fuzz_str(m->envid, "mail.envid");
	fuzz_str(m->auth, "mail.auth");
	fuzz_str(m->final_enhanced, "mail.final_enhanced");
	fuzz_str(m->hdr_from, "mail.hdr_from");
	fuzz_str(m->hdr_to, "mail.hdr_to");
	fuzz_str(m->subject, "mail.subject");
	fuzz_str(m->date, "mail.date");
	fuzz_str(m->message_id, "mail.message_id");
	fuzz_str(m->content_type, "mail.content_type");
	fuzz_count(m->n_rcpts, (uint64_t)(m->rcpt_count < 0 ? 0 : m->rcpt_count), SMTP_RCPT_MAX,
		   m->rcpts, "mail.rcpts");
	if (m->accepted < 0 || m->accepted > m->rcpt_count)
		fuzz_fail("mail.accepted %d of %d RCPTs", m->accepted, m->rcpt_count);
	for (i = 0; i < m->n_rcpts; i++) {
		fuzz_str(m->rcpts[i].address, "rcpt.address");
		fuzz_str(m->rcpts[i].enhanced, "rcpt.enhanced");
		fuzz_code(m->rcpts[i].code, 1, "rcpt.code");
	}
	fuzz_code(m->mail_code, 1, "mail.mail_code");
	fuzz_code(m->data_code, 1, "mail.data_code");
	fuzz_code(m->final_code, 1, "mail.final_code");
	if (m->bdat_chunks < 0)
		fuzz_fail("mail.bdat_chunks %d", m->bdat_chunks);
	fuzz_count(m->n_dsn, (uint64_t)DSN_RCPT_MAX, DSN_RCPT_MAX, m->dsn, "mail.dsn");
	fuzz_walk_dsn(m->dsn, m->n_dsn);
}

/* Walks a whole record; aborts on a broken invariant. */
static inline void fuzz_walk_record(const struct smtp_record *r)
{
	int i;

	if (!r)
		fuzz_fail("smtp_record() returned NULL");
	fuzz_code(r->banner_code, 1, "banner_code");
	fuzz_str(r->banner_text, "banner_text");
	fuzz_str(r->banner_host, "banner_host");
	fuzz_str(r->software, "software");
	fuzz_str(r->software_version, "software_version");
	fuzz_str(r->helo_verb, "helo_verb");
	fuzz_str(r->helo_arg, "helo_arg");
	fuzz_code(r->helo_code, 1, "helo_code");
	fuzz_str(r->greeting_host, "greeting_host");
	fuzz_str(r->ehlo_first_line, "ehlo_first_line");
	fuzz_count(r->n_ext, (uint64_t)SMTP_EXT_MAX, SMTP_EXT_MAX, r->ext, "ext");
	for (i = 0; i < r->n_ext; i++) {
		if (!r->ext[i].keyword)
			fuzz_fail("ext[%d].keyword is NULL", i);
		fuzz_str(r->ext[i].keyword, "ext.keyword");
		fuzz_upper(r->ext[i].keyword, "ext.keyword");
		fuzz_str(r->ext[i].params, "ext.params");
	}
	fuzz_str(r->xexps_mechanisms, "xexps_mechanisms");
	fuzz_str(r->auth_mechanisms, "auth_mechanisms");
	fuzz_code(r->starttls_code, 1, "starttls_code");
	fuzz_str(r->auth_mechanism, "auth_mechanism");
	fuzz_code(r->auth_code, 1, "auth_code");
	if (r->auth_round_trips < 0)
		fuzz_fail("auth_round_trips %d", r->auth_round_trips);

	fuzz_count(r->n_mails, (uint64_t)(r->mail_count < 0 ? 0 : r->mail_count), SMTP_MAILS_MAX,
		   r->mails, "mails");
	for (i = 0; i < r->n_mails; i++)
		fuzz_walk_mail(&r->mails[i]);

	fuzz_count(r->n_cmds, r->cmds_total, SMTP_CMDS_MAX, r->cmds, "cmds");
	for (i = 0; i < r->n_cmds; i++) {
		fuzz_str(r->cmds[i].verb, "cmd.verb");
		fuzz_upper(r->cmds[i].verb, "cmd.verb");
		fuzz_str(r->cmds[i].arg, "cmd.arg");
		if (r->cmds[i].known != 0 && r->cmds[i].known != 1)
			fuzz_fail("cmd.known %d", r->cmds[i].known);
	}
	fuzz_count(r->n_replies, r->replies_total, SMTP_REPLIES_MAX, r->replies, "replies");
	for (i = 0; i < r->n_replies; i++) {
		fuzz_code(r->replies[i].code, 0, "reply.code");
		fuzz_str(r->replies[i].enhanced, "reply.enhanced");
		fuzz_str(r->replies[i].text, "reply.text");
		if (r->replies[i].lines < 1)
			fuzz_fail("reply with %d lines", r->replies[i].lines);
	}
	fuzz_count(r->n_anomalies, r->anomalies_total, SMTP_ANOMALIES_MAX, r->anomalies, "anomalies");
	for (i = 0; i < r->n_anomalies; i++) {
		if ((unsigned)r->anomalies[i].kind >= ANOM__COUNT)
			fuzz_fail("anomaly kind %d", (int)r->anomalies[i].kind);
		fuzz_str(r->anomalies[i].detail, "anomaly.detail");
	}
	if ((unsigned)r->outcome > SMTP_OUTCOME_TRUNCATED)
		fuzz_fail("outcome %d", (int)r->outcome);
	if (r->gap_bytes < r->gaps)
		fuzz_fail("%llu gaps but %llu gap bytes", (unsigned long long)r->gaps,
			  (unsigned long long)r->gap_bytes);
}

#endif
