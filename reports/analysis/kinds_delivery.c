/* \summary: finding kinds about lost mail: stalled_deliveries (senders that
 * stop after EHLO and retry) and expired_447 (delivery-status reports with
 * status 4.4.7, RFC 3463; the "<host #4.4.7>" NDR of KB 301401). */
#include "reports/analysis/kinds.h"

#include <sqlite3.h>
#include <stdio.h>

#include "reports/analysis/remedy.h"
#include "reports/query/table.h"

#define EXPIRY_S 172800.0 /* Exchange's default message expiration: 2 days */

static const char Q_TOP_NAME[] =
	"SELECT name FROM an_top WHERE server_ip = ?1 AND server_port = ?2"
	" ORDER BY src = 'ehlo_reply' LIMIT 1";

/* ---- stalled_deliveries ----------------------------------------------------- */

static const char Q_MEDIAN[] =
	"SELECT gap FROM an_stall WHERE server_ip = ?1 AND server_port = ?2"
	" AND gap IS NOT NULL ORDER BY gap LIMIT 2 OFFSET ?3";
static const char Q_CLIENT_MEDIAN[] =
	"SELECT gap FROM an_stall WHERE server_ip = ?1 AND server_port = ?2"
	" AND client_ip = ?3 AND gap IS NOT NULL ORDER BY gap LIMIT 2 OFFSET ?4";
static const char Q_CLIENTS[] =
	"SELECT client_ip, count(*), min(ts), max(ts), count(gap) FROM an_stall"
	" WHERE server_ip = ?1 AND server_port = ?2 GROUP BY client_ip"
	" ORDER BY count(*) DESC, client_ip LIMIT 10";
static const char Q_STALL_IDS[] =
	"SELECT id FROM an_stall WHERE server_ip = ?1 AND server_port = ?2"
	" ORDER BY ts, id LIMIT 10";

