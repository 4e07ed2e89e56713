/* \summary: findings (reports/analyze.c, reports/analysis/) and every output
 * format (reports/render/, report.c, escape.c) on databases built with SQL:
 * the KB 301401 case, 4.4.7 reports, hostile strings, and 10^5 sessions. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/tap.h"
#include "analyzer/base/embedded.h"
#include "reports/analyze.h"
#include "reports/escape.h"
#include "reports/report.h"
#include "reports/render/jread.h"

#define T0 1700000000.0

static sqlite3 *db_new(void)
{
	sqlite3 *db = NULL;
	const struct embedded_sql *f;
	char *msg = NULL;

	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		return NULL;
	for (f = schema_files; f->name; f++) {
		if (sqlite3_exec(db, f->text, NULL, NULL, &msg) != SQLITE_OK) {
			printf("# schema %s: %s\n", f->name, msg ? msg : "?");
			sqlite3_free(msg);
			sqlite3_close(db);
			return NULL;
		}
	}
	sqlite3_exec(db, "INSERT INTO captures (id, source, kind, started, packets, bytes, status)"
		     " VALUES (1, 'test.pcap', 'file', 0, 1234, 56789, 'finished')", NULL, NULL, NULL);
	return db;
}

/* 1 when the only script element of html is the report's own one
 * (<script id="smtpscope-ui">, at the end of the body). */
static int only_our_script(const char *html)
{
	const char *p = html, *ours = "<script id=\"smtpscope-ui\">";
	int n = 0;

	while ((p = strcasestr(p, "<script")) != NULL) {
		if (strncmp(p, ours, strlen(ours)) != 0)
			return 0;
		n++;
		p++;
	}
	p = strstr(html, ours);
	return n == 1 && p && strstr(p, "</script>\n</body></html>") != NULL;
}

static int exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		printf("# sql: %s: %s\n", sql, msg ? msg : "?");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* First column of the first row as an integer (-1 when no row or error). */
static long long q_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	long long v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		printf("# prepare: %s: %s\n", sql, sqlite3_errmsg(db));
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* First column of the first row as a static string ("" when none). */
static const char *q_str(sqlite3 *db, const char *sql)
{
	static char buf[4096];
	sqlite3_stmt *st;

	buf[0] = '\0';
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		printf("# prepare: %s: %s\n", sql, sqlite3_errmsg(db));
		return buf;
	}
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(buf, sizeof buf, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return buf;
}

struct sess {
	const char *cip, *sip;
	int sport;
	double ts;
	int banner_code;
	const char *banner_host, *banner_text, *software;
	const char *helo_verb, *helo_arg;
	int helo_code;
	const char *greeting_host, *ehlo_first_line;
	int xexps, mails, starttls;
	const char *auth, *outcome;
};

