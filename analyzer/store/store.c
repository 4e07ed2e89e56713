/* \summary: the SQLite writer: schema, migrations, prepared inserts, batched commits.
 *
 * Contract in store.h; the schema it writes is documented in schema/README.md.
 * Rules kept here:
 *  - a file is checked before anything is written to it: not SQLite, SQLite
 *    but not ours, or ours but newer, and it is left untouched;
 *  - schema/NNN_*.sql is applied when NNN > user_version, all files in
 *    one IMMEDIATE transaction (the version re-read inside it),
 *    so 001 creates version 1, 002 migrates 1 to 2, and concurrent openers
 *    of a new file never apply a file twice; a file with no schema at all
 *    gets current.sql instead (what the migrations leave, in one step; made
 *    from them at build time by schema/mkcurrent.py);
 *  - every statement is prepared once in store_open() and run as
 *    bind/step/reset; captured text is bound with its length, never pasted;
 *  - writes go to one open transaction committed every STORE_BATCH_SESSIONS
 *    sessions or STORE_BATCH_MS of CLOCK_MONOTONIC time (crash bound). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "analyzer/store/store.h"
#include "analyzer/base/embedded.h"
#include "analyzer/store/merge.h"
#include "analyzer/store/ehlo_profile.h"
#include "analyzer/store/transcript.h"
#include "analyzer/base/limits.h"
#include "analyzer/base/anomaly.h"
#include "analyzer/store/store_tls.h"
#include "dissectors/fqdn.h"

#define STORE_BUSY_MS 5000   /* wait this long for another writer's lock */

/* Every statement store.c runs, prepared once at open (write mode). */
enum stmt_id {
	Q_BEGIN, Q_COMMIT, Q_ROLLBACK,
	Q_UNDO_RCPT, Q_UNDO_DSN, Q_UNDO_MAILS, Q_UNDO_TRANSCRIPT, Q_UNDO_ANOM, Q_UNDO_SESSION,
	Q_SESSION, Q_TRANSCRIPT, Q_MAIL, Q_RCPT, Q_DSN, Q_ANOM, Q_CAP_SESSIONS,
	Q_CAP_INSERT, Q_CAP_UPDATE, Q_CAP_END, Q_COUNTER, Q_STATS, Q_KNOWN,
	Q_DEL_RCPT, Q_DEL_DSN, Q_DEL_TRANSCRIPT, Q_DEL_ANOM,
	Q_DEL_MAILS, Q_DEL_SESSIONS, Q_DEL_COUNTERS, Q_DEL_STATS, Q_DEL_CAPTURE,
	Q__COUNT
};

#define SESSIONS_OF "(SELECT id FROM sessions WHERE capture_id = ?1)"
#define MAILS_OF "(SELECT id FROM mails WHERE session_id IN " SESSIONS_OF ")"

static const char *const stmt_sql[Q__COUNT] = {
	[Q_BEGIN] = "BEGIN IMMEDIATE",
	[Q_COMMIT] = "COMMIT",
	[Q_ROLLBACK] = "ROLLBACK",
	/* a session that failed half-way is taken out again (no savepoint per
	 * session: two statements of four for a short session) */
	[Q_UNDO_RCPT] = "DELETE FROM recipients WHERE mail_id IN (SELECT id FROM mails WHERE session_id = ?1)",
	[Q_UNDO_DSN] = "DELETE FROM dsn_recipients WHERE mail_id IN (SELECT id FROM mails WHERE session_id = ?1)",
	[Q_UNDO_MAILS] = "DELETE FROM mails WHERE session_id = ?1",
	[Q_UNDO_TRANSCRIPT] = "DELETE FROM transcripts WHERE session_id = ?1",
	[Q_UNDO_ANOM] = "DELETE FROM anomalies WHERE session_id = ?1",
	[Q_UNDO_SESSION] = "DELETE FROM sessions WHERE id = ?1",
	[Q_SESSION] =
		"INSERT INTO sessions (capture_id, client_ip, client_port, server_ip, server_port,"
		" vlan, first_ts, last_ts, ndpi_protocol, banner_code, banner_text, banner_host,"
		" software, helo_verb, helo_arg, greeting_host, starttls, auth_mechanism,"
		" xexps_advertised, xexps_used, mails, outcome, pipelined, bdat, bytes_c2s,"
		" bytes_s2c, gaps, anomalies, software_version, helo_code, ehlo_first_line,"
		" end_reason, client_helo_kind, banner_host_kind, greeting_host_kind,"
		" starttls_code, auth_code, auth_round_trips, auth_payload_bytes,"
		" xexps_mechanisms, auth_advertised, commands_total, replies_total, gap_bytes,"
		" midstream, quit, ehlo_profile, evidence, tunnel, tunnel_target, proxied_client_ip,"
		" proxied_client_port) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
		"?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",

	/* the commands and replies views read it (schema 007, transcript.h) */
	[Q_TRANSCRIPT] = "INSERT INTO transcripts (session_id, commands, replies) VALUES (?,?,?)",
	[Q_MAIL] =
		"INSERT INTO mails (session_id, seq, ts, mail_from, rcpt_count, accepted, size,"
		" subject, message_id, is_dsn, params, size_param, body_type, ret, envid, auth,"
		" mail_code, data_code, final_code, final_enhanced, bdat, bdat_chunks, completed,"
		" hdr_from, hdr_to, hdr_date, content_type)"
		" VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	[Q_RCPT] = "INSERT INTO recipients (mail_id, seq, address, code, enhanced) VALUES (?,?,?,?,?)",
	[Q_DSN] =
		"INSERT INTO dsn_recipients (mail_id, final_recipient, action, status,"
		" reporting_mta, diagnostic) VALUES (?,?,?,?,?,?)",
	[Q_ANOM] = "INSERT INTO anomalies (session_id, capture_id, ts, kind, detail) VALUES (?,?,?,?,?)",
	[Q_CAP_SESSIONS] = "UPDATE captures SET smtp_sessions = smtp_sessions + ?2 WHERE id = ?1",
	[Q_CAP_INSERT] =
		"INSERT INTO captures (source, kind, interface, filter, started, linktype,"
		" content_hash, file_size, sample_hash, owner, status)"
		" VALUES (?,?,?,?,?,?,?,?,?,?,'running')",
	[Q_CAP_UPDATE] =
		"UPDATE captures SET packets = ?2, bytes = ?3, dropped = ?4, if_dropped = ?5,"
		" smtp_sessions = max(smtp_sessions, ?6), first_ts = coalesce(?7, first_ts),"
		" last_ts = coalesce(?8, last_ts) WHERE id = ?1",
	[Q_CAP_END] =
		"UPDATE captures SET packets = ?2, bytes = ?3, dropped = ?4, if_dropped = ?5,"
		/* what was committed, not what the caller counted (?6 is kept
		 * bound for bind_totals() but not used) */
		" smtp_sessions = (SELECT count(*) FROM sessions WHERE capture_id = ?1) + 0 * ?6,"
		" first_ts = coalesce(?7, first_ts),"
		" last_ts = coalesce(?8, last_ts), finished = ?9, status = ?10, error = ?11"
		" WHERE id = ?1",
	[Q_COUNTER] =
		"INSERT INTO capture_counters (capture_id, name, value) VALUES (?,?,?)"
		" ON CONFLICT (capture_id, name) DO UPDATE SET value = excluded.value",
	[Q_STATS] =
		"INSERT INTO capture_stats (capture_id, ts, packets, bytes, pps, mbps,"
		" smtp_sessions, dropped, if_dropped) VALUES (?,?,?,?,?,?,?,?,?)",
	[Q_KNOWN] =
		"SELECT id FROM captures WHERE content_hash = ?1 AND file_size = ?2"
		" AND status = 'finished' ORDER BY id LIMIT 1",
	[Q_DEL_RCPT] = "DELETE FROM recipients WHERE mail_id IN " MAILS_OF,
	[Q_DEL_DSN] = "DELETE FROM dsn_recipients WHERE mail_id IN " MAILS_OF,
	[Q_DEL_TRANSCRIPT] = "DELETE FROM transcripts WHERE session_id IN " SESSIONS_OF,
	[Q_DEL_ANOM] = "DELETE FROM anomalies WHERE capture_id = ?1 OR session_id IN " SESSIONS_OF,
	[Q_DEL_MAILS] = "DELETE FROM mails WHERE session_id IN " SESSIONS_OF,
	[Q_DEL_SESSIONS] = "DELETE FROM sessions WHERE capture_id = ?1",
	[Q_DEL_COUNTERS] = "DELETE FROM capture_counters WHERE capture_id = ?1",
	[Q_DEL_STATS] = "DELETE FROM capture_stats WHERE capture_id = ?1",
	[Q_DEL_CAPTURE] = "DELETE FROM captures WHERE id = ?1",
};

