/* \summary: retention in small batches (see prune.h). */
#include "analyzer/store/prune.h"
#include "analyzer/base/limits.h"
#include "analyzer/base/timefmt.h"
#include "analyzer/store/store.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double wall_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static void sleep_ms(int ms)
{
	struct timespec t = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&t, &t) < 0 && errno == EINTR)
		;
}

static int fail(struct sqlite3 *db, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "prune: %s: %s", what, sqlite3_errmsg(db));
	return -1;
}

static const char SQL_FINDINGS[] =
	"INSERT INTO findings_history (kind, server_ip, server_port, client_ip, name, severity, summary,"
	" evidence, remediation, first_ts, last_ts, recorded)"
	" SELECT kind, coalesce(server_ip, ''), coalesce(server_port, 0), coalesce(client_ip, ''),"
	" coalesce(name, ''), severity, summary, evidence, remediation, first_ts, last_ts, ?1"
	" FROM findings WHERE 1"
	" ON CONFLICT (kind, server_ip, server_port, client_ip, name) DO UPDATE SET"
	" severity = excluded.severity, summary = excluded.summary, evidence = excluded.evidence,"
	" remediation = excluded.remediation,"
	" first_ts = min(coalesce(first_ts, excluded.first_ts), coalesce(excluded.first_ts, first_ts)),"
	" last_ts = max(coalesce(last_ts, excluded.last_ts), coalesce(excluded.last_ts, last_ts)),"
	" recorded = excluded.recorded";

static const char SQL_PICK[] =
	"INSERT INTO temp.prune_batch SELECT id FROM sessions WHERE last_ts < ?1 AND id <= ?2"
	" ORDER BY last_ts LIMIT ?3";

static const char SQL_ROLLUP[] =
	"INSERT INTO server_history (server_ip, server_port, day, names, software, sessions, aborted, mails,"
	" first_ts, last_ts)"
	" SELECT server_ip, server_port, date(first_ts, 'unixepoch'), group_concat(DISTINCT banner_host),"
	" max(software), count(*), sum(outcome = 'aborted'), sum(mails), min(first_ts), max(last_ts)"
	" FROM sessions WHERE id IN (SELECT id FROM temp.prune_batch)"
	" GROUP BY server_ip, server_port, date(first_ts, 'unixepoch')"
	" ON CONFLICT (server_ip, server_port, day) DO UPDATE SET"
	" sessions = sessions + excluded.sessions, aborted = aborted + excluded.aborted,"
	" mails = mails + excluded.mails, first_ts = min(first_ts, excluded.first_ts),"
	" last_ts = max(last_ts, excluded.last_ts), software = coalesce(software, excluded.software),"
	" names = CASE WHEN excluded.names IS NULL THEN names WHEN names IS NULL THEN excluded.names"
	" WHEN instr(',' || names || ',', ',' || excluded.names || ',') > 0 THEN names"
	" ELSE names || ',' || excluded.names END";

