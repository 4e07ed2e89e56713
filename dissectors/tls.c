/* \summary: TLS record layer + handshake push parser (RFC 5246, RFC 8446,
 * RFC 6066 3 server_name, RFC 7301 ALPN, RFC 8701 GREASE), JA3/JA3S
 * (salesforce/ja3 README) and JA4 (FoxIO-LLC/ja4 technical_details/JA4.md).
 * The contract is dissectors/tls.h; this comment explains how it is met.
 *
 * Two stages per direction, as Zeek's SSL analyzer has them:
 *   records    a 5-byte header (kept across calls in hdr[]), then the
 *              fragment.  Handshake, alert and CCS fragments are copied into
 *              a buffer of exactly the record's length; application data
 *              (and, in TLS <= 1.2, the encrypted handshake after CCS) is
 *              only counted, and its length and time remembered.
 *   handshake  fragments are appended to hs[] (at most TLS_HS_MAX + 4) and
 *              every complete message (4-byte header, uint24 length) is
 *              handled: ClientHello (1), ServerHello (2), Certificate (11).
 * TLS 1.3 (ServerHello supported_versions = 0x0304) sends everything after
 * the ServerHello in type-23 records: its certificate is hidden.
 * RFC 8446 5: CCS in 1.3 is a compatibility no-op and does not switch type 22. */
#include "dissectors/tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "analyzer/base/bytes.h"

struct tls_dstate {
	uint8_t hdr[5];
	uint8_t hdr_len;      /* bytes of the current header read so far */
	uint8_t type;         /* current record's content type */
	uint8_t buffered;     /* current record is copied into rec[] */
	uint8_t hs_dead;      /* handshake reassembly given up (too long) */
	uint8_t app_seen;     /* an encrypted application record came this way */
	uint32_t rlen, rgot;  /* current record length and bytes of it seen */
	uint8_t *rec;         /* owned, rec_cap bytes; the buffered fragment */
	uint32_t rec_cap;
	uint8_t *hs;          /* owned, hs_cap bytes; handshake bytes not yet handled */
	uint32_t hs_len, hs_cap;
};

struct tls_session {
	struct tls_info i;
	struct tls_dstate d[2];
	tls_anomaly_fn anom;
	void *ctx;
	uint64_t ts;
	int dead;             /* out of memory: sticky */
	int recs_capped;
	int recs_cap;         /* entries allocated at i.recs */
	int span[2];          /* after a gap: bytes are remembered as spans (note 5.7 step 6) */
};

static void anomaly(struct tls_session *t, enum anomaly_kind k, const char *detail)
{
	if (t->anom)
		t->anom(t->ctx, k, detail);
}

static int is_grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* ---- names ------------------------------------------------------------- */

const char *tls_version_name(uint16_t v)
{
	switch (v) {
	case 0x0300: return "SSLv3";
	case 0x0301: return "TLSv1.0";
	case 0x0302: return "TLSv1.1";
	case 0x0303: return "TLSv1.2";
	case 0x0304: return "TLSv1.3";
	}
	return NULL;
}

