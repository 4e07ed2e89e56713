/* \summary: the outputs' command-line options (see outputs_cli.h). */
#include "analyzer/output/outputs_cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int outputs_opt(int c, const char *arg, struct outputs_config *o, char *err, size_t errlen)
{
	struct events_config *e = &o->events;
	char *end;
	long v;

	switch (c) {
	case OPT_EVENTS: e->file = arg; return 1;
	case OPT_EVENTS_SYSLOG: e->syslog = 1; return 1;
	case OPT_EVENTS_SYSLOG_SOCKET: e->syslog_socket = arg; return 1;
	case OPT_SYSLOG_FACILITY:
		if ((e->syslog_facility = events_facility(arg)) < 0) {
			snprintf(err, errlen, "--syslog-facility is daemon, user, mail or local0..local7, not '%s'", arg);
			return -1;
		}
		return 1;
	case OPT_EVENTS_REDIS: e->redis = arg; return 1;
	case OPT_EVENTS_REDIS_KEY:
		if (!*arg) {
			snprintf(err, errlen, "--events-redis-key wants a name");
			return -1;
		}
		e->redis_key = arg;
		return 1;
	case OPT_EVENTS_REDIS_MODE:
		if (strcmp(arg, "list") && strcmp(arg, "lpush") && strcmp(arg, "channel")) {
			snprintf(err, errlen, "--events-redis-mode is list, lpush or channel, not '%s'", arg);
			return -1;
		}
		e->redis_mode = arg;
		return 1;
	case OPT_SENSOR:
		if (!*arg || strlen(arg) > 255) {
			snprintf(err, errlen, "--sensor wants a name of 1 to 255 characters");
			return -1;
		}
		e->sensor = arg;
		return 1;
	case OPT_COMMUNITY_ID_SEED:
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || *end || !*arg || v < 0 || v > 65535) {
			snprintf(err, errlen, "--community-id-seed wants 0 to 65535, not '%s'", arg);
			return -1;
		}
		e->community_id_seed = (uint16_t)v;
		return 1;
	case OPT_METRICS_FILE: o->metrics_file = arg; return 1;
	case OPT_METRICS_LISTEN: o->metrics_listen = arg; return 1;
	}
	return 0;
}

void outputs_help(FILE *f, int live)
{
	fprintf(f,
		"Events (one JSON object a line: smtp_session, finding%s; see schema/README.md):\n"
		"      --events FILE|-       append events to FILE ('-' = standard output);\n"
		"                            reopened on SIGHUP (logrotate)\n"
		"      --events-syslog       each event to syslog(3) (ident smtpscope)\n"
		"      --events-syslog-socket PATH  each event as an RFC 5424 message to the\n"
		"                            unix datagram socket PATH (rsyslog imuxsock, ...)\n"
		"      --syslog-facility F   daemon (default), user, mail, local0..local7\n"
		"      --events-redis HOST:PORT  each event to redis (hiredis; reconnects)\n"
		"      --events-redis-key KEY    list or channel (default smtpscope)\n"
		"      --events-redis-mode M     list (RPUSH, default), lpush, channel (PUBLISH)\n"
		"      --sensor NAME         sensor name in every event (default: host name)\n"
		"      --community-id-seed N Community ID seed (default 0, as Zeek/Suricata)\n"
		"Metrics (Prometheus text format):\n"
		"      --metrics-file PATH   write PATH atomically every %s (node_exporter\n"
		"                            textfile collector) and at the end\n"
		"      --metrics-listen [ADDR:]PORT  serve GET /metrics over HTTP%s\n",
		live ? ", stats" : "", live ? "--stats-interval" : "file",
		live ? "" : " while the replay runs");
}
