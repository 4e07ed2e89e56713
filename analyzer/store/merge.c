/* \summary: merge one smtpscope database into another, remapping ids (contract in merge.h).
 *
 * The input is ATTACHed read-only (URI mode=ro) as merge_src.  Captures, then
 * sessions, then mails are copied one row at a time so that each new id can
 * be recorded in a temp map table (old id -> new id); the rows below them
 * (transcripts, anomalies, recipients, DSN recipients,
 * counters, statistics) are copied in bulk through those maps.  Only the
 * columns both schemas have are copied, so an older input works: the rest
 * take their defaults.  Column lists come from pragma_table_info of our own
 * fixed table names, and are quoted as identifiers.  EHLO lists go through
 * OUT's profiles by content (copy_profiles()). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "analyzer/store/merge.h"
#include "analyzer/store/store.h"

#define SRC "merge_src"

struct merge {
	sqlite3 *db;
	char *err;
	size_t errlen;
	struct merge_counts n;
};

static int merr(struct merge *m, const char *what)
{
	snprintf(m->err, m->errlen, "merge: %s: %s", what, sqlite3_errmsg(m->db));
	return -1;
}

static int exec(struct merge *m, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(m->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(m->err, m->errlen, "merge: %s", msg ? msg : sqlite3_errmsg(m->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int has_table(struct merge *m, const char *schema, const char *table)
{
	sqlite3_stmt *s = NULL;
	char *sql = sqlite3_mprintf("SELECT count(*) FROM \"%w\".sqlite_master"
				    " WHERE type = 'table' AND name = ?1", schema);
	int n = -1;

	if (!sql) {
		snprintf(m->err, m->errlen, "merge: out of memory");
		return -1;
	}
	if (sqlite3_prepare_v2(m->db, sql, -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, table, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW)
			n = sqlite3_column_int(s, 0) > 0;
	}
	if (n < 0)
		merr(m, "reading the schema");
	sqlite3_finalize(s);
	sqlite3_free(sql);
	return n;
}

/* The columns table has in both main and merge_src, minus the skip list,
 * as a quoted list ("a", "b") and as prefixed one (t."a", t."b").  Both
 * sqlite3_malloc'd; an empty list is "".  0 or -1. */
