/* \summary: the TLS tables of one session (contract in store_tls.h, schema/008_tls.sql). */
#include "analyzer/store/store_tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "dissectors/tls.h"
#include "dissectors/tls_estimate.h"

enum { T_SESS, T_HS, T_CERT, T_CERT_ID, T_NAME, T_LINK, T_EST, T__COUNT };

static const char *const tls_sql[T__COUNT] = {
	[T_SESS] = "UPDATE sessions SET tls_mode = ?2, tls_plaintext = ?3 WHERE id = ?1",
	[T_HS] = "INSERT INTO tls_handshakes (session_id, client_hello, server_hello, client_version,"
		 " client_max_version, client_versions, sni, alpn, cipher_suites, extensions, ja3, ja4,"
		 " version, version_code, cipher, cipher_code, ja3s, hello_retry, downgrade_sentinel,"
		 " certificate, certificates_total, alert, alerts, established, records_c2s,"
		 " records_s2c, gap_bytes)"
		 " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	[T_CERT] = "INSERT INTO certificates (sha256, parsed, subject, issuer, subject_cn, serial,"
		   " not_before, not_after, key_type, key_bits, key_curve, sig_alg, self_signed, is_ca,"
		   " sans, sans_total, der_len, error, first_seen)"
		   " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (sha256) DO NOTHING",
	[T_CERT_ID] = "SELECT id FROM certificates WHERE sha256 = ?",
	[T_NAME] = "INSERT INTO certificate_names (certificate_id, kind, name) VALUES (?,?,?)",
	[T_LINK] = "INSERT OR IGNORE INTO session_certificates (session_id, seq, certificate_id) VALUES (?,?,?)",
	[T_EST] = "INSERT INTO tls_estimates (session_id, rule, verdict, messages, message_bytes,"
		  " message_sizes, quit, ended_after_ehlo, confidence, client_turns, server_turns,"
		  " record_overhead) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
};

struct store_tls {
	sqlite3 *db;              /* borrowed */
	sqlite3_stmt *q[T__COUNT];/* owned */
};

struct store_tls *store_tls_new(sqlite3 *db, char *err, size_t errlen)
{
	struct store_tls *t = calloc(1, sizeof *t);
	int i;

	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->db = db;
	for (i = 0; i < T__COUNT; i++)
		if (sqlite3_prepare_v3(db, tls_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &t->q[i], NULL) !=
		    SQLITE_OK) {
			snprintf(err, errlen, "preparing TLS statement %d: %s", i, sqlite3_errmsg(db));
			store_tls_free(t);
			return NULL;
		}
	return t;
}

void store_tls_free(struct store_tls *t)
{
	int i;

	if (!t)
		return;
	for (i = 0; i < T__COUNT; i++)
		sqlite3_finalize(t->q[i]);
	free(t);
}

/* Binding helpers: empty strings and NULL bind NULL. */
static void bt(sqlite3_stmt *s, int i, const char *z)
{
	if (z && *z)
		sqlite3_bind_text(s, i, z, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

static void bi(sqlite3_stmt *s, int i, int64_t v)
{
	sqlite3_bind_int64(s, i, v);
}

static int step(struct store_tls *t, sqlite3_stmt *s, const char *what, char *err, size_t errlen)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		snprintf(err, errlen, "%s: %s", what, sqlite3_errmsg(t->db));
		return -1;
	}
	return 0;
}

static const char *san_kind(enum x509_san_kind k)
{
	switch (k) {
	case X509_SAN_DNS: return "dns";
	case X509_SAN_IP: return "ip";
	case X509_SAN_EMAIL: return "email";
	case X509_SAN_URI: return "uri";
	}
	return "other";
}

static const char *san_prefix(enum x509_san_kind k)
{
	switch (k) {
	case X509_SAN_DNS: return "DNS:";
	case X509_SAN_IP: return "IP:";
	case X509_SAN_EMAIL: return "email:";
	case X509_SAN_URI: return "URI:";
	}
	return "";
}

static int put_cert(struct store_tls *t, int64_t sid, int seq, const struct x509_info *c,
		    uint64_t first_ts, char *err, size_t errlen)
{
	sqlite3_stmt *s = t->q[T_CERT];
	char sans[X509_SANS_MAX * (X509_NAME_MAX + 8)];
	size_t o = 0;
	int64_t cid = -1;
	int i, fresh;

	sans[0] = 0;
	for (i = 0; i < c->n_sans; i++) {
		int w = snprintf(sans + o, sizeof sans - o, "%s%s%s", o ? "," : "", san_prefix(c->sans[i].kind),
				 c->sans[i].name);
		if (w < 0 || (size_t)w >= sizeof sans - o)
			break;
		o += (size_t)w;
	}
	bt(s, 1, c->sha256);
	bi(s, 2, c->ok);
	bt(s, 3, c->subject);
	bt(s, 4, c->issuer);
	bt(s, 5, c->subject_cn);
	bt(s, 6, c->serial);
	if (c->ok) {
		bi(s, 7, c->not_before);
		bi(s, 8, c->not_after);
	}
	bt(s, 9, c->key_type);
	if (c->ok)
		bi(s, 10, c->key_bits);
	bt(s, 11, c->key_curve);
	bt(s, 12, c->sig_alg);
	bi(s, 13, c->self_signed);
	bi(s, 14, c->is_ca);
	bt(s, 15, sans);
	bi(s, 16, c->sans_total);
	bi(s, 17, (int64_t)c->der_len);
	bt(s, 18, c->error);
	sqlite3_bind_double(s, 19, (double)first_ts / 1e6);
	if (step(t, s, "certificate insert", err, errlen) < 0)
		return -1;
	fresh = sqlite3_changes(t->db) == 1;
	s = t->q[T_CERT_ID];
	bt(s, 1, c->sha256);
	if (sqlite3_step(s) == SQLITE_ROW)
		cid = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (cid < 0) {
		snprintf(err, errlen, "certificate id: %s", sqlite3_errmsg(t->db));
		return -1;
	}
	if (fresh) {
		s = t->q[T_NAME];
		if (c->subject_cn[0]) {
			bi(s, 1, cid);
			bt(s, 2, "cn");
			bt(s, 3, c->subject_cn);
			if (step(t, s, "certificate name insert", err, errlen) < 0)
				return -1;
		}
		for (i = 0; i < c->n_sans; i++) {
			if (!c->sans[i].name[0])
				continue;
			bi(s, 1, cid);
			bt(s, 2, san_kind(c->sans[i].kind));
			bt(s, 3, c->sans[i].name);
			if (step(t, s, "certificate name insert", err, errlen) < 0)
				return -1;
		}
	}
	s = t->q[T_LINK];
	bi(s, 1, sid);
	bi(s, 2, seq);
	bi(s, 3, cid);
	return step(t, s, "session certificate insert", err, errlen);
}

int store_tls_put(struct store_tls *t, int64_t sid, const struct smtp_record *r, uint64_t first_ts,
		  char *err, size_t errlen)
{
	const struct tls_info *i = r->tls;
	sqlite3_stmt *s;
	struct tls_estimate e;
	char buf[64], alert[96] = "";
	const char *nm;
	int k;

	if (!r->tls_mode)
		return 0;
	s = t->q[T_SESS];
	bi(s, 1, sid);
	bt(s, 2, r->tls_mode);
	bi(s, 3, !!r->tls_plaintext);
	if (step(t, s, "session tls update", err, errlen) < 0)
		return -1;
	if (!i || (!i->client_hello && !i->server_hello && !i->records[0] && !i->records[1]))
		return 0;
	s = t->q[T_HS];
	bi(s, 1, sid);
	bi(s, 2, i->client_hello);
	bi(s, 3, i->server_hello);
	if (i->client_hello) {
		bt(s, 4, tls_version_name(i->client_legacy_version));
		bt(s, 5, tls_version_name(i->client_max_version));
		bt(s, 6, i->client_versions);
		bt(s, 7, i->sni);
		bt(s, 8, i->alpn);
		bi(s, 9, i->n_ciphers);
		bi(s, 10, i->n_exts);
		bt(s, 11, i->ja3);
		bt(s, 12, i->ja4);
	}
	if (i->server_hello) {
		nm = tls_version_name(i->version);
		snprintf(buf, sizeof buf, "0x%04x", i->version);
		bt(s, 13, nm ? nm : buf);
		bi(s, 14, i->version);
		nm = tls_cipher_name(i->cipher);
		snprintf(buf, sizeof buf, "0x%04x", i->cipher);
		bt(s, 15, nm ? nm : buf);
		bi(s, 16, i->cipher);
		bt(s, 17, i->ja3s);
	}
	bi(s, 18, i->hrr);
	bi(s, 19, i->downgrade);
	bt(s, 20, i->cert_state == TLS_CERT_SENT ? "sent" : i->cert_state == TLS_CERT_HIDDEN ? "hidden" : "none");
	bi(s, 21, i->certs_total);
	for (k = 0; k < i->n_alerts; k++) {
		const struct tls_alert *a = &i->alerts[k];
		if (a->desc == 0)
			continue; /* close_notify */
		nm = tls_alert_name(a->desc);
		snprintf(buf, sizeof buf, "%u", a->desc);
		snprintf(alert, sizeof alert, "%s %s from %s", a->level == 2 ? "fatal" : "warning",
			 nm ? nm : buf, a->dir == TLS_C2S ? "client" : "server");
		break;
	}
	bt(s, 22, alert);
	bi(s, 23, i->alerts_total);
	bi(s, 24, i->established);
	bi(s, 25, (int64_t)i->records[0]);
	bi(s, 26, (int64_t)i->records[1]);
	bi(s, 27, (int64_t)(i->gaps[0] + i->gaps[1]));
	if (step(t, s, "tls handshake insert", err, errlen) < 0)
		return -1;
	for (k = 0; k < i->n_certs; k++)
		if (put_cert(t, sid, k, &i->certs[k], first_ts, err, errlen) < 0)
			return -1;
	if (tls_estimate(i, &e)) {
		char sizes[TLS_EST_SIZES_MAX * 12] = "";
		size_t o = 0;
		for (k = 0; k < e.n_sizes; k++) {
			int w = snprintf(sizes + o, sizeof sizes - o, "%s%u", o ? "," : "", e.sizes[k]);
			if (w < 0 || (size_t)w >= sizeof sizes - o)
				break;
			o += (size_t)w;
		}
		s = t->q[T_EST];
		bi(s, 1, sid);
		bt(s, 2, TLS_EST_RULE);
		bt(s, 3, e.verdict);
		bi(s, 4, e.messages);
		bi(s, 5, (int64_t)e.bytes);
		bt(s, 6, sizes);
		bi(s, 7, e.quit);
		bi(s, 8, e.ended_after_ehlo);
		bt(s, 9, e.confidence);
		bt(s, 10, e.client_list);
		bt(s, 11, e.server_list);
		bi(s, 12, e.overhead);
		if (step(t, s, "tls estimate insert", err, errlen) < 0)
			return -1;
	}
	return 0;
}
