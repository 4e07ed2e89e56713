/* \summary: libFuzzer target for the SMTP dissector (dissectors/smtp.c and,
 * through DATA/BDAT, dissectors/message.c).
 *
 * Input: one control byte, then chunks separated by FUZZ_SEP.  Chunks
 * alternate direction, server first (so the banner is reachable).  Control
 * byte: bits 0-2 = every Nth chunk is followed by a gap in its direction (0 =
 * never); bits 3-5 = how the connection ends (enum smtp_end, mod 5); bit 6 =
 * feed a second session the same bytes cut into small pieces and compare the
 * two records (smtp.h: "the result is the same however the bytes are split"),
 * unless bit 7 is set too;
 * bit 7 = every chunk is fed SMTP_REPEAT times in a row (until
 * SMTP_REPEAT_BYTES were fed, to keep runs fast), so that short inputs
 * reach the caps of limits.h (1024 commands or replies, 256 mails, 1024
 * recipients, 512 pipelined commands).  Each gap also reports an anomaly the
 * flow layer would (smtp_note_anomaly), its kind taken from the chunk.
 *
 * Every chunk (and piece) is an exact-size malloc, so ASan catches a one-byte
 * over-read.  The record is walked with every string touched and every cap of
 * limits.h checked; a broken invariant aborts. */
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SMTP_REPEAT (SMTP_CMDS_MAX + 100)
#define SMTP_REPEAT_BYTES (256u << 10) /* no more repeating once this much was fed: speed */

struct fed {
	uint64_t bytes[2];
	uint64_t gaps, gap_bytes;
};

static void must(int rc, const char *what)
{
	if (rc != 0)
		fuzz_fail("%s returned %d (no allocation failed: internal error)", what, rc);
}

static void feed(struct smtp_session *s, int dir, const uint8_t *p, size_t n, uint64_t ts)
{
	uint8_t *c = fuzz_copy(p, n);

	must(smtp_feed(s, (enum smtp_dir)dir, c, n, ts), "smtp_feed");
	free(c);
}

/* The same chunk cut at pseudo-random points (xorshift on *rng), each piece
 * its own exact-size buffer. */
static void feed_pieces(struct smtp_session *s, int dir, const uint8_t *p, size_t n, uint64_t ts,
			uint32_t *rng)
{
	size_t k;

	while (n > 0) {
		*rng ^= *rng << 13;
		*rng ^= *rng >> 17;
		*rng ^= *rng << 5;
		k = 1 + *rng % 23;
		if (k > n)
			k = n;
		feed(s, dir, p, k, ts);
		p += k;
		n -= k;
	}
}

