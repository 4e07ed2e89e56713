/* \summary: the name a misconfigured server should announce, when the
 * evidence shows one.
 *
 * Each source is one query over the analysis's tables, taking the server
 * (?1 ip, ?2 port) and the name at fault (?3), returning the name it
 * suggests (column 0) or no row; the first source that answers wins.  A
 * suggestion must itself be an FQDN (is_fqdn()).  Add a source (for example
 * the name in the server's TLS certificate) as one entry of sources[]. */
#include "reports/analysis/an.h"

#include <sqlite3.h>
#include <stdlib.h>

struct source {
	const char *name;   /* findings.suggested_source */
	const char *sql;
};

static const struct source sources[] = {
	/* the FQDN the server itself gives in its EHLO reply, then in its greeting */
	{ "ehlo_reply",
	  "SELECT name FROM an_name WHERE server_ip = ?1 AND server_port = ?2 AND src = 'ehlo_reply'"
	  " AND kind = 'fqdn' AND ?3 IS NOT NULL ORDER BY n DESC, name LIMIT 1" },
	{ "greeting",
	  "SELECT name FROM an_name WHERE server_ip = ?1 AND server_port = ?2 AND src = 'greeting'"
	  " AND kind = 'fqdn' AND ?3 IS NOT NULL ORDER BY n DESC, name LIMIT 1" },
	/* the FQDN it gives in HELO/EHLO when it sends mail itself (same
	 * address), first label equal to the bad name (temp.an_own_helo, made by
	 * reports/queries/kind_non_fqdn_greeting.sql) */
	{ "own_helo",
	  "SELECT name FROM an_own_helo WHERE client_ip = ?1 AND ?2 IS NOT NULL"
	  " AND label = ?3 COLLATE NOCASE ORDER BY n DESC, name LIMIT 1" },
	/* the Reporting-MTA of 4.4.7 reports whose first label is the bad name:
	 * the server's own full name, as its organisation's MTAs write it
	 * (temp.an_dsn_mta, made by kind_non_fqdn_greeting.sql) */
	{ "dsn_reporting_mta",
	  "SELECT name FROM an_dsn_mta WHERE label = ?3 COLLATE NOCASE"
	  " AND ?1 IS NOT NULL AND ?2 IS NOT NULL ORDER BY n DESC, name LIMIT 1" },
	/* ---- add sources in a block of their own below ---- */
	/* issue 16: an FQDN in the server's own TLS certificate (DNS SAN or CN,
	 * no wildcard), the one whose first label is the bad name first
	 * (EXCH01 -> exch01.corp.example.com), then the CN */
	{ "tls_certificate",
	  "SELECT lower(cn.name) FROM an_tls_leaf l JOIN certificate_names cn ON cn.certificate_id = l.cert_id"
	  " WHERE l.server_ip = ?1 AND l.server_port = ?2 AND cn.kind IN ('dns', 'cn')"
	  " AND cn.name NOT LIKE '*%' AND is_fqdn(cn.name)"
	  " ORDER BY substr(cn.name, 1, instr(cn.name || '.', '.') - 1) = ?3 COLLATE NOCASE DESC,"
	  " cn.kind = 'cn' DESC, l.n DESC, cn.rowid LIMIT 1" },
};

int an_suggest(struct an *a, const char *ip, int port, const char *bad, struct finding *f)
{
	size_t i;

	for (i = 0; i < sizeof sources / sizeof sources[0]; i++) {
		sqlite3_stmt *st = an_q(a, sources[i].sql);
		char *s;

		if (!st)
			return -1;
		sqlite3_bind_text(st, 3, bad, -1, SQLITE_TRANSIENT);
		s = an_first_text(st, ip, port, 0);
		if (s) {
			f->suggested_name = an_own(f, s);
			f->suggested_source = sources[i].name;
			return 0;
		}
	}
	return 0;
}
