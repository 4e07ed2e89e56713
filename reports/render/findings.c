/* \summary: `smtpscope findings`: the findings table as an aligned text
 * table, a JSON array (evidence embedded as objects) or RFC 4180 CSV. */
#include "reports/report.h"

#include <sqlite3.h>
#include <string.h>

#include "reports/query/table.h"

#define TXT_TARGET_MAX 60   /* columns of "ip:port" / "client ip" */
#define TXT_KIND_MAX   22
#define TXT_NAME_MAX   40
#define CSV_EVIDENCE_CAP 20000 /* characters of the evidence JSON in one CSV field */

enum { F_ID, F_SEV, F_SIP, F_SPORT, F_CIP, F_KIND, F_NAME, F_SUMMARY, F_T0, F_T1, F_REM, F_EV, F_EVOK };

static const char *col(sqlite3_stmt *st, int i, size_t *n)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	*n = s ? (size_t)sqlite3_column_bytes(st, i) : 0;
	return s;
}

/* "ip:port" for server findings, "client ip" for client findings. */
static void target(sqlite3_stmt *st, char *buf, size_t n)
{
	const char *sip = (const char *)sqlite3_column_text(st, F_SIP);
	const char *cip = (const char *)sqlite3_column_text(st, F_CIP);

	if (sip)
		fmt_endpoint(sip, sqlite3_column_int64(st, F_SPORT), buf, n);
	else if (cip)
		snprintf(buf, n, "client %.64s", cip);
	else
		snprintf(buf, n, "-");
}

static void pad(FILE *out, size_t have, size_t want)
{
	while (have++ < want)
		fputc(' ', out);
}

static void text_cell(FILE *out, const char *s, size_t n, size_t cap, size_t width)
{
	esc_text(out, s, n, cap);
	pad(out, esc_text_width(s, n, cap), width);
	fputs("  ", out);
}

static int write_text(sqlite3_stmt *st, FILE *out)
{
	size_t w[4] = { 8, 6, 4, 4 }, n;
	char tgt[96];
	const char *s;
	int rows = 0, rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		size_t x;
		s = col(st, F_SEV, &n);
		if ((x = esc_text_width(s, n, 8)) > w[0]) w[0] = x;
		target(st, tgt, sizeof tgt);
		if ((x = esc_text_width(tgt, strlen(tgt), TXT_TARGET_MAX)) > w[1]) w[1] = x;
		s = col(st, F_KIND, &n);
		if ((x = esc_text_width(s, n, TXT_KIND_MAX)) > w[2]) w[2] = x;
		s = col(st, F_NAME, &n);
		if ((x = esc_text_width(s, n, TXT_NAME_MAX)) > w[3]) w[3] = x;
		rows++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return -1;
	if (rows == 0) {
		fputs("no findings\n", out);
		return 0;
	}
	text_cell(out, "SEVERITY", 8, 8, w[0]);
	text_cell(out, "SERVER", 6, 6, w[1]);
	text_cell(out, "KIND", 4, 4, w[2]);
	text_cell(out, "NAME", 4, 4, w[3]);
	fputs("SUMMARY\n", out);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		s = col(st, F_SEV, &n);
		text_cell(out, s, n, 8, w[0]);
		target(st, tgt, sizeof tgt);
		text_cell(out, tgt, strlen(tgt), TXT_TARGET_MAX, w[1]);
		s = col(st, F_KIND, &n);
		text_cell(out, s, n, TXT_KIND_MAX, w[2]);
		s = col(st, F_NAME, &n);
		text_cell(out, s, n, TXT_NAME_MAX, w[3]);
		s = col(st, F_SUMMARY, &n);
		esc_text(out, s, n, ESC_CAP_DETAIL);
		fputc('\n', out);
	}
	return rc == SQLITE_DONE ? 0 : -1;
}

static void json_col(struct jw *w, sqlite3_stmt *st, int i)
{
	size_t n;
	const char *s;

	switch (sqlite3_column_type(st, i)) {
	case SQLITE_NULL: jw_null(w); break;
	case SQLITE_INTEGER: jw_int(w, sqlite3_column_int64(st, i)); break;
	case SQLITE_FLOAT: jw_num(w, sqlite3_column_double(st, i)); break;
	default:
		s = col(st, i, &n);
		jw_strn(w, s, n);
		break;
	}
}

static int write_json(sqlite3_stmt *st, FILE *out)
{
	static const char *const keys[] = { "id", "severity", "server_ip", "server_port", "client_ip",
		"kind", "name", "summary", "first_ts", "last_ts", "remediation" };
	struct jw w;
	int rc, i;

	jw_init(&w, out);
	w.cap = ESC_CAP_DETAIL;
	jw_arr(&w);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		jw_obj(&w);
		for (i = 0; i <= F_REM; i++) {
			jw_key(&w, keys[i]);
			json_col(&w, st, i);
		}
		jw_key(&w, "evidence");
		/* our own JSON, checked by json_valid(); anything else goes out as a string */
		if (sqlite3_column_int(st, F_EVOK))
			jw_raw(&w, (const char *)sqlite3_column_text(st, F_EV));
		else
			json_col(&w, st, F_EV);
		jw_obj_end(&w);
		fputc('\n', out);
	}
	jw_arr_end(&w);
	fputc('\n', out);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int write_csv(sqlite3_stmt *st, FILE *out)
{
	int rc, i;

	fputs("id,severity,server_ip,server_port,client_ip,kind,name,summary,first_ts,last_ts,"
	      "remediation,evidence\r\n", out);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i <= F_EV; i++) {
			size_t n;
			const char *s;
			if (i)
				fputc(',', out);
			switch (sqlite3_column_type(st, i)) {
			case SQLITE_NULL:
				break;
			case SQLITE_INTEGER:
				fprintf(out, "%lld", (long long)sqlite3_column_int64(st, i));
				break;
			case SQLITE_FLOAT:
				fprintf(out, "%.6f", sqlite3_column_double(st, i));
				break;
			default:
				s = col(st, i, &n);
				esc_csv_field(out, s, n, i == F_EV ? CSV_EVIDENCE_CAP : ESC_CAP_DETAIL);
				break;
			}
		}
		fputs("\r\n", out);
	}
	return rc == SQLITE_DONE ? 0 : -1;
}

int findings_write(struct sqlite3 *db, FILE *out, enum report_format f, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if (f != REPORT_TEXT && f != REPORT_JSON && f != REPORT_CSV) {
		snprintf(err, errlen, "findings: format must be text, json or csv");
		return -1;
	}
	if (!(st = rq_prep(db, "findings.sql", err, errlen)))
		return -1;
	sqlite3_bind_int(st, 1, -1);
	if (f == REPORT_TEXT)
		rc = write_text(st, out);
	else if (f == REPORT_JSON)
		rc = write_json(st, out);
	else
		rc = write_csv(st, out);
	if (rc < 0)
		snprintf(err, errlen, "findings: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	if (rc == 0 && ferror(out)) {
		snprintf(err, errlen, "findings: write error");
		rc = -1;
	}
	return rc;
}
