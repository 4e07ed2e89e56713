/* \summary: `smtpscope findings`: the findings as text blocks (summary,
 * suggested name, the whole remediation, key and first/last seen), a JSON
 * array with every field (evidence embedded as objects) or RFC 4180 CSV;
 * filtered by severity, kind, server, first seen and newness. */
#include "reports/report.h"

#include <sqlite3.h>
#include <string.h>

#include "reports/query/kinds.h"
#include "reports/query/table.h"
#include "reports/render/textfmt.h"

#define CSV_EVIDENCE_CAP 20000 /* characters of the evidence JSON in one CSV field */

/* Columns of findings.sql, in order. */
enum { F_ID, F_SEV, F_SIP, F_SPORT, F_CIP, F_KIND, F_NAME, F_SUMMARY, F_T0, F_T1, F_REM, F_EV, F_EVOK,
       F_KEY, F_FIRST_SEEN, F_LAST_SEEN, F_NEW, F_SUGG, F_SUGG_SRC, F_NCOL };

static const char *const keys[F_NCOL] = { "id", "severity", "server_ip", "server_port", "client_ip",
	"kind", "name", "summary", "first_ts", "last_ts", "remediation", "evidence", NULL,
	"finding_key", "first_seen", "last_seen", "new", "suggested_name", "suggested_source" };

static const char *ctext(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static double cnum(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? -1 : sqlite3_column_double(st, i);
}

static void note_worst(sqlite3_stmt *st, int *worst)
{
	int r = severity_rank(ctext(st, F_SEV));

	if (r == 0)
		r = 4;
	if (worst && (*worst == 0 || r < *worst))
		*worst = r;
}

static int write_text(sqlite3_stmt *st, FILE *out, int *worst)
{
	int rows = 0, rc, width = text_width(out);

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct fview v;

		memset(&v, 0, sizeof v);
		v.severity = ctext(st, F_SEV);
		v.server_ip = ctext(st, F_SIP);
		v.server_port = sqlite3_column_int64(st, F_SPORT);
		v.client_ip = ctext(st, F_CIP);
		v.kind = ctext(st, F_KIND);
		v.name = ctext(st, F_NAME);
		v.summary = ctext(st, F_SUMMARY);
		v.remediation = ctext(st, F_REM);
		v.suggested_name = ctext(st, F_SUGG);
		v.suggested_source = ctext(st, F_SUGG_SRC);
		v.key = ctext(st, F_KEY);
		v.first_seen = cnum(st, F_FIRST_SEEN);
		v.last_seen = cnum(st, F_LAST_SEEN);
		v.is_new = sqlite3_column_int(st, F_NEW);
		if (rows)
			fputc('\n', out);
		text_finding(out, &v, width);
		note_worst(st, worst);
		rows++;
	}
	if (rc != SQLITE_DONE)
		return -1;
	if (rows == 0)
		fputs("no findings\n", out);
	return 0;
}

static void json_col(struct jw *w, sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_NULL: jw_null(w); break;
	case SQLITE_INTEGER: jw_int(w, sqlite3_column_int64(st, i)); break;
	case SQLITE_FLOAT: jw_num(w, sqlite3_column_double(st, i)); break;
	default: jw_strn(w, ctext(st, i), (size_t)sqlite3_column_bytes(st, i)); break;
	}
}

static int write_json(sqlite3_stmt *st, FILE *out, int *worst)
{
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
			if (i == F_KIND) {
				jw_key(&w, "kind_title");
				jw_str(&w, kind_title(ctext(st, F_KIND)));
			}
		}
		for (i = F_KEY; i < F_NCOL; i++) {
			jw_key(&w, keys[i]);
			if (i == F_NEW)
				jw_bool(&w, sqlite3_column_int(st, i));
			else
				json_col(&w, st, i);
		}
		jw_key(&w, "evidence");
		/* our own JSON, checked by json_valid(); anything else goes out as a string */
		if (sqlite3_column_int(st, F_EVOK))
			jw_raw(&w, ctext(st, F_EV));
		else
			json_col(&w, st, F_EV);
		jw_obj_end(&w);
		fputc('\n', out);
		note_worst(st, worst);
	}
	jw_arr_end(&w);
	fputc('\n', out);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int write_csv(sqlite3_stmt *st, FILE *out, int *worst)
{
	int rc, i;

	fputs("id,severity,server_ip,server_port,client_ip,kind,name,summary,first_ts,last_ts,"
	      "remediation,evidence,finding_key,first_seen,last_seen,new,suggested_name,"
	      "suggested_source\r\n", out);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i < F_NCOL; i++) {
			if (i == F_EVOK)
				continue;
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
				esc_csv_field(out, ctext(st, i), (size_t)sqlite3_column_bytes(st, i),
					      i == F_EV ? CSV_EVIDENCE_CAP : ESC_CAP_DETAIL);
				break;
			}
		}
		fputs("\r\n", out);
		note_worst(st, worst);
	}
	return rc == SQLITE_DONE ? 0 : -1;
}

int findings_list(struct sqlite3 *db, FILE *out, enum report_format f, const struct findings_filter *flt,
		  int *worst, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if (worst)
		*worst = 0;
	if (f != REPORT_TEXT && f != REPORT_JSON && f != REPORT_CSV) {
		snprintf(err, errlen, "findings: format must be text, json or csv");
		return -1;
	}
	if (!(st = rq_prep(db, "findings.sql", err, errlen)))
		return -1;
	sqlite3_bind_int(st, 1, -1);
	if (flt) {
		if (flt->min_severity > 0)
			sqlite3_bind_int(st, 2, flt->min_severity);
		if (flt->kinds)
			sqlite3_bind_text(st, 3, flt->kinds, -1, SQLITE_STATIC);
		if (flt->server_ip)
			sqlite3_bind_text(st, 4, flt->server_ip, -1, SQLITE_STATIC);
		if (flt->server_port >= 0)
			sqlite3_bind_int(st, 5, flt->server_port);
		if (flt->since >= 0)
			sqlite3_bind_double(st, 6, flt->since);
		sqlite3_bind_int(st, 7, flt->new_only != 0);
	}
	if (f == REPORT_TEXT)
		rc = write_text(st, out, worst);
	else if (f == REPORT_JSON)
		rc = write_json(st, out, worst);
	else
		rc = write_csv(st, out, worst);
	if (rc < 0)
		snprintf(err, errlen, "findings: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	if (rc == 0 && ferror(out)) {
		snprintf(err, errlen, "findings: write error");
		rc = -1;
	}
	return rc;
}

int findings_write(struct sqlite3 *db, FILE *out, enum report_format f, char *err, size_t errlen)
{
	return findings_list(db, out, f, NULL, NULL, err, errlen);
}