static const struct { uint16_t id; const char *name; } cipher_names[] = {
	{ 0x0004, "TLS_RSA_WITH_RC4_128_MD5" },
	{ 0x0005, "TLS_RSA_WITH_RC4_128_SHA" },
	{ 0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA" },
	{ 0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA" },
	{ 0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA" },
	{ 0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA" },
	{ 0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA" },
	{ 0x003c, "TLS_RSA_WITH_AES_128_CBC_SHA256" },
	{ 0x003d, "TLS_RSA_WITH_AES_256_CBC_SHA256" },
	{ 0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256" },
	{ 0x006b, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256" },
	{ 0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256" },
	{ 0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384" },
	{ 0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256" },
	{ 0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384" },
	{ 0x1301, "TLS_AES_128_GCM_SHA256" },
	{ 0x1302, "TLS_AES_256_GCM_SHA384" },
	{ 0x1303, "TLS_CHACHA20_POLY1305_SHA256" },
	{ 0x1304, "TLS_AES_128_CCM_SHA256" },
	{ 0x1305, "TLS_AES_128_CCM_8_SHA256" },
	{ 0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA" },
	{ 0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA" },
	{ 0xc011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA" },
	{ 0xc012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA" },
	{ 0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA" },
	{ 0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA" },
	{ 0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256" },
	{ 0xc024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384" },
	{ 0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256" },
	{ 0xc028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384" },
	{ 0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" },
	{ 0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" },
	{ 0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" },
	{ 0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" },
	{ 0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256" },
	{ 0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256" },
	{ 0xccaa, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256" },
};

const char *tls_cipher_name(uint16_t suite)
{
	size_t k;

	for (k = 0; k < sizeof cipher_names / sizeof cipher_names[0]; k++)
		if (cipher_names[k].id == suite)
			return cipher_names[k].name;
	return NULL;
}

const char *tls_alert_name(uint8_t desc)
{
	switch (desc) {
	case 0: return "close_notify";
	case 10: return "unexpected_message";
	case 20: return "bad_record_mac";
	case 22: return "record_overflow";
	case 40: return "handshake_failure";
	case 42: return "bad_certificate";
	case 43: return "unsupported_certificate";
	case 44: return "certificate_revoked";
	case 45: return "certificate_expired";
	case 46: return "certificate_unknown";
	case 47: return "illegal_parameter";
	case 48: return "unknown_ca";
	case 49: return "access_denied";
	case 50: return "decode_error";
	case 51: return "decrypt_error";
	case 70: return "protocol_version";
	case 71: return "insufficient_security";
	case 80: return "internal_error";
	case 86: return "inappropriate_fallback";
	case 90: return "user_canceled";
	case 109: return "missing_extension";
	case 110: return "unsupported_extension";
	case 112: return "unrecognized_name";
	case 116: return "certificate_required";
	case 120: return "no_application_protocol";
	}
	return NULL;
}

int tls_probe_byte(uint8_t b)
{
	return (b >= 20 && b <= 24) || (b & 0x80);
}

int tls_probe(const uint8_t *p, size_t n)
{
	if (n < 5 || p[0] != 22 || p[1] != 3 || p[2] > 4)
		return 0;
	n = (size_t)(p[3] << 8 | p[4]);
	return n > 0 && n <= TLS_REC_MAX;
}

/* ---- a bounded string builder for the fingerprint strings --------------- */

struct sbuf {
	char *p;
	size_t len, cap;
	int cut;
};

static void sb_put(struct sbuf *b, const char *z, size_t n)
{
	if (b->cut)
		return;
	if (n >= b->cap - b->len) {
		b->cut = 1;
		return;
	}
	memcpy(b->p + b->len, z, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void sb_str(struct sbuf *b, const char *z)
{
	sb_put(b, z, strlen(z));
}

/* v in decimal, or as 4 lowercase hex digits when hex4 */
static void sb_num(struct sbuf *b, unsigned v, int hex4)
{
	char tmp[16];
	int k = hex4 ? snprintf(tmp, sizeof tmp, "%04x", v) : snprintf(tmp, sizeof tmp, "%u", v);

	if (k > 0)
		sb_put(b, tmp, (size_t)k);
}

static void sb_list(struct sbuf *b, const uint16_t *v, int n, int hex4, const char *sep)
{
	int k;

	for (k = 0; k < n; k++) {
		if (k)
			sb_str(b, sep);
		sb_num(b, v[k], hex4);
	}
}

static void md5_hex(const char *s, size_t n, char out[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned len = 0;

	out[0] = 0;
	if (EVP_Digest(s, n, md, &len, EVP_md5(), NULL) == 1 && len == 16)
		x509_hex(md, 16, out);
}

static void sha256_12(const char *s, size_t n, char out[13])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	char full[65];
	unsigned len = 0;

	memcpy(out, "000000000000", 13);
	if (EVP_Digest(s, n, md, &len, EVP_sha256(), NULL) == 1 && len == 32) {
		x509_hex(md, 32, full);
		memcpy(out, full, 12);
		out[12] = 0;
	}
}

static int cmp_u16(const void *a, const void *b)
{
	uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;

	return x < y ? -1 : x > y;
}

/* ---- ClientHello ------------------------------------------------------- */

struct hello {
	uint16_t legacy;
	uint16_t ciphers[TLS_CIPHERS_MAX]; int n_ciphers, ciphers_total;
	uint16_t exts[TLS_EXTS_MAX]; int n_exts, exts_total;
	uint16_t groups[TLS_LIST_MAX]; int n_groups;
	uint16_t pf[TLS_LIST_MAX]; int n_pf;
	uint16_t sigalgs[TLS_LIST_MAX]; int n_sigalgs;
	uint16_t versions[TLS_LIST_MAX]; int n_versions, has_versions;
	char sni[256];
	int has_sni;
	char alpn[128];
	uint8_t alpn1[256]; size_t alpn1_len; int has_alpn;
};

static void copy_name(char *dst, size_t cap, const uint8_t *p, size_t n)
{
	size_t k, o = 0;

	for (k = 0; k < n && o + 1 < cap; k++)
		if (p[k])
			dst[o++] = (char)p[k];
	dst[o] = 0;
}

static int rd_u16_list(struct cursor *c, size_t lenbytes, uint16_t *out, int *n, int max)
{
	uint16_t l16 = 0, v;
	uint8_t l8 = 0;
	size_t len;
	struct cursor sub;
	const uint8_t *p;

	if (lenbytes == 1) {
		if (rd_u8(c, &l8) < 0)
			return -1;
		len = l8;
	} else {
		if (rd_be16(c, &l16) < 0)
			return -1;
		len = l16;
	}
	if (rd_bytes(c, len, &p) < 0)
		return -1;
	sub = cursor_make(p, len);
	while (rd_be16(&sub, &v) == 0)
		if (*n < max)
			out[(*n)++] = v;
	return 0;
}

static int parse_ext_client(struct hello *h, uint16_t type, const uint8_t *p, size_t n)
{
	struct cursor c = cursor_make(p, n), sub;
	uint16_t l16;
	uint8_t l8, u8;
	const uint8_t *q;

	switch (type) {
	case 0: /* server_name: list<2> { type<1> name<2> } */
		h->has_sni = 1;
		if (rd_be16(&c, &l16) < 0 || rd_bytes(&c, l16, &q) < 0)
			return -1;
		sub = cursor_make(q, l16);
		while (rd_u8(&sub, &u8) == 0) {
			if (rd_be16(&sub, &l16) < 0 || rd_bytes(&sub, l16, &q) < 0)
				return -1;
			if (u8 == 0 && !h->sni[0])
				copy_name(h->sni, sizeof h->sni, q, l16);
		}
		break;
	case 16: /* ALPN: list<2> { proto<1> } */
		if (rd_be16(&c, &l16) < 0 || rd_bytes(&c, l16, &q) < 0)
			return -1;
		sub = cursor_make(q, l16);
		while (rd_u8(&sub, &l8) == 0) {
			size_t o = strlen(h->alpn);
			if (rd_bytes(&sub, l8, &q) < 0)
				return -1;
			if (!h->has_alpn) {
				h->has_alpn = 1;
				memcpy(h->alpn1, q, l8);
				h->alpn1_len = l8;
			}
			if (o && o + 1 < sizeof h->alpn)
				h->alpn[o++] = ',';
			copy_name(h->alpn + o, sizeof h->alpn - o, q, l8);
		}
		break;
	case 10:
		return rd_u16_list(&c, 2, h->groups, &h->n_groups, TLS_LIST_MAX);
	case 11: /* ec_point_formats: list<1> of u8 */
		if (rd_u8(&c, &l8) < 0 || rd_bytes(&c, l8, &q) < 0)
			return -1;
		for (; l8 && h->n_pf < TLS_LIST_MAX; l8--, q++)
			h->pf[h->n_pf++] = *q;
		break;
	case 13:
		return rd_u16_list(&c, 2, h->sigalgs, &h->n_sigalgs, TLS_LIST_MAX);
	case 43:
		h->has_versions = 1;
		return rd_u16_list(&c, 1, h->versions, &h->n_versions, TLS_LIST_MAX);
	}
	return 0;
}

static int parse_client_hello(const uint8_t *body, size_t n, struct hello *h)
{
	struct cursor c = cursor_make(body, n), sub;
	uint16_t l16, v, type;
	uint8_t l8;
	const uint8_t *q;

	memset(h, 0, sizeof *h);
	if (rd_be16(&c, &h->legacy) < 0 || rd_skip(&c, 32) < 0 || rd_u8(&c, &l8) < 0 ||
	    rd_skip(&c, l8) < 0 || rd_be16(&c, &l16) < 0 || rd_bytes(&c, l16, &q) < 0)
		return -1;
	sub = cursor_make(q, l16);
	while (rd_be16(&sub, &v) == 0) {
		h->ciphers_total++;
		if (h->n_ciphers < TLS_CIPHERS_MAX)
			h->ciphers[h->n_ciphers++] = v;
	}
	if (rd_u8(&c, &l8) < 0 || rd_skip(&c, l8) < 0)
		return -1;
	if (cursor_left(&c) == 0)
		return 0; /* no extensions (TLS <= 1.2 allows it) */
	if (rd_be16(&c, &l16) < 0 || rd_bytes(&c, l16, &q) < 0)
		return -1;
	sub = cursor_make(q, l16);
	while (cursor_left(&sub)) {
		if (rd_be16(&sub, &type) < 0 || rd_be16(&sub, &l16) < 0 || rd_bytes(&sub, l16, &q) < 0)
			return -1;
		h->exts_total++;
		if (h->n_exts < TLS_EXTS_MAX)
			h->exts[h->n_exts++] = type;
		if (parse_ext_client(h, type, q, l16) < 0)
			return -1;
	}
	return 0;
}

static int strip_grease(const uint16_t *in, int n, uint16_t *out)
{
	int k, o = 0;

	for (k = 0; k < n; k++)
		if (!is_grease(in[k]))
			out[o++] = in[k];
	return o;
}

static const char *ja4_version(uint16_t v)
{
	switch (v) {
	case 0x0304: return "13";
	case 0x0303: return "12";
	case 0x0302: return "11";
	case 0x0301: return "10";
	case 0x0300: return "s3";
	case 0x0002: return "s2";
	}
	return "00";
}

static int is_alnum(uint8_t b)
{
	return (b >= '0' && b <= '9') || (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z');
}

static uint16_t hello_max_version(const struct hello *h)
{
	uint16_t best = 0;
	int k;

	for (k = 0; k < h->n_versions; k++)
		if (!is_grease(h->versions[k]) && h->versions[k] > best)
			best = h->versions[k];
	return h->has_versions && best ? best : h->legacy;
}

/* JA3 (salesforce/ja3) and JA4 (FoxIO JA4.md) of a parsed hello. */
static int fingerprints(const struct hello *h, char ja3[33], char ja4[40])
{
	static const char hx[] = "0123456789abcdef";
	uint16_t *tmp = malloc(sizeof(uint16_t) * (TLS_CIPHERS_MAX + TLS_EXTS_MAX));
	struct sbuf b = { malloc(TLS_FP_STR_MAX), 0, TLS_FP_STR_MAX, 0 };
	char alpn[3] = "00", hb[13], hc[13];
	int nc, ne, k, o;

	if (!tmp || !b.p) {
		free(tmp);
		free(b.p);
		return -1;
	}
	b.p[0] = 0;
	/* JA3: SSLVersion,Ciphers,Extensions,EllipticCurves,ECPointFormats */
	sb_num(&b, h->legacy, 0);
	sb_str(&b, ",");
	nc = strip_grease(h->ciphers, h->n_ciphers, tmp);
	sb_list(&b, tmp, nc, 0, "-");
	sb_str(&b, ",");
	ne = strip_grease(h->exts, h->n_exts, tmp);
	sb_list(&b, tmp, ne, 0, "-");
	sb_str(&b, ",");
	k = strip_grease(h->groups, h->n_groups, tmp);
	sb_list(&b, tmp, k, 0, "-");
	sb_str(&b, ",");
	sb_list(&b, h->pf, h->n_pf, 0, "-");
	md5_hex(b.p, b.len, ja3);

	/* JA4 part b: sorted ciphers, 4-hex, comma-joined */
	b.len = 0;
	b.p[0] = 0;
	b.cut = 0;
	nc = strip_grease(h->ciphers, h->n_ciphers, tmp);
	qsort(tmp, (size_t)nc, sizeof *tmp, cmp_u16);
	sb_list(&b, tmp, nc, 1, ",");
	if (nc)
		sha256_12(b.p, b.len, hb);
	else
		memcpy(hb, "000000000000", 13);
	/* part c: sorted extensions without SNI (0) and ALPN (16), then _sigalgs in wire order */
	ne = strip_grease(h->exts, h->n_exts, tmp);
	b.len = 0;
	b.p[0] = 0;
	b.cut = 0;
	for (k = 0, o = 0; k < ne; k++)
		if (tmp[k] != 0x0000 && tmp[k] != 0x0010)
			tmp[o++] = tmp[k];
	qsort(tmp, (size_t)o, sizeof *tmp, cmp_u16);
	sb_list(&b, tmp, o, 1, ",");
	if (h->n_sigalgs) {
		sb_str(&b, "_");
		sb_list(&b, h->sigalgs, h->n_sigalgs, 1, ",");
	}
	if (ne)
		sha256_12(b.p, b.len, hc);
	else
		memcpy(hc, "000000000000", 13);
	/* part a */
	if (h->has_alpn && h->alpn1_len) {
		uint8_t f = h->alpn1[0], l = h->alpn1[h->alpn1_len - 1];
		if (is_alnum(f) && is_alnum(l)) {
			alpn[0] = (char)f;
			alpn[1] = (char)l;
		} else {
			alpn[0] = hx[f >> 4];
			alpn[1] = hx[l & 15];
		}
	}
	snprintf(ja4, 40, "t%s%c%02d%02d%s_%s_%s", ja4_version(hello_max_version(h)),
		 h->has_sni ? 'd' : 'i', nc > 99 ? 99 : nc, ne > 99 ? 99 : ne, alpn, hb, hc);
	free(tmp);
	free(b.p);
	return 0;
}

int tls_fingerprint_client_hello(const uint8_t *body, size_t n, char ja3[33], char ja4[40])
{
	struct hello *h = malloc(sizeof *h);
	int rc = -1;

	if (!h)
		return -1;
	if (parse_client_hello(body, n, h) == 0)
		rc = fingerprints(h, ja3, ja4);
	free(h);
	return rc;
}

static void versions_text(const struct hello *h, char *out, size_t cap)
{
	size_t o = 0;
	int k;

	out[0] = 0;
	for (k = 0; k < h->n_versions; k++) {
		const char *nm = tls_version_name(h->versions[k]);
		int w;
		if (!nm)
			continue;
		w = snprintf(out + o, cap - o, "%s%s", o ? "," : "", nm);
		if (w < 0 || (size_t)w >= cap - o)
			break;
		o += (size_t)w;
	}
}

static int on_client_hello(struct tls_session *t, const uint8_t *body, size_t n)
{
	struct tls_info *i = &t->i;
	struct hello *h;

	if (i->client_hello)
		return 0; /* the second one (after an HRR) repeats the first's fingerprint */
	if (!(h = malloc(sizeof *h)))
		return -1;
	if (parse_client_hello(body, n, h) < 0) {
		anomaly(t, ANOM_TLS_BAD_HELLO, "ClientHello");
		free(h);
		return 0;
	}
	i->client_hello = 1;
	i->hello_ts = t->ts;
	i->client_legacy_version = h->legacy;
	i->client_max_version = hello_max_version(h);
	versions_text(h, i->client_versions, sizeof i->client_versions);
	memcpy(i->sni, h->sni, sizeof i->sni);
	memcpy(i->alpn, h->alpn, sizeof i->alpn);
	i->n_ciphers = h->ciphers_total;
	i->n_exts = h->exts_total;
	if (fingerprints(h, i->ja3, i->ja4) < 0) {
		free(h);
		return -1;
	}
	free(h);
	return 0;
}

/* ---- ServerHello ------------------------------------------------------- */

/* RFC 8446 4.1.3: SHA-256("HelloRetryRequest") */
static const uint8_t hrr_random[32] = {
	0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
	0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
};

static int on_server_hello(struct tls_session *t, const uint8_t *body, size_t n)
{
	struct tls_info *i = &t->i;
	struct cursor c = cursor_make(body, n), sub;
	uint16_t legacy, cipher, type, l16, sel = 0;
	uint16_t exts[TLS_EXTS_MAX];
	int n_exts = 0, hrr;
	const uint8_t *random, *q;
	uint8_t l8, comp;
	char s[16 + 8 * TLS_EXTS_MAX];
	struct sbuf b = { s, 0, sizeof s, 0 };

	if (rd_be16(&c, &legacy) < 0 || rd_bytes(&c, 32, &random) < 0 || rd_u8(&c, &l8) < 0 ||
	    rd_skip(&c, l8) < 0 || rd_be16(&c, &cipher) < 0 || rd_u8(&c, &comp) < 0)
		goto bad;
	if (cursor_left(&c)) {
		if (rd_be16(&c, &l16) < 0 || rd_bytes(&c, l16, &q) < 0)
			goto bad;
		sub = cursor_make(q, l16);
		while (cursor_left(&sub)) {
			struct cursor e;
			if (rd_be16(&sub, &type) < 0 || rd_be16(&sub, &l16) < 0 ||
			    rd_bytes(&sub, l16, &q) < 0)
				goto bad;
			if (n_exts < TLS_EXTS_MAX)
				exts[n_exts++] = type;
			e = cursor_make(q, l16);
			if (type == 43 && rd_be16(&e, &sel) < 0)
				goto bad;
		}
	}
	hrr = memcmp(random, hrr_random, 32) == 0;
	if (hrr) {
		i->hrr = 1;
		anomaly(t, ANOM_TLS_HRR, NULL);
	}
	i->server_hello = 1;
	i->version = sel ? sel : legacy;
	i->cipher = cipher;
	if (i->version <= 0x0303 && (memcmp(random + 24, "DOWNGRD\x01", 8) == 0 ||
				     memcmp(random + 24, "DOWNGRD\x00", 8) == 0)) {
		i->downgrade = 1;
		anomaly(t, ANOM_TLS_DOWNGRADE, tls_version_name(i->version));
	}
	if (i->version == 0x0304)
		i->cert_state = TLS_CERT_HIDDEN;
	s[0] = 0;
	sb_num(&b, legacy, 0);
	sb_str(&b, ",");
	sb_num(&b, cipher, 0);
	sb_str(&b, ",");
	sb_list(&b, exts, n_exts, 0, "-");
	md5_hex(b.p, b.len, i->ja3s);
	return 0;
bad:
	anomaly(t, ANOM_TLS_BAD_HELLO, "ServerHello");
	return 0;
}

/* ---- Certificate (TLS <= 1.2, RFC 5246 7.4.2) ---------------------------- */

static int on_certificate(struct tls_session *t, const uint8_t *body, size_t n)
{
	struct tls_info *i = &t->i;
	struct cursor c = cursor_make(body, n), list;
	uint32_t len;
	const uint8_t *q;

	if (i->version == 0x0304 || i->cert_state == TLS_CERT_SENT)
		return 0;
	if (rd_skip(&c, 0) < 0 || cursor_left(&c) < 3)
		return 0;
	len = (uint32_t)c.p[0] << 16 | (uint32_t)c.p[1] << 8 | c.p[2];
	c.p += 3;
	if (rd_bytes(&c, len, &q) < 0) {
		anomaly(t, ANOM_TLS_BAD_HELLO, "Certificate list length");
		return 0;
	}
	list = cursor_make(q, len);
	i->cert_state = TLS_CERT_SENT;
	while (cursor_left(&list) >= 3) {
		uint32_t cl = (uint32_t)list.p[0] << 16 | (uint32_t)list.p[1] << 8 | list.p[2];
		list.p += 3;
		if (rd_bytes(&list, cl, &q) < 0) {
			anomaly(t, ANOM_TLS_BAD_HELLO, "Certificate entry length");
			break;
		}
		i->certs_total++;
		if (i->n_certs >= TLS_CERTS_MAX)
			continue;
		if (!i->certs && !(i->certs = calloc(TLS_CERTS_MAX, sizeof *i->certs)))
			return -1;
		if (x509_summarise(q, cl, &i->certs[i->n_certs]) < 0)
			anomaly(t, ANOM_TLS_CERT_UNPARSABLE, i->certs[i->n_certs].error);
		i->n_certs++;
	}
	return 0;
}

/* ---- handshake reassembly ---------------------------------------------- */

static int hs_message(struct tls_session *t, int dir, uint8_t type, const uint8_t *body, size_t n)
{
	if (type == 1 && dir == TLS_C2S)
		return on_client_hello(t, body, n);
	if (type == 2 && dir == TLS_S2C)
		return on_server_hello(t, body, n);
	if (type == 11 && dir == TLS_S2C)
		return on_certificate(t, body, n);
	return 0;
}

static int hs_feed(struct tls_session *t, int dir, const uint8_t *p, size_t n)
{
	struct tls_dstate *d = &t->d[dir];
	uint32_t off = 0, mlen;

	if (d->hs_dead)
		return 0;
	if ((size_t)d->hs_len + n > TLS_HS_MAX + 4) {
		anomaly(t, ANOM_TLS_HS_TOO_LONG, dir == TLS_C2S ? "client" : "server");
		d->hs_dead = 1;
		free(d->hs);
		d->hs = NULL;
		d->hs_len = d->hs_cap = 0;
		return 0;
	}
	if (d->hs_len + n > d->hs_cap) {
		uint32_t cap = (uint32_t)(d->hs_len + n);
		uint8_t *nb = realloc(d->hs, cap);
		if (!nb)
			return -1;
		d->hs = nb;
		d->hs_cap = cap;
	}
	memcpy(d->hs + d->hs_len, p, n);
	d->hs_len += (uint32_t)n;
	while (d->hs_len - off >= 4) {
		const uint8_t *m = d->hs + off;
		mlen = (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
		if (mlen > TLS_HS_MAX) {
			anomaly(t, ANOM_TLS_HS_TOO_LONG, dir == TLS_C2S ? "client" : "server");
			d->hs_dead = 1;
			d->hs_len = 0;
			return 0;
		}
		if (d->hs_len - off < 4 + mlen)
			break;
		if (hs_message(t, dir, m[0], m + 4, mlen) < 0)
			return -1;
		off += 4 + mlen;
	}
	if (off) {
		memmove(d->hs, d->hs + off, d->hs_len - off);
		d->hs_len -= off;
	}
	return 0;
}

/* ---- records ----------------------------------------------------------- */

static int rec_encrypted_hs(const struct tls_session *t, int dir)
{
	return t->i.ccs[dir] && t->i.version != 0x0304;
}

static int add_app_rec(struct tls_session *t, int dir, uint8_t type, uint32_t len)
{
	struct tls_info *i = &t->i;

	i->recs_total++;
	if (!i->done_ts)
		i->done_ts = t->ts;
	if (i->n_recs >= TLS_APP_RECS_MAX) {
		if (!t->recs_capped) {
			t->recs_capped = 1;
			anomaly(t, ANOM_TLS_RECORDS_CAP, NULL);
		}
		return 0;
	}
	if (i->n_recs == t->recs_cap) {
		int cap = t->recs_cap ? t->recs_cap * 2 : 16;
		struct tls_app_rec *nr;
		if (cap > TLS_APP_RECS_MAX)
			cap = TLS_APP_RECS_MAX;
		nr = realloc(i->recs, (size_t)cap * sizeof *nr);
		if (!nr)
			return -1;
		i->recs = nr;
		t->recs_cap = cap;
	}
	i->recs[i->n_recs].ts = t->ts;
	i->recs[i->n_recs].len = len;
	i->recs[i->n_recs].dir = (uint8_t)dir;
	i->recs[i->n_recs].type = type;
	i->n_recs++;
	return 0;
}

static int record_done(struct tls_session *t, int dir)
{
	struct tls_dstate *d = &t->d[dir];
	struct tls_info *i = &t->i;
	char det[80];

	i->records[dir]++;
	switch (d->type) {
	case 20: /* change_cipher_spec */
		i->ccs[dir] = 1;
		return 0;
	case 21: /* alert */
		if (d->buffered && d->rlen == 2 && !rec_encrypted_hs(t, dir)) {
			const char *nm = tls_alert_name(d->rec[1]);
			i->alerts_total++;
			if (i->n_alerts < TLS_ALERTS_MAX) {
				struct tls_alert *a = &i->alerts[i->n_alerts++];
				a->ts = t->ts;
				a->dir = (uint8_t)dir;
				a->level = d->rec[0];
				a->desc = d->rec[1];
			}
			if (nm)
				snprintf(det, sizeof det, "%s %s from %s", d->rec[0] == 2 ? "fatal" : "warning",
					 nm, dir == TLS_C2S ? "client" : "server");
			else
				snprintf(det, sizeof det, "%s %u from %s", d->rec[0] == 2 ? "fatal" : "warning",
					 d->rec[1], dir == TLS_C2S ? "client" : "server");
			if (d->rec[1] != 0) /* close_notify is no anomaly */
				anomaly(t, ANOM_TLS_ALERT, det);
			return 0;
		}
		return add_app_rec(t, dir, 21, d->rlen);
	case 22:
		if (!d->buffered)
			return add_app_rec(t, dir, 22, d->rlen);
		return hs_feed(t, dir, d->rec, d->rlen);
	case 23:
		d->app_seen = 1;
		if (t->d[!dir].app_seen && i->server_hello)
			i->established = 1;
		return add_app_rec(t, dir, 23, d->rlen);
	}
	return 0;
}

static void desync(struct tls_session *t, int dir, enum anomaly_kind k, const char *why)
{
	struct tls_dstate *d = &t->d[dir];
	char det[64];

	if (t->i.desync[dir])
		return;
	t->i.desync[dir] = 1;
	snprintf(det, sizeof det, "%s: %s", dir == TLS_C2S ? "client" : "server", why);
	anomaly(t, k, det);
	free(d->rec);
	free(d->hs);
	d->rec = d->hs = NULL;
	d->rec_cap = d->hs_cap = d->hs_len = 0;
}

static int header_done(struct tls_session *t, int dir)
{
	struct tls_dstate *d = &t->d[dir];
	const uint8_t *h = d->hdr;

	if (h[0] & 0x80 && t->i.records[dir] == 0 && dir == TLS_C2S) {
		t->i.sslv2_hello = 1;
		anomaly(t, ANOM_TLS_SSLV2_HELLO, NULL);
		desync(t, dir, ANOM_TLS_BAD_RECORD, "SSLv2 record layer not parsed");
		return 0;
	}
	d->type = h[0];
	d->rlen = (uint32_t)(h[3] << 8 | h[4]);
	d->rgot = 0;
	if (d->type < 20 || d->type > 24 || h[1] != 3 || h[2] > 4 || d->rlen > TLS_REC_MAX ||
	    (d->rlen == 0 && d->type != 23)) {
		desync(t, dir, ANOM_TLS_BAD_RECORD, "bad record header");
		return 0;
	}
	d->buffered = d->type == 20 || d->type == 21 || (d->type == 22 && !rec_encrypted_hs(t, dir));
	if (d->buffered && d->rlen > d->rec_cap) {
		uint8_t *nb = realloc(d->rec, d->rlen);
		if (!nb)
			return -1;
		d->rec = nb;
		d->rec_cap = d->rlen;
	}
	if (d->rlen == 0) {
		d->hdr_len = 0;
		return record_done(t, dir);
	}
	return 0;
}

struct tls_session *tls_new(tls_anomaly_fn anom, void *ctx)
{
	struct tls_session *t = calloc(1, sizeof *t);

	if (!t)
		return NULL;
	t->anom = anom;
	t->ctx = ctx;
	return t;
}

int tls_feed(struct tls_session *t, enum tls_dir dir, const uint8_t *p, size_t n, uint64_t ts)
{
	struct tls_dstate *d;

	if (!t || t->dead)
		return -1;
	if (dir != TLS_C2S && dir != TLS_S2C)
		return 0;
	d = &t->d[dir];
	t->ts = ts;
	if (t->span[dir] && n) /* record boundaries lost: the chunk's length is what is known */
		return add_app_rec(t, (int)dir, TLS_REC_SPAN, (uint32_t)(n > UINT32_MAX ? UINT32_MAX : n)) < 0
			       ? (t->dead = 1, -1) : 0;
	while (n && !t->i.desync[dir]) {
		if (d->hdr_len < 5) {
			size_t take = 5u - d->hdr_len;
			if (take > n)
				take = n;
			memcpy(d->hdr + d->hdr_len, p, take);
			d->hdr_len = (uint8_t)(d->hdr_len + take);
			p += take;
			n -= take;
			if (d->hdr_len == 5 && header_done(t, (int)dir) < 0)
				goto oom;
			continue;
		}
		{
			size_t take = d->rlen - d->rgot;
			if (take > n)
				take = n;
			if (d->buffered)
				memcpy(d->rec + d->rgot, p, take);
			d->rgot += (uint32_t)take;
			p += take;
			n -= take;
			if (d->rgot == d->rlen) {
				d->hdr_len = 0;
				if (record_done(t, (int)dir) < 0)
					goto oom;
			}
		}
	}
	return 0;
oom:
	t->dead = 1;
	return -1;
}

int tls_gap(struct tls_session *t, enum tls_dir dir, uint64_t n, uint64_t ts)
{
	struct tls_dstate *d;

	if (!t || t->dead)
		return -1;
	if (dir != TLS_C2S && dir != TLS_S2C)
		return 0;
	d = &t->d[dir];
	t->ts = ts;
	t->i.gaps[dir] += n;
	/* a hole inside an application record that is only counted keeps the
	 * record layer in step: its length is known */
	if (!t->i.desync[dir] && d->hdr_len == 5 && !d->buffered && n <= d->rlen - d->rgot) {
		d->rgot += (uint32_t)n;
		if (d->rgot == d->rlen) {
			d->hdr_len = 0;
			if (record_done(t, (int)dir) < 0) {
				t->dead = 1;
				return -1;
			}
		}
		return 0;
	}
	if (t->span[dir] || (!t->i.desync[dir] && t->i.done_ts)) {
		/* after the handshake: the estimate goes on from byte spans */
		uint32_t got = d->hdr_len == 5 && !d->buffered ? d->rgot : 0;
		if (!t->span[dir] && got)
			if (add_app_rec(t, (int)dir, TLS_REC_SPAN, got) < 0)
				goto oom;
		desync(t, (int)dir, ANOM_TLS_GAP, "bytes missing");
		t->span[dir] = 1;
		if (add_app_rec(t, (int)dir, TLS_REC_SPAN, (uint32_t)(n > UINT32_MAX ? UINT32_MAX : n)) < 0)
			goto oom;
		return 0;
	}
	desync(t, (int)dir, ANOM_TLS_GAP, "bytes missing");
	return 0;
oom:
	t->dead = 1;
	return -1;
}

void tls_set_auth_hint(struct tls_session *t, int on)
{
	if (t)
		t->i.auth_hint = !!on;
}

const struct tls_info *tls_info(const struct tls_session *t)
{
	return t ? &t->i : NULL;
}

void tls_free(struct tls_session *t)
{
	if (!t)
		return;
	free(t->d[0].rec);
	free(t->d[1].rec);
	free(t->d[0].hs);
	free(t->d[1].hs);
	free(t->i.certs);
	free(t->i.recs);
	free(t);
}
