/* \summary: finding kinds from the TLS handshake (issue 16):
 * certificate_suggests_name, certificate_name_mismatch, certificate_expired,
 * certificate_self_signed, tls_legacy_version.  Their queries
 * (reports/queries/kind_certificate_*.sql, kind_tls_legacy_version.sql) do
 * the work and share one row layout, so one builder serves them all:
 *   0 server_ip, 1 server_port, 2 severity, 3 name, 4 summary, 5 first_ts,
 *   6 last_ts, 7 remediation, 8.. evidence (key = the column's alias).
 * Only facts parsed in clear from the handshake are used, never the
 * encrypted-phase estimate (tls_estimates). */
#include "reports/analysis/kinds.h"

#include <sqlite3.h>
#include <string.h>

static const char *severity(const char *s)
{
	static const char *const known[] = { "high", "medium", "low", "info" };
	size_t i;

	for (i = 0; s && i < sizeof known / sizeof known[0]; i++)
		if (strcmp(s, known[i]) == 0)
			return known[i];
	return "info";
}

int build_tls_row(struct an *a, sqlite3_stmt *row, struct finding *f)
{
	int i, n = sqlite3_column_count(row);
	const char *summary = an_text(row, 4);

	(void)a;
	if (n < 8 || !an_text(row, 0))
		return 0;
	f->server_ip = an_text(row, 0);
	f->server_port = sqlite3_column_int(row, 1);
	f->severity = severity(an_text(row, 2));
	f->name = an_own(f, an_dup(row, 3));
	an_summary(f, "%s", summary ? summary : "");
	f->t0 = sqlite3_column_type(row, 5) == SQLITE_NULL ? -1 : sqlite3_column_double(row, 5);
	f->t1 = sqlite3_column_type(row, 6) == SQLITE_NULL ? -1 : sqlite3_column_double(row, 6);
	f->remediation = an_own(f, an_dup(row, 7));
	for (i = 8; i < n; i++) {
		const char *key = sqlite3_column_name(row, i);
		jw_key(f->ev, key);
		ev_col(f->ev, row, i);
		if (key && strcmp(key, "suggested_name") == 0 && an_text(row, i)) {
			f->suggested_name = an_own(f, an_dup(row, i));
			f->suggested_source = "tls_certificate";
		}
	}
	return 1;
}
