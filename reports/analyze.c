/* \summary: findings from the stored sessions (the findings table).
 *
 * Finding kinds (one row per virtual server = server_ip + server_port unless
 * noted; evidence is a JSON object; example lists hold at most 10 ids):
 *
 *   non_fqdn_greeting     high/medium  The server's most common banner host (220
 *                         banners) or EHLO/HELO reply host is not a fully qualified
 *                         domain name (single label, bare IP, address literal,
 *                         invalid; RFC 5321 4.1.1.1, 4.3.1).  High when the server
 *                         is Exchange 2000 or advertised X-EXPS: Microsoft KB 301401,
 *                         where Exchange 2000 senders before SP2 give up after EHLO
 *                         and the mail expires (NDR 4.4.7).  name = the bad name;
 *                         evidence: every announced name with kind and count,
 *                         software, example banner and EHLO first line, sessions.
 *   name_mismatch         low/medium   The banner host and the EHLO reply host differ
 *                         (ignoring case) in sessions of the server; medium when one
 *                         of the two is not an FQDN.  evidence: pairs with counts.
 *   stalled_deliveries    high/medium  At least 2 sessions ended 'aborted' after
 *                         EHLO/HELO without a mail transaction (the sender keeps
 *                         retrying and never sends).  evidence: attempts, clients
 *                         with counts and median retry interval, overall median,
 *                         first/last attempt, and how far the retries span towards
 *                         Exchange's default 2-day expiry (percent, hours left).
 *                         High when the server also has non_fqdn_greeting.
 *                         name = the server's announced name.
 *   expired_447           high         Delivery-status reports with status 4.4.7
 *                         (message expired) tied to the server: its banner name
 *                         equals the report's Reporting-MTA, or that MTA's first
 *                         label (single-label server names), or the domain of the
 *                         Final-Recipient.  Each report mail counts once per server.
 *                         evidence: count, reporting MTAs, the "<host #4.4.7>"
 *                         marker, recipient domains, the chain (name, aborted
 *                         retries, reports), example mail ids.  Reports tied to no
 *                         server give one expired_447 row with server_ip NULL,
 *                         severity medium.
 *   client_non_fqdn_helo  low          Per client_ip (server_ip NULL): the HELO/EHLO
 *                         argument is neither an FQDN nor an address literal
 *                         (RFC 5321 4.1.1.1).  evidence: arguments with kind, count.
 *   cleartext_auth        high/medium  AUTH or X-EXPS exchanges in sessions without
 *                         STARTTLS; high when LOGIN or PLAIN (password readable).
 *   starttls_not_offered  low          The server answered EHLO but never advertised
 *                         STARTTLS (nor accepted one); port 465 is skipped.
 *   rejected_sessions     info         The server rejected the greeting or EHLO/HELO
 *                         (outcome 'rejected'); evidence: reply codes with counts.
 *   legacy_software       low          The banner names end-of-life server software
 *                         (Exchange 5.5/2000/2003, IIS 5 to 8 SMTP).
 *
 * Each kind is one entry of the table in reports/analysis/kinds.c (its query
 * in reports/queries/kind_<kind>.sql, its builder in reports/analysis/).
 * Everything is computed by GROUP BY queries into temporary tables
 * (reports/queries/analysis_temp.sql and the kinds' own); C loops run over
 * those results (servers, clients, reports), never over all sessions.
 * analyze_run() replaces the findings inside one write transaction (a
 * savepoint inside a caller's). */
#include "reports/analyze.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "analyzer/base/embedded.h"
#include "analyzer/base/limits.h"
#include "reports/analysis/an.h"
#include "reports/query/sqlfn.h"
#include "reports/query/table.h"

int analyze_register_functions(struct sqlite3 *db)
{
	return sqlfn_register(db);
}

