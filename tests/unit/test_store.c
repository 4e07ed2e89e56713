/* \summary: unit tests for the SQLite layer: analyzer/store.c, analyzer/merge.c,
 * analyzer/embedded.c and reports/export.c, each against temp files. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <sqlite3.h>

#include "analyzer/store/store.h"
#include "analyzer/store/merge.h"
#include "analyzer/base/embedded.h"
#include "analyzer/base/limits.h"
#include "reports/export.h"
#include "tests/tap.h"

#define S(x) ((char *)(x))

static char dir[64];
static int path_n;

/* A fresh path in the test directory (the file does not exist). */
static const char *tmp_path(char *buf, size_t n, const char *tag)
{
	snprintf(buf, n, "%s/%02d_%s.db", dir, ++path_n, tag);
	return buf;
}

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long len;

	*n = 0;
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(len > 0 ? (size_t)len : 1);
	if (buf && len > 0 && fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*n = (size_t)len;
	return buf;
}

static int write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		return -1;
	fwrite(p, 1, n, f);
	return fclose(f);
}

static sqlite3 *raw_open(const char *path)
{
	sqlite3 *db = NULL;

	if (sqlite3_open(path, &db) != SQLITE_OK) {
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

static long long q_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s = NULL;
	long long v = -999;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	else
		printf("# query failed: %s: %s\n", sql, sqlite3_errmsg(db));
	sqlite3_finalize(s);
	return v;
}

static double q_real(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s = NULL;
	double v = -999;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_double(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* The text of a one-value query, copied into a static buffer ("(null)" for NULL). */
static const char *q_text(sqlite3 *db, const char *sql)
{
	static char buf[4096];
	sqlite3_stmt *s = NULL;

	snprintf(buf, sizeof buf, "(error)");
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(s, 0);
		snprintf(buf, sizeof buf, "%s", t ? (const char *)t : "(null)");
	} else {
		printf("# query failed: %s: %s\n", sql, sqlite3_errmsg(db));
	}
	sqlite3_finalize(s);
	return buf;
}

static int q_null(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s = NULL;
	int v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_type(s, 0) == SQLITE_NULL;
	sqlite3_finalize(s);
	return v;
}

/* ---- a hand-built record ---------------------------------------------------- */

static struct smtp_extension exts[] = {
	{ S("PIPELINING"), NULL },
	{ S("X-EXPS"), S("GSSAPI NTLM LOGIN") },
	{ S("SIZE"), S("10240000") },
};

static struct smtp_command cmds[] = {
	{ 1700000000200000ull, S("EHLO"), S("client.example.org"), 1 },
	{ 1700000000300000ull, S("MAIL"), S("FROM:<>"), 1 },
	{ 1700000000400000ull, S("FOO"), NULL, 0 },
};

static struct smtp_reply replies[] = {
	{ 1700000000100000ull, 220, NULL, S("aliasex2000 Microsoft ESMTP MAIL Service ready"), 1 },
	{ 1700000000250000ull, 250, NULL, S("aliasex2000 Hello\nPIPELINING\nX-EXPS GSSAPI NTLM LOGIN"), 3 },
	{ 1700000000350000ull, 250, S("2.1.0"), S("2.1.0 Sender OK"), 1 },
};

static struct smtp_recipient rcpts[] = {
	{ S("alice@example.com"), 250, S("2.1.5") },
	{ S("bob@example.com"), 0, NULL },
};

static struct smtp_dsn_recipient dsns[] = {
	{ S("carol@example.net"), S("failed"), S("4.4.7"), S("aliasex2000"),
	  S("Could not deliver the message in the time limit specified.") },
};

static struct smtp_mail mails[] = { {
	.ts = 1700000000300000ull, .mail_from = S(""), .params = S("SIZE=4358 BODY=8BITMIME"),
	.size_param = 4358, .body_type = S("8BITMIME"), .ret = S("HDRS"), .envid = S("QQ314159"),
	.auth = S("<>"), .mail_code = 250, .rcpts = rcpts, .n_rcpts = 2, .rcpt_count = 3,
	.accepted = 1, .data_code = 354, .final_code = 250, .final_enhanced = S("2.6.0"),
	.bdat = 0, .bdat_chunks = 0, .completed = 1, .size = 4321,
	.hdr_from = S("postmaster@aliasex2000"), .hdr_to = S("carol@example.net"),
	.subject = S("Delivery Status Notification (Delay)"), .date = S("Tue, 14 Nov 2023 22:13:20 +0000"),
	.message_id = S("<abc@aliasex2000>"), .content_type = S("multipart/report"),
	.is_dsn = 1, .dsn = dsns, .n_dsn = 1,
} };

static struct smtp_anomaly anoms[] = {
	{ 1700000000400000ull, ANOM_UNKNOWN_COMMAND, S("FOO") },
	{ 0, ANOM_BARE_LF, NULL },
};

static struct smtp_record make_record(void)
{
	struct smtp_record r;

	memset(&r, 0, sizeof r);
	r.banner_code = 220;
	r.banner_text = S("aliasex2000 Microsoft ESMTP MAIL Service, Version: 5.0.2195.1600 ready");
	r.banner_host = S("aliasex2000");
	r.software = S("Exchange 2000");
	r.software_version = S("5.0.2195.1600");
	r.helo_verb = S("EHLO");
	r.helo_arg = S("client.example.org");
	r.helo_code = 250;
	r.greeting_host = S("aliasex2000");
	r.ehlo_first_line = S("aliasex2000 Hello [192.0.2.7]");
	r.ext = exts;
	r.n_ext = 3;
	r.xexps_advertised = 1;
	r.xexps_mechanisms = S("GSSAPI NTLM LOGIN");
	r.auth_mechanisms = S("GSSAPI NTLM LOGIN");
	r.starttls = 0;
	r.starttls_code = 0;
	r.auth_mechanism = S("LOGIN");
	r.auth_code = 235;
	r.auth_round_trips = 2;
	r.auth_payload_bytes = 40;
	r.xexps_used = 1;
	r.pipelined = 1;
	r.bdat = 0;
	r.mails = mails;
	r.n_mails = 1;
	r.mail_count = 2;
	r.cmds = cmds;
	r.n_cmds = 3;
	r.cmds_total = 7;
	r.replies = replies;
	r.n_replies = 3;
	r.replies_total = 6;
	r.anomalies = anoms;
	r.n_anomalies = 2;
	r.anomalies_total = 5;
	r.bytes_c2s = 12345;
	r.bytes_s2c = 67890;
	r.gaps = 1;
	r.gap_bytes = 100;
	r.quit = 1;
	r.end = SMTP_END_RST;
	r.outcome = SMTP_OUTCOME_ABORTED;
	r.saw_smtp = 1;
	return r;
}

static struct session_meta make_meta(int64_t capture_id, uint64_t first_ts)
{
	struct session_meta m;

	memset(&m, 0, sizeof m);
	m.capture_id = capture_id;
	snprintf(m.client_ip, sizeof m.client_ip, "192.0.2.7");
	snprintf(m.server_ip, sizeof m.server_ip, "2001:db8::25");
	m.client_port = 49152;
	m.server_port = 25;
	m.vlan = 42;
	m.first_ts = first_ts;
	m.last_ts = first_ts + 5500000;
	m.ndpi_protocol = "SMTP";
	m.midstream = 1;
	return m;
}

static struct capture_info file_capture(const char *source, const char *hash, int64_t size)
{
	struct capture_info ci = { source, "file", NULL, NULL, "EN10MB", hash, size };

	return ci;
}

/* ---- tests ----------------------------------------------------------------- */

static void test_embedded(void)
{
	ok(embedded_find(schema_files, "001_core.sql") != NULL, "embedded_find finds 001_core.sql");
	ok(strstr(embedded_find(schema_files, "002_transcript.sql"), "CREATE TABLE IF NOT EXISTS mails") != NULL,
	   "002_transcript.sql has its text");
	ok(embedded_find(schema_files, "nope.sql") == NULL, "embedded_find: unknown name is NULL");
	ok(embedded_find(query_files, "001_core.sql") == NULL, "embedded_find: other table");
	is_int(store_schema_max() >= 2, 1, "at least schema version 2 is built in");
}

static void test_new_file(void)
{
	char path[128], err[512] = "";
	struct store *st;
	sqlite3 *db;

	tmp_path(path, sizeof path, "new");
	st = store_open(path, STORE_WRITE, err, sizeof err);
	if (!ok(st != NULL, "store_open creates a new file"))
		printf("#   %s\n", err);
	if (!st)
		return;
	is_int(store_schema_version(st), store_schema_max(), "new file gets the newest version");
	db = store_db(st);
	is_str(q_text(db, "PRAGMA journal_mode"), "wal", "journal_mode is WAL");
	is_int(q_int(db, "PRAGMA synchronous"), 1, "synchronous is NORMAL");
	is_int(q_int(db, "PRAGMA foreign_keys"), 1, "foreign_keys is on");
	is_int(q_int(db, "SELECT count(*) FROM sqlite_master WHERE name IN ('captures','sessions',"
		     "'extensions','commands','replies','mails','recipients','dsn_recipients',"
		     "'anomalies','capture_counters','capture_stats','findings','servers')"),
	       13, "every contract table and view exists");
	store_close(st);
	st = store_open(path, STORE_READ, err, sizeof err);
	ok(st != NULL, "the same file opens read-only");
	if (st) {
		ok(store_session(st, NULL, NULL) == -1, "a read-only store refuses writes");
		is_int(store_schema_version(st), store_schema_max(), "read-only: version");
	}
	store_close(st);
	store_close(NULL);
}

static void test_migration(void)
{
	char path[128], err[512] = "";
	struct store *st;
	sqlite3 *db;

	tmp_path(path, sizeof path, "v1");
	db = raw_open(path);
	ok(db && sqlite3_exec(db, embedded_find(schema_files, "001_core.sql"), NULL, NULL, NULL) == SQLITE_OK,
	   "a version 1 database made from 001 alone");
	sqlite3_exec(db, "INSERT INTO captures (id, source, kind, started, status) VALUES (7, 'old.pcap', 'file', 1.5, 'finished');"
		     "INSERT INTO sessions (id, capture_id, client_ip, client_port, server_ip, server_port,"
		     " first_ts, last_ts, outcome, banner_host) VALUES (3, 7, '10.0.0.1', 1025, '10.0.0.2', 25,"
		     " 100.25, 101.5, 'aborted', 'aliasex2000');"
		     "INSERT INTO extensions VALUES (3, 1, 'X-EXPS', 'LOGIN');", NULL, NULL, NULL);
	is_int(q_int(db, "PRAGMA user_version"), 1, "user_version 1 before");
	sqlite3_close(db);

	st = store_open(path, STORE_READ, err, sizeof err);
	ok(st == NULL && strstr(err, "smtpscope analyze") != NULL,
	   "read-only open of an older version says to migrate (%s)", err);
	store_close(st);

	st = store_open(path, STORE_WRITE, err, sizeof err);
	if (!ok(st != NULL, "store_open migrates version 1"))
		printf("#   %s\n", err);
	if (!st)
		return;
	db = store_db(st);
	is_int(store_schema_version(st), store_schema_max(), "migrated to the newest version");
	is_str(q_text(db, "SELECT banner_host FROM sessions WHERE id = 3"), "aliasex2000", "the v1 session survives");
	is_int(q_int(db, "SELECT capture_id FROM sessions WHERE id = 3"), 7, "with its capture");
	is_int(q_int(db, "SELECT quit + commands_total FROM sessions WHERE id = 3"), 0, "new columns take defaults");
	is_int(q_null(db, "SELECT client_helo_kind FROM sessions WHERE id = 3"), 1, "new nullable columns are NULL");
	is_str(q_text(db, "SELECT params FROM extensions WHERE session_id = 3"), "LOGIN", "its extension survives");
	is_int(q_int(db, "SELECT count(*) FROM commands"), 0, "the v2 tables exist");
	store_close(st);
}

static void test_refusals(void)
{
	char path[128], err[512] = "";
	static const char junk[] = "This is not an SQLite database, just a text file that must stay as it is.\n";
	char *before, *after;
	size_t nb, na;
	struct store *st;
	sqlite3 *db;

	/* not SQLite */
	tmp_path(path, sizeof path, "junk");
	write_file(path, junk, sizeof junk - 1);
	st = store_open(path, STORE_WRITE, err, sizeof err);
	ok(st == NULL && strstr(err, "not an SQLite database"), "a text file is refused (%s)", err);
	store_close(st);
	after = slurp(path, &na);
	ok(after && na == sizeof junk - 1 && memcmp(after, junk, na) == 0, "the text file is unchanged");
	free(after);

	/* short file with a header prefix */
	tmp_path(path, sizeof path, "short");
	write_file(path, "SQLite", 6);
	st = store_open(path, STORE_WRITE, err, sizeof err);
	ok(st == NULL, "a 6-byte file is refused");
	store_close(st);

	/* foreign SQLite database */
	tmp_path(path, sizeof path, "foreign");
	db = raw_open(path);
	sqlite3_exec(db, "CREATE TABLE contacts (name TEXT, mail TEXT);"
		     "INSERT INTO contacts VALUES ('a', 'a@example.com');", NULL, NULL, NULL);
	sqlite3_close(db);
	before = slurp(path, &nb);
	st = store_open(path, STORE_WRITE, err, sizeof err);
	ok(st == NULL && strstr(err, "not smtpscope's"), "a foreign SQLite database is refused (%s)", err);
	store_close(st);
	st = store_open(path, STORE_READ, err, sizeof err);
	ok(st == NULL, "... also read-only");
	store_close(st);
	after = slurp(path, &na);
	ok(before && after && nb == na && memcmp(before, after, na) == 0, "the foreign database is byte for byte unchanged");
	ok(access((strcat(strcpy(err, path), "-wal"), err), F_OK) != 0, "no WAL file was created next to it");
	free(before);
	free(after);

	/* a foreign database that happens to have a table named captures */
	tmp_path(path, sizeof path, "foreigncap");
	db = raw_open(path);
	sqlite3_exec(db, "CREATE TABLE captures (pokemon TEXT, level INTEGER);", NULL, NULL, NULL);
	sqlite3_close(db);
	before = slurp(path, &nb);
	st = store_open(path, STORE_WRITE, err, sizeof err);
	ok(st == NULL && strstr(err, "not smtpscope's"), "a foreign table named captures is not ours (%s)", err);
	store_close(st);
	after = slurp(path, &na);
	ok(before && after && nb == na && memcmp(before, after, na) == 0, "and that database is unchanged");
	free(before);
	free(after);

	/* another application's versioned database */
	tmp_path(path, sizeof path, "foreignv");
	db = raw_open(path);
	sqlite3_exec(db, "CREATE TABLE t (x); PRAGMA user_version = 1;", NULL, NULL, NULL);
	sqlite3_close(db);
	st = store_open(path, STORE_WRITE, err, sizeof err);
	ok(st == NULL && strstr(err, "not smtpscope's"), "a versioned foreign database is refused (%s)", err);
	store_close(st);

	/* newer version */
	tmp_path(path, sizeof path, "newer");
	st = store_open(path, STORE_WRITE, err, sizeof err);
	store_close(st);
	db = raw_open(path);
	{
		char sql[64];
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d", store_schema_max() + 1);
		sqlite3_exec(db, sql, NULL, NULL, NULL);
		sqlite3_exec(db, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
	}
	sqlite3_close(db);
	before = slurp(path, &nb);
	st = store_open(path, STORE_WRITE, err, sizeof err);
	ok(st == NULL && strstr(err, "is newer than this smtpscope supports") && strstr(err, "upgrade smtpscope"),
	   "a newer database is refused (%s)", err);
	store_close(st);
	after = slurp(path, &na);
	ok(before && after && nb == na && memcmp(before, after, na) == 0, "the newer database is unchanged");
	free(before);
	free(after);

	/* read mode: missing file */
	tmp_path(path, sizeof path, "missing");
	st = store_open(path, STORE_READ, err, sizeof err);
	ok(st == NULL && access(path, F_OK) != 0, "read-only open of a missing file fails and creates nothing");
	store_close(st);
}

static void test_roundtrip(void)
{
	char path[128], err[512] = "", sql[256];
	struct store *st;
	struct smtp_record r = make_record();
	struct session_meta m;
	struct capture_info ci = file_capture("/data/x.pcap", "00ff00ff00ff00ff", 123456);
	struct capture_totals t = { 1000, 200000, 0, 0, 0, 1700000000000000ull, 1700000010000000ull };
	int64_t cap, sid;
	sqlite3 *db;

	tmp_path(path, sizeof path, "rt");
	st = store_open(path, STORE_WRITE, err, sizeof err);
	if (!ok(st != NULL, "open for the round trip"))
		return;
	db = store_db(st);
	cap = store_capture_begin(st, &ci);
	ok(cap > 0, "capture_begin gives an id");
	m = make_meta(cap, 1700000000123456ull);
	sid = store_session(st, &m, &r);
	ok(sid > 0, "store_session gives an id");
	is_int(store_capture_counter(st, cap, "non_tcp", 17), 0, "capture counter");
	is_int(store_capture_counter(st, cap, "non_tcp", 18), 0, "capture counter updated");
	is_int(store_capture_stats(st, cap, 1700000005.5, &t, 100.5, 1.25), 0, "capture stats");
	is_int(store_capture_anomaly(st, cap, 1700000001000000ull, "snaplen_cut", "caplen 96"), 0, "capture anomaly");
	is_int(store_capture_end(st, cap, &t, "finished", NULL), 0, "capture_end");
	ok(store_capture_end(st, cap, &t, "bogus", NULL) == -1, "capture_end refuses an unknown status");

	/* captures */
	is_str(q_text(db, "SELECT source || '|' || kind || '|' || linktype || '|' || content_hash || '|' || file_size"
		      " || '|' || status FROM captures"), "/data/x.pcap|file|EN10MB|00ff00ff00ff00ff|123456|finished",
	       "captures row");
	is_int(q_int(db, "SELECT packets + bytes FROM captures"), 201000, "captures totals");
	is_int(q_int(db, "SELECT smtp_sessions FROM captures"), 1, "captures.smtp_sessions counted by store_session");
	ok(fabs(q_real(db, "SELECT first_ts FROM captures") - 1700000000.0) < 1e-6, "captures.first_ts");
	ok(q_int(db, "SELECT finished >= started AND started > 1600000000 FROM captures") == 1, "started/finished wall clock");
	is_int(q_null(db, "SELECT interface FROM captures"), 1, "captures.interface NULL for files");
	is_int(q_int(db, "SELECT value FROM capture_counters WHERE name = 'non_tcp'"), 18, "capture_counters value");
	is_str(q_text(db, "SELECT ts || '|' || packets || '|' || bytes || '|' || pps || '|' || mbps FROM capture_stats"),
	       "1700000005.5|1000|200000|100.5|1.25", "capture_stats row");
	is_str(q_text(db, "SELECT kind || '|' || detail || '|' || (session_id IS NULL) FROM anomalies WHERE session_id IS NULL"),
	       "snaplen_cut|caplen 96|1", "capture-level anomaly");

	/* sessions: every column */
#define SCOL_SQL(col) (snprintf(sql, sizeof sql, "SELECT %s FROM sessions WHERE id = %lld", col, (long long)sid), sql)
#define SCOL_T(col, want) is_str(q_text(db, SCOL_SQL(col)), want, "sessions." col)
#define SCOL_I(col, want) is_int(q_int(db, SCOL_SQL(col)), want, "sessions." col)
#define SCOL_N(col) is_int(q_null(db, SCOL_SQL(col)), 1, "sessions." col " is NULL")
	SCOL_I("capture_id", cap);
	SCOL_T("client_ip", "192.0.2.7");
	SCOL_I("client_port", 49152);
	SCOL_T("server_ip", "2001:db8::25");
	SCOL_I("server_port", 25);
	SCOL_I("vlan", 42);
	SCOL_T("printf('%.6f', first_ts)", "1700000000.123456");
	SCOL_T("printf('%.6f', last_ts)", "1700000005.623456");
	SCOL_T("ndpi_protocol", "SMTP");
	SCOL_I("banner_code", 220);
	SCOL_T("banner_text", "aliasex2000 Microsoft ESMTP MAIL Service, Version: 5.0.2195.1600 ready");
	SCOL_T("banner_host", "aliasex2000");
	SCOL_T("software", "Exchange 2000");
	SCOL_T("helo_verb", "EHLO");
	SCOL_T("helo_arg", "client.example.org");
	SCOL_T("greeting_host", "aliasex2000");
	SCOL_I("starttls", 0);
	SCOL_T("auth_mechanism", "LOGIN");
	SCOL_I("xexps_advertised", 1);
	SCOL_I("xexps_used", 1);
	SCOL_I("mails", 2);
	SCOL_T("outcome", "aborted");
	SCOL_I("pipelined", 1);
	SCOL_I("bdat", 0);
	SCOL_I("bytes_c2s", 12345);
	SCOL_I("bytes_s2c", 67890);
	SCOL_I("gaps", 1);
	SCOL_I("anomalies", 5);
	SCOL_T("software_version", "5.0.2195.1600");
	SCOL_I("helo_code", 250);
	SCOL_T("ehlo_first_line", "aliasex2000 Hello [192.0.2.7]");
	SCOL_T("end_reason", "rst");
	SCOL_T("client_helo_kind", "fqdn");
	SCOL_T("banner_host_kind", "single_label");
	SCOL_T("greeting_host_kind", "single_label");
	SCOL_N("starttls_code");
	SCOL_I("auth_code", 235);
	SCOL_I("auth_round_trips", 2);
	SCOL_I("auth_payload_bytes", 40);
	SCOL_T("xexps_mechanisms", "GSSAPI NTLM LOGIN");
	SCOL_T("auth_advertised", "GSSAPI NTLM LOGIN");
	SCOL_I("commands_total", 7);
	SCOL_I("replies_total", 6);
	SCOL_I("gap_bytes", 100);
	SCOL_I("midstream", 1);
	SCOL_I("quit", 1);
#undef SCOL_T
#undef SCOL_I
#undef SCOL_N
#undef SCOL_SQL

	/* children */
	is_str(q_text(db, "SELECT group_concat(seq || ':' || keyword || '=' || coalesce(params, 'NULL'), ';')"
		      " FROM (SELECT * FROM extensions ORDER BY seq)"),
	       "1:PIPELINING=NULL;2:X-EXPS=GSSAPI NTLM LOGIN;3:SIZE=10240000", "extensions rows, seq from 1");
	is_str(q_text(db, "SELECT group_concat(seq || ':' || printf('%.6f', ts) || ':' || verb || ':' || coalesce(arg, 'NULL'), ';')"
		      " FROM (SELECT * FROM commands ORDER BY seq)"),
	       "1:1700000000.200000:EHLO:client.example.org;2:1700000000.300000:MAIL:FROM:<>;3:1700000000.400000:FOO:NULL",
	       "commands rows");
	is_str(q_text(db, "SELECT group_concat(seq || ':' || code || ':' || coalesce(enhanced, 'NULL') || ':' || text, ';')"
		      " FROM (SELECT * FROM replies ORDER BY seq)"),
	       "1:220:NULL:aliasex2000 Microsoft ESMTP MAIL Service ready;"
	       "2:250:NULL:aliasex2000 Hello\nPIPELINING\nX-EXPS GSSAPI NTLM LOGIN;3:250:2.1.0:2.1.0 Sender OK",
	       "replies rows (multi-line text joined with \\n)");
	is_str(q_text(db, "SELECT printf('%.6f', ts) FROM replies WHERE seq = 2"), "1700000000.250000", "replies.ts");
	is_str(q_text(db, "SELECT session_id || '|' || seq || '|' || printf('%.6f', ts) || '|' || quote(mail_from) || '|' ||"
		      " rcpt_count || '|' || accepted || '|' || size || '|' || subject || '|' || message_id || '|' ||"
		      " is_dsn || '|' || params || '|' || size_param || '|' || body_type || '|' || ret || '|' ||"
		      " envid || '|' || auth || '|' || mail_code || '|' || data_code || '|' || final_code || '|' ||"
		      " final_enhanced || '|' || bdat || '|' || bdat_chunks || '|' || completed || '|' ||"
		      " hdr_from || '|' || hdr_to || '|' || hdr_date || '|' || content_type FROM mails"),
	       "1|1|1700000000.300000|''|3|1|4321|Delivery Status Notification (Delay)|<abc@aliasex2000>|1|"
	       "SIZE=4358 BODY=8BITMIME|4358|8BITMIME|HDRS|QQ314159|<>|250|354|250|2.6.0|0|0|1|"
	       "postmaster@aliasex2000|carol@example.net|Tue, 14 Nov 2023 22:13:20 +0000|multipart/report",
	       "mails row, every column (null reverse path is '')");
	is_str(q_text(db, "SELECT group_concat(seq || ':' || address || ':' || coalesce(code, 'NULL') || ':' ||"
		      " coalesce(enhanced, 'NULL'), ';') FROM (SELECT r.* FROM recipients r JOIN mails m ON m.id = r.mail_id"
		      " ORDER BY seq)"),
	       "1:alice@example.com:250:2.1.5;2:bob@example.com:NULL:NULL", "recipients rows (code 0 is NULL)");
	is_str(q_text(db, "SELECT final_recipient || '|' || action || '|' || status || '|' || reporting_mta || '|' ||"
		      " diagnostic FROM dsn_recipients d JOIN mails m ON m.id = d.mail_id"),
	       "carol@example.net|failed|4.4.7|aliasex2000|Could not deliver the message in the time limit specified.",
	       "dsn_recipients row");
	is_str(q_text(db, "SELECT group_concat(kind || ':' || coalesce(detail, 'NULL') || ':' || CASE WHEN ts IS NULL THEN 'NULL' ELSE printf('%.1f', ts) END"
		      " || ':' || capture_id, ';') FROM (SELECT * FROM anomalies WHERE session_id IS NOT NULL ORDER BY rowid)"),
	       "unknown_command:FOO:1700000000.4:1;bare_lf:NULL:NULL:1", "session anomalies rows");
	is_int(q_int(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0, "no foreign key violations");
	is_str(q_text(db, "SELECT names || '|' || software || '|' || sessions || '|' || aborted FROM servers"),
	       "aliasex2000|Exchange 2000|1|1", "the servers view");

	/* A minimal record: NULLs where nothing was seen. */
	{
		struct smtp_record e;
		memset(&e, 0, sizeof e);
		e.end = SMTP_END_CAPTURE;
		e.outcome = SMTP_OUTCOME_TRUNCATED;
		m = make_meta(cap, 1700000001000000ull);
		sid = store_session(st, &m, &e);
		ok(sid > 0, "an empty record is stored");
		snprintf(sql, sizeof sql, "SELECT ((banner_code IS NULL) + (banner_host_kind IS NULL) + (client_helo_kind IS NULL)"
			 " + (helo_code IS NULL)) || '|' || outcome || '|' || end_reason FROM sessions WHERE id = %lld", (long long)sid);
		is_str(q_text(db, sql), "4|truncated|capture", "empty record: NULLs, outcome and end_reason");
		e.banner_code = 554;
		e.helo_verb = S("HELO");
		m.first_ts += 1;
		sid = store_session(st, &m, &e);
		snprintf(sql, sizeof sql, "SELECT banner_host_kind || '|' || client_helo_kind FROM sessions WHERE id = %lld",
			 (long long)sid);
		is_str(q_text(db, sql), "empty|empty", "seen without a name: kind 'empty'");
	}
	store_close(st);
}

static void test_hostile(void)
{
	char path[128], err[512] = "";
	static const char drop[] = "'); DROP TABLE sessions;--";
	static const char quotes[] = "\"it's\" `x` \\ %s %n ' OR '1'='1";
	char bin[1025];
	struct smtp_record r;
	struct session_meta m;
	struct capture_info ci = file_capture("it's \"here\".pcap", NULL, -1);
	struct store *st;
	sqlite3 *db;
	sqlite3_stmt *s = NULL;
	int64_t cap, sid;
	int i;

	for (i = 0; i < 1024; i++)
		bin[i] = (char)(1 + i % 255);   /* every byte but NUL, invalid UTF-8 included */
	bin[1024] = 0;
	memset(&r, 0, sizeof r);
	r.banner_code = 220;
	r.banner_text = bin;
	r.banner_host = S(drop);
	r.helo_verb = S("EHLO");
	r.helo_arg = S(quotes);
	r.outcome = SMTP_OUTCOME_COMPLETED;

	tmp_path(path, sizeof path, "hostile");
	st = store_open(path, STORE_WRITE, err, sizeof err);
	if (!ok(st != NULL, "open for hostile strings"))
		return;
	db = store_db(st);
	cap = store_capture_begin(st, &ci);
	m = make_meta(cap, 1700000000000000ull);
	sid = store_session(st, &m, &r);
	ok(sid > 0, "a session with hostile strings is stored");
	is_int(q_int(db, "SELECT count(*) FROM sessions"), 1, "the sessions table is still there");
	is_str(q_text(db, "SELECT banner_host FROM sessions"), drop, "SQL injection text stored verbatim");
	is_str(q_text(db, "SELECT helo_arg FROM sessions"), quotes, "quotes stored verbatim");
	is_str(q_text(db, "SELECT client_helo_kind FROM sessions"), "invalid", "and classified as invalid");
	is_str(q_text(db, "SELECT source FROM captures"), "it's \"here\".pcap", "capture source with quotes");
	is_int(q_null(db, "SELECT file_size FROM captures"), 1, "file_size -1 is NULL");
	if (sqlite3_prepare_v2(db, "SELECT banner_text, typeof(banner_text) FROM sessions", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW) {
		const void *p = sqlite3_column_blob(s, 0);
		is_int(sqlite3_column_bytes(s, 0), 1024, "1 kB of binary stored whole");
		ok(p && memcmp(p, bin, 1024) == 0, "binary bytes stored verbatim");
		is_str((const char *)sqlite3_column_text(s, 1), "text", "bound as text");
	} else {
		ok(0, "reading the binary banner");
	}
	sqlite3_finalize(s);
	s = NULL;
	{
		/* issue 15: the same bytes through the transcript's JSON and an EHLO
		 * profile come back from the commands, replies and extensions views */
		struct smtp_command c = { 1700000000000001ull, S("EHLO"), bin, 1 };
		struct smtp_reply rp = { 1700000000123456ull, 250, S("2.0.0"), bin, 1 };
		struct smtp_extension x = { S("X-BIN"), bin };
		static const char *const views[] = {
			"SELECT arg FROM commands WHERE session_id = ?1",
			"SELECT text FROM replies WHERE session_id = ?1",
			"SELECT params FROM extensions WHERE session_id = ?1",
		};
		size_t v;

		r.cmds = &c;
		r.n_cmds = 1;
		r.replies = &rp;
		r.n_replies = 1;
		r.ext = &x;
		r.n_ext = 1;
		m.first_ts += 10;
		sid = store_session(st, &m, &r);
		ok(sid > 0, "a session with every byte in its transcript and EHLO list");
		store_commit(st);
		for (v = 0; v < sizeof views / sizeof views[0]; v++) {
			if (sqlite3_prepare_v2(db, views[v], -1, &s, NULL) == SQLITE_OK &&
			    sqlite3_bind_int64(s, 1, sid) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW) {
				const void *p = sqlite3_column_blob(s, 0);
				ok(sqlite3_column_bytes(s, 0) == 1024 && p && memcmp(p, bin, 1024) == 0,
				   "%s: the bytes read back verbatim", views[v]);
			} else {
				ok(0, "%s: %s", views[v], sqlite3_errmsg(db));
			}
			sqlite3_finalize(s);
			s = NULL;
		}
		is_str(q_text(db, "SELECT printf('%.6f', ts) || ' ' || typeof(ts) FROM replies"),
		       "1700000000.123456 real", "a reply's time read back as REAL, to the microsecond");
		r.cmds = NULL;
		r.replies = NULL;
		r.ext = NULL;
		r.n_cmds = r.n_replies = r.n_ext = 0;
	}
	store_close(st);
}

static void test_batching(void)
{
	char path[128], err[512] = "";
	struct smtp_record r = make_record();
	struct session_meta m;
	struct capture_info ci = file_capture("b.pcap", "1111", 10);
	struct store *st;
	sqlite3 *other;
	int64_t cap;

	tmp_path(path, sizeof path, "batch");
	st = store_open(path, STORE_WRITE, err, sizeof err);
	if (!ok(st != NULL, "open for batching"))
		return;
	cap = store_capture_begin(st, &ci);
	other = raw_open(path);
	is_int(q_int(other, "SELECT count(*) FROM captures"), 1, "capture_begin is committed at once");
	m = make_meta(cap, 1700000000000000ull);
	ok(store_session(st, &m, &r) > 0, "session written");
	is_int(q_int(other, "SELECT count(*) FROM sessions"), 0, "another connection does not see it before a commit");
	is_int(store_tick(st), 0, "store_tick");
	is_int(q_int(other, "SELECT count(*) FROM sessions"), 0, "... nor after a tick that is not due");
	is_int(q_int(other, "SELECT count(*) FROM captures"), 1, "readers are not blocked by the writer (WAL)");
	is_int(store_commit(st), 0, "store_commit");
	is_int(q_int(other, "SELECT count(*) FROM sessions"), 1, "after store_commit it does");
	is_int(store_commit(st), 0, "store_commit with nothing open");
	ok(store_session(st, &m, &r) > 0, "another session");
	usleep((STORE_BATCH_MS + 100) * 1000);
	is_int(q_int(other, "SELECT count(*) FROM sessions"), 1, "not visible before the tick");
	is_int(store_tick(st), 0, "store_tick after STORE_BATCH_MS");
	is_int(q_int(other, "SELECT count(*) FROM sessions"), 2, "the time-due tick committed it");
	{
		int i;
		for (i = 0; i < STORE_BATCH_SESSIONS; i++) {
			m.first_ts++;
			if (store_session(st, &m, &r) < 0)
				break;
		}
		is_int(i, STORE_BATCH_SESSIONS, "a full batch written");
		/* A full batch is committed by store_session() itself; on a slow
		 * build (sanitizers) STORE_BATCH_MS may commit part of it earlier,
		 * so what must hold is: nothing is left uncommitted after exactly
		 * STORE_BATCH_SESSIONS writes unless a time-due commit came later. */
		{
			int seen = q_int(other, "SELECT count(*) FROM sessions");
			ok(seen > 2 && seen <= 2 + STORE_BATCH_SESSIONS,
			   "STORE_BATCH_SESSIONS sessions commit without a tick (%d visible)", seen);
		}
		is_int(store_commit(st), 0, "commit the rest");
		is_int(q_int(other, "SELECT count(*) FROM sessions"), 2 + STORE_BATCH_SESSIONS,
		       "every session of the batch is there after the commit");
	}
	sqlite3_close(other);
	store_close(st);
}

/* issue 15: a session that fails half-way (here: its mail is refused by a
 * trigger) leaves nothing behind, and the batch around it is kept. */
static void test_session_half_way(void)
{
	char path[128], err[512] = "";
	struct smtp_record r = make_record();
	struct session_meta m;
	struct capture_info ci = file_capture("h.pcap", "2222", 10);
	struct store *st;
	int64_t cap, a, b;

	tmp_path(path, sizeof path, "halfway");
	st = store_open(path, STORE_WRITE, err, sizeof err);
	if (!ok(st != NULL, "open for the half-way test"))
		return;
	cap = store_capture_begin(st, &ci);
	m = make_meta(cap, 1700000000000000ull);
	a = store_session(st, &m, &r);
	ok(a > 0, "a first session");
	ok(sqlite3_exec(store_db(st), "CREATE TEMP TRIGGER refuse BEFORE INSERT ON main.mails"
			" BEGIN SELECT RAISE(ABORT, 'refused by the test'); END", NULL, NULL, NULL) == SQLITE_OK,
	   "a trigger that refuses mails");
	m.first_ts += 10;
	ok(store_session(st, &m, &r) < 0 && strstr(store_error(st), "refused by the test"),
	   "the second session fails at its mail (%s)", store_error(st));
	sqlite3_exec(store_db(st), "DROP TRIGGER temp.refuse", NULL, NULL, NULL);
	m.first_ts += 10;
	b = store_session(st, &m, &r);
	ok(b > 0, "a third session after it");
	is_int(store_commit(st), 0, "the batch commits");
	is_int(q_int(store_db(st), "SELECT count(*) FROM sessions"), 2, "two sessions stored, not the failed one");
	is_int(q_int(store_db(st), "SELECT count(*) FROM transcripts"), 2, "no transcript of the failed one");
	is_int(q_int(store_db(st), "SELECT count(*) FROM anomalies WHERE session_id IS NOT NULL"
		     " AND session_id NOT IN (SELECT id FROM sessions)"), 0, "no anomaly of it");
	is_int(q_int(store_db(st), "SELECT count(*) FROM mails"), 2, "only the stored sessions' mails");
	is_int(q_int(store_db(st), "SELECT smtp_sessions FROM captures"), 2, "the capture counts two sessions");
	store_close(st);
}

/* A writer that dies without closing loses its open batch and nothing else. */
static void test_crash(void)
{
	char path[128], err[512] = "";
	struct smtp_record r = make_record();
	struct capture_info ci = file_capture("crash.pcap", "cccc", 1);
	sqlite3 *db;
	pid_t pid;
	int status = -1;

	tmp_path(path, sizeof path, "crash");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct store *st = store_open(path, STORE_WRITE, err, sizeof err);
		struct session_meta m;
		int i;
		if (!st)
			_exit(2);
		m = make_meta(store_capture_begin(st, &ci), 1700000000000000ull);
		for (i = 0; i < 3; i++)
			store_session(st, &m, &r);
		store_commit(st);
		for (i = 0; i < 2; i++)
			store_session(st, &m, &r);
		_exit(0);   /* no store_close(): the open batch is lost */
	}
	waitpid(pid, &status, 0);
	is_int(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0, "the writer ran and died without closing");
	db = raw_open(path);
	is_str(q_text(db, "PRAGMA integrity_check"), "ok", "the database is intact after the crash");
	is_int(q_int(db, "SELECT count(*) FROM sessions"), 3, "committed sessions survive, the open batch is lost");
	is_int(q_int(db, "SELECT count(*) FROM mails"), 3, "no partial session rows survive");
	is_str(q_text(db, "SELECT status FROM captures"), "running", "the capture row exists (committed at begin)");
	sqlite3_close(db);
}

static void test_known_forget(void)
{
	char path[128], err[512] = "";
	struct smtp_record r = make_record();
	struct session_meta m;
	struct capture_info a = file_capture("a.pcap", "aaaa", 100), b = file_capture("b.pcap", "bbbb", 200);
	struct capture_totals t = { 0 };
	struct store *st;
	sqlite3 *db;
	int64_t ca, cb, id = 0;

	tmp_path(path, sizeof path, "forget");
	st = store_open(path, STORE_WRITE, err, sizeof err);
	if (!ok(st != NULL, "open for capture_known/forget"))
		return;
	db = store_db(st);
	ca = store_capture_begin(st, &a);
	is_int(store_capture_known(st, "aaaa", 100, &id), 0, "a running capture is not known");
	m = make_meta(ca, 1700000000000000ull);
	store_session(st, &m, &r);
	store_session(st, &m, &r);
	store_capture_counter(st, ca, "x", 1);
	store_capture_stats(st, ca, 1.0, &t, 0, 0);
	store_capture_anomaly(st, ca, 0, "k", NULL);
	store_capture_end(st, ca, &t, "finished", NULL);
	cb = store_capture_begin(st, &b);
	m = make_meta(cb, 1700000000000000ull);
	store_session(st, &m, &r);
	store_capture_end(st, cb, &t, "finished", NULL);

	is_int(store_capture_known(st, "aaaa", 100, &id), 1, "a finished capture is known");
	is_int(id, ca, "with its id");
	is_int(store_capture_known(st, "aaaa", 101, &id), 0, "same hash, other size: not known");
	is_int(store_capture_known(st, "cccc", 100, &id), 0, "other hash: not known");
	is_int(store_capture_known(st, NULL, 100, &id), 0, "no hash: not known");
	is_int(q_int(db, "SELECT count(*) FROM recipients"), 6, "recipients before forget");
	is_int(store_capture_forget(st, ca), 0, "store_capture_forget");
	is_int(store_capture_known(st, "aaaa", 100, &id), 0, "forgotten capture is not known");
	is_int(q_int(db, "SELECT count(*) FROM captures"), 1, "one capture left");
	is_int(q_int(db, "SELECT count(*) FROM sessions"), 1, "its sessions are gone, the other's stay");
	is_int(q_int(db, "SELECT count(*) FROM mails"), 1, "mails");
	is_int(q_int(db, "SELECT count(*) FROM recipients"), 2, "recipients");
	is_int(q_int(db, "SELECT count(*) FROM dsn_recipients"), 1, "dsn_recipients");
	is_int(q_int(db, "SELECT count(*) FROM commands"), 3, "commands");
	is_int(q_int(db, "SELECT count(*) FROM replies"), 3, "replies");
	is_int(q_int(db, "SELECT count(*) FROM extensions"), 3, "extensions");
	is_int(q_int(db, "SELECT count(*) FROM anomalies"), 2, "anomalies (session and capture level)");
	is_int(q_int(db, "SELECT count(*) FROM capture_counters"), 0, "capture_counters");
	is_int(q_int(db, "SELECT count(*) FROM capture_stats"), 0, "capture_stats");
	is_int(q_int(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0, "no dangling references");
	store_close(st);
}

/* A database with the given captures, each with n sessions. */
static int make_db(const char *path, const char *const *hashes, const int *n, int count)
{
	char err[512];
	struct smtp_record r = make_record();
	struct capture_totals t = { 0 };
	struct store *st = store_open(path, STORE_WRITE, err, sizeof err);
	int i, j;

	if (!st)
		return -1;
	for (i = 0; i < count; i++) {
		int k = hashes[i][1] - '0';    /* "hK": content depends on the capture only */
		struct capture_info ci = file_capture(hashes[i], hashes[i], 1000 + k);
		int64_t cap = store_capture_begin(st, &ci);
		struct session_meta m = make_meta(cap, 1700000000000000ull + (uint64_t)k * 1000000);
		for (j = 0; j < n[i]; j++) {
			snprintf(m.client_ip, sizeof m.client_ip, "10.%d.0.%d", k, j);
			store_session(st, &m, &r);
		}
		store_capture_counter(st, cap, "c", (uint64_t)k);
		store_capture_stats(st, cap, 5.0, &t, 1, 1);
		store_capture_anomaly(st, cap, 0, "cap_anomaly", hashes[i]);
		store_capture_end(st, cap, &t, "finished", NULL);
	}
	store_close(st);
	return 0;
}

/* A summary of a database's content without its ids. */
static const char *fingerprint(sqlite3 *db)
{
	return q_text(db,
		"SELECT (SELECT group_concat(x, ';') FROM (SELECT c.content_hash || ':' || s.client_ip || ':' ||"
		"   (SELECT count(*) FROM commands WHERE session_id = s.id) || ':' ||"
		"   (SELECT count(*) FROM replies WHERE session_id = s.id) || ':' ||"
		"   (SELECT count(*) FROM extensions WHERE session_id = s.id) || ':' ||"
		"   (SELECT count(*) FROM anomalies WHERE session_id = s.id AND capture_id = c.id) || ':' ||"
		"   (SELECT group_concat(r.address) FROM recipients r JOIN mails m ON m.id = r.mail_id"
		"     WHERE m.session_id = s.id) || ':' ||"
		"   (SELECT group_concat(d.status) FROM dsn_recipients d JOIN mails m ON m.id = d.mail_id"
		"     WHERE m.session_id = s.id) AS x"
		"   FROM sessions s JOIN captures c ON c.id = s.capture_id ORDER BY x))"
		" || '#' || (SELECT group_concat(y, ';') FROM (SELECT c.content_hash || ':' || k.name || '=' || k.value AS y"
		"   FROM capture_counters k JOIN captures c ON c.id = k.capture_id ORDER BY y))"
		" || '#' || (SELECT count(*) FROM capture_stats)"
		" || '#' || (SELECT group_concat(z, ';') FROM (SELECT c.content_hash || ':' || a.detail AS z FROM anomalies a"
		"   JOIN captures c ON c.id = a.capture_id WHERE a.session_id IS NULL ORDER BY z))"
		" || '#' || (SELECT group_concat(smtp_sessions) FROM (SELECT smtp_sessions FROM captures ORDER BY content_hash))");
}

static void test_merge(void)
{
	static const char *const ha[] = { "h1", "h2" }, *const hb[] = { "h2", "h3" }, *const hu[] = { "h1", "h2", "h3" };
	static const int na[] = { 2, 1 }, nb[] = { 1, 3 }, nu[] = { 2, 1, 3 };
	char pa[128], pb[128], pu[128], pv1[128], pj[128], err[512] = "";
	char want[4096];
	struct merge_counts n;
	struct store *st;
	sqlite3 *db;

	tmp_path(pa, sizeof pa, "merge_a");
	tmp_path(pb, sizeof pb, "merge_b");
	tmp_path(pu, sizeof pu, "merge_union");
	ok(make_db(pa, ha, na, 2) == 0 && make_db(pb, hb, nb, 2) == 0 && make_db(pu, hu, nu, 3) == 0,
	   "three databases built");
	db = raw_open(pu);
	snprintf(want, sizeof want, "%s", fingerprint(db));
	sqlite3_close(db);

	st = store_open(pa, STORE_WRITE, err, sizeof err);
	if (!ok(st != NULL, "open the merge target"))
		return;
	db = store_db(st);
	if (!ok(store_merge_counts(st, pb, &n, err, sizeof err) == 0, "merge b into a"))
		printf("#   %s\n", err);
	is_int(n.captures, 1, "one capture copied (h3)");
	is_int(n.skipped, 1, "one capture already there (h2)");
	is_int(n.sessions, 3, "its three sessions");
	is_int(n.mails, 3, "and their mails");
	is_str(fingerprint(db), want, "the merged database equals the union");
	is_int(q_int(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0, "merged rows reference existing ids");
	is_int(q_int(db, "SELECT count(*) FROM sessions s JOIN captures c ON c.id = s.capture_id WHERE c.content_hash = 'h3'"),
	       3, "copied sessions point at the copied capture");
	is_int(q_int(db, "SELECT count(DISTINCT session_id) FROM mails"), 6, "every mail points at its own session");
	is_int(store_merge(st, pb, err, sizeof err), 0, "merge b again");
	is_str(fingerprint(db), want, "merging twice adds nothing");
	is_int(q_int(db, "SELECT count(*) FROM captures"), 3, "still three captures");
	is_int(store_merge(st, pa, err, sizeof err), 0, "merging a database into itself");
	is_int(q_int(db, "SELECT count(*) FROM sessions"), 6, "adds nothing");
	is_int(q_int(db, "SELECT count(*) FROM temp.sqlite_master"), 0, "no temp tables are left");

	/* an older (version 1) input */
	tmp_path(pv1, sizeof pv1, "merge_v1");
	{
		sqlite3 *v1 = raw_open(pv1);
		sqlite3_exec(v1, embedded_find(schema_files, "001_core.sql"), NULL, NULL, NULL);
		sqlite3_exec(v1, "INSERT INTO captures (id, source, kind, started, status, content_hash, file_size)"
			     " VALUES (5, 'old.pcap', 'file', 1.0, 'finished', 'h9', 9);"
			     "INSERT INTO sessions (id, capture_id, client_ip, client_port, server_ip, server_port,"
			     " first_ts, last_ts, outcome) VALUES (1, 5, '10.9.9.9', 1, '10.0.0.25', 25, 1, 2, 'aborted');"
			     "INSERT INTO extensions VALUES (1, 1, 'X-EXPS', 'LOGIN');", NULL, NULL, NULL);
		sqlite3_close(v1);
	}
	if (!ok(store_merge_counts(st, pv1, &n, err, sizeof err) == 0, "merge a version 1 database"))
		printf("#   %s\n", err);
	is_int(n.sessions, 1, "its session copied");
	is_str(q_text(db, "SELECT e.params || '|' || s.quit FROM extensions e JOIN sessions s ON s.id = e.session_id"
		      " WHERE s.client_ip = '10.9.9.9'"), "LOGIN|0", "with its extension and defaults for new columns");

	/* refusals */
	tmp_path(pj, sizeof pj, "merge_junk");
	write_file(pj, "not a database at all, really not", 34);
	ok(store_merge(st, pj, err, sizeof err) == -1 && strstr(err, "not an SQLite"), "merge refuses a non-database (%s)", err);
	{
		sqlite3 *nw = raw_open(pb);
		char sql[64];
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d", store_schema_max() + 1);
		sqlite3_exec(nw, sql, NULL, NULL, NULL);
		sqlite3_close(nw);
	}
	ok(store_merge(st, pb, err, sizeof err) == -1 && strstr(err, "newer"), "merge refuses a newer database (%s)", err);
	ok(store_merge(st, "/nonexistent/x.db", err, sizeof err) == -1, "merge of a missing file fails");
	is_int(q_int(db, "SELECT count(*) FROM captures"), 4, "refused merges changed nothing");
	store_close(st);
}

static char *export_to_string(sqlite3 *db, const char *table, const char *fmt, double since, int *rc,
			      char *err, size_t errlen)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	*rc = export_table(db, table, fmt, since, f, err, errlen);
	fclose(f);
	return buf;
}

static void test_export(void)
{
	char path[128], err[512] = "";
	struct smtp_record r;
	struct session_meta m;
	struct capture_info ci = file_capture("e.pcap", "eeee", 1);
	struct store *st;
	sqlite3 *db;
	char *out;
	int rc;

	memset(&r, 0, sizeof r);
	r.banner_code = 220;
	r.banner_text = S("q\"b\\s\x01\x1f\n\xff\xc3\xa9\xe2\x82\xac,end");
	r.banner_host = S("a,b");
	r.helo_verb = S("EHLO");
	r.helo_arg = S("");
	r.outcome = SMTP_OUTCOME_COMPLETED;
	r.end = SMTP_END_FIN;

	tmp_path(path, sizeof path, "export");
	st = store_open(path, STORE_WRITE, err, sizeof err);
	if (!ok(st != NULL, "open for export"))
		return;
	db = store_db(st);
	m = make_meta(store_capture_begin(st, &ci), 1000000000ull);      /* t = 1000 s */
	store_session(st, &m, &r);
	r.banner_text = S("second");
	m.first_ts = 2000000000ull;                                      /* t = 2000 s */
	m.last_ts = 2005500000ull;
	store_session(st, &m, &r);
	store_commit(st);

	out = export_to_string(db, "sessions", "jsonl", -1, &rc, err, sizeof err);
	is_int(rc, 0, "export sessions jsonl");
	ok(out && strstr(out, "\"banner_text\":\"q\\\"b\\\\s\\u0001\\u001f\\u000a\\ufffd\xc3\xa9\xe2\x82\xac,end\""),
	   "JSON string escaping: quote, backslash, controls as \\u00XX, invalid UTF-8 as \\ufffd, valid UTF-8 kept");
	ok(out && strstr(out, "\"id\":1,\"capture_id\":1,"), "integers as numbers");
	ok(out && strstr(out, "\"first_ts\":1000.000000,"), "timestamps with 6 decimals");
	ok(out && strstr(out, "\"starttls_code\":null"), "NULL as null");
	ok(out && strstr(out, "\"helo_arg\":\"\""), "empty string as \"\"");
	{
		int lines = 0, good = 1;
		const char *p = out, *nl;
		while (p && (nl = strchr(p, '\n'))) {
			if (p[0] != '{' || nl[-1] != '}')
				good = 0;
			lines++;
			p = nl + 1;
		}
		is_int(lines, 2, "one line per row");
		ok(good && p && *p == 0, "each line is one object");
	}
	free(out);

	out = export_to_string(db, "sessions", "jsonl", 1500, &rc, err, sizeof err);
	ok(rc == 0 && out && strstr(out, "second") && !strstr(out, "end\""), "since filters on the session's end");
	free(out);
	out = export_to_string(db, "sessions", "jsonl", 1003, &rc, err, sizeof err);
	ok(rc == 0 && out && strstr(out, "end\"") && strstr(out, "second"),
	   "a session that began before --since and ended after it is exported");
	free(out);
	out = export_to_string(db, "extensions", "jsonl", 1500, &rc, err, sizeof err);
	ok(rc == 0 && out && *out == 0, "child table with no rows: empty output");
	free(out);

	out = export_to_string(db, "sessions", "csv", -1, &rc, err, sizeof err);
	is_int(rc, 0, "export sessions csv");
	ok(out && strncmp(out, "id,capture_id,client_ip,client_port,", 36) == 0, "CSV header row");
	ok(out && strstr(out, "\r\n1,1,192.0.2.7,49152,"), "CSV rows after the header, CRLF");
	ok(out && strstr(out, ",\"q\"\"b\\s\x01\x1f\n\xef\xbf\xbd\xc3\xa9\xe2\x82\xac,end\","),
	   "CSV quoting: quotes doubled, newline inside quotes, invalid UTF-8 as U+FFFD");
	ok(out && strstr(out, ",\"a,b\","), "CSV: a comma forces quotes");
	ok(out && strstr(out, ",EHLO,\"\","), "CSV: '' is \"\", distinct from NULL");
	ok(out && strstr(out, ",1000.000000,"), "CSV: timestamps");
	free(out);

	out = export_to_string(db, "capture_stats", "csv", -1, &rc, err, sizeof err);
	ok(rc == 0 && out && strcmp(out, "capture_id,ts,packets,bytes,pps,mbps,smtp_sessions,dropped,if_dropped\r\n") == 0,
	   "CSV of an empty table is its header");
	free(out);

	{
		static const char *const all[] = { "sessions", "extensions", "commands", "replies", "mails", "recipients",
			"dsn_recipients", "anomalies", "findings", "captures", "servers", "capture_stats" };
		size_t i;
		int good = 1;
		for (i = 0; i < sizeof all / sizeof all[0]; i++) {
			out = export_to_string(db, all[i], "jsonl", 0, &rc, err, sizeof err);
			if (rc != 0) {
				good = 0;
				printf("#   %s: %s\n", all[i], err);
			}
			free(out);
		}
		ok(good, "every contract table and view exports");
	}

	out = export_to_string(db, "sessions; DROP TABLE sessions", "jsonl", -1, &rc, err, sizeof err);
	ok(rc == -1 && strstr(err, "unknown table"), "a bad table name is refused");
	free(out);
	out = export_to_string(db, "sqlite_master", "csv", -1, &rc, err, sizeof err);
	ok(rc == -1, "sqlite_master is not exportable");
	free(out);
	out = export_to_string(db, "sessions", "xml", -1, &rc, err, sizeof err);
	ok(rc == -1 && strstr(err, "format"), "an unknown format is refused");
	free(out);
	is_int(q_int(db, "SELECT count(*) FROM sessions"), 2, "sessions intact");
	store_close(st);
}

static void cleanup(void)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
}

int main(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_store.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_embedded();
	test_new_file();
	test_migration();
	test_refusals();
	test_roundtrip();
	test_hostile();
	test_batching();
	test_session_half_way();
	test_crash();
	test_known_forget();
	test_merge();
	test_export();
	cleanup();
	return done_testing();
}
