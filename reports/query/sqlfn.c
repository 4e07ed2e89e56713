/* \summary: SQL functions the queries use (reports/query/sqlfn.h): the name
 * rules of dissectors/fqdn.c, so SQL and C classify names alike. */
#include "reports/query/sqlfn.h"

#include <sqlite3.h>

#include "dissectors/fqdn.h"

static void sql_fqdn_kind(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *s;

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	s = (const char *)sqlite3_value_text(argv[0]);
	if (!s) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	sqlite3_result_text(ctx, fqdn_kind_name(fqdn_classify(s, (size_t)sqlite3_value_bytes(argv[0]))),
			    -1, SQLITE_STATIC);
}

static void sql_is_fqdn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *s;

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	s = (const char *)sqlite3_value_text(argv[0]);
	if (!s) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	sqlite3_result_int(ctx, fqdn_is_fqdn(s, (size_t)sqlite3_value_bytes(argv[0])));
}

int sqlfn_register(struct sqlite3 *db)
{
	int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;

	if (sqlite3_create_function(db, "fqdn_kind", 1, flags, NULL, sql_fqdn_kind, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(db, "is_fqdn", 1, flags, NULL, sql_is_fqdn, NULL, NULL) != SQLITE_OK)
		return -1;
	return 0;
}
