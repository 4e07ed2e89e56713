/* \summary: `smtpscope live`: capture SMTP from an interface (a mirror port)
 * into the database, with statistics, privilege drop and worker threads.
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
#include "analyzer/base/limits.h"
#include "analyzer/base/numparse.h"
#include "analyzer/base/runtime.h"
#include "analyzer/capture/live_dump.h"
#include "analyzer/capture/live_priv.h"
#include "analyzer/capture/run.h"
#include "analyzer/capture/source.h"
#include "analyzer/store/analysis_thread.h"
#include "analyzer/store/store.h"

#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXIT_USAGE       2
#define LIVE_DEFAULT_DB  "smtpscope.db"
#define LIVE_ANALYZE_S   60        /* findings refreshed this often (default) */
#define LIVE_BUFFER_MAX  2047      /* MiB; pcap_set_buffer_size takes an int of bytes */

struct live_opts {
	struct iface_config iface;
	const char *user, *db, *pcap_dir;
	int workers, quiet;
	double duration, stats_interval, analyze_interval;
	uint64_t pcap_max_mib;
	struct flow_config flows;
};

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
		"  -s, --snaplen BYTES       bytes kept per frame (default 262144 = whole frames)\n"
		"  -B, --buffer-size MiB     kernel capture buffer per worker (default 64)\n"
		"      --no-promisc          do not put the interface in promiscuous mode\n"
		"  -Z, --user USER           drop root to USER once the interface and the database\n"
		"                            are open (default when started as root: nobody;\n"
		"                            '-Z root' keeps root)\n"
		"      --workers N           capture threads (default 1, at most %d), one\n"
		"                            PACKET_FANOUT group: each flow stays on one thread\n"
		"      --duration SECONDS    stop by itself after this long\n"
		"      --stats-interval SECONDS  statistics period (default 10)\n"
		"      --analyze-interval SECONDS  findings refresh period (default %d)\n"
		"      --db PATH             database (default ./" LIVE_DEFAULT_DB ")\n"
		"      --write-pcap DIR      also write the packets of SMTP flows to rolling pcap\n"
		"                            files in DIR (ports 25/465/587/2525 and every port\n"
		"                            a session was seen on)\n"
		"      --write-pcap-max MiB  total size of those files, oldest deleted (default 1024)\n"
		"      --max-flows N         flows tracked at once per worker (default %u)\n"
		"      --timeout-established S  idle timeout of established flows (default %llu)\n"
		"      --timeout-half S      idle timeout of half-open/closed flows (default %llu)\n"
		"      --list-interfaces     list the interfaces that can be captured and exit\n"
		"  -q, --quiet               no statistics lines (drops are still reported)\n"
		"  -h, --help                this help\n"
		"\n"
		"Every --stats-interval: packets, bytes, packets/s, Mbit/s, SMTP sessions, and\n"
		"packets dropped by the kernel (buffer full) and by the interface, printed on\n"
		"stderr and stored in the capture_stats table.\n"
		"Exit status: 0 stopped normally, 1 runtime error (interface, permissions,\n"
		"database), 2 usage error (bad option or bad filter).\n",
		LIVE_WORKERS_MAX, LIVE_ANALYZE_S, FLOW_TABLE_DEFAULT,
		(unsigned long long)(FLOW_TIMEOUT_EST_US / 1000000),
		(unsigned long long)(FLOW_TIMEOUT_HALF_US / 1000000));
}



/* ---- statistics ------------------------------------------------------------ */

struct live_stats {
	const struct live_opts *o;
	int failed;                   /* a statistics write failed */
	char err[512];
	double last_t;
	uint64_t last_packets, last_bytes;
};

