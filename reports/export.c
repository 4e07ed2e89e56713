/* \summary: JSON Lines / CSV export of one contract table or view (contract in export.h).
 * JSON: RFC 8259 (strings section 7); CSV: RFC 4180; UTF-8: RFC 3629 section 4. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "reports/escape.h"
#include "reports/export.h"

struct export_def {
	const char *name;
	const char *sql;       /* ?1 = since (seconds; < 0: everything) */
};

/* --since is on a session's END (last_ts): a session that began before the
 * cut and ended after it is exported (a long session is never missed). */
static const struct export_def defs[] = {
	{ "sessions", "SELECT * FROM sessions WHERE ?1 < 0 OR last_ts >= ?1 ORDER BY id" },
	{ "extensions", "SELECT t.* FROM extensions t LEFT JOIN sessions s ON s.id = t.session_id"
		" WHERE ?1 < 0 OR s.last_ts >= ?1 ORDER BY t.session_id, t.seq" },
	{ "commands", "SELECT * FROM commands WHERE ?1 < 0 OR ts >= ?1 ORDER BY session_id, seq" },
	{ "replies", "SELECT * FROM replies WHERE ?1 < 0 OR ts >= ?1 ORDER BY session_id, seq" },
	{ "mails", "SELECT t.* FROM mails t LEFT JOIN sessions s ON s.id = t.session_id"
		" WHERE ?1 < 0 OR s.last_ts >= ?1 ORDER BY t.id" },
	{ "recipients", "SELECT t.* FROM recipients t LEFT JOIN mails m ON m.id = t.mail_id"
		" LEFT JOIN sessions s ON s.id = m.session_id"
		" WHERE ?1 < 0 OR s.last_ts >= ?1 ORDER BY t.rowid" },
	{ "dsn_recipients", "SELECT t.* FROM dsn_recipients t LEFT JOIN mails m ON m.id = t.mail_id"
		" LEFT JOIN sessions s ON s.id = m.session_id"
		" WHERE ?1 < 0 OR s.last_ts >= ?1 ORDER BY t.rowid" },
	{ "anomalies", "SELECT * FROM anomalies WHERE ?1 < 0 OR ts >= ?1 ORDER BY rowid" },
	{ "findings", "SELECT * FROM findings WHERE ?1 < 0 OR last_ts >= ?1 ORDER BY id" },
	{ "captures", "SELECT * FROM captures WHERE ?1 < 0 OR started >= ?1 ORDER BY id" },
	{ "servers", "SELECT * FROM servers WHERE ?1 < 0 OR last_ts >= ?1"
		" ORDER BY server_ip, server_port" },
	{ "capture_stats", "SELECT * FROM capture_stats WHERE ?1 < 0 OR ts >= ?1 ORDER BY rowid" },
	{ "capture_counters", "SELECT t.* FROM capture_counters t LEFT JOIN captures c ON c.id = t.capture_id"
		" WHERE ?1 < 0 OR coalesce(c.finished, c.started) >= ?1 ORDER BY t.capture_id, t.name" },
};

#define N_DEFS (sizeof defs / sizeof defs[0])

const char *export_table_at(size_t i)
{
	return i < N_DEFS ? defs[i].name : NULL;
}

/* Any other table or view of the database (the schema grows: server_history,
 * ehlo_profiles, ...) is exported whole, or --since on the first of these
 * columns it has.  Its name must be one sqlite_master lists, and is quoted. */
static const char *const generic_time_cols[] = { "last_ts", "ts", "finished", "started", "first_ts", NULL };

