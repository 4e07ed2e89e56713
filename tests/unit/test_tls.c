/* \summary: unit tests of dissectors/tls.c, x509.c, tls_estimate.c and the
 * STARTTLS / X-ANONYMOUSTLS hand-off in smtp.c.
 *
 * JA3 and JA4 are checked against a published pair: the browserleaks.com
 * report of a Chrome 143 ClientHello (ja3_text/ja3_hash, ja4/ja4_ro), whose
 * wire-order lists are rebuilt here into a ClientHello, with GREASE values
 * added (both recipes must ignore them).  Every TLS case runs whole, split
 * at every offset, and one byte at a time. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "dissectors/smtp.h"
#include "dissectors/tls.h"
#include "dissectors/tls_estimate.h"
#include "dissectors/x509.h"
#include "tests/tap.h"

struct buf {
	uint8_t p[16384];
	size_t n;
};

static void u8(struct buf *b, unsigned v) { b->p[b->n++] = (uint8_t)v; }
static void u16(struct buf *b, unsigned v) { u8(b, v >> 8); u8(b, v & 0xff); }
static void u24(struct buf *b, size_t v) { u8(b, (unsigned)(v >> 16)); u16(b, (unsigned)(v & 0xffff)); }
static void raw(struct buf *b, const void *p, size_t n) { memcpy(b->p + b->n, p, n); b->n += n; }

/* ja4_ro of the published example (wire order, GREASE already removed) */
static const unsigned ex_ciphers[] = { 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
	0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035 };
static const unsigned ex_exts[] = { 0x002d, 0x0033, 0x0010, 0xfe0d, 0x0017, 0x44cd, 0x0000, 0x000b,
	0x000a, 0x002b, 0xff01, 0x0023, 0x0012, 0x0005, 0x000d, 0x001b };
static const unsigned ex_sigalgs[] = { 0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601 };
static const unsigned ex_groups[] = { 0x11ec, 29, 23, 24 };

/* The example's ClientHello body (after the 4-byte handshake header). */
static void example_hello(struct buf *b, int grease)
{
	size_t k, at;

	b->n = 0;
	u16(b, 0x0303);
	for (k = 0; k < 32; k++)
		u8(b, (unsigned)k);
	u8(b, 0);
	u16(b, (unsigned)(2 * (sizeof ex_ciphers / sizeof ex_ciphers[0]) + (grease ? 2 : 0)));
	if (grease)
		u16(b, 0x8a8a);
	for (k = 0; k < sizeof ex_ciphers / sizeof ex_ciphers[0]; k++)
		u16(b, ex_ciphers[k]);
	u8(b, 1);
	u8(b, 0);
	at = b->n;
	u16(b, 0);
	if (grease) {
		u16(b, 0xfafa);
		u16(b, 0);
	}
	for (k = 0; k < sizeof ex_exts / sizeof ex_exts[0]; k++) {
		size_t j;
		u16(b, ex_exts[k]);
		switch (ex_exts[k]) {
		case 0x0000:
			u16(b, 5 + 15); u16(b, 3 + 15); u8(b, 0); u16(b, 15); raw(b, "mx.example.test", 15);
			break;
		case 0x0010:
			u16(b, 2 + 3 + 9); u16(b, 3 + 9); u8(b, 2); raw(b, "h2", 2); u8(b, 8); raw(b, "http/1.1", 8);
			break;
		case 0x000a:
			u16(b, 2 + 2 * 4 + (grease ? 2 : 0)); u16(b, 2 * 4 + (grease ? 2 : 0));
			if (grease)
				u16(b, 0x2a2a);
			for (j = 0; j < 4; j++)
				u16(b, ex_groups[j]);
			break;
		case 0x000b:
			u16(b, 2); u8(b, 1); u8(b, 0);
			break;
		case 0x000d:
			u16(b, 2 + 2 * 8); u16(b, 2 * 8);
			for (j = 0; j < 8; j++)
				u16(b, ex_sigalgs[j]);
			break;
		case 0x002b:
			u16(b, 1 + 2 * (grease ? 3 : 2)); u8(b, 2 * (grease ? 3 : 2));
			if (grease)
				u16(b, 0x5a5a);
			u16(b, 0x0304); u16(b, 0x0303);
			break;
		default:
			u16(b, 0);
		}
	}
	b->p[at] = (uint8_t)((b->n - at - 2) >> 8);
	b->p[at + 1] = (uint8_t)((b->n - at - 2) & 0xff);
}