static int str_same(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

#define SAME_INT(f) do { if (a->f != b->f) \
	fuzz_fail("split changed " #f ": %lld vs %lld", (long long)a->f, (long long)b->f); } while (0)
#define SAME_STR(f) do { if (!str_same(a->f, b->f)) \
	fuzz_fail("split changed " #f ": \"%s\" vs \"%s\"", a->f ? a->f : "(null)", \
		  b->f ? b->f : "(null)"); } while (0)

static void same_mail(const struct smtp_mail *a, const struct smtp_mail *b)
{
	int i;

	SAME_STR(mail_from); SAME_STR(params); SAME_INT(size_param); SAME_STR(body_type);
	SAME_INT(mail_code); SAME_INT(n_rcpts); SAME_INT(rcpt_count); SAME_INT(accepted);
	SAME_INT(data_code); SAME_INT(final_code); SAME_STR(final_enhanced); SAME_INT(bdat);
	SAME_INT(bdat_chunks); SAME_INT(completed); SAME_INT(size); SAME_STR(hdr_from);
	SAME_STR(hdr_to); SAME_STR(subject); SAME_STR(message_id); SAME_STR(content_type);
	SAME_INT(is_dsn); SAME_INT(n_dsn);
	for (i = 0; i < a->n_rcpts; i++) {
		if (!str_same(a->rcpts[i].address, b->rcpts[i].address) || a->rcpts[i].code != b->rcpts[i].code)
			fuzz_fail("split changed rcpt %d", i);
	}
	for (i = 0; i < a->n_dsn; i++) {
		if (!str_same(a->dsn[i].final_recipient, b->dsn[i].final_recipient) ||
		    !str_same(a->dsn[i].status, b->dsn[i].status) ||
		    !str_same(a->dsn[i].action, b->dsn[i].action))
			fuzz_fail("split changed dsn %d", i);
	}
}

/* The two records must agree on everything the analysis uses. */
static void same_record(const struct smtp_record *a, const struct smtp_record *b)
{
	int i;

	SAME_INT(banner_code); SAME_STR(banner_text); SAME_STR(banner_host); SAME_STR(software);
	SAME_STR(software_version); SAME_STR(helo_verb); SAME_STR(helo_arg); SAME_INT(helo_code);
	SAME_STR(greeting_host); SAME_STR(ehlo_first_line); SAME_INT(n_ext);
	SAME_INT(xexps_advertised); SAME_STR(xexps_mechanisms); SAME_STR(auth_mechanisms);
	SAME_INT(starttls); SAME_INT(starttls_code); SAME_STR(auth_mechanism); SAME_INT(auth_code);
	SAME_INT(auth_round_trips); SAME_INT(auth_payload_bytes); SAME_INT(xexps_used);
	SAME_INT(pipelined); SAME_INT(bdat); SAME_INT(n_mails); SAME_INT(mail_count);
	SAME_INT(n_cmds); SAME_INT(cmds_total); SAME_INT(n_replies); SAME_INT(replies_total);
	SAME_INT(n_anomalies); SAME_INT(anomalies_total); SAME_INT(bytes_c2s); SAME_INT(bytes_s2c);
	SAME_INT(quit); SAME_INT(outcome); SAME_INT(saw_smtp);
	for (i = 0; i < a->n_ext; i++)
		if (!str_same(a->ext[i].keyword, b->ext[i].keyword) || !str_same(a->ext[i].params, b->ext[i].params))
			fuzz_fail("split changed ext %d", i);
	for (i = 0; i < a->n_cmds; i++)
		if (!str_same(a->cmds[i].verb, b->cmds[i].verb) || !str_same(a->cmds[i].arg, b->cmds[i].arg))
			fuzz_fail("split changed cmd %d: \"%s\" vs \"%s\"", i,
				  a->cmds[i].arg ? a->cmds[i].arg : "(null)", b->cmds[i].arg ? b->cmds[i].arg : "(null)");
	for (i = 0; i < a->n_replies; i++)
		if (a->replies[i].code != b->replies[i].code || a->replies[i].lines != b->replies[i].lines ||
		    !str_same(a->replies[i].text, b->replies[i].text))
			fuzz_fail("split changed reply %d", i);
	for (i = 0; i < a->n_anomalies; i++)
		if (a->anomalies[i].kind != b->anomalies[i].kind)
			fuzz_fail("split changed anomaly %d: %s vs %s", i, anomaly_name(a->anomalies[i].kind),
				  anomaly_name(b->anomalies[i].kind));
	for (i = 0; i < a->n_mails; i++)
		same_mail(&a->mails[i], &b->mails[i]);
}

static void check_totals(const struct smtp_record *r, const struct fed *f)
{
	if (r->bytes_c2s != f->bytes[SMTP_C2S] || r->bytes_s2c != f->bytes[SMTP_S2C])
		fuzz_fail("bytes fed %llu/%llu, record says %llu/%llu",
			  (unsigned long long)f->bytes[0], (unsigned long long)f->bytes[1],
			  (unsigned long long)r->bytes_c2s, (unsigned long long)r->bytes_s2c);
	if (r->gaps != f->gaps || r->gap_bytes != f->gap_bytes)
		fuzz_fail("gaps %llu (%llu bytes) reported, record says %llu (%llu bytes)",
			  (unsigned long long)f->gaps, (unsigned long long)f->gap_bytes,
			  (unsigned long long)r->gaps, (unsigned long long)r->gap_bytes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p, *end = data + size, *chunk;
	struct smtp_session *s, *t = NULL;
	const struct smtp_record *r;
	struct fed fed;
	size_t n;
	uint8_t ctl;
	int dir = SMTP_S2C, gap_every, i = 0, r1, r2, rep;
	enum smtp_end how;
	uint64_t ts = 1000000000ull * 1000000ull, gl;
	uint32_t rng;

	if (size < 1)
		return 0;
	ctl = data[0];
	p = data + 1;
	gap_every = ctl & 7;
	how = (enum smtp_end)(((ctl >> 3) & 7) % 5);
	rng = 0x9e3779b9u ^ (uint32_t)size;
	memset(&fed, 0, sizeof fed);

	if (!(s = smtp_new()))
		return 0;
	if ((ctl & 0xc0) == 0x40 && !(t = smtp_new())) {  /* not with bit 7: too slow */
		smtp_free(s);
		return 0;
	}
	while (fuzz_next_chunk(&p, end, &chunk, &n)) {
		r1 = smtp_probe((enum smtp_dir)dir, chunk, n);
		if (r1 < 0 || r1 > 2)
			fuzz_fail("smtp_probe returned %d", r1);
		for (rep = (ctl & 0x80) && fed.bytes[0] + fed.bytes[1] < SMTP_REPEAT_BYTES ? SMTP_REPEAT : 1;
		     rep > 0; rep--) {
			feed(s, dir, chunk, n, ts);
			if (t)
				feed_pieces(t, dir, chunk, n, ts, &rng);
			fed.bytes[dir] += n;
		}
		i++;
		if (gap_every && i % gap_every == 0) {
			gl = 1 + (n ? chunk[0] : 0);
			must(smtp_gap(s, (enum smtp_dir)dir, gl, ts), "smtp_gap");
			smtp_note_anomaly(s, (enum anomaly_kind)((n > 1 ? chunk[1] : 0) % ANOM__COUNT),
					  n > 2 ? "flow" : NULL, ts);
			if (t) {
				must(smtp_gap(t, (enum smtp_dir)dir, gl, ts), "smtp_gap");
				smtp_note_anomaly(t, (enum anomaly_kind)((n > 1 ? chunk[1] : 0) % ANOM__COUNT),
						  n > 2 ? "flow" : NULL, ts);
			}
			fed.gaps++;
			fed.gap_bytes += gl;
		}
		dir = !dir;
		ts += 1000;
	}
	r1 = smtp_finish(s, how, ts);
	r2 = smtp_finish(s, how, ts + 1); /* idempotent */
	must(r1 | r2, "smtp_finish");
	r = smtp_record(s);
	fuzz_walk_record(r);
	check_totals(r, &fed);
	if (r->end != how)
		fuzz_fail("end %d, finished with %d", (int)r->end, (int)how);
	if (r->outcome == SMTP_OUTCOME_UNKNOWN)
		fuzz_fail("outcome still unknown after smtp_finish");
	if (t) {
		must(smtp_finish(t, how, ts), "smtp_finish");
		fuzz_walk_record(smtp_record(t));
		same_record(r, smtp_record(t));
	}
	smtp_free(s);
	smtp_free(t);
	return 0;
}
