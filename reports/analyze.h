/* \summary: turns the stored sessions into findings (the findings table).
 *
 * Findings per virtual server (server IP and port) or per client:
 * non_fqdn_greeting, name_mismatch, stalled_deliveries, expired_447,
 * client_non_fqdn_helo, cleartext_auth, and the others listed in the README.
 * Each has a severity, a summary, JSON evidence and a remediation text.
 * analyze_run() replaces the whole findings table in one transaction, so a
 * reader always sees a complete set. */
#ifndef SMTPSCOPE_ANALYZE_H
#define SMTPSCOPE_ANALYZE_H

#include <stddef.h>

struct sqlite3;

/* Registers fqdn_kind(name) and similar SQL functions on db (idempotent). */
int analyze_register_functions(struct sqlite3 *db);

/* Builds the indexes the analysis reads (schema/analysis_indexes*.sql)
 * when missing, each in a short transaction of its own; analyze_run() does
 * it first too.  A replay calls it before its capture: on a new database
 * the index is then kept up to date by the writer, beside the reader,
 * instead of being built in front of the end-of-replay analysis.  0, or -1
 * with the reason in err. */
int analyze_indexes(struct sqlite3 *db, char *err, size_t errlen);

/* Recomputes the findings. 0, or -1 with the reason in err. */
int analyze_run(struct sqlite3 *db, char *err, size_t errlen);

#endif
