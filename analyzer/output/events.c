/* \summary: the event stream (see events.h): JSON formatting on the
 * caller's thread, one events thread that writes every line to the file,
 * syslog and redis outputs. */
#include "analyzer/output/events.h"
#include "analyzer/output/community_id.h"
#include "analyzer/base/limits.h"
#include "analyzer/base/timefmt.h"
#include "reports/escape.h"

#include <errno.h>
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

enum { OUT_FILE, OUT_SYSLOG, OUT_REDIS };

#define EVENTS_REDIS_RETRY_S  2.0  /* a lost redis connection is retried this often */
#define EVENTS_REDIS_TIMEOUT  1    /* seconds: connect and command timeout */
#define EVENTS_WAKE_MS        200  /* the thread looks at SIGHUP at least this often */

struct line {
	struct line *next;
	char *text;            /* owned (malloc), no newline */
	size_t len;
	int prio;              /* syslog severity */
	char type[16];         /* event_type, RFC 5424 MSGID */
};

struct finding_seen {
	uint64_t key, digest;  /* key 0 = empty slot */
};

struct events {
	struct events_config c;        /* strings point into the caller's (argv) */
	char sensor[256];
	pthread_t thread;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct line *head, *tail;      /* owned, FIFO */
	size_t n;
	int closing;
	struct events_counters k;      /* under mu */
	/* the outputs: touched by the events thread only (and by events_open before it starts) */
	FILE *file;
	int file_is_stdout;
	int syslog_fd;                 /* -1 unless syslog_socket */
	char redis_host[256];
	int redis_port;
	redisContext *redis;
	double redis_retry_at;
	int redis_warned;
	/* the sessions row, read back after it is stored (caller's thread) */
	sqlite3 *db;                   /* borrowed, or NULL: fields from the record */
	sqlite3_stmt *row;             /* owned: SELECT * FROM sessions WHERE id = ?1 */
	/* finding digests of the last scan (caller's thread) */
	struct finding_seen *seen;
	size_t nseen_cap;
};

static volatile sig_atomic_t hup_count;

void events_hup(void)
{
	hup_count++;
}

int events_config_any(const struct events_config *c)
{
	return c->file || c->syslog || c->syslog_socket || c->redis;
}