/* run tick: a capture_stats row, the captures row's totals, a line on stderr. */
static void stats_tick(struct run *r, double now)
{
	struct live_stats *ls = r->ctx;
	struct capture_totals t;
	struct session_queue_stats qs;
	double el = now - ls->last_t, pps, mbps;

	run_totals(r, &t);
	if (el <= 0)
		el = 1e-9;
	pps = (double)(t.packets - ls->last_packets) / el;
	mbps = (double)(t.bytes - ls->last_bytes) * 8 / 1e6 / el;
	ls->last_packets = t.packets;
	ls->last_bytes = t.bytes;
	ls->last_t = now;
	if (store_capture_stats(r->st, r->capture_id, rt_wall_s(), &t, pps, mbps) < 0 ||
	    store_capture_update(r->st, r->capture_id, &t) < 0 || store_commit(r->st) < 0) {
		if (!ls->failed)
			snprintf(ls->err, sizeof ls->err, "%s", store_error(r->st));
		ls->failed = 1;
		run_stop(r, "database write failed");
	}
	live_dump_flush(r->dump);
	if (ls->o->quiet)
		return;
	run_queue_stats(r, &qs);
	fprintf(stderr, "smtpscope live: %s: %" PRIu64 " packets, %.1f MB (%.0f packets/s, %.2f Mbit/s), "
		"%" PRIu64 " SMTP sessions; dropped %" PRIu64 " by the kernel, %" PRIu64 " by the interface%s",
		ls->o->iface.iface, t.packets, (double)t.bytes / 1e6, pps, mbps, t.smtp_sessions, t.dropped,
		t.if_dropped, qs.dropped ? "" : "\n");
	if (qs.dropped)
		fprintf(stderr, ", %" PRIu64 " sessions lost (writer too slow)\n", qs.dropped);
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
		{ "write-pcap", required_argument, 0, 'w' },
		{ "write-pcap-max", required_argument, 0, 'm' },
		{ "max-flows", required_argument, 0, 'M' },
		{ "timeout-established", required_argument, 0, 'E' },
		{ "timeout-half", required_argument, 0, 'H' },
		{ "list-interfaces", no_argument, 0, 'L' },
		{ "quiet", no_argument, 0, 'q' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 }
	};
	uint64_t u;
	double v;
	int c;

	while ((c = getopt_long(argc, argv, "+i:f:s:B:Z:d:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'i': o->iface.iface = optarg; break;
		case 'f': o->iface.filter = optarg; break;
		case 'Z': o->user = optarg; break;
		case 'd': o->db = optarg; break;
		case 'w': o->pcap_dir = optarg; break;
		case 'P': o->iface.promisc = 0; break;
		case 'q': o->quiet = o->iface.quiet = 1; break;
		case 'L': *list = 1; break;
		case 's':
			if (num_parse_u64(optarg, 64, CAPTURE_SNAPLEN_MAX, &u) < 0)
				return usage("-s wants a snap length of 64 to %d bytes, not '%s'", CAPTURE_SNAPLEN_MAX, optarg);
			o->iface.snaplen = (int)u;
			break;
		case 'B':
			if (num_parse_u64(optarg, 1, LIVE_BUFFER_MAX, &u) < 0)
				return usage("-B wants a buffer size of 1 to %d MiB, not '%s'", LIVE_BUFFER_MAX, optarg);
			o->iface.buffer_mib = (int)u;
			break;
		case 'W':
			if (num_parse_u64(optarg, 1, LIVE_WORKERS_MAX, &u) < 0)
				return usage("--workers wants 1 to %d, not '%s'", LIVE_WORKERS_MAX, optarg);
			o->workers = (int)u;
			break;
		case 'D':
			if (num_parse_double(optarg, 0.001, 86400.0 * 366, &v) < 0)
				return usage("--duration wants seconds, not '%s'", optarg);
			o->duration = v;
			break;
		case 'S':
			if (num_parse_double(optarg, 0.1, 86400, &v) < 0)
				return usage("--stats-interval wants 0.1 to 86400 seconds, not '%s'", optarg);
			o->stats_interval = v;
			break;
		case 'A':
			if (num_parse_double(optarg, 1, 86400, &v) < 0)
				return usage("--analyze-interval wants 1 to 86400 seconds, not '%s'", optarg);
			o->analyze_interval = v;
			break;
		case 'm':
			if (num_parse_u64(optarg, 1, 1 << 30, &u) < 0)
				return usage("--write-pcap-max wants MiB (a positive whole number), not '%s'", optarg);
			o->pcap_max_mib = u;
			break;
		case 'M':
			if (num_parse_u64(optarg, 1, UINT32_MAX, &u) < 0)
				return usage("--max-flows wants a positive number, not '%s'", optarg);
			o->flows.max_flows = (uint32_t)u;
			break;
		case 'E':
		case 'H':
			if (num_parse_u64(optarg, 1, 86400 * 30, &u) < 0)
				return usage("a timeout wants seconds (1 to 2592000), not '%s'", optarg);
			if (c == 'E')
				o->flows.timeout_est_us = u * 1000000;
			else
				o->flows.timeout_half_us = u * 1000000;
			break;
		case 'h': help(stdout); return -1;
		default: return usage("%s", "unknown option");
		}
	}
	if (optind < argc)
		return usage("unexpected argument '%s' (a filter goes after -f)", argv[optind]);
	if (!*list && !o->iface.iface)
		return usage("%s", "-i IFACE is required (see --list-interfaces)");
	return 0;
}