static int an_exec(struct an *a, const char *sql)
{
	if (sqlite3_exec(a->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return an_fail(a, sql);
	return 0;
}

/* Drops every temp.an_* table (the shared ones and the kinds' own). */
static void drop_temp(struct sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	char sql[160];
	char names[64][48];
	int n = 0, i;

	if (sqlite3_prepare_v2(db, "SELECT name FROM sqlite_temp_master WHERE type = 'table'"
			       " AND name LIKE 'an\\_%' ESCAPE '\\'", -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return;
	}
	while (n < 64 && sqlite3_step(st) == SQLITE_ROW) {
		const char *s = (const char *)sqlite3_column_text(st, 0);
		if (s && strlen(s) < sizeof names[0])
			strcpy(names[n++], s);
	}
	sqlite3_finalize(st);
	for (i = 0; i < n; i++) {
		snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS temp.\"%.47s\"", names[i]);
		sqlite3_exec(db, sql, NULL, NULL, NULL);
	}
}

/* The indexes the analysis and the reports read, built here in one sorted
 * pass each when missing (ingest keeps them up to date once they exist):
 * schema/analysis_indexes.sql always, analysis_indexes_big.sql (wide,
 * covering) once the database holds more than ANALYZE_BIG_SESSIONS sessions. */
static int analysis_indexes(struct an *a)
{
	sqlite3_stmt *st = NULL;
	sqlite3_int64 n = 0;

	if (an_exec(a, embedded_find(schema_files, "analysis_indexes.sql")) < 0)
		return -1;
	if (sqlite3_prepare_v2(a->db, "SELECT coalesce(max(id), 0) FROM sessions", -1, &st, NULL) !=
	    SQLITE_OK)
		return an_fail(a, "counting sessions");
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (n > ANALYZE_BIG_SESSIONS)
		return an_exec(a, embedded_find(schema_files, "analysis_indexes_big.sql"));
	return 0;
}

int analyze_run(struct sqlite3 *db, char *err, size_t errlen)
{
	struct an a;
	struct rq_tuning tune;
	const struct an_kind *k;
	const char *temp = embedded_find(query_files, "analysis_temp.sql");
	int i, rc = -1, own;

	memset(&a, 0, sizeof a);
	a.db = db;
	a.err = err;
	a.errlen = errlen;
	if (err && errlen)
		err[0] = '\0';
	if (sqlfn_register(db) < 0)
		return an_fail(&a, "register functions");
	if (!temp) {
		snprintf(err, errlen, "analyze: query analysis_temp.sql is not built in");
		return -1;
	}
	rq_tune(db, &tune);
	drop_temp(db);
	/* the write lock first: a read begun inside the transaction (the schema
	 * look-ups below) could not be upgraded once another writer committed
	 * (SQLITE_BUSY at once, the busy timeout does not apply), whereas BEGIN
	 * IMMEDIATE waits for the lock.  Inside a caller's transaction: a savepoint. */
	own = sqlite3_get_autocommit(db);
	/* the indexes before the write lock: each CREATE INDEX is its own short
	 * transaction (nothing when they exist), so concurrent writers wait for
	 * one index at a time, not for all of them plus the analysis */
	if (own && analysis_indexes(&a) < 0) {
		rq_untune(db, &tune);
		return -1;
	}
	if (an_exec(&a, own ? "BEGIN IMMEDIATE" : "SAVEPOINT analyze") < 0) {
		rq_untune(db, &tune);
		return -1;
	}
	drop_temp(db);
	if ((!own && analysis_indexes(&a) < 0) || an_exec(&a, "DELETE FROM findings") < 0 ||
	    an_exec(&a, temp) < 0)
		goto out;
	if (!(a.ins = an_q(&a, "INSERT INTO findings (server_ip, server_port, kind, severity, name,"
		" summary, evidence, first_ts, last_ts, remediation, client_ip, finding_key,"
		" suggested_name, suggested_source)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)")) ||
	    !(a.has = an_q(&a, "SELECT 1 FROM findings WHERE server_ip = ?1 AND server_port = ?2"
		" AND kind = ?3 LIMIT 1")))
		goto out;
	for (k = an_kinds; k->kind; k++)
		if (an_run_kind(&a, k) < 0)
			goto out;
	if (an_history(&a, an_now()) < 0)
		goto out;
	rc = 0;
out:
	for (i = 0; i < a.nq; i++)
		sqlite3_finalize(a.q[i].st);
	drop_temp(db);
	if (own) {
		if (rc < 0)
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		else if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
			rc = an_fail(&a, "commit");
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		}
	} else {
		if (rc < 0)
			sqlite3_exec(db, "ROLLBACK TO analyze", NULL, NULL, NULL);
		if (sqlite3_exec(db, "RELEASE analyze", NULL, NULL, NULL) != SQLITE_OK && rc == 0)
			rc = an_fail(&a, "commit");
	}
	rq_untune(db, &tune);
	return rc;
}
