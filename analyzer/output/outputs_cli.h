/* \summary: the command-line options of the outputs (events, metrics),
 * shared by `replay` and `live` so both spell them the same way.
 *
 *   struct option opts[] = { ..., OUTPUTS_LONG_OPTIONS, { 0, 0, 0, 0 } };
 *   ...  default: if ((r = outputs_opt(c, optarg, &oc)) != 0) { r < 0: usage error } */
#ifndef SMTPSCOPE_OUTPUTS_CLI_H
#define SMTPSCOPE_OUTPUTS_CLI_H

#include <stdio.h>

#include "analyzer/output/events.h"

enum {
	OPT_EVENTS = 0x1100, OPT_EVENTS_SYSLOG, OPT_EVENTS_SYSLOG_SOCKET, OPT_SYSLOG_FACILITY,
	OPT_EVENTS_REDIS, OPT_EVENTS_REDIS_KEY, OPT_EVENTS_REDIS_MODE, OPT_SENSOR, OPT_COMMUNITY_ID_SEED,
	OPT_METRICS_FILE, OPT_METRICS_LISTEN,
};

#define OUTPUTS_LONG_OPTIONS \
	{ "events", required_argument, 0, OPT_EVENTS }, \
	{ "events-syslog", no_argument, 0, OPT_EVENTS_SYSLOG }, \
	{ "events-syslog-socket", required_argument, 0, OPT_EVENTS_SYSLOG_SOCKET }, \
	{ "syslog-facility", required_argument, 0, OPT_SYSLOG_FACILITY }, \
	{ "events-redis", required_argument, 0, OPT_EVENTS_REDIS }, \
	{ "events-redis-key", required_argument, 0, OPT_EVENTS_REDIS_KEY }, \
	{ "events-redis-mode", required_argument, 0, OPT_EVENTS_REDIS_MODE }, \
	{ "sensor", required_argument, 0, OPT_SENSOR }, \
	{ "community-id-seed", required_argument, 0, OPT_COMMUNITY_ID_SEED }, \
	{ "metrics-file", required_argument, 0, OPT_METRICS_FILE }, \
	{ "metrics-listen", required_argument, 0, OPT_METRICS_LISTEN }

struct outputs_config {
	struct events_config events;
	const char *metrics_file;    /* node_exporter textfile, written atomically */
	const char *metrics_listen;  /* [ADDR:]PORT of the /metrics HTTP endpoint */
};

/* Handles option c.  1 handled, 0 not an outputs option, -1 bad value
 * (the reason written to err). */
int outputs_opt(int c, const char *arg, struct outputs_config *o, char *err, size_t errlen);

/* The --help lines of these options. */
void outputs_help(FILE *f, int live);

#endif
