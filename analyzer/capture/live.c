/* \summary: `smtpscope live`: capture SMTP from an interface (a mirror port)
 * into the database, with statistics, privilege drop, events and metrics,
 * retention and worker threads.
 *
 * Start-up order matters: the capture handles are opened and their filter
 * set, the database opened (and given to the -Z user), the --write-pcap
 * directory made, and only then does the process drop root.  Then the
 * capture driver runs (run.h: N workers, one per handle in one
 * PACKET_FANOUT group; this thread is the writer), with the statistics
 * every --stats-interval as its tick, while the analysis thread
 * (analyzer/store/analysis_thread.h, its own connection) refreshes the
 * findings every --analyze-interval off the ingest path.  At the stop the
 * workers write their open sessions as truncated (SMTP_END_CAPTURE), the
 * capture row is marked finished, the findings are refreshed a last time,
 * and a last line says how many packets were dropped. */
#include "analyzer/capture/live.h"
#include "analyzer/capture/live_dump.h"
#include "analyzer/capture/live_priv.h"
#include "analyzer/capture/run.h"
#include "analyzer/capture/source.h"
#include "analyzer/capture/tap.h"
#include "analyzer/base/cliopt.h"
#include "analyzer/base/limits.h"
#include "analyzer/base/numparse.h"
#include "analyzer/base/runtime.h"
#include "analyzer/base/timefmt.h"
#include "analyzer/output/outputs.h"
#include "analyzer/store/analysis_thread.h"
#include "analyzer/store/prune.h"
#include "analyzer/store/store.h"

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

