/* \summary: SQL functions the queries use (reports/query/sqlfn.h): the name
 * rules of dissectors/fqdn.c, so SQL and C classify names alike. */
#include "reports/query/sqlfn.h"

#include <sqlite3.h>

#include "dissectors/fqdn.h"
#include "dissectors/name_class.h"

/* The text argument of a one-argument function; NULL when the function's
 * result is already set (NULL for a NULL argument, out of memory). */
static const char *text_arg(sqlite3_context *ctx, sqlite3_value **argv, size_t *len)
{
	const char *s;

	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return NULL;
	}
	s = (const char *)sqlite3_value_text(argv[0]);
	if (!s) {
		sqlite3_result_error_nomem(ctx);
		return NULL;
	}
	*len = (size_t)sqlite3_value_bytes(argv[0]);
	return s;
}

static void sql_fqdn_kind(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	size_t n;
	const char *s = text_arg(ctx, argv, &n);

	(void)argc;
	if (s)
		sqlite3_result_text(ctx, fqdn_kind_name(fqdn_classify(s, n)), -1, SQLITE_STATIC);
}

static void sql_is_fqdn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	size_t n;
	const char *s = text_arg(ctx, argv, &n);

	(void)argc;
	if (s)
		sqlite3_result_int(ctx, fqdn_is_fqdn(s, n));
}

/* name_class(name): name_class.h's class; is_private_ip(ip): 1 for private-use addresses */
static void sql_name_class(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	size_t n;
	const char *s = text_arg(ctx, argv, &n);

	(void)argc;
	if (s)
		sqlite3_result_text(ctx, name_class_name(name_classify(s, n)), -1, SQLITE_STATIC);
}

static void sql_is_private_ip(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	size_t n;
	const char *s = text_arg(ctx, argv, &n);

	(void)argc;
	if (s)
		sqlite3_result_int(ctx, addr_is_private(s));
}

int sqlfn_register(struct sqlite3 *db)
{
	int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;

	if (sqlite3_create_function(db, "fqdn_kind", 1, flags, NULL, sql_fqdn_kind, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(db, "is_fqdn", 1, flags, NULL, sql_is_fqdn, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(db, "name_class", 1, flags, NULL, sql_name_class, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(db, "is_private_ip", 1, flags, NULL, sql_is_private_ip, NULL, NULL) != SQLITE_OK)
		return -1;
	return 0;
}
