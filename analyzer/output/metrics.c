/* \summary: Prometheus text exposition (see metrics.h).  Format:
 * https://prometheus.io/docs/instrumenting/exposition_formats/ : HELP and
 * TYPE lines once per metric family, label values with \ " and newline
 * escaped, counters named *_total. */
#include "analyzer/output/metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct metrics {
	char *file;                   /* owned copy, or NULL */
	struct MHD_Daemon *httpd;     /* or NULL */
	pthread_mutex_t mu;
	char *body;                   /* owned: the last rendering, for HTTP */
	size_t body_len;
};

static void label_value(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f), fputc(*s, f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void sample(FILE *f, const char *name, const struct metrics_snapshot *s, const char *xk, const char *xv,
		   double v)
{
	fprintf(f, "%s{sensor=", name);
	label_value(f, s->sensor);
	fputs(",interface=", f);
	label_value(f, s->interface);
	if (xk) {
		fprintf(f, ",%s=", xk);
		label_value(f, xv);
	}
	fprintf(f, "} %.17g\n", v);
}

static void one(FILE *f, const char *name, const char *type, const char *help, const struct metrics_snapshot *s,
		double v)
{
	family(f, name, type, help);
	sample(f, name, s, NULL, NULL, v);
}

void metrics_render(FILE *f, const struct metrics_snapshot *s)
{
	int i;

	one(f, "smtpscope_up", "gauge", "1 while the capture runs, 0 once it has ended.", s, s->running);
	one(f, "smtpscope_start_time_seconds", "gauge", "Unix time the capture started.", s, s->start_time);
	one(f, "smtpscope_packets_total", "counter", "Frames read from the capture.", s, (double)s->packets);
	one(f, "smtpscope_bytes_total", "counter", "Captured bytes read.", s, (double)s->bytes);
	family(f, "smtpscope_dropped_packets_total", "counter",
	       "Packets lost before smtpscope saw them (pcap_stats ps_drop: buffer full; ps_ifdrop: interface).");
	sample(f, "smtpscope_dropped_packets_total", s, "where", "kernel", (double)s->kernel_dropped);
	sample(f, "smtpscope_dropped_packets_total", s, "where", "interface", (double)s->if_dropped);
	one(f, "smtpscope_sessions_stored_total", "counter", "SMTP sessions written to the database.", s,
	    (double)s->sessions_stored);
	one(f, "smtpscope_sessions_lost_total", "counter",
	    "SMTP sessions lost because the writer queue stayed full.", s, (double)s->sessions_lost_queue);
	one(f, "smtpscope_queue_depth", "gauge", "Ended sessions waiting for the database writer.", s,
	    (double)s->queue_depth);
	one(f, "smtpscope_flows_tracked", "gauge", "TCP flows in the flow tables now.", s, (double)s->flows_tracked);
	family(f, "smtpscope_anomalies_total", "counter", "Anomalies recorded in stored SMTP sessions, by kind.");
	for (i = 0; i < ANOM__COUNT; i++)
		sample(f, "smtpscope_anomalies_total", s, "kind", anomaly_name((enum anomaly_kind)i),
		       (double)s->anomalies[i]);
	family(f, "smtpscope_findings", "gauge", "Findings in the database after the last analysis, by severity.");
	sample(f, "smtpscope_findings", s, "severity", "high", (double)s->findings_high);
	sample(f, "smtpscope_findings", s, "severity", "medium", (double)s->findings_medium);
	sample(f, "smtpscope_findings", s, "severity", "low", (double)s->findings_low);
	sample(f, "smtpscope_findings", s, "severity", "info", (double)s->findings_info);
	if (s->analysis_seconds >= 0)
		one(f, "smtpscope_last_analysis_duration_seconds", "gauge", "How long the last analysis took.", s,
		    s->analysis_seconds);
	one(f, "smtpscope_events_total", "counter", "Events accepted for the event outputs.", s,
	    (double)s->events_queued);
	one(f, "smtpscope_events_dropped_total", "counter", "Events lost because the event queue was full.", s,
	    (double)s->events_dropped);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_size, void **state)
{
	struct metrics *m = cls;
	struct MHD_Response *r;
	enum MHD_Result ret;
	unsigned status = MHD_HTTP_OK;
	char *copy;
	size_t n;

	(void)version;
	(void)upload;
	(void)upload_size;
	(void)state;
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		static const char msg[] = "only GET\n";
		r = MHD_create_response_from_buffer(sizeof msg - 1, (void *)msg, MHD_RESPMEM_PERSISTENT);
		status = MHD_HTTP_METHOD_NOT_ALLOWED;
	} else if (strcmp(url, "/metrics")) {
		static const char msg[] = "see /metrics\n";
		r = MHD_create_response_from_buffer(sizeof msg - 1, (void *)msg, MHD_RESPMEM_PERSISTENT);
		status = MHD_HTTP_NOT_FOUND;
	} else {
		pthread_mutex_lock(&m->mu);
		n = m->body_len;
		copy = malloc(n ? n : 1);
		if (copy && n)
			memcpy(copy, m->body, n);
		pthread_mutex_unlock(&m->mu);
		if (!copy)
			return MHD_NO;
		r = MHD_create_response_from_buffer(n, copy, MHD_RESPMEM_MUST_FREE);
	}
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static int start_http(struct metrics *m, const char *listen, char *err, size_t errlen)
{
	struct sockaddr_in sa;
	const char *colon = strrchr(listen, ':');
	char host[64] = "0.0.0.0", *end;
	long port;

	errno = 0;
	port = strtol(colon ? colon + 1 : listen, &end, 10);
	if (errno || *end || port < 1 || port > 65535 || (colon && (size_t)(colon - listen) >= sizeof host)) {
		snprintf(err, errlen, "--metrics-listen wants [ADDR:]PORT (IPv4), not '%s'", listen);
		return -1;
	}
	if (colon) {
		memcpy(host, listen, (size_t)(colon - listen));
		host[colon - listen] = 0;
	}
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		snprintf(err, errlen, "--metrics-listen: '%s' is not an IPv4 address", host);
		return -1;
	}
	m->httpd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, (uint16_t)port, NULL, NULL,
				    on_request, m, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				    MHD_OPTION_CONNECTION_LIMIT, 16u, MHD_OPTION_CONNECTION_TIMEOUT, 10u,
				    MHD_OPTION_END);
	if (!m->httpd) {
		snprintf(err, errlen, "--metrics-listen %s: cannot listen (port in use or not allowed)", listen);
		return -1;
	}
	return 0;
}

