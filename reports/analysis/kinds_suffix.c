/* \summary: finding kind non_public_name: names that are well formed but that
 * no sender can resolve (Public Suffix List through libpsl; private-use
 * names of RFC 2606, 6761, 6762 appendix G, 8375, 7686, 9476).  Candidates
 * from reports/queries/kind_non_public_name.sql. */
#include "reports/analysis/kinds.h"

#include <sqlite3.h>
#include <string.h>

static const char REM_NON_PUBLIC[] =
	"Announce a name under a public domain you own that resolves to the server (A/AAAA "
	"and a matching PTR), not a private-use or made-up suffix: Postfix myhostname, Exim "
	"primary_hostname, Sendmail confDOMAIN_NAME, Exchange the receive connector's FQDN. "
	"Senders outside the private network cannot resolve it, and those that check the name "
	"(Exchange 2000 before SP2, KB 301401) give up.";

static const char Q_NPN_IDS[] =
	"SELECT id FROM sessions WHERE server_ip = ?1 AND server_port = ?2"
	" AND (banner_host = ?3 OR greeting_host = ?3) ORDER BY id LIMIT 10";

int build_non_public_name(struct an *a, sqlite3_stmt *row, struct finding *f)
{
	const char *ip = an_text(row, 0), *src = an_text(row, 2), *name = an_text(row, 3);
	const char *cls = an_text(row, 4);
	int port = sqlite3_column_int(row, 1);
	long long total = sqlite3_column_int64(row, 7), mine = sqlite3_column_int64(row, 8);
	long long peers = sqlite3_column_int64(row, 9), pub = sqlite3_column_int64(row, 10);
	sqlite3_stmt *ids = an_q(a, Q_NPN_IDS);
	struct jw *w = f->ev;
	int priv = cls && strcmp(cls, "private_use") == 0;

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
	an_summary(f, "%s:%d announces '%.*s' in its %s (%lld of %lld sessions): %s, no sender can "
		   "resolve it on the internet; %lld of its %lld peers have public addresses.",
		   ip, port, AN_NAME_SHOWN, name,
		   strcmp(src, "banner") == 0 ? "banner" : strcmp(src, "greeting") == 0 ? "EHLO reply" :
		   "banner and EHLO reply", mine, total,
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