/* SIGHUP (logrotate, a closed terminal) reopens the event file and goes on. */
static void on_hup(void)
{
	events_hup();
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

/* ---- statistics ------------------------------------------------------------ */

struct live_run {
	const struct live_opts *o;
	struct run run;               /* the capture driver: workers, queue, writer */
	double last_stats_t;
	uint64_t last_packets, last_bytes;
	int stats_failed;             /* a statistics write failed for good */
	char stats_err[512];
	double last_busy_note;
	struct outputs out;           /* events and metrics */
	struct prune_thread *prune;   /* --retain, or NULL */
	struct analysis_thread *at;   /* --analyze-interval, off the ingest path */
	int out_events;               /* an event output was open */
};

/* run tick: statistics (a capture_stats row, the captures row's totals,
 * metrics, a line on stderr), and the events of a finished analysis. */
static void stats_tick(struct run *run, double now)
{
	struct live_run *r = run->ctx;
	struct capture_totals t;
	struct session_queue_stats qs;
	double el = now - r->last_stats_t, pps, mbps, secs;
	uint64_t flows = 0;
	struct outputs_tick ot;
	char iso[TIMEFMT_ISO_LEN];
	int i;

	run_totals(run, &t);
	run_queue_stats(run, &qs);
	if (el <= 0)
		el = 1e-9;
	pps = (double)(t.packets - r->last_packets) / el;
	mbps = (double)(t.bytes - r->last_bytes) * 8 / 1e6 / el;
	r->last_packets = t.packets;
	r->last_bytes = t.bytes;
	r->last_stats_t = now;
	if ((store_capture_stats(run->st, run->capture_id, rt_wall_s(), &t, pps, mbps) < 0 ||
	     store_capture_update(run->st, run->capture_id, &t) < 0 || store_commit(run->st) < 0) &&
	    !store_last_busy(run->st)) { /* locked: the next tick writes them */
		if (!r->stats_failed)
			snprintf(r->stats_err, sizeof r->stats_err, "%s", store_error(run->st));
		r->stats_failed = 1;
		run_stop(run, "database write failed");
	}
	if (writer_waiting(&run->wr) && !r->o->quiet && now - r->last_busy_note >= 10) {
		r->last_busy_note = now;
		fprintf(stderr, "smtpscope live: the database is locked by another process; %" PRIu64
			" sessions wait (retrying every %.1f s at most)\n", run->wr.waiting,
			STORE_RETRY_MAX_MS / 1000.0);
	}
	live_dump_flush(run->dump);
	capture_tap_flush(run->tap);
	for (i = 0; i < run->nsrc; i++) { /* what each worker published: its table is its own */
		struct worker_pub wp;
		worker_read(&run->w[i], &wp);
		flows += wp.flows_active;
	}
	memset(&ot, 0, sizeof ot);
	ot.t = &t;
	ot.sessions_lost = qs.dropped;
	ot.queue_depth = qs.depth;
	ot.flows_tracked = flows;
	ot.pps = pps;
	ot.mbps = mbps;
	ot.interval_s = el;
	ot.running = !__atomic_load_n(&run->stop, __ATOMIC_RELAXED) && !rt_stopping();
	ot.stats_event = 1;
	outputs_tick(&r->out, &ot);
	/* Findings events come from here, the thread that owns the outputs,
	 * once the analysis thread has published a refresh. */
	if (analysis_thread_poll(r->at, &secs))
		outputs_analyzed(&r->out, store_db(run->st), secs);
	if (r->o->quiet)
		return;
	fprintf(stderr, "%s smtpscope live: %s: %" PRIu64 " packets, %.1f MB (%.0f packets/s, %.2f Mbit/s), "
		"%" PRIu64 " SMTP sessions; dropped %" PRIu64 " by the kernel, %" PRIu64 " by the interface%s",
		timefmt_now_iso8601(iso, sizeof iso), r->o->iface, t.packets, (double)t.bytes / 1e6, pps, mbps,
		t.smtp_sessions, t.dropped, t.if_dropped, qs.dropped ? "" : "\n");
	if (qs.dropped)
		fprintf(stderr, ", %" PRIu64 " sessions lost (writer too slow)\n", qs.dropped);
}

/* run on_stored: the session's events. */
static void session_stored(void *ctx, int64_t id, const struct session *s)
{
	struct live_run *r = ctx;

	outputs_session(&r->out, id, &s->meta, s->rec);
}

struct counter_ctx {
	struct store *st;
	int64_t capture_id;
};

static void put_counter(void *ctx, const char *name, uint64_t v)
{
	struct counter_ctx *c = ctx;

	store_capture_counter(c->st, c->capture_id, name, v);
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
			if (num_parse_double(optarg, 0, CAPTURE_SNAPLEN_MAX, &v) < 0 || v != (int)v || (v > 0 && v < 64))
				return usage("-s wants 0 (whole frames) or a snap length of 64 to %d bytes, not '%s'",
					     CAPTURE_SNAPLEN_MAX, optarg);
			o->snaplen = v == 0 ? CAPTURE_SNAPLEN_MAX : (int)v;
			break;
		case 'B': /* tcpdump: KiB */
			if (num_parse_double(optarg, LIVE_BUFFER_MIN, LIVE_BUFFER_MAX, &v) < 0 || v != (int)v)
				return usage("-B wants a buffer size in KiB, as tcpdump (%d to %d; 65536 = 64 MiB), not '%s'",
					     LIVE_BUFFER_MIN, LIVE_BUFFER_MAX, optarg);
			o->buffer_kib = (int)v;
			break;
		case 'c':
			if (num_parse_double(optarg, 1, 1e15, &v) < 0 || v != (uint64_t)v)
				return usage("-c wants a packet count (a positive whole number), not '%s'", optarg);
			o->count = (uint64_t)v;
			break;
		case 'w': o->wfile = optarg; break;
		case 'W':
			if (num_parse_double(optarg, 1, LIVE_WORKERS_MAX, &v) < 0 || v != (int)v)
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
			if (num_parse_double(optarg, 1, 1 << 30, &v) < 0 || v != (uint64_t)v)
				return usage("--write-pcap-max wants MiB (a positive whole number), not '%s'", optarg);
			o->pcap_max_mib = (uint64_t)v;
			break;
		case 'M':
			if (num_parse_double(optarg, 1, UINT32_MAX, &v) < 0 || v != (uint32_t)v)
				return usage("--max-flows wants a positive number, not '%s'", optarg);
			o->flows.max_flows = (uint32_t)v;
			break;
		case 'E':
		case 'H':
			if (num_parse_double(optarg, 1, 86400 * 30, &v) < 0 || v != (uint64_t)v)
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

int live_main(int argc, char **argv, analysis_fn analyze)
{
	struct live_opts o;
	struct live_run r;
	struct live_user user;
	struct capture_info ci;
	struct capture_totals tot;
	struct session_queue_stats qs;
	struct counter_ctx cc;
	struct live_dump_stats ds;
	struct source src[LIVE_WORKERS_MAX];
	struct iface_config ic;
	struct store *st = NULL;
	char err[1024] = "", why[1280] = "", iso[TIMEFMT_ISO_LEN];
	int list = 0, rc, i, nsrc = 0, drop = 0, exit_code = 0, fanout_id, ended = 0;
	int64_t capture_id = 0;
	uint64_t analysis_runs = 0;
	double now;
	sigset_t block, old;
	const char *status = "finished", *stop_why = "stopped", *failure;

	memset(&o, 0, sizeof o);
	memset(&r, 0, sizeof r);
	memset(&user, 0, sizeof user);
	memset(&ds, 0, sizeof ds);
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
		return source_list_interfaces(stdout);

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
	memset(&ic, 0, sizeof ic);
	ic.iface = o.iface;
	ic.filter = o.filter;
	ic.snaplen = o.snaplen;
	ic.buffer_kib = o.buffer_kib;
	ic.promisc = o.promisc;
	ic.quiet = o.quiet;
	fanout_id = o.workers > 1 ? (int)(getpid() & 0xffff) : -1;
	for (nsrc = 0; nsrc < o.workers; nsrc++) {
		if (source_open_iface(&src[nsrc], &ic, nsrc == 0, fanout_id, err, sizeof err, &rc) < 0) {
			fprintf(stderr, "smtpscope live: %s\n", err);
			if (rc == EXIT_USAGE)
				fprintf(stderr, "Try 'smtpscope live --help'.\n");
			exit_code = rc;
			goto out;
		}
		source_watch_stop(&src[nsrc]);
	}
	rt_install_signals(); /* from here a signal stops the run cleanly */
	rt_set_hup(on_hup);

	/* 2. The database, owned by the user we become. */
	if (!(st = store_open(o.db, STORE_WRITE, err, sizeof err))) {
		fprintf(stderr, "smtpscope live: %s\n", err);
		exit_code = 1;
		goto out;
	}
	memset(&ci, 0, sizeof ci);
	ci.source = o.iface;
	ci.kind = "live";
	ci.interface = o.iface;
	ci.filter = o.filter;
	ci.linktype = source_linktype(&src[0]);
	ci.file_size = -1;
	if ((capture_id = store_capture_begin(st, &ci)) < 0) {
		fprintf(stderr, "smtpscope live: %s: %s\n", o.db, store_error(st));
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
	if (o.pcap_dir && !(r.run.dump = live_dump_open(o.pcap_dir, o.pcap_max_mib << 20, src[0].dlt, o.snaplen,
							src[0].nano, err, sizeof err))) {
		fprintf(stderr, "smtpscope live: %s\n", err);
		exit_code = 1;
		goto out;
	}

	/* 3b. The outputs, as the capture user (so a SIGHUP can reopen the
	 * file), the retention and the analysis threads.  Their threads must
	 * not take the signals: block them while they start. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	rc = outputs_open(&r.out, &o.out, o.iface, err, sizeof err);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	r.out_events = r.out.ev != NULL;
	outputs_use_db(&r.out, store_db(st));
	if (rc < 0) {
		fprintf(stderr, "smtpscope live: %s\n", err);
		exit_code = 1;
		goto out;
	}
	if ((o.wfile || o.count) &&
	    !(r.run.tap = capture_tap_open(o.wfile, o.count, src[0].dlt, o.snaplen, src[0].nano, err, sizeof err))) {
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
	/* Analysis on its own thread and connection: ingest never waits for it. */
	if (analyze && !(r.at = analysis_thread_start(o.db, analyze, o.analyze_interval, err, sizeof err))) {
		fprintf(stderr, "smtpscope live: %s\n", err);
		exit_code = 1;
		goto out;
	}

	/* 4. The run: workers, and this thread as the writer. */
	r.o = &o;
	r.run.src = src;
	r.run.nsrc = nsrc;
	r.run.flows = &o.flows;
	r.run.st = st;
	r.run.capture_id = capture_id;
	r.run.queue_max = LIVE_QUEUE_MAX;
	r.run.push_wait_ms = LIVE_QUEUE_WAIT_MS;
	r.run.duration = o.duration;
	r.run.tick_s = o.stats_interval;
	r.run.tick = stats_tick;
	r.run.on_stored = session_stored;
	r.run.ctx = &r;
	if (!o.quiet)
		fprintf(stderr, "smtpscope live: capturing on %s%s%s%s (%s, %d worker%s, buffer %d MiB) into %s; "
			"SIGINT or SIGTERM stops\n", o.iface, o.filter ? " with filter '" : "", o.filter ? o.filter : "",
			o.filter ? "'" : "", ci.linktype ? ci.linktype : "?", o.workers, o.workers == 1 ? "" : "s",
			o.buffer_kib / 1024, o.db);
	r.last_stats_t = rt_mono_s();
	if (run_capture(&r.run, err, sizeof err) < 0) {
		fprintf(stderr, "smtpscope live: %s\n", err);
		exit_code = 1;
		goto out;
	}
	analysis_runs = analysis_thread_stop(r.at);
	r.at = NULL;
	prune_thread_stop(r.prune);
	r.prune = NULL;
	stop_why = rt_signal() == SIGINT ? "SIGINT" : rt_signal() == SIGTERM ? "SIGTERM" :
		   r.run.stop_why ? r.run.stop_why : "stopped";
	if (o.count && !rt_signal() && strcmp(stop_why, "--duration reached") != 0)
		stop_why = "-c count reached";

	/* 5. The end: totals, counters, capture row, findings, the drop line. */
	if ((failure = run_failure(&r.run)) != NULL) {
		snprintf(why, sizeof why, "%s", failure);
		status = "error";
		exit_code = 1;
	} else if (r.stats_failed) {
		snprintf(why, sizeof why, "database write failed: %s", r.stats_err);
		status = "error";
		exit_code = 1;
	}
	if (r.run.wr.failed || r.stats_failed)
		fprintf(stderr, "smtpscope live: database write failed, stopping: %s\n",
			r.run.wr.failed ? r.run.wr.err : r.stats_err);
	now = rt_mono_s();
	stats_tick(&r.run, now);
	run_totals(&r.run, &tot);
	run_queue_stats(&r.run, &qs);
	cc.st = st;
	cc.capture_id = capture_id;
	run_counters(&r.run, put_counter, &cc);
	put_counter(&cc, "kernel_dropped", tot.dropped);
	put_counter(&cc, "interface_dropped", tot.if_dropped);
	put_counter(&cc, "queue_dropped_sessions", qs.dropped);
	put_counter(&cc, "queue_full_waits", qs.full_waits);
	put_counter(&cc, "workers", (uint64_t)nsrc);
	put_counter(&cc, "analysis_runs", analysis_runs);
	if (r.run.dump) {
		live_dump_get_stats(r.run.dump, &ds);
		put_counter(&cc, "pcap_written_packets", ds.packets);
		put_counter(&cc, "pcap_files", ds.files);
	}
	if (run_ts_backwards(&r.run))
		store_capture_anomaly(st, capture_id, tot.last_ts, "timestamps_backwards",
				      "frames older than the frame before them (kept, counted)");
	if (tot.dropped || tot.if_dropped || qs.dropped) {
		char d[256];
		snprintf(d, sizeof d, "%" PRIu64 " packets dropped by the kernel (capture buffer full), %" PRIu64
			 " by the interface, %" PRIu64 " sessions lost in the writer queue: results are incomplete",
			 tot.dropped, tot.if_dropped, qs.dropped);
		store_capture_anomaly(st, capture_id, tot.last_ts, "packets_dropped", d);
	}
	if (status[0] == 'e')
		store_capture_anomaly(st, capture_id, tot.last_ts, "capture_error", why);
	ended = 1;
	if (store_capture_end(st, capture_id, &tot, status, why[0] ? why : NULL) < 0) {
		fprintf(stderr, "smtpscope live: database write failed: %s\n", store_error(st));
		exit_code = 1;
	}
	if (analyze) {
		double t0 = rt_mono_s();
		if (store_commit(st) < 0 || analyze(store_db(st), err, sizeof err) < 0)
			fprintf(stderr, "smtpscope live: refreshing the findings failed: %s\n", err);
		else
			outputs_analyzed(&r.out, store_db(st), rt_mono_s() - t0);
	}
	{
		struct outputs_tick ot;
		struct events_counters ec;
		memset(&ot, 0, sizeof ot);
		ot.t = &tot;
		ot.sessions_lost = qs.dropped;
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
	if (sqlite3_exec(store_db(st), "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL) != SQLITE_OK)
		fprintf(stderr, "smtpscope live: checkpoint: %s\n", sqlite3_errmsg(store_db(st)));
	if (why[0])
		fprintf(stderr, "smtpscope live: %s\n", why);
	if (!o.quiet || tot.dropped || tot.if_dropped || qs.dropped)
		fprintf(stderr, "%s smtpscope live: %s: %s after %.1f s: %" PRIu64 " packets, %.1f MB, %" PRIu64
			" SMTP sessions stored; dropped: %" PRIu64 " by the kernel, %" PRIu64 " by the interface, %"
			PRIu64 " sessions in the writer queue%s\n", timefmt_now_iso8601(iso, sizeof iso), o.iface,
			stop_why, now - r.run.t0, tot.packets, (double)tot.bytes / 1e6, tot.smtp_sessions, tot.dropped,
			tot.if_dropped, qs.dropped, tot.dropped || tot.if_dropped ? " (results are incomplete: raise -B "
			"or --workers, or narrow -f)" : "");
	if (r.run.dump && ds.failed)
		fprintf(stderr, "smtpscope live: --write-pcap stopped: %s\n", ds.err);

out:
	analysis_thread_stop(r.at);
	if (capture_id > 0 && !ended) /* failed while starting: the row must not say running */
		store_capture_end(st, capture_id, NULL, "error", err[0] ? err : "failed to start");
	run_fini(&r.run);
	for (i = 0; i < nsrc; i++)
		source_close(&src[i]);
	live_dump_close(r.run.dump);
	capture_tap_close(r.run.tap);
	prune_thread_stop(r.prune);
	outputs_close(&r.out);
	store_close(st);
	return exit_code;
}