static long long add_session(sqlite3 *db, const struct sess *s)
{
	static const char sql[] =
		"INSERT INTO sessions (capture_id, client_ip, client_port, server_ip, server_port,"
		" first_ts, last_ts, banner_code, banner_text, banner_host, software, helo_verb,"
		" helo_arg, helo_code, greeting_host, ehlo_first_line, xexps_advertised, mails,"
		" starttls, auth_mechanism, outcome)"
		" VALUES (1, ?1, 40000, ?2, ?3, ?4, ?4 + 5, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
		" ?14, ?15, ?16, ?17, ?18)";
	sqlite3_stmt *st;
	long long id = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, s->cip, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, s->sip, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, s->sport);
	sqlite3_bind_double(st, 4, s->ts);
	if (s->banner_code)
		sqlite3_bind_int(st, 5, s->banner_code);
	sqlite3_bind_text(st, 6, s->banner_text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, s->banner_host, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, s->software, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, s->helo_verb, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, s->helo_arg, -1, SQLITE_STATIC);
	if (s->helo_code)
		sqlite3_bind_int(st, 11, s->helo_code);
	sqlite3_bind_text(st, 12, s->greeting_host, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 13, s->ehlo_first_line, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 14, s->xexps);
	sqlite3_bind_int(st, 15, s->mails);
	sqlite3_bind_int(st, 16, s->starttls);
	sqlite3_bind_text(st, 17, s->auth, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 18, s->outcome, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		id = sqlite3_last_insert_rowid(db);
	else
		printf("# insert session: %s\n", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return id;
}

/* A DSN mail carried by session sid with one report recipient. */
static void add_dsn(sqlite3 *db, long long sid, double ts, const char *mta, const char *rcpt,
		    const char *status, const char *diag)
{
	sqlite3_stmt *st;
	long long mid;

	sqlite3_prepare_v2(db, "INSERT INTO mails (session_id, seq, ts, mail_from, is_dsn, completed)"
			   " VALUES (?1, 1, ?2, '', 1, 1)", -1, &st, NULL);
	sqlite3_bind_int64(st, 1, sid);
	sqlite3_bind_double(st, 2, ts);
	sqlite3_step(st);
	sqlite3_finalize(st);
	mid = sqlite3_last_insert_rowid(db);
	sqlite3_prepare_v2(db, "INSERT INTO dsn_recipients (mail_id, final_recipient, action, status,"
			   " reporting_mta, diagnostic) VALUES (?1, ?2, 'failed', ?3, ?4, ?5)", -1, &st, NULL);
	sqlite3_bind_int64(st, 1, mid);
	sqlite3_bind_text(st, 2, rcpt, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, status, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, mta, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, diag, -1, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

static void add_line(sqlite3 *db, long long sid, int is_cmd, int seq, double ts, int code,
		     const char *verb, const char *text)
{
	sqlite3_stmt *st;

	if (is_cmd) {
		sqlite3_prepare_v2(db, "INSERT INTO commands (session_id, seq, ts, verb, arg)"
				   " VALUES (?1, ?2, ?3, ?4, ?5)", -1, &st, NULL);
		sqlite3_bind_text(st, 4, verb, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, text, -1, SQLITE_STATIC);
	} else {
		sqlite3_prepare_v2(db, "INSERT INTO replies (session_id, seq, ts, code, text)"
				   " VALUES (?1, ?2, ?3, ?4, ?5)", -1, &st, NULL);
		sqlite3_bind_int(st, 4, code);
		sqlite3_bind_text(st, 5, text, -1, SQLITE_STATIC);
	}
	sqlite3_bind_int64(st, 1, sid);
	sqlite3_bind_int(st, 2, seq);
	sqlite3_bind_double(st, 3, ts);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

static void add_ext(sqlite3 *db, long long sid, int seq, const char *kw, const char *params)
{
	sqlite3_stmt *st;

	/* extensions is a view (schema 7): each test session gets a profile of its own */
	sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO ehlo_profiles (capabilities, extensions)"
			   " VALUES ('test session ' || ?1, 0)", -1, &st, NULL);
	sqlite3_bind_int64(st, 1, sid);
	sqlite3_step(st);
	sqlite3_finalize(st);
	sqlite3_prepare_v2(db, "UPDATE sessions SET ehlo_profile = (SELECT id FROM ehlo_profiles"
			   " WHERE capabilities = 'test session ' || ?1) WHERE id = ?1", -1, &st, NULL);
	sqlite3_bind_int64(st, 1, sid);
	sqlite3_step(st);
	sqlite3_finalize(st);
	sqlite3_prepare_v2(db, "INSERT INTO ehlo_profile_extensions (profile_id, seq, keyword, params)"
			   " SELECT ehlo_profile, ?2, ?3, ?4 FROM sessions WHERE id = ?1", -1, &st, NULL);
	sqlite3_bind_int64(st, 1, sid);
	sqlite3_bind_int(st, 2, seq);
	sqlite3_bind_text(st, 3, kw, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, params, -1, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

/* Runs a writer into memory; the text is malloc'd (caller frees), NULL on error. */
typedef int (*writer_fn)(sqlite3 *, FILE *, enum report_format, char *, size_t);
static char *capture(writer_fn fn, sqlite3 *db, enum report_format f, size_t *len)
{
	char *buf = NULL, err[256] = "";
	size_t n = 0;
	FILE *m = open_memstream(&buf, &n);
	int rc;

	if (!m)
		return NULL;
	rc = fn(db, m, f, err, sizeof err);
	fclose(m);
	if (rc < 0) {
		printf("# writer failed: %s\n", err);
		free(buf);
		return NULL;
	}
	if (len)
		*len = n;
	return buf;
}

/* 1 valid JSON, 0 invalid, -1 no python3 (skip). */
static int json_valid_py(const char *text, size_t len)
{
	FILE *p;
	int st;

	if (system("command -v python3 >/dev/null 2>&1") != 0)
		return -1;
	if (!(p = popen("python3 -c 'import json,sys; json.load(sys.stdin)' 2>/dev/null", "w")))
		return -1;
	fwrite(text, 1, len, p);
	st = pclose(p);
	return st == 0;
}

static int csv_balanced(const char *s)
{
	int q = 0, lines = 0;

	for (; *s; s++) {
		if (*s == '"')
			q++;
		if (*s == '\n') {
			if (q % 2)
				return 0;
			q = 0;
			lines++;
		}
	}
	return q % 2 == 0 && lines > 0;
}

/* The longest run of byte c in s. */
static size_t longest_run(const char *s, size_t n, char c)
{
	size_t best = 0, cur = 0, i;

	for (i = 0; i < n; i++) {
		cur = s[i] == c ? cur + 1 : 0;
		if (cur > best)
			best = cur;
	}
	return best;
}

/* 1 when one line of text holds all three needles. */
static int line_has(const char *text, const char *a, const char *b, const char *c)
{
	const char *line = text;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);
		char *l = strndup(line, n);
		int hit = l && strstr(l, a) && strstr(l, b) && strstr(l, c);
		free(l);
		if (hit)
			return 1;
		line = end ? end + 1 : NULL;
	}
	return 0;
}

/* ---- escape.c -------------------------------------------------------------------- */

typedef void (*esc_fn)(FILE *, const char *, size_t, size_t);
static char *esc(esc_fn fn, const char *s, size_t len, size_t cap)
{
	static char out[8192];
	FILE *m = fmemopen(out, sizeof out - 1, "w");

	memset(out, 0, sizeof out);
	fn(m, s, len, cap);
	fclose(m);
	return out;
}

static void test_escape(void)
{
	char big[300];
	struct jw w;
	char *buf = NULL;
	size_t n = 0;
	FILE *m;

	is_str(esc(esc_html, "<a href='x'>&\"", 14, 0),
	       "&lt;a href=&#39;x&#39;&gt;&amp;&quot;", "html: markup and quotes escaped");
	is_str(esc(esc_html, "a\xff\xfe" "b", 4, 0), "a&#xFFFD;&#xFFFD;b", "html: invalid UTF-8 replaced");
	is_str(esc(esc_html, "\x1b[1m", 4, 0), "&#xFFFD;[1m", "html: ESC replaced");
	is_str(esc(esc_html, "caf\xc3\xa9", 5, 0), "caf\xc3\xa9", "html: valid UTF-8 kept");
	is_str(esc(esc_html, "\xc0\xaf\xed\xa0\x80", 5, 0),
	       "&#xFFFD;&#xFFFD;&#xFFFD;&#xFFFD;&#xFFFD;", "html: overlong and surrogate rejected");
	is_str(esc(esc_json_str, "a\"\\\n\x01\xff<", 7, 0), "\"a\\\"\\\\\\n\\u0001\\ufffd\\u003c\"",
	       "json: quote, backslash, newline, control, invalid, <");
	is_str(esc(esc_json_str, NULL, 0, 0), "null", "json: NULL is null");
	is_str(esc(esc_json_str, "\xc2\x9b", 2, 0), "\"\\u009b\"", "json: C1 control escaped");
	is_str(esc(esc_csv_field, "a\"b,c\r\nd", 8, 0), "\"a\"\"b,c  d\"", "csv: quotes doubled, CRLF to spaces");
	is_str(esc(esc_csv_field, "=HYPERLINK(1)", 13, 0), "\"'=HYPERLINK(1)\"", "csv: formula neutralised");
	is_str(esc(esc_csv_field, NULL, 0, 0), "", "csv: NULL is an empty field");
	is_str(esc(esc_text, "\x1b[31mred\x7f\xff", 10, 0), "\\x1b[31mred\\x7f\\xff", "text: ESC, DEL, invalid as \\xNN");
	is_str(esc(esc_text, "\xe2\x80\xae" "abc", 6, 0), "?abc", "text: bidi override replaced");
	is_str(esc(esc_text, "\xc2\x9b" "2J", 4, 0), "?2J", "text: C1 CSI replaced");
	memset(big, 'x', sizeof big);
	{
		const char *o = esc(esc_text, big, sizeof big, ESC_CAP_LIST);
		ok(strlen(o) == ESC_CAP_LIST + 3 && strcmp(o + ESC_CAP_LIST, "...") == 0,
		   "text: 300 chars cut to 200 + ...");
		is_int(esc_text_width(big, sizeof big, ESC_CAP_LIST), ESC_CAP_LIST + 3, "text width counts the cut");
		o = esc(esc_html, big, sizeof big, ESC_CAP_LIST);
		ok(strstr(o, "&hellip;") && longest_run(o, strlen(o), 'x') == ESC_CAP_LIST, "html: cut with &hellip;");
		o = esc(esc_json_str, big, sizeof big, 10);
		is_str(o, "\"xxxxxxxxxx\\u2026\"", "json: cut with an ellipsis");
	}
	m = open_memstream(&buf, &n);
	jw_init(&w, m);
	jw_obj(&w);
	jw_key(&w, "a");
	jw_arr(&w);
	jw_int(&w, 1);
	jw_str(&w, "x");
	jw_null(&w);
	jw_obj(&w);
	jw_obj_end(&w);
	jw_arr_end(&w);
	jw_key(&w, "b");
	jw_num(&w, 0.5);
	jw_key(&w, "c");
	jw_raw(&w, "{\"d\":true}");
	jw_obj_end(&w);
	fclose(m);
	is_str(buf, "{\"a\":[1,\"x\",null,{}],\"b\":0.5,\"c\":{\"d\":true}}", "jw: commas and nesting");
	free(buf);
}

/* ---- the KB 301401 scenario ------------------------------------------------------- */

static void build_kb(sqlite3 *db)
{
	struct sess bad = { "192.0.2.10", "10.0.0.25", 25, T0, 220, "aliasex2000",
		"aliasex2000 Microsoft ESMTP MAIL Service, Version: 5.0.2195.6713 ready",
		"Exchange 2000", "EHLO", "sender01", 250, "aliasex2000", "aliasex2000 Hello [192.0.2.10]",
		1, 0, 0, NULL, "aborted" };
	struct sess good = { "192.0.2.20", "10.0.0.26", 25, T0 + 100, 220, "mail.example.com",
		"mail.example.com ESMTP Postfix", "Postfix", "EHLO", "relay.example.org", 250,
		"mail.example.com", "mail.example.com", 0, 1, 1, NULL, "completed" };
	long long sid, gid = -1;
	int i;

	for (i = 0; i < 3; i++) {
		bad.ts = T0 + 600.0 * i;
		sid = add_session(db, &bad);
		add_ext(db, sid, 1, "X-EXPS", "GSSAPI NTLM LOGIN");
		add_ext(db, sid, 2, "8BITMIME", NULL);
		if (i == 0) {
			add_line(db, sid, 0, 1, T0, 220, NULL, bad.banner_text);
			add_line(db, sid, 1, 1, T0 + 1, 0, "EHLO", "sender01");
			add_line(db, sid, 0, 2, T0 + 1, 250, NULL, "aliasex2000 Hello\nX-EXPS GSSAPI NTLM LOGIN");
			add_line(db, sid, 1, 2, T0 + 2, 0, "X-EXPS", "LOGIN");
			add_line(db, sid, 0, 3, T0 + 2, 334, NULL, "[redacted 12 bytes]");
			add_line(db, sid, 1, 3, T0 + 3, 0, "", "c2VjcmV0LXBhc3N3b3Jk");
			add_line(db, sid, 0, 4, T0 + 3, 535, NULL, "5.7.3 Authentication unsuccessful");
			add_line(db, sid, 1, 4, T0 + 4, 0, "QUIT", NULL);
		}
	}
	for (i = 0; i < 4; i++) {
		good.ts = T0 + 100 + 50.0 * i;
		sid = add_session(db, &good);
		add_ext(db, sid, 1, "STARTTLS", NULL);
		if (gid < 0)
			gid = sid;
	}
	/* cleartext LOGIN on the control server */
	good.ts = T0 + 900;
	good.starttls = 0;
	good.auth = "LOGIN";
	good.cip = "192.0.2.21";
	sid = add_session(db, &good);
	add_ext(db, sid, 1, "STARTTLS", NULL);
	/* banner and EHLO names differ on a third server */
	{
		struct sess mm = { "192.0.2.30", "10.0.0.27", 587, T0 + 50, 220, "mx1.example.net",
			"mx1.example.net ESMTP", NULL, "EHLO", "[192.0.2.30]", 250, "mx1", "mx1 Hello",
			0, 1, 0, NULL, "completed" };
		sid = add_session(db, &mm);
		add_ext(db, sid, 1, "STARTTLS", NULL);
	}
	/* 4.4.7 reports: by reporting MTA first label, by recipient domain, and one about no server */
	add_dsn(db, gid, T0 + 172800, "aliasex2000.dotnet.example", "alice@elsewhere.example", "4.4.7",
		"smtp; 400 <aliasex2000.dotnet.example #4.4.7>");
	add_dsn(db, gid, T0 + 172900, "gw.dotnet.example", "bob@ALIASEX2000", "4.4.7", NULL);
	add_dsn(db, gid, T0 + 173000, "gw.unrelated.example", "carol@unrelated.example", "4.4.7", NULL);
	/* a 5.1.1 report is no 4.4.7 */
	add_dsn(db, gid, T0 + 173100, "aliasex2000.dotnet.example", "dave@elsewhere.example", "5.1.1", NULL);
}

#define FIND(db, where) q_int(db, "SELECT count(*) FROM findings WHERE " where)

static void test_kb(void)
{
	sqlite3 *db = db_new();
	char err[256] = "";
	char *txt, *js, *csv, *html, *rtxt, *rjs;
	size_t n_js = 0, n_html = 0, n_rjs = 0;
	long long before;
	int v;

	ok(db != NULL, "schema 001..003 applies to :memory:");
	if (!db)
		return;
	build_kb(db);
	is_int(analyze_register_functions(db), 0, "functions registered");
	is_str(q_str(db, "SELECT fqdn_kind('aliasex2000')"), "single_label", "fqdn_kind single label");
	is_str(q_str(db, "SELECT fqdn_kind('[10.1.2.3]')"), "address_literal", "fqdn_kind literal");
	is_int(q_int(db, "SELECT is_fqdn('mail.example.com')"), 1, "is_fqdn yes");
	is_int(q_int(db, "SELECT is_fqdn('10.1.2.3')"), 0, "is_fqdn bare ip no");
	is_int(q_int(db, "SELECT fqdn_kind(NULL) IS NULL AND is_fqdn(NULL) IS NULL"), 1, "NULL in, NULL out");

	is_int(analyze_run(db, err, sizeof err), 0, "analyze_run succeeds");
	if (err[0])
		printf("# %s\n", err);
	is_int(FIND(db, "kind = 'non_fqdn_greeting' AND server_ip = '10.0.0.25' AND server_port = 25"
		   " AND severity = 'high' AND name = 'aliasex2000'"), 1, "non_fqdn_greeting high for aliasex2000");
	ok(strstr(q_str(db, "SELECT remediation FROM findings WHERE kind = 'non_fqdn_greeting'"),
		  "Fully-qualified domain name") != NULL, "KB 301401 remediation names the ESM setting");
	is_int(q_int(db, "SELECT json_extract(evidence, '$.kb301401') FROM findings WHERE kind = 'non_fqdn_greeting'"),
	       1, "evidence marks KB 301401");
	is_int(q_int(db, "SELECT json_array_length(evidence, '$.example_sessions') FROM findings"
		     " WHERE kind = 'non_fqdn_greeting'"), 3, "evidence lists the 3 example sessions");
	ok(strstr(q_str(db, "SELECT json_extract(evidence, '$.example_banner') FROM findings"
			    " WHERE kind = 'non_fqdn_greeting'"), "5.0.2195") != NULL, "evidence has the banner");
	is_int(FIND(db, "kind = 'non_fqdn_greeting' AND server_ip = '10.0.0.26'"), 0,
	       "no non_fqdn_greeting for the control FQDN server");
	is_int(FIND(db, "kind = 'non_fqdn_greeting' AND server_ip = '10.0.0.27' AND severity = 'medium'"
		   " AND name = 'mx1'"), 1, "single-label EHLO reply host (not Exchange 2000): medium");
	is_int(FIND(db, "kind = 'stalled_deliveries' AND server_ip = '10.0.0.25' AND severity = 'high'"), 1,
	       "stalled_deliveries high");
	is_int(q_int(db, "SELECT json_extract(evidence, '$.attempts') FROM findings WHERE kind = 'stalled_deliveries'"),
	       3, "stalled attempts = 3");
	is_int(q_int(db, "SELECT json_extract(evidence, '$.median_retry_s') FROM findings"
		     " WHERE kind = 'stalled_deliveries'"), 600, "median retry 600 s");
	is_int(q_int(db, "SELECT json_extract(evidence, '$.clients[0].median_retry_s') FROM findings"
		     " WHERE kind = 'stalled_deliveries'"), 600, "per-client median retry 600 s");
	is_int(q_int(db, "SELECT json_extract(evidence, '$.span_s') FROM findings WHERE kind = 'stalled_deliveries'"),
	       1200, "span first to last attempt");
	is_int(q_int(db, "SELECT round(json_extract(evidence, '$.hours_to_expiry') * 10) FROM findings"
		     " WHERE kind = 'stalled_deliveries'"), 477, "47.7 hours to the 2-day expiry");
	is_int(FIND(db, "kind = 'stalled_deliveries' AND server_ip <> '10.0.0.25'"), 0, "no stall elsewhere");
	is_int(FIND(db, "kind = 'expired_447' AND server_ip = '10.0.0.25' AND severity = 'high'"), 1,
	       "expired_447 tied to the bad server");
	is_int(q_int(db, "SELECT json_extract(evidence, '$.reports') FROM findings"
		     " WHERE kind = 'expired_447' AND server_ip = '10.0.0.25'"), 2,
	       "2 reports: by reporting MTA and by recipient domain");
	is_int(q_int(db, "SELECT json_extract(evidence, '$.chain.aborted_retries') FROM findings"
		     " WHERE kind = 'expired_447' AND server_ip = '10.0.0.25'"), 3, "chain: 3 aborted retries");
	is_str(q_str(db, "SELECT json_extract(evidence, '$.marker') FROM findings"
			 " WHERE kind = 'expired_447' AND server_ip = '10.0.0.25'"),
	       "<aliasex2000 #4.4.7>", "marker");
	is_int(FIND(db, "kind = 'expired_447' AND server_ip IS NULL AND severity = 'medium'"
		   " AND json_extract(evidence, '$.reports') = 1"), 1, "untied 4.4.7 report: medium, server NULL");
	is_int(FIND(db, "kind = 'client_non_fqdn_helo' AND client_ip = '192.0.2.10' AND server_ip IS NULL"
		   " AND severity = 'low' AND name = 'sender01'"), 1, "client_non_fqdn_helo for sender01");
	is_int(FIND(db, "kind = 'client_non_fqdn_helo' AND client_ip IN ('192.0.2.20', '192.0.2.30')"), 0,
	       "FQDN and address-literal HELO are fine");
	is_int(FIND(db, "kind = 'cleartext_auth' AND server_ip = '10.0.0.26' AND severity = 'high'"), 1,
	       "cleartext LOGIN is high");
	is_int(FIND(db, "kind = 'name_mismatch' AND server_ip = '10.0.0.27' AND server_port = 587"
		   " AND severity = 'medium'"), 1, "name_mismatch mx1.example.net / mx1 medium");
	is_int(FIND(db, "kind = 'name_mismatch' AND server_ip <> '10.0.0.27'"), 0, "no mismatch elsewhere");
	is_int(FIND(db, "kind = 'starttls_not_offered' AND server_ip = '10.0.0.25'"), 1, "no STARTTLS on the bad server");
	is_int(FIND(db, "kind = 'starttls_not_offered' AND server_ip <> '10.0.0.25'"), 0, "STARTTLS offered elsewhere");
	is_int(FIND(db, "kind = 'legacy_software' AND server_ip = '10.0.0.25'"), 1, "Exchange 2000 is legacy");
	is_int(FIND(db, "json_valid(evidence) = 0"), 0, "every evidence is valid JSON");
	is_str(q_str(db, "SELECT suggested_name || ' ' || suggested_source FROM findings"
		   " WHERE kind = 'non_fqdn_greeting' AND name = 'aliasex2000'"),
	       "aliasex2000.dotnet.example dsn_reporting_mta", "suggested name from the 4.4.7 Reporting-MTA");
	before = q_int(db, "SELECT count(*) FROM findings");
	is_int(analyze_run(db, err, sizeof err), 0, "analyze_run again");
	is_int(q_int(db, "SELECT count(*) FROM findings"), before, "rerun replaces, not appends");

	txt = capture(findings_write, db, REPORT_TEXT, NULL);
	ok(txt && line_has(txt, "10.0.0.25", ":25", "aliasex2000"), "text: ip, port and name on one line");
	ok(txt && line_has(txt, "HIGH", "non_fqdn_greeting", "10.0.0.25:25"), "text: severity and kind");
	js = capture(findings_write, db, REPORT_JSON, &n_js);
	v = js ? json_valid_py(js, n_js) : 0;
	ok(v != 0, "findings json parses%s", v < 0 ? " # SKIP no python3" : "");
	ok(js && strstr(js, "\"evidence\":{") != NULL, "findings json embeds evidence as an object");
	csv = capture(findings_write, db, REPORT_CSV, NULL);
	ok(csv && strncmp(csv, "id,severity,server_ip", 21) == 0 && csv_balanced(csv), "csv header and quotes");
	html = capture(report_write, db, REPORT_HTML, &n_html);
	ok(html && strstr(html, "id=\"findings\"") && strstr(html, "<svg") && strstr(html, "aliasex2000"),
	   "html: findings table, svg chart, server name");
	ok(html && strstr(html, "#4.4.7") && strstr(html, "id=\"dsn447\""), "html: 4.4.7 section");
	ok(html && !strstr(html, "c2VjcmV0LXBhc3N3b3Jk") && strstr(html, "credentials not shown"),
	   "html transcript hides the AUTH payload");
	ok(html && only_our_script(html), "html: no script but the report's own");
	ok(html && !strstr(html, "src=") && !strstr(html, "<link"), "html: no external resources");
	rtxt = capture(report_write, db, REPORT_TEXT, NULL);
	ok(rtxt && strstr(rtxt, "aliasex2000") && strstr(rtxt, "4.4.7 delivery-status reports: 3"),
	   "text report: server and 3 reports");
	rjs = capture(report_write, db, REPORT_JSON, &n_rjs);
	v = rjs ? json_valid_py(rjs, n_rjs) : 0;
	ok(v != 0, "report json parses%s", v < 0 ? " # SKIP no python3" : "");
	ok(rjs && !strstr(rjs, "c2VjcmV0LXBhc3N3b3Jk"), "report json hides the AUTH payload");
	if (getenv("TEST_REPORT_DUMP")) { /* a directory: keep the outputs for a look */
		const char *dir = getenv("TEST_REPORT_DUMP");
		const char *files[] = { "findings.txt", "findings.json", "findings.csv", "report.html",
					"report.txt", "report.json" };
		char *texts[] = { txt, js, csv, html, rtxt, rjs };
		char path[512];
		int k;
		for (k = 0; k < 6; k++) {
			FILE *o;
			snprintf(path, sizeof path, "%s/%s", dir, files[k]);
			if (texts[k] && (o = fopen(path, "w"))) {
				fputs(texts[k], o);
				fclose(o);
			}
		}
	}
	ok(report_write(db, stdout, REPORT_CSV, err, sizeof err) < 0, "report refuses csv");
	is_int(report_format_parse("html"), REPORT_HTML, "format html");
	is_int(report_format_parse("xml"), -1, "format xml unknown");
	free(txt);
	free(js);
	free(csv);
	free(html);
	free(rtxt);
	free(rjs);
	sqlite3_close(db);
}

/* ---- hostile strings ------------------------------------------------------------ */

static void test_hostile(void)
{
	sqlite3 *db = db_new();
	char err[256] = "", *longline, *out[6];
	size_t len[6] = { 0 };
	const char *names[6] = { "findings text", "findings json", "findings csv", "report html",
				 "report text", "report json" };
	static const char xss[] = "<script>alert(1)</script>";
	static const char sqli[] = "'); DROP TABLE sessions;--";
	static const char bad8[] = "bad\xff\xfe" "name";
	static const char ctl[] = "\x1b[2J\x1b]0;pwn\x07host\x01";
	long long sid;
	int i, v;

	if (!db) {
		ok(0, "hostile db");
		return;
	}
	longline = malloc(10241);
	memset(longline, 'A', 10240);
	longline[10240] = '\0';
	{
		struct sess s = { "198.51.100.1", "10.9.9.9", 25, T0, 220, xss, longline, xss,
			"EHLO", sqli, 250, "a\"b'c&d<e>", ctl, 1, 0, 0, "PLAIN", "aborted" };
		for (i = 0; i < 3; i++) {
			s.ts = T0 + 60 * i;
			s.helo_arg = i == 0 ? sqli : i == 1 ? bad8 : ctl;
			s.greeting_host = i == 0 ? "a\"b'c&d<e>" : i == 1 ? bad8 : longline;
			sid = add_session(db, &s);
			add_ext(db, sid, 1, xss, ctl);
			add_line(db, sid, 0, 1, s.ts, 220, NULL, longline);
			add_line(db, sid, 1, 1, s.ts + 1, 0, "EHLO", xss);
			add_line(db, sid, 0, 2, s.ts + 1, 250, NULL, ctl);
			add_line(db, sid, 1, 2, s.ts + 2, 0, ctl, bad8);
		}
		s.banner_host = ctl;
		s.sip = "10.9.9.8";
		sid = add_session(db, &s);
		s.banner_host = bad8;
		s.sip = "10.9.9.7";
		s.software = longline;
		sid = add_session(db, &s);
		add_dsn(db, sid, T0 + 999, xss, "x@<script>alert(1)</script>", "4.4.7", ctl);
		add_dsn(db, sid, T0 + 999, longline, longline, "4.4.7", bad8);
	}
	exec(db, "INSERT INTO anomalies (session_id, kind, detail) VALUES (1, '<script>x', 'y')");
	is_int(analyze_run(db, err, sizeof err), 0, "analyze_run on hostile data");
	if (err[0])
		printf("# %s\n", err);
	ok(q_int(db, "SELECT count(*) FROM findings WHERE kind = 'non_fqdn_greeting'") >= 3,
	   "hostile banner names are non-FQDN findings");
	is_int(q_int(db, "SELECT count(*) FROM sessions"), 5, "sessions table survives the injection text");
	is_int(q_int(db, "SELECT count(*) FROM findings WHERE json_valid(evidence) = 0"), 0,
	       "hostile evidence is valid JSON");
	out[0] = capture(findings_write, db, REPORT_TEXT, &len[0]);
	out[1] = capture(findings_write, db, REPORT_JSON, &len[1]);
	out[2] = capture(findings_write, db, REPORT_CSV, &len[2]);
	out[3] = capture(report_write, db, REPORT_HTML, &len[3]);
	out[4] = capture(report_write, db, REPORT_TEXT, &len[4]);
	out[5] = capture(report_write, db, REPORT_JSON, &len[5]);
	for (i = 0; i < 6; i++) {
		ok(out[i] != NULL && len[i] > 0, "%s written", names[i]);
		if (!out[i])
			continue;
		ok(longest_run(out[i], len[i], 'A') <= ESC_CAP_DETAIL, "%s: 10 kB line shortened (run %zu)",
		   names[i], longest_run(out[i], len[i], 'A'));
		ok(memchr(out[i], 0x1b, len[i]) == NULL, "%s: no ESC byte", names[i]);
		ok(memchr(out[i], 0xff, len[i]) == NULL, "%s: no invalid UTF-8 byte 0xff", names[i]);
	}
	if (out[3]) {
		ok(only_our_script(out[3]), "html: no <script from the data (only the report's own)");
		ok(strstr(out[3], "&lt;script&gt;alert(1)&lt;/script&gt;") != NULL, "html: escaped form present");
		ok(strstr(out[3], "a&quot;b&#39;c&amp;d&lt;e&gt;") != NULL, "html: quotes and ampersand escaped");
		ok(strstr(out[3], "&hellip;") != NULL, "html: ellipsis marker");
		ok(memchr(out[3], 0x07, len[3]) == NULL && memchr(out[3], 0x01, len[3]) == NULL,
		   "html: no control bytes");
	}
	for (i = 1; i < 6; i += 4) {
		if (!out[i])
			continue;
		v = json_valid_py(out[i], len[i]);
		ok(v != 0, "%s parses%s", names[i], v < 0 ? " # SKIP no python3" : "");
		ok(strstr(out[i], "<script") == NULL, "%s: no <script", names[i]);
	}
	if (out[2])
		ok(csv_balanced(out[2]), "csv: balanced quotes on every line");
	if (out[0])
		ok(strstr(out[0], "\\x1b[2J") != NULL, "text: ESC shown as \\x1b");
	for (i = 0; i < 6; i++)
		free(out[i]);
	free(longline);
	sqlite3_close(db);
}

/* ---- 10^5 sessions ------------------------------------------------------------------ */

static void test_scale(void)
{
	sqlite3 *db = db_new();
	sqlite3_stmt *st;
	char err[256] = "", *html;
	size_t n_html = 0;
	struct timespec a, b;
	const int N = 100000;
	int i, rc;

	if (!db) {
		ok(0, "scale db");
		return;
	}
	exec(db, "BEGIN");
	sqlite3_prepare_v2(db,
		"INSERT INTO sessions (capture_id, client_ip, client_port, server_ip, server_port, first_ts,"
		" last_ts, banner_code, banner_host, software, helo_verb, helo_arg, helo_code, greeting_host,"
		" xexps_advertised, mails, outcome) VALUES (1, ?1, 1024, ?2, 25, ?3, ?3 + 2, 220, ?4, ?5,"
		" 'EHLO', ?6, 250, ?4, ?7, ?8, ?9)", -1, &st, NULL);
	for (i = 0; i < N; i++) {
		char cip[32], sip[32], host[64], helo[64];
		int srv = i % 997, bad = srv % 10 == 0;
		snprintf(cip, sizeof cip, "172.16.%d.%d", (i / 250) % 250, i % 250);
		snprintf(sip, sizeof sip, "10.1.%d.%d", srv / 250, srv % 250);
		snprintf(host, sizeof host, bad ? "exch%d" : "mx%d.example.com", srv);
		snprintf(helo, sizeof helo, i % 7 ? "client%d.example.org" : "client%d", i % 5000);
		sqlite3_bind_text(st, 1, cip, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, sip, -1, SQLITE_TRANSIENT);
		sqlite3_bind_double(st, 3, T0 + i * 3.0);
		sqlite3_bind_text(st, 4, host, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 5, bad ? "Exchange 2000" : "Postfix", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, helo, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 7, bad);
		sqlite3_bind_int(st, 8, bad ? 0 : 1);
		sqlite3_bind_text(st, 9, bad ? "aborted" : "completed", -1, SQLITE_STATIC);
		sqlite3_step(st);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	exec(db, "COMMIT");
	clock_gettime(CLOCK_MONOTONIC, &a);
	rc = analyze_run(db, err, sizeof err);
	clock_gettime(CLOCK_MONOTONIC, &b);
	is_int(rc, 0, "analyze_run on 100000 sessions");
	printf("# analyze_run on %d sessions: %.2f s\n", N,
	       (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9);
	is_int(q_int(db, "SELECT count(*) FROM findings WHERE kind = 'non_fqdn_greeting'"), 100,
	       "100 bad servers found");
	is_int(q_int(db, "SELECT sum(json_extract(evidence, '$.attempts')) FROM findings"
		     " WHERE kind = 'stalled_deliveries'"),
	       q_int(db, "SELECT count(*) FROM sessions WHERE outcome = 'aborted'"), "attempts add up");
	clock_gettime(CLOCK_MONOTONIC, &a);
	html = capture(report_write, db, REPORT_HTML, &n_html);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("# html report on %d sessions: %zu bytes, %.2f s\n", N, n_html,
	       (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9);
	ok(html && n_html > 1000 && n_html < 10u * 1024 * 1024, "html report under 10 MB");
	free(html);
	sqlite3_close(db);
}

/* The evidence reader of the renderers: members, arrays, string escapes,
 * and input that is cut, malformed or nested too deep (never past the span). */
static void test_jread(void)
{
	static const char js[] = "{\"a\": 12.5, \"s\": \"x\\u00e9\\ud83d\\ude00\\n\\\"q\", "
				 "\"arr\": [1, {\"k\": \"v\"}, [2]], \"t\": true, \"z\": null}";
	struct jspan v = { js, sizeof js - 1 }, x, val;
	struct jiter it = { 0 };
	char buf[64], deep[300];
	int n = 0, i;

	is_int(jr_type(v), 'o', "jread: object");
	ok(jr_num(jr_get(v, "a"), 0) == 12.5, "jread: number member");
	is_int((int)jr_str(jr_get(v, "s"), buf, sizeof buf), 10, "jread: string decoded length");
	is_str(buf, "x\xc3\xa9\xf0\x9f\x98\x80\n\"q", "jread: \\u escapes, a surrogate pair, \\n, \\\"");
	ok(jr_true(jr_get(v, "t")) && jr_type(jr_get(v, "z")) == 'z', "jread: true and null");
	ok(jr_get(v, "missing").p == NULL, "jread: a missing member");
	x = jr_get(v, "arr");
	while (jr_next(x, &it, NULL, &val))
		n++;
	is_int(n, 3, "jread: three array elements");
	x.p = js;
	x.n = 20; /* cut inside the string */
	ok(jr_str(jr_get(x, "s"), buf, sizeof buf) <= 10, "jread: a string cut by the span stops at its end");
	is_int((int)jr_str(jr_get(v, "s"), buf, 4), 3, "jread: a small buffer cuts the string");
	for (i = 0; i < (int)sizeof deep - 1; i++)
		deep[i] = '[';
	deep[sizeof deep - 1] = '\0';
	x.p = deep;
	x.n = sizeof deep - 1;
	memset(&it, 0, sizeof it);
	ok(jr_next(x, &it, NULL, &val) == 0, "jread: nesting too deep is refused");
	x.p = "{\"a\" 1}";
	x.n = 8;
	ok(jr_get(x, "a").p == NULL, "jread: a malformed member is not read");
	x.p = "\"\\u12";
	x.n = 5;
	ok(jr_str(x, buf, sizeof buf) >= 0, "jread: a cut \\u escape ends the string");
}

/* The suggested name: none without evidence; the server's own HELO when it
 * sends mail; its EHLO reply FQDN before that. */
static void test_suggest(void)
{
	sqlite3 *db = db_new();
	char err[256] = "";
	struct sess srv = { "192.0.2.50", "10.0.0.30", 25, T0, 220, "mailhub", "mailhub ESMTP",
		"Postfix", "EHLO", "client.example.org", 250, "mailhub", "mailhub", 0, 1, 0, NULL,
		"completed" };
	struct sess out = { "10.0.0.30", "198.51.100.7", 25, T0 + 60, 220, "mx.example.org",
		"mx.example.org ESMTP", "Postfix", "EHLO", "MAILHUB.corp.example", 250, "mx.example.org",
		"mx.example.org", 0, 1, 0, NULL, "completed" };
	const char *q = "SELECT coalesce(suggested_name, '-') || ' ' || coalesce(suggested_source, '-')"
			" FROM findings WHERE kind = 'non_fqdn_greeting' AND server_ip = '10.0.0.30'";

	if (!db)
		return;
	add_session(db, &srv);
	is_int(analyze_run(db, err, sizeof err), 0, "suggest: analyze");
	is_str(q_str(db, q), "- -", "suggest: no evidence, no suggested name");
	add_session(db, &out);
	is_int(analyze_run(db, err, sizeof err), 0, "suggest: analyze again");
	is_str(q_str(db, q), "MAILHUB.corp.example own_helo", "suggest: the server's own HELO when it sends mail");
	srv.greeting_host = "mailhub.example.net";
	srv.ts = T0 + 120;
	add_session(db, &srv);
	is_int(analyze_run(db, err, sizeof err), 0, "suggest: analyze a third time");
	is_str(q_str(db, q), "mailhub.example.net ehlo_reply", "suggest: its EHLO reply FQDN comes first");
	sqlite3_close(db);
}

int main(void)
{
	test_escape();
	test_kb();
	test_suggest();
	test_jread();
	test_hostile();
	test_scale();
	return done_testing();
}
