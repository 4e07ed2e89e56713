/* \summary: the SQLite writer: schema, prepared inserts, batched commits.
 *
 * One struct store is one connection.  The schema (schema/NNN_*.sql, built into
 * the binary) is applied by store_open(), and migrations run from whatever
 * version the file has up to STORE_SCHEMA_VERSION.  A file from a newer
 * smtpscope, or one that is not a smtpscope database, is refused and never
 * modified.  All captured text reaches SQL through bound parameters only.
 *
 * Writes are batched: store_session() adds to the open transaction, which is
 * committed every STORE_BATCH_SESSIONS sessions or STORE_BATCH_MS of wall
 * time (store_tick()), and by store_commit().  A crash loses at most the open
 * batch.  The database runs in WAL mode so readers never block the writer.
 *
 * Functions returning int give 0 on success and -1 on error, with the reason
 * in store_error(). */
#ifndef SMTPSCOPE_STORE_H
#define SMTPSCOPE_STORE_H

#include <stdint.h>
#include <stddef.h>

#include "analyzer/engine/session.h"
#include "dissectors/smtp.h"

struct sqlite3;
struct store;

enum store_mode {
	STORE_WRITE,     /* create if missing, migrate, write */
	STORE_READ,      /* must exist and be current; read only.  On read-only
	                    media (or a directory we cannot write) the file is
	                    read as immutable and store_note() says so */
};

struct capture_info {
	const char *source;      /* path, "-" or interface */
	const char *kind;        /* "file" or "live" */
	const char *interface;   /* live only, else NULL */
	const char *filter;      /* live only, else NULL */
	const char *linktype;    /* libpcap's name */
	const char *content_hash;/* hex, file only, else NULL (import.c sets it as it reads) */
	int64_t file_size;       /* -1 when unknown */
	const char *sample_hash; /* sampled fingerprint, regular files only, else NULL */
};

/* Per-capture totals, written by store_capture_update()/store_capture_end(). */
struct capture_totals {
	uint64_t packets, bytes, dropped, if_dropped, smtp_sessions;
	uint64_t first_ts, last_ts;          /* microseconds, 0 when no packet */
};

/* Opens (and in STORE_WRITE mode creates and migrates) path.  NULL on error,
 * with the reason written to err. */
struct store *store_open(const char *path, enum store_mode mode, char *err, size_t errlen);
void store_close(struct store *st);           /* commits; store_close(NULL) is a no-op */
const char *store_error(const struct store *st);
/* A note for the user about how the file was opened (read-only media read
 * as immutable), or NULL. */
const char *store_note(const struct store *st);
struct sqlite3 *store_db(struct store *st);   /* for the reports; owned by st */
int store_schema_version(struct store *st);   /* PRAGMA user_version */

/* Is a file with this hash and size already imported (a finished capture)?
 * 1 yes (its id in *id), 0 no, -1 error. */
int store_capture_known(struct store *st, const char *content_hash, int64_t size, int64_t *id);
/* Removes an earlier import of the same file, for --force. */
int store_capture_forget(struct store *st, int64_t id);

int64_t store_capture_begin(struct store *st, const struct capture_info *ci); /* -1 on error */
int store_capture_update(struct store *st, int64_t id, const struct capture_totals *t);
/* status: "finished", "interrupted" or "error" (with error text). Commits. */
int store_capture_end(struct store *st, int64_t id, const struct capture_totals *t,
		      const char *status, const char *error);
int store_capture_counter(struct store *st, int64_t id, const char *name, uint64_t value);
int store_capture_stats(struct store *st, int64_t id, double wall_ts, const struct capture_totals *t,
			double pps, double mbps);
/* A capture-level anomaly (no session). ts in microseconds. */
int store_capture_anomaly(struct store *st, int64_t capture_id, uint64_t ts, const char *kind,
			  const char *detail);

/* ---- imports (analyzer/capture/import.c) ---------------------------------
 * captures.owner names the writing process ("host pid start"); at every
 * open for writing, a 'running' capture whose process is gone on this host
 * is marked 'interrupted' with the reason (store_mark_abandoned(): the
 * number marked, or -1). */
int store_mark_abandoned(struct store *st);
/* fn runs inside the open batch just before each COMMIT (to record how far
 * the input was read in the same transaction as the sessions). */
void store_set_commit_hook(struct store *st, void (*fn)(void *ctx, struct store *st), void *ctx);
/* content_hash of the first hashed_bytes bytes read; packets and bytes so far. */
int store_capture_progress(struct store *st, int64_t id, const char *content_hash, uint64_t hashed_bytes,
			   uint64_t packets, uint64_t bytes);
/* Deletes captures ids[0..n) with all their rows in one transaction (after
 * committing the open batch). */
int store_capture_forget_many(struct store *st, const int64_t *ids, size_t n);
/* 1 when the last error was SQLITE_BUSY or SQLITE_LOCKED (another writer
 * holds the lock: worth retrying), else 0. */
int store_last_busy(const struct store *st);

/* Sessions committed for a capture; -1 on error. */
int64_t store_capture_sessions(struct store *st, int64_t capture_id);

/* Stored sessions of a capture with a reasm_snaplen anomaly (bytes cut by
 * the capture's snap length).  -1 on error. */
int64_t store_capture_snaplen_sessions(struct store *st, int64_t capture_id);

/* Writes one ended session with everything in rec; returns its id or -1. */
int64_t store_session(struct store *st, const struct session_meta *m, const struct smtp_record *rec);

/* Commits the open batch when it is due (count or wall time); cheap to call often. */
int store_tick(struct store *st);
int store_commit(struct store *st);

#endif