/* One batch: pick, summarise, delete.  The number deleted, or -1. */
static int64_t one_batch(struct sqlite3 *db, sqlite3_stmt *pick, sqlite3_stmt *rollup, double cutoff,
			 int64_t max_id, int batch, char *err, size_t errlen)
{
	int64_t n;

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return fail(db, "begin", err, errlen);
	if (sqlite3_exec(db, "DELETE FROM temp.prune_batch", NULL, NULL, NULL) != SQLITE_OK)
		goto bad;
	sqlite3_bind_double(pick, 1, cutoff);
	sqlite3_bind_int64(pick, 2, max_id);
	sqlite3_bind_int(pick, 3, batch);
	if (sqlite3_step(pick) != SQLITE_DONE)
		goto bad;
	sqlite3_reset(pick);
	n = sqlite3_changes(db);
	if (n > 0) {
		if (sqlite3_step(rollup) != SQLITE_DONE)
			goto bad;
		sqlite3_reset(rollup);
		if (sqlite3_exec(db, "DELETE FROM sessions WHERE id IN (SELECT id FROM temp.prune_batch)", NULL, NULL,
				 NULL) != SQLITE_OK)
			goto bad;
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto bad;
	return n;
bad:
	fail(db, "batch", err, errlen);
	sqlite3_reset(pick);
	sqlite3_reset(rollup);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int prune_run(struct sqlite3 *db, const struct prune_opts *o, struct prune_result *res, char *err,
	      size_t errlen)
{
	sqlite3_stmt *q = NULL, *pick = NULL, *rollup = NULL;
	int batch = o->batch > 0 ? o->batch : PRUNE_BATCH_SESSIONS;
	int pause = o->pause_ms >= 0 ? o->pause_ms : PRUNE_PAUSE_MS;
	int64_t max_id = 0, n, run_id = -1;
	int rc = -1;
	const char *status = "error";

	memset(res, 0, sizeof *res);
	if (sqlite3_exec(db, "CREATE TEMP TABLE IF NOT EXISTS prune_batch (id INTEGER PRIMARY KEY)", NULL, NULL,
			 NULL) != SQLITE_OK)
		return fail(db, "temp table", err, errlen);
	/* 1. the findings as they stand, kept */
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return fail(db, "begin", err, errlen);
	if (sqlite3_prepare_v2(db, SQL_FINDINGS, -1, &q, NULL) != SQLITE_OK)
		goto bad_tx;
	sqlite3_bind_double(q, 1, wall_now());
	if (sqlite3_step(q) != SQLITE_DONE)
		goto bad_tx;
	res->findings_kept = (uint64_t)sqlite3_changes(db);
	sqlite3_finalize(q);
	q = NULL;
	/* 2. the last id this run considers, and the run's row */
	if (sqlite3_prepare_v2(db, "SELECT coalesce(max(id), 0) FROM sessions", -1, &q, NULL) != SQLITE_OK ||
	    sqlite3_step(q) != SQLITE_ROW)
		goto bad_tx;
	max_id = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	q = NULL;
	if (sqlite3_prepare_v2(db, "INSERT INTO prunes (started, cutoff) VALUES (?1, ?2)", -1, &q, NULL) !=
	    SQLITE_OK)
		goto bad_tx;
	sqlite3_bind_double(q, 1, wall_now());
	sqlite3_bind_double(q, 2, o->cutoff);
	if (sqlite3_step(q) != SQLITE_DONE)
		goto bad_tx;
	run_id = sqlite3_last_insert_rowid(db);
	sqlite3_finalize(q);
	q = NULL;
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto bad_tx;

	/* 3. batches */
	if (sqlite3_prepare_v2(db, SQL_PICK, -1, &pick, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, SQL_ROLLUP, -1, &rollup, NULL) != SQLITE_OK) {
		fail(db, "prepare", err, errlen);
		goto out;
	}
	for (;;) {
		if (o->stop && __atomic_load_n(o->stop, __ATOMIC_RELAXED)) {
			res->interrupted = 1;
			break;
		}
		if ((n = one_batch(db, pick, rollup, o->cutoff, max_id, batch, err, errlen)) < 0)
			goto out;
		if (n == 0)
			break;
		res->sessions += (uint64_t)n;
		res->batches++;
		if (n < batch)
			break;
		if (pause)
			sleep_ms(pause);
	}
	/* 4. statistics samples */
	if (!res->interrupted) {
		if (sqlite3_prepare_v2(db, "DELETE FROM capture_stats WHERE ts < ?1", -1, &q, NULL) != SQLITE_OK) {
			fail(db, "capture_stats", err, errlen);
			goto out;
		}
		sqlite3_bind_double(q, 1, o->cutoff);
		if (sqlite3_step(q) != SQLITE_DONE) {
			fail(db, "capture_stats", err, errlen);
			goto out;
		}
		res->stats_rows = (uint64_t)sqlite3_changes(db);
		sqlite3_finalize(q);
		q = NULL;
	}
	status = res->interrupted ? "interrupted" : "finished";
	rc = 0;
out:
	sqlite3_finalize(q);
	sqlite3_finalize(pick);
	sqlite3_finalize(rollup);
	if (run_id > 0 && sqlite3_prepare_v2(db, "UPDATE prunes SET finished = ?2, sessions = ?3, stats_rows = ?4,"
					     " batches = ?5, status = ?6 WHERE id = ?1", -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(q, 1, run_id);
		sqlite3_bind_double(q, 2, wall_now());
		sqlite3_bind_int64(q, 3, (int64_t)res->sessions);
		sqlite3_bind_int64(q, 4, (int64_t)res->stats_rows);
		sqlite3_bind_int64(q, 5, (int64_t)res->batches);
		sqlite3_bind_text(q, 6, status, -1, SQLITE_STATIC);
		sqlite3_step(q);
		sqlite3_finalize(q);
	}
	return rc;
bad_tx:
	fail(db, "findings history", err, errlen);
	sqlite3_finalize(q);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* ---- the live thread ------------------------------------------------------ */

struct prune_thread {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;
	struct store *st;          /* owned: its own connection */
	double retain_s, interval_s;
	int quiet;
};

static void *prune_main(void *arg)
{
	struct prune_thread *t = arg;
	struct prune_result res;
	struct prune_opts o;
	struct timespec dl;
	char err[512], iso[TIMEFMT_ISO_LEN];
	double next;

	for (;;) {
		memset(&o, 0, sizeof o);
		o.cutoff = wall_now() - t->retain_s;
		o.pause_ms = -1;
		o.stop = &t->stop;
		if (prune_run(store_db(t->st), &o, &res, err, sizeof err) < 0)
			fprintf(stderr, "%s smtpscope live: --retain: %s (next try in %.0f s)\n",
				timefmt_now_iso8601(iso, sizeof iso), err, t->interval_s);
		else if (!t->quiet && res.sessions)
			fprintf(stderr, "%s smtpscope live: --retain: %" PRIu64 " sessions older than %.0f days "
				"deleted in %" PRIu64 " batches (server summaries and findings kept)\n",
				timefmt_now_iso8601(iso, sizeof iso), res.sessions, t->retain_s / 86400, res.batches);
		next = wall_now() + t->interval_s;
		pthread_mutex_lock(&t->mu);
		while (!t->stop && wall_now() < next) {
			dl.tv_sec = (time_t)next;
			dl.tv_nsec = (long)((next - (double)(time_t)next) * 1e9);
			pthread_cond_timedwait(&t->cv, &t->mu, &dl);
		}
		if (t->stop) {
			pthread_mutex_unlock(&t->mu);
			break;
		}
		pthread_mutex_unlock(&t->mu);
	}
	return NULL;
}

struct prune_thread *prune_thread_start(const char *path, double retain_s, double interval_s, int quiet,
					char *err, size_t errlen)
{
	struct prune_thread *t = calloc(1, sizeof *t);

	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (!(t->st = store_open(path, STORE_WRITE, err, errlen))) {
		free(t);
		return NULL;
	}
	t->retain_s = retain_s;
	t->interval_s = interval_s;
	t->quiet = quiet;
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cv, NULL);
	if (pthread_create(&t->th, NULL, prune_main, t) != 0) {
		snprintf(err, errlen, "cannot start the retention thread");
		store_close(t->st);
		free(t);
		return NULL;
	}
	return t;
}

void prune_thread_stop(struct prune_thread *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->mu);
	__atomic_store_n(&t->stop, 1, __ATOMIC_RELAXED);
	pthread_cond_signal(&t->cv);
	pthread_mutex_unlock(&t->mu);
	pthread_join(t->th, NULL);
	store_close(t->st);
	pthread_cond_destroy(&t->cv);
	pthread_mutex_destroy(&t->mu);
	free(t);
}
