/* \summary: `smtpscope live`: capture SMTP from an interface (a mirror port)
 * into the database, with statistics, privilege drop and worker threads.
 *
 * Start-up order matters: the capture handles are opened and their filter
 * set, the database opened (and given to the -Z user), the --write-pcap
 * directory made, and only then does the process drop root.  Threads: N
 * capture workers (live_worker.c, one pcap handle and one pipeline each,
 * one PACKET_FANOUT group) and this thread, which owns SQLite: it stores
 * the sessions the workers queue, writes statistics every --stats-interval,
 * refreshes the findings every LIVE_ANALYZE_S, and handles SIGINT/SIGTERM
 * and --duration.  At the stop the workers write their open sessions as
 * truncated (SMTP_END_CAPTURE), the capture row is marked finished, and a
 * last line says how many packets were dropped. */
#include "analyzer/capture/live.h"
#include "analyzer/capture/live_dump.h"
#include "analyzer/capture/live_priv.h"
#include "analyzer/capture/live_worker.h"
#include "analyzer/capture/tap.h"
#include "analyzer/base/limits.h"
#include "analyzer/base/cliopt.h"
#include "analyzer/base/timefmt.h"
#include "analyzer/output/outputs.h"
#include "analyzer/store/backlog.h"
#include "analyzer/store/prune.h"
#include "analyzer/store/store.h"
#include "reports/analyze.h"

#include <sqlite3.h>

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/if_packet.h>
#endif

#define EXIT_USAGE       2
#define LIVE_DEFAULT_DB  "smtpscope.db"
#define LIVE_ANALYZE_S   60        /* findings refreshed this often (default) */
#define LIVE_TAKE_MS     200       /* writer wakes at least this often */
#define LIVE_BUFFER_MAX  2097151   /* KiB; pcap_set_buffer_size takes an int of bytes */
#define LIVE_BUFFER_MIN  256       /* KiB: less leaves no room for one TPACKET_V3 block */

struct live_opts {
	const char *iface, *filter, *user, *db, *pcap_dir;
	int snaplen, buffer_kib, promisc, workers, quiet;
	const char *wfile;          /* -w FILE: every frame captured, raw pcap */
	uint64_t count;             /* -c COUNT: stop after this many frames (0: no limit) */
	double duration, stats_interval, analyze_interval;
	uint64_t pcap_max_mib;
	struct flow_config flows;
	struct outputs_config out;  /* --events*, --metrics-* */
	double retain, retain_interval;  /* --retain AGE (0: keep all), --retain-interval */
};

static volatile int live_stop;          /* set by signals, --duration or a failure */
static volatile sig_atomic_t live_signal;
static pcap_t *live_handles[LIVE_WORKERS_MAX];
static int live_nhandles;

static void on_signal(int sig)
{
	int i, saved = errno;

	live_signal = sig;
	__atomic_store_n(&live_stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < live_nhandles; i++)
		if (live_handles[i])
			pcap_breakloop(live_handles[i]);
	errno = saved;
}

/* SIGHUP (logrotate, a closed terminal) reopens the event file and goes on. */
static void on_hup(int sig)
{
	(void)sig;
	events_hup();
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
}

static void stop_all(void)
{
	int i;

	__atomic_store_n(&live_stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < live_nhandles; i++)
		pcap_breakloop(live_handles[i]);
}

static double mono_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static double wall_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static int usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "smtpscope live: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'smtpscope live --help'.\n");
	return EXIT_USAGE;
}

