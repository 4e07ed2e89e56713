/* \summary: EHLO profiles: each distinct EHLO capability list stored once
 * (schema 007: ehlo_profiles, ehlo_profile_extensions; sessions.ehlo_profile
 * points to one, the `extensions` view joins them back per session).
 *
 * A server answers every EHLO with the same list, so the writer remembers
 * the lists it has stored (at most STORE_PROFILE_CACHE, by content) and a
 * session costs one hash lookup instead of ~13 rows.  A list it does not
 * remember is looked up by its text (unique index), and inserted when new.
 *
 * Ids inserted in the open transaction are only valid once it commits:
 * after any rollback the caller calls ehlo_profiles_rolled_back(), which
 * forgets them.  Functions returning int give 0 or -1 (the reason is
 * sqlite3_errmsg() of the connection). */
#ifndef SMTPSCOPE_EHLO_PROFILE_H
#define SMTPSCOPE_EHLO_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "dissectors/smtp.h"

struct sqlite3;
struct ehlo_profiles;

/* Prepares its statements on db (borrowed; must outlive it).  NULL on error. */
struct ehlo_profiles *ehlo_profiles_new(struct sqlite3 *db);
void ehlo_profiles_free(struct ehlo_profiles *p);   /* NULL is a no-op */

/* The profile id of the list ext[0..n): *id = 0 when n == 0 (no EHLO
 * list), else the row of ehlo_profiles with that text, inserted if new.
 * Runs inside the caller's transaction. */
int ehlo_profiles_id(struct ehlo_profiles *p, const struct smtp_extension *ext, int n, int64_t *id);

/* The transaction that inserted profiles was rolled back: forget them. */
void ehlo_profiles_rolled_back(struct ehlo_profiles *p);

/* The text ehlo_profiles.capabilities holds for a list: one line per
 * extension, "KEYWORD" or "KEYWORD params", joined by '\n' (the same text
 * schema/007_ingest.sql builds from old rows).  Written to buf (NUL-
 * terminated when cap > 0); returns the full length, which may exceed cap. */
size_t ehlo_caps_text(const struct smtp_extension *ext, int n, char *buf, size_t cap);

#endif