static int common_columns(struct merge *m, const char *table, const char *const *skip,
			  char **plain, char **prefixed)
{
	static const char sql[] =
		"SELECT d.name FROM pragma_table_info(?1, 'main') d"
		" WHERE d.name IN (SELECT s.name FROM pragma_table_info(?1, '" SRC "') s)"
		" ORDER BY d.cid";
	sqlite3_str *a = sqlite3_str_new(m->db), *b = sqlite3_str_new(m->db);
	sqlite3_stmt *s = NULL;
	int rc, first = 1;

	*plain = *prefixed = NULL;
	if (sqlite3_prepare_v2(m->db, sql, -1, &s, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(s, 1, table, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(s, 0);
		const char *const *k;
		int skipped = 0;

		if (!name)
			continue;
		for (k = skip; *k; k++)
			if (strcmp(*k, name) == 0)
				skipped = 1;
		if (skipped)
			continue;
		sqlite3_str_appendf(a, "%s\"%w\"", first ? "" : ", ", name);
		sqlite3_str_appendf(b, "%st.\"%w\"", first ? "" : ", ", name);
		first = 0;
	}
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(s);
	if (sqlite3_str_errcode(a) || sqlite3_str_errcode(b)) {
		sqlite3_free(sqlite3_str_finish(a));
		sqlite3_free(sqlite3_str_finish(b));
		snprintf(m->err, m->errlen, "merge: out of memory");
		return -1;
	}
	*plain = sqlite3_str_finish(a);
	*prefixed = sqlite3_str_finish(b);
	if (!*plain)
		*plain = sqlite3_mprintf("");
	if (!*prefixed)
		*prefixed = sqlite3_mprintf("");
	if (!*plain || !*prefixed) {
		sqlite3_free(*plain);
		sqlite3_free(*prefixed);
		snprintf(m->err, m->errlen, "merge: out of memory");
		return -1;
	}
	return 0;
fail:
	merr(m, table);
	sqlite3_finalize(s);
	sqlite3_free(sqlite3_str_finish(a));
	sqlite3_free(sqlite3_str_finish(b));
	return -1;
}

/* Runs a formatted statement (sqlite3_vmprintf: only %w/%s of our own
 * identifiers and column lists). */
static int exec_fmt(struct merge *m, const char *fmt, ...)
{
	va_list ap;
	char *sql;
	int rc;

	va_start(ap, fmt);
	sql = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	if (!sql) {
		snprintf(m->err, m->errlen, "merge: out of memory");
		return -1;
	}
	rc = exec(m, sql);
	sqlite3_free(sql);
	return rc;
}

/* Copies the rows of a table one by one, each with its parent remapped,
 * recording old id -> new id in map.
 *   table:   captures, sessions or mails
 *   parent:  the column pointing at the parent ("" for captures)
 *   pmap:    the parent's map table (NULL for captures)
 *   filter:  identity check for captures (NULL otherwise) */
static int copy_rows_mapped(struct merge *m, const char *table, const char *parent,
			    const char *pmap, const char *map, int64_t *count)
{
	static const char *const skip_cap[] = { "id", NULL };
	/* ehlo_profile is an id of the input's: set by copy_profiles() */
	const char *const skip_child[] = { "id", parent, "ehlo_profile", NULL };
	char *cols = NULL, *tcols = NULL, *sel = NULL, *ins = NULL, *mapsql = NULL;
	sqlite3_stmt *qs = NULL, *qi = NULL, *qm = NULL, *qx = NULL;
	int rc = -1, step;

	if (common_columns(m, table, pmap ? skip_child : skip_cap, &cols, &tcols) < 0)
		return -1;
	if (pmap) {
		sel = sqlite3_mprintf("SELECT t.id, p.new FROM " SRC ".\"%w\" t JOIN temp.\"%w\" p"
				      " ON p.old = t.\"%w\" ORDER BY t.id", table, pmap, parent);
		ins = sqlite3_mprintf("INSERT INTO main.\"%w\" (\"%w\"%s%s) SELECT ?2%s%s FROM "
				      SRC ".\"%w\" t WHERE t.id = ?1", table, parent,
				      *cols ? ", " : "", cols, *tcols ? ", " : "", tcols, table);
	} else {
		sel = sqlite3_mprintf("SELECT t.id, t.kind, t.content_hash, t.file_size, t.source,"
				      " t.started FROM " SRC ".captures t ORDER BY t.id");
		ins = sqlite3_mprintf("INSERT INTO main.captures (%s) SELECT %s FROM " SRC
				      ".captures t WHERE t.id = ?1", cols, tcols);
	}
	mapsql = sqlite3_mprintf("INSERT INTO temp.\"%w\" (old, new) VALUES (?1, ?2)", map);
	if (!sel || !ins || !mapsql) {
		snprintf(m->err, m->errlen, "merge: out of memory");
		goto out;
	}
	if (sqlite3_prepare_v2(m->db, sel, -1, &qs, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(m->db, ins, -1, &qi, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(m->db, mapsql, -1, &qm, NULL) != SQLITE_OK) {
		merr(m, table);
		goto out;
	}
	if (!pmap && sqlite3_prepare_v2(m->db,
			"SELECT 1 FROM main.captures WHERE"
			" (?1 = 'file' AND ?2 IS NOT NULL AND content_hash = ?2 AND file_size IS ?3)"
			" OR ((?1 <> 'file' OR ?2 IS NULL) AND kind = ?1 AND source = ?4"
			"     AND started = ?5 AND content_hash IS NULL)"
			" LIMIT 1", -1, &qx, NULL) != SQLITE_OK) {
		merr(m, table);
		goto out;
	}
	while ((step = sqlite3_step(qs)) == SQLITE_ROW) {
		sqlite3_int64 old = sqlite3_column_int64(qs, 0);

		if (qx) {
			int i, seen;
			for (i = 1; i <= 5; i++)
				sqlite3_bind_value(qx, i, sqlite3_column_value(qs, i));
			seen = sqlite3_step(qx);
			sqlite3_reset(qx);
			if (seen == SQLITE_ROW) {
				m->n.skipped++;
				continue;
			}
			if (seen != SQLITE_DONE) {
				merr(m, "looking up a capture");
				goto out;
			}
		}
		sqlite3_bind_int64(qi, 1, old);
		if (pmap)
			sqlite3_bind_int64(qi, 2, sqlite3_column_int64(qs, 1));
		if (sqlite3_step(qi) != SQLITE_DONE) {
			merr(m, table);
			goto out;
		}
		sqlite3_reset(qi);
		sqlite3_bind_int64(qm, 1, old);
		sqlite3_bind_int64(qm, 2, sqlite3_last_insert_rowid(m->db));
		if (sqlite3_step(qm) != SQLITE_DONE) {
			merr(m, table);
			goto out;
		}
		sqlite3_reset(qm);
		(*count)++;
	}
	if (step != SQLITE_DONE) {
		merr(m, table);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(qs);
	sqlite3_finalize(qi);
	sqlite3_finalize(qm);
	sqlite3_finalize(qx);
	sqlite3_free(sel);
	sqlite3_free(ins);
	sqlite3_free(mapsql);
	sqlite3_free(cols);
	sqlite3_free(tcols);
	return rc;
}

/* 1 when SRC.table has a rowid (not WITHOUT ROWID, as commands and
 * replies are since schema 7). */
static int src_has_rowid(struct merge *m, const char *table)
{
	sqlite3_stmt *s = NULL;
	char *sql = sqlite3_mprintf("SELECT rowid FROM " SRC ".\"%w\" LIMIT 0", table);
	int ok = sql && sqlite3_prepare_v2(m->db, sql, -1, &s, NULL) == SQLITE_OK;

	sqlite3_finalize(s);
	sqlite3_free(sql);
	return ok;
}

/* Copies every row of table whose parent column is in map, remapped, in
 * the input's order (rowid, or the primary key of a WITHOUT ROWID table). */
static int copy_rows_bulk(struct merge *m, const char *table, const char *parent, const char *map)
{
	const char *const skip[] = { parent, NULL };
	char *cols, *tcols;
	int rc;

	rc = has_table(m, SRC, table);
	if (rc <= 0)
		return rc;   /* an older input without this table: nothing to copy */
	if (common_columns(m, table, skip, &cols, &tcols) < 0)
		return -1;
	rc = exec_fmt(m, "INSERT INTO main.\"%w\" (\"%w\"%s%s) SELECT p.new%s%s FROM " SRC
		      ".\"%w\" t JOIN temp.\"%w\" p ON p.old = t.\"%w\" ORDER BY %s",
		      table, parent, *cols ? ", " : "", cols, *tcols ? ", " : "", tcols,
		      table, map, parent, src_has_rowid(m, table) ? "t.rowid" : "p.new");
	sqlite3_free(cols);
	sqlite3_free(tcols);
	return rc;
}

/* anomalies: session rows through the session map, capture-level rows
 * (session_id NULL) through the capture map. */
static int copy_anomalies(struct merge *m)
{
	static const char *const skip[] = { "session_id", "capture_id", NULL };
	char *cols, *tcols;
	int rc;

	rc = has_table(m, SRC, "anomalies");
	if (rc <= 0)
		return rc;
	if (common_columns(m, "anomalies", skip, &cols, &tcols) < 0)
		return -1;
	rc = exec_fmt(m, "INSERT INTO main.anomalies (session_id, capture_id%s%s)"
		      " SELECT ms.new, mc.new%s%s FROM " SRC ".anomalies t"
		      " LEFT JOIN temp.merge_sess ms ON ms.old = t.session_id"
		      " LEFT JOIN temp.merge_cap mc ON mc.old = t.capture_id"
		      " WHERE ms.new IS NOT NULL OR (t.session_id IS NULL AND mc.new IS NOT NULL)"
		      " ORDER BY t.rowid",
		      *cols ? ", " : "", cols, *tcols ? ", " : "", tcols);
	sqlite3_free(cols);
	sqlite3_free(tcols);
	return rc;
}

/* The merged sessions' EHLO lists: read through the input's `extensions`
 * (a table before schema 7, a view since), each list's text built as
 * schema/007_ingest.sql builds it, found among OUT's profiles or added. */
static int copy_profiles(struct merge *m)
{
	int rc = has_table(m, SRC, "ehlo_profiles");

	if (rc < 0)
		return -1;
	if (rc == 0 && has_table(m, SRC, "extensions") <= 0)
		return has_table(m, SRC, "extensions") < 0 ? -1 : 0;
	return exec(m,
		"CREATE TEMP TABLE merge_caps AS SELECT ms.new AS session_id, c.caps, c.n FROM ("
		" SELECT session_id, caps, n FROM ("
		"  SELECT session_id,"
		"   group_concat(keyword || coalesce(' ' || params, ''), char(10)) OVER w AS caps,"
		"   count(*) OVER w AS n,"
		"   row_number() OVER (PARTITION BY session_id ORDER BY seq) AS rn"
		"  FROM " SRC ".extensions"
		"  WHERE session_id IN (SELECT old FROM temp.merge_sess)"
		"  WINDOW w AS (PARTITION BY session_id ORDER BY seq"
		"   ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING))"
		" WHERE rn = 1) c JOIN temp.merge_sess ms ON ms.old = c.session_id;"
		"CREATE TEMP TABLE merge_newprof (id INTEGER PRIMARY KEY, sid INTEGER NOT NULL);"
		"INSERT INTO main.ehlo_profiles (capabilities, extensions)"
		" SELECT caps, n FROM temp.merge_caps"
		" WHERE caps NOT IN (SELECT capabilities FROM main.ehlo_profiles)"
		" GROUP BY caps ORDER BY min(session_id);"
		"INSERT INTO temp.merge_newprof (id, sid)"
		" SELECT p.id, min(c.session_id) FROM main.ehlo_profiles p"
		" JOIN temp.merge_caps c ON c.caps = p.capabilities"
		" WHERE NOT EXISTS (SELECT 1 FROM main.ehlo_profile_extensions x WHERE x.profile_id = p.id)"
		" GROUP BY p.id;"
		"INSERT INTO main.ehlo_profile_extensions (profile_id, seq, keyword, params)"
		" SELECT np.id, e.seq, e.keyword, e.params FROM temp.merge_newprof np"
		" JOIN temp.merge_sess ms ON ms.new = np.sid"
		" JOIN " SRC ".extensions e ON e.session_id = ms.old ORDER BY np.id, e.seq;"
		"UPDATE main.sessions SET ehlo_profile = (SELECT p.id FROM temp.merge_caps c"
		" JOIN main.ehlo_profiles p ON p.capabilities = c.caps WHERE c.session_id = sessions.id)"
		" WHERE id IN (SELECT session_id FROM temp.merge_caps);"
		"DROP TABLE temp.merge_caps; DROP TABLE temp.merge_newprof;");
}

/* The TLS tables (schema 008, issue 16): handshakes and estimates through
 * the session map; certificates deduplicated by sha256 (a certificate the
 * output already has keeps its row and names); links through both. */
static int copy_tls(struct merge *m)
{
	static const char *const cert_skip[] = { "id", NULL };
	char *cols, *tcols;
	int rc = has_table(m, SRC, "certificates");

	if (rc <= 0)
		return rc;
	if (copy_rows_bulk(m, "tls_handshakes", "session_id", "merge_sess") < 0 ||
	    copy_rows_bulk(m, "tls_estimates", "session_id", "merge_sess") < 0 ||
	    common_columns(m, "certificates", cert_skip, &cols, &tcols) < 0)
		return -1;
	rc = exec_fmt(m, "CREATE TEMP TABLE merge_newcert AS SELECT sha256 FROM " SRC ".certificates"
		      " WHERE sha256 NOT IN (SELECT sha256 FROM main.certificates);"
		      "INSERT OR IGNORE INTO main.certificates (%s) SELECT %s FROM " SRC ".certificates t"
		      " ORDER BY t.id;"
		      "INSERT INTO main.certificate_names (certificate_id, kind, name)"
		      " SELECT c.id, n.kind, n.name FROM " SRC ".certificate_names n"
		      " JOIN " SRC ".certificates s ON s.id = n.certificate_id"
		      " JOIN main.certificates c ON c.sha256 = s.sha256"
		      " WHERE s.sha256 IN (SELECT sha256 FROM temp.merge_newcert) ORDER BY n.rowid;"
		      "INSERT OR IGNORE INTO main.session_certificates (session_id, seq, certificate_id)"
		      " SELECT ms.new, l.seq, c.id FROM " SRC ".session_certificates l"
		      " JOIN temp.merge_sess ms ON ms.old = l.session_id"
		      " JOIN " SRC ".certificates s ON s.id = l.certificate_id"
		      " JOIN main.certificates c ON c.sha256 = s.sha256;"
		      "DROP TABLE temp.merge_newcert;", cols, tcols);
	sqlite3_free(cols);
	sqlite3_free(tcols);
	return rc;
}

/* Transcripts: rows of the input's `transcripts` (schema 7), or, from an
 * older input, its `commands` and `replies` tables turned into the same two
 * JSON arrays per session as schema/007_ingest.sql does. */
static int copy_transcripts(struct merge *m)
{
	int rc = has_table(m, SRC, "transcripts");

	if (rc != 0)
		return rc < 0 ? -1 : copy_rows_bulk(m, "transcripts", "session_id", "merge_sess");
	if (has_table(m, SRC, "commands") <= 0 || has_table(m, SRC, "replies") <= 0)
		return 0; /* older than schema 2: no transcript */
	return exec(m,
		"CREATE TEMP TABLE merge_cmd AS SELECT session_id, '[' || group_concat("
		" json_array(CAST(round(ts * 1e6) AS INTEGER), verb, arg), ',') OVER w || ']' AS j,"
		" row_number() OVER (PARTITION BY session_id ORDER BY seq) AS rn"
		" FROM " SRC ".commands WHERE session_id IN (SELECT old FROM temp.merge_sess)"
		" WINDOW w AS (PARTITION BY session_id ORDER BY seq"
		"  ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING);"
		"CREATE TEMP TABLE merge_rep AS SELECT session_id, '[' || group_concat("
		" json_array(CAST(round(ts * 1e6) AS INTEGER), code, enhanced, text), ',') OVER w || ']' AS j,"
		" row_number() OVER (PARTITION BY session_id ORDER BY seq) AS rn"
		" FROM " SRC ".replies WHERE session_id IN (SELECT old FROM temp.merge_sess)"
		" WINDOW w AS (PARTITION BY session_id ORDER BY seq"
		"  ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING);"
		"INSERT INTO main.transcripts (session_id, commands, replies)"
		" SELECT ms.new,"
		"  (SELECT j FROM temp.merge_cmd c WHERE c.session_id = ms.old AND c.rn = 1),"
		"  (SELECT j FROM temp.merge_rep r WHERE r.session_id = ms.old AND r.rn = 1)"
		" FROM temp.merge_sess ms"
		" WHERE ms.old IN (SELECT session_id FROM temp.merge_cmd WHERE rn = 1"
		"  UNION SELECT session_id FROM temp.merge_rep WHERE rn = 1)"
		" ORDER BY ms.new;"
		"DROP TABLE temp.merge_cmd; DROP TABLE temp.merge_rep;");
}

static int merge_body(struct merge *m)
{
	if (exec(m, "CREATE TEMP TABLE merge_cap (old INTEGER PRIMARY KEY, new INTEGER NOT NULL);"
		    "CREATE TEMP TABLE merge_sess (old INTEGER PRIMARY KEY, new INTEGER NOT NULL);"
		    "CREATE TEMP TABLE merge_mail (old INTEGER PRIMARY KEY, new INTEGER NOT NULL);") < 0)
		return -1;
	if (copy_rows_mapped(m, "captures", NULL, NULL, "merge_cap", &m->n.captures) < 0 ||
	    copy_rows_mapped(m, "sessions", "capture_id", "merge_cap", "merge_sess",
			     &m->n.sessions) < 0 ||
	    copy_profiles(m) < 0 ||
	    copy_transcripts(m) < 0 ||
	    copy_anomalies(m) < 0 ||
	    copy_rows_bulk(m, "capture_counters", "capture_id", "merge_cap") < 0 ||
	    copy_rows_bulk(m, "capture_stats", "capture_id", "merge_cap") < 0 ||
	    copy_tls(m) < 0)
		return -1;
	switch (has_table(m, SRC, "mails")) {
	case -1:
		return -1;
	case 0:
		return 0;
	}
	if (copy_rows_mapped(m, "mails", "session_id", "merge_sess", "merge_mail",
			     &m->n.mails) < 0 ||
	    copy_rows_bulk(m, "recipients", "mail_id", "merge_mail") < 0 ||
	    copy_rows_bulk(m, "dsn_recipients", "mail_id", "merge_mail") < 0)
		return -1;
	return 0;
}

int store_merge_counts(struct store *out, const char *in_path, struct merge_counts *n,
		       char *err, size_t errlen)
{
	static char dummy[1];
	struct merge m = { store_db(out), err ? err : dummy, err ? errlen : sizeof dummy, { 0 } };
	const char *main_path;
	struct stat a, b;
	sqlite3_stmt *att = NULL;
	char *uri = NULL;
	int version, rc = -1;

	if (n)
		memset(n, 0, sizeof *n);
	if (!m.db || !in_path) {
		snprintf(m.err, m.errlen, "merge: no database");
		return -1;
	}
	if (store_commit(out) < 0) {
		snprintf(m.err, m.errlen, "merge: %s", store_error(out));
		return -1;
	}
	if (store_probe_file(in_path, &version, m.err, m.errlen) < 0)
		return -1;
	if (version == 0) {
		snprintf(m.err, m.errlen, "merge: %s: an empty database, nothing to merge", in_path);
		return -1;
	}
	/* The same file: every capture is already there. */
	main_path = sqlite3_db_filename(m.db, "main");
	if (main_path && stat(main_path, &a) == 0 && stat(in_path, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return 0;

	uri = store_path_uri(in_path, "mode=ro");
	if (!uri) {
		snprintf(m.err, m.errlen, "merge: out of memory");
		return -1;
	}
	if (sqlite3_prepare_v2(m.db, "ATTACH DATABASE ?1 AS " SRC, -1, &att, NULL) != SQLITE_OK) {
		merr(&m, "attach");
		free(uri);
		return -1;
	}
	sqlite3_bind_text(att, 1, uri, -1, SQLITE_STATIC);
	if (sqlite3_step(att) != SQLITE_DONE) {
		merr(&m, in_path);
		sqlite3_finalize(att);
		free(uri);
		return -1;
	}
	sqlite3_finalize(att);
	free(uri);

	if (exec(&m, "BEGIN IMMEDIATE") == 0) {
		if (merge_body(&m) == 0 && exec(&m, "COMMIT") == 0) {
			rc = 0;
		} else {
			sqlite3_exec(m.db, "ROLLBACK", NULL, NULL, NULL);
			memset(&m.n, 0, sizeof m.n);
		}
	}
	sqlite3_exec(m.db, "DROP TABLE IF EXISTS temp.merge_cap; DROP TABLE IF EXISTS temp.merge_sess;"
		     " DROP TABLE IF EXISTS temp.merge_mail; DROP TABLE IF EXISTS temp.merge_caps;"
		     " DROP TABLE IF EXISTS temp.merge_newprof; DROP TABLE IF EXISTS temp.merge_cmd;"
		     " DROP TABLE IF EXISTS temp.merge_rep", NULL, NULL, NULL);
	sqlite3_exec(m.db, "DETACH DATABASE " SRC, NULL, NULL, NULL);
	if (n)
		*n = m.n;
	return rc;
}

int store_merge(struct store *out, const char *in_path, char *err, size_t errlen)
{
	return store_merge_counts(out, in_path, NULL, err, errlen);
}