static void record(struct buf *out, uint8_t type, const uint8_t *p, size_t n)
{
	u8(out, type); u16(out, 0x0303); u16(out, (unsigned)n); raw(out, p, n);
}

static void hs_record(struct buf *out, uint8_t hs, const struct buf *body)
{
	struct buf *m = malloc(sizeof *m);
	m->n = 0;
	u8(m, hs); u24(m, body->n); raw(m, body->p, body->n);
	record(out, 22, m->p, m->n);
	free(m);
}

static int n_anom[ANOM__COUNT];
static void count_anom(void *ctx, enum anomaly_kind k, const char *d)
{
	(void)ctx; (void)d;
	if ((unsigned)k < ANOM__COUNT)
		n_anom[k]++;
}

/* feed c2s then s2c with a split pattern: 0 whole, 1 per byte, else split at 'at' */
static struct tls_session *run(const struct buf *c2s, const struct buf *s2c, int mode, size_t at)
{
	struct tls_session *t = tls_new(count_anom, NULL);
	const struct buf *dirs[2] = { c2s, s2c };
	int d;

	memset(n_anom, 0, sizeof n_anom);
	for (d = 0; d < 2; d++) {
		const struct buf *b = dirs[d];
		size_t k;
		if (!b)
			continue;
		if (mode == 0) {
			tls_feed(t, (enum tls_dir)d, b->p, b->n, 1);
		} else if (mode == 1) {
			for (k = 0; k < b->n; k++)
				tls_feed(t, (enum tls_dir)d, b->p + k, 1, 1);
		} else {
			size_t a = at < b->n ? at : b->n;
			uint8_t *x = malloc(a ? a : 1), *y = malloc(b->n - a ? b->n - a : 1);
			memcpy(x, b->p, a);
			memcpy(y, b->p + a, b->n - a);
			tls_feed(t, (enum tls_dir)d, x, a, 1);
			tls_feed(t, (enum tls_dir)d, y, b->n - a, 1);
			free(x);
			free(y);
		}
	}
	return t;
}

static void test_fingerprints(void)
{
	static struct buf body, rec;
	char ja3[33], ja4[40];
	struct tls_session *t;
	const struct tls_info *i;
	size_t at;
	int same = 1;

	example_hello(&body, 0);
	ok(tls_fingerprint_client_hello(body.p, body.n, ja3, ja4) == 0, "published ClientHello parses");
	is_str(ja3, "98487aa16281980e7d1120d399efb6a4", "JA3 = the published ja3_hash");
	is_str(ja4, "t13d1516h2_8daaf6152771_d8a2da3f94cd", "JA4 = the published ja4");
	example_hello(&body, 1);
	tls_fingerprint_client_hello(body.p, body.n, ja3, ja4);
	is_str(ja3, "98487aa16281980e7d1120d399efb6a4", "JA3 ignores GREASE ciphers, extensions, groups");
	is_str(ja4, "t13d1516h2_8daaf6152771_d8a2da3f94cd", "JA4 ignores GREASE (counts too) and supported_versions GREASE");

	rec.n = 0;
	hs_record(&rec, 1, &body);
	t = run(&rec, NULL, 0, 0);
	i = tls_info(t);
	ok(i->client_hello, "ClientHello through the record layer");
	is_str(i->sni, "mx.example.test", "SNI");
	is_str(i->alpn, "h2,http/1.1", "ALPN list");
	is_str(i->client_versions, "TLSv1.3,TLSv1.2", "supported_versions named, GREASE skipped");
	is_int(i->client_max_version, 0x0304, "highest supported version");
	is_int(i->n_ciphers, 16, "cipher count includes GREASE");
	is_int(i->n_exts, 17, "extension count includes GREASE");
	is_str(i->ja4, "t13d1516h2_8daaf6152771_d8a2da3f94cd", "JA4 through the record layer");
	tls_free(t);
	for (at = 0; at <= rec.n; at++) {
		t = run(&rec, NULL, 2, at);
		if (strcmp(tls_info(t)->ja3, "98487aa16281980e7d1120d399efb6a4") != 0 ||
		    strcmp(tls_info(t)->sni, "mx.example.test") != 0)
			same = 0;
		tls_free(t);
	}
	ok(same, "the same result split at every offset");
	t = run(&rec, NULL, 1, 0);
	is_str(tls_info(t)->ja3, "98487aa16281980e7d1120d399efb6a4", "and fed one byte at a time");
	tls_free(t);
	/* the hello truncated by one byte is an anomaly, not a crash */
	ok(tls_fingerprint_client_hello(body.p, body.n - 1, ja3, ja4) < 0, "truncated hello refused");
}