static void help(FILE *f)
{
	fprintf(f,
		"usage: smtpscope live -i IFACE [OPTIONS]\n"
		"       smtpscope live --list-interfaces\n"
		"\n"
		"Captures from an interface (a mirror/SPAN port, or 'any'), finds every SMTP\n"
		"session on any port, stores each as it ends, and refreshes the findings every\n"
		"--analyze-interval, so 'smtpscope report' from another shell shows current\n"
		"results.\n"
		"Stops on SIGINT/SIGTERM or after --duration: open sessions are written as\n"
		"truncated and the capture is marked finished.\n"
		"\n"
		"  -i, --interface IFACE     interface to capture on ('any' = all)\n"
		"  -f, --filter BPF          capture filter (default: none, SMTP is found on any\n"
		"                            port); a filter libpcap rejects is a usage error (exit 2)\n"
		"  -s, --snaplen BYTES       bytes kept per frame (default and 0: 262144 = whole frames)\n"
		"  -B, --buffer-size KiB     kernel capture buffer per worker, in KiB as tcpdump\n"
		"                            (default 65536 = 64 MiB)\n"
		"  -c, --count N             stop after N frames (as tcpdump -c)\n"
		"  -w, --write FILE          also write every frame captured to FILE, raw pcap\n"
		"                            ('-' = standard output), as tcpdump -w\n"
		"      --no-promisc          do not put the interface in promiscuous mode\n"
		"  -Z, --user USER           drop root to USER once the interface and the database\n"
		"                            are open (default when started as root: nobody;\n"
		"                            '-Z root' keeps root)\n"
		"      --workers N           capture threads (default 1, at most %d), one\n"
		"                            PACKET_FANOUT group: each flow stays on one thread\n"
		"      --duration TIME       stop by itself after this long (90s, 1m, 2h; a bare\n"
		"                            number is seconds)\n"
		"      --stats-interval TIME statistics period (default 10s)\n"
		"      --analyze-interval TIME  findings refresh period (default %ds)\n"
		"      --db PATH             database (default ./" LIVE_DEFAULT_DB ")\n"
		"      --write-pcap DIR      also write the packets of SMTP flows to rolling pcap\n"
		"                            files in DIR (ports 25/465/587/2525 and every port\n"
		"                            a session was seen on)\n"
		"      --write-pcap-max MiB  total size of those files, oldest deleted (default 1024)\n"
		"      --max-flows N         flows tracked at once per worker (default %u)\n"
		"      --timeout-established S  idle timeout of established flows (default %llu)\n"
		"      --timeout-half S      idle timeout of half-open/closed flows (default %llu)\n"
		"      --list-interfaces     list the interfaces that can be captured and exit\n"
		"      --retain AGE          delete sessions older than AGE (30d, 12h; a bare\n"
		"                            number is days) at the start and every\n"
		"                            --retain-interval (default 1h), in small batches\n"
		"                            beside the capture (see smtpscope prune)\n"
		"  -q, --quiet               no statistics lines (drops are still reported)\n"
		"  -h, --help                this help\n"
		"\n",
		LIVE_WORKERS_MAX, LIVE_ANALYZE_S, FLOW_TABLE_DEFAULT,
		(unsigned long long)(FLOW_TIMEOUT_EST_US / 1000000),
		(unsigned long long)(FLOW_TIMEOUT_HALF_US / 1000000));
	outputs_help(f, 1);
	fprintf(f,
		"\n"
		"Every --stats-interval: packets, bytes, packets/s, Mbit/s, SMTP sessions, and\n"
		"packets dropped by the kernel (buffer full) and by the interface, printed on\n"
		"stderr and stored in the capture_stats table.\n"
		"Exit status: 0 stopped normally, 1 runtime error (interface, permissions,\n"
		"database), 2 usage error (bad option or bad filter).\n"
		"SIGHUP reopens the --events file (logrotate) and the capture goes on.\n");
}

static int parse_num(const char *s, double lo, double hi, double *v)
{
	char *end;

	errno = 0;
	if (!s || !*s)
		return -1;
	*v = strtod(s, &end);
	if (errno || *end || !(*v >= lo && *v <= hi))
		return -1;
	return 0;
}

/* ---- --list-interfaces -------------------------------------------------- */

static int list_interfaces(void)
{
	char err[PCAP_ERRBUF_SIZE], addr[64];
	pcap_if_t *all = NULL, *d;
	pcap_addr_t *a;

	if (pcap_findalldevs(&all, err) < 0) {
		fprintf(stderr, "smtpscope live: cannot list interfaces: %s\n", err);
		return 1;
	}
	if (!all)
		printf("(no interface can be captured; capturing needs root or CAP_NET_RAW)\n");
	for (d = all; d; d = d->next) {
		printf("%s", d->name);
		printf("\t%s%s%s%s", d->flags & PCAP_IF_UP ? "up" : "down",
		       d->flags & PCAP_IF_RUNNING ? ",running" : "",
		       d->flags & PCAP_IF_LOOPBACK ? ",loopback" : "",
		       d->flags & PCAP_IF_WIRELESS ? ",wireless" : "");
		for (a = d->addresses; a; a = a->next) {
			const void *src = NULL;
			int af = a->addr ? a->addr->sa_family : -1;
			if (af == AF_INET)
				src = &((const struct sockaddr_in *)(const void *)a->addr)->sin_addr;
			else if (af == AF_INET6)
				src = &((const struct sockaddr_in6 *)(const void *)a->addr)->sin6_addr;
			if (src && inet_ntop(af, src, addr, sizeof addr))
				printf(" %s", addr);
		}
		if (d->description)
			printf("\t(%s)", d->description);
		printf("\n");
	}
	pcap_freealldevs(all);
	return 0;
}

/* ---- opening the capture -------------------------------------------------- */

/* Opens, activates and filters one handle; joins the fanout group when
 * fanout_id >= 0.  Warnings are printed for the first handle only.  NULL with err set and *rc the exit code. */
