/* \summary: SQL functions the queries use: fqdn_kind(name), is_fqdn(name). */
#ifndef SMTPSCOPE_QUERY_SQLFN_H
#define SMTPSCOPE_QUERY_SQLFN_H

struct sqlite3;

/* Registers the functions on db (idempotent).  0 or -1. */
int sqlfn_register(struct sqlite3 *db);

#endif
