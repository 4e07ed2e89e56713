/* \summary: X.509 certificate summary with OpenSSL 3 libcrypto (RFC 5280).
 * The contract is dissectors/x509.h.  Calls as checked in
 * shared/notes/tls-after-starttls.md section 3.2: d2i_X509, X509_NAME_print_ex
 * with XN_FLAG_RFC2253 minus ESC_MSB, ASN1_TIME_to_tm + timegm, EVP_PKEY_*,
 * X509_get_ext_d2i(NID_subject_alt_name), X509_self_signed(x, 1). */
#include "dissectors/x509.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* Copies n bytes into dst[cap], dropping NUL bytes, always NUL-terminated. */
static void copy_cut(char *dst, size_t cap, const unsigned char *p, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 1 < cap; i++)
		if (p[i])
			dst[o++] = (char)p[i];
	dst[o] = 0;
}

static void name_text(const X509_NAME *nm, char *dst, size_t cap)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data;
	long n;

	dst[0] = 0;
	if (!bio)
		return;
	if (X509_NAME_print_ex(bio, nm, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		n = BIO_get_mem_data(bio, &data);
		if (n > 0)
			copy_cut(dst, cap, (const unsigned char *)data, (size_t)n);
	}
	BIO_free(bio);
}

static int64_t asn1_time(const ASN1_TIME *t)
{
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return (int64_t)timegm(&tm);
}

void x509_hex(const unsigned char *md, unsigned n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	unsigned i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hx[md[i] >> 4];
		out[2 * i + 1] = hx[md[i] & 15];
	}
	out[2 * n] = 0;
}

static void put_san(struct x509_info *o, enum x509_san_kind k, const unsigned char *p, size_t n)
{
	o->sans_total++;
	if (o->n_sans >= X509_SANS_MAX)
		return;
	o->sans[o->n_sans].kind = k;
	copy_cut(o->sans[o->n_sans].name, sizeof o->sans[0].name, p, n);
	o->n_sans++;
}

static void read_sans(X509 *x, struct x509_info *o)
{
	int crit = -1, i;
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, &crit, NULL);

	if (!gens) {
		if (crit == -2)
			o->san_duplicate = 1;
		return;
	}
	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const ASN1_STRING *s;
		char ip[INET6_ADDRSTRLEN];

		switch (g->type) {
		case GEN_DNS:
			s = g->d.dNSName;
			put_san(o, X509_SAN_DNS, ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));
			break;
		case GEN_EMAIL:
			s = g->d.rfc822Name;
			put_san(o, X509_SAN_EMAIL, ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));
			break;
		case GEN_URI:
			s = g->d.uniformResourceIdentifier;
			put_san(o, X509_SAN_URI, ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));
			break;
		case GEN_IPADD:
			s = g->d.iPAddress;
			if (ASN1_STRING_length(s) == 4 &&
			    inet_ntop(AF_INET, ASN1_STRING_get0_data(s), ip, sizeof ip))
				put_san(o, X509_SAN_IP, (const unsigned char *)ip, strlen(ip));
			else if (ASN1_STRING_length(s) == 16 &&
				 inet_ntop(AF_INET6, ASN1_STRING_get0_data(s), ip, sizeof ip))
				put_san(o, X509_SAN_IP, (const unsigned char *)ip, strlen(ip));
			break;
		default:
			break;
		}
	}
	GENERAL_NAMES_free(gens);
}

static void read_cn(X509 *x, struct x509_info *o)
{
	const X509_NAME *nm = X509_get_subject_name(x);
	int i = -1, last = -1;

	while ((i = X509_NAME_get_index_by_NID(nm, NID_commonName, i)) >= 0)
		last = i;
	if (last >= 0) {
		const ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(nm, last));
		unsigned char *utf8 = NULL;
		int n = ASN1_STRING_to_UTF8(&utf8, s);
		if (n > 0)
			copy_cut(o->subject_cn, sizeof o->subject_cn, utf8, (size_t)n);
		OPENSSL_free(utf8);
	}
}

