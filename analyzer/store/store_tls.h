/* \summary: writes what the TLS parser saw of a session (schema/008_tls.sql):
 * tls_handshakes, certificates (deduplicated by SHA-256), their names, the
 * session-certificate links, and the encrypted-phase estimate.  Used by
 * store.c inside the session's savepoint; all text through bound parameters. */
#ifndef SMTPSCOPE_STORE_TLS_H
#define SMTPSCOPE_STORE_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "dissectors/smtp.h"

struct sqlite3;
struct store_tls;

/* Prepares the statements on db.  NULL on error (err says why). */
struct store_tls *store_tls_new(struct sqlite3 *db, char *err, size_t errlen);
void store_tls_free(struct store_tls *t);       /* NULL is a no-op */

/* Writes r's TLS part for session sid (nothing when r->tls_mode is NULL).
 * first_ts: the session's start (µs), kept as a certificate's first_seen.
 * 0, or -1 with err set. */
int store_tls_put(struct store_tls *t, int64_t sid, const struct smtp_record *r, uint64_t first_ts,
		  char *err, size_t errlen);

#endif
