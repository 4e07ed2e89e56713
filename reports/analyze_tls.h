/* \summary: the TLS findings (reports/queries/tls_findings.sql): certificate
 * names against the announced name, validity, self-signed on public-facing
 * servers, legacy TLS versions.  Called by analyze_run() inside its savepoint. */
#ifndef SMTPSCOPE_ANALYZE_TLS_H
#define SMTPSCOPE_ANALYZE_TLS_H

#include <stddef.h>

struct sqlite3;

/* Registers is_public_ip(ip) and inserts the TLS findings.  0, or -1 with err set. */
int analyze_tls_findings(struct sqlite3 *db, char *err, size_t errlen);

#endif