struct store {
	sqlite3 *db;              /* owned */
	enum store_mode mode;
	int in_tx;                /* a batch transaction is open */
	unsigned batch_sessions;  /* sessions written since the last commit */
	uint64_t batch_start_ms;  /* CLOCK_MONOTONIC when the open batch began */
	int64_t count_capture;    /* captures.smtp_sessions still to be added ... */
	uint64_t count_pending;   /* ... this many, written before each commit */
	struct ehlo_profiles *prof; /* owned: EHLO capability lists by content (write mode) */
	struct jbuf jc, jr;       /* owned: the transcript's JSON text being written */
	sqlite3_stmt *q[Q__COUNT];/* owned; all NULL in read mode */
	struct store_tls *tls;    /* owned; the TLS tables' statements (write mode) */
	char err[512];
	char note[512];           /* something the user should know about the open, or "" */
	void (*commit_hook)(void *ctx, struct store *st); /* run in the batch before each COMMIT */
	void *commit_ctx;
	int in_hook;
	char owner[128];          /* "host pid start" of this process (captures.owner) */
};

/* ---- small helpers ------------------------------------------------------ */

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int fail(struct store *st, const char *what)
{
	set_err(st->err, sizeof st->err, "%s: %s", what, sqlite3_errmsg(st->db));
	return -1;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double usec_to_sec(uint64_t us)
{
	return (double)us / 1e6;
}

static sqlite3_int64 clamp64(uint64_t v)
{
	return v > (uint64_t)INT64_MAX ? INT64_MAX : (sqlite3_int64)v;
}

/* Binds parameters left to right: b.i is the next index. */
struct binder {
	sqlite3_stmt *s;
	int i;
	int rc;                   /* first bind error, SQLITE_OK when none */
};

static void b_note(struct binder *b, int rc)
{
	if (rc != SQLITE_OK && b->rc == SQLITE_OK)
		b->rc = rc;
	b->i++;
}

/* NULL binds NULL.  The text must stay valid until the statement is stepped
 * (SQLITE_STATIC): every caller steps before returning. */
static void b_text(struct binder *b, const char *z)
{
	size_t n;

	if (!z) {
		b_note(b, sqlite3_bind_null(b->s, b->i));
		return;
	}
	n = strlen(z);
	if (n > INT_MAX)
		n = INT_MAX;
	b_note(b, sqlite3_bind_text(b->s, b->i, z, (int)n, SQLITE_STATIC));
}

/* Text that must not be NULL in the schema: NULL is stored as ''. */
static void b_text_nn(struct binder *b, const char *z)
{
	b_text(b, z ? z : "");
}

/* A fixed-size char array that may lack its NUL. */
static void b_text_arr(struct binder *b, const char *z, size_t cap)
{
	b_note(b, sqlite3_bind_text(b->s, b->i, z, (int)strnlen(z, cap), SQLITE_STATIC));
}

static void b_int(struct binder *b, sqlite3_int64 v)
{
	b_note(b, sqlite3_bind_int64(b->s, b->i, v));
}

static void b_u64(struct binder *b, uint64_t v)
{
	b_int(b, clamp64(v));
}

/* Reply codes and the like: 0 means "none" and is stored as NULL. */
static void b_code(struct binder *b, int v)
{
	if (v == 0)
		b_note(b, sqlite3_bind_null(b->s, b->i));
	else
		b_int(b, v);
}

static void b_real(struct binder *b, double v)
{
	b_note(b, sqlite3_bind_double(b->s, b->i, v));
}

/* A capture timestamp in microseconds; 0 (never seen) is NULL. */
static void b_ts(struct binder *b, uint64_t us)
{
	if (us == 0)
		b_note(b, sqlite3_bind_null(b->s, b->i));
	else
		b_real(b, usec_to_sec(us));
}

static struct binder bind_start(sqlite3_stmt *s)
{
	struct binder b = { s, 1, SQLITE_OK };

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return b;
}

/* The insert path's bind_start(): its statements bind every parameter
 * each time (run() checks the count), so the old bindings are overwritten
 * and need no clearing; the statement was reset after its last step. */
static struct binder bind_insert(sqlite3_stmt *s)
{
	struct binder b = { s, 1, SQLITE_OK };

	return b;
}

/* Steps a bound statement to completion and resets it.  0 or -1. */
static int run(struct store *st, struct binder *b, const char *what)
{
	int rc;

	if (b->rc != SQLITE_OK || b->i - 1 != sqlite3_bind_parameter_count(b->s)) {
		set_err(st->err, sizeof st->err, "%s: binding parameters failed (%d of %d)", what,
			b->i - 1, sqlite3_bind_parameter_count(b->s));
		sqlite3_reset(b->s);
		return -1;
	}
	rc = sqlite3_step(b->s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		fail(st, what);
		sqlite3_reset(b->s);
		return -1;
	}
	sqlite3_reset(b->s);
	return 0;
}

static int run_plain(struct store *st, enum stmt_id id, const char *what)
{
	struct binder b = bind_start(st->q[id]);

	return run(st, &b, what);
}

/* ---- file checks and schema ---------------------------------------------- */

/* Version number of a schema file name "NNN_name.sql", or -1. */
static int schema_file_version(const char *name)
{
	int v = 0, digits = 0;

	for (; *name >= '0' && *name <= '9' && digits < 6; name++, digits++)
		v = v * 10 + (*name - '0');
	return digits > 0 && *name == '_' ? v : -1;
}

int store_schema_max(void)
{
	const struct embedded_sql *f;
	int max = 0, v;

	for (f = schema_files; f->name; f++) {
		v = schema_file_version(f->name);
		if (v > max)
			max = v;
	}
	return max;
}

/* 1: path does not exist or is empty (SQLite treats both as a new database);
 * 0: it starts with the SQLite header; -1: something else (err set). */
static int check_header(const char *path, char *err, size_t errlen)
{
	static const char magic[16] = "SQLite format 3";   /* with its NUL: 16 bytes */
	char head[16];
	struct stat sb;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		set_err(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) < 0) {
		set_err(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		set_err(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if (sb.st_size == 0) {
		close(fd);
		return 1;
	}
	n = read(fd, head, sizeof head);
	close(fd);
	if (n != (ssize_t)sizeof head || memcmp(head, magic, sizeof magic) != 0) {
		set_err(err, errlen, "%s: not an SQLite database (refusing to touch it)", path);
		return -1;
	}
	return 0;
}

/* A single integer from a one-row query, or -1 (err set). */
static int query_int(sqlite3 *db, const char *sql, long long *out, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		set_err(err, errlen, "%s", sqlite3_errmsg(db));
		return -1;
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(s, 0);
	} else if (rc == SQLITE_DONE) {
		*out = 0;
	} else {
		set_err(err, errlen, "%s", sqlite3_errmsg(db));
		sqlite3_finalize(s);
		return -1;
	}
	sqlite3_finalize(s);
	return 0;
}

/* Looks at an open database without writing: its user_version, and whether
 * it is ours.  0 ok (version in *version, 1 in *empty when it has no
 * schema at all), -1 refused or error (err set). */
static int inspect(sqlite3 *db, const char *path, int *version, int *empty,
		   char *err, size_t errlen)
{
	long long uv, objects, ours;
	int max = store_schema_max();

	if (query_int(db, "PRAGMA user_version", &uv, err, errlen) < 0 ||
	    query_int(db, "SELECT count(*) FROM sqlite_master", &objects, err, errlen) < 0 ||
	    query_int(db, "SELECT ((SELECT count(*) FROM pragma_table_info('captures')"
		      "          WHERE name IN ('source', 'kind', 'started', 'content_hash', 'status')) = 5)"
		      " + ((SELECT count(*) FROM pragma_table_info('sessions')"
		      "          WHERE name IN ('capture_id', 'client_ip', 'server_ip', 'banner_host')) = 4)",
		      &ours, err, errlen) < 0) {
		char why[256];
		snprintf(why, sizeof why, "%s", err ? err : "");
		set_err(err, errlen, "%s: cannot read the database: %s", path, why);
		return -1;
	}
	*empty = objects == 0 && uv == 0;
	if (uv < 0 || uv > INT_MAX) {
		set_err(err, errlen, "%s: not a smtpscope database (user_version %lld)", path, uv);
		return -1;
	}
	if (uv > max) {
		set_err(err, errlen, "%s: database schema version %lld is newer than this smtpscope "
			"supports (%d); upgrade smtpscope", path, uv, max);
		return -1;
	}
	/* Ours: empty, or a version-0 file that has our captures table (001
	 * uses IF NOT EXISTS, so it can be applied again), or a versioned file
	 * with both of our core tables.  "Ours" means the table exists with
	 * columns only smtpscope gives it, not merely a table of that name. */
	if (uv == 0 && objects > 0 && ours == 0) {
		set_err(err, errlen, "%s: an SQLite database that is not smtpscope's "
			"(refusing to touch it)", path);
		return -1;
	}
	if (uv > 0 && ours < 2) {
		set_err(err, errlen, "%s: an SQLite database that is not smtpscope's "
			"(user_version %lld without its tables; refusing to touch it)", path, uv);
		return -1;
	}
	*version = (int)uv;
	return 0;
}

int store_probe_file(const char *path, int *version, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	char *uri;
	int head, empty = 0, rc;

	head = check_header(path, err, errlen);
	if (head < 0)
		return -1;
	if (head == 1) {
		set_err(err, errlen, "%s: no smtpscope database here", path);
		return -1;
	}
	uri = store_path_uri(path, NULL);
	if (!uri) {
		set_err(err, errlen, "out of memory");
		return -1;
	}
	rc = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
	free(uri);
	if (rc != SQLITE_OK) {
		set_err(err, errlen, "%s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return -1;
	}
	sqlite3_busy_timeout(db, STORE_BUSY_MS);
	rc = inspect(db, path, version, &empty, err, errlen);
	sqlite3_close(db);
	return rc;
}

/* current.sql (made from the migrations at build time by
 * schema/mkcurrent.py): the objects the migrations leave in a new database,
 * with the same text and order, in one step; NULL unless it is of this
 * build's version (then new files get the migrations, as every other file
 * does). */
static const char *current_schema(int max)
{
	const char *t = embedded_find(schema_files, "current.sql");
	int v;

	if (!t || sscanf(t, "-- smtpscope schema version %d", &v) != 1 || v != max)
		return NULL;
	return t;
}

/* Applies every embedded schema file newer than the file's version, all in
 * one IMMEDIATE transaction: two processes opening a new database at once
 * queue on the write lock, and the second re-reads user_version inside the
 * transaction, so it finds the schema the first one committed and applies
 * nothing (no "duplicate column" from running 002 twice).  A failure rolls
 * everything back: the file stays at the version it had.  A file with no
 * schema object at all gets current.sql instead (the same result without
 * the migrations' ALTER TABLEs, each of which reparses the whole schema). */
static int migrate(sqlite3 *db, int *version, char *err, size_t errlen)
{
	const struct embedded_sql *f = NULL;
	const char *cur, *name = NULL;
	char *msg = NULL;
	long long uv, objects = -1;
	int v, max = store_schema_max();

	if (*version >= max)
		return 0;
	cur = current_schema(max);
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK) {
		set_err(err, errlen, "updating the schema: %s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	if (query_int(db, "PRAGMA user_version", &uv, err, errlen) < 0)
		goto fail_tx_err;
	if (uv > max) {
		set_err(err, errlen, "database schema version %lld is newer than this smtpscope "
			"supports (%d); upgrade smtpscope", uv, max);
		goto fail_tx_err;
	}
	*version = (int)uv;
	if (uv == 0 && cur &&
	    query_int(db, "SELECT count(*) FROM sqlite_master", &objects, err, errlen) < 0)
		goto fail_tx_err;
	if (objects == 0) {
		name = "current.sql";
		if (sqlite3_exec(db, cur, NULL, NULL, &msg) != SQLITE_OK)
			goto fail_tx;
		if (query_int(db, "PRAGMA user_version", &uv, err, errlen) < 0)
			goto fail_tx_err;
		if (uv != max) {
			set_err(err, errlen, "applying schema current.sql: it gave version %lld, not %d",
				uv, max);
			goto fail_tx_err;
		}
	} else {
		for (f = schema_files; f->name; f++) {
			v = schema_file_version(f->name);
			if (v <= *version)
				continue;
			name = f->name;
			if (sqlite3_exec(db, f->text, NULL, NULL, &msg) != SQLITE_OK)
				goto fail_tx;
			if (query_int(db, "PRAGMA user_version", &uv, err, errlen) < 0)
				goto fail_tx_err;
			if (uv != v) {
				char sql[64];
				snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v);
				if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
					goto fail_tx;
			}
		}
	}
	name = NULL;
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK)
		goto fail_tx;
	*version = max;
	return 0;
fail_tx:
	set_err(err, errlen, "applying schema %s: %s", name ? name : "(commit)",
		msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
fail_tx_err:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* "file:" URI for path (percent-encoded), so that the connection can be
 * opened with SQLITE_OPEN_URI (merge attaches its input read-only by URI)
 * and a file really named "file:x" still means that file.  malloc'd. */
char *store_path_uri(const char *path, const char *query)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(path), q = query ? strlen(query) + 1 : 0, i, o = 0;
	char *u = malloc(5 + 3 * n + q + 1);

	if (!u)
		return NULL;
	memcpy(u, "file:", 5);
	o = 5;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)path[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '/' || c == '.' || c == '_' || c == '-') {
			u[o++] = (char)c;
		} else {
			u[o++] = '%';
			u[o++] = hex[c >> 4];
			u[o++] = hex[c & 15];
		}
	}
	if (query) {
		u[o++] = '?';
		memcpy(u + o, query, q - 1);
		o += q - 1;
	}
	u[o] = 0;
	return u;
}

/* ---- open / close ---------------------------------------------------------- */

static void owner_init(struct store *st);

/* Opens st->db on path (by URI, with an optional query such as
 * "immutable=1") and sets what every connection gets.  0 or -1 (err set). */
static int open_conn(struct store *st, const char *path, int flags, const char *query,
		     char *err, size_t errlen)
{
	char *uri = store_path_uri(path, query);
	int rc;

	if (!uri) {
		set_err(err, errlen, "out of memory");
		return -1;
	}
	rc = sqlite3_open_v2(uri, &st->db, flags | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
	free(uri);
	if (rc != SQLITE_OK) {
		set_err(err, errlen, "%s: %s", path, st->db ? sqlite3_errmsg(st->db) : "out of memory");
		return -1;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, STORE_BUSY_MS);
	/* A schema (ours, or an attached merge input) may not call functions
	 * with side effects from its views or triggers.  Writes nothing. */
	sqlite3_exec(st->db, "PRAGMA trusted_schema = OFF", NULL, NULL, NULL);
	return 0;
}

/* The last error says the shared-memory (-shm) or -wal file could not be
 * opened or created: read-only media or a directory we cannot write. */
static int cannot_share(sqlite3 *db)
{
	int rc = sqlite3_extended_errcode(db) & 0xff;

	return rc == SQLITE_CANTOPEN || rc == SQLITE_READONLY;
}


struct store *store_open(const char *path, enum store_mode mode, char *err, size_t errlen)
{
	struct store *st = NULL;
	char *msg = NULL;
	int head, version = 0, empty = 0, max = store_schema_max(), i, flags, rc;

	if (!path || !*path) {
		set_err(err, errlen, "no database path");
		return NULL;
	}
	head = check_header(path, err, errlen);
	if (head < 0)
		return NULL;
	if (head == 1 && mode == STORE_READ) {
		set_err(err, errlen, "%s: no smtpscope database here (run a capture or import first)",
			path);
		return NULL;
	}
	st = calloc(1, sizeof *st);
	if (!st) {
		set_err(err, errlen, "out of memory");
		return NULL;
	}
	st->mode = mode;
	flags = mode == STORE_READ ? SQLITE_OPEN_READONLY
				   : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	/* No global memory statistics: they take a mutex on every allocation.
	 * Only possible before SQLite initialises; later calls fail harmlessly. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if (open_conn(st, path, flags, NULL, err, errlen) < 0)
		goto fail;
	/* Nothing is written before this check passes. */
	rc = inspect(st->db, path, &version, &empty, err, errlen);
	if (rc < 0 && mode == STORE_READ && cannot_share(st->db)) {
		/* A WAL database on read-only media, or in a directory this user
		 * cannot write: SQLite cannot create the -shm file readers share.
		 * Read the file as immutable instead (nothing can change under us
		 * there anyway), and say so. */
		char path_wal[PATH_MAX];
		struct stat wb;
		int wal_left;

		snprintf(path_wal, sizeof path_wal, "%s-wal", path);
		wal_left = stat(path_wal, &wb) == 0 && wb.st_size > 0;
		sqlite3_close(st->db);
		st->db = NULL;
		if (open_conn(st, path, flags, "immutable=1", err, errlen) < 0)
			goto fail;
		rc = inspect(st->db, path, &version, &empty, err, errlen);
		if (rc == 0)
			set_err(st->note, sizeof st->note,
				"%s: read-only location (the shared-memory file cannot be created); "
				"reading it as an immutable file%s", path,
				wal_left ? ", without the changes still in its -wal file (open it once where "
					   "it can be written to fold them in)" : "");
	}
	if (rc < 0)
		goto fail;

	if (mode == STORE_READ) {
		if (empty) {
			set_err(err, errlen, "%s: no smtpscope database here (empty file)", path);
			goto fail;
		}
		if (version < max) {
			set_err(err, errlen, "%s: database schema version %d is older than this smtpscope's "
				"(%d); run `smtpscope analyze --db %s` (any command that writes migrates it)",
				path, version, max, path);
			goto fail;
		}
		return st;
	}

	/* cache_size: a batch's pages stay in memory instead of spilling to the
	 * WAL page by page (8 MiB: a batch fits, and memory stays flat however
	 * large the database grows); temp_store: sorts and temp tables in memory;
	 * wal_autocheckpoint 8192 pages (32 MiB, SQLite's default is 4 MiB): a
	 * replay's rows are copied into the file once, while its analysis runs
	 * (checkpoint.h), instead of every 4 MiB and once more on the commit
	 * right after the capture, in front of the analysis; a sensor's -wal
	 * stays under about 32 MiB. */
	/* Switching a new file to WAL needs it to itself for a moment, and
	 * SQLite does not wait for that: several first-time writers at once
	 * retry for up to STORE_BUSY_MS. */
	for (i = 0;; i++) {
		rc = sqlite3_exec(st->db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
				  " PRAGMA foreign_keys = ON; PRAGMA cache_size = -8192;"
				  " PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = 8192;", NULL, NULL, &msg);
		if (rc == SQLITE_OK)
			break;
		if (((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) && i < STORE_BUSY_MS / 20) {
			sqlite3_free(msg);
			msg = NULL;
			usleep(20000);
			continue;
		}
		set_err(err, errlen, "%s: %s", path, msg ? msg : sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		goto fail;
	}
	if (migrate(st->db, &version, err, errlen) < 0)
		goto fail;
	for (i = 0; i < Q__COUNT; i++) {
		if (sqlite3_prepare_v3(st->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
				       &st->q[i], NULL) != SQLITE_OK) {
			set_err(err, errlen, "%s: preparing statement %d: %s", path, i,
				sqlite3_errmsg(st->db));
			goto fail;
		}
	}
	if (!(st->tls = store_tls_new(st->db, err, errlen)))
		goto fail;
	if (!(st->prof = ehlo_profiles_new(st->db))) {
		set_err(err, errlen, "%s: preparing the EHLO profile statements: %s", path,
			sqlite3_errmsg(st->db));
		goto fail;
	}
	/* A capture left 'running' by a process that is gone (kill -9, a
	 * crash, a full disk that failed its last commit) says so from now on. */
	owner_init(st);
	store_mark_abandoned(st);
	return st;
fail:
	store_close(st);
	return NULL;
}

void store_close(struct store *st)
{
	int i;

	if (!st)
		return;
	if (st->in_tx)
		store_commit(st);
	for (i = 0; i < Q__COUNT; i++)
		sqlite3_finalize(st->q[i]);
	store_tls_free(st->tls);
	ehlo_profiles_free(st->prof);
	jbuf_free(&st->jc);
	jbuf_free(&st->jr);
	/* statistics for the query planner; analysis_limit: ANALYZE reads a
	 * sample of each index instead of all of it (SQLite's advice for
	 * PRAGMA optimize), so closing stays cheap however big the file is */
	if (st->db && st->mode == STORE_WRITE)
		sqlite3_exec(st->db, "PRAGMA analysis_limit = 400; PRAGMA optimize", NULL, NULL, NULL);
	sqlite3_close(st->db);
	free(st);
}

const char *store_note(const struct store *st)
{
	return st && st->note[0] ? st->note : NULL;
}

const char *store_error(const struct store *st)
{
	return st ? st->err : "out of memory";
}

struct sqlite3 *store_db(struct store *st)
{
	return st ? st->db : NULL;
}

int store_schema_version(struct store *st)
{
	long long v;

	if (!st || query_int(st->db, "PRAGMA user_version", &v, st->err, sizeof st->err) < 0)
		return -1;
	return (int)v;
}

/* ---- transactions ---------------------------------------------------------- */

static int writable(struct store *st)
{
	if (!st)
		return 0;
	if (st->mode != STORE_WRITE) {
		set_err(st->err, sizeof st->err, "the database is open read-only");
		return 0;
	}
	return 1;
}

/* What the open transaction held is gone: forget what only it knew. */
static void rolled_back(struct store *st)
{
	st->in_tx = 0;
	st->batch_sessions = 0;
	st->count_pending = 0;
	ehlo_profiles_rolled_back(st->prof);
}

/* SQLite may roll a transaction back by itself (SQLITE_FULL, IOERR). */
static void sync_tx_state(struct store *st)
{
	if (st->in_tx && sqlite3_get_autocommit(st->db))
		rolled_back(st);
}

/* captures.smtp_sessions grows once per batch, not once per session. */
static int flush_session_count(struct store *st)
{
	struct binder b;

	if (!st->count_pending || !st->in_tx)
		return 0;
	b = bind_start(st->q[Q_CAP_SESSIONS]);
	b_int(&b, st->count_capture);
	b_u64(&b, st->count_pending);
	if (run(st, &b, "capture session count") < 0)
		return -1;
	st->count_pending = 0;
	return 0;
}

/* Opens the batch transaction if none is open. */
static int ensure_tx(struct store *st)
{
	sync_tx_state(st);
	if (st->in_tx)
		return 0;
	if (run_plain(st, Q_BEGIN, "begin") < 0)
		return -1;
	st->in_tx = 1;
	st->batch_sessions = 0;
	st->batch_start_ms = mono_ms();
	return 0;
}

int store_commit(struct store *st)
{
	if (!writable(st))
		return -1;
	sync_tx_state(st);
	if (!st->in_tx)
		return 0;
	if (st->commit_hook && !st->in_hook) {
		st->in_hook = 1;
		st->commit_hook(st->commit_ctx, st);
		st->in_hook = 0;
	}
	if (flush_session_count(st) < 0 || run_plain(st, Q_COMMIT, "commit") < 0) {
		/* Still open (e.g. SQLITE_BUSY): the next commit retries. */
		sync_tx_state(st);
		return -1;
	}
	st->in_tx = 0;
	st->batch_sessions = 0;
	return 0;
}

static int batch_due(const struct store *st)
{
	return st->in_tx && (st->batch_sessions >= STORE_BATCH_SESSIONS ||
			     mono_ms() - st->batch_start_ms >= STORE_BATCH_MS);
}

int store_tick(struct store *st)
{
	if (!writable(st))
		return -1;
	sync_tx_state(st);
	return batch_due(st) ? store_commit(st) : 0;
}

/* ---- captures ------------------------------------------------------------ */

int store_capture_known(struct store *st, const char *content_hash, int64_t size, int64_t *id)
{
	struct binder b;
	int rc;

	if (!writable(st))
		return -1;
	if (!content_hash)
		return 0;
	b = bind_start(st->q[Q_KNOWN]);
	b_text(&b, content_hash);
	b_int(&b, size);
	if (b.rc != SQLITE_OK) {
		sqlite3_reset(b.s);
		return fail(st, "capture lookup");
	}
	rc = sqlite3_step(b.s);
	if (rc == SQLITE_ROW) {
		if (id)
			*id = sqlite3_column_int64(b.s, 0);
		sqlite3_reset(b.s);
		return 1;
	}
	sqlite3_reset(b.s);
	if (rc != SQLITE_DONE)
		return fail(st, "capture lookup");
	return 0;
}

int store_capture_forget(struct store *st, int64_t id)
{
	return store_capture_forget_many(st, &id, 1);
}

int64_t store_capture_begin(struct store *st, const struct capture_info *ci)
{
	struct binder b;
	int64_t id;

	if (!writable(st) || !ci || ensure_tx(st) < 0)
		return -1;
	b = bind_start(st->q[Q_CAP_INSERT]);
	b_text_nn(&b, ci->source);
	b_text(&b, ci->kind && strcmp(ci->kind, "live") == 0 ? "live" : "file");
	b_text(&b, ci->interface);
	b_text(&b, ci->filter);
	b_real(&b, wall_now());
	b_text(&b, ci->linktype);
	b_text(&b, ci->content_hash);
	if (ci->file_size >= 0)
		b_int(&b, ci->file_size);
	else
		b_note(&b, sqlite3_bind_null(b.s, b.i));
	b_text(&b, ci->sample_hash);
	b_text(&b, st->owner);
	if (run(st, &b, "capture begin") < 0)
		return -1;
	id = sqlite3_last_insert_rowid(st->db);
	/* The capture row must survive a crash of the run that follows. */
	if (store_commit(st) < 0)
		return -1;
	return id;
}

static void bind_totals(struct binder *b, int64_t id, const struct capture_totals *t)
{
	b_int(b, id);
	b_u64(b, t->packets);
	b_u64(b, t->bytes);
	b_u64(b, t->dropped);
	b_u64(b, t->if_dropped);
	b_u64(b, t->smtp_sessions);
	b_ts(b, t->first_ts);
	b_ts(b, t->last_ts);
}

int store_capture_update(struct store *st, int64_t id, const struct capture_totals *t)
{
	struct binder b;

	if (!writable(st) || !t || ensure_tx(st) < 0 || flush_session_count(st) < 0)
		return -1;
	b = bind_start(st->q[Q_CAP_UPDATE]);
	bind_totals(&b, id, t);
	return run(st, &b, "capture update");
}

int store_capture_end(struct store *st, int64_t id, const struct capture_totals *t,
		      const char *status, const char *error)
{
	static const struct capture_totals zero;
	struct binder b;

	if (!writable(st) || ensure_tx(st) < 0 || flush_session_count(st) < 0)
		return -1;
	if (!status || (strcmp(status, "finished") != 0 && strcmp(status, "interrupted") != 0 &&
			strcmp(status, "error") != 0)) {
		set_err(st->err, sizeof st->err, "capture end: bad status \"%s\"",
			status ? status : "(null)");
		return -1;
	}
	b = bind_start(st->q[Q_CAP_END]);
	bind_totals(&b, id, t ? t : &zero);
	b_real(&b, wall_now());
	b_text(&b, status);
	b_text(&b, error);
	if (run(st, &b, "capture end") < 0)
		return -1;
	return store_commit(st);
}

int store_capture_counter(struct store *st, int64_t id, const char *name, uint64_t value)
{
	struct binder b;

	if (!writable(st) || !name || ensure_tx(st) < 0)
		return -1;
	b = bind_start(st->q[Q_COUNTER]);
	b_int(&b, id);
	b_text(&b, name);
	b_u64(&b, value);
	return run(st, &b, "capture counter");
}

int store_capture_stats(struct store *st, int64_t id, double wall_ts, const struct capture_totals *t,
			double pps, double mbps)
{
	struct binder b;

	if (!writable(st) || !t || ensure_tx(st) < 0)
		return -1;
	b = bind_start(st->q[Q_STATS]);
	b_int(&b, id);
	b_real(&b, wall_ts);
	b_u64(&b, t->packets);
	b_u64(&b, t->bytes);
	b_real(&b, pps);
	b_real(&b, mbps);
	b_u64(&b, t->smtp_sessions);
	b_u64(&b, t->dropped);
	b_u64(&b, t->if_dropped);
	return run(st, &b, "capture stats");
}

int store_capture_anomaly(struct store *st, int64_t capture_id, uint64_t ts, const char *kind,
			  const char *detail)
{
	struct binder b;

	if (!writable(st) || !kind || ensure_tx(st) < 0)
		return -1;
	b = bind_start(st->q[Q_ANOM]);
	b_note(&b, sqlite3_bind_null(b.s, b.i));
	b_int(&b, capture_id);
	b_ts(&b, ts);
	b_text(&b, kind);
	b_text(&b, detail);
	return run(st, &b, "capture anomaly");
}

/* One count about one capture (sql binds it as ?1); -1 on error. */
static int64_t capture_count(struct store *st, const char *sql, int64_t capture_id)
{
	sqlite3_stmt *q;
	int64_t n = -1;

	if (!st)
		return -1;
	if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK)
		return fail(st, "capture count");
	sqlite3_bind_int64(q, 1, capture_id);
	if (sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return n;
}

int64_t store_capture_sessions(struct store *st, int64_t capture_id)
{
	return capture_count(st, "SELECT count(*) FROM sessions WHERE capture_id = ?1", capture_id);
}

int64_t store_capture_snaplen_sessions(struct store *st, int64_t capture_id)
{
	return capture_count(st, "SELECT count(DISTINCT session_id) FROM anomalies"
			     " WHERE capture_id = ?1 AND kind = 'reasm_snaplen'", capture_id);
}

/* ---- sessions ------------------------------------------------------------ */

static const char *end_name(enum smtp_end e)
{
	switch (e) {
	case SMTP_END_FIN: return "fin";
	case SMTP_END_RST: return "rst";
	case SMTP_END_TIMEOUT: return "timeout";
	case SMTP_END_EVICTED: return "evicted";
	case SMTP_END_CAPTURE: return "capture";
	}
	return NULL;
}

/* fqdn_kind name of a host name; NULL when the thing it came from was not
 * seen at all (seen_source == 0), "empty" when seen without a name. */
static const char *kind_of(const char *name, int seen_source)
{
	if (!name)
		return seen_source ? fqdn_kind_name(NAME_EMPTY) : NULL;
	return fqdn_kind_name(fqdn_classify(name, strlen(name)));
}

static int put_mail(struct store *st, int64_t sid, int seq, const struct smtp_mail *m)
{
	struct binder b = bind_insert(st->q[Q_MAIL]);
	int64_t mid;
	int i;

	b_int(&b, sid);
	b_int(&b, seq);
	b_ts(&b, m->ts);
	b_text(&b, m->mail_from);
	b_int(&b, m->rcpt_count);
	b_int(&b, m->accepted);
	/* NULL when no message text crossed the wire (no 354, no BDAT chunk) */
	if (m->size || m->completed || m->data_code == 354 || m->bdat_chunks)
		b_u64(&b, m->size);
	else
		b_note(&b, sqlite3_bind_null(b.s, b.i));
	b_text(&b, m->subject);
	b_text(&b, m->message_id);
	b_int(&b, !!m->is_dsn);
	b_text(&b, m->params);
	if (m->size_param)
		b_u64(&b, m->size_param);
	else
		b_note(&b, sqlite3_bind_null(b.s, b.i));
	b_text(&b, m->body_type);
	b_text(&b, m->ret);
	b_text(&b, m->envid);
	b_text(&b, m->auth);
	b_code(&b, m->mail_code);
	b_code(&b, m->data_code);
	b_code(&b, m->final_code);
	b_text(&b, m->final_enhanced);
	b_int(&b, !!m->bdat);
	b_int(&b, m->bdat_chunks);
	b_int(&b, !!m->completed);
	b_text(&b, m->hdr_from);
	b_text(&b, m->hdr_to);
	b_text(&b, m->date);
	b_text(&b, m->content_type);
	if (run(st, &b, "mail insert") < 0)
		return -1;
	mid = sqlite3_last_insert_rowid(st->db);
	for (i = 0; m->rcpts && i < m->n_rcpts; i++) {
		const struct smtp_recipient *r = &m->rcpts[i];
		b = bind_insert(st->q[Q_RCPT]);
		b_int(&b, mid);
		b_int(&b, i + 1);
		b_text_nn(&b, r->address);
		b_code(&b, r->code);
		b_text(&b, r->enhanced);
		if (run(st, &b, "recipient insert") < 0)
			return -1;
	}
	for (i = 0; m->dsn && i < m->n_dsn; i++) {
		const struct smtp_dsn_recipient *d = &m->dsn[i];
		b = bind_insert(st->q[Q_DSN]);
		b_int(&b, mid);
		b_text(&b, d->final_recipient);
		b_text(&b, d->action);
		b_text(&b, d->status);
		b_text(&b, d->reporting_mta);
		b_text(&b, d->diagnostic);
		if (run(st, &b, "dsn recipient insert") < 0)
			return -1;
	}
	return 0;
}

/* The session's commands and replies: one row, two JSON arrays (transcript.h). */
static int put_transcript(struct store *st, int64_t sid, const struct smtp_record *r)
{
	int nc = r->cmds ? r->n_cmds : 0, nr = r->replies ? r->n_replies : 0;
	struct binder b;

	if (!nc && !nr)
		return 0;
	if ((nc && transcript_commands_json(&st->jc, r->cmds, nc) < 0) ||
	    (nr && transcript_replies_json(&st->jr, r->replies, nr) < 0) ||
	    st->jc.n > INT_MAX || st->jr.n > INT_MAX) {
		set_err(st->err, sizeof st->err, "transcript: out of memory");
		return -1;
	}
	b = bind_insert(st->q[Q_TRANSCRIPT]);
	b_int(&b, sid);
	if (nc)
		b_note(&b, sqlite3_bind_text(b.s, b.i, st->jc.p, (int)st->jc.n, SQLITE_STATIC));
	else
		b_note(&b, sqlite3_bind_null(b.s, b.i));
	if (nr)
		b_note(&b, sqlite3_bind_text(b.s, b.i, st->jr.p, (int)st->jr.n, SQLITE_STATIC));
	else
		b_note(&b, sqlite3_bind_null(b.s, b.i));
	return run(st, &b, "transcript insert");
}

static int put_session(struct store *st, const struct session_meta *m,
		       const struct smtp_record *r, int64_t *sid_out)
{
	struct binder b;
	const char *outcome = smtp_outcome_name(r->outcome);
	int64_t sid, profile;
	int i;

	if (ehlo_profiles_id(st->prof, r->ext, r->n_ext, &profile) < 0)
		return fail(st, "EHLO profile");
	b = bind_insert(st->q[Q_SESSION]);

	b_int(&b, m->capture_id);
	b_text_arr(&b, m->client_ip, sizeof m->client_ip);
	b_int(&b, m->client_port);
	b_text_arr(&b, m->server_ip, sizeof m->server_ip);
	b_int(&b, m->server_port);
	b_int(&b, m->vlan);
	b_real(&b, usec_to_sec(m->first_ts));
	b_real(&b, usec_to_sec(m->last_ts));
	b_text(&b, m->ndpi_protocol);
	b_code(&b, r->banner_code);
	b_text(&b, r->banner_text);
	b_text(&b, r->banner_host);
	b_text(&b, r->software);
	b_text(&b, r->helo_verb);
	b_text(&b, r->helo_arg);
	b_text(&b, r->greeting_host);
	b_int(&b, !!r->starttls);
	b_text(&b, r->auth_mechanism);
	b_int(&b, !!r->xexps_advertised);
	b_int(&b, !!r->xexps_used);
	b_int(&b, r->mail_count);
	b_text(&b, outcome ? outcome : "unknown");
	b_int(&b, !!r->pipelined);
	b_int(&b, !!r->bdat);
	b_u64(&b, r->bytes_c2s);
	b_u64(&b, r->bytes_s2c);
	b_u64(&b, r->gaps);
	b_u64(&b, r->anomalies_total);
	b_text(&b, r->software_version);
	b_code(&b, r->helo_code);
	b_text(&b, r->ehlo_first_line);
	b_text(&b, end_name(r->end));
	b_text(&b, kind_of(r->helo_arg, r->helo_verb != NULL));
	b_text(&b, kind_of(r->banner_host, r->banner_code != 0));
	b_text(&b, kind_of(r->greeting_host, r->helo_code != 0));
	b_code(&b, r->starttls_code);
	b_code(&b, r->auth_code);
	b_int(&b, r->auth_round_trips);
	b_u64(&b, r->auth_payload_bytes);
	b_text(&b, r->xexps_mechanisms);
	b_text(&b, r->auth_mechanisms);
	b_u64(&b, r->cmds_total);
	b_u64(&b, r->replies_total);
	b_u64(&b, r->gap_bytes);
	b_int(&b, !!m->midstream);
	b_int(&b, !!r->quit);
	if (profile) /* 0: no EHLO list */
		b_int(&b, profile);
	else
		b_note(&b, sqlite3_bind_null(b.s, b.i));
	b_text(&b, m->evidence);
	b_text(&b, m->tunnel);
	b_text(&b, m->tunnel && m->tunnel_target[0] ? m->tunnel_target : NULL);
	b_text(&b, m->proxied_client_ip[0] ? m->proxied_client_ip : NULL);
	if (m->proxied_client_ip[0])
		b_int(&b, m->proxied_client_port);
	else
		b_text(&b, NULL);
	if (run(st, &b, "session insert") < 0)
		return -1;
	sid = sqlite3_last_insert_rowid(st->db);
	*sid_out = sid; /* from here on, a failure takes the rows out again */

	if (put_transcript(st, sid, r) < 0)
		return -1;
	for (i = 0; r->mails && i < r->n_mails; i++)
		if (put_mail(st, sid, i + 1, &r->mails[i]) < 0)
			return -1;
	for (i = 0; r->anomalies && i < r->n_anomalies; i++) {
		b = bind_insert(st->q[Q_ANOM]);
		b_int(&b, sid);
		b_int(&b, m->capture_id);
		b_ts(&b, r->anomalies[i].ts);
		b_text(&b, anomaly_name(r->anomalies[i].kind));
		b_text(&b, r->anomalies[i].detail);
		if (run(st, &b, "anomaly insert") < 0)
			return -1;
	}
	if (store_tls_put(st->tls, sid, r, m->first_ts, st->err, sizeof st->err) < 0)
		return -1;
	if (st->count_pending && st->count_capture != m->capture_id && flush_session_count(st) < 0)
		return -1;
	return 0;
}

/* Deletes the rows of a session that failed half-way. */
static int undo_session(struct store *st, int64_t sid)
{
	static const enum stmt_id order[] = {
		Q_UNDO_RCPT, Q_UNDO_DSN, Q_UNDO_MAILS, Q_UNDO_TRANSCRIPT, Q_UNDO_ANOM, Q_UNDO_SESSION,
	};
	size_t i;

	for (i = 0; i < sizeof order / sizeof order[0]; i++) {
		struct binder b = bind_start(st->q[order[i]]);
		b_int(&b, sid);
		if (run(st, &b, "taking a failed session out") < 0)
			return -1;
	}
	return 0;
}

int64_t store_session(struct store *st, const struct session_meta *m, const struct smtp_record *rec)
{
	int64_t sid = -1;

	if (!writable(st) || !m || !rec || ensure_tx(st) < 0)
		return -1;
	/* A session is written whole or not at all, whatever happens to the
	 * batch: a failure after its row was inserted deletes what was written
	 * of it; if even that fails, the batch is rolled back. */
	if (put_session(st, m, rec, &sid) < 0) {
		char keep[sizeof st->err];
		memcpy(keep, st->err, sizeof keep);
		sync_tx_state(st);
		if (st->in_tx && sid > 0 && undo_session(st, sid) < 0) {
			run_plain(st, Q_ROLLBACK, "rollback");
			rolled_back(st);
		}
		memcpy(st->err, keep, sizeof keep);
		return -1;
	}
	st->count_capture = m->capture_id;
	st->count_pending++;
	st->batch_sessions++;
	if (batch_due(st) && store_commit(st) < 0)
		return -1;
	return sid;
}

/* ---- imports: process ownership, progress, replacement --------------------- */

/* The start time of process pid in clock ticks since boot (field 22 of
 * /proc/PID/stat), or 0 when unknown: with the pid it names one process
 * even after the pid is reused. */
static unsigned long long proc_start(long pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	FILE *f;
	int field;

	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	if (!(f = fopen(path, "r")))
		return 0;
	if (!fgets(buf, sizeof buf, f)) {
		fclose(f);
		return 0;
	}
	fclose(f);
	/* after the command name in parentheses (which may hold spaces) */
	if (!(p = strrchr(buf, ')')))
		return 0;
	for (field = 2; *p && field < 22; p++)
		if (*p == ' ')
			field++;
	if (field == 22)
		start = strtoull(p, NULL, 10);
	return start;
}

static void owner_init(struct store *st)
{
	char host[64] = "";

	if (gethostname(host, sizeof host - 1) != 0)
		snprintf(host, sizeof host, "?");
	host[sizeof host - 1] = 0;
	snprintf(st->owner, sizeof st->owner, "%s %ld %llu", host, (long)getpid(),
		 proc_start((long)getpid()));
}

/* 1 when owner ("host pid start") names a process of this host that is
 * gone; 0 when it is alive, on another host, or cannot be read. */
static int owner_gone(const struct store *st, const char *owner)
{
	char host[64], myhost[64];
	long pid;
	unsigned long long start;

	if (!owner || sscanf(owner, "%63s %ld %llu", host, &pid, &start) != 3 || pid <= 0)
		return 0;
	if (sscanf(st->owner, "%63s", myhost) != 1 || strcmp(host, myhost) != 0)
		return 0;
	if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
		return 1;
	/* alive, but is it the same process? (the pid may have been reused) */
	return start != 0 && proc_start(pid) != 0 && proc_start(pid) != start;
}

int store_mark_abandoned(struct store *st)
{
	sqlite3_stmt *q = NULL, *u = NULL;
	int n = 0, rc;

	if (!writable(st))
		return -1;
	if (sqlite3_prepare_v2(st->db, "SELECT id, owner FROM captures WHERE status = 'running'",
			       -1, &q, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "UPDATE captures SET status = 'interrupted', finished = ?2,"
			       " error = 'the process writing it (' || owner || ') ended without finishing"
			       " it (killed or crashed); what it committed is kept, and replaying the"
			       " same input again replaces it' WHERE id = ?1 AND status = 'running'",
			       -1, &u, NULL) != SQLITE_OK) {
		sqlite3_finalize(q);
		return fail(st, "checking running captures");
	}
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (!owner_gone(st, (const char *)sqlite3_column_text(q, 1)))
			continue;
		sqlite3_bind_int64(u, 1, sqlite3_column_int64(q, 0));
		sqlite3_bind_double(u, 2, wall_now());
		if (sqlite3_step(u) == SQLITE_DONE)
			n++;
		sqlite3_reset(u);
	}
	sqlite3_finalize(q);
	sqlite3_finalize(u);
	return n;
}

void store_set_commit_hook(struct store *st, void (*fn)(void *ctx, struct store *st), void *ctx)
{
	if (!st)
		return;
	st->commit_hook = fn;
	st->commit_ctx = ctx;
}

int store_capture_progress(struct store *st, int64_t id, const char *content_hash, uint64_t hashed_bytes,
			   uint64_t packets, uint64_t bytes)
{
	sqlite3_stmt *q;
	int rc;

	if (!writable(st) || ensure_tx(st) < 0)
		return -1;
	if (sqlite3_prepare_v2(st->db, "UPDATE captures SET content_hash = ?2, hashed_bytes = ?3,"
			       " packets = max(packets, ?4), bytes = max(bytes, ?5) WHERE id = ?1",
			       -1, &q, NULL) != SQLITE_OK)
		return fail(st, "capture progress");
	sqlite3_bind_int64(q, 1, id);
	if (content_hash)
		sqlite3_bind_text(q, 2, content_hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 3, clamp64(hashed_bytes));
	sqlite3_bind_int64(q, 4, clamp64(packets));
	sqlite3_bind_int64(q, 5, clamp64(bytes));
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : fail(st, "capture progress");
}

int store_capture_forget_many(struct store *st, const int64_t *ids, size_t n)
{
	static const enum stmt_id order[] = {
		Q_DEL_RCPT, Q_DEL_DSN, Q_DEL_TRANSCRIPT, Q_DEL_ANOM,
		Q_DEL_MAILS, Q_DEL_SESSIONS, Q_DEL_COUNTERS, Q_DEL_STATS, Q_DEL_CAPTURE,
	};
	size_t i, k;

	if (n == 0)
		return 0;
	if (!writable(st) || store_commit(st) < 0 || ensure_tx(st) < 0)
		return -1;
	for (k = 0; k < n; k++) {
		for (i = 0; i < sizeof order / sizeof order[0]; i++) {
			struct binder b = bind_start(st->q[order[i]]);
			b_int(&b, ids[k]);
			if (run(st, &b, "replacing an earlier import") < 0) {
				run_plain(st, Q_ROLLBACK, "rollback");
				rolled_back(st);
				return -1;
			}
		}
	}
	return store_commit(st);
}

int store_last_busy(const struct store *st)
{
	int rc;

	if (!st || !st->db)
		return 0;
	rc = sqlite3_extended_errcode(st->db) & 0xff;
	return rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
}
