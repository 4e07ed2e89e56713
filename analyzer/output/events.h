/* \summary: the event stream: one JSON object a line, written as things
 * happen, for the log pipelines operators already run (Filebeat, Vector,
 * Logstash, rsyslog, a SIEM), in the manner of Suricata's eve.json.
 *
 * Three kinds of event (field lists in schema/README.md, "Events"):
 *   smtp_session  one per ended SMTP session: the sessions row's fields, its
 *                 mails with their recipients, TLS and an anomaly summary;
 *   finding       a finding that appeared or changed since the last scan;
 *   stats         one per statistics interval of a live capture.
 * Every event has timestamp (ISO 8601 UTC), event_type, sensor and, for
 * sessions, community_id (Community ID v1, as Zeek and Suricata write it).
 *
 * Outputs, any together, each getting the same line:
 *   file      a path or "-" (standard output); reopened after SIGHUP
 *             (events_hup()), so logrotate can move it;
 *   syslog    syslog(3), one event a message, facility configurable, or an
 *             RFC 5424 datagram to a unix socket (rsyslog's imuxsock, a test);
 *   redis     RPUSH / LPUSH to a list, or PUBLISH on a channel (hiredis), as
 *             Suricata's eve redis output; reconnects by itself.
 *
 * The caller formats events on its own thread and never waits for an
 * output: lines go to a bounded queue (EVENTS_QUEUE_MAX) emptied by the
 * events thread; when it is full the event is counted as dropped. */
#ifndef SMTPSCOPE_EVENTS_H
#define SMTPSCOPE_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer/store/store.h"

struct sqlite3;
struct events;

struct events_config {
	const char *file;            /* path or "-", NULL for none */
	int syslog;                  /* 1: syslog(3) */
	const char *syslog_socket;   /* RFC 5424 to this unix datagram socket, or NULL */
	int syslog_facility;         /* LOG_DAEMON, LOG_LOCAL0, ... */
	const char *redis;           /* "HOST:PORT" or "HOST" (port 6379), NULL for none */
	const char *redis_key;       /* list or channel name (default "smtpscope") */
	const char *redis_mode;      /* "list" (RPUSH, default), "lpush" or "channel" (PUBLISH) */
	const char *sensor;          /* default: the host name */
	uint16_t community_id_seed;  /* 0 unless the site uses another (Zeek/Suricata option) */
};

/* Counters of the stream, for the metrics and the final line. */
struct events_counters {
	uint64_t queued;             /* events accepted */
	uint64_t dropped;            /* events lost: queue full */
	uint64_t written[3];         /* lines delivered to file, syslog, redis */
	uint64_t failed[3];          /* lines an output could not take (error, disconnected) */
	uint64_t reopened;           /* file reopens after SIGHUP */
};

/* Statistics of one interval, for a stats event. */
struct events_stats {
	const char *interface;
	uint64_t packets, bytes, kernel_dropped, if_dropped, sessions, queue_dropped;
	double pps, mbps, interval_s;
};

/* 1 when c asks for any output. */
int events_config_any(const struct events_config *c);
/* Parses a syslog facility name ("daemon", "local0".."local7", "user",
 * "mail").  Its value, or -1. */
int events_facility(const char *name);

/* Opens every output c names and starts the events thread.  A file that
 * cannot be opened or a bad redis address is an error (NULL, err set); a
 * redis server that does not answer yet is only a warning on stderr (the
 * thread keeps trying). */
struct events *events_open(const struct events_config *c, char *err, size_t errlen);
/* Writes what is queued, closes the outputs, frees ev.  NULL is a no-op. */
void events_close(struct events *ev);

/* With db (the store's connection, used on the thread that calls
 * events_session()), a session event carries the stored sessions row itself,
 * every column under its name; without, the record's fields. */
void events_use_db(struct events *ev, struct sqlite3 *db);

/* Queue one event each.  ev may be NULL (no events asked for). */
void events_session(struct events *ev, int64_t session_id, const struct session_meta *m,
		    const struct smtp_record *r);
void events_stats(struct events *ev, const struct events_stats *s);
/* Reads the findings table and queues a finding event for each one that is
 * new or whose severity, summary or evidence changed since the last call
 * (the first call reports all of them, with "change": "new").  0 or -1. */
int events_findings(struct events *ev, struct sqlite3 *db);

/* Async-signal-safe: the file output is reopened (logrotate's SIGHUP). */
void events_hup(void);

void events_get_counters(struct events *ev, struct events_counters *c);

#endif
