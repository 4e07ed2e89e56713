/* \summary: merging one smtpscope database into another (`smtpscope merge`).
 *
 * store_merge() copies every capture of the database at in_path that out does
 * not hold yet, with its sessions and all their rows (extensions, commands,
 * replies, mails with recipients and DSN recipients, anomalies) and the
 * capture's counters and statistics.  Ids are remapped: captures, sessions and
 * mails get new ids in out.  A capture is "already present" when out has one
 * with the same content_hash and file_size (files), or the same kind, source
 * and started time (live captures and unhashed files such as stdin), so
 * merging the same input twice adds nothing.  Findings are not copied: the
 * caller recomputes them (analyze_run()).
 *
 * The input must be a smtpscope database of the same or an older schema
 * version; it is opened read-only and never modified.  Columns that an older
 * input lacks take their defaults.  The copy is one transaction on out: it
 * lands whole or not at all.  out's open batch is committed first. */
#ifndef SMTPSCOPE_MERGE_H
#define SMTPSCOPE_MERGE_H

#include <stddef.h>
#include <stdint.h>

struct store;

struct merge_counts {
	int64_t captures;   /* captures copied */
	int64_t sessions;   /* sessions copied */
	int64_t mails;      /* mail transactions copied */
	int64_t skipped;    /* input captures already present in out */
};

/* 0 on success (also when nothing was new), -1 with the reason in err. */
int store_merge(struct store *out, const char *in_path, char *err, size_t errlen);

/* The same, also reporting what was copied in *n (may be NULL). */
int store_merge_counts(struct store *out, const char *in_path, struct merge_counts *n,
		       char *err, size_t errlen);

/* Helpers shared with store.c (implemented there). */

/* Checks, without writing anything, that path is a smtpscope database whose
 * schema is not newer than this build's: 0 with its version in *version (0
 * for an empty database), -1 with the reason in err. */
int store_probe_file(const char *path, int *version, char *err, size_t errlen);

/* The highest schema version built in (NNN of the last schema/NNN_*.sql). */
int store_schema_max(void);

/* "file:" URI naming path (percent-encoded), with "?query" appended when
 * query is not NULL.  malloc'd; NULL when out of memory. */
char *store_path_uri(const char *path, const char *query);

#endif
