/* \summary: findings from the stored sessions (the findings table).
 *
 * Finding kinds (one row per virtual server = server_ip + server_port unless
 * noted; evidence is a JSON object; example lists hold at most 10 ids):
 *
 *   non_fqdn_greeting     high/medium  One row per server and name: every distinct
 *                         banner host (220 banners) or EHLO/HELO reply host that is
 *                         not a fully qualified domain name (single label, bare IP,
 *                         address literal, invalid; RFC 5321 4.1.1.1, 4.3.1), with
 *                         its own session count (name_sessions of server_sessions),
 *                         also when other sessions of the server announce a good
 *                         name (one bad backend behind a load-balanced address).  High when the server
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
 *   client_non_fqdn_helo  low/high     Per client_ip (server_ip NULL): the HELO/EHLO
 *                         argument is neither an FQDN nor an address literal
 *                         (RFC 5321 4.1.1.1).  evidence: arguments with kind, count,
 *                         and the rejections for it (a 5xx 501/504/550/554 that names
 *                         the HELO: Postfix 504 5.5.2, Exchange 501 5.5.4): high when
 *                         any server refused it (the client's mail is lost).
 *   cleartext_auth        high/medium  AUTH or X-EXPS exchanges in sessions without
 *                         STARTTLS, one row per server and mechanism class, named
 *                         after the class's most used mechanism: high for LOGIN,
 *                         PLAIN, XOAUTH2, OAUTHBEARER (readable), medium for the rest.
 *   non_public_name       medium/low   (issue 12) A well-formed FQDN a server announces
 *                         that resolves nowhere: private-use or no public suffix
 *                         (dissectors/name_class.c); medium when public peers reach it.
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
 * analyze_run() computes without holding the write lock: on a read
 * snapshot (a deferred transaction that only reads the main database), into
 * temp.findings, a copy of the findings table that shadows it (unqualified
 * names find temp first); then one short IMMEDIATE transaction swaps the
 * rows into main.findings.  A live sensor writing meanwhile is never blocked
 * for the analysis' duration.  Called inside a transaction, it replaces the
 * findings inside one savepoint instead. */
#include "reports/analyze.h"
#include "analyzer/base/limits.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/base/embedded.h"
#include "reports/analysis/an.h"
#include "reports/query/sqlfn.h"
#include "reports/query/table.h"
#include "analyzer/base/runtime.h"

#define tm(what) rt_timing("analyze", what) /* SMTPSCOPE_TIMINGS=1 */

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

/* sql that writes main (index builds, the swap), run again when another
 * writer kept the lock past the connection's busy timeout (a loaded machine,
 * several replays at once): a few tries, then the error. */
static int an_exec_locked(struct an *a, const char *sql)
{
	int tries, rc;

	for (tries = 0;; tries++) {
		rc = sqlite3_exec(a->db, sql, NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			return 0;
		if (!sqlite3_get_autocommit(a->db))
			sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
		if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
			break;
		if (tries + 1 >= ANALYZE_LOCK_TRIES)
			break;
	}
	return an_fail(a, sql);
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
 * covering) once the database holds more than ANALYZE_BIG_SESSIONS sessions.
 * locked: outside any transaction, each CREATE INDEX its own short one,
 * tried again when another writer holds the lock. */
static int build_indexes(struct an *a, int (*run)(struct an *, const char *))
{
	sqlite3_stmt *st = NULL;
	sqlite3_int64 n = 0;

	if (run(a, embedded_find(schema_files, "analysis_indexes.sql")) < 0)
		return -1;
	if (sqlite3_prepare_v2(a->db, "SELECT coalesce(max(id), 0) FROM sessions", -1, &st, NULL) !=
	    SQLITE_OK)
		return an_fail(a, "counting sessions");
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (n > ANALYZE_BIG_SESSIONS)
		return run(a, embedded_find(schema_files, "analysis_indexes_big.sql"));
	return 0;
}

static int analysis_indexes(struct an *a, int locked)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	char sql[80];
	int rc;

	/* Building an index is one sort of every session.  With its temporary
	 * store in files, SQLite's sorter may use a helper thread per CPU (up
	 * to 4) and keeps only a little in memory (an index's keys are unique:
	 * the index is the same).  10^6 sessions on 2 CPUs: 9.1 -> 7.5 s, 137
	 * -> 37 MB.  Where no temporary file can be made, in memory as before.
	 * Only here: the analysis' own sorts and temp tables stay in memory. */
	snprintf(sql, sizeof sql, "PRAGMA temp_store = FILE; PRAGMA threads = %ld",
		 cpus > 4 ? 4 : cpus > 1 ? cpus : 0);
	sqlite3_exec(a->db, sql, NULL, NULL, NULL);
	rc = build_indexes(a, locked ? an_exec_locked : an_exec);
	sqlite3_exec(a->db, "PRAGMA temp_store = MEMORY; PRAGMA threads = 0", NULL, NULL, NULL);
	if (rc < 0) {
		if (a->err && a->errlen)
			a->err[0] = '\0';
		rc = build_indexes(a, locked ? an_exec_locked : an_exec);
	}
	return rc;
}

/* temp.findings: an empty table made from main.findings' own definition
 * (whatever columns later schemas add), shadowing it for the analysis. */
