/* \summary: SQL functions the queries use (reports/query/sqlfn.h): the name
 * rules of dissectors/fqdn.c, so SQL and C classify names alike. */
#include "reports/query/sqlfn.h"

#include <arpa/inet.h>
#include <sqlite3.h>
#include <string.h>

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

/* is_public_ip(ip) (issue 16): 1 when ip (inet_ntop text) is globally routed:
 * not RFC 1918, loopback, link-local, CGNAT (RFC 6598), benchmarking,
 * documentation (RFC 5737, 3849), multicast, ULA (fc00::/7); IPv6 only
 * 2000::/3, v4-mapped by its IPv4 rule. */
static int public_ip(const char *ip)
{
	unsigned char a[16];

	if (inet_pton(AF_INET, ip, a) == 1) {
		if (a[0] == 10 || a[0] == 127 || a[0] == 0 || a[0] >= 224 ||
		    (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168) ||
		    (a[0] == 169 && a[1] == 254) || (a[0] == 100 && (a[1] & 0xc0) == 64) ||
		    (a[0] == 192 && a[1] == 0 && a[2] == 2) || (a[0] == 198 && a[1] == 51 && a[2] == 100) ||
		    (a[0] == 203 && a[1] == 0 && a[2] == 113) || (a[0] == 198 && (a[1] & 0xfe) == 18))
			return 0;
		return 1;
	}
	if (inet_pton(AF_INET6, ip, a) == 1) {
		static const unsigned char v4mapped[12] = { [10] = 0xff, [11] = 0xff };
		if (memcmp(a, v4mapped, 12) == 0) {
			char v4[INET_ADDRSTRLEN];
			return inet_ntop(AF_INET, a + 12, v4, sizeof v4) && public_ip(v4);
		}
		if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8)
			return 0; /* 2001:db8::/32 documentation */
		return (a[0] & 0xe0) == 0x20;
	}
	return 0;
}

static void sql_is_public_ip(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char *z = sqlite3_value_text(argv[0]);

	(void)argc;
	sqlite3_result_int(ctx, z && public_ip((const char *)z));
}

int sqlfn_register(struct sqlite3 *db)
{
	int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;

	if (sqlite3_create_function(db, "fqdn_kind", 1, flags, NULL, sql_fqdn_kind, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(db, "is_fqdn", 1, flags, NULL, sql_is_fqdn, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(db, "name_class", 1, flags, NULL, sql_name_class, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(db, "is_private_ip", 1, flags, NULL, sql_is_private_ip, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(db, "is_public_ip", 1, flags, NULL, sql_is_public_ip, NULL, NULL) != SQLITE_OK)
		return -1;
	return 0;
}
