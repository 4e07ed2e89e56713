/* \summary: the table of finding kinds, in the order the analysis runs them.
 *
 * Adding a kind:
 *   1. reports/queries/kind_<kind>.sql: setup statements (temp tables named
 *      an_*, dropped by the driver) if any, then the SELECT of the
 *      candidates, one row per finding, its columns listed in a comment;
 *   2. a builder (kinds_*.c, declared in kinds.h): evidence, summary,
 *      severity, name, remediation (remedy.c) from the row;
 *   3. one entry below, and one in reports/query/kinds.c (the human name).
 * Order matters where a builder looks at kinds found before it (an_has):
 * stalled_deliveries and expired_447 ask for non_fqdn_greeting. */
#include "reports/analysis/kinds.h"

#include <stddef.h>

const struct an_kind an_kinds[] = {
	{ "non_fqdn_greeting",    "kind_non_fqdn_greeting.sql",    build_non_fqdn_greeting },
	{ "name_mismatch",        "kind_name_mismatch.sql",        build_name_mismatch },
	{ "stalled_deliveries",   "kind_stalled_deliveries.sql",   build_stalled_deliveries },
	{ "expired_447",          "kind_expired_447.sql",          build_expired_447 },
	{ "expired_447",          "kind_expired_447_untied.sql",   build_expired_447_untied },
	{ "client_non_fqdn_helo", "kind_client_non_fqdn_helo.sql", build_client_non_fqdn_helo },
	{ "cleartext_auth",       "kind_cleartext_auth.sql",       build_cleartext_auth },
	{ "starttls_not_offered", "kind_starttls_not_offered.sql", build_starttls_not_offered },
	{ "rejected_sessions",    "kind_rejected_sessions.sql",    build_rejected_sessions },
	{ "legacy_software",      "kind_legacy_software.sql",      build_legacy_software },
	/* ---- add new kinds in a block of their own below ---- */
	/* issue 12: names no sender can resolve */
	{ "non_public_name",      "kind_non_public_name.sql",      build_non_public_name },
	{ NULL, NULL, NULL }
};