static int shadow_findings(struct an *a)
{
	sqlite3_stmt *st = NULL;
	const char *ddl, *t;
	char *sql = NULL;
	int rc = -1;

	sqlite3_exec(a->db, "DROP TABLE IF EXISTS temp.findings", NULL, NULL, NULL);
	if (sqlite3_prepare_v2(a->db, "SELECT sql FROM main.sqlite_master WHERE type = 'table'"
			       " AND name = 'findings'", -1, &st, NULL) != SQLITE_OK)
		return an_fail(a, "findings table");
	if (sqlite3_step(st) == SQLITE_ROW && (ddl = (const char *)sqlite3_column_text(st, 0)) &&
	    (t = strstr(ddl, "TABLE")) != NULL &&
	    (sql = sqlite3_mprintf("CREATE TEMP %s", t)) != NULL)
		rc = an_exec(a, sql);
	else
		rc = an_fail(a, "findings table");
	sqlite3_free(sql);
	sqlite3_finalize(st);
	return rc;
}

/* The one short write transaction of the swap path: the history (first
 * and last seen, computed on temp.findings), then temp.findings replaces
 * main.findings.  Tried again when another writer kept the lock. */
static int swap_in(struct an *a)
{
	int tries, rc = -1, i;

	for (tries = 0; tries < ANALYZE_LOCK_TRIES; tries++) {
		int busy;
		if (sqlite3_exec(a->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
			busy = (sqlite3_errcode(a->db) & 0xff) == SQLITE_BUSY ||
			       (sqlite3_errcode(a->db) & 0xff) == SQLITE_LOCKED;
			rc = an_fail(a, "BEGIN IMMEDIATE");
			if (!busy)
				break;
			continue;
		}
		rc = an_history(a, an_now()) < 0 ||
		     an_exec(a, "DELETE FROM main.findings;"
			     " INSERT INTO main.findings SELECT * FROM temp.findings; COMMIT") < 0 ? -1 : 0;
		for (i = 0; i < a->nq; i++)
			sqlite3_finalize(a->q[i].st);
		a->nq = 0;
		if (rc < 0)
			sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
		break;
	}
	return rc;
}

static void an_start(struct an *a, struct sqlite3 *db, char *err, size_t errlen)
{
	memset(a, 0, sizeof *a);
	a->db = db;
	a->err = err;
	a->errlen = errlen;
	if (err && errlen)
		err[0] = '\0';
}

int analyze_indexes(struct sqlite3 *db, char *err, size_t errlen)
{
	struct an a;
	int rc;

	an_start(&a, db, err, errlen);
	rc = analysis_indexes(&a, 1);
	for (int i = 0; i < a.nq; i++)
		sqlite3_finalize(a.q[i].st);
	return rc;
}

int analyze_run(struct sqlite3 *db, char *err, size_t errlen)
{
	struct an a;
	struct rq_tuning tune;
	const struct an_kind *k;
	const char *temp = embedded_find(query_files, "analysis_temp.sql");
	const char *idx = embedded_find(schema_files, "analysis_indexes.sql");
	int i, rc = -1, swap;

	an_start(&a, db, err, errlen);
	if (sqlfn_register(db) < 0)
		return an_fail(&a, "register functions");
	if (!temp || !idx) {
		snprintf(err, errlen, "analyze: analysis_temp.sql or analysis_indexes.sql is not built in");
		return -1;
	}
	rq_tune(db, &tune);
	swap = sqlite3_get_autocommit(db);
	/* the indexes the analysis reads (schema/analysis_indexes*.sql): a
	 * replay leaves them to be built here, in one sorted pass each; on the
	 * swap path before the read snapshot (a snapshot cannot write main) */
	tm(NULL);
	if (swap && analysis_indexes(&a, 1) < 0) {
		rq_untune(db, &tune);
		return -1;
	}
	if (swap ? (an_exec(&a, "BEGIN") < 0 || shadow_findings(&a) < 0)
		 : an_exec(&a, "SAVEPOINT analyze") < 0) {
		if (swap)
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		rq_untune(db, &tune);
		return -1;
	}
	drop_temp(db);
	tm("indexes");
	if ((!swap && analysis_indexes(&a, 0) < 0) ||
	    an_exec(&a, "DELETE FROM findings") < 0 || an_exec(&a, temp) < 0)
		goto out;
	tm("analysis_temp.sql");
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
		else
			tm(k->kind);
	/* the history writes main: on the swap path, inside the swap */
	if (!swap && an_history(&a, an_now()) < 0)
		goto out;
	rc = 0;
out:
	for (i = 0; i < a.nq; i++)
		sqlite3_finalize(a.q[i].st);
	a.nq = 0;
	drop_temp(db);
	if (swap) {
		/* the read snapshot ends; temp.findings stays */
		sqlite3_exec(db, rc < 0 ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
		if (rc == 0)
			rc = swap_in(&a);
		tm("swap");
		sqlite3_exec(db, "DROP TABLE IF EXISTS temp.findings", NULL, NULL, NULL);
		rq_untune(db, &tune);
		return rc;
	}
	if (rc < 0)
		sqlite3_exec(db, "ROLLBACK TO analyze", NULL, NULL, NULL);
	if (sqlite3_exec(db, "RELEASE analyze", NULL, NULL, NULL) != SQLITE_OK && rc == 0)
		rc = an_fail(&a, "commit");
	rq_untune(db, &tune);
	return rc;
}