/* An Ed25519 certificate made here. */
static int make_cert(uint8_t *der, size_t cap, const char *cn, const char *sans)
{
	static const uint8_t seed[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
	X509 *x = X509_new();
	X509_NAME *nm = X509_get_subject_name(x);
	X509_EXTENSION *e;
	unsigned char *p = der;
	int n;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 0x1234);
	ASN1_TIME_set(X509_getm_notBefore(x), 1000000000);
	ASN1_TIME_set(X509_getm_notAfter(x), 2000000000);
	X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, nm);
	X509_set_pubkey(x, pk);
	e = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, sans);
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	X509_sign(x, pk, NULL);
	n = i2d_X509(x, NULL);
	if (n > 0 && (size_t)n <= cap)
		i2d_X509(x, &p);
	X509_free(x);
	EVP_PKEY_free(pk);
	return n;
}

static void server_flight(struct buf *s, uint16_t version, const uint8_t *der, size_t n)
{
	static struct buf b;
	size_t k;

	s->n = 0;
	b.n = 0;
	u16(&b, 0x0303);
	for (k = 0; k < 32; k++)
		u8(&b, 0x40 + (unsigned)k);
	u8(&b, 0);
	u16(&b, version == 0x0304 ? 0x1302 : 0xc030);
	u8(&b, 0);
	if (version == 0x0304) {
		u16(&b, 6); u16(&b, 43); u16(&b, 2); u16(&b, 0x0304);
	} else {
		u16(&b, 0);
	}
	hs_record(s, 2, &b);
	if (version == 0x0304) {
		uint8_t ccs = 1, enc[200] = { 0 };
		record(s, 20, &ccs, 1);
		record(s, 23, enc, sizeof enc); /* EncryptedExtensions..Finished */
		return;
	}
	b.n = 0;
	u24(&b, n + 3); u24(&b, n); raw(&b, der, n);
	hs_record(s, 11, &b);
}

