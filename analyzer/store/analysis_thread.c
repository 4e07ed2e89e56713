/* \summary: the live analysis thread; see analysis_thread.h. */
#include "analyzer/store/analysis_thread.h"
#include "analyzer/base/embedded.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *const analysis_outputs[] = { "findings", NULL };

#define ANALYSIS_BUSY_MS 10000   /* the publish waits this long for the writer's batch */

struct analysis_thread {
	sqlite3 *db;                /* owned: this thread's connection */
	analysis_fn fn;
	double interval_s;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int quit;                   /* under mu */
	uint64_t runs;              /* under mu */
};

static int fail(char *err, size_t errlen, sqlite3 *db, const char *what)
{
	snprintf(err, errlen, "%s: %s", what, sqlite3_errmsg(db));
	return -1;
}

static int exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : fail(err, errlen, db, sql);
}

/* Creates temp.<table> with main.<table>'s definition and indexes, holding
 * main's rows (so an analysis that reads what it wrote last time still
 * can).  SQLite keeps definitions as "CREATE TABLE name ..." and
 * "CREATE [UNIQUE] INDEX name ...". */
static int shadow(sqlite3 *db, const char *table, char *err, size_t errlen)
{
	sqlite3_stmt *q;
	char *sql;
	int rc = 0;

	if (sqlite3_prepare_v2(db, "SELECT type, sql FROM main.sqlite_master WHERE tbl_name = ?1 AND sql"
			       " IS NOT NULL AND type IN ('table', 'index') ORDER BY type = 'index'",
			       -1, &q, NULL) != SQLITE_OK)
		return fail(err, errlen, db, "shadow");
	sqlite3_bind_text(q, 1, table, -1, SQLITE_STATIC);
	while (rc == 0 && sqlite3_step(q) == SQLITE_ROW) {
		const char *type = (const char *)sqlite3_column_text(q, 0);
		const char *def = (const char *)sqlite3_column_text(q, 1);
		if (!strcmp(type, "table") && !strncmp(def, "CREATE TABLE ", 13))
			sql = sqlite3_mprintf("CREATE TEMP TABLE %s", def + 13);
		else if (!strncmp(def, "CREATE INDEX ", 13))
			sql = sqlite3_mprintf("CREATE INDEX temp.%s", def + 13);
		else if (!strncmp(def, "CREATE UNIQUE INDEX ", 20))
			sql = sqlite3_mprintf("CREATE UNIQUE INDEX temp.%s", def + 20);
		else
			continue;
		rc = sql ? exec(db, sql, err, errlen) : -1;
		sqlite3_free(sql);
	}
	sqlite3_finalize(q);
	if (rc == 0) {
		sql = sqlite3_mprintf("INSERT INTO temp.\"%w\" SELECT * FROM main.\"%w\"", table, table);
		rc = sql ? exec(db, sql, err, errlen) : -1;
		sqlite3_free(sql);
	}
	return rc;
}

static void drop_shadows(sqlite3 *db)
{
	int i;

	for (i = 0; analysis_outputs[i]; i++) {
		char *sql = sqlite3_mprintf("DROP TABLE IF EXISTS temp.\"%w\"", analysis_outputs[i]);
		if (sql)
			sqlite3_exec(db, sql, NULL, NULL, NULL);
		sqlite3_free(sql);
	}
}