static int generic_sql(sqlite3 *db, const char *table, double since, char *sql, size_t n, char *err,
		       size_t errlen)
{
	sqlite3_stmt *q;
	const char *col = NULL;
	int found = 0, i;
	char *qt;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?1"
			       " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'", -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(q, 1, table, -1, SQLITE_STATIC);
	found = sqlite3_step(q) == SQLITE_ROW;
	sqlite3_finalize(q);
	if (!found) {
		snprintf(err, errlen, "export: unknown table '%s' (see smtpscope export --help)", table);
		return -1;
	}
	for (i = 0; generic_time_cols[i] && !col; i++) {
		if (sqlite3_table_column_metadata(db, NULL, table, generic_time_cols[i], NULL, NULL, NULL, NULL,
						  NULL) == SQLITE_OK)
			col = generic_time_cols[i];
	}
	if (since >= 0 && !col) {
		snprintf(err, errlen, "export %s: --since is not available (the table has no time column)", table);
		return -1;
	}
	qt = sqlite3_mprintf("\"%w\"", table);
	if (!qt)
		return -1;
	if (col)
		snprintf(sql, n, "SELECT * FROM %s WHERE ?1 < 0 OR %s >= ?1", qt, col);
	else
		snprintf(sql, n, "SELECT * FROM %s WHERE ?1 IS NOT NULL", qt);
	sqlite3_free(qt);
	return 0;
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0 when the
 * byte at p does not start one (RFC 3629 section 4: no overlongs, no
 * surrogates, nothing above U+10FFFF). */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xBF;
	size_t len, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xBF)
			return 0;
	return len;
}

static void json_string(FILE *out, const unsigned char *p, size_t n)
{
	size_t i = 0, k;

	fputc('"', out);
	while (i < n) {
		unsigned char c = p[i];
		if (c == '"' || c == '\\') {
			fputc('\\', out);
			fputc(c, out);
			i++;
		} else if (c < 0x20) {
			fprintf(out, "\\u%04x", c);
			i++;
		} else if ((k = utf8_len(p + i, n - i)) > 0) {
			fwrite(p + i, 1, k, out);
			i += k;
		} else {
			fputs("\\ufffd", out);
			i++;
		}
	}
	fputc('"', out);
}

/* Timestamps get microseconds; other reals the shortest exact form. */
static int is_time_column(const char *name)
{
	static const char *const names[] = { "ts", "first_ts", "last_ts", "started", "finished" };
	size_t i;

	for (i = 0; name && i < sizeof names / sizeof names[0]; i++)
		if (strcmp(name, names[i]) == 0)
			return 1;
	return 0;
}

