/* \summary: libFuzzer target for the TLS parser (dissectors/tls.c, x509.c
 * through the Certificate message, tls_estimate.c) and the STARTTLS hand-off
 * in dissectors/smtp.c.
 *
 * Input: one control byte, then chunks separated by FUZZ_SEP that alternate
 * direction, client first.  Control byte: bits 0-2 = every Nth chunk is
 * followed by a gap of (chunk length) bytes in its direction (0 = never);
 * bit 6 = feed a second parser the same bytes cut into small pieces and
 * compare the results (tls.h: "the result does not depend on how the bytes
 * were split"; not with gaps); bit 7 = run the chunks through an SMTP
 * session after EHLO, STARTTLS and its 220 instead of a bare TLS parser.
 *
 * Every chunk is an exact-size malloc, so ASan catches a one-byte over-read.
 * The result is walked: every string NUL-terminated inside its array, every
 * count inside its cap, the estimate computed. */
#include "tests/fuzz/fuzz_common.h"

#include "dissectors/tls.h"
#include "dissectors/tls_estimate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STR_IN(arr, what) do { \
	if (!memchr((arr), 0, sizeof(arr))) \
		fuzz_fail("%s not NUL-terminated inside its %zu bytes", what, sizeof(arr)); \
} while (0)

static void check(const struct tls_info *i)
{
	struct tls_estimate e;
	int k, j;

	if (!i)
		return;
	STR_IN(i->sni, "sni");
	STR_IN(i->alpn, "alpn");
	STR_IN(i->client_versions, "client_versions");
	STR_IN(i->ja3, "ja3");
	STR_IN(i->ja4, "ja4");
	STR_IN(i->ja3s, "ja3s");
	if (i->client_hello && (strlen(i->ja3) != 32 || strlen(i->ja4) < 36))
		fuzz_fail("fingerprints of a parsed hello: ja3 %zu ja4 %zu chars", strlen(i->ja3), strlen(i->ja4));
	if (i->n_certs < 0 || i->n_certs > TLS_CERTS_MAX || i->n_certs > i->certs_total)
		fuzz_fail("n_certs %d (total %d)", i->n_certs, i->certs_total);
	for (k = 0; k < i->n_certs; k++) {
		const struct x509_info *x = &i->certs[k];
		STR_IN(x->sha256, "sha256");
		STR_IN(x->subject, "subject");
		STR_IN(x->issuer, "issuer");
		STR_IN(x->serial, "serial");
		STR_IN(x->sig_alg, "sig_alg");
		if (x->n_sans < 0 || x->n_sans > X509_SANS_MAX)
			fuzz_fail("n_sans %d", x->n_sans);
		for (j = 0; j < x->n_sans; j++)
			STR_IN(x->sans[j].name, "san");
		x509_covers(x, "mx.example.com");
	}
	if (i->n_alerts < 0 || i->n_alerts > TLS_ALERTS_MAX)
		fuzz_fail("n_alerts %d", i->n_alerts);
	if (i->n_recs < 0 || i->n_recs > TLS_APP_RECS_MAX || (uint64_t)i->n_recs > i->recs_total)
		fuzz_fail("n_recs %d of %llu", i->n_recs, (unsigned long long)i->recs_total);
	tls_estimate(i, &e);
	if (e.valid) {
		STR_IN(e.client_list, "client_list");
		STR_IN(e.server_list, "server_list");
		if (!e.verdict || !e.confidence || e.messages < 0 || e.n_sizes > TLS_EST_SIZES_MAX)
			fuzz_fail("estimate: verdict %p messages %d sizes %d", (const void *)e.verdict, e.messages, e.n_sizes);
	}
}

