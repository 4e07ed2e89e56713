/* \summary: findings from the stored sessions (the findings table).
 *
 * Finding kinds (one row per virtual server = server_ip + server_port unless
 * noted; evidence is a JSON object; example lists hold at most 10 ids):
 *
 *   non_fqdn_greeting     high/medium  One row per server and name: every distinct
 *                         banner host (220 banners) or EHLO/HELO reply host that is
 *                         not a fully qualified domain name (single label, bare IP,
 *                         address literal, invalid; RFC 5321 4.1.1.1, 4.3.1), with
 *                         its own session count, even when other sessions of the
 *                         server announce a good name (a load-balanced address).  High when the server
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
 * Everything is computed by GROUP BY queries into temporary tables; C loops
 * run over those results (servers, clients, reports), never over all sessions.
 * analyze_run() replaces the findings inside one savepoint. */
#include "reports/analyze.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissectors/fqdn.h"
#include "reports/escape.h"
#include "reports/report_int.h"

#define EXPIRY_S        172800.0 /* Exchange's default message expiration: 2 days */
#define EV_EXAMPLES     10       /* example ids in evidence */
#define EV_NAMES_MAX    20       /* names listed in evidence */
#define SUMMARY_MAX     512
#define NAME_SHOWN      80       /* bytes of a wire name quoted in a summary */

static const char REM_KB301401[] =
	"Give the SMTP virtual server a valid fully qualified domain name that resolves "
	"to it: in Exchange System Manager open the SMTP virtual server's Properties, "
	"Delivery tab, Advanced, and set 'Fully-qualified domain name' (e.g. "
	"mail.example.com). Bring the sending Exchange 2000 servers to Service Pack 2 or "
	"later (Microsoft KB 301401) so they no longer stop after EHLO, then retry the "
	"queues before messages expire (default 2 days, NDR 4.4.7).";
static const char REM_FQDN[] =
	"Announce a fully qualified domain name that resolves to the server in the SMTP "
	"banner and the EHLO reply (RFC 5321 4.1.1.1, 4.3.1): Postfix myhostname (and "
	"smtpd_banner), Sendmail confDOMAIN_NAME, Exim primary_hostname / "
	"smtp_banner, Exchange the virtual server's or receive connector's FQDN.";
static const char REM_MISMATCH[] =
	"Use one name, an FQDN that resolves to the server (with a matching PTR record), "
	"in both the banner and the EHLO reply.";
static const char REM_STALLED[] =
	"Senders connect, say EHLO and disconnect without sending: check the sender's "
	"queue and logs for why it gives up (a non-FQDN greeting breaks Exchange 2000 "
	"before SP2, KB 301401) and fix it before the messages expire.";
static const char REM_447[] =
	"Messages expired in the sender's queue (4.4.7). Fix the delivery problem of the "
	"named server (see its other findings), then ask senders to resend.";
static const char REM_447_UNTIED[] =
	"Messages expired in a sender's queue (4.4.7). The reporting MTA was not seen as "
	"a server in the capture: capture its traffic to find why deliveries stall.";
static const char REM_CLIENT_HELO[] =
	"Configure the client to send its fully qualified domain name, or an address "
	"literal such as [192.0.2.1], in HELO/EHLO (RFC 5321 4.1.1.1); many receivers "
	"reject or score bare names.";
static const char REM_CLEARTEXT[] =
	"Offer STARTTLS and require it before AUTH (Postfix smtpd_tls_auth_only = yes, "
	"Exchange: require TLS on the receive connector); disable LOGIN/PLAIN without "
	"TLS. Change the passwords that crossed the network in clear.";
static const char REM_STARTTLS[] =
	"Enable STARTTLS (RFC 3207) with a certificate for the server's FQDN.";
static const char REM_REJECTED[] =
	"Check that rejections are intended (access lists, rate limits, RBLs); "
	"legitimate senders rejected at greeting or EHLO queue and retry.";
static const char REM_LEGACY[] =
	"Replace or update the end-of-life mail server software.";

struct an {
	sqlite3 *db;
	char *err;
	size_t errlen;
	sqlite3_stmt *ins;   /* INSERT INTO findings */
	sqlite3_stmt *has;   /* does a server have a finding of a kind */
};

struct finding {
	const char *server_ip;  /* NULL for client findings and untied reports */
	int server_port;        /* ignored when server_ip is NULL */
	const char *client_ip;  /* NULL unless client finding */
	const char *kind, *severity, *name, *summary, *evidence, *remediation;
	double t0, t1;          /* first_ts, last_ts; < 0 means NULL */
};

/* Evidence: a JSON object built in memory (open_memstream), freed by the caller. */
struct ev {
	FILE *f;
	char *buf;
	size_t len;
	struct jw w;
};

static int an_fail(struct an *a, const char *what)
{
	if (a->err && a->errlen)
		snprintf(a->err, a->errlen, "analyze: %s: %s", what, sqlite3_errmsg(a->db));
	return -1;
}