int live_main(int argc, char **argv, analysis_fn analyze)
{
	struct live_opts o;
	struct live_user user;
	struct live_stats ls;
	struct capture_info ci;
	struct capture_totals tot;
	struct counter_ctx cc;
	struct session_queue_stats qs;
	struct live_dump_stats ds;
	struct source src[LIVE_WORKERS_MAX];
	struct store *st = NULL;
	struct live_dump *dump = NULL;
	struct analysis_thread *at = NULL;
	struct run r;
	char err[1024] = "", why[1280] = "";
	int list = 0, rc, i, nsrc = 0, drop = 0, exit_code = 0, fanout_id, ended = 0, started = 0;
	int64_t capture_id = 0;
	uint64_t analysis_runs = 0;
	const char *status = "finished", *stop_why, *failure;
	double now;

	memset(&o, 0, sizeof o);
	memset(&user, 0, sizeof user);
	memset(&r, 0, sizeof r);
	memset(&ds, 0, sizeof ds);
	o.db = LIVE_DEFAULT_DB;
	o.iface.snaplen = CAPTURE_SNAPLEN_MAX;
	o.iface.buffer_mib = 64;
	o.iface.promisc = 1;
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
	fanout_id = o.workers > 1 ? (int)(getpid() & 0xffff) : -1;
	for (nsrc = 0; nsrc < o.workers; nsrc++) {
		if (source_open_iface(&src[nsrc], &o.iface, nsrc == 0, fanout_id, err, sizeof err, &rc) < 0) {
			fprintf(stderr, "smtpscope live: %s\n", err);
			if (rc == EXIT_USAGE)
				fprintf(stderr, "Try 'smtpscope live --help'.\n");
			exit_code = rc;
			goto out;
		}
		source_watch_stop(&src[nsrc]);
	}
	rt_install_signals(); /* from here a signal stops the run cleanly */

	/* 2. The database, owned by the user we become. */
	if (!(st = store_open(o.db, STORE_WRITE, err, sizeof err))) {
		fprintf(stderr, "smtpscope live: %s\n", err);
		exit_code = 1;
		goto out;
	}
	memset(&ci, 0, sizeof ci);
	ci.source = o.iface.iface;
	ci.kind = "live";
	ci.interface = o.iface.iface;
	ci.filter = o.iface.filter;
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
	if (o.pcap_dir && !(dump = live_dump_open(o.pcap_dir, o.pcap_max_mib << 20, src[0].dlt,
						 o.iface.snaplen, src[0].nano, err, sizeof err))) {
		fprintf(stderr, "smtpscope live: %s\n", err);
		exit_code = 1;
		goto out;
	}
	/* 4. Analysis on its own thread and connection: ingest never waits for it. */
	if (analyze && !(at = analysis_thread_start(o.db, analyze, o.analyze_interval, err, sizeof err))) {
		fprintf(stderr, "smtpscope live: %s\n", err);
		exit_code = 1;
		goto out;
	}

	/* 5. The run: workers, and this thread as the writer. */
	memset(&ls, 0, sizeof ls);
	ls.o = &o;
	r.src = src;
	r.nsrc = nsrc;
	r.flows = &o.flows;
	r.st = st;
	r.capture_id = capture_id;
	r.queue_max = LIVE_QUEUE_MAX;
	r.push_wait_ms = LIVE_QUEUE_WAIT_MS;
	r.dump = dump;
	r.duration = o.duration;
	r.tick_s = o.stats_interval;
	r.tick = stats_tick;
	r.ctx = &ls;
	if (!o.quiet)
		fprintf(stderr, "smtpscope live: capturing on %s%s%s%s (%s, %d worker%s, buffer %d MiB) into %s; "
			"SIGINT or SIGTERM stops\n", o.iface.iface, o.iface.filter ? " with filter '" : "",
			o.iface.filter ? o.iface.filter : "", o.iface.filter ? "'" : "",
			ci.linktype ? ci.linktype : "?", o.workers, o.workers == 1 ? "" : "s", o.iface.buffer_mib, o.db);
	ls.last_t = rt_mono_s();
	if (run_capture(&r, err, sizeof err) < 0) {
		fprintf(stderr, "smtpscope live: %s\n", err);
		exit_code = 1;
		goto out;
	}
	started = 1;
	analysis_runs = analysis_thread_stop(at);
	at = NULL;

	/* 6. The end: totals, counters, capture row, findings, the drop line. */
	if ((failure = run_failure(&r)) != NULL) {
		snprintf(why, sizeof why, "%s", failure);
		status = "error";
		exit_code = 1;
	} else if (ls.failed) {
		snprintf(why, sizeof why, "database write failed: %s", ls.err);
		status = "error";
		exit_code = 1;
	}
	if (r.wr.failed || ls.failed)
		fprintf(stderr, "smtpscope live: database write failed, stopping: %s\n",
			r.wr.failed ? r.wr.err : ls.err);
	stop_why = rt_signal() == SIGINT ? "SIGINT" : rt_signal() == SIGTERM ? "SIGTERM" :
		   r.stop_why ? r.stop_why : "stopped";
	now = rt_mono_s();
	stats_tick(&r, now);
	run_totals(&r, &tot);
	run_queue_stats(&r, &qs);
	cc.st = st;
	cc.capture_id = capture_id;
	run_counters(&r, put_counter, &cc);
	put_counter(&cc, "kernel_dropped", tot.dropped);
	put_counter(&cc, "interface_dropped", tot.if_dropped);
	put_counter(&cc, "queue_dropped_sessions", qs.dropped);
	put_counter(&cc, "queue_full_waits", qs.full_waits);
	put_counter(&cc, "workers", (uint64_t)nsrc);
	put_counter(&cc, "analysis_runs", analysis_runs);
	if (dump) {
		live_dump_get_stats(dump, &ds);
		put_counter(&cc, "pcap_written_packets", ds.packets);
		put_counter(&cc, "pcap_files", ds.files);
	}
	if (run_ts_backwards(&r))
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
	if (analyze && analyze(store_db(st), err, sizeof err) < 0)
		fprintf(stderr, "smtpscope live: refreshing the findings failed: %s\n", err);
	if (why[0])
		fprintf(stderr, "smtpscope live: %s\n", why);
	if (!o.quiet || tot.dropped || tot.if_dropped || qs.dropped)
		fprintf(stderr, "smtpscope live: %s: %s after %.1f s: %" PRIu64 " packets, %.1f MB, %" PRIu64
			" SMTP sessions stored; dropped: %" PRIu64 " by the kernel, %" PRIu64 " by the interface, %"
			PRIu64 " sessions in the writer queue%s\n", o.iface.iface, stop_why, now - r.t0, tot.packets,
			(double)tot.bytes / 1e6, tot.smtp_sessions, tot.dropped, tot.if_dropped, qs.dropped,
			tot.dropped || tot.if_dropped ? " (results are incomplete: raise -B or --workers, or "
			"narrow -f)" : "");
	if (dump && ds.failed)
		fprintf(stderr, "smtpscope live: --write-pcap stopped: %s\n", ds.err);

out:
	analysis_thread_stop(at);
	if (capture_id > 0 && !ended) /* failed while starting: the row must not say running */
		store_capture_end(st, capture_id, NULL, "error", err[0] ? err : "failed to start");
	(void)started;
	run_fini(&r);
	for (i = 0; i < nsrc; i++)
		source_close(&src[i]);
	live_dump_close(dump);
	store_close(st);
	return exit_code;
}
