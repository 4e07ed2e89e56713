/* \summary: what analyses remember: each finding's stable key keeps the time
 * it was first seen, gets the time it was last seen, and is flagged new when
 * the previous analysis did not have it (a notice with first and last seen,
 * as in Zeek's notice framework).  Tables finding_history and analyses
 * (schema 009). */
#include "reports/analysis/an.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <time.h>

#define ANALYSES_KEPT 10000  /* rows of the analyses table kept (one per analysis) */
#define HISTORY_KEPT_S (400.0 * 86400) /* a key not seen for this long is forgotten */

double an_now(void)
{
	const char *e = getenv("SOURCE_DATE_EPOCH");
	struct timespec ts;
	char *end;
	double v;

	if (e && *e) {
		v = strtod(e, &end);
		if (*end == '\0' && v >= 0 && v < 1e11)
			return v;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char Q_PREV[] = "SELECT max(id) FROM analyses";
static const char Q_ADD[] =
	"INSERT INTO analyses (ts, findings) VALUES (?1, (SELECT count(*) FROM findings))";
/* first_seen: kept from the history; is_new: not in the previous analysis */
static const char Q_MARK[] =
	"UPDATE findings SET"
	" first_seen = coalesce((SELECT h.first_seen FROM finding_history h"
	"  WHERE h.finding_key = findings.finding_key), ?1),"
	" last_seen = ?1,"
	" is_new = NOT EXISTS (SELECT 1 FROM finding_history h"
	"  WHERE h.finding_key = findings.finding_key AND h.last_analysis = ?2)";
static const char Q_KEEP[] =
	"INSERT INTO finding_history (finding_key, kind, server_ip, server_port, client_ip, name,"
	" first_seen, last_seen, last_analysis)"
	" SELECT finding_key, kind, server_ip, server_port, client_ip, name, first_seen, last_seen, ?1"
	" FROM findings WHERE finding_key IS NOT NULL"
	" ON CONFLICT (finding_key) DO UPDATE SET last_seen = excluded.last_seen,"
	" last_analysis = excluded.last_analysis";
static const char Q_COUNT_NEW[] =
	"UPDATE analyses SET new = (SELECT count(*) FROM findings WHERE is_new) WHERE id = ?1";
static const char Q_TRIM[] = "DELETE FROM analyses WHERE id <= ?1";
static const char Q_FORGET[] = "DELETE FROM finding_history WHERE last_seen < ?1";

int an_history(struct an *a, double now)
{
	sqlite3_stmt *prev = an_q(a, Q_PREV), *add = an_q(a, Q_ADD), *mark = an_q(a, Q_MARK);
	sqlite3_stmt *keep = an_q(a, Q_KEEP), *count = an_q(a, Q_COUNT_NEW), *trim = an_q(a, Q_TRIM);
	sqlite3_stmt *forget = an_q(a, Q_FORGET);
	long long prev_id = -1, cur;

	if (!prev || !add || !mark || !keep || !count || !trim || !forget)
		return -1;
	if (sqlite3_step(prev) == SQLITE_ROW && sqlite3_column_type(prev, 0) != SQLITE_NULL)
		prev_id = sqlite3_column_int64(prev, 0);
	sqlite3_reset(prev);
	sqlite3_bind_double(add, 1, now);
	if (sqlite3_step(add) != SQLITE_DONE)
		return an_fail(a, "record the analysis");
	cur = sqlite3_last_insert_rowid(a->db);
	sqlite3_reset(add);
	sqlite3_bind_double(mark, 1, now);
	sqlite3_bind_int64(mark, 2, prev_id);
	if (sqlite3_step(mark) != SQLITE_DONE)
		return an_fail(a, "first and last seen");
	sqlite3_reset(mark);
	sqlite3_bind_int64(keep, 1, cur);
	if (sqlite3_step(keep) != SQLITE_DONE)
		return an_fail(a, "finding history");
	sqlite3_reset(keep);
	sqlite3_bind_int64(count, 1, cur);
	if (sqlite3_step(count) != SQLITE_DONE)
		return an_fail(a, "count new findings");
	sqlite3_reset(count);
	sqlite3_bind_int64(trim, 1, cur - ANALYSES_KEPT);
	if (sqlite3_step(trim) != SQLITE_DONE)
		return an_fail(a, "trim analyses");
	sqlite3_reset(trim);
	/* bounded: keys of findings gone for more than a year are forgotten */
	sqlite3_bind_double(forget, 1, now - HISTORY_KEPT_S);
	if (sqlite3_step(forget) != SQLITE_DONE)
		return an_fail(a, "forget old keys");
	sqlite3_reset(forget);
	return 0;
}
