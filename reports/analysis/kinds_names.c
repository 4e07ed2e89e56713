/* \summary: finding kinds about names: non_fqdn_greeting, name_mismatch,
 * client_non_fqdn_helo, non_public_name (RFC 5321 4.1.1.1, 4.3.1; Microsoft KB 301401).
 * Candidates come from reports/queries/kind_<kind>.sql. */
#include "reports/analysis/kinds.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/analysis/remedy.h"
#include "reports/query/kinds.h"

/* ---- non_fqdn_greeting ----------------------------------------------------- */

static const char Q_NAMES[] =
	"SELECT src AS source, name, kind, n AS sessions FROM an_name"
	" WHERE server_ip = ?1 AND server_port = ?2 ORDER BY n DESC, name LIMIT 20";
static const char Q_NAMED_IDS[] =
	"SELECT id FROM sessions WHERE server_ip = ?1 AND server_port = ?2"
	" AND (banner_host = ?3 OR greeting_host = ?3) ORDER BY id LIMIT 10";
/* software_version is a bare column of the group: SQLite takes it from one of
 * the group's rows, which depends on the order the rows are read in, so the
 * index is pinned to the one that reads them in id order */
static const char Q_SOFTWARE[] =
	"SELECT software, software_version FROM sessions INDEXED BY sessions_server"
	" WHERE server_ip = ?1 AND server_port = ?2 AND software IS NOT NULL"
	" GROUP BY software ORDER BY count(*) DESC LIMIT 1";
/* the first session (by id) naming it with an EHLO reply line, else the first
 * naming it: picks that stop at their first match (coalesce() runs the second
 * only when the first found nothing) */
static const char Q_EXAMPLE[] =
	"SELECT banner_text, ehlo_first_line FROM sessions WHERE id = coalesce("
	" (SELECT id FROM sessions WHERE server_ip = ?1 AND server_port = ?2"
	"  AND (banner_host = ?3 OR greeting_host = ?3) AND ehlo_first_line IS NOT NULL"
	"  ORDER BY id LIMIT 1),"
	" (SELECT id FROM sessions WHERE server_ip = ?1 AND server_port = ?2"
	"  AND (banner_host = ?3 OR greeting_host = ?3) ORDER BY id LIMIT 1))";

int build_non_fqdn_greeting(struct an *a, sqlite3_stmt *row, struct finding *f)
{
	const char *ip = an_text(row, 0), *src = an_text(row, 2), *name = an_text(row, 3);
	const char *kind = an_text(row, 4);
	int port = sqlite3_column_int(row, 1);
	int exch = sqlite3_column_int(row, 7), xexps = sqlite3_column_int(row, 8);
	int kb = exch || xexps;
	long long total = sqlite3_column_int64(row, 9), mine = sqlite3_column_int64(row, 10);
	char share[64] = "";
	sqlite3_stmt *names = an_q(a, Q_NAMES), *ids = an_q(a, Q_NAMED_IDS);
	sqlite3_stmt *sw = an_q(a, Q_SOFTWARE), *ex = an_q(a, Q_EXAMPLE);
	struct jw *w = f->ev;
	char ep[AN_EP_MAX], kw[32];

	if (!names || !ids || !sw || !ex)
		return -1;
	an_endpoint(ip, port, ep);
	ev_str(w, "name", name);
	ev_str(w, "kind", kind);
	ev_str(w, "source", src);
	ev_int(w, "name_sessions", mine);
	ev_int(w, "server_sessions", total);
	an_bind_server(names, ip, port);
	ev_rows(w, "names", names);
	an_bind_server(sw, ip, port);
	ev_first(w, "software", sw);
	ev_bool(w, "exchange2000", exch);
	ev_bool(w, "xexps_advertised", xexps);
	ev_bool(w, "kb301401", kb);
	an_bind_server(ids, ip, port);
	sqlite3_bind_text(ids, 3, name, -1, SQLITE_TRANSIENT);
	ev_ids(w, "example_sessions", ids);
	an_bind_server(ex, ip, port);
	sqlite3_bind_text(ex, 3, name, -1, SQLITE_TRANSIENT);
	jw_key(w, "example_banner");
	if (sqlite3_step(ex) == SQLITE_ROW) {
		ev_col(w, ex, 0);
		jw_key(w, "example_ehlo_first_line");
		ev_col(w, ex, 1);
	} else {
		jw_null(w);
	}
	sqlite3_reset(ex);
	if (mine < total)
		snprintf(share, sizeof share, " in %lld of %lld sessions", mine, total);
	an_summary(f, "%s announces '%.*s' (%s) in its %s%s, not a fully qualified domain name%s",
		   ep, AN_NAME_SHOWN, name, name_kind_words(kind, kw, sizeof kw),
		   strcmp(src, "greeting") == 0 ? "greeting" : strcmp(src, "ehlo_reply") == 0 ? "EHLO reply" :
		   "greeting and EHLO reply", share,
		   kb ? "; Exchange 2000/X-EXPS: the KB 301401 case (senders stop after EHLO, mail "
			"expires with 4.4.7)." : ".");
	if (an_suggest(a, ip, port, name, f) < 0)
		return -1;
	f->server_ip = ip;
	f->server_port = port;
	f->severity = kb ? "high" : "medium";
	f->name = name;
	f->remediation = kb ? REM_KB301401 : REM_FQDN;
	f->t0 = sqlite3_column_double(row, 5);
	f->t1 = sqlite3_column_double(row, 6);
	return 1;
}

