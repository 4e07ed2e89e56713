/* \summary: the report: loads each section (the files in reports/queries/) into small
 * capped tables, then hands them to the HTML, text or JSON renderer. */
#include "reports/report.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "reports/query/rdata.h"
#include "reports/query/sqlfn.h"
#include "reports/query/table.h"
#include "reports/render/render.h"

int report_format_parse(const char *s)
{
	if (!s)
		return -1;
	if (strcmp(s, "text") == 0 || strcmp(s, "txt") == 0)
		return REPORT_TEXT;
	if (strcmp(s, "json") == 0)
		return REPORT_JSON;
	if (strcmp(s, "csv") == 0)
		return REPORT_CSV;
	if (strcmp(s, "html") == 0)
		return REPORT_HTML;
	return -1;
}

int report_write(struct sqlite3 *db, FILE *out, enum report_format f, char *err, size_t errlen)
{
	struct rdata d;
	struct rq_tuning tune;
	int rc, own_txn;

	if (err && errlen)
		err[0] = '\0';
	if (f != REPORT_HTML && f != REPORT_TEXT && f != REPORT_JSON) {
		snprintf(err, errlen, "report: format must be html, text or json");
		return -1;
	}
	if (sqlfn_register(db) < 0) {
		snprintf(err, errlen, "report: cannot register SQL functions");
		return -1;
	}
	rq_tune(db, &tune);
	/* one read transaction: every section sees the same snapshot (WAL) */
	own_txn = sqlite3_get_autocommit(db) && sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
	rc = rdata_load(db, &d, err, errlen);
	if (own_txn)
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	rq_untune(db, &tune);
	if (rc < 0)
		return -1;
	if (f == REPORT_HTML)
		rc = report_html(&d, out);
	else if (f == REPORT_TEXT)
		rc = report_text(&d, out);
	else
		rc = report_json(&d, out);
	rdata_free(&d);
	if (rc < 0 || ferror(out)) {
		snprintf(err, errlen, "report: write error");
		return -1;
	}
	return 0;
}