static int an_exec(struct an *a, const char *sql)
{
	if (sqlite3_exec(a->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return an_fail(a, sql);
	return 0;
}

static sqlite3_stmt *an_prep(struct an *a, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(a->db, sql, -1, &st, NULL) != SQLITE_OK) {
		an_fail(a, sql);
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

static const char *ctext(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* A malloc'd copy of a column (NULL stays NULL; out of memory gives NULL too). */
static char *cdup(sqlite3_stmt *st, int i)
{
	const char *s = ctext(st, i);
	return s ? strdup(s) : NULL;
}

static void fmt(char *buf, size_t n, const char *f, ...) __attribute__((format(printf, 3, 4)));
static void fmt(char *buf, size_t n, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsnprintf(buf, n, f, ap);
	va_end(ap);
}

static int ev_begin(struct ev *e)
{
	e->buf = NULL;
	e->len = 0;
	e->f = open_memstream(&e->buf, &e->len);
	if (!e->f)
		return -1;
	jw_init(&e->w, e->f);
	jw_obj(&e->w);
	return 0;
}

/* Closes the object; returns the text (caller frees) or NULL. */
static char *ev_end(struct ev *e)
{
	jw_obj_end(&e->w);
	if (fclose(e->f) != 0) {
		free(e->buf);
		return NULL;
	}
	return e->buf;
}

static void bind_server(sqlite3_stmt *st, const char *ip, int port)
{
	sqlite3_bind_text(st, 1, ip, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, port);
}

/* Writes key: [ints of column 0 of every row of st] and resets st. */
static void ev_ids(struct jw *w, const char *key, sqlite3_stmt *st)
{
	jw_key(w, key);
	jw_arr(w);
	while (sqlite3_step(st) == SQLITE_ROW)
		jw_int(w, sqlite3_column_int64(st, 0));
	jw_arr_end(w);
	sqlite3_reset(st);
}

/* Writes a column as the JSON value of its type. */
static void ev_col(struct jw *w, sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER: jw_int(w, sqlite3_column_int64(st, i)); break;
	case SQLITE_FLOAT: jw_num(w, sqlite3_column_double(st, i)); break;
	case SQLITE_NULL: jw_null(w); break;
	default:
		jw_strn(w, ctext(st, i), (size_t)sqlite3_column_bytes(st, i));
		break;
	}
}

/* Writes key: [{col names: values}, ...] for every row of st, resets st. */
static void ev_rows(struct jw *w, const char *key, sqlite3_stmt *st)
{
	int i, n = sqlite3_column_count(st);

	jw_key(w, key);
	jw_arr(w);
	while (sqlite3_step(st) == SQLITE_ROW) {
		jw_obj(w);
		for (i = 0; i < n; i++) {
			jw_key(w, sqlite3_column_name(st, i));
			ev_col(w, st, i);
		}
		jw_obj_end(w);
	}
	jw_arr_end(w);
	sqlite3_reset(st);
}

/* Writes key: value of the first row's column 0 (or null), resets st. */
static void ev_first(struct jw *w, const char *key, sqlite3_stmt *st)
{
	jw_key(w, key);
	if (sqlite3_step(st) == SQLITE_ROW)
		ev_col(w, st, 0);
	else
		jw_null(w);
	sqlite3_reset(st);
}

static int an_insert(struct an *a, const struct finding *f)
{
	sqlite3_stmt *st = a->ins;
	int rc;

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (f->server_ip) {
		sqlite3_bind_text(st, 1, f->server_ip, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 2, f->server_port);
	}
	sqlite3_bind_text(st, 3, f->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, f->severity, -1, SQLITE_STATIC);
	if (f->name)
		sqlite3_bind_text(st, 5, f->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, f->summary, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, f->evidence ? f->evidence : "{}", -1, SQLITE_TRANSIENT);
	if (f->t0 >= 0)
		sqlite3_bind_double(st, 8, f->t0);
	if (f->t1 >= 0)
		sqlite3_bind_double(st, 9, f->t1);
	if (f->remediation)
		sqlite3_bind_text(st, 10, f->remediation, -1, SQLITE_STATIC);
	if (f->client_ip)
		sqlite3_bind_text(st, 11, f->client_ip, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : an_fail(a, "insert finding");
}

/* Inserts a finding whose evidence was built (NULL evidence: the JSON
 * writer ran out of memory, -1), then frees the evidence: every finding
 * kind ends this way. */
static int an_emit(struct an *a, struct finding *f)
{
	int r = f->evidence ? an_insert(a, f) : -1;

	free((char *)f->evidence);
	f->evidence = NULL;
	return r;
}

/* 1 when the server already has a finding of this kind. */
static int an_has(struct an *a, const char *ip, int port, const char *kind)
{
	int r;

	bind_server(a->has, ip, port);
	sqlite3_bind_text(a->has, 3, kind, -1, SQLITE_STATIC);
	r = sqlite3_step(a->has) == SQLITE_ROW;
	sqlite3_reset(a->has);
	return r;
}

/* ---- SQL functions ------------------------------------------------------- */

static void sql_fqdn_kind(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *s;

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	s = (const char *)sqlite3_value_text(argv[0]);
	if (!s) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	sqlite3_result_text(ctx, fqdn_kind_name(fqdn_classify(s, (size_t)sqlite3_value_bytes(argv[0]))),
			    -1, SQLITE_STATIC);
}

static void sql_is_fqdn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *s;

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	s = (const char *)sqlite3_value_text(argv[0]);
	if (!s) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	sqlite3_result_int(ctx, fqdn_is_fqdn(s, (size_t)sqlite3_value_bytes(argv[0])));
}

int analyze_register_functions(struct sqlite3 *db)
{
	int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;

	if (sqlite3_create_function(db, "fqdn_kind", 1, flags, NULL, sql_fqdn_kind, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(db, "is_fqdn", 1, flags, NULL, sql_is_fqdn, NULL, NULL) != SQLITE_OK)
		return -1;
	return 0;
}

/* ---- temporary tables ---------------------------------------------------- */

static const char SQL_TEMP[] =
	"DROP TABLE IF EXISTS temp.an_srv; DROP TABLE IF EXISTS temp.an_name;"
	"DROP TABLE IF EXISTS temp.an_top; DROP TABLE IF EXISTS temp.an_stall;"
	"DROP TABLE IF EXISTS temp.an_dsn; DROP TABLE IF EXISTS temp.an_tie;"
	"DROP TABLE IF EXISTS temp.an_tls; DROP TABLE IF EXISTS temp.an_base;"
	/* per server and pair of announced names: one pass over the covering index
	 * sessions_server_summary (schema 004) in its order, grouped by its leading
	 * columns without a sort; the small result is then grouped again by what
	 * the findings need (b220, hok), and the software patterns are matched once
	 * per group instead of once per session */
	"CREATE TEMP TABLE an_base AS SELECT server_ip, server_port, banner_host, greeting_host,"
	" banner_code = 220 AS b220, (helo_code IS NULL OR helo_code BETWEEN 200 AND 299) AS hok,"
	" sum(n) AS n, min(t0) AS t0, max(t1) AS t1, min(ex) AS ex,"
	" max(coalesce(software LIKE 'Exchange 2000%', 0)) AS exch2000,"
	" max(xexps) AS xexps, sum(ehlo_ok) AS ehlo_ok, sum(starttls_ok) AS starttls_ok,"
	" sum(rejected) AS rejected,"
	" max(CASE WHEN software LIKE 'Exchange 5%' OR software LIKE 'Exchange 2000%'"
	"  OR software LIKE '%Exchange 2003%' OR software LIKE 'IIS 5%' OR software LIKE 'IIS 6%'"
	"  OR software LIKE 'IIS 7%' OR software LIKE 'IIS 8%' THEN software END) AS legacy"
	" FROM (SELECT server_ip, server_port, banner_host, greeting_host, banner_code, helo_code,"
	"  software, count(*) AS n, min(first_ts) AS t0, max(last_ts) AS t1, min(id) AS ex,"
	"  max(xexps_advertised) AS xexps,"
	"  sum(upper(helo_verb) = 'EHLO' AND helo_code BETWEEN 200 AND 299) AS ehlo_ok,"
	"  sum(starttls) AS starttls_ok, sum(outcome = 'rejected') AS rejected"
	"  FROM sessions GROUP BY server_ip, server_port, banner_host, greeting_host, banner_code,"
	"  helo_code, software)"
	" GROUP BY server_ip, server_port, banner_host, greeting_host, b220, hok;"
	/* per server */
	"CREATE TEMP TABLE an_srv AS SELECT server_ip, server_port, sum(n) AS n,"
	" min(t0) AS t0, max(t1) AS t1, max(exch2000) AS exch2000, max(xexps) AS xexps,"
	" sum(ehlo_ok) AS ehlo_ok, sum(starttls_ok) AS starttls_ok, sum(rejected) AS rejected,"
	" max(legacy) AS legacy FROM an_base GROUP BY server_ip, server_port;"
	"CREATE INDEX temp.an_srv_k ON an_srv(server_ip, server_port);"
	/* names announced: banner host of 220 banners, host of positive HELO/EHLO replies */
	"CREATE TEMP TABLE an_name AS"
	" SELECT server_ip, server_port, 'banner' AS src, banner_host AS name, sum(n) AS n,"
	"  min(t0) AS t0, max(t1) AS t1, fqdn_kind(banner_host) AS kind"
	"  FROM an_base WHERE b220 AND banner_host IS NOT NULL"
	"  GROUP BY server_ip, server_port, banner_host"
	" UNION ALL"
	" SELECT server_ip, server_port, 'greeting', greeting_host, sum(n),"
	"  min(t0), max(t1), fqdn_kind(greeting_host)"
	"  FROM an_base WHERE greeting_host IS NOT NULL AND hok"
	"  GROUP BY server_ip, server_port, greeting_host;"
	"CREATE INDEX temp.an_name_k ON an_name(server_ip, server_port);"
	"CREATE INDEX temp.an_name_n ON an_name(name COLLATE NOCASE);"
	"CREATE TEMP TABLE an_top AS SELECT server_ip, server_port, src, name, kind, n, t0, t1"
	" FROM (SELECT *, row_number() OVER (PARTITION BY server_ip, server_port, src"
	"  ORDER BY n DESC, name) AS rn FROM an_name) WHERE rn = 1;"
	"CREATE INDEX temp.an_top_k ON an_top(server_ip, server_port);"
	/* attempts that stopped after EHLO/HELO, with the gap to the same client's
	 * previous one (a plain scan: a quarter of the sessions or fewer match, and
	 * client_ip is in no covering index) */
	"CREATE TEMP TABLE an_stall AS SELECT id, server_ip, server_port, client_ip,"
	" first_ts AS ts, first_ts - lag(first_ts) OVER (PARTITION BY server_ip, server_port,"
	"  client_ip ORDER BY first_ts, id) AS gap"
	" FROM sessions NOT INDEXED WHERE outcome = 'aborted' AND helo_verb IS NOT NULL AND mails = 0;"
	"CREATE INDEX temp.an_stall_g ON an_stall(server_ip, server_port, gap);"
	"CREATE INDEX temp.an_stall_c ON an_stall(server_ip, server_port, client_ip, gap);"
	/* 4.4.7 delivery-status reports, one row per report recipient */
	"CREATE TEMP TABLE an_dsn AS SELECT DISTINCT m.id AS mail_id,"
	" coalesce(m.ts, s.first_ts) AS ts, d.reporting_mta AS mta, d.final_recipient AS rcpt,"
	" CASE WHEN instr(d.final_recipient, '@') > 0"
	"  THEN substr(d.final_recipient, instr(d.final_recipient, '@') + 1) END AS rdomain"
	" FROM dsn_recipients d JOIN mails m ON m.id = d.mail_id JOIN sessions s ON s.id = m.session_id"
	" WHERE d.status = '4.4.7' OR (m.is_dsn AND (d.diagnostic LIKE '%#4.4.7%'"
	"  OR d.final_recipient LIKE '%#4.4.7%' OR d.action LIKE '%#4.4.7%'));"
	"CREATE INDEX temp.an_dsn_m ON an_dsn(mail_id);"
	/* which server each report is about */
	"CREATE TEMP TABLE an_tie AS"
	" SELECT r.mail_id, n.server_ip, n.server_port, n.name, 'reporting_mta' AS how"
	"  FROM an_dsn r JOIN an_name n ON n.name = r.mta COLLATE NOCASE AND n.src = 'banner'"
	" UNION"
	" SELECT r.mail_id, n.server_ip, n.server_port, n.name, 'reporting_mta_first_label'"
	"  FROM an_dsn r JOIN an_name n ON instr(r.mta, '.') > 1"
	"  AND n.name = substr(r.mta, 1, instr(r.mta, '.') - 1) COLLATE NOCASE"
	"  AND n.src = 'banner' AND n.kind = 'single_label'"
	" UNION"
	" SELECT r.mail_id, n.server_ip, n.server_port, n.name, 'recipient_domain'"
	"  FROM an_dsn r JOIN an_name n ON n.name = r.rdomain COLLATE NOCASE AND n.src = 'banner';"
	"CREATE INDEX temp.an_tie_k ON an_tie(server_ip, server_port);"
	"CREATE INDEX temp.an_tie_m ON an_tie(mail_id);"
	/* servers that advertised STARTTLS at least once */
	"CREATE TEMP TABLE an_tls AS SELECT DISTINCT s.server_ip, s.server_port"
	" FROM extensions e JOIN sessions s ON s.id = e.session_id WHERE e.keyword = 'STARTTLS';"
	"CREATE INDEX temp.an_tls_k ON an_tls(server_ip, server_port);";

static const char SQL_DROP_TEMP[] =
	"DROP TABLE IF EXISTS temp.an_srv; DROP TABLE IF EXISTS temp.an_name;"
	"DROP TABLE IF EXISTS temp.an_top; DROP TABLE IF EXISTS temp.an_stall;"
	"DROP TABLE IF EXISTS temp.an_dsn; DROP TABLE IF EXISTS temp.an_tie;"
	"DROP TABLE IF EXISTS temp.an_tls; DROP TABLE IF EXISTS temp.an_base;";

/* ---- non_fqdn_greeting ----------------------------------------------------- */

static int an_non_fqdn(struct an *a)
{
	sqlite3_stmt *cand, *names = NULL, *ex = NULL, *sw = NULL, *ban = NULL;
	int rc = -1;

	/* every distinct name a server announces (banner or EHLO reply) is
	 * judged on its own: one bad backend behind a load-balanced address gets
	 * its finding even when the other sessions announce a good name */
	cand = an_prep(a,
		"SELECT n.server_ip, n.server_port, group_concat(n.src, '+'), n.name, min(n.kind),"
		" min(n.t0), max(n.t1), s.exch2000, s.xexps, s.n,"
		" (SELECT sum(b.n) FROM an_base b WHERE b.server_ip = n.server_ip"
		"  AND b.server_port = n.server_port AND ((b.b220 AND b.banner_host = n.name)"
		"  OR (b.hok AND b.greeting_host = n.name)))"
		" FROM an_name n JOIN an_srv s ON s.server_ip = n.server_ip AND s.server_port = n.server_port"
		" WHERE n.kind <> 'fqdn' GROUP BY n.server_ip, n.server_port, n.name"
		" ORDER BY n.server_ip, n.server_port, max(n.n) DESC, n.name");
	names = an_prep(a, "SELECT src AS source, name, kind, n AS sessions FROM an_name"
		" WHERE server_ip = ?1 AND server_port = ?2 ORDER BY n DESC, name LIMIT 20");
	ex = an_prep(a, "SELECT id FROM sessions WHERE server_ip = ?1 AND server_port = ?2"
		" AND (banner_host = ?3 OR greeting_host = ?3) ORDER BY id LIMIT 10");
	/* software_version is a bare column of the group: SQLite takes it from one
	 * of the group's rows, which depends on the order the rows are read in, so
	 * the index is pinned to the one that reads them in id order */
	sw = an_prep(a, "SELECT software, software_version FROM sessions INDEXED BY sessions_server"
		" WHERE server_ip = ?1 AND server_port = ?2 AND software IS NOT NULL"
		" GROUP BY software ORDER BY count(*) DESC LIMIT 1");
	/* the first session (by id) naming it with an EHLO reply line, else the
	 * first naming it: picks that stop at their first match (coalesce() runs
	 * the second only when the first found nothing) */
	ban = an_prep(a, "SELECT banner_text, ehlo_first_line FROM sessions WHERE id = coalesce("
		" (SELECT id FROM sessions WHERE server_ip = ?1 AND server_port = ?2"
		"  AND (banner_host = ?3 OR greeting_host = ?3) AND ehlo_first_line IS NOT NULL"
		"  ORDER BY id LIMIT 1),"
		" (SELECT id FROM sessions WHERE server_ip = ?1 AND server_port = ?2"
		"  AND (banner_host = ?3 OR greeting_host = ?3) ORDER BY id LIMIT 1))");
	if (!cand || !names || !ex || !sw || !ban)
		goto out;
	while (sqlite3_step(cand) == SQLITE_ROW) {
		const char *ip = ctext(cand, 0), *src = ctext(cand, 2), *name = ctext(cand, 3);
		const char *kind = ctext(cand, 4);
		int port = sqlite3_column_int(cand, 1);
		int kb = sqlite3_column_int(cand, 7) || sqlite3_column_int(cand, 8);
		long long total = sqlite3_column_int64(cand, 9), mine = sqlite3_column_int64(cand, 10);
		char summary[SUMMARY_MAX], share[64] = "";
		struct finding f = { 0 };
		struct ev e;
		int r;

		if (!ip || !name || !src)
			continue;
		if (ev_begin(&e) < 0)
			goto out;
		jw_key(&e.w, "name");
		jw_str(&e.w, name);
		jw_key(&e.w, "kind");
		jw_str(&e.w, kind);
		jw_key(&e.w, "source");
		jw_str(&e.w, strchr(src, '+') ? "banner+greeting" : src);
		jw_key(&e.w, "name_sessions");
		jw_int(&e.w, mine);
		jw_key(&e.w, "server_sessions");
		jw_int(&e.w, total);
		bind_server(names, ip, port);
		ev_rows(&e.w, "names", names);
		bind_server(sw, ip, port);
		ev_first(&e.w, "software", sw);
		jw_key(&e.w, "exchange2000");
		jw_bool(&e.w, sqlite3_column_int(cand, 7));
		jw_key(&e.w, "xexps_advertised");
		jw_bool(&e.w, sqlite3_column_int(cand, 8));
		jw_key(&e.w, "kb301401");
		jw_bool(&e.w, kb);
		bind_server(ex, ip, port);
		sqlite3_bind_text(ex, 3, name, -1, SQLITE_TRANSIENT);
		ev_ids(&e.w, "example_sessions", ex);
		bind_server(ban, ip, port);
		sqlite3_bind_text(ban, 3, name, -1, SQLITE_TRANSIENT);
		jw_key(&e.w, "example_banner");
		if (sqlite3_step(ban) == SQLITE_ROW) {
			ev_col(&e.w, ban, 0);
			jw_key(&e.w, "example_ehlo_first_line");
			ev_col(&e.w, ban, 1);
		} else {
			jw_null(&e.w);
		}
		sqlite3_reset(ban);
		f.evidence = ev_end(&e);
		if (mine < total)
			fmt(share, sizeof share, " in %lld of %lld sessions", mine, total);
		fmt(summary, sizeof summary,
		    "%s:%d announces '%.*s' (%s) in its %s%s, not a fully qualified domain name%s",
		    ip, port, NAME_SHOWN, name, kind,
		    strchr(src, '+') ? "banner and EHLO reply" : strcmp(src, "banner") == 0 ? "banner" : "EHLO reply",
		    share,
		    kb ? "; Exchange 2000/X-EXPS: the KB 301401 case (senders stop after EHLO, mail "
			 "expires with 4.4.7)." : ".");
		f.server_ip = ip;
		f.server_port = port;
		f.kind = "non_fqdn_greeting";
		f.severity = kb ? "high" : "medium";
		f.name = name;
		f.summary = summary;
		f.remediation = kb ? REM_KB301401 : REM_FQDN;
		f.t0 = sqlite3_column_double(cand, 5);
		f.t1 = sqlite3_column_double(cand, 6);
		r = an_emit(a, &f);
		if (r < 0)
			goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(cand);
	sqlite3_finalize(names);
	sqlite3_finalize(ex);
	sqlite3_finalize(sw);
	sqlite3_finalize(ban);
	return rc;
}

/* ---- name_mismatch --------------------------------------------------------- */

static int an_mismatch(struct an *a)
{
	sqlite3_stmt *srv, *pairs = NULL;
	int rc = -1;

	if (an_exec(a, "DROP TABLE IF EXISTS temp.an_mm;"
		"CREATE TEMP TABLE an_mm AS SELECT server_ip, server_port, banner_host AS b,"
		" greeting_host AS g, sum(n) AS n, min(t0) AS t0, max(t1) AS t1,"
		" min(ex) AS ex, fqdn_kind(banner_host) AS bk, fqdn_kind(greeting_host) AS gk"
		" FROM an_base WHERE b220 AND banner_host IS NOT NULL AND greeting_host IS NOT NULL"
		" AND hok AND banner_host <> greeting_host COLLATE NOCASE"
		" GROUP BY server_ip, server_port, banner_host, greeting_host;"
		"CREATE INDEX temp.an_mm_k ON an_mm(server_ip, server_port);") < 0)
		return -1;
	srv = an_prep(a, "SELECT server_ip, server_port, sum(n), min(t0), max(t1),"
		" max(bk <> 'fqdn' OR gk <> 'fqdn') FROM an_mm GROUP BY server_ip, server_port");
	pairs = an_prep(a, "SELECT b AS banner_host, g AS greeting_host, bk AS banner_kind,"
		" gk AS greeting_kind, n AS sessions, ex AS example_session FROM an_mm"
		" WHERE server_ip = ?1 AND server_port = ?2 ORDER BY n DESC, b, g LIMIT 10");
	if (!srv || !pairs)
		goto out;
	while (sqlite3_step(srv) == SQLITE_ROW) {
		const char *ip = ctext(srv, 0);
		int port = sqlite3_column_int(srv, 1);
		int bad = sqlite3_column_int(srv, 5);
		char summary[SUMMARY_MAX], *b = NULL, *g = NULL;
		struct finding f = { 0 };
		struct ev e;
		int r;

		if (!ip)
			continue;
		bind_server(pairs, ip, port);
		if (sqlite3_step(pairs) == SQLITE_ROW) {
			b = cdup(pairs, 0);
			g = cdup(pairs, 1);
		}
		sqlite3_reset(pairs);
		if (ev_begin(&e) < 0) {
			free(b);
			free(g);
			goto out;
		}
		jw_key(&e.w, "sessions");
		jw_int(&e.w, sqlite3_column_int64(srv, 2));
		bind_server(pairs, ip, port);
		ev_rows(&e.w, "pairs", pairs);
		f.evidence = ev_end(&e);
		fmt(summary, sizeof summary,
		    "%s:%d names itself '%.*s' in its banner but '%.*s' in its EHLO reply (%lld sessions).",
		    ip, port, NAME_SHOWN, b ? b : "", NAME_SHOWN, g ? g : "",
		    (long long)sqlite3_column_int64(srv, 2));
		f.server_ip = ip;
		f.server_port = port;
		f.kind = "name_mismatch";
		f.severity = bad ? "medium" : "low";
		f.name = b;
		f.summary = summary;
		f.remediation = REM_MISMATCH;
		f.t0 = sqlite3_column_double(srv, 3);
		f.t1 = sqlite3_column_double(srv, 4);
		r = an_emit(a, &f);
		free(b);
		free(g);
		if (r < 0)
			goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(srv);
	sqlite3_finalize(pairs);
	return rc;
}

/* ---- stalled_deliveries ----------------------------------------------------- */

/* Median of the gaps of one server (client NULL) or one client of it; -1 when none. */
static double stall_median(sqlite3_stmt *st, const char *ip, int port, const char *client,
			   long long ngaps)
{
	double v[2] = { 0, 0 };
	int got = 0;

	if (ngaps <= 0)
		return -1;
	bind_server(st, ip, port);
	if (client)
		sqlite3_bind_text(st, 3, client, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, client ? 4 : 3, (ngaps - 1) / 2);
	while (got < 2 && sqlite3_step(st) == SQLITE_ROW)
		v[got++] = sqlite3_column_double(st, 0);
	sqlite3_reset(st);
	if (got == 0)
		return -1;
	if (ngaps % 2 == 0 && got == 2)
		return (v[0] + v[1]) / 2;
	return v[0];
}

/* v (>= 0) rounded to one decimal, without libm. */
static double round1(double v)
{
	return v > 0 && v < 1e15 ? (double)(long long)(v * 10.0 + 0.5) / 10.0 : v;
}

static void jw_secs(struct jw *w, const char *key, double v)
{
	jw_key(w, key);
	if (v < 0)
		jw_null(w);
	else
		jw_num(w, v);
}

static int an_stalled(struct an *a)
{
	sqlite3_stmt *srv, *med = NULL, *cmed = NULL, *cl = NULL, *ex = NULL, *top = NULL;
	int rc = -1;

	srv = an_prep(a, "SELECT server_ip, server_port, count(*), min(ts), max(ts),"
		" count(DISTINCT client_ip), count(gap) FROM an_stall"
		" GROUP BY server_ip, server_port HAVING count(*) >= 2");
	med = an_prep(a, "SELECT gap FROM an_stall WHERE server_ip = ?1 AND server_port = ?2"
		" AND gap IS NOT NULL ORDER BY gap LIMIT 2 OFFSET ?3");
	cmed = an_prep(a, "SELECT gap FROM an_stall WHERE server_ip = ?1 AND server_port = ?2"
		" AND client_ip = ?3 AND gap IS NOT NULL ORDER BY gap LIMIT 2 OFFSET ?4");
	cl = an_prep(a, "SELECT client_ip, count(*), min(ts), max(ts), count(gap) FROM an_stall"
		" WHERE server_ip = ?1 AND server_port = ?2 GROUP BY client_ip"
		" ORDER BY count(*) DESC, client_ip LIMIT 10");
	ex = an_prep(a, "SELECT id FROM an_stall WHERE server_ip = ?1 AND server_port = ?2"
		" ORDER BY ts, id LIMIT 10");
	top = an_prep(a, "SELECT name FROM an_top WHERE server_ip = ?1 AND server_port = ?2"
		" ORDER BY src = 'greeting' LIMIT 1");
	if (!srv || !med || !cmed || !cl || !ex || !top)
		goto out;
	while (sqlite3_step(srv) == SQLITE_ROW) {
		const char *ip = ctext(srv, 0);
		int port = sqlite3_column_int(srv, 1);
		long long attempts = sqlite3_column_int64(srv, 2);
		double t0 = sqlite3_column_double(srv, 3), t1 = sqlite3_column_double(srv, 4);
		double span = t1 - t0, median;
		int kb;
		char summary[SUMMARY_MAX], *name = NULL;
		struct finding f = { 0 };
		struct ev e;
		int r;

		if (!ip)
			continue;
		kb = an_has(a, ip, port, "non_fqdn_greeting");
		bind_server(top, ip, port);
		if (sqlite3_step(top) == SQLITE_ROW)
			name = cdup(top, 0);
		sqlite3_reset(top);
		median = stall_median(med, ip, port, NULL, sqlite3_column_int64(srv, 6));
		if (ev_begin(&e) < 0) {
			free(name);
			goto out;
		}
		jw_key(&e.w, "attempts");
		jw_int(&e.w, attempts);
		jw_key(&e.w, "clients_total");
		jw_int(&e.w, sqlite3_column_int64(srv, 5));
		jw_key(&e.w, "clients");
		jw_arr(&e.w);
		bind_server(cl, ip, port);
		while (sqlite3_step(cl) == SQLITE_ROW) {
			const char *cip = ctext(cl, 0);
			jw_obj(&e.w);
			jw_key(&e.w, "client_ip");
			jw_str(&e.w, cip);
			jw_key(&e.w, "attempts");
			jw_int(&e.w, sqlite3_column_int64(cl, 1));
			jw_key(&e.w, "first_ts");
			jw_num(&e.w, sqlite3_column_double(cl, 2));
			jw_key(&e.w, "last_ts");
			jw_num(&e.w, sqlite3_column_double(cl, 3));
			jw_secs(&e.w, "median_retry_s",
				cip ? stall_median(cmed, ip, port, cip, sqlite3_column_int64(cl, 4)) : -1);
			jw_obj_end(&e.w);
		}
		sqlite3_reset(cl);
		jw_arr_end(&e.w);
		jw_secs(&e.w, "median_retry_s", median);
		jw_key(&e.w, "first_attempt");
		jw_num(&e.w, t0);
		jw_key(&e.w, "last_attempt");
		jw_num(&e.w, t1);
		jw_key(&e.w, "span_s");
		jw_num(&e.w, span);
		jw_key(&e.w, "expiry_s");
		jw_num(&e.w, EXPIRY_S);
		jw_key(&e.w, "expiry_used_pct");
		jw_num(&e.w, round1(span * 100.0 / EXPIRY_S));
		jw_key(&e.w, "hours_to_expiry");
		jw_num(&e.w, span >= EXPIRY_S ? 0.0 : round1((EXPIRY_S - span) / 3600.0));
		jw_key(&e.w, "non_fqdn_greeting");
		jw_bool(&e.w, kb);
		bind_server(ex, ip, port);
		ev_ids(&e.w, "example_sessions", ex);
		f.evidence = ev_end(&e);
		if (median >= 0)
			fmt(summary, sizeof summary,
			    "%lld delivery attempts to %s:%d stopped after EHLO without sending mail "
			    "(median retry %.0f s, %.1f h of the 48 h expiry used).",
			    attempts, ip, port, median, span / 3600.0);
		else
			fmt(summary, sizeof summary,
			    "%lld delivery attempts to %s:%d stopped after EHLO without sending mail.",
			    attempts, ip, port);
		f.server_ip = ip;
		f.server_port = port;
		f.kind = "stalled_deliveries";
		f.severity = kb ? "high" : "medium";
		f.name = name;
		f.summary = summary;
		f.remediation = kb ? REM_KB301401 : REM_STALLED;
		f.t0 = t0;
		f.t1 = t1;
		r = an_emit(a, &f);
		free(name);
		if (r < 0)
			goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(srv);
	sqlite3_finalize(med);
	sqlite3_finalize(cmed);
	sqlite3_finalize(cl);
	sqlite3_finalize(ex);
	sqlite3_finalize(top);
	return rc;
}

/* ---- expired_447 --------------------------------------------------------------- */

static int an_447(struct an *a)
{
	sqlite3_stmt *srv, *mtas = NULL, *doms = NULL, *how = NULL, *ex = NULL, *stall = NULL;
	sqlite3_stmt *un = NULL, *umtas = NULL, *udoms = NULL, *uex = NULL;
	int rc = -1;

	srv = an_prep(a, "SELECT t.server_ip, t.server_port, count(DISTINCT t.mail_id),"
		" min(r.ts), max(r.ts), min(t.name) FROM an_tie t JOIN an_dsn r ON r.mail_id = t.mail_id"
		" GROUP BY t.server_ip, t.server_port");
	mtas = an_prep(a, "SELECT r.mta AS reporting_mta, count(DISTINCT r.mail_id) AS reports"
		" FROM an_tie t JOIN an_dsn r ON r.mail_id = t.mail_id"
		" WHERE t.server_ip = ?1 AND t.server_port = ?2 GROUP BY r.mta ORDER BY 2 DESC LIMIT 10");
	doms = an_prep(a, "SELECT lower(r.rdomain) AS domain, count(DISTINCT r.mail_id) AS reports"
		" FROM an_tie t JOIN an_dsn r ON r.mail_id = t.mail_id"
		" WHERE t.server_ip = ?1 AND t.server_port = ?2 AND r.rdomain IS NOT NULL"
		" GROUP BY 1 ORDER BY 2 DESC LIMIT 10");
	how = an_prep(a, "SELECT how, count(DISTINCT mail_id) AS reports FROM an_tie"
		" WHERE server_ip = ?1 AND server_port = ?2 GROUP BY how ORDER BY how");
	ex = an_prep(a, "SELECT DISTINCT mail_id FROM an_tie WHERE server_ip = ?1 AND server_port = ?2"
		" ORDER BY mail_id LIMIT 10");
	stall = an_prep(a, "SELECT count(*) FROM an_stall WHERE server_ip = ?1 AND server_port = ?2");
	un = an_prep(a, "SELECT count(DISTINCT mail_id), min(ts), max(ts) FROM an_dsn"
		" WHERE mail_id NOT IN (SELECT mail_id FROM an_tie)");
	umtas = an_prep(a, "SELECT mta AS reporting_mta, count(DISTINCT mail_id) AS reports FROM an_dsn"
		" WHERE mail_id NOT IN (SELECT mail_id FROM an_tie) GROUP BY mta ORDER BY 2 DESC LIMIT 10");
	udoms = an_prep(a, "SELECT lower(rdomain) AS domain, count(DISTINCT mail_id) AS reports"
		" FROM an_dsn WHERE mail_id NOT IN (SELECT mail_id FROM an_tie) AND rdomain IS NOT NULL"
		" GROUP BY 1 ORDER BY 2 DESC LIMIT 10");
	uex = an_prep(a, "SELECT DISTINCT mail_id FROM an_dsn WHERE mail_id NOT IN"
		" (SELECT mail_id FROM an_tie) ORDER BY mail_id LIMIT 10");
	if (!srv || !mtas || !doms || !how || !ex || !stall || !un || !umtas || !udoms || !uex)
		goto out;
	while (sqlite3_step(srv) == SQLITE_ROW) {
		const char *ip = ctext(srv, 0), *name = ctext(srv, 5);
		int port = sqlite3_column_int(srv, 1);
		long long n = sqlite3_column_int64(srv, 2), retries = 0;
		char summary[SUMMARY_MAX], marker[NAME_SHOWN + 16];
		struct finding f = { 0 };
		struct ev e;
		int r;

		if (!ip || !name)
			continue;
		bind_server(stall, ip, port);
		if (sqlite3_step(stall) == SQLITE_ROW)
			retries = sqlite3_column_int64(stall, 0);
		sqlite3_reset(stall);
		fmt(marker, sizeof marker, "<%.*s #4.4.7>", NAME_SHOWN, name);
		if (ev_begin(&e) < 0)
			goto out;
		jw_key(&e.w, "reports");
		jw_int(&e.w, n);
		bind_server(mtas, ip, port);
		ev_rows(&e.w, "reporting_mtas", mtas);
		jw_key(&e.w, "marker");
		jw_str(&e.w, marker);
		bind_server(doms, ip, port);
		ev_rows(&e.w, "recipient_domains", doms);
		bind_server(how, ip, port);
		ev_rows(&e.w, "tied_by", how);
		jw_key(&e.w, "chain");
		jw_obj(&e.w);
		jw_key(&e.w, "server_name");
		jw_str(&e.w, name);
		jw_key(&e.w, "aborted_retries");
		jw_int(&e.w, retries);
		jw_key(&e.w, "reports_447");
		jw_int(&e.w, n);
		jw_obj_end(&e.w);
		bind_server(ex, ip, port);
		ev_ids(&e.w, "example_mails", ex);
		f.evidence = ev_end(&e);
		fmt(summary, sizeof summary,
		    "%lld delivery-status report%s with status 4.4.7 (message expired) name %s:%d "
		    "('%.*s'), after %lld aborted delivery attempt%s.",
		    n, n == 1 ? "" : "s", ip, port, NAME_SHOWN, name, retries, retries == 1 ? "" : "s");
		f.server_ip = ip;
		f.server_port = port;
		f.kind = "expired_447";
		f.severity = "high";
		f.name = name;
		f.summary = summary;
		f.remediation = an_has(a, ip, port, "non_fqdn_greeting") ? REM_KB301401 : REM_447;
		f.t0 = sqlite3_column_double(srv, 3);
		f.t1 = sqlite3_column_double(srv, 4);
		r = an_emit(a, &f);
		if (r < 0)
			goto out;
	}
	/* reports about no server seen in the capture */
	if (sqlite3_step(un) == SQLITE_ROW && sqlite3_column_int64(un, 0) > 0) {
		long long n = sqlite3_column_int64(un, 0);
		char summary[SUMMARY_MAX], *top = NULL;
		struct finding f = { 0 };
		struct ev e;
		int r;

		if (sqlite3_step(umtas) == SQLITE_ROW)
			top = cdup(umtas, 0);
		sqlite3_reset(umtas);
		if (ev_begin(&e) < 0) {
			free(top);
			goto out;
		}
		jw_key(&e.w, "reports");
		jw_int(&e.w, n);
		ev_rows(&e.w, "reporting_mtas", umtas);
		ev_rows(&e.w, "recipient_domains", udoms);
		ev_ids(&e.w, "example_mails", uex);
		f.evidence = ev_end(&e);
		fmt(summary, sizeof summary,
		    "%lld delivery-status report%s with status 4.4.7 (message expired) name no "
		    "server seen in the capture (reporting MTA '%.*s').",
		    n, n == 1 ? "" : "s", NAME_SHOWN, top ? top : "?");
		f.kind = "expired_447";
		f.severity = "medium";
		f.name = top;
		f.summary = summary;
		f.remediation = REM_447_UNTIED;
		f.t0 = sqlite3_column_type(un, 1) == SQLITE_NULL ? -1 : sqlite3_column_double(un, 1);
		f.t1 = sqlite3_column_type(un, 2) == SQLITE_NULL ? -1 : sqlite3_column_double(un, 2);
		r = an_emit(a, &f);
		free(top);
		if (r < 0)
			goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(srv);
	sqlite3_finalize(mtas);
	sqlite3_finalize(doms);
	sqlite3_finalize(how);
	sqlite3_finalize(ex);
	sqlite3_finalize(stall);
	sqlite3_finalize(un);
	sqlite3_finalize(umtas);
	sqlite3_finalize(udoms);
	sqlite3_finalize(uex);
	return rc;
}

/* ---- client_non_fqdn_helo ---------------------------------------------------- */

static int an_client_helo(struct an *a)
{
	sqlite3_stmt *cl, *args = NULL;
	int rc = -1;

	if (an_exec(a, "DROP TABLE IF EXISTS temp.an_helo;"
		"CREATE TEMP TABLE an_helo AS SELECT * FROM (SELECT client_ip, helo_arg AS arg,"
		" count(*) AS n, min(first_ts) AS t0, max(last_ts) AS t1, min(id) AS ex,"
		" fqdn_kind(helo_arg) AS k FROM sessions WHERE helo_arg IS NOT NULL"
		" GROUP BY client_ip, helo_arg) WHERE k NOT IN ('fqdn', 'address_literal');"
		"CREATE INDEX temp.an_helo_k ON an_helo(client_ip);") < 0)
		return -1;
	cl = an_prep(a, "SELECT client_ip, sum(n), min(t0), max(t1) FROM an_helo GROUP BY client_ip");
	args = an_prep(a, "SELECT arg AS helo_arg, k AS kind, n AS sessions, ex AS example_session"
		" FROM an_helo WHERE client_ip = ?1 ORDER BY n DESC, arg LIMIT 10");
	if (!cl || !args)
		goto out;
	while (sqlite3_step(cl) == SQLITE_ROW) {
		const char *cip = ctext(cl, 0);
		char summary[SUMMARY_MAX], *arg = NULL, *kind = NULL;
		struct finding f = { 0 };
		struct ev e;
		int r;

		if (!cip)
			continue;
		sqlite3_bind_text(args, 1, cip, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(args) == SQLITE_ROW) {
			arg = cdup(args, 0);
			kind = cdup(args, 1);
		}
		sqlite3_reset(args);
		if (ev_begin(&e) < 0) {
			free(arg);
			free(kind);
			goto out;
		}
		jw_key(&e.w, "sessions");
		jw_int(&e.w, sqlite3_column_int64(cl, 1));
		sqlite3_bind_text(args, 1, cip, -1, SQLITE_TRANSIENT);
		ev_rows(&e.w, "arguments", args);
		f.evidence = ev_end(&e);
		fmt(summary, sizeof summary,
		    "Client %s greets with HELO/EHLO '%.*s' (%s), neither an FQDN nor an address "
		    "literal (RFC 5321 4.1.1.1).", cip, NAME_SHOWN, arg ? arg : "", kind ? kind : "?");
		f.client_ip = cip;
		f.kind = "client_non_fqdn_helo";
		f.severity = "low";
		f.name = arg;
		f.summary = summary;
		f.remediation = REM_CLIENT_HELO;
		f.t0 = sqlite3_column_double(cl, 2);
		f.t1 = sqlite3_column_double(cl, 3);
		r = an_emit(a, &f);
		free(arg);
		free(kind);
		if (r < 0)
			goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(cl);
	sqlite3_finalize(args);
	return rc;
}

/* ---- cleartext_auth -------------------------------------------------------------- */

static int an_cleartext(struct an *a)
{
	sqlite3_stmt *srv, *mech = NULL, *ex = NULL;
	int rc = -1;

	/* One pass over the sessions (a plain scan: few of them authenticate, so
	 * walking an index and looking each session up would cost more), per
	 * server and mechanism; the per-server rows and lists come from it. */
	if (an_exec(a, "DROP TABLE IF EXISTS temp.an_auths; DROP TABLE IF EXISTS temp.an_auth;"
		"CREATE TEMP TABLE an_auths AS SELECT id, server_ip, server_port,"
		" upper(auth_mechanism) AS mech, auth_code, xexps_used, first_ts, last_ts"
		" FROM sessions NOT INDEXED WHERE auth_mechanism IS NOT NULL AND starttls = 0;"
		"CREATE INDEX temp.an_auths_k ON an_auths(server_ip, server_port, id);"
		"CREATE TEMP TABLE an_auth AS SELECT server_ip, server_port, mech, count(*) AS n,"
		" sum(mech IN ('LOGIN', 'PLAIN')) AS plain, sum(xexps_used) AS xu,"
		" min(first_ts) AS t0, max(last_ts) AS t1, sum(auth_code BETWEEN 200 AND 299) AS ok"
		" FROM an_auths GROUP BY server_ip, server_port, mech;"
		"CREATE INDEX temp.an_auth_k ON an_auth(server_ip, server_port);") < 0)
		return -1;
	srv = an_prep(a, "SELECT server_ip, server_port, sum(n), sum(plain), sum(xu),"
		" min(t0), max(t1), sum(ok) FROM an_auth GROUP BY server_ip, server_port");
	mech = an_prep(a, "SELECT mech AS mechanism, n AS sessions, ok AS accepted FROM an_auth"
		" WHERE server_ip = ?1 AND server_port = ?2 ORDER BY 2 DESC, 1 LIMIT 10");
	ex = an_prep(a, "SELECT id FROM an_auths WHERE server_ip = ?1 AND server_port = ?2"
		" ORDER BY id LIMIT 10");
	if (!srv || !mech || !ex)
		goto out;
	while (sqlite3_step(srv) == SQLITE_ROW) {
		const char *ip = ctext(srv, 0);
		int port = sqlite3_column_int(srv, 1);
		long long n = sqlite3_column_int64(srv, 2), plain = sqlite3_column_int64(srv, 3);
		char summary[SUMMARY_MAX], *top = NULL;
		struct finding f = { 0 };
		struct ev e;
		int r;

		if (!ip)
			continue;
		bind_server(mech, ip, port);
		if (sqlite3_step(mech) == SQLITE_ROW)
			top = cdup(mech, 0);
		sqlite3_reset(mech);
		if (ev_begin(&e) < 0) {
			free(top);
			goto out;
		}
		jw_key(&e.w, "sessions");
		jw_int(&e.w, n);
		jw_key(&e.w, "login_plain");
		jw_int(&e.w, plain);
		jw_key(&e.w, "xexps_used");
		jw_int(&e.w, sqlite3_column_int64(srv, 4));
		jw_key(&e.w, "accepted");
		jw_int(&e.w, sqlite3_column_int64(srv, 7));
		bind_server(mech, ip, port);
		ev_rows(&e.w, "mechanisms", mech);
		bind_server(ex, ip, port);
		ev_ids(&e.w, "example_sessions", ex);
		f.evidence = ev_end(&e);
		fmt(summary, sizeof summary,
		    "%lld AUTH/X-EXPS exchange%s with %s:%d without STARTTLS%s (mechanism %.*s).",
		    n, n == 1 ? "" : "s", ip, port,
		    plain ? ", passwords readable (LOGIN/PLAIN)" : "", NAME_SHOWN, top ? top : "?");
		f.server_ip = ip;
		f.server_port = port;
		f.kind = "cleartext_auth";
		f.severity = plain ? "high" : "medium";
		f.name = top;
		f.summary = summary;
		f.remediation = REM_CLEARTEXT;
		f.t0 = sqlite3_column_double(srv, 5);
		f.t1 = sqlite3_column_double(srv, 6);
		r = an_emit(a, &f);
		free(top);
		if (r < 0)
			goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(srv);
	sqlite3_finalize(mech);
	sqlite3_finalize(ex);
	return rc;
}

/* ---- per-server flags: starttls_not_offered, rejected_sessions, legacy_software ---- */

static int an_server_flags(struct an *a)
{
	sqlite3_stmt *tls, *rej = NULL, *codes = NULL, *ex = NULL, *leg = NULL, *top = NULL;
	int rc = -1;

	tls = an_prep(a, "SELECT s.server_ip, s.server_port, s.ehlo_ok, s.t0, s.t1 FROM an_srv s"
		" WHERE s.ehlo_ok > 0 AND s.starttls_ok = 0 AND s.server_port <> 465"
		" AND NOT EXISTS (SELECT 1 FROM an_tls t WHERE t.server_ip = s.server_ip"
		"  AND t.server_port = s.server_port)");
	rej = an_prep(a, "SELECT server_ip, server_port, rejected, n, t0, t1 FROM an_srv WHERE rejected > 0");
	codes = an_prep(a, "SELECT banner_code, helo_code, count(*) AS sessions FROM sessions"
		" WHERE server_ip = ?1 AND server_port = ?2 AND outcome = 'rejected'"
		" GROUP BY banner_code, helo_code ORDER BY 3 DESC LIMIT 10");
	ex = an_prep(a, "SELECT id FROM sessions WHERE server_ip = ?1 AND server_port = ?2"
		" AND outcome = 'rejected' ORDER BY id LIMIT 10");
	leg = an_prep(a, "SELECT server_ip, server_port, legacy, n, t0, t1 FROM an_srv WHERE legacy IS NOT NULL");
	top = an_prep(a, "SELECT name FROM an_top WHERE server_ip = ?1 AND server_port = ?2"
		" ORDER BY src = 'greeting' LIMIT 1");
	if (!tls || !rej || !codes || !ex || !leg || !top)
		goto out;
	while (sqlite3_step(tls) == SQLITE_ROW) {
		const char *ip = ctext(tls, 0);
		int port = sqlite3_column_int(tls, 1);
		char summary[SUMMARY_MAX], ev[64], *name = NULL;
		struct finding f = { 0 };
		int r;

		if (!ip)
			continue;
		bind_server(top, ip, port);
		if (sqlite3_step(top) == SQLITE_ROW)
			name = cdup(top, 0);
		sqlite3_reset(top);
		fmt(ev, sizeof ev, "{\"ehlo_sessions\":%lld}", (long long)sqlite3_column_int64(tls, 2));
		fmt(summary, sizeof summary, "%s:%d answered EHLO in %lld sessions but never offered STARTTLS.",
		    ip, port, (long long)sqlite3_column_int64(tls, 2));
		f.server_ip = ip;
		f.server_port = port;
		f.kind = "starttls_not_offered";
		f.severity = "low";
		f.name = name;
		f.summary = summary;
		f.evidence = ev;
		f.remediation = REM_STARTTLS;
		f.t0 = sqlite3_column_double(tls, 3);
		f.t1 = sqlite3_column_double(tls, 4);
		r = an_insert(a, &f);
		free(name);
		if (r < 0)
			goto out;
	}
	while (sqlite3_step(rej) == SQLITE_ROW) {
		const char *ip = ctext(rej, 0);
		int port = sqlite3_column_int(rej, 1);
		long long n = sqlite3_column_int64(rej, 2);
		char summary[SUMMARY_MAX], *name = NULL;
		struct finding f = { 0 };
		struct ev e;
		int r;

		if (!ip)
			continue;
		bind_server(top, ip, port);
		if (sqlite3_step(top) == SQLITE_ROW)
			name = cdup(top, 0);
		sqlite3_reset(top);
		if (ev_begin(&e) < 0) {
			free(name);
			goto out;
		}
		jw_key(&e.w, "rejected");
		jw_int(&e.w, n);
		jw_key(&e.w, "sessions");
		jw_int(&e.w, sqlite3_column_int64(rej, 3));
		bind_server(codes, ip, port);
		ev_rows(&e.w, "codes", codes);
		bind_server(ex, ip, port);
		ev_ids(&e.w, "example_sessions", ex);
		f.evidence = ev_end(&e);
		fmt(summary, sizeof summary, "%s:%d rejected the greeting or HELO/EHLO in %lld of %lld sessions.",
		    ip, port, n, (long long)sqlite3_column_int64(rej, 3));
		f.server_ip = ip;
		f.server_port = port;
		f.kind = "rejected_sessions";
		f.severity = "info";
		f.name = name;
		f.summary = summary;
		f.remediation = REM_REJECTED;
		f.t0 = sqlite3_column_double(rej, 4);
		f.t1 = sqlite3_column_double(rej, 5);
		r = an_emit(a, &f);
		free(name);
		if (r < 0)
			goto out;
	}
	while (sqlite3_step(leg) == SQLITE_ROW) {
		const char *ip = ctext(leg, 0), *sw = ctext(leg, 2);
		int port = sqlite3_column_int(leg, 1);
		char summary[SUMMARY_MAX];
		struct finding f = { 0 };
		struct ev e;
		int r;

		if (!ip || !sw)
			continue;
		if (ev_begin(&e) < 0)
			goto out;
		jw_key(&e.w, "software");
		jw_str(&e.w, sw);
		jw_key(&e.w, "sessions");
		jw_int(&e.w, sqlite3_column_int64(leg, 3));
		f.evidence = ev_end(&e);
		fmt(summary, sizeof summary, "%s:%d runs end-of-life mail software (%.*s).",
		    ip, port, NAME_SHOWN, sw);
		f.server_ip = ip;
		f.server_port = port;
		f.kind = "legacy_software";
		f.severity = "low";
		f.name = sw;
		f.summary = summary;
		f.remediation = REM_LEGACY;
		f.t0 = sqlite3_column_double(leg, 4);
		f.t1 = sqlite3_column_double(leg, 5);
		r = an_emit(a, &f);
		if (r < 0)
			goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(tls);
	sqlite3_finalize(rej);
	sqlite3_finalize(codes);
	sqlite3_finalize(ex);
	sqlite3_finalize(leg);
	sqlite3_finalize(top);
	return rc;
}

/* ---- driver ------------------------------------------------------------------------- */

int analyze_run(struct sqlite3 *db, char *err, size_t errlen)
{
	struct an a = { db, err, errlen, NULL, NULL };
	struct rq_tuning tune;
	int rc = -1;

	if (err && errlen)
		err[0] = '\0';
	if (analyze_register_functions(db) < 0)
		return an_fail(&a, "register functions");
	rq_tune(db, &tune);
	if (an_exec(&a, "SAVEPOINT analyze") < 0) {
		rq_untune(db, &tune);
		return -1;
	}
	if (an_exec(&a, "DELETE FROM findings") < 0 || an_exec(&a, SQL_TEMP) < 0)
		goto out;
	a.ins = an_prep(&a, "INSERT INTO findings (server_ip, server_port, kind, severity, name,"
		" summary, evidence, first_ts, last_ts, remediation, client_ip)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
	a.has = an_prep(&a, "SELECT 1 FROM findings WHERE server_ip = ?1 AND server_port = ?2"
		" AND kind = ?3 LIMIT 1");
	if (!a.ins || !a.has)
		goto out;
	/* order matters: stalled and 4.4.7 look at non_fqdn_greeting */
	if (an_non_fqdn(&a) < 0 || an_mismatch(&a) < 0 || an_stalled(&a) < 0 || an_447(&a) < 0 ||
	    an_client_helo(&a) < 0 || an_cleartext(&a) < 0 || an_server_flags(&a) < 0)
		goto out;
	rc = 0;
out:
	sqlite3_finalize(a.ins);
	sqlite3_finalize(a.has);
	sqlite3_exec(db, SQL_DROP_TEMP, NULL, NULL, NULL);
	sqlite3_exec(db, "DROP TABLE IF EXISTS temp.an_mm; DROP TABLE IF EXISTS temp.an_helo;"
		     " DROP TABLE IF EXISTS temp.an_auth; DROP TABLE IF EXISTS temp.an_auths;",
		     NULL, NULL, NULL);
	if (rc < 0)
		sqlite3_exec(db, "ROLLBACK TO analyze", NULL, NULL, NULL);
	if (sqlite3_exec(db, "RELEASE analyze", NULL, NULL, NULL) != SQLITE_OK && rc == 0)
		rc = an_fail(&a, "commit");
	rq_untune(db, &tune);
	return rc;
}