/* ---- name_mismatch --------------------------------------------------------- */

static const char Q_PAIRS[] =
	"SELECT b AS greeting_name, g AS ehlo_reply_name, bk AS greeting_kind,"
	" gk AS ehlo_reply_kind, n AS sessions, ex AS example_session FROM an_mm"
	" WHERE server_ip = ?1 AND server_port = ?2 ORDER BY n DESC, b, g LIMIT 10";

int build_name_mismatch(struct an *a, sqlite3_stmt *row, struct finding *f)
{
	const char *ip = an_text(row, 0);
	int port = sqlite3_column_int(row, 1);
	sqlite3_stmt *pairs = an_q(a, Q_PAIRS);
	const char *b, *g;
	long long n = sqlite3_column_int64(row, 2);
	char ep[AN_EP_MAX];

	if (!pairs)
		return -1;
	an_endpoint(ip, port, ep);
	b = an_own(f, an_first_text(pairs, ip, port, 0));
	g = an_own(f, an_first_text(pairs, ip, port, 1));
	ev_int(f->ev, "sessions", sqlite3_column_int64(row, 2));
	an_bind_server(pairs, ip, port);
	ev_rows(f->ev, "pairs", pairs);
	an_summary(f, "%s names itself '%.*s' in its greeting but '%.*s' in its EHLO reply (%lld session%s).",
		   ep, AN_NAME_SHOWN, b ? b : "", AN_NAME_SHOWN, g ? g : "", n, an_s(n));
	f->server_ip = ip;
	f->server_port = port;
	f->severity = sqlite3_column_int(row, 5) ? "medium" : "low";
	f->name = b;
	f->remediation = REM_MISMATCH;
	f->t0 = sqlite3_column_double(row, 3);
	f->t1 = sqlite3_column_double(row, 4);
	return 1;
}

/* ---- client_non_fqdn_helo ---------------------------------------------------- */

static const char Q_ARGS[] =
	"SELECT arg AS helo_arg, k AS kind, n AS sessions, ex AS example_session"
	" FROM an_helo WHERE client_ip = ?1 ORDER BY n DESC, arg LIMIT 10";

/* the servers that refused the name, one row per server and reply (issue 12) */
static const char Q_HELO_REJ[] =
	"SELECT server_ip, server_port, arg AS helo_arg, code, enhanced, min(text) AS reply,"
	" count(*) AS sessions, min(id) AS example_session FROM an_helo_rej WHERE client_ip = ?1"
	" GROUP BY server_ip, server_port, arg, code, enhanced ORDER BY sessions DESC, server_ip LIMIT 10";

