/* \summary: hygiene finding kinds: cleartext_auth (RFC 4954 section 4: no
 * plain passwords without TLS), starttls_not_offered (RFC 3207),
 * rejected_sessions, legacy_software. */
#include "reports/analysis/kinds.h"

#include <sqlite3.h>
#include <string.h>

#include "reports/analysis/remedy.h"

static const char Q_TOP_NAME[] =
	"SELECT name FROM an_top WHERE server_ip = ?1 AND server_port = ?2"
	" ORDER BY src = 'ehlo_reply' LIMIT 1";

/* ---- cleartext_auth -------------------------------------------------------------- */

static const char Q_MECHS[] =
	"SELECT mech AS mechanism, n AS sessions, ok AS accepted FROM an_auth"
	" WHERE server_ip = ?1 AND server_port = ?2 AND class = ?3 ORDER BY 2 DESC, 1 LIMIT 10";
static const char Q_AUTH_IDS[] =
	"SELECT id FROM an_auths WHERE server_ip = ?1 AND server_port = ?2 AND class = ?3"
	" ORDER BY id LIMIT 10";

/* One finding per server and mechanism class (queries/kind_cleartext_auth.sql),
 * named after the mechanism that sets its severity: the class's most used. */
int build_cleartext_auth(struct an *a, sqlite3_stmt *row, struct finding *f)
{
	const char *ip = an_text(row, 0), *cls = an_text(row, 8), *mech = an_text(row, 9);
	int port = sqlite3_column_int(row, 1);
	long long n = sqlite3_column_int64(row, 2), plain = sqlite3_column_int64(row, 3);
	sqlite3_stmt *mechs = an_q(a, Q_MECHS), *ex = an_q(a, Q_AUTH_IDS);
	struct jw *w = f->ev;
	int pw;
	char ep[AN_EP_MAX];

	if (!mechs || !ex)
		return -1;
	if (!ip || !cls)
		return 0;
	pw = strcmp(cls, "password") == 0;
	an_endpoint(ip, port, ep);
	ev_str(w, "class", cls);
	ev_str(w, "mechanism", mech);
	ev_int(w, "sessions", n);
	ev_int(w, "login_plain", plain);
	ev_int(w, "xexps_used", sqlite3_column_int64(row, 4));
	ev_int(w, "accepted", sqlite3_column_int64(row, 7));
	an_bind_server(mechs, ip, port);
	sqlite3_bind_text(mechs, 3, cls, -1, SQLITE_TRANSIENT);
	ev_rows(w, "mechanisms", mechs);
	an_bind_server(ex, ip, port);
	sqlite3_bind_text(ex, 3, cls, -1, SQLITE_TRANSIENT);
	ev_ids(w, "example_sessions", ex);
	an_summary(f, "%lld AUTH/X-EXPS exchange%s with %s without STARTTLS using %.*s%s.",
		   n, an_s(n), ep, AN_NAME_SHOWN, mech ? mech : "?",
		   pw ? ": the password (or token) is readable on the wire"
		      : ": a challenge-response an eavesdropper can attack offline or relay");
	f->server_ip = ip;
	f->server_port = port;
	f->severity = pw ? "high" : "medium";
	f->name = mech;
	f->remediation = REM_CLEARTEXT;
	f->t0 = sqlite3_column_double(row, 5);
	f->t1 = sqlite3_column_double(row, 6);
	return 1;
}

/* ---- starttls_not_offered ------------------------------------------------------- */

int build_starttls_not_offered(struct an *a, sqlite3_stmt *row, struct finding *f)
{
	const char *ip = an_text(row, 0);
	int port = sqlite3_column_int(row, 1);
	long long n = sqlite3_column_int64(row, 2);
	sqlite3_stmt *top = an_q(a, Q_TOP_NAME);
	char ep[AN_EP_MAX];

	if (!top)
		return -1;
	an_endpoint(ip, port, ep);
	f->name = an_own(f, an_first_text(top, ip, port, 0));
	ev_int(f->ev, "ehlo_sessions", n);
	an_summary(f, "%s answered EHLO in %lld session%s but never offered STARTTLS.", ep, n, an_s(n));
	f->server_ip = ip;
	f->server_port = port;
	f->severity = "low";
	f->remediation = REM_STARTTLS;
	f->t0 = sqlite3_column_double(row, 3);
	f->t1 = sqlite3_column_double(row, 4);
	return 1;
}

/* ---- rejected_sessions ------------------------------------------------------------ */

static const char Q_CODES[] =
	"SELECT banner_code, helo_code, count(*) AS sessions FROM sessions"
	" WHERE server_ip = ?1 AND server_port = ?2 AND outcome = 'rejected'"
	" GROUP BY banner_code, helo_code ORDER BY 3 DESC LIMIT 10";
static const char Q_REJECTED_IDS[] =
	"SELECT id FROM sessions WHERE server_ip = ?1 AND server_port = ?2"
	" AND outcome = 'rejected' ORDER BY id LIMIT 10";

int build_rejected_sessions(struct an *a, sqlite3_stmt *row, struct finding *f)
{
	const char *ip = an_text(row, 0);
	int port = sqlite3_column_int(row, 1);
	long long n = sqlite3_column_int64(row, 2), total = sqlite3_column_int64(row, 3);
	sqlite3_stmt *top = an_q(a, Q_TOP_NAME), *codes = an_q(a, Q_CODES);
	sqlite3_stmt *ex = an_q(a, Q_REJECTED_IDS);
	char ep[AN_EP_MAX];

	if (!top || !codes || !ex)
		return -1;
	an_endpoint(ip, port, ep);
	f->name = an_own(f, an_first_text(top, ip, port, 0));
	ev_int(f->ev, "rejected", n);
	ev_int(f->ev, "sessions", total);
	an_bind_server(codes, ip, port);
	ev_rows(f->ev, "codes", codes);
	an_bind_server(ex, ip, port);
	ev_ids(f->ev, "example_sessions", ex);
	an_summary(f, "%s refused the session at its greeting or at HELO/EHLO in %lld of %lld session%s.",
		   ep, n, total, an_s(total));
	f->server_ip = ip;
	f->server_port = port;
	f->severity = "info";
	f->remediation = REM_REJECTED;
	f->t0 = sqlite3_column_double(row, 4);
	f->t1 = sqlite3_column_double(row, 5);
	return 1;
}

/* ---- legacy_software ---------------------------------------------------------------- */

int build_legacy_software(struct an *a, sqlite3_stmt *row, struct finding *f)
{
	const char *ip = an_text(row, 0), *sw = an_text(row, 2);
	int port = sqlite3_column_int(row, 1);
	char ep[AN_EP_MAX];

	(void)a;
	an_endpoint(ip, port, ep);
	ev_str(f->ev, "software", sw);
	ev_int(f->ev, "sessions", sqlite3_column_int64(row, 3));
	an_summary(f, "%s runs end-of-life mail software (%.*s).", ep, AN_NAME_SHOWN, sw);
	f->server_ip = ip;
	f->server_port = port;
	f->severity = "low";
	f->name = sw;
	f->remediation = REM_LEGACY;
	f->t0 = sqlite3_column_double(row, 4);
	f->t1 = sqlite3_column_double(row, 5);
	return 1;
}
