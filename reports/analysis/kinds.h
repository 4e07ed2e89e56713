/* \summary: the builders of the finding kinds (one per entry of an_kinds[]). */
#ifndef SMTPSCOPE_ANALYSIS_KINDS_H
#define SMTPSCOPE_ANALYSIS_KINDS_H

#include "reports/analysis/an.h"

/* kinds_names.c */
int build_non_fqdn_greeting(struct an *a, struct sqlite3_stmt *row, struct finding *f);
int build_name_mismatch(struct an *a, struct sqlite3_stmt *row, struct finding *f);
int build_client_non_fqdn_helo(struct an *a, struct sqlite3_stmt *row, struct finding *f);
/* kinds_delivery.c */
int build_stalled_deliveries(struct an *a, struct sqlite3_stmt *row, struct finding *f);
int build_expired_447(struct an *a, struct sqlite3_stmt *row, struct finding *f);
int build_expired_447_untied(struct an *a, struct sqlite3_stmt *row, struct finding *f);
/* kinds_hygiene.c */
int build_cleartext_auth(struct an *a, struct sqlite3_stmt *row, struct finding *f);
int build_starttls_not_offered(struct an *a, struct sqlite3_stmt *row, struct finding *f);
int build_rejected_sessions(struct an *a, struct sqlite3_stmt *row, struct finding *f);
int build_legacy_software(struct an *a, struct sqlite3_stmt *row, struct finding *f);
/* kinds_names.c (issue 12) */
int build_non_public_name(struct an *a, struct sqlite3_stmt *row, struct finding *f);

#endif