static pcap_t *open_handle(const struct live_opts *o, int first, int fanout_id, char *err, size_t errlen,
			   int *rc)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	struct bpf_program bpf;
	pcap_t *p;
	int a, dlt;

	*rc = 1;
	if (!(p = pcap_create(o->iface, perr))) {
		snprintf(err, errlen, "%s: %s", o->iface, perr);
		return NULL;
	}
	pcap_set_snaplen(p, o->snaplen);
	pcap_set_promisc(p, o->promisc);
	pcap_set_timeout(p, 100);  /* ms: the TPACKET_V3 block retire timeout */
	pcap_set_buffer_size(p, o->buffer_kib << 10);
	pcap_set_immediate_mode(p, 0); /* immediate mode would force TPACKET_V2 */
	/* Nanoseconds where the platform has them; else microseconds. */
	(void)pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);
	a = pcap_activate(p);
	if (a < 0) {
		const char *why = pcap_geterr(p);
		switch (a) {
		case PCAP_ERROR_NO_SUCH_DEVICE:
			snprintf(err, errlen, "%s: no such interface (%s); see 'smtpscope live --list-interfaces'",
				 o->iface, why);
			break;
		case PCAP_ERROR_PERM_DENIED:
			snprintf(err, errlen, "%s: permission denied (%s): capturing needs root or CAP_NET_RAW",
				 o->iface, why);
			break;
		case PCAP_ERROR_IFACE_NOT_UP:
			snprintf(err, errlen, "%s: the interface is down", o->iface);
			break;
		default:
			snprintf(err, errlen, "%s: cannot capture: %s (%s)", o->iface, pcap_statustostr(a), why);
		}
		pcap_close(p);
		return NULL;
	}
	if (a > 0 && !o->quiet && first)
		fprintf(stderr, "smtpscope live: %s: warning: %s (%s)\n", o->iface, pcap_statustostr(a),
			pcap_geterr(p));
	dlt = pcap_datalink(p);
	if (!decode_linktype_supported(dlt)) {
		const char *name = pcap_datalink_val_to_name(dlt);
		snprintf(err, errlen, "%s: link type %d (%s) is not supported (supported: EN10MB, LINUX_SLL, "
			 "LINUX_SLL2, RAW, IPV4, IPV6, NULL, LOOP)", o->iface, dlt, name ? name : "unknown");
		pcap_close(p);
		return NULL;
	}
	if (o->filter) {
		if (pcap_compile(p, &bpf, o->filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
			snprintf(err, errlen, "bad filter '%s': %s", o->filter, pcap_geterr(p));
			*rc = EXIT_USAGE;
			pcap_close(p);
			return NULL;
		}
		if (pcap_setfilter(p, &bpf) < 0) {
			snprintf(err, errlen, "%s: cannot set filter '%s': %s", o->iface, o->filter, pcap_geterr(p));
			pcap_freecode(&bpf);
			pcap_close(p);
			return NULL;
		}
		pcap_freecode(&bpf);
	}
	if (fanout_id >= 0) {
#if defined(__linux__) && defined(PACKET_FANOUT)
		/* group id in the low 16 bits, mode and flags in the high ones */
		uint32_t v = ((uint32_t)fanout_id & 0xffffu) |
			     ((uint32_t)(PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG) << 16);
		if (setsockopt(pcap_fileno(p), SOL_PACKET, PACKET_FANOUT, &v, sizeof v) < 0) {
			snprintf(err, errlen, "%s: cannot join PACKET_FANOUT group %d: %s", o->iface, fanout_id,
				 strerror(errno));
			pcap_close(p);
			return NULL;
		}
#else
		snprintf(err, errlen, "--workers > 1 needs Linux PACKET_FANOUT");
		pcap_close(p);
		return NULL;
#endif
	}
	return p;
}

/* ---- statistics ------------------------------------------------------------ */

struct live_run {
	const struct live_opts *o;
	struct store *st;
	int64_t capture_id;
	struct live_worker *w;
	int nw;
	struct session_queue q;
	struct live_dump *dump;
	uint64_t sessions;            /* stored */
	int store_failed;
	char store_err[512];
	struct store_backlog bl;      /* sessions waiting for a locked database */
	double last_busy_note;
	double t0, last_stats_t;
	uint64_t last_packets, last_bytes;
	struct outputs out;           /* events and metrics */
	struct prune_thread *prune;   /* --retain, or NULL */
	struct capture_tap *tap;      /* -c / -w, or NULL */
	int out_events;               /* an event output was open */
};

/* Sums what the workers published.  ps_drop is per socket, so it adds up;
 * ps_ifdrop is the interface's counter, the same for every handle on it,
 * so the largest is taken rather than counting it N times. */
static void collect(struct live_run *r, struct capture_totals *t)
{
	struct live_pub p;
	int i;

	memset(t, 0, sizeof *t);
	for (i = 0; i < r->nw; i++) {
		live_worker_read(&r->w[i], &p);
		t->packets += p.packets;
		t->bytes += p.bytes;
		t->dropped += p.ps_drop;
		if (p.ps_ifdrop > t->if_dropped)
			t->if_dropped = p.ps_ifdrop;
		if (p.first_ts && (!t->first_ts || p.first_ts < t->first_ts))
			t->first_ts = p.first_ts;
		if (p.last_ts > t->last_ts)
			t->last_ts = p.last_ts;
	}
	t->smtp_sessions = r->sessions;
}

static uint64_t queue_dropped(struct live_run *r)
{
	uint64_t d;

	pthread_mutex_lock(&r->q.mu);
	d = r->q.dropped;
	pthread_mutex_unlock(&r->q.mu);
	return d;
}

