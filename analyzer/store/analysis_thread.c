/* \summary: the live analysis thread; see analysis_thread.h. */
#include "analyzer/store/analysis_thread.h"
#include "analyzer/base/runtime.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ANALYSIS_BUSY_MS 10000   /* the swap waits this long for the writer's batch */

struct analysis_thread {
	sqlite3 *db;                /* owned: this thread's connection */
	analysis_fn fn;
	double interval_s;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int quit;                   /* under mu */
	uint64_t runs;              /* under mu: analyses that succeeded */
	uint64_t polled;            /* under mu: runs seen by analysis_thread_poll() */
	double last_secs;           /* under mu: the last run's duration */
};

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
	double t0;
	int ok;

	pthread_setname_np(pthread_self(), "analysis");
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
		t0 = rt_mono_s();
		ok = a->fn(a->db, err, sizeof err) == 0;
		if (!ok)
			fprintf(stderr, "smtpscope live: refreshing the findings failed: %s\n", err);
		pthread_mutex_lock(&a->mu);
		if (ok) {
			a->runs++;
			a->last_secs = rt_mono_s() - t0;
		}
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

int analysis_thread_poll(struct analysis_thread *a, double *secs)
{
	int done;

	if (!a)
		return 0;
	pthread_mutex_lock(&a->mu);
	done = a->runs != a->polled;
	a->polled = a->runs;
	*secs = a->last_secs;
	pthread_mutex_unlock(&a->mu);
	return done;
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
