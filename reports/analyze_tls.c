/* \summary: TLS findings: runs reports/queries/tls_findings.sql (contract in analyze_tls.h). */
#include "reports/analyze_tls.h"

#include <arpa/inet.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "analyzer/base/embedded.h"


/* 1 when ip (inet_ntop text) is a globally routed address: not RFC 1918,
 * loopback, link-local, CGNAT (RFC 6598), documentation, ULA (fc00::/7). */
static int public_ip(const char *ip)
{
	unsigned char a[16];

	if (inet_pton(AF_INET, ip, a) == 1) {
		if (a[0] == 10 || a[0] == 127 || a[0] == 0 || a[0] >= 224)
			return 0;
		if ((a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168) ||
		    (a[0] == 169 && a[1] == 254) || (a[0] == 100 && (a[1] & 0xc0) == 64) ||
		    (a[0] == 192 && a[1] == 0 && a[2] == 2) || (a[0] == 198 && a[1] == 51 && a[2] == 100) ||
		    (a[0] == 203 && a[1] == 0 && a[2] == 113) || (a[0] == 198 && (a[1] & 0xfe) == 18))
			return 0;
		return 1;
	}
	if (inet_pton(AF_INET6, ip, a) == 1) {
		static const unsigned char lo[16] = { [15] = 1 };
		if (memcmp(a, lo, 16) == 0 || (a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||
		    (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8))
			return 0;
		if (a[0] == 0 && a[10] == 0xff && a[11] == 0xff) /* v4-mapped */
		{
			char v4[INET_ADDRSTRLEN];
			return inet_ntop(AF_INET, a + 12, v4, sizeof v4) && public_ip(v4);
		}
		return (a[0] & 0xe0) == 0x20; /* 2000::/3 global unicast */
	}
	return 0;
}

static void sql_is_public_ip(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char *z = sqlite3_value_text(argv[0]);

	(void)argc;
	sqlite3_result_int(ctx, z && public_ip((const char *)z));
}

int analyze_tls_findings(sqlite3 *db, char *err, size_t errlen)
{
	const char *sql = embedded_find(query_files, "tls_findings.sql");
	char *msg = NULL;

	if (sqlite3_create_function(db, "is_public_ip", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
				    sql_is_public_ip, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "tls findings: %s", sqlite3_errmsg(db));
		return -1;
	}
	if (!sql) {
		snprintf(err, errlen, "tls findings: query tls_findings.sql not built in");
		return -1;
	}
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "tls findings: %s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}
