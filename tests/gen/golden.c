/* \summary: writes the golden export of a database: every exportable table
 * (export_table_at(), reports/export.h) in that order, each as a line
 * {"table":"NAME"} followed by its rows as JSON lines, exactly as
 * `smtpscope export --format jsonl` writes them.
 *
 * What a replay cannot reproduce is blanked first, in the database given
 * (a scratch copy): the wall-clock times of captures (started, finished)
 * and capture_stats (ts) become 0, captures.source keeps its file name
 * only (the fixtures' folder differs from one checkout to the next) and
 * captures.owner (host and pid) becomes 'owner'.  The analysis' own clock
 * (findings first_seen/last_seen, analyses.ts) is made reproducible by the
 * caller with SOURCE_DATE_EPOCH.
 *
 *   golden SCRATCH.db > NAME.jsonl */
#include <sqlite3.h>
#include <stdio.h>

#include "reports/export.h"

static const char NORMALISE[] =
	"UPDATE captures SET started = 0, finished = CASE WHEN finished IS NULL THEN NULL ELSE 0 END,"
	" source = replace(source, rtrim(source, replace(source, '/', '')), ''),"
	" owner = CASE WHEN owner IS NULL THEN NULL ELSE 'owner' END;"
	"UPDATE capture_stats SET ts = 0;";

int main(int argc, char **argv)
{
	sqlite3 *db = NULL;
	char err[512], *msg = NULL;
	const char *name;
	size_t i;
	int rc = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: golden SCRATCH.db > NAME.jsonl\n");
		return 2;
	}
	if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, NORMALISE, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "golden: %s: %s\n", argv[1], msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		sqlite3_close(db);
		return 1;
	}
	for (i = 0; (name = export_table_at(i)) != NULL; i++) {
		printf("{\"table\":\"%s\"}\n", name);
		fflush(stdout);
		if (export_table(db, name, "jsonl", -1, stdout, err, sizeof err) < 0) {
			fprintf(stderr, "golden: %s: %s\n", name, err);
			rc = 1;
		}
	}
	sqlite3_close(db);
	return rc;
}
