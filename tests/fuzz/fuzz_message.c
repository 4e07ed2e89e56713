/* \summary: libFuzzer target for the message parser (dissectors/message.c):
 * RFC 5322 headers, MIME, RFC 3464 delivery-status reports, Exchange NDR text.
 *
 * Input: one control byte, then chunks separated by FUZZ_SEP, each fed with
 * msg_feed() from an exact-size malloc.  Control byte: bit 0 = null reverse
 * path; bit 1 = the struct smtp_mail already holds fields before msg_take()
 * (they must be freed, not leaked); bit 2 = also cut every chunk into pieces
 * of 1..16 bytes for a second parser whose result must be the same (unless
 * bit 3 is set too); bit 3 =
 * every chunk is fed MSG_REPEAT times in a row (until MSG_REPEAT_BYTES were
 * fed), so that short inputs reach
 * SMTP_HEADER_BLOCK_MAX, SMTP_DSN_SCAN_MAX and DSN_RCPT_MAX.
 * Then msg_end(), msg_take() into a zeroed struct smtp_mail, the fields are
 * checked against limits.h and freed here (smtp.c keeps its mail_free static). */
#include "tests/fuzz/fuzz_common.h"
#include "dissectors/message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MSG_REPEAT 512
#define MSG_REPEAT_BYTES (SMTP_DSN_SCAN_MAX + (64u << 10)) /* repeat no further: speed */

static char *xstrdup(const char *s)
{
	char *c = strdup(s);

	if (!c)
		abort();
	return c;
}

static void feed(struct msg_parser *mp, const uint8_t *p, size_t n)
{
	uint8_t *c = fuzz_copy(p, n);

	if (msg_feed(mp, c, n) != 0)
		fuzz_fail("msg_feed returned non-zero without an allocation failure");
	free(c);
}

static int str_same(const char *a, const char *b)
{
	return (!a || !b) ? a == b : strcmp(a, b) == 0;
}

static void run(const uint8_t *data, size_t size, int null_sender, int prefill, int pieces, int repeat,
		struct smtp_mail *m, int *hcap, int *dcap)
{
	const uint8_t *p = data, *end = data + size, *chunk;
	struct msg_parser *mp;
	size_t n, k, step, fed = 0;
	int rep;

	if (!(mp = msg_new(null_sender)))
		abort();
	while (fuzz_next_chunk(&p, end, &chunk, &n)) {
		for (rep = 0; rep < (fed < MSG_REPEAT_BYTES ? repeat : 1); rep++) {
			if (!pieces) {
				feed(mp, chunk, n);
			} else {
				for (k = 0; k < n; k += step) {
					step = 1 + (k * 7 + n) % 16;
					feed(mp, chunk + k, step < n - k ? step : n - k);
				}
			}
			fed += n;
		}
	}
	msg_end(mp);
	memset(m, 0, sizeof *m);
	if (prefill) {
		m->hdr_from = xstrdup("prefilled@example.org");
		m->subject = xstrdup("prefilled");
		m->content_type = xstrdup("text/plain");
		m->dsn = calloc(1, sizeof *m->dsn);
		if (!m->dsn)
			abort();
		m->dsn[0].status = xstrdup("5.0.0");
		m->n_dsn = 1;
	}
	*hcap = *dcap = 0;
	msg_take(mp, m, hcap, dcap);
	msg_free(mp);
	fuzz_walk_mail(m);
	if (m->size != fed)
		fuzz_fail("size %llu, %zu bytes fed", (unsigned long long)m->size, fed);
	if (m->n_dsn > 0 && !m->is_dsn)
		fuzz_fail("%d DSN recipients but is_dsn is 0", m->n_dsn);
	if ((*hcap != 0 && *hcap != 1) || (*dcap != 0 && *dcap != 1))
		fuzz_fail("cap flags %d %d", *hcap, *dcap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_mail a, b;
	int ha, da, hb, db, i;
	uint8_t ctl;

	if (size < 1)
		return 0;
	ctl = data[0];
	run(data + 1, size - 1, ctl & 1, ctl & 2, 0, ctl & 8 ? MSG_REPEAT : 1, &a, &ha, &da);
	if ((ctl & 4) && !(ctl & 8)) {  /* not both: too slow */
		run(data + 1, size - 1, ctl & 1, 0, 1, ctl & 8 ? MSG_REPEAT : 1, &b, &hb, &db);
		if (!str_same(a.hdr_from, b.hdr_from) || !str_same(a.hdr_to, b.hdr_to) ||
		    !str_same(a.subject, b.subject) || !str_same(a.date, b.date) ||
		    !str_same(a.message_id, b.message_id) || !str_same(a.content_type, b.content_type) ||
		    a.is_dsn != b.is_dsn || a.n_dsn != b.n_dsn || ha != hb || da != db)
			fuzz_fail("splitting the message changed the result");
		for (i = 0; i < a.n_dsn; i++)
			if (!str_same(a.dsn[i].final_recipient, b.dsn[i].final_recipient) ||
			    !str_same(a.dsn[i].action, b.dsn[i].action) ||
			    !str_same(a.dsn[i].status, b.dsn[i].status) ||
			    !str_same(a.dsn[i].reporting_mta, b.dsn[i].reporting_mta) ||
			    !str_same(a.dsn[i].diagnostic, b.dsn[i].diagnostic))
				fuzz_fail("splitting the message changed DSN recipient %d", i);
		smtp_mail_clear(&b);
	}
	smtp_mail_clear(&a);
	return 0;
}