int build_client_non_fqdn_helo(struct an *a, sqlite3_stmt *row, struct finding *f)
{
	const char *cip = an_text(row, 0), *arg = NULL, *kind = NULL, *rej_code = NULL;
	long long rejected = sqlite3_column_int64(row, 4);
	sqlite3_stmt *args = an_q(a, Q_ARGS), *rej = an_q(a, Q_HELO_REJ);
	char kw[32];

	if (!args || !rej)
		return -1;
	sqlite3_bind_text(args, 1, cip, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(args) == SQLITE_ROW) {
		arg = an_own(f, an_dup(args, 0));
		kind = an_own(f, an_dup(args, 1));
	}
	sqlite3_reset(args);
	sqlite3_bind_text(rej, 1, cip, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(rej) == SQLITE_ROW) {
		char buf[40];
		const char *enh = an_text(rej, 4);
		snprintf(buf, sizeof buf, "%d%s%.16s", sqlite3_column_int(rej, 3), enh ? " " : "", enh ? enh : "");
		rej_code = an_own(f, strdup(buf));
	}
	sqlite3_reset(rej);
	ev_int(f->ev, "sessions", sqlite3_column_int64(row, 1));
	ev_rows(f->ev, "arguments", args);
	ev_int(f->ev, "rejected_sessions", rejected);
	sqlite3_bind_text(rej, 1, cip, -1, SQLITE_TRANSIENT);
	ev_rows(f->ev, "rejections", rej);
	if (rejected)
		an_summary(f, "Client %s says HELO/EHLO '%.*s' (%s), neither an FQDN nor an address "
			   "literal (RFC 5321 4.1.1.1), and %lld session%s were rejected for it (%s): its "
			   "mail is not delivered.", cip, AN_NAME_SHOWN, arg ? arg : "",
			   name_kind_words(kind, kw, sizeof kw), rejected, an_s(rejected),
			   rej_code ? rej_code : "5xx");
	else
		an_summary(f, "Client %s says HELO/EHLO '%.*s' (%s), neither an FQDN nor an address "
			   "literal (RFC 5321 4.1.1.1).", cip, AN_NAME_SHOWN, arg ? arg : "",
			   name_kind_words(kind, kw, sizeof kw));
	f->client_ip = cip;
	/* a receiver that refuses the name loses the client's mail */
	f->severity = rejected ? "high" : "low";
	f->name = arg;
	f->remediation = REM_CLIENT_HELO;
	f->t0 = sqlite3_column_double(row, 2);
	f->t1 = sqlite3_column_double(row, 3);
	return 1;
}

/* ---- non_public_name (issue 12) ------------------------------------------------
 * Names that are well formed but resolve nowhere: the Public Suffix List
 * through libpsl, private-use names of RFC 2606, 6761, 6762 appendix G, 8375,
 * 7686, 9476 (dissectors/name_class.c). */

static const char REM_NON_PUBLIC[] =
	"Announce a name under a public domain you own that resolves to the server (A/AAAA "
	"and a matching PTR), not a private-use or made-up suffix: Postfix myhostname, Exim "
	"primary_hostname, Sendmail confDOMAIN_NAME, Exchange the receive connector's FQDN. "
	"Senders outside the private network cannot resolve it, and those that check the name "
	"(Exchange 2000 before SP2, KB 301401) give up.";

int build_non_public_name(struct an *a, sqlite3_stmt *row, struct finding *f)
{
	const char *ip = an_text(row, 0), *src = an_text(row, 2), *name = an_text(row, 3);
	const char *cls = an_text(row, 4);
	int port = sqlite3_column_int(row, 1);
	long long total = sqlite3_column_int64(row, 7), mine = sqlite3_column_int64(row, 8);
	long long peers = sqlite3_column_int64(row, 9), pub = sqlite3_column_int64(row, 10);
	sqlite3_stmt *ids = an_q(a, Q_NAMED_IDS);
	struct jw *w = f->ev;
	int priv = cls && strcmp(cls, "private_use") == 0;
	char ep[AN_EP_MAX];

	if (!ids)
		return -1;
	if (!ip || !name || !cls || !src)
		return 0;
	ev_str(w, "name", name);
	ev_str(w, "class", cls);
	ev_str(w, "source", src);
	ev_int(w, "name_sessions", mine);
	ev_int(w, "server_sessions", total);
	ev_int(w, "peers", peers);
	ev_int(w, "public_peers", pub);
	an_bind_server(ids, ip, port);
	sqlite3_bind_text(ids, 3, name, -1, SQLITE_TRANSIENT);
	ev_ids(w, "example_sessions", ids);
	an_endpoint(ip, port, ep);
	an_summary(f, "%s announces '%.*s' in its %s (%lld of %lld sessions): %s, no sender can "
		   "resolve it on the internet; %lld of its %lld peers have public addresses.",
		   ep, AN_NAME_SHOWN, name,
		   strcmp(src, "greeting") == 0 ? "greeting" : strcmp(src, "ehlo_reply") == 0 ? "EHLO reply" :
		   "greeting and EHLO reply", mine, total,
		   priv ? "a private-use name (RFC 2606/6761/6762)" : "its suffix is on no public suffix list",
		   pub, peers);
	f->server_ip = ip;
	f->server_port = port;
	/* only peers on private networks can share the private name space */
	f->severity = pub ? "medium" : "low";
	f->name = name;
	f->remediation = REM_NON_PUBLIC;
	f->t0 = sqlite3_column_double(row, 5);
	f->t1 = sqlite3_column_double(row, 6);
	return 1;
}
