/* \summary: TLS record layer and handshake push parser (RFC 5246 TLS 1.2,
 * RFC 8446 TLS 1.3, RFC 6066 SNI, RFC 7301 ALPN, RFC 8701 GREASE), both
 * directions of one connection, with JA3/JA3S (salesforce/ja3) and JA4
 * (FoxIO technical_details/JA4.md) fingerprints of the hellos.
 *
 * It never sees pcap, TCP or SMTP: the SMTP dissector hands it each
 * direction's bytes from the exact offset where TLS starts (after the 220 to
 * STARTTLS or X-ANONYMOUSTLS, or from the first byte on port 465) through
 * tls_feed(), in capture time order, and missing bytes through tls_gap().
 * The result does not depend on how the bytes were split.
 *
 * Bounded: a record longer than TLS_REC_MAX desyncs the direction (anomaly,
 * no more parsing there); a handshake message longer than TLS_HS_MAX is
 * skipped; at most TLS_CERTS_MAX certificates are summarised (x509.c);
 * application-data records are never buffered, only their lengths and
 * times remembered (at most TLS_APP_RECS_MAX) for tls_estimate.c.
 *
 * Returns: tls_new() NULL on out-of-memory; tls_feed()/tls_gap() 0, or -1
 * on out-of-memory (the session is then dead and stays dead).  Protocol
 * violations are anomalies handed to the callback, never errors. */
#ifndef SMTPSCOPE_TLS_H
#define SMTPSCOPE_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer/base/anomaly.h"
#include "analyzer/base/limits.h"
#include "dissectors/x509.h"

enum tls_dir { TLS_C2S = 0, TLS_S2C = 1 };

/* What the parser knows of the server's certificate. */
enum tls_cert_state {
	TLS_CERT_NONE,     /* no Certificate message seen (resumption, PSK, cut short) */
	TLS_CERT_SENT,     /* TLS <= 1.2: seen in the clear and summarised in certs[] */
	TLS_CERT_HIDDEN,   /* TLS 1.3: sent encrypted; not visible on the wire */
};

struct tls_alert {
	uint64_t ts;
	uint8_t dir;           /* enum tls_dir of the sender */
	uint8_t level;         /* 1 warning, 2 fatal */
	uint8_t desc;          /* RFC 8446 6: 40 handshake_failure, 48 unknown_ca, ... */
};

/* One encrypted record after the hellos (type 23, or a type 22 after CCS in
 * TLS <= 1.2), in the order the parser completed them. */
struct tls_app_rec {
	uint64_t ts;
	uint32_t len;          /* record length field (ciphertext bytes) */
	uint8_t dir;           /* enum tls_dir */
	uint8_t type;          /* content type on the wire (23, or 22/21 when <= 1.2), or
	                          TLS_REC_SPAN: bytes after a gap, record boundaries unknown */
};
#define TLS_REC_SPAN 0xff

struct tls_info {
	/* ClientHello */
	int client_hello;           /* 1 when parsed */
	uint16_t client_legacy_version;
	uint16_t client_max_version;   /* highest non-GREASE supported_versions entry, else legacy */
	char client_versions[64];   /* supported_versions as names, "TLSv1.3,TLSv1.2", or "" */
	char sni[256];              /* host_name of server_name, or "" */
	char alpn[128];             /* ALPN protocols joined with ',', cut, or "" */
	int n_ciphers;              /* cipher suites offered, GREASE included */
	int n_exts;                 /* extensions sent, GREASE included */
	char ja3[33];               /* MD5 hex of the JA3 string */
	char ja4[40];               /* t13d1516h2_8daaf6152771_e5627efa2ab1 */
	int sslv2_hello;
	/* ServerHello */
	int server_hello;
	uint16_t version;           /* negotiated: supported_versions (1.3) or legacy_version */
	uint16_t cipher;            /* chosen suite */
	char ja3s[33];
	int hrr;                    /* a HelloRetryRequest was seen */
	int downgrade;              /* DOWNGRD sentinel in the server random */
	/* Certificate */
	enum tls_cert_state cert_state;
	struct x509_info *certs;    /* owned array of n_certs (leaf first), or NULL */
	int n_certs;                /* summarised (at most TLS_CERTS_MAX) */
	int certs_total;            /* in the message */
	/* alerts and progress */
	struct tls_alert alerts[TLS_ALERTS_MAX];
	int n_alerts, alerts_total;
	int ccs[2];                 /* ChangeCipherSpec seen per direction */
	int established;            /* encrypted application records seen from both sides */
	uint64_t records[2];        /* records parsed per direction */
	uint64_t gaps[2];           /* tls_gap() bytes per direction */
	int desync[2];              /* direction no longer parsed (bad header or gap) */
	uint64_t hello_ts, done_ts; /* ClientHello time; first encrypted record after the hellos */
	/* encrypted records for the estimate */
	struct tls_app_rec *recs;   /* owned, n_recs long */
	int n_recs;
	uint64_t recs_total;
	int auth_hint;              /* set by the caller: a Kerberos token may follow EHLO (tls_estimate.h) */
};

typedef void (*tls_anomaly_fn)(void *ctx, enum anomaly_kind kind, const char *detail);

struct tls_session;

/* anom (may be NULL) receives each anomaly during the call that found it. */
struct tls_session *tls_new(tls_anomaly_fn anom, void *ctx);
int tls_feed(struct tls_session *t, enum tls_dir dir, const uint8_t *p, size_t n, uint64_t ts);
int tls_gap(struct tls_session *t, enum tls_dir dir, uint64_t n, uint64_t ts);
const struct tls_info *tls_info(const struct tls_session *t);
/* Tells the estimate that a big Kerberos authentication turn may follow EHLO. */
void tls_set_auth_hint(struct tls_session *t, int on);
void tls_free(struct tls_session *t);                    /* NULL is a no-op */

/* First-byte test: could b start a TLS record (types 20..24) or an SSLv2
 * hello (high bit)?  1 yes, 0 no (printable text, NUL, ...). */
int tls_probe_byte(uint8_t b);
/* Does p[0..n) begin with a plausible TLS handshake record header (22, 3.x,
 * sane length)?  Used before a session exists (port 465). 1/0. */
int tls_probe(const uint8_t *p, size_t n);

/* "TLSv1.2", "TLSv1.3", "SSLv3", or NULL for anything else. */
const char *tls_version_name(uint16_t v);
/* IANA name of a cipher suite ("TLS_AES_256_GCM_SHA384"), or NULL when not in our table. */
const char *tls_cipher_name(uint16_t suite);
/* "handshake_failure", "unknown_ca", ... or NULL. */
const char *tls_alert_name(uint8_t desc);

/* The JA3/JA4 recipe on a parsed ClientHello body, exposed for the unit
 * test against the published examples: body is the handshake message body
 * (after the 4-byte header).  0, or -1 when it does not parse. */
int tls_fingerprint_client_hello(const uint8_t *body, size_t n, char ja3[33], char ja4[40]);

#endif
