/* \summary: the outputs of a capture, fed by its driver (see outputs.h). */
#include "analyzer/output/outputs.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int outputs_open(struct outputs *o, const struct outputs_config *c, const char *interface, char *err,
		 size_t errlen)
{
	memset(o, 0, sizeof *o);
	if (c->events.sensor)
		snprintf(o->sensor, sizeof o->sensor, "%s", c->events.sensor);
	else if (gethostname(o->sensor, sizeof o->sensor - 1) < 0 || !o->sensor[0])
		snprintf(o->sensor, sizeof o->sensor, "smtpscope");
	o->s.sensor = o->sensor;
	o->s.interface = interface;
	o->s.analysis_seconds = -1;
	o->s.start_time = (double)time(NULL);
	o->s.running = 1;
	if (events_config_any(&c->events) && !(o->ev = events_open(&c->events, err, errlen)))
		return -1;
	if ((c->metrics_file || c->metrics_listen) &&
	    !(o->m = metrics_open(c->metrics_file, c->metrics_listen, err, errlen))) {
		outputs_close(o);
		return -1;
	}
	return 0;
}

void outputs_close(struct outputs *o)
{
	events_close(o->ev);
	metrics_close(o->m);
	o->ev = NULL;
	o->m = NULL;
}

void outputs_use_db(struct outputs *o, struct sqlite3 *db)
{
	events_use_db(o->ev, db);
}

void outputs_session(struct outputs *o, int64_t id, const struct session_meta *m, const struct smtp_record *r)
{
	int i;

	if (!o->ev && !o->m)
		return;
	for (i = 0; i < r->n_anomalies; i++)
		if ((unsigned)r->anomalies[i].kind < ANOM__COUNT)
			o->s.anomalies[r->anomalies[i].kind]++;
	events_session(o->ev, id, m, r);
}

void outputs_analyzed(struct outputs *o, struct sqlite3 *db, double secs)
{
	sqlite3_stmt *q;

	if (!o->ev && !o->m)
		return;
	o->s.analysis_seconds = secs;
	if (sqlite3_prepare_v2(db, "SELECT severity, count(*) FROM findings GROUP BY severity", -1, &q, NULL) ==
	    SQLITE_OK) {
		o->s.findings_high = o->s.findings_medium = o->s.findings_low = o->s.findings_info = 0;
		while (sqlite3_step(q) == SQLITE_ROW) {
			const char *sev = (const char *)sqlite3_column_text(q, 0);
			uint64_t n = (uint64_t)sqlite3_column_int64(q, 1);
			if (!sev)
				continue;
			if (!strcmp(sev, "high"))
				o->s.findings_high = n;
			else if (!strcmp(sev, "medium"))
				o->s.findings_medium = n;
			else if (!strcmp(sev, "low"))
				o->s.findings_low = n;
			else if (!strcmp(sev, "info"))
				o->s.findings_info = n;
		}
		sqlite3_finalize(q);
	}
	if (o->ev && events_findings(o->ev, db) < 0)
		fprintf(stderr, "smtpscope: finding events: %s\n", sqlite3_errmsg(db));
}

void outputs_tick(struct outputs *o, const struct outputs_tick *k)
{
	struct events_counters ec;
	char err[512];

	if (!o->ev && !o->m)
		return;
	if (k->stats_event && o->ev) {
		struct events_stats es = {
			.interface = o->s.interface, .packets = k->t->packets, .bytes = k->t->bytes,
			.kernel_dropped = k->t->dropped, .if_dropped = k->t->if_dropped,
			.sessions = k->t->smtp_sessions, .queue_dropped = k->sessions_lost,
			.pps = k->pps, .mbps = k->mbps, .interval_s = k->interval_s,
		};
		events_stats(o->ev, &es);
	}
	if (!o->m)
		return;
	o->s.packets = k->t->packets;
	o->s.bytes = k->t->bytes;
	o->s.kernel_dropped = k->t->dropped;
	o->s.if_dropped = k->t->if_dropped;
	o->s.sessions_stored = k->t->smtp_sessions;
	o->s.sessions_lost_queue = k->sessions_lost;
	o->s.queue_depth = k->queue_depth;
	o->s.flows_tracked = k->flows_tracked;
	o->s.running = k->running;
	events_get_counters(o->ev, &ec);
	o->s.events_queued = ec.queued;
	o->s.events_dropped = ec.dropped;
	if (metrics_publish(o->m, &o->s, err, sizeof err) < 0 && !o->metrics_failed) {
		fprintf(stderr, "smtpscope: %s\n", err);
		o->metrics_failed = 1;
	}
}