static void stats_tick(struct live_run *r, double now)
{
	struct capture_totals t;
	double el = now - r->last_stats_t, pps, mbps;
	uint64_t qd, flows = 0;
	struct outputs_tick ot;
	char iso[TIMEFMT_ISO_LEN];
	int i;

	collect(r, &t);
	if (el <= 0)
		el = 1e-9;
	pps = (double)(t.packets - r->last_packets) / el;
	mbps = (double)(t.bytes - r->last_bytes) * 8 / 1e6 / el;
	r->last_packets = t.packets;
	r->last_bytes = t.bytes;
	r->last_stats_t = now;
	if ((store_capture_stats(r->st, r->capture_id, wall_s(), &t, pps, mbps) < 0 ||
	     store_capture_update(r->st, r->capture_id, &t) < 0 || store_commit(r->st) < 0) &&
	    !store_last_busy(r->st)) { /* locked: the next tick writes them */
		if (!r->store_failed)
			snprintf(r->store_err, sizeof r->store_err, "%s", store_error(r->st));
		r->store_failed = 1;
	}
	live_dump_flush(r->dump);
	capture_tap_flush(r->tap);
	qd = queue_dropped(r);
	for (i = 0; i < r->nw; i++)
		if (r->w[i].pl_ok)
			flows += __atomic_load_n(&flow_get_stats(r->w[i].pl.flows)->active, __ATOMIC_RELAXED);
	memset(&ot, 0, sizeof ot);
	ot.t = &t;
	ot.sessions_lost = qd;
	pthread_mutex_lock(&r->q.mu);
	ot.queue_depth = r->q.n;
	pthread_mutex_unlock(&r->q.mu);
	ot.flows_tracked = flows;
	ot.pps = pps;
	ot.mbps = mbps;
	ot.interval_s = el;
	ot.running = !__atomic_load_n(&live_stop, __ATOMIC_RELAXED);
	ot.stats_event = 1;
	outputs_tick(&r->out, &ot);
	if (r->o->quiet)
		return;
	fprintf(stderr, "%s smtpscope live: %s: %" PRIu64 " packets, %.1f MB (%.0f packets/s, %.2f Mbit/s), "
		"%" PRIu64 " SMTP sessions; dropped %" PRIu64 " by the kernel, %" PRIu64 " by the interface%s",
		timefmt_now_iso8601(iso, sizeof iso), r->o->iface, t.packets, (double)t.bytes / 1e6, pps, mbps, t.smtp_sessions, t.dropped,
		t.if_dropped, qd ? "" : "\n");
	if (qd)
		fprintf(stderr, ", %" PRIu64 " sessions lost (writer too slow)\n", qd);
}

static void run_analyze(struct live_run *r)
{
	char err[512];
	double t0 = mono_s();

	if (store_commit(r->st) < 0)
		return;
	if (analyze_run(store_db(r->st), err, sizeof err) < 0)
		fprintf(stderr, "smtpscope live: refreshing the findings failed: %s\n", err);
	else
		outputs_analyzed(&r->out, store_db(r->st), mono_s() - t0);
}

static void session_stored(void *ctx, int64_t id, const struct session_meta *m, const struct smtp_record *rec)
{
	outputs_session(ctx, id, m, rec);
}

/* Stores what the workers queued, after what waits for a locked database
 * (backlog.h); a persistent failure stops the sensor. */
static void drain(struct live_run *r, struct session_item *it)
{
	uint64_t lost = 0;
	int rc;

	if (r->store_failed) {
		store_backlog_drain(r->st, &r->bl, NULL, r->capture_id, mono_s(), &r->sessions, &lost);
		for (struct session_item *next; it; it = next) {
			next = it->next;
			smtp_free(it->s);
			free(it);
		}
		return;
	}
	rc = store_backlog_drain(r->st, &r->bl, it, r->capture_id, mono_s(), &r->sessions, &lost);
	if (rc < 0) {
		snprintf(r->store_err, sizeof r->store_err, "%s", store_error(r->st));
		r->store_failed = 1;
	} else if (rc == 1 && !r->o->quiet && mono_s() - r->last_busy_note >= 10) {
		uint64_t waiting;
		r->last_busy_note = mono_s();
		pthread_mutex_lock(&r->q.mu);
		waiting = r->bl.n + r->q.n;
		pthread_mutex_unlock(&r->q.mu);
		fprintf(stderr, "smtpscope live: the database is locked by another process; %" PRIu64
			" session%s wait (retrying every %.1f s at most)\n", waiting, waiting == 1 ? "" : "s",
			STORE_RETRY_MAX_MS / 1000.0);
	}
}

/* Sums the workers' pipeline counters by name. */
struct counter_sum {
	const char *name[96];
	uint64_t v[96];
	int n;
};

static void sum_counter(void *ctx, const char *name, uint64_t v)
{
	struct counter_sum *c = ctx;
	int i;

	for (i = 0; i < c->n; i++)
		if (!strcmp(c->name[i], name)) {
			c->v[i] += v;
			return;
		}
	if (c->n < (int)(sizeof c->name / sizeof c->name[0])) {
		c->name[c->n] = name;
		c->v[c->n++] = v;
	}
}

/* ---- the command ------------------------------------------------------------ */