int x509_summarise(const uint8_t *der, size_t len, struct x509_info *o)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	const unsigned char *p = der;
	X509 *x;
	EVP_PKEY *pk;
	BIGNUM *bn;
	BASIC_CONSTRAINTS *bc;

	memset(o, 0, sizeof *o);
	o->der_len = len;
	if (EVP_Digest(der, len, md, &mdlen, EVP_sha256(), NULL) == 1 && mdlen == 32)
		x509_hex(md, mdlen, o->sha256);
	if (len > (size_t)0x7fffffff)
		return -1;
	ERR_clear_error();
	x = d2i_X509(NULL, &p, (long)len);
	if (!x) {
		unsigned long e = ERR_get_error();
		snprintf(o->error, sizeof o->error, "%s", e ? ERR_reason_error_string(e) ? ERR_reason_error_string(e) : "unparsable" : "unparsable");
		ERR_clear_error();
		return -1;
	}
	o->ok = 1;
	name_text(X509_get_subject_name(x), o->subject, sizeof o->subject);
	name_text(X509_get_issuer_name(x), o->issuer, sizeof o->issuer);
	read_cn(x, o);
	if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL))) {
		char *h = BN_bn2hex(bn);
		if (h)
			copy_cut(o->serial, sizeof o->serial, (const unsigned char *)h, strlen(h));
		OPENSSL_free(h);
		BN_free(bn);
	}
	o->not_before = asn1_time(X509_get0_notBefore(x));
	o->not_after = asn1_time(X509_get0_notAfter(x));
	if ((pk = X509_get0_pubkey(x))) { /* borrowed */
		const char *tn = EVP_PKEY_get0_type_name(pk);
		size_t gl = 0;
		if (tn)
			copy_cut(o->key_type, sizeof o->key_type, (const unsigned char *)tn, strlen(tn));
		o->key_bits = EVP_PKEY_get_bits(pk);
		if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_EC &&
		    EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, o->key_curve,
						   sizeof o->key_curve, &gl) != 1)
			o->key_curve[0] = 0;
	}
	{
		const char *sn = OBJ_nid2ln(X509_get_signature_nid(x));
		if (sn)
			copy_cut(o->sig_alg, sizeof o->sig_alg, (const unsigned char *)sn, strlen(sn));
	}
	o->self_signed = X509_self_signed(x, 1) == 1;
	if ((bc = X509_get_ext_d2i(x, NID_basic_constraints, NULL, NULL))) {
		o->is_ca = bc->ca ? 1 : 0;
		BASIC_CONSTRAINTS_free(bc);
	}
	read_sans(x, o);
	X509_free(x);
	ERR_clear_error();
	return 0;
}

/* RFC 6125 6.4: pattern "*.example.com" matches exactly one left-most label. */
static int name_match(const char *pat, const char *host)
{
	size_t pl = strlen(pat), hl = strlen(host);
	const char *dot;

	if (pl && pat[pl - 1] == '.')
		pl--;
	if (hl && host[hl - 1] == '.')
		hl--;
	if (pl == 0 || hl == 0)
		return 0;
	if (pl > 2 && pat[0] == '*' && pat[1] == '.') {
		dot = memchr(host, '.', hl);
		if (!dot || dot == host)
			return 0;
		return (size_t)(host + hl - dot) == pl - 1 && strncasecmp(dot, pat + 1, pl - 1) == 0;
	}
	return pl == hl && strncasecmp(pat, host, hl) == 0;
}

int x509_covers(const struct x509_info *c, const char *host)
{
	int i, dns = 0;

	if (!c || !host || !*host)
		return 0;
	for (i = 0; i < c->n_sans; i++) {
		if (c->sans[i].kind != X509_SAN_DNS)
			continue;
		dns = 1;
		if (name_match(c->sans[i].name, host))
			return 1;
	}
	return !dns && c->subject_cn[0] && name_match(c->subject_cn, host);
}