/* The results that must not depend on the split. */
static void same(const struct tls_info *a, const struct tls_info *b)
{
	if (strcmp(a->ja3, b->ja3) || strcmp(a->ja4, b->ja4) || strcmp(a->sni, b->sni) ||
	    a->version != b->version || a->cipher != b->cipher || a->n_certs != b->n_certs ||
	    a->n_recs != b->n_recs || a->records[0] != b->records[0] || a->records[1] != b->records[1] ||
	    a->n_alerts != b->n_alerts)
		fuzz_fail("split changed the result: ja3 %s/%s recs %d/%d records %llu/%llu",
			  a->ja3, b->ja3, a->n_recs, b->n_recs, (unsigned long long)a->records[0],
			  (unsigned long long)b->records[0]);
	if (a->n_certs && strcmp(a->certs[0].sha256, b->certs[0].sha256))
		fuzz_fail("split changed the certificate");
}

static void must(int rc, const char *what)
{
	if (rc != 0)
		fuzz_fail("%s returned %d (no allocation failed: internal error)", what, rc);
}

static void smtp_text(struct smtp_session *s, int dir, const char *z)
{
	uint8_t *c = fuzz_copy((const uint8_t *)z, strlen(z));

	must(smtp_feed(s, (enum smtp_dir)dir, c, strlen(z), 0), "smtp_feed");
	free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p, *end = data + size, *chunk;
	struct tls_session *t = NULL, *t2 = NULL;
	struct smtp_session *s = NULL;
	unsigned ctl, gap_every, nchunk = 0;
	uint32_t rng = 0x16u;
	size_t len;
	int dir = TLS_C2S, split;

	if (size < 1)
		return 0;
	ctl = data[0];
	gap_every = ctl & 7;
	split = (ctl & 0x40) && !gap_every && !(ctl & 0x80);
	p = data + 1;
	if (ctl & 0x80) {
		if (!(s = smtp_new()))
			abort();
		smtp_text(s, SMTP_S2C, "220 mx.example.com ESMTP\r\n");
		smtp_text(s, SMTP_C2S, "EHLO c.example.com\r\n");
		smtp_text(s, SMTP_S2C, "250-mx.example.com\r\n250 STARTTLS\r\n");
		smtp_text(s, SMTP_C2S, "STARTTLS\r\n");
		smtp_text(s, SMTP_S2C, "220 2.0.0 Ready to start TLS\r\n");
	} else {
		if (!(t = tls_new(NULL, NULL)) || (split && !(t2 = tls_new(NULL, NULL))))
			abort();
	}
	while (fuzz_next_chunk(&p, end, &chunk, &len)) {
		uint8_t *c = fuzz_copy(chunk, len);
		nchunk++;
		if (s)
			must(smtp_feed(s, (enum smtp_dir)dir, c, len, nchunk), "smtp_feed (TLS)");
		else
			must(tls_feed(t, (enum tls_dir)dir, c, len, nchunk), "tls_feed");
		free(c);
		if (t2) {
			size_t off = 0, k;
			while (off < len) {
				uint8_t *q;
				rng ^= rng << 13;
				rng ^= rng >> 17;
				rng ^= rng << 5;
				k = 1 + rng % 19;
				if (k > len - off)
					k = len - off;
				q = fuzz_copy(chunk + off, k);
				must(tls_feed(t2, (enum tls_dir)dir, q, k, nchunk), "tls_feed (pieces)");
				free(q);
				off += k;
			}
		}
		if (gap_every && nchunk % gap_every == 0) {
			if (s)
				must(smtp_gap(s, (enum smtp_dir)dir, len + 1, nchunk), "smtp_gap");
			else
				must(tls_gap(t, (enum tls_dir)dir, len + 1, nchunk), "tls_gap");
		}
		dir = !dir;
	}
	if (s) {
		must(smtp_finish(s, SMTP_END_FIN, nchunk + 1), "smtp_finish");
		check(smtp_record(s)->tls);
		smtp_free(s);
		return 0;
	}
	check(tls_info(t));
	if (t2)
		same(tls_info(t), tls_info(t2));
	tls_free(t);
	tls_free(t2);
	return 0;
}