int events_facility(const char *name)
{
	static const struct { const char *n; int f; } tab[] = {
		{ "daemon", LOG_DAEMON }, { "user", LOG_USER }, { "mail", LOG_MAIL }, { "local0", LOG_LOCAL0 },
		{ "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
		{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 },
		{ "local7", LOG_LOCAL7 },
	};
	size_t i;

	for (i = 0; name && i < sizeof tab / sizeof tab[0]; i++)
		if (!strcmp(name, tab[i].n))
			return tab[i].f;
	return -1;
}

static double mono_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* ---- outputs (events thread) ------------------------------------------------ */

static int file_open(struct events *ev, char *err, size_t errlen)
{
	if (!strcmp(ev->c.file, "-")) {
		ev->file = stdout;
		ev->file_is_stdout = 1;
		return 0;
	}
	if (!(ev->file = fopen(ev->c.file, "a"))) {
		snprintf(err, errlen, "--events %s: %s", ev->c.file, strerror(errno));
		return -1;
	}
	setvbuf(ev->file, NULL, _IOLBF, 0); /* a reader (tail -F, Filebeat) sees whole lines */
	return 0;
}

static void file_reopen(struct events *ev)
{
	char err[512];

	if (!ev->file || ev->file_is_stdout)
		return;
	fclose(ev->file);
	ev->file = NULL;
	if (file_open(ev, err, sizeof err) < 0)
		fprintf(stderr, "smtpscope: %s (events to the file are lost until the next SIGHUP)\n", err);
	pthread_mutex_lock(&ev->mu);
	ev->k.reopened++;
	pthread_mutex_unlock(&ev->mu);
}

static int redis_connect(struct events *ev)
{
	struct timeval tv = { EVENTS_REDIS_TIMEOUT, 0 };

	ev->redis = redisConnectWithTimeout(ev->redis_host, ev->redis_port, tv);
	if (!ev->redis || ev->redis->err) {
		if (!ev->redis_warned)
			fprintf(stderr, "smtpscope: --events-redis %s:%d: %s (retrying every %.0f s)\n",
				ev->redis_host, ev->redis_port, ev->redis ? ev->redis->errstr : "out of memory",
				EVENTS_REDIS_RETRY_S);
		ev->redis_warned = 1;
		if (ev->redis)
			redisFree(ev->redis);
		ev->redis = NULL;
		ev->redis_retry_at = mono_now() + EVENTS_REDIS_RETRY_S;
		return -1;
	}
	redisSetTimeout(ev->redis, tv);
	if (ev->redis_warned)
		fprintf(stderr, "smtpscope: --events-redis %s:%d: connected\n", ev->redis_host, ev->redis_port);
	ev->redis_warned = 0;
	return 0;
}

static int redis_send(struct events *ev, const struct line *l)
{
	const char *verb = !strcmp(ev->c.redis_mode, "channel") ? "PUBLISH"
			 : !strcmp(ev->c.redis_mode, "lpush") ? "LPUSH" : "RPUSH";
	redisReply *rep;

	if (!ev->redis && (mono_now() < ev->redis_retry_at || redis_connect(ev) < 0))
		return -1;
	rep = redisCommand(ev->redis, "%s %s %b", verb, ev->c.redis_key, l->text, l->len);
	if (!rep || rep->type == REDIS_REPLY_ERROR) {
		if (!ev->redis_warned)
			fprintf(stderr, "smtpscope: --events-redis: %s\n",
				rep ? rep->str : ev->redis->errstr);
		ev->redis_warned = 1;
		if (rep)
			freeReplyObject(rep);
		else {
			redisFree(ev->redis);
			ev->redis = NULL;
			ev->redis_retry_at = mono_now() + EVENTS_REDIS_RETRY_S;
		}
		return -1;
	}
	freeReplyObject(rep);
	return 0;
}

/* RFC 5424 section 6: <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG */
static int syslog_send(struct events *ev, const struct line *l)
{
	char head[512], ts[TIMEFMT_ISO_LEN];
	struct iovec iov[2];
	struct msghdr mh;
	int hn;

	if (ev->syslog_fd < 0) {
		syslog(l->prio, "%.*s", (int)l->len, l->text);
		return 0;
	}
	hn = snprintf(head, sizeof head, "<%d>1 %s %s smtpscope %ld %s - ", ev->c.syslog_facility | l->prio,
		      timefmt_now_iso8601(ts, sizeof ts), ev->sensor, (long)getpid(), l->type);
	if (hn < 0 || (size_t)hn >= sizeof head)
		return -1;
	iov[0].iov_base = head;
	iov[0].iov_len = (size_t)hn;
	iov[1].iov_base = l->text;
	iov[1].iov_len = l->len;
	memset(&mh, 0, sizeof mh);
	mh.msg_iov = iov;
	mh.msg_iovlen = 2;
	return sendmsg(ev->syslog_fd, &mh, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

static void deliver(struct events *ev, const struct line *l)
{
	int ok[3] = { -1, -1, -1 }, i;

	if (ev->c.file) {
		ok[OUT_FILE] = ev->file && fwrite(l->text, 1, l->len, ev->file) == l->len &&
			       fputc('\n', ev->file) != EOF ? 0 : 1;
		if (ev->file_is_stdout)
			fflush(ev->file);
	}
	if (ev->c.syslog || ev->c.syslog_socket)
		ok[OUT_SYSLOG] = syslog_send(ev, l) == 0 ? 0 : 1;
	if (ev->c.redis)
		ok[OUT_REDIS] = redis_send(ev, l) == 0 ? 0 : 1;
	pthread_mutex_lock(&ev->mu);
	for (i = 0; i < 3; i++) {
		if (ok[i] == 0)
			ev->k.written[i]++;
		else if (ok[i] == 1)
			ev->k.failed[i]++;
	}
	pthread_mutex_unlock(&ev->mu);
}

static void *events_main(void *arg)
{
	struct events *ev = arg;
	sig_atomic_t seen_hup = hup_count;
	struct line *l, *next;
	struct timespec dl;
	int closing;

	pthread_setname_np(pthread_self(), "events");
	for (;;) {
		pthread_mutex_lock(&ev->mu);
		while (!ev->head && !ev->closing && seen_hup == hup_count) {
			clock_gettime(CLOCK_REALTIME, &dl);
			dl.tv_nsec += EVENTS_WAKE_MS * 1000000L;
			if (dl.tv_nsec >= 1000000000L) {
				dl.tv_sec++;
				dl.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&ev->cv, &ev->mu, &dl);
		}
		l = ev->head;
		ev->head = ev->tail = NULL;
		ev->n = 0;
		closing = ev->closing;
		pthread_mutex_unlock(&ev->mu);
		if (seen_hup != hup_count) {
			seen_hup = hup_count;
			file_reopen(ev);
		}
		for (; l; l = next) {
			next = l->next;
			deliver(ev, l);
			free(l->text);
			free(l);
		}
		if (closing)
			break;
	}
	return NULL;
}

/* ---- opening and closing ------------------------------------------------------ */

static int parse_redis(struct events *ev, char *err, size_t errlen)
{
	const char *s = ev->c.redis, *colon = strrchr(s, ':');
	char *end;
	long port = 6379;
	size_t hl = colon ? (size_t)(colon - s) : strlen(s);

	if (colon) {
		errno = 0;
		port = strtol(colon + 1, &end, 10);
		if (errno || *end || port < 1 || port > 65535)
			hl = 0;
	}
	if (hl == 0 || hl >= sizeof ev->redis_host) {
		snprintf(err, errlen, "--events-redis wants HOST:PORT, not '%s'", s);
		return -1;
	}
	memcpy(ev->redis_host, s, hl);
	ev->redis_host[hl] = 0;
	ev->redis_port = (int)port;
	if (strcmp(ev->c.redis_mode, "list") && strcmp(ev->c.redis_mode, "lpush") &&
	    strcmp(ev->c.redis_mode, "channel")) {
		snprintf(err, errlen, "--events-redis-mode is list, lpush or channel, not '%s'", ev->c.redis_mode);
		return -1;
	}
	return 0;
}

static int syslog_socket_open(struct events *ev, char *err, size_t errlen)
{
	struct sockaddr_un sa;

	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (strlen(ev->c.syslog_socket) >= sizeof sa.sun_path) {
		snprintf(err, errlen, "--events-syslog-socket %s: path too long", ev->c.syslog_socket);
		return -1;
	}
	strcpy(sa.sun_path, ev->c.syslog_socket);
	if ((ev->syslog_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(ev->syslog_fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		snprintf(err, errlen, "--events-syslog-socket %s: %s", ev->c.syslog_socket, strerror(errno));
		return -1;
	}
	return 0;
}

struct events *events_open(const struct events_config *c, char *err, size_t errlen)
{
	struct events *ev;

	if (!events_config_any(c))
		return NULL;
	if (!(ev = calloc(1, sizeof *ev))) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ev->c = *c;
	ev->syslog_fd = -1;
	pthread_mutex_init(&ev->mu, NULL);
	pthread_cond_init(&ev->cv, NULL);
	if (!ev->c.redis_key)
		ev->c.redis_key = "smtpscope";
	if (!ev->c.redis_mode)
		ev->c.redis_mode = "list";
	if (!ev->c.syslog_facility)
		ev->c.syslog_facility = LOG_DAEMON;
	if (c->sensor)
		snprintf(ev->sensor, sizeof ev->sensor, "%s", c->sensor);
	else if (gethostname(ev->sensor, sizeof ev->sensor - 1) < 0 || !ev->sensor[0])
		snprintf(ev->sensor, sizeof ev->sensor, "smtpscope");
	if (ev->c.file && file_open(ev, err, errlen) < 0)
		goto fail;
	if (ev->c.syslog_socket && syslog_socket_open(ev, err, errlen) < 0)
		goto fail;
	if (ev->c.syslog && !ev->c.syslog_socket)
		openlog("smtpscope", LOG_PID | LOG_NDELAY, ev->c.syslog_facility);
	if (ev->c.redis) {
		if (parse_redis(ev, err, errlen) < 0)
			goto fail;
		redis_connect(ev);
	}
	if (pthread_create(&ev->thread, NULL, events_main, ev) != 0) {
		snprintf(err, errlen, "cannot start the events thread");
		goto fail;
	}
	ev->started = 1;
	return ev;
fail:
	events_close(ev);
	return NULL;
}

void events_close(struct events *ev)
{
	struct line *l, *next;

	if (!ev)
		return;
	if (ev->started) {
		pthread_mutex_lock(&ev->mu);
		ev->closing = 1;
		pthread_cond_signal(&ev->cv);
		pthread_mutex_unlock(&ev->mu);
		pthread_join(ev->thread, NULL);
	}
	for (l = ev->head; l; l = next) {
		next = l->next;
		free(l->text);
		free(l);
	}
	if (ev->file && !ev->file_is_stdout)
		fclose(ev->file);
	else if (ev->file)
		fflush(ev->file);
	if (ev->syslog_fd >= 0)
		close(ev->syslog_fd);
	if (ev->c.syslog && !ev->c.syslog_socket)
		closelog();
	if (ev->redis)
		redisFree(ev->redis);
	free(ev->seen);
	sqlite3_finalize(ev->row);
	pthread_cond_destroy(&ev->cv);
	pthread_mutex_destroy(&ev->mu);
	free(ev);
}

void events_get_counters(struct events *ev, struct events_counters *c)
{
	memset(c, 0, sizeof *c);
	if (!ev)
		return;
	pthread_mutex_lock(&ev->mu);
	*c = ev->k;
	pthread_mutex_unlock(&ev->mu);
}

/* ---- formatting (caller's thread) ------------------------------------------- */

/* Takes text (malloc'd, owned) into the queue, or frees it and counts a drop. */
static void enqueue(struct events *ev, char *text, size_t len, int prio, const char *type)
{
	struct line *l = text ? malloc(sizeof *l) : NULL;

	pthread_mutex_lock(&ev->mu);
	if (!l || ev->n >= EVENTS_QUEUE_MAX) {
		ev->k.dropped++;
		pthread_mutex_unlock(&ev->mu);
		free(text);
		free(l);
		return;
	}
	l->next = NULL;
	l->text = text;
	l->len = len;
	l->prio = prio;
	snprintf(l->type, sizeof l->type, "%s", type);
	if (ev->tail)
		ev->tail->next = l;
	else
		ev->head = l;
	ev->tail = l;
	ev->n++;
	ev->k.queued++;
	pthread_cond_signal(&ev->cv);
	pthread_mutex_unlock(&ev->mu);
}

struct ebuf {
	FILE *f;
	char *p;
	size_t n;
	struct jw w;
};

static int eb_begin(struct events *ev, struct ebuf *b, const char *type, uint64_t ts_us)
{
	char ts[TIMEFMT_ISO_LEN];

	b->p = NULL;
	b->n = 0;
	if (!(b->f = open_memstream(&b->p, &b->n)))
		return -1;
	jw_init(&b->w, b->f);
	b->w.cap = SMTP_FIELD_MAX;
	jw_obj(&b->w);
	jw_key(&b->w, "timestamp");
	if (ts_us)
		jw_str(&b->w, timefmt_iso8601_us(ts_us, ts, sizeof ts));
	else
		jw_str(&b->w, timefmt_now_iso8601(ts, sizeof ts));
	jw_key(&b->w, "event_type");
	jw_str(&b->w, type);
	jw_key(&b->w, "sensor");
	jw_str(&b->w, ev->sensor);
	return 0;
}

static void eb_end(struct events *ev, struct ebuf *b, int prio, const char *type)
{
	jw_obj_end(&b->w);
	if (fclose(b->f) != 0) {
		free(b->p);
		b->p = NULL;
	}
	enqueue(ev, b->p, b->n, prio, type);
}

static void kv_str(struct jw *w, const char *k, const char *v)
{
	jw_key(w, k);
	jw_str(w, v);
}

static void kv_int(struct jw *w, const char *k, long long v)
{
	jw_key(w, k);
	jw_int(w, v);
}

static void kv_ts(struct jw *w, const char *k, uint64_t us)
{
	char ts[TIMEFMT_ISO_LEN];

	jw_key(w, k);
	if (us)
		jw_str(w, timefmt_iso8601_us(us, ts, sizeof ts));
	else
		jw_null(w);
}

static void kv_code(struct jw *w, const char *k, int code)
{
	jw_key(w, k);
	if (code)
		jw_int(w, code);
	else
		jw_null(w);
}

static const char *end_reason(enum smtp_end e)
{
	static const char *const names[] = { "fin", "rst", "timeout", "evicted", "capture" };

	return (unsigned)e < sizeof names / sizeof names[0] ? names[e] : NULL;
}

static void put_column(struct jw *w, sqlite3_stmt *q, int i, const char *name, int raw_evidence);

void events_use_db(struct events *ev, struct sqlite3 *db)
{
	if (ev)
		ev->db = db;
}

/* The stored row's columns, under their names (every column, also those
 * other parts of smtpscope add).  1 when written, 0 when the row could not
 * be read (the caller writes the record's fields instead). */
static int put_row(struct events *ev, struct jw *w, int64_t id)
{
	int i, n;

	if (!ev->db)
		return 0;
	if (!ev->row && sqlite3_prepare_v2(ev->db, "SELECT * FROM sessions WHERE id = ?1", -1, &ev->row, NULL) !=
			SQLITE_OK) {
		ev->db = NULL; /* not a smtpscope store: record fields from now on */
		return 0;
	}
	sqlite3_bind_int64(ev->row, 1, id);
	if (sqlite3_step(ev->row) != SQLITE_ROW) {
		sqlite3_reset(ev->row);
		return 0;
	}
	n = sqlite3_column_count(ev->row);
	for (i = 0; i < n; i++) {
		const char *name = sqlite3_column_name(ev->row, i);
		if (!strcmp(name, "id") || !strcmp(name, "capture_id"))
			continue;
		put_column(w, ev->row, i, name, 0);
	}
	sqlite3_reset(ev->row);
	return 1;
}

static void put_mail(struct jw *w, const struct smtp_mail *m)
{
	int i;

	jw_obj(w);
	kv_ts(w, "ts", m->ts);
	kv_str(w, "mail_from", m->mail_from);
	kv_str(w, "params", m->params);
	kv_code(w, "mail_code", m->mail_code);
	kv_int(w, "rcpt_count", m->rcpt_count);
	kv_int(w, "accepted", m->accepted);
	jw_key(w, "recipients");
	jw_arr(w);
	for (i = 0; i < m->n_rcpts; i++) {
		jw_obj(w);
		kv_str(w, "address", m->rcpts[i].address);
		kv_code(w, "code", m->rcpts[i].code);
		kv_str(w, "enhanced", m->rcpts[i].enhanced);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	kv_code(w, "data_code", m->data_code);
	kv_code(w, "final_code", m->final_code);
	kv_str(w, "final_enhanced", m->final_enhanced);
	kv_int(w, "completed", m->completed);
	kv_int(w, "size", (long long)m->size);
	kv_int(w, "bdat", m->bdat);
	kv_str(w, "subject", m->subject);
	kv_str(w, "message_id", m->message_id);
	kv_str(w, "hdr_from", m->hdr_from);
	kv_str(w, "hdr_to", m->hdr_to);
	kv_str(w, "content_type", m->content_type);
	kv_int(w, "is_dsn", m->is_dsn);
	if (m->n_dsn) {
		jw_key(w, "dsn_recipients");
		jw_arr(w);
		for (i = 0; i < m->n_dsn; i++) {
			jw_obj(w);
			kv_str(w, "final_recipient", m->dsn[i].final_recipient);
			kv_str(w, "action", m->dsn[i].action);
			kv_str(w, "status", m->dsn[i].status);
			kv_str(w, "reporting_mta", m->dsn[i].reporting_mta);
			kv_str(w, "diagnostic", m->dsn[i].diagnostic);
			jw_obj_end(w);
		}
		jw_arr_end(w);
	}
	jw_obj_end(w);
}

void events_session(struct events *ev, int64_t session_id, const struct session_meta *m,
		    const struct smtp_record *r)
{
	char cid[COMMUNITY_ID_LEN];
	unsigned counts[ANOM__COUNT];
	struct ebuf b;
	struct jw *w = &b.w;
	int i, offered = 0;

	if (!ev || eb_begin(ev, &b, "smtp_session", m->last_ts) < 0)
		return;
	jw_key(w, "community_id");
	if (community_id_v1_str(ev->c.community_id_seed, 6, m->client_ip, m->client_port, m->server_ip,
				m->server_port, cid, sizeof cid) == 0)
		jw_str(w, cid);
	else
		jw_null(w);
	kv_int(w, "session_id", session_id);
	kv_int(w, "capture_id", m->capture_id);
	kv_str(w, "proto", "TCP");
	if (put_row(ev, w, session_id))
		goto arrays;
	kv_str(w, "client_ip", m->client_ip);
	kv_int(w, "client_port", m->client_port);
	kv_str(w, "server_ip", m->server_ip);
	kv_int(w, "server_port", m->server_port);
	kv_int(w, "vlan", m->vlan);
	kv_ts(w, "first_ts", m->first_ts);
	kv_ts(w, "last_ts", m->last_ts);
	kv_str(w, "ndpi_protocol", m->ndpi_protocol);
	kv_int(w, "midstream", m->midstream);
	kv_code(w, "banner_code", r->banner_code);
	kv_str(w, "banner_text", r->banner_text);
	kv_str(w, "banner_host", r->banner_host);
	kv_str(w, "software", r->software);
	kv_str(w, "software_version", r->software_version);
	kv_str(w, "helo_verb", r->helo_verb);
	kv_str(w, "helo_arg", r->helo_arg);
	kv_code(w, "helo_code", r->helo_code);
	kv_str(w, "greeting_host", r->greeting_host);
	kv_str(w, "ehlo_first_line", r->ehlo_first_line);
	kv_str(w, "auth_advertised", r->auth_mechanisms);
	kv_str(w, "auth_mechanism", r->auth_mechanism);
	kv_code(w, "auth_code", r->auth_code);
	kv_int(w, "xexps_advertised", r->xexps_advertised);
	kv_str(w, "xexps_mechanisms", r->xexps_mechanisms);
	kv_int(w, "xexps_used", r->xexps_used);
	kv_int(w, "mails", r->mail_count);
	kv_str(w, "outcome", smtp_outcome_name(r->outcome));
	kv_str(w, "end_reason", end_reason(r->end));
	kv_int(w, "quit", r->quit);
	kv_int(w, "pipelined", r->pipelined);
	kv_int(w, "bdat", r->bdat);
	kv_int(w, "commands_total", (long long)r->cmds_total);
	kv_int(w, "replies_total", (long long)r->replies_total);
	kv_int(w, "bytes_c2s", (long long)r->bytes_c2s);
	kv_int(w, "bytes_s2c", (long long)r->bytes_s2c);
	kv_int(w, "gaps", (long long)r->gaps);
	kv_int(w, "gap_bytes", (long long)r->gap_bytes);
	kv_int(w, "anomalies", (long long)r->anomalies_total);
arrays:
	jw_key(w, "extensions");
	jw_arr(w);
	for (i = 0; i < r->n_ext; i++) {
		jw_obj(w);
		kv_str(w, "keyword", r->ext[i].keyword);
		kv_str(w, "params", r->ext[i].params);
		jw_obj_end(w);
		if (r->ext[i].keyword && !strcmp(r->ext[i].keyword, "STARTTLS"))
			offered = 1;
	}
	jw_arr_end(w);
	jw_key(w, "tls");
	jw_obj(w);
	kv_int(w, "offered", offered);
	kv_int(w, "starttls", r->starttls);
	kv_code(w, "starttls_code", r->starttls_code);
	jw_obj_end(w);
	jw_key(w, "mail");
	jw_arr(w);
	for (i = 0; i < r->n_mails; i++)
		put_mail(w, &r->mails[i]);
	jw_arr_end(w);
	jw_key(w, "anomaly_kinds");
	jw_obj(w);
	memset(counts, 0, sizeof counts);
	for (i = 0; i < r->n_anomalies; i++)
		if ((unsigned)r->anomalies[i].kind < ANOM__COUNT)
			counts[r->anomalies[i].kind]++;
	for (i = 0; i < ANOM__COUNT; i++)
		if (counts[i])
			kv_int(w, anomaly_name((enum anomaly_kind)i), counts[i]);
	jw_obj_end(w);
	eb_end(ev, &b, LOG_INFO, "smtp_session");
}

void events_stats(struct events *ev, const struct events_stats *s)
{
	struct ebuf b;
	struct jw *w = &b.w;

	if (!ev || eb_begin(ev, &b, "stats", 0) < 0)
		return;
	kv_str(w, "interface", s->interface);
	kv_int(w, "packets", (long long)s->packets);
	kv_int(w, "bytes", (long long)s->bytes);
	kv_int(w, "kernel_dropped", (long long)s->kernel_dropped);
	kv_int(w, "interface_dropped", (long long)s->if_dropped);
	kv_int(w, "sessions", (long long)s->sessions);
	kv_int(w, "queue_dropped_sessions", (long long)s->queue_dropped);
	jw_key(w, "pps");
	jw_num(w, s->pps);
	jw_key(w, "mbps");
	jw_num(w, s->mbps);
	jw_key(w, "interval_s");
	jw_num(w, s->interval_s);
	eb_end(ev, &b, LOG_INFO, "stats");
}

/* ---- findings ------------------------------------------------------------ */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ c[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t col_hash(uint64_t h, sqlite3_stmt *q, int i)
{
	const unsigned char *t = sqlite3_column_text(q, i);

	h = fnv(h, "\x1f", 1);
	return t ? fnv(h, t, (size_t)sqlite3_column_bytes(q, i)) : fnv(h, "\x00", 1);
}

static int is_key_col(const char *n)
{
	return !strcmp(n, "kind") || !strcmp(n, "server_ip") || !strcmp(n, "server_port") ||
	       !strcmp(n, "client_ip") || !strcmp(n, "name");
}

/* Columns that change on every analysis without the finding changing. */
static int is_volatile_col(const char *n)
{
	return !strcmp(n, "id") || !strcmp(n, "last_ts") || !strcmp(n, "analyzed") ||
	       !strcmp(n, "last_seen") || !strcmp(n, "is_new");
}

static int seen_put(struct finding_seen *t, size_t cap, uint64_t key, uint64_t digest, uint64_t *old)
{
	size_t i = (size_t)key & (cap - 1), k;

	for (k = 0; k < cap; k++, i = (i + 1) & (cap - 1)) {
		if (t[i].key == key) {
			*old = t[i].digest;
			t[i].digest = digest;
			return 1;
		}
		if (!t[i].key) {
			t[i].key = key;
			t[i].digest = digest;
			return 0;
		}
	}
	return -1;
}

static void put_column(struct jw *w, sqlite3_stmt *q, int i, const char *name, int raw_evidence)
{
	char ts[TIMEFMT_ISO_LEN];
	double v;

	jw_key(w, name);
	switch (sqlite3_column_type(q, i)) {
	case SQLITE_NULL: jw_null(w); break;
	case SQLITE_INTEGER: jw_int(w, sqlite3_column_int64(q, i)); break;
	case SQLITE_FLOAT:
		v = sqlite3_column_double(q, i);
		if (strstr(name, "_ts") || !strcmp(name, "ts"))
			jw_str(w, timefmt_iso8601_us((uint64_t)(v * 1e6 + 0.5), ts, sizeof ts));
		else
			jw_num(w, v);
		break;
	default:
		if (raw_evidence && !strcmp(name, "evidence"))
			jw_raw(w, (const char *)sqlite3_column_text(q, i)); /* analyze.c's own JSON */
		else
			jw_strn(w, (const char *)sqlite3_column_text(q, i), (size_t)sqlite3_column_bytes(q, i));
	}
}

int events_findings(struct events *ev, struct sqlite3 *db)
{
	struct finding_seen *now;
	sqlite3_stmt *q;
	size_t cap = 1024;
	int rc, i, ncol, nrows = 0;

	if (!ev)
		return 0;
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM findings", -1, &q, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(q) == SQLITE_ROW)
		nrows = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	while (cap < (size_t)nrows * 2 + 2 && cap < EVENTS_FINDINGS_MAX * 2)
		cap <<= 1;
	if (!(now = calloc(cap, sizeof *now)))
		return -1;
	if (sqlite3_prepare_v2(db, "SELECT * FROM findings ORDER BY kind, server_ip, server_port, name", -1, &q,
			       NULL) != SQLITE_OK) {
		free(now);
		return -1;
	}
	ncol = sqlite3_column_count(q);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		uint64_t key = 0xcbf29ce484222325ull, digest = 0xcbf29ce484222325ull, old = 0, dummy;
		const char *sev = NULL;
		int was = 0, prio = LOG_INFO;
		struct ebuf b;

		for (i = 0; i < ncol; i++) {
			const char *n = sqlite3_column_name(q, i);
			if (is_key_col(n))
				key = col_hash(key, q, i);
			else if (!is_volatile_col(n))
				digest = col_hash(digest, q, i);
			if (!strcmp(n, "severity"))
				sev = (const char *)sqlite3_column_text(q, i);
		}
		key |= 1; /* never the empty slot */
		if (seen_put(now, cap, key, digest, &dummy) < 0)
			break; /* more findings than EVENTS_FINDINGS_MAX: the rest next time */
		if (ev->seen)
			was = seen_put(ev->seen, ev->nseen_cap, key, digest, &old);
		if (was == 1 && old == digest)
			continue;
		if (sev && !strcmp(sev, "high"))
			prio = LOG_WARNING;
		else if (sev && !strcmp(sev, "medium"))
			prio = LOG_NOTICE;
		if (eb_begin(ev, &b, "finding", 0) < 0)
			continue;
		kv_str(&b.w, "change", was == 1 ? "changed" : "new");
		for (i = 0; i < ncol; i++)
			put_column(&b.w, q, i, sqlite3_column_name(q, i), 1);
		eb_end(ev, &b, prio, "finding");
	}
	sqlite3_finalize(q);
	free(ev->seen);
	ev->seen = now;
	ev->nseen_cap = cap;
	return 0;
}