struct metrics *metrics_open(const char *file, const char *listen, char *err, size_t errlen)
{
	struct metrics *m;

	err[0] = 0;
	if (!file && !listen)
		return NULL;
	if (!(m = calloc(1, sizeof *m))) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&m->mu, NULL);
	if (file && !(m->file = strdup(file))) {
		snprintf(err, errlen, "out of memory");
		metrics_close(m);
		return NULL;
	}
	if (listen && start_http(m, listen, err, errlen) < 0) {
		metrics_close(m);
		return NULL;
	}
	return m;
}

/* PATH.tmp.PID beside PATH, then rename: node_exporter never reads half a file. */
static int write_file(const char *path, const char *body, size_t n, char *err, size_t errlen)
{
	char tmp[4096];
	int fd;
	ssize_t w;

	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= sizeof tmp) {
		snprintf(err, errlen, "--metrics-file: path too long");
		return -1;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		snprintf(err, errlen, "--metrics-file %s: %s", tmp, strerror(errno));
		return -1;
	}
	w = n ? write(fd, body, n) : 0;
	if (w < 0 || (size_t)w != n || close(fd) < 0) {
		snprintf(err, errlen, "--metrics-file %s: %s", tmp, w < 0 ? strerror(errno) : "short write");
		if (w >= 0)
			close(fd);
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) < 0) {
		snprintf(err, errlen, "--metrics-file %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

int metrics_publish(struct metrics *m, const struct metrics_snapshot *s, char *err, size_t errlen)
{
	char *body = NULL;
	size_t n = 0;
	FILE *f;
	int rc = 0;

	if (!m)
		return 0;
	if (!(f = open_memstream(&body, &n)))
		return -1;
	metrics_render(f, s);
	if (fclose(f) != 0) {
		free(body);
		return -1;
	}
	if (m->file && write_file(m->file, body, n, err, errlen) < 0)
		rc = -1;
	pthread_mutex_lock(&m->mu);
	free(m->body);
	m->body = body;
	m->body_len = n;
	pthread_mutex_unlock(&m->mu);
	return rc;
}

void metrics_close(struct metrics *m)
{
	if (!m)
		return;
	if (m->httpd)
		MHD_stop_daemon(m->httpd);
	free(m->file);
	free(m->body);
	pthread_mutex_destroy(&m->mu);
	free(m);
}
