/* \summary: X.509 certificate summary (RFC 5280) through OpenSSL's libcrypto.
 *
 * We never parse ASN.1 ourselves: d2i_X509() does, and this file only copies
 * the fields smtpscope stores into bounded, NUL-terminated buffers.  Every
 * string may hold any byte but NUL that came off the wire (a SAN is an
 * IA5String and may carry control bytes): escape it on output. */
#ifndef SMTPSCOPE_X509_H
#define SMTPSCOPE_X509_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "analyzer/base/limits.h"

enum x509_san_kind { X509_SAN_DNS, X509_SAN_IP, X509_SAN_EMAIL, X509_SAN_URI };

struct x509_san {
	enum x509_san_kind kind;
	char name[X509_NAME_MAX];   /* cut at X509_NAME_MAX - 1 bytes */
};

struct x509_info {
	int ok;                      /* 1 when d2i_X509 parsed it; else only sha256/der_len are set */
	char sha256[65];             /* lowercase hex of SHA-256 over the DER (always set) */
	size_t der_len;
	char subject[X509_DN_MAX];   /* RFC 2253 form, UTF-8 kept ("O=x,CN=y") */
	char issuer[X509_DN_MAX];
	char subject_cn[X509_NAME_MAX]; /* the last commonName of the subject, or "" */
	char serial[X509_SERIAL_MAX];   /* BN_bn2hex: uppercase hex, "-" when negative */
	int64_t not_before, not_after;  /* seconds since the epoch (UTC); 0 when unreadable */
	char key_type[16];           /* "RSA", "EC", "ED25519", ... */
	int key_bits;
	char key_curve[32];          /* EC group name ("prime256v1"), or "" */
	char sig_alg[64];            /* "sha256WithRSAEncryption" */
	int self_signed;             /* X509_self_signed(x, 1): names match and the signature verifies */
	int is_ca;                   /* basicConstraints CA:TRUE */
	int san_duplicate;           /* two subjectAltName extensions (an anomaly) */
	struct x509_san sans[X509_SANS_MAX];
	int n_sans;                  /* stored */
	int sans_total;              /* in the certificate */
	char error[96];              /* why d2i_X509 failed, or "" */
};

/* Lowercase hex of p[0..n) into out (2n + 1 bytes). */
void x509_hex(const unsigned char *p, unsigned n, char *out);

/* Summarises the DER certificate der[0..len) into *out (zeroed first).
 * Returns 0 when parsed, -1 when OpenSSL refused it (out->error says why;
 * out->sha256 is still set). */
int x509_summarise(const uint8_t *der, size_t len, struct x509_info *out);

/* Does the certificate name host (a DNS name, compared case-insensitively,
 * with one left-most "*." wildcard label as RFC 6125 6.4.3 allows)?  Only
 * DNS SANs count when there are any; otherwise the subject CN. 1 yes, 0 no. */
int x509_covers(const struct x509_info *c, const char *host);

#endif
