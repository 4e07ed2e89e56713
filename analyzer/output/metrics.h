/* \summary: Prometheus metrics of a capture, in the text exposition format
 * (version 0.0.4), for a node_exporter textfile (written atomically: a
 * temporary file in the same directory, then rename) and/or an HTTP
 * `GET /metrics` endpoint (libmicrohttpd, its own thread).
 *
 * The caller fills a struct metrics_snapshot from the capture's own totals
 * (the same numbers the stats lines and the capture row show) and calls
 * metrics_publish(); every metric is a counter or a gauge named
 * smtpscope_*; see schema/README.md "Metrics" for the list. */
#ifndef SMTPSCOPE_METRICS_H
#define SMTPSCOPE_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "analyzer/base/anomaly.h"

struct metrics;

struct metrics_snapshot {
	const char *interface;          /* label; the file path for a replay */
	const char *sensor;             /* label */
	uint64_t packets, bytes;
	uint64_t kernel_dropped, if_dropped;
	uint64_t sessions_stored, sessions_lost_queue;
	uint64_t queue_depth, flows_tracked;
	uint64_t anomalies[ANOM__COUNT];/* session anomalies by kind, stored sessions */
	uint64_t findings_high, findings_medium, findings_low, findings_info;
	double analysis_seconds;        /* last analysis' duration, < 0 when none yet */
	uint64_t events_queued, events_dropped;
	double start_time;              /* Unix seconds */
	int running;                    /* 1 while capturing, 0 at the end */
};

/* Opens the outputs: file may be NULL, listen ("[ADDR:]PORT") may be NULL.
 * NULL with err set when the endpoint cannot listen or the file's directory
 * is not writable; also NULL (err empty) when neither is asked for. */
struct metrics *metrics_open(const char *file, const char *listen, char *err, size_t errlen);
/* Renders s and makes it what the outputs show: rewrites the file, swaps
 * the HTTP body.  0, or -1 when the file could not be written (err set). */
int metrics_publish(struct metrics *m, const struct metrics_snapshot *s, char *err, size_t errlen);
void metrics_close(struct metrics *m);   /* NULL is a no-op */

/* The exposition text of s, to f. */
void metrics_render(FILE *f, const struct metrics_snapshot *s);

#endif
