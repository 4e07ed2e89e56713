/* \summary: what a capture driver calls to feed the outputs: the event
 * stream and the metrics, together, so the drivers (replay, live) make the
 * same few calls and the numbers in both come from one place.
 *
 *   outputs_open()      after the privileges are dropped (files are opened,
 *                       and reopened on SIGHUP, as the capture user)
 *   outputs_session()   after each session is stored (writer thread)
 *   outputs_analyzed()  after each analysis, with the connection it used
 *   outputs_tick()      every statistics interval, and once at the end
 *   outputs_close()
 * All take a struct outputs whose outputs may all be off: then each call
 * costs nothing. Single-threaded: call from the thread that owns the store. */
#ifndef SMTPSCOPE_OUTPUTS_H
#define SMTPSCOPE_OUTPUTS_H

#include "analyzer/output/events.h"
#include "analyzer/output/metrics.h"
#include "analyzer/output/outputs_cli.h"
#include "analyzer/store/store.h"

struct sqlite3;

struct outputs {
	struct events *ev;          /* owned, NULL when no event output */
	struct metrics *m;          /* owned, NULL when no metrics output */
	struct metrics_snapshot s;  /* the running totals */
	char sensor[256];
	int metrics_failed;         /* a metrics file write failed (reported once) */
};

/* Starting values of the counters: what a capture row already holds. */
int outputs_open(struct outputs *o, const struct outputs_config *c, const char *interface, char *err,
		 size_t errlen);
void outputs_close(struct outputs *o);

/* Session events carry the stored row, read back on db (see events_use_db). */
void outputs_use_db(struct outputs *o, struct sqlite3 *db);
void outputs_session(struct outputs *o, int64_t id, const struct session_meta *m, const struct smtp_record *r);
/* Reads findings by severity and queues finding events; secs = the analysis' duration. */
void outputs_analyzed(struct outputs *o, struct sqlite3 *db, double secs);

struct outputs_tick {
	const struct capture_totals *t;
	uint64_t sessions_lost, queue_depth, flows_tracked;
	double pps, mbps, interval_s;
	int running;
	int stats_event;            /* also queue a stats event */
};
void outputs_tick(struct outputs *o, const struct outputs_tick *k);

#endif