/* Median of the gaps of one server (client NULL) or one client of it; -1 when none. */
static double stall_median(sqlite3_stmt *st, const char *ip, int port, const char *client,
			   long long ngaps)
{
	double v[2] = { 0, 0 };
	int got = 0;

	if (ngaps <= 0)
		return -1;
	an_bind_server(st, ip, port);
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

int build_stalled_deliveries(struct an *a, sqlite3_stmt *row, struct finding *f)
{
	const char *ip = an_text(row, 0);
	int port = sqlite3_column_int(row, 1);
	long long attempts = sqlite3_column_int64(row, 2);
	double t0 = sqlite3_column_double(row, 3), t1 = sqlite3_column_double(row, 4);
	double span = t1 - t0, median;
	char d1[32], d2[32];
	sqlite3_stmt *med = an_q(a, Q_MEDIAN), *cmed = an_q(a, Q_CLIENT_MEDIAN);
	sqlite3_stmt *cl = an_q(a, Q_CLIENTS), *ex = an_q(a, Q_STALL_IDS), *top = an_q(a, Q_TOP_NAME);
	struct jw *w = f->ev;
	char ep[AN_EP_MAX];
	int kb;

	if (!med || !cmed || !cl || !ex || !top)
		return -1;
	an_endpoint(ip, port, ep);
	kb = an_has(a, ip, port, "non_fqdn_greeting");
	f->name = an_own(f, an_first_text(top, ip, port, 0));
	median = stall_median(med, ip, port, NULL, sqlite3_column_int64(row, 6));
	ev_int(w, "attempts", attempts);
	ev_int(w, "clients_total", sqlite3_column_int64(row, 5));
	jw_key(w, "clients");
	jw_arr(w);
	an_bind_server(cl, ip, port);
	while (sqlite3_step(cl) == SQLITE_ROW) {
		const char *cip = an_text(cl, 0);
		jw_obj(w);
		ev_str(w, "client_ip", cip);
		ev_int(w, "attempts", sqlite3_column_int64(cl, 1));
		ev_num(w, "first_ts", sqlite3_column_double(cl, 2));
		ev_num(w, "last_ts", sqlite3_column_double(cl, 3));
		ev_secs(w, "median_retry_s",
			cip ? stall_median(cmed, ip, port, cip, sqlite3_column_int64(cl, 4)) : -1);
		jw_obj_end(w);
	}
	sqlite3_reset(cl);
	jw_arr_end(w);
	ev_secs(w, "median_retry_s", median);
	ev_num(w, "first_attempt", t0);
	ev_num(w, "last_attempt", t1);
	ev_num(w, "span_s", span);
	ev_num(w, "expiry_s", EXPIRY_S);
	ev_num(w, "expiry_used_pct", round1(span * 100.0 / EXPIRY_S));
	ev_num(w, "hours_to_expiry", span >= EXPIRY_S ? 0.0 : round1((EXPIRY_S - span) / 3600.0));
	ev_bool(w, "non_fqdn_greeting", kb);
	an_bind_server(ex, ip, port);
	ev_ids(w, "example_sessions", ex);
	if (median >= 0)
		an_summary(f, "%lld delivery attempts to %s stopped after EHLO without sending mail "
			   "(median retry %s, %s of the 2-day expiry gone).",
			   attempts, ep, fmt_duration(median, d1, sizeof d1), fmt_duration(span, d2, sizeof d2));
	else
		an_summary(f, "%lld delivery attempts to %s stopped after EHLO without sending mail.",
			   attempts, ep);
	f->server_ip = ip;
	f->server_port = port;
	f->severity = kb ? "high" : "medium";
	f->remediation = kb ? REM_KB301401 : REM_STALLED;
	f->t0 = t0;
	f->t1 = t1;
	return 1;
}

/* ---- expired_447 --------------------------------------------------------------- */

static const char Q_MTAS[] =
	"SELECT r.mta AS reporting_mta, count(DISTINCT r.mail_id) AS reports"
	" FROM an_tie t JOIN an_dsn r ON r.mail_id = t.mail_id"
	" WHERE t.server_ip = ?1 AND t.server_port = ?2 GROUP BY r.mta ORDER BY 2 DESC LIMIT 10";
static const char Q_DOMAINS[] =
	"SELECT lower(r.rdomain) AS domain, count(DISTINCT r.mail_id) AS reports"
	" FROM an_tie t JOIN an_dsn r ON r.mail_id = t.mail_id"
	" WHERE t.server_ip = ?1 AND t.server_port = ?2 AND r.rdomain IS NOT NULL"
	" GROUP BY 1 ORDER BY 2 DESC LIMIT 10";
static const char Q_HOW[] =
	"SELECT how, count(DISTINCT mail_id) AS reports FROM an_tie"
	" WHERE server_ip = ?1 AND server_port = ?2 GROUP BY how ORDER BY how";
static const char Q_MAIL_IDS[] =
	"SELECT DISTINCT mail_id FROM an_tie WHERE server_ip = ?1 AND server_port = ?2"
	" ORDER BY mail_id LIMIT 10";
static const char Q_STALLS[] =
	"SELECT count(*) FROM an_stall WHERE server_ip = ?1 AND server_port = ?2";

int build_expired_447(struct an *a, sqlite3_stmt *row, struct finding *f)
{
	const char *ip = an_text(row, 0), *name = an_text(row, 5);
	int port = sqlite3_column_int(row, 1);
	long long n = sqlite3_column_int64(row, 2), retries = 0;
	sqlite3_stmt *mtas = an_q(a, Q_MTAS), *doms = an_q(a, Q_DOMAINS), *how = an_q(a, Q_HOW);
	sqlite3_stmt *ex = an_q(a, Q_MAIL_IDS), *stall = an_q(a, Q_STALLS);
	struct jw *w = f->ev;
	char marker[AN_NAME_SHOWN + 16], ep[AN_EP_MAX];

	if (!mtas || !doms || !how || !ex || !stall)
		return -1;
	an_endpoint(ip, port, ep);
	an_bind_server(stall, ip, port);
	if (sqlite3_step(stall) == SQLITE_ROW)
		retries = sqlite3_column_int64(stall, 0);
	sqlite3_reset(stall);
	snprintf(marker, sizeof marker, "<%.*s #4.4.7>", AN_NAME_SHOWN, name);
	ev_int(w, "reports", n);
	an_bind_server(mtas, ip, port);
	ev_rows(w, "reporting_mtas", mtas);
	ev_str(w, "marker", marker);
	an_bind_server(doms, ip, port);
	ev_rows(w, "recipient_domains", doms);
	an_bind_server(how, ip, port);
	ev_rows(w, "tied_by", how);
	jw_key(w, "chain");
	jw_obj(w);
	ev_str(w, "server_name", name);
	ev_int(w, "aborted_retries", retries);
	ev_int(w, "reports_447", n);
	jw_obj_end(w);
	an_bind_server(ex, ip, port);
	ev_ids(w, "example_mails", ex);
	an_summary(f, "%lld delivery-status report%s with status 4.4.7 (message expired) %s about %s "
		   "('%.*s'), after %lld aborted delivery attempt%s.",
		   n, an_s(n), n == 1 ? "is" : "are", ep, AN_NAME_SHOWN, name, retries, an_s(retries));
	f->server_ip = ip;
	f->server_port = port;
	f->severity = "high";
	f->name = name;
	f->remediation = an_has(a, ip, port, "non_fqdn_greeting") ? REM_KB301401 : REM_447;
	f->t0 = sqlite3_column_double(row, 3);
	f->t1 = sqlite3_column_double(row, 4);
	return 1;
}

static const char Q_UNTIED_MTAS[] =
	"SELECT mta AS reporting_mta, count(DISTINCT mail_id) AS reports FROM an_dsn"
	" WHERE mail_id NOT IN (SELECT mail_id FROM an_tie) GROUP BY mta ORDER BY 2 DESC LIMIT 10";
static const char Q_UNTIED_DOMAINS[] =
	"SELECT lower(rdomain) AS domain, count(DISTINCT mail_id) AS reports"
	" FROM an_dsn WHERE mail_id NOT IN (SELECT mail_id FROM an_tie) AND rdomain IS NOT NULL"
	" GROUP BY 1 ORDER BY 2 DESC LIMIT 10";
static const char Q_UNTIED_IDS[] =
	"SELECT DISTINCT mail_id FROM an_dsn WHERE mail_id NOT IN"
	" (SELECT mail_id FROM an_tie) ORDER BY mail_id LIMIT 10";

/* Reports about no server seen in the capture: one finding. */
int build_expired_447_untied(struct an *a, sqlite3_stmt *row, struct finding *f)
{
	long long n = sqlite3_column_int64(row, 0);
	sqlite3_stmt *mtas = an_q(a, Q_UNTIED_MTAS), *doms = an_q(a, Q_UNTIED_DOMAINS);
	sqlite3_stmt *ex = an_q(a, Q_UNTIED_IDS);
	const char *top = NULL;

	if (!mtas || !doms || !ex)
		return -1;
	if (sqlite3_step(mtas) == SQLITE_ROW)
		top = an_own(f, an_dup(mtas, 0));
	sqlite3_reset(mtas);
	ev_int(f->ev, "reports", n);
	ev_rows(f->ev, "reporting_mtas", mtas);
	ev_rows(f->ev, "recipient_domains", doms);
	ev_ids(f->ev, "example_mails", ex);
	an_summary(f, "%lld delivery-status report%s with status 4.4.7 (message expired) %s about no "
		   "server seen in the capture (reporting MTA '%.*s').",
		   n, an_s(n), n == 1 ? "is" : "are", AN_NAME_SHOWN, top ? top : "?");
	f->severity = "medium";
	f->name = top;
	f->remediation = REM_447_UNTIED;
	f->t0 = sqlite3_column_type(row, 1) == SQLITE_NULL ? -1 : sqlite3_column_double(row, 1);
	f->t1 = sqlite3_column_type(row, 2) == SQLITE_NULL ? -1 : sqlite3_column_double(row, 2);
	return 1;
}