static void put_real(FILE *out, double v, int is_time, const char *null_word)
{
	char buf[40];

	if (!isfinite(v)) {
		fputs(null_word, out);
		return;
	}
	if (is_time) {
		fprintf(out, "%.6f", v);
		return;
	}
	snprintf(buf, sizeof buf, "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, sizeof buf, "%.17g", v);
	fputs(buf, out);
}

static void put_json_row(FILE *out, sqlite3_stmt *s, int ncol)
{
	int i;

	fputc('{', out);
	for (i = 0; i < ncol; i++) {
		const char *name = sqlite3_column_name(s, i);
		if (i)
			fputc(',', out);
		json_string(out, (const unsigned char *)(name ? name : ""), name ? strlen(name) : 0);
		fputc(':', out);
		switch (sqlite3_column_type(s, i)) {
		case SQLITE_INTEGER:
			fprintf(out, "%lld", (long long)sqlite3_column_int64(s, i));
			break;
		case SQLITE_FLOAT:
			put_real(out, sqlite3_column_double(s, i), is_time_column(name), "null");
			break;
		case SQLITE_NULL:
			fputs("null", out);
			break;
		case SQLITE_BLOB: {
			const void *b = sqlite3_column_blob(s, i);
			int n = sqlite3_column_bytes(s, i);
			json_string(out, b ? b : (const void *)"", b ? (size_t)n : 0);
			break;
		}
		default: {
			const unsigned char *t = sqlite3_column_text(s, i);
			int n = sqlite3_column_bytes(s, i);
			json_string(out, t ? t : (const unsigned char *)"", t ? (size_t)n : 0);
			break;
		}
		}
	}
	fputc('}', out);
}

/* A CSV text field: quoted when it must be (or is empty, so that '' differs
 * from NULL); invalid UTF-8 and NUL become U+FFFD; a field a spreadsheet
 * would run as a formula gets a leading ' (csv_needs_guard(), escape.h). */
static void csv_string(FILE *out, const unsigned char *p, size_t n)
{
	size_t i, k;
	int guard = csv_needs_guard((const char *)p, n), quote = n == 0 || guard;

	for (i = 0; i < n && !quote; i++)
		if (p[i] == ',' || p[i] == '"' || p[i] == '\r' || p[i] == '\n')
			quote = 1;
	if (quote)
		fputc('"', out);
	if (guard)
		fputc('\'', out);
	for (i = 0; i < n;) {
		if (p[i] == '"') {
			fputs("\"\"", out);
			i++;
		} else if (p[i] != 0 && (k = utf8_len(p + i, n - i)) > 0) {
			fwrite(p + i, 1, k, out);
			i += k;
		} else {
			fputs("\xEF\xBF\xBD", out);
			i++;
		}
	}
	if (quote)
		fputc('"', out);
}

static void put_csv_row(FILE *out, sqlite3_stmt *s, int ncol, int header)
{
	int i;

	for (i = 0; i < ncol; i++) {
		const char *name = sqlite3_column_name(s, i);
		if (i)
			fputc(',', out);
		if (header) {
			csv_string(out, (const unsigned char *)(name ? name : ""), name ? strlen(name) : 0);
			continue;
		}
		switch (sqlite3_column_type(s, i)) {
		case SQLITE_INTEGER:
			fprintf(out, "%lld", (long long)sqlite3_column_int64(s, i));
			break;
		case SQLITE_FLOAT:
			put_real(out, sqlite3_column_double(s, i), is_time_column(name), "");
			break;
		case SQLITE_NULL:
			break;
		default: {
			const unsigned char *t = sqlite3_column_text(s, i);
			int n = sqlite3_column_bytes(s, i);
			csv_string(out, t ? t : (const unsigned char *)"", t ? (size_t)n : 0);
			break;
		}
		}
	}
	fputs("\r\n", out);
}

int export_table(struct sqlite3 *db, const char *table, const char *format, double since,
		 FILE *out, char *err, size_t errlen)
{
	static char dummy[1];
	const struct export_def *def = NULL;
	struct export_def gen;
	char gen_sql[512];
	sqlite3_stmt *s = NULL;
	int csv, json_array = 0, rc, ncol, rows = 0;
	size_t i;

	if (!err) {
		err = dummy;
		errlen = sizeof dummy;
	}
	if (!db || !out) {
		snprintf(err, errlen, "export: no database or output");
		return -1;
	}
	for (i = 0; table && i < N_DEFS; i++)
		if (strcmp(table, defs[i].name) == 0)
			def = &defs[i];
	if (!def && table) {
		if (generic_sql(db, table, isnan(since) ? -1.0 : since, gen_sql, sizeof gen_sql, err, errlen) < 0)
			return -1;
		gen.name = table;
		gen.sql = gen_sql;
		def = &gen;
	}
	if (!def) {
		snprintf(err, errlen, "export: unknown table (see smtpscope export --help)");
		return -1;
	}
	if (format && strcmp(format, "jsonl") == 0) {
		csv = 0;
	} else if (format && strcmp(format, "json") == 0) {
		csv = 0;
		json_array = 1;
	} else if (format && strcmp(format, "csv") == 0) {
		csv = 1;
	} else {
		snprintf(err, errlen, "export: unknown format (jsonl, json or csv)");
		return -1;
	}
	if (sqlite3_prepare_v2(db, def->sql, -1, &s, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "export %s: %s", def->name, sqlite3_errmsg(db));
		sqlite3_finalize(s);
		return -1;
	}
	sqlite3_bind_double(s, 1, isnan(since) ? -1.0 : since);
	ncol = sqlite3_column_count(s);
	if (json_array)
		fputc('[', out);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (csv && rows == 0)
			put_csv_row(out, s, ncol, 1);
		if (json_array)
			fputs(rows ? ",\n" : "\n", out);
		if (csv)
			put_csv_row(out, s, ncol, 0);
		else
			put_json_row(out, s, ncol);
		if (!csv && !json_array)
			fputc('\n', out);
		rows++;
	}
	if (json_array && rc == SQLITE_DONE)
		fputs(rows ? "\n]\n" : "]\n", out);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "export %s: %s", def->name, sqlite3_errmsg(db));
		sqlite3_finalize(s);
		return -1;
	}
	/* A CSV of no rows still has its header. */
	if (csv && rows == 0) {
		for (i = 0; i < (size_t)ncol; i++) {
			const char *name = sqlite3_column_name(s, (int)i);
			if (i)
				fputc(',', out);
			csv_string(out, (const unsigned char *)(name ? name : ""), name ? strlen(name) : 0);
		}
		fputs("\r\n", out);
	}
	sqlite3_finalize(s);
	if (fflush(out) != 0 || ferror(out)) {
		snprintf(err, errlen, "export %s: write error", def->name);
		return -1;
	}
	return 0;
}