static void test_certificates(void)
{
	static uint8_t der[2048];
	static struct buf c, s;
	unsigned char md[32];
	char hex[65];
	unsigned mdl = 0, k;
	int n = make_cert(der, sizeof der, "mx.example.test",
			  "DNS:mx.example.test,DNS:*.mail.example.test,IP:192.0.2.7,email:pm@example.test");
	struct tls_session *t;
	const struct tls_info *i;
	const struct x509_info *x;
	size_t at;
	int same = 1;

	ok(n > 0, "test certificate made");
	example_hello(&s, 0);
	c.n = 0;
	hs_record(&c, 1, &s);
	server_flight(&s, 0x0303, der, (size_t)n);
	t = run(&c, &s, 0, 0);
	i = tls_info(t);
	is_int(i->version, 0x0303, "TLS 1.2 negotiated");
	is_int(i->cipher, 0xc030, "cipher");
	is_str(tls_cipher_name(i->cipher), "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "cipher name");
	is_int(i->cert_state, TLS_CERT_SENT, "certificate seen");
	is_int(i->n_certs, 1, "one certificate");
	x = &i->certs[0];
	EVP_Digest(der, (size_t)n, md, &mdl, EVP_sha256(), NULL);
	for (k = 0; k < 32; k++)
		snprintf(hex + 2 * k, 3, "%02x", md[k]);
	is_str(x->sha256, hex, "fingerprint = SHA-256 of the DER");
	is_str(x->subject, "CN=mx.example.test", "subject");
	is_str(x->serial, "1234", "serial");
	is_int(x->not_before, 1000000000, "not before");
	is_int(x->not_after, 2000000000, "not after");
	is_str(x->key_type, "ED25519", "key type");
	is_int(x->self_signed, 1, "self-signed");
	is_int(x->n_sans, 4, "four SANs");
	is_str(x->sans[2].name, "192.0.2.7", "IP SAN as text");
	ok(x509_covers(x, "MX.example.test"), "covers its name (case-insensitive)");
	ok(x509_covers(x, "a.mail.example.test"), "wildcard covers one label");
	ok(!x509_covers(x, "a.b.mail.example.test"), "but not two");
	ok(!x509_covers(x, "mail.example.test"), "nor the bare parent");
	ok(!x509_covers(x, "other.example.test"), "nor another name");
	tls_free(t);
	for (at = 0; at <= s.n; at += 7) {
		t = run(&c, &s, 2, at);
		if (tls_info(t)->n_certs != 1 || strcmp(tls_info(t)->certs[0].sha256, hex) != 0)
			same = 0;
		tls_free(t);
	}
	ok(same, "certificate the same at every 7th split");
	t = run(&c, &s, 1, 0);
	is_str(tls_info(t)->certs[0].subject, "CN=mx.example.test", "and one byte at a time");
	tls_free(t);

	/* a corrupt DER is an anomaly, the fingerprint is still recorded */
	der[20] ^= 0xff;
	der[21] ^= 0xff;
	server_flight(&s, 0x0303, der, (size_t)n / 2);
	t = run(&c, &s, 0, 0);
	is_int(tls_info(t)->n_certs, 1, "a broken certificate is still listed");
	is_int(tls_info(t)->certs[0].ok, 0, "but not parsed");
	is_int(n_anom[ANOM_TLS_CERT_UNPARSABLE], 1, "tls_cert_unparsable counted");
	tls_free(t);

	server_flight(&s, 0x0304, NULL, 0);
	t = run(&c, &s, 0, 0);
	is_int(tls_info(t)->version, 0x0304, "TLS 1.3 from supported_versions");
	is_int(tls_info(t)->cert_state, TLS_CERT_HIDDEN, "TLS 1.3: certificate hidden");
	is_int(tls_info(t)->n_certs, 0, "no certificate summarised");
	tls_free(t);
}

static void test_hostile(void)
{
	static struct buf b;
	uint8_t junk[64];
	struct tls_session *t;
	size_t k;

	b.n = 0;
	raw(&b, "\x16\x03\x03\xff\xff", 5); /* 65535 > TLS_REC_MAX */
	t = run(&b, NULL, 0, 0);
	is_int(n_anom[ANOM_TLS_BAD_RECORD], 1, "over-long record: tls_bad_record");
	ok(tls_info(t)->desync[0], "direction desynchronised");
	ok(tls_feed(t, TLS_C2S, (const uint8_t *)"\x16\x03\x03\x00\x01\x01", 6, 2) == 0, "later bytes are ignored");
	tls_free(t);
	/* a handshake header announcing 16 MiB */
	b.n = 0;
	raw(&b, "\x16\x03\x03\x00\x04\x01\xff\xff\xff", 9);
	t = run(&b, NULL, 0, 0);
	is_int(n_anom[ANOM_TLS_HS_TOO_LONG], 1, "16 MiB handshake message: tls_hs_too_long");
	tls_free(t);
	/* plaintext alert */
	b.n = 0;
	raw(&b, "\x15\x03\x03\x00\x02\x02\x30", 7);
	t = run(NULL, &b, 0, 0);
	is_int(tls_info(t)->n_alerts, 1, "alert recorded");
	is_int(tls_info(t)->alerts[0].desc, 48, "unknown_ca");
	is_int(n_anom[ANOM_TLS_ALERT], 1, "tls_alert anomaly");
	tls_free(t);
	/* random garbage never crashes */
	for (k = 0; k < sizeof junk; k++)
		junk[k] = (uint8_t)(k * 37 + 11);
	t = tls_new(NULL, NULL);
	for (k = 0; k < 200; k++)
		tls_feed(t, (enum tls_dir)(k & 1), junk, sizeof junk, k);
	tls_gap(t, TLS_C2S, 100, 1);
	ok(1, "garbage and gaps: no crash");
	tls_free(t);
	ok(tls_probe((const uint8_t *)"\x16\x03\x01\x00\xc8", 5), "probe: handshake record");
	ok(!tls_probe((const uint8_t *)"EHLO x", 6), "probe: text is no TLS");
}

/* Records of a session: (dir, len) pairs, TLS 1.2 GCM. */
static struct tls_estimate est_of_hint(uint16_t version, uint16_t cipher, const int *recs, int n, int hint)
{
	static struct tls_app_rec r[64];
	struct tls_info i;
	struct tls_estimate e;
	int k;

	memset(&i, 0, sizeof i);
	i.client_hello = i.server_hello = 1;
	i.version = version;
	i.cipher = cipher;
	for (k = 0; k < n; k++) {
		r[k].dir = (uint8_t)(recs[2 * k]);
		r[k].len = (uint32_t)recs[2 * k + 1];
		r[k].type = 23;
	}
	i.recs = r;
	i.n_recs = n;
	i.auth_hint = hint;
	tls_estimate(&i, &e);
	return e;
}

static struct tls_estimate est_of(uint16_t version, uint16_t cipher, const int *recs, int n)
{
	return est_of_hint(version, cipher, recs, n, 0);
}

static void test_estimate(void)
{
	/* lab t12_c: EHLO MAIL RCPT DATA BODY x3, QUIT (record lengths from the note, 5.4) */
	static const int c3[] = { 0, 49, 1, 155, 0, 71, 1, 38, 0, 51, 1, 38, 0, 30, 1, 61, 0, 377, 1, 60,
		0, 72, 1, 38, 0, 51, 1, 38, 0, 30, 1, 61, 0, 4027, 1, 60, 0, 73, 1, 38, 0, 51, 1, 38,
		0, 30, 1, 61, 0, 16408, 0, 16408, 0, 7259, 1, 60, 0, 30, 1, 39 };
	static const int eq[] = { 0, 49, 1, 155, 0, 30, 1, 39 };
	static const int auth[] = { 0, 49, 1, 155, 0, 57, 1, 61, 0, 30, 1, 39 };
	/* TLS 1.3 t13_b: client Finished 69, tickets 250 250, then EHLO..QUIT, close_notify 19 */
	static const int t13[] = { 1, 23, 1, 1992, 1, 97, 1, 69, 0, 69, 0, 42, 1, 250, 1, 250, 1, 148,
		0, 64, 1, 31, 0, 44, 1, 31, 0, 23, 1, 54, 0, 620, 1, 53, 0, 23, 1, 32, 0, 19, 1, 19 };
	struct tls_estimate e;

	e = est_of(0x0303, 0xc02c, c3, (int)(sizeof c3 / sizeof c3[0] / 2));
	is_int(e.messages, 3, "3 messages");
	is_str(e.client_list, "25,47,27,6,353,48,27,6,4003,49,27,6,40003,6", "client turns in plaintext bytes");
	is_int(e.sizes[2], 40000, "third body size (minus .CRLF)");
	is_int(e.quit, 1, "QUIT seen");
	is_str(e.confidence, "high", "confidence high");
	e = est_of(0x0303, 0xc02c, eq, 4);
	is_str(e.verdict, "ehlo_quit", "EHLO then QUIT");
	is_int(e.ended_after_ehlo, 1, "ended after EHLO");
	e = est_of(0x0303, 0xc02c, auth, 6);
	is_str(e.verdict, "commands_no_message", "AUTH then QUIT: commands, no message");
	is_int(e.messages, 0, "no message");
	{
		/* X-ANONYMOUSTLS: EHLO, a 1500-byte X-EXPS Kerberos turn, MAIL RCPT, BDAT+body, QUIT */
		static const int krb[] = { 0, 49, 1, 300, 0, 1524, 1, 60, 0, 71, 1, 38, 0, 51, 1, 38,
			0, 2000, 1, 60, 0, 30, 1, 39 };
		e = est_of(0x0303, 0xc02c, krb, (int)(sizeof krb / sizeof krb[0] / 2));
		is_int(e.messages, 2, "without the hint the Kerberos token counts as a message");
		e = est_of_hint(0x0303, 0xc02c, krb, (int)(sizeof krb / sizeof krb[0] / 2), 1);
		is_int(e.messages, 1, "with the auth hint: the token is authentication, one message");
		is_int(e.auth_turn, 1, "auth_turn set");
	}
	e = est_of(0x0304, 0x1302, t13, (int)(sizeof t13 / sizeof t13[0] / 2));
	is_int(e.messages, 1, "TLS 1.3: 1 message");
	is_str(e.client_list, "25,47,27,6,603,6", "TLS 1.3 turns after the client Finished, close_notify dropped");
}

/* ---- the SMTP hand-off ---------------------------------------------------- */

/* tail: client bytes (may hold NUL) fed after the text steps */
static struct smtp_session *smtp_run(const char *const *steps, int n, const uint8_t *tail, size_t tn)
{
	struct smtp_session *s = smtp_new();
	int k;

	for (k = 0; k < n; k++)
		smtp_feed(s, steps[k][0] == 'C' ? SMTP_C2S : SMTP_S2C, (const uint8_t *)steps[k] + 1,
			  strlen(steps[k] + 1), (uint64_t)k);
	if (tn)
		smtp_feed(s, SMTP_C2S, tail, tn, 99);
	smtp_finish(s, SMTP_END_FIN, 100);
	return s;
}

static void test_smtp_handoff(void)
{
	static const char *const plain[] = {
		"S220 mx.example.test ESMTP\r\n", "CEHLO a.example\r\n", "S250-mx\r\n250 STARTTLS\r\n",
		"CSTARTTLS\r\n", "S220 go ahead\r\n", "CEHLO b.example\r\n", "S250 mx\r\n",
		"CMAIL FROM:<x@a.example>\r\n", "S250 ok\r\n", "CRCPT TO:<y@b.example>\r\n", "S250 ok\r\n",
		"CDATA\r\n", "S354 go\r\n", "CSubject: hi\r\n\r\nbody\r\n.\r\n", "S250 queued\r\n",
		"CQUIT\r\n", "S221 bye\r\n",
	};
	static const char *const xanon[] = {
		"S220 exch.example.test Microsoft ESMTP MAIL Service ready\r\n", "CEHLO a.example\r\n",
		"S250-exch\r\n250-X-ANONYMOUSTLS\r\n250 STARTTLS\r\n", "CX-ANONYMOUSTLS\r\n",
		"S220 2.0.0 SMTP server ready\r\n",
	};
	static const uint8_t hello[] = { 0x16, 3, 1, 0, 5, 1, 0, 0, 1, 0 };
	struct smtp_session *s = smtp_run(plain, (int)(sizeof plain / sizeof plain[0]), NULL, 0);
	const struct smtp_record *r = smtp_record(s);
	int k, ehlos = 0;

	is_int(r->tls_plaintext, 1, "plaintext after STARTTLS flagged");
	for (k = 0; k < r->n_cmds; k++)
		ehlos += strcmp(r->cmds[k].verb, "EHLO") == 0;
	is_int(ehlos, 2, "both EHLOs stored");
	is_int(r->n_mails, 1, "the mail after it is parsed");
	is_int(r->mails[0].final_code, 250, "and its final reply");
	is_str(smtp_outcome_name(r->outcome), "completed", "outcome from the SMTP, not 'tls'");
	smtp_free(s);
	s = smtp_run(xanon, (int)(sizeof xanon / sizeof xanon[0]), hello, sizeof hello);
	r = smtp_record(s);
	is_str(r->tls_mode, "x-anonymoustls", "X-ANONYMOUSTLS starts TLS like STARTTLS");
	is_int(r->tls_plaintext, 0, "TLS bytes after it");
	ok(r->tls && r->tls->records[0] == 1, "the TLS parser got the client's record");
	is_str(smtp_outcome_name(r->outcome), "tls", "outcome tls");
	is_int(r->banner_code, 220, "the banner is not the 220 to X-ANONYMOUSTLS");
	smtp_free(s);
	s = smtp_new();
	smtp_begin_tls(s);
	smtp_feed(s, SMTP_C2S, (const uint8_t *)"\x16\x03\x01\x00\x01\x01", 6, 1);
	smtp_finish(s, SMTP_END_FIN, 2);
	r = smtp_record(s);
	is_str(r->tls_mode, "implicit", "implicit TLS (port 465)");
	ok(r->saw_smtp, "stored as a session");
	smtp_free(s);
}

int main(void)
{
	test_fingerprints();
	test_certificates();
	test_hostile();
	test_estimate();
	test_smtp_handoff();
	return done_testing();
}