static int parse_opts(int argc, char **argv, struct live_opts *o, int *list)
{
	static const struct option opts[] = {
		{ "interface", required_argument, 0, 'i' },
		{ "filter", required_argument, 0, 'f' },
		{ "snaplen", required_argument, 0, 's' },
		{ "buffer-size", required_argument, 0, 'B' },
		{ "no-promisc", no_argument, 0, 'P' },
		{ "user", required_argument, 0, 'Z' },
		{ "workers", required_argument, 0, 'W' },
		{ "duration", required_argument, 0, 'D' },
		{ "stats-interval", required_argument, 0, 'S' },
		{ "analyze-interval", required_argument, 0, 'A' },
		{ "db", required_argument, 0, 'd' },
		{ "write-pcap", required_argument, 0, 0x1202 },
		{ "write", required_argument, 0, 'w' },
		{ "count", required_argument, 0, 'c' },
		{ "write-pcap-max", required_argument, 0, 'm' },
		{ "max-flows", required_argument, 0, 'M' },
		{ "timeout-established", required_argument, 0, 'E' },
		{ "timeout-half", required_argument, 0, 'H' },
		{ "list-interfaces", no_argument, 0, 'L' },
		{ "quiet", no_argument, 0, 'q' },
		{ "help", no_argument, 0, 'h' },
		{ "retain", required_argument, 0, 0x1200 },
		{ "retain-interval", required_argument, 0, 0x1201 },
		OUTPUTS_LONG_OPTIONS,
		{ 0, 0, 0, 0 }
	};
	char oerr[256];
	double v;
	int c, k;

	while ((c = getopt_long(argc, argv, ":i:f:s:B:Z:d:c:w:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'i': o->iface = optarg; break;
		case 'f': o->filter = optarg; break;
		case 'Z': o->user = optarg; break;
		case 'd': o->db = optarg; break;
		case 0x1202: o->pcap_dir = optarg; break;
		case 'P': o->promisc = 0; break;
		case 'q': o->quiet = 1; break;
		case 'L': *list = 1; break;
		case 's': /* tcpdump: -s 0 is the whole frame */
			if (parse_num(optarg, 0, CAPTURE_SNAPLEN_MAX, &v) < 0 || v != (int)v || (v > 0 && v < 64))
				return usage("-s wants 0 (whole frames) or a snap length of 64 to %d bytes, not '%s'",
					     CAPTURE_SNAPLEN_MAX, optarg);
			o->snaplen = v == 0 ? CAPTURE_SNAPLEN_MAX : (int)v;
			break;
		case 'B': /* tcpdump: KiB */
			if (parse_num(optarg, LIVE_BUFFER_MIN, LIVE_BUFFER_MAX, &v) < 0 || v != (int)v)
				return usage("-B wants a buffer size in KiB, as tcpdump (%d to %d; 65536 = 64 MiB), not '%s'",
					     LIVE_BUFFER_MIN, LIVE_BUFFER_MAX, optarg);
			o->buffer_kib = (int)v;
			break;
		case 'c':
			if (parse_num(optarg, 1, 1e15, &v) < 0 || v != (uint64_t)v)
				return usage("-c wants a packet count (a positive whole number), not '%s'", optarg);
			o->count = (uint64_t)v;
			break;
		case 'w': o->wfile = optarg; break;
		case 'W':
			if (parse_num(optarg, 1, LIVE_WORKERS_MAX, &v) < 0 || v != (int)v)
				return usage("--workers wants 1 to %d, not '%s'", LIVE_WORKERS_MAX, optarg);
			o->workers = (int)v;
			break;
		case 'D':
			if (timefmt_parse_duration(optarg, 1, &v) < 0 || v < 0.001 || v > 86400.0 * 366)
				return usage("--duration wants a duration such as 90s, 1m, 2h or seconds, not '%s'", optarg);
			o->duration = v;
			break;
		case 'S':
			if (timefmt_parse_duration(optarg, 1, &v) < 0 || v < 0.1 || v > 86400)
				return usage("--stats-interval wants 100ms to 1d (10s, 1m, or seconds), not '%s'", optarg);
			o->stats_interval = v;
			break;
		case 'A':
			if (timefmt_parse_duration(optarg, 1, &v) < 0 || v < 1 || v > 86400)
				return usage("--analyze-interval wants 1s to 1d (30s, 5m, or seconds), not '%s'", optarg);
			o->analyze_interval = v;
			break;
		case 'm':
			if (parse_num(optarg, 1, 1 << 30, &v) < 0 || v != (uint64_t)v)
				return usage("--write-pcap-max wants MiB (a positive whole number), not '%s'", optarg);
			o->pcap_max_mib = (uint64_t)v;
			break;
		case 'M':
			if (parse_num(optarg, 1, UINT32_MAX, &v) < 0 || v != (uint32_t)v)
				return usage("--max-flows wants a positive number, not '%s'", optarg);
			o->flows.max_flows = (uint32_t)v;
			break;
		case 'E':
		case 'H':
			if (parse_num(optarg, 1, 86400 * 30, &v) < 0 || v != (uint64_t)v)
				return usage("a timeout wants seconds (1 to 2592000), not '%s'", optarg);
			if (c == 'E')
				o->flows.timeout_est_us = (uint64_t)v * 1000000;
			else
				o->flows.timeout_half_us = (uint64_t)v * 1000000;
			break;
		case 'h': help(stdout); return -1;
		case 0x1200:
		case 0x1201:
			if (timefmt_parse_duration(optarg, c == 0x1200 ? 86400 : 1, &v) < 0 || v < 1)
				return usage("%s wants a duration such as 30d, 12h or 90s, not '%s'",
					     c == 0x1200 ? "--retain" : "--retain-interval", optarg);
			if (c == 0x1200)
				o->retain = v;
			else
				o->retain_interval = v;
			break;
		default:
			if ((k = outputs_opt(c, optarg, &o->out, oerr, sizeof oerr)) < 0)
				return usage("%s", oerr);
			if (k == 0)
				return cli_bad_option("live", c, argv);
		}
	}
	if (optind < argc)
		return usage("unexpected argument '%s' (a filter goes after -f)", argv[optind]);
	if (!*list && !o->iface)
		return usage("%s", "-i IFACE is required (see --list-interfaces)");
	return 0;
}

int live_main(int argc, char **argv)
{
	struct live_opts o;
	struct live_run r;
	struct live_user user;
	struct capture_info ci;
	struct capture_totals tot;
	struct counter_sum cs;
	struct live_dump_stats ds;
	char err[1024] = "", why[1024] = "", iso[TIMEFMT_ISO_LEN];
	pcap_t *handles[LIVE_WORKERS_MAX] = { 0 };
	int list = 0, rc, i, drop = 0, exit_code = 0, fanout_id, ended = 0;
	double next_stats, next_analyze, now;
	sigset_t block, old;
	const char *status = "finished", *stop_why = "stopped";

	memset(&o, 0, sizeof o);
	memset(&r, 0, sizeof r);
	memset(&user, 0, sizeof user);
	o.db = LIVE_DEFAULT_DB;
	o.snaplen = CAPTURE_SNAPLEN_MAX;
	o.buffer_kib = 65536;
	o.promisc = 1;
	o.workers = 1;
	o.stats_interval = 10;
	o.analyze_interval = LIVE_ANALYZE_S;
	o.pcap_max_mib = 1024;
	flow_config_default(&o.flows);
	optind = 1;
	rc = parse_opts(argc, argv, &o, &list);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (list)
		return list_interfaces();

	/* Who we will run as. */
	if (o.user || geteuid() == 0) {
		if (live_priv_lookup(o.user ? o.user : "nobody", &user, err, sizeof err) < 0) {
			fprintf(stderr, "smtpscope live: %s\n", err);
			return 1;
		}
		if (geteuid() == 0)
			drop = user.uid != 0;
		else if (user.uid != geteuid()) {
			fprintf(stderr, "smtpscope live: -Z %s: switching user needs root\n", o.user);
			return 1;
		}
	}

	/* 1. The capture handles, filtered, in one fanout group. */
	fanout_id = o.workers > 1 ? (int)(getpid() & 0xffff) : -1;
	for (i = 0; i < o.workers; i++) {
		if (!(handles[i] = open_handle(&o, i == 0, fanout_id, err, sizeof err, &rc))) {
			fprintf(stderr, "smtpscope live: %s\n", err);
			if (rc == EXIT_USAGE)
				fprintf(stderr, "Try 'smtpscope live --help'.\n");
			while (--i >= 0)
				pcap_close(handles[i]);
			return rc;
		}
		live_handles[i] = handles[i];
	}
	live_nhandles = o.workers;
	install_signals(); /* from here a signal stops the run cleanly */

	/* 2. The database, owned by the user we become. */
	if (!(r.st = store_open(o.db, STORE_WRITE, err, sizeof err))) {
		fprintf(stderr, "smtpscope live: %s\n", err);
		exit_code = 1;
		goto out;
	}
	memset(&ci, 0, sizeof ci);
	ci.source = o.iface;
	ci.kind = "live";
	ci.interface = o.iface;
	ci.filter = o.filter;
	ci.linktype = pcap_datalink_val_to_name(pcap_datalink(handles[0]));
	ci.file_size = -1;
	if ((r.capture_id = store_capture_begin(r.st, &ci)) < 0) {
		fprintf(stderr, "smtpscope live: %s: %s\n", o.db, store_error(r.st));
		exit_code = 1;
		goto out;
	}
	if (drop && live_priv_chown_db(o.db, &user, err, sizeof err) < 0) {
		fprintf(stderr, "smtpscope live: %s\n", err);
		exit_code = 1;
		goto out;
	}
	if (o.pcap_dir && live_dump_prepare_dir(o.pcap_dir, drop ? user.uid : (uid_t)-1, user.gid, err,
						 sizeof err) < 0) {
		fprintf(stderr, "smtpscope live: %s\n", err);
		exit_code = 1;
		goto out;
	}

	/* 3. No more root. */
	if (drop) {
		if (live_priv_drop(&user, err, sizeof err) < 0) {
			fprintf(stderr, "smtpscope live: %s\n", err);
			exit_code = 1;
			goto out;
		}
		if (!o.quiet)
			fprintf(stderr, "smtpscope live: running as %s (uid %u)\n", user.name, (unsigned)user.uid);
	}
	if (o.pcap_dir && !(r.dump = live_dump_open(o.pcap_dir, o.pcap_max_mib << 20, pcap_datalink(handles[0]),
						   o.snaplen, pcap_get_tstamp_precision(handles[0]) ==
						   PCAP_TSTAMP_PRECISION_NANO, err, sizeof err))) {
		fprintf(stderr, "smtpscope live: %s\n", err);
		exit_code = 1;
		goto out;
	}

	/* 3b. The outputs, as the capture user (so a SIGHUP can reopen the file).
	 * Their threads must not take the signals: block them while they start. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	rc = outputs_open(&r.out, &o.out, o.iface, err, sizeof err);
	r.bl.on_stored = session_stored;
	r.bl.on_stored_ctx = &r.out;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	r.out_events = r.out.ev != NULL;
	if (rc < 0) {
		fprintf(stderr, "smtpscope live: %s\n", err);
		exit_code = 1;
		goto out;
	}

	if ((o.wfile || o.count) &&
	    !(r.tap = capture_tap_open(o.wfile, o.count, pcap_datalink(handles[0]), o.snaplen,
				       pcap_get_tstamp_precision(handles[0]) == PCAP_TSTAMP_PRECISION_NANO, err,
				       sizeof err))) {
		fprintf(stderr, "smtpscope live: %s\n", err);
		exit_code = 1;
		goto out;
	}
	if (o.retain > 0) {
		pthread_sigmask(SIG_BLOCK, &block, &old);
		r.prune = prune_thread_start(o.db, o.retain, o.retain_interval > 0 ? o.retain_interval : 3600,
					     o.quiet, err, sizeof err);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (!r.prune) {
			fprintf(stderr, "smtpscope live: --retain: %s\n", err);
			exit_code = 1;
			goto out;
		}
	}

	/* 4. Workers: pipelines created one after the other, here. */
	r.o = &o;
	r.nw = o.workers;
	if (!(r.w = calloc((size_t)o.workers, sizeof *r.w)) ||
	    session_queue_init(&r.q, LIVE_QUEUE_MAX, o.workers) < 0) {
		fprintf(stderr, "smtpscope live: out of memory\n");
		exit_code = 1;
		goto out;
	}
	for (i = 0; i < o.workers; i++) {
		if (live_worker_init(&r.w[i], i, handles[i], &o.flows, &r.q, r.dump, &live_stop) < 0) {
			fprintf(stderr, "smtpscope live: worker %d: %s\n", i,
				r.w[i].err[0] ? r.w[i].err : "out of memory");
			handles[i] = NULL; /* the worker owns it now */
			exit_code = 1;
			goto out;
		}
		handles[i] = NULL;
		r.w[i].tap = r.tap;
	}
	/* Signals go to this thread only: workers block them. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	for (i = 0; i < o.workers; i++) {
		if (live_worker_start(&r.w[i]) < 0) {
			fprintf(stderr, "smtpscope live: cannot start worker %d\n", i);
			stop_all();
			exit_code = 1;
			break;
		}
	}
	if (i < o.workers) { /* the unstarted ones will never report done */
		int k;
		for (k = i; k < o.workers; k++)
			session_queue_producer_done(&r.q);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!o.quiet)
		fprintf(stderr, "smtpscope live: capturing on %s%s%s%s (%s, %d worker%s, buffer %d MiB) into %s; "
			"SIGINT or SIGTERM stops\n", o.iface, o.filter ? " with filter '" : "", o.filter ? o.filter : "",
			o.filter ? "'" : "", ci.linktype ? ci.linktype : "?", o.workers, o.workers == 1 ? "" : "s",
			o.buffer_kib / 1024, o.db);

	/* 5. The writer loop. */
	r.t0 = r.last_stats_t = mono_s();
	next_stats = r.t0 + o.stats_interval;
	next_analyze = r.t0 + o.analyze_interval;
	while (!session_queue_finished(&r.q) || r.bl.head) {
		if (r.bl.head) {
			/* sessions wait for the lock: take nothing more (the queue
			 * bounds memory), retry when due */
			double wait = r.bl.next_try - mono_s();
			if (wait > 0)
				usleep((useconds_t)((wait < LIVE_TAKE_MS / 1000.0 ? wait : LIVE_TAKE_MS / 1000.0) * 1e6));
			if (store_backlog_due(&r.bl, mono_s()))
				drain(&r, NULL);
			if (r.bl.head && __atomic_load_n(&live_stop, __ATOMIC_RELAXED) &&
			    mono_s() - r.bl.busy_since > STORE_STOP_WAIT_S) {
				uint64_t lost = 0;
				store_backlog_drop(&r.bl, &lost);
				snprintf(r.store_err, sizeof r.store_err, "the database stayed locked by another "
					 "process for %d s after the stop; %" PRIu64 " sessions not stored",
					 STORE_STOP_WAIT_S, lost);
				r.store_failed = 1;
			}
		} else {
			drain(&r, session_queue_take(&r.q, LIVE_TAKE_MS));
		}
		if (!r.store_failed && store_tick(r.st) < 0 && !store_last_busy(r.st)) {
			snprintf(r.store_err, sizeof r.store_err, "%s", store_error(r.st));
			r.store_failed = 1;
		}
		now = mono_s();
		if (!__atomic_load_n(&live_stop, __ATOMIC_RELAXED) && o.duration > 0 && now - r.t0 >= o.duration) {
			stop_why = "--duration reached";
			stop_all();
		}
		if (r.store_failed && !__atomic_load_n(&live_stop, __ATOMIC_RELAXED)) {
			fprintf(stderr, "smtpscope live: database write failed, stopping: %s\n", r.store_err);
			stop_all();
		}
		if (live_signal)
			stop_why = live_signal == SIGINT ? "SIGINT" : "SIGTERM";
		if (now >= next_stats) {
			stats_tick(&r, now);
			next_stats = now + o.stats_interval;
		}
		if (now >= next_analyze && !__atomic_load_n(&live_stop, __ATOMIC_RELAXED)) {
			run_analyze(&r);
			next_analyze = mono_s() + o.analyze_interval;
		}
	}
	for (i = 0; i < r.nw; i++)
		live_worker_join(&r.w[i]);
	drain(&r, session_queue_take(&r.q, 0));
	prune_thread_stop(r.prune);
	r.prune = NULL;
	if (o.count && !live_signal && !(o.duration > 0 && !strcmp(stop_why, "--duration reached")))
		stop_why = "-c count reached";

	/* 6. The end: totals, counters, capture row, findings, the drop line. */
	for (i = 0; i < r.nw; i++)
		if (r.w[i].failed) {
			snprintf(why, sizeof why, "%s", r.w[i].err);
			status = "error";
			exit_code = 1;
		}
	if (r.store_failed) {
		snprintf(why, sizeof why, "database write failed: %s", r.store_err);
		status = "error";
		exit_code = 1;
	}
	now = mono_s();
	stats_tick(&r, now);
	collect(&r, &tot);
	memset(&cs, 0, sizeof cs);
	for (i = 0; i < r.nw; i++)
		pipeline_counters(&r.w[i].pl, sum_counter, &cs);
	sum_counter(&cs, "kernel_dropped", tot.dropped);
	sum_counter(&cs, "interface_dropped", tot.if_dropped);
	sum_counter(&cs, "queue_dropped_sessions", r.q.dropped);
	sum_counter(&cs, "queue_full_waits", r.q.full_waits);
	sum_counter(&cs, "workers", (uint64_t)r.nw);
	if (r.dump) {
		live_dump_get_stats(r.dump, &ds);
		sum_counter(&cs, "pcap_written_packets", ds.packets);
		sum_counter(&cs, "pcap_files", ds.files);
	}
	for (i = 0; i < cs.n; i++)
		store_capture_counter(r.st, r.capture_id, cs.name[i], cs.v[i]);
	if (tot.dropped || tot.if_dropped || r.q.dropped) {
		char d[256];
		snprintf(d, sizeof d, "%" PRIu64 " packets dropped by the kernel (capture buffer full), %" PRIu64
			 " by the interface, %" PRIu64 " sessions lost in the writer queue: results are incomplete",
			 tot.dropped, tot.if_dropped, r.q.dropped);
		store_capture_anomaly(r.st, r.capture_id, tot.last_ts, "packets_dropped", d);
	}
	if (r.store_failed)
		store_capture_anomaly(r.st, r.capture_id, tot.last_ts, "capture_error", why);
	ended = 1;
	if (store_capture_end(r.st, r.capture_id, &tot, status, why[0] ? why : NULL) < 0) {
		fprintf(stderr, "smtpscope live: database write failed: %s\n", store_error(r.st));
		exit_code = 1;
	}
	run_analyze(&r);
	{
		struct outputs_tick ot;
		struct events_counters ec;
		memset(&ot, 0, sizeof ot);
		ot.t = &tot;
		ot.sessions_lost = r.q.dropped;
		outputs_tick(&r.out, &ot); /* the metrics' last word: running 0, final totals */
		events_get_counters(r.out.ev, &ec);
		outputs_close(&r.out);     /* writes what is queued */
		if (r.out_events && !o.quiet)
			fprintf(stderr, "%s smtpscope live: events: %" PRIu64 " written to the file, %" PRIu64
				" to syslog, %" PRIu64 " to redis; %" PRIu64 " dropped (queue full), %" PRIu64
				" failed; file reopened %" PRIu64 " times\n", timefmt_now_iso8601(iso, sizeof iso),
				ec.written[0], ec.written[1], ec.written[2], ec.dropped,
				ec.failed[0] + ec.failed[1] + ec.failed[2], ec.reopened);
	}
	/* A clean stop leaves the .db alone complete: no -wal to copy with it. */
	if (sqlite3_exec(store_db(r.st), "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL) != SQLITE_OK)
		fprintf(stderr, "smtpscope live: checkpoint: %s\n", sqlite3_errmsg(store_db(r.st)));
	if (why[0])
		fprintf(stderr, "smtpscope live: %s\n", why);
	if (!o.quiet || tot.dropped || tot.if_dropped || r.q.dropped)
		fprintf(stderr, "%s smtpscope live: %s: %s after %.1f s: %" PRIu64 " packets, %.1f MB, %" PRIu64
			" SMTP sessions stored; dropped: %" PRIu64 " by the kernel, %" PRIu64 " by the interface, %"
			PRIu64 " sessions in the writer queue%s\n", timefmt_now_iso8601(iso, sizeof iso), o.iface, stop_why, now - r.t0, tot.packets,
			(double)tot.bytes / 1e6, r.sessions, tot.dropped, tot.if_dropped, r.q.dropped,
			tot.dropped || tot.if_dropped ? " (results are incomplete: raise -B or --workers, or "
			"narrow -f)" : "");
	if (r.dump && ds.failed)
		fprintf(stderr, "smtpscope live: --write-pcap stopped: %s\n", ds.err);

out:
	live_nhandles = 0; /* the handler must not touch handles being closed */
	if (r.capture_id > 0 && !ended) /* failed while starting: the row must not say running */
		store_capture_end(r.st, r.capture_id, NULL, "error", err[0] ? err : "failed to start");
	if (r.w) {
		for (i = 0; i < r.nw; i++)
			live_worker_fini(&r.w[i]);
		if (r.nw)
			session_queue_fini(&r.q);
		free(r.w);
	}
	live_nhandles = 0;
	for (i = 0; i < o.workers; i++)
		if (handles[i])
			pcap_close(handles[i]);
	live_dump_close(r.dump);
	capture_tap_close(r.tap);
	prune_thread_stop(r.prune);
	outputs_close(&r.out);
	store_close(r.st);
	return exit_code;
}