int analysis_run_shadowed(sqlite3 *db, analysis_fn fn, char *err, size_t errlen)
{
	const char *idx = embedded_find(schema_files, "analysis_indexes.sql");
	int i, rc = 0;

	drop_shadows(db);
	/* 0. The indexes the analysis reads, outside the snapshot: a no-op when
	 * they exist (live capture keeps them), else built once, under the
	 * write lock like any writer. */
	if (idx && exec(db, idx, err, errlen) < 0)
		return -1;
	/* 1. One snapshot of main (a read transaction), temp copies written. */
	if (exec(db, "BEGIN", err, errlen) < 0)
		return -1;
	for (i = 0; rc == 0 && analysis_outputs[i]; i++)
		rc = shadow(db, analysis_outputs[i], err, errlen);
	if (rc == 0)
		rc = fn(db, err, errlen);
	if (rc < 0) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		drop_shadows(db);
		return -1;
	}
	if (exec(db, "COMMIT", err, errlen) < 0) {
		drop_shadows(db);
		return -1;
	}
	/* 2. Publish: the only moment the writer may have to wait. */
	if (exec(db, "BEGIN IMMEDIATE", err, errlen) < 0) {
		drop_shadows(db);
		return -1;
	}
	for (i = 0; rc == 0 && analysis_outputs[i]; i++) {
		char *sql = sqlite3_mprintf("DELETE FROM main.\"%w\"; INSERT INTO main.\"%w\" SELECT * FROM"
					    " temp.\"%w\";", analysis_outputs[i], analysis_outputs[i],
					    analysis_outputs[i]);
		rc = sql ? exec(db, sql, err, errlen) : -1;
		sqlite3_free(sql);
	}
	if (rc == 0)
		rc = exec(db, "COMMIT", err, errlen);
	if (rc < 0)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	drop_shadows(db);
	return rc;
}

static void deadline_in(struct timespec *ts, double s)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += (time_t)s;
	ts->tv_nsec += (long)((s - (double)(time_t)s) * 1e9);
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static void *analysis_main(void *arg)
{
	struct analysis_thread *a = arg;
	struct timespec dl;
	sigset_t block;
	char err[512];

	/* SIGINT/SIGTERM are for the capture threads, never this one. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, NULL);

	pthread_mutex_lock(&a->mu);
	for (;;) {
		deadline_in(&dl, a->interval_s);
		while (!a->quit)
			if (pthread_cond_timedwait(&a->cv, &a->mu, &dl) == ETIMEDOUT)
				break;
		if (a->quit)
			break;
		pthread_mutex_unlock(&a->mu);
		if (analysis_run_shadowed(a->db, a->fn, err, sizeof err) < 0)
			fprintf(stderr, "smtpscope live: refreshing the findings failed: %s\n", err);
		pthread_mutex_lock(&a->mu);
		a->runs++;
	}
	pthread_mutex_unlock(&a->mu);
	return NULL;
}

struct analysis_thread *analysis_thread_start(const char *path, analysis_fn fn, double interval_s,
					      char *err, size_t errlen)
{
	struct analysis_thread *a = calloc(1, sizeof *a);
	pthread_condattr_t ca;

	if (!a) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	a->fn = fn;
	a->interval_s = interval_s;
	/* Not store_open(): its header check open()s and close()s the file,
	 * and closing any descriptor of a file drops every POSIX lock this
	 * process holds on it, the writer's included; a reader in another
	 * process would then take the WAL for its own and delete it.  The
	 * writer's store_open() has already checked and migrated the file. */
	if (sqlite3_open_v2(path, &a->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
	    sqlite3_exec(a->db, "PRAGMA trusted_schema = OFF; PRAGMA temp_store = MEMORY;", NULL, NULL,
			 NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: analysis connection: %s", path,
			 a->db ? sqlite3_errmsg(a->db) : "out of memory");
		sqlite3_close(a->db);
		free(a);
		return NULL;
	}
	sqlite3_busy_timeout(a->db, ANALYSIS_BUSY_MS);
	pthread_mutex_init(&a->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&a->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&a->thread, NULL, analysis_main, a) != 0) {
		snprintf(err, errlen, "cannot start the analysis thread");
		pthread_cond_destroy(&a->cv);
		pthread_mutex_destroy(&a->mu);
		sqlite3_close(a->db);
		free(a);
		return NULL;
	}
	return a;
}

uint64_t analysis_thread_stop(struct analysis_thread *a)
{
	uint64_t runs;

	if (!a)
		return 0;
	pthread_mutex_lock(&a->mu);
	a->quit = 1;
	pthread_cond_signal(&a->cv);
	pthread_mutex_unlock(&a->mu);
	pthread_join(a->thread, NULL);
	runs = a->runs;
	pthread_cond_destroy(&a->cv);
	pthread_mutex_destroy(&a->mu);
	sqlite3_close(a->db);
	free(a);
	return runs;
}
