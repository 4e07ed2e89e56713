/* \summary: the smtpscope command line: parses options and wires the stages.
 * No protocol logic lives here.
 *
 * Exit codes: 0 ok, 1 runtime error (bad capture, database refused, I/O),
 * 2 usage error (unknown command or option, missing argument). */
#include "analyzer/capture/capture.h"
#include "analyzer/base/limits.h"
#include "analyzer/base/numparse.h"
#include "analyzer/base/runtime.h"
#include "analyzer/capture/live.h"
#include "analyzer/store/merge.h"
#include "analyzer/store/store.h"
#include "reports/analyze.h"
#include "reports/export.h"
#include "reports/report.h"

#include <errno.h>
#include <getopt.h>
#include <pcap/pcap.h>
#include <inttypes.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef SMTPSCOPE_VERSION
#define SMTPSCOPE_VERSION "0.1.0"
#endif

#define EXIT_USAGE 2
#define DEFAULT_DB "smtpscope.db"

static const char *prog = "smtpscope";

static int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s%s%s: ", prog, cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s %s%s--help'.\n", prog, cmd ? cmd : "", cmd ? " " : "");
	return EXIT_USAGE;
}

static void main_help(FILE *f)
{
	fprintf(f,
		"usage: %s COMMAND [OPTIONS] [ARGS]\n"
		"\n"
		"Finds SMTP servers that announce a name that is not a fully qualified domain\n"
		"name (Microsoft KB 301401), and everything else SMTP says on the wire.\n"
		"\n"
		"Commands:\n"
		"  replay FILE...     read pcap/pcapng files ('-' = stdin) into the database\n"
		"  live -i IFACE      capture from an interface (mirror port) into the database\n"
		"  analyze            recompute the findings\n"
		"  findings           list the findings (text, json, csv)\n"
		"  report             write the report (html, text, json)\n"
		"  export             dump a table as JSON lines or CSV\n"
		"  merge OUT IN...    combine sensors' databases\n"
		"\n"
		"Options for every command: --db PATH (default ./" DEFAULT_DB "), -h/--help.\n"
		"  %s --version        print the version\n"
		"  %s COMMAND --help   options of one command\n"
		"\n"
		"Exit status: 0 ok, 1 runtime error, 2 usage error.\n",
		prog, prog, prog);
}

static struct store *open_store(const char *path, enum store_mode mode)
{
	char err[512];
	struct store *st = store_open(path, mode, err, sizeof err);

	if (!st)
		fprintf(stderr, "%s: %s\n", prog, err);
	return st;
}

static int run_analyze(struct store *st, int quiet)
{
	char err[512];

	if (analyze_run(store_db(st), err, sizeof err) < 0) {
		fprintf(stderr, "%s: analysis failed: %s\n", prog, err);
		return -1;
	}
	(void)quiet;
	return 0;
}

/* ---- replay ------------------------------------------------------------- */

static void replay_help(FILE *f)
{
	fprintf(f,
		"usage: %s replay [OPTIONS] FILE...\n"
		"\n"
		"Reads pcap and pcapng captures (micro- or nanosecond; '-' = standard input),\n"
		"finds every SMTP session on any port, stores it, then recomputes the findings.\n"
		"A file already imported (same size and content fingerprint) is skipped.\n"
		"\n"
		"  --db PATH                 database (default ./" DEFAULT_DB ")\n"
		"  -q, --quiet               no progress line and no summary\n"
		"  -f, --force               import a file again even if already imported\n"
		"      --no-analyze          do not recompute the findings at the end\n"
		"      --max-flows N         flows tracked at once (default %u; oldest idle evicted)\n"
		"      --timeout-established S  idle timeout of established flows (default %llu)\n"
		"      --timeout-half S      idle timeout of half-open/closed flows (default %llu)\n"
		"  -h, --help                this help\n",
		prog, FLOW_TABLE_DEFAULT, (unsigned long long)(FLOW_TIMEOUT_EST_US / 1000000),
		(unsigned long long)(FLOW_TIMEOUT_HALF_US / 1000000));
}

static void print_summary(struct store *st, int files, int failed, int skipped, uint64_t packets,
			  uint64_t bytes, uint64_t sessions, double secs)
{
	sqlite3_stmt *q;
	long long servers = 0, nonfqdn = 0, high = 0, total_findings = 0;

	if (sqlite3_prepare_v2(store_db(st),
			       "SELECT (SELECT count(*) FROM servers),"
			       " (SELECT count(*) FROM findings WHERE kind = 'non_fqdn_greeting'),"
			       " (SELECT count(*) FROM findings WHERE severity = 'high'),"
			       " (SELECT count(*) FROM findings)", -1, &q, NULL) == SQLITE_OK) {
		if (sqlite3_step(q) == SQLITE_ROW) {
			servers = sqlite3_column_int64(q, 0);
			nonfqdn = sqlite3_column_int64(q, 1);
			high = sqlite3_column_int64(q, 2);
			total_findings = sqlite3_column_int64(q, 3);
		}
		sqlite3_finalize(q);
	}
	fprintf(stderr,
		"Replayed %d file%s (%" PRIu64 " packets, %.1f MB) in %.2f s: %" PRIu64
		" SMTP session%s stored%s%s. The database now holds %lld SMTP server%s; %lld announce%s a "
		"name that is not an FQDN, and there are %lld finding%s (%lld high). %s%s\n",
		files, files == 1 ? "" : "s", packets, (double)bytes / 1e6, secs, sessions,
		sessions == 1 ? "" : "s", skipped ? ", some files skipped as already imported" : "",
		failed ? ", some files failed (see above)" : "", servers, servers == 1 ? "" : "s", nonfqdn,
		nonfqdn == 1 ? "s" : "", total_findings, total_findings == 1 ? "" : "s", high,
		total_findings ? "Run 'smtpscope findings' or 'smtpscope report'." : "",
		"");
}

static int cmd_replay(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, 0, 'd' },
		{ "quiet", no_argument, 0, 'q' },
		{ "force", no_argument, 0, 'f' },
		{ "no-analyze", no_argument, 0, 'A' },
		{ "max-flows", required_argument, 0, 'M' },
		{ "timeout-established", required_argument, 0, 'E' },
		{ "timeout-half", required_argument, 0, 'H' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 }
	};
	const char *db = DEFAULT_DB;
	struct replay_opts o;
	int c, i, rc = 0, failed = 0, skipped = 0, analyze = 1;
	uint64_t v, packets = 0, bytes = 0, sessions = 0;
	struct store *st;
	struct timespec t0, t1;

	memset(&o, 0, sizeof o);
	flow_config_default(&o.flows);
	while ((c = getopt_long(argc, argv, "+d:qfh", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'q': o.quiet = 1; break;
		case 'f': o.force = 1; break;
		case 'A': analyze = 0; break;
		case 'M':
			if (num_parse_u64(optarg, 1, UINT32_MAX, &v) < 0)
				return usage_error("replay", "--max-flows wants a positive number, not '%s'", optarg);
			o.flows.max_flows = (uint32_t)v;
			break;
		case 'E':
		case 'H':
			if (num_parse_u64(optarg, 1, 86400 * 30, &v) < 0)
				return usage_error("replay", "a timeout wants seconds (1 to 2592000), not '%s'", optarg);
			if (c == 'E')
				o.flows.timeout_est_us = v * 1000000;
			else
				o.flows.timeout_half_us = v * 1000000;
			break;
		case 'h': replay_help(stdout); return 0;
		default: return usage_error("replay", "%s", "unknown option");
		}
	}
	if (optind >= argc)
		return usage_error("replay", "%s", "no capture file given");
	if (!(st = open_store(db, STORE_WRITE)))
		return 1;
	rt_install_signals();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = optind; i < argc && !rt_stopping(); i++) {
		char err[1024];
		struct replay_result res;
		if (capture_replay(st, argv[i], &o, &res, err, sizeof err) < 0) {
			fprintf(stderr, "%s: %s\n", prog, err);
			failed++;
			rc = 1;
		} else if (res.skipped) {
			if (!o.quiet)
				fprintf(stderr, "%s: %s: already imported as capture %" PRId64
					" (same size and content); nothing added (use --force to import again)\n",
					prog, argv[i], res.capture_id);
			skipped++;
		}
		packets += res.packets;
		bytes += res.bytes;
		sessions += res.sessions;
	}
	if (rt_stopping())
		fprintf(stderr, "%s: interrupted: what was read is stored\n", prog);
	if (analyze && run_analyze(st, o.quiet) < 0)
		rc = 1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!o.quiet)
		print_summary(st, argc - optind, failed, skipped, packets, bytes, sessions,
			      (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	store_close(st);
	return rc;
}

/* ---- analyze, findings, report --------------------------------------------- */

static int cmd_analyze(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, 0, 'd' }, { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 }
	};
	const char *db = DEFAULT_DB;
	struct store *st;
	int c, rc;

	while ((c = getopt_long(argc, argv, "+d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'h':
			printf("usage: %s analyze [--db PATH]\n\nRecomputes the findings table from the stored "
			       "sessions (replay and live do this by themselves).\n", prog);
			return 0;
		default: return usage_error("analyze", "%s", "unknown option");
		}
	}
	if (optind < argc)
		return usage_error("analyze", "unexpected argument '%s'", argv[optind]);
	if (!(st = open_store(db, STORE_WRITE)))
		return 1;
	rc = run_analyze(st, 0) < 0 ? 1 : 0;
	store_close(st);
	return rc;
}

static int write_output(const char *cmd, const char *db, const char *out_path, int format, int findings)
{
	char err[512];
	struct store *st;
	FILE *out = stdout;
	int rc = 0;

	if (!(st = open_store(db, STORE_READ)))
		return 1;
	if (out_path && strcmp(out_path, "-") != 0 && !(out = fopen(out_path, "w"))) {
		fprintf(stderr, "%s %s: %s: %s\n", prog, cmd, out_path, strerror(errno));
		store_close(st);
		return 1;
	}
	analyze_register_functions(store_db(st));
	if ((findings ? findings_write(store_db(st), out, (enum report_format)format, err, sizeof err)
		      : report_write(store_db(st), out, (enum report_format)format, err, sizeof err)) < 0) {
		fprintf(stderr, "%s %s: %s\n", prog, cmd, err);
		rc = 1;
	}
	if (out != stdout) {
		if (fclose(out) != 0) {
			fprintf(stderr, "%s %s: %s: %s\n", prog, cmd, out_path, strerror(errno));
			rc = 1;
		}
	} else if (fflush(stdout) != 0) {
		rc = 1;
	}
	store_close(st);
	return rc;
}

/* `findings` and `report`: the same options, different formats and output. */
static int cmd_output(int argc, char **argv, int findings)
{
	static const struct option opts[] = {
		{ "db", required_argument, 0, 'd' }, { "format", required_argument, 0, 'F' },
		{ "output", required_argument, 0, 'o' }, { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 }
	};
	const char *cmd = findings ? "findings" : "report";
	const char *db = DEFAULT_DB, *out = NULL;
	int c, format = findings ? REPORT_TEXT : REPORT_HTML;

	while ((c = getopt_long(argc, argv, "+d:F:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'o': out = optarg; break;
		case 'F':
			format = report_format_parse(optarg);
			if (format < 0 || format == (findings ? REPORT_HTML : REPORT_CSV))
				return usage_error(cmd, "--format is %s, not '%s'",
						   findings ? "text, json or csv" : "html, text or json", optarg);
			break;
		case 'h':
			if (findings)
				printf("usage: %s findings [--db PATH] [--format text|json|csv] [-o FILE]\n\n"
				       "Lists the findings: each SMTP virtual server (IP and port) that announces a\n"
				       "name that is not an FQDN, stalled deliveries, 4.4.7 reports and more.\n", prog);
			else
				printf("usage: %s report [--db PATH] [-o FILE] [--format html|text|json]\n\n"
				       "Writes the report: one self-contained HTML file (default, to standard output\n"
				       "unless -o), a terminal summary (text) or JSON for scripts.\n", prog);
			return 0;
		default: return usage_error(cmd, "%s", "unknown option");
		}
	}
	if (optind < argc)
		return usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	return write_output(cmd, db, out, format, findings);
}

/* ---- export, merge --------------------------------------------------------- */

static int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, 0, 'd' }, { "table", required_argument, 0, 't' },
		{ "format", required_argument, 0, 'F' }, { "since", required_argument, 0, 's' },
		{ "output", required_argument, 0, 'o' }, { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 }
	};
	const char *db = DEFAULT_DB, *table = NULL, *format = "jsonl", *out_path = NULL;
	double since = -1;
	char err[512], *end;
	struct store *st;
	FILE *out = stdout;
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "+d:t:F:s:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 't': table = optarg; break;
		case 'o': out_path = optarg; break;
		case 'F':
			if (strcmp(optarg, "jsonl") && strcmp(optarg, "csv"))
				return usage_error("export", "--format is jsonl or csv, not '%s'", optarg);
			format = optarg;
			break;
		case 's':
			errno = 0;
			since = strtod(optarg, &end);
			if (errno || *end || since < 0)
				return usage_error("export", "--since wants Unix seconds, not '%s'", optarg);
			break;
		case 'h':
			printf("usage: %s export --table NAME [--format jsonl|csv] [--since TS] [--db PATH] [-o FILE]\n\n"
			       "Dumps one table or view, one JSON object a line (for log pipelines) or CSV.\n"
			       "Tables: sessions extensions commands replies mails recipients dsn_recipients\n"
			       "anomalies findings captures capture_stats servers.  --since keeps rows at or\n"
			       "after a Unix time.\n", prog);
			return 0;
		default: return usage_error("export", "%s", "unknown option");
		}
	}
	if (!table)
		return usage_error("export", "%s", "--table is required");
	if (optind < argc)
		return usage_error("export", "unexpected argument '%s'", argv[optind]);
	if (!(st = open_store(db, STORE_READ)))
		return 1;
	if (out_path && !(out = fopen(out_path, "w"))) {
		fprintf(stderr, "%s export: %s: %s\n", prog, out_path, strerror(errno));
		store_close(st);
		return 1;
	}
	if (export_table(store_db(st), table, format, since, out, err, sizeof err) < 0) {
		fprintf(stderr, "%s export: %s\n", prog, err);
		rc = strstr(err, "unknown table") ? EXIT_USAGE : 1;
	}
	if (out != stdout && fclose(out) != 0)
		rc = 1;
	store_close(st);
	return rc;
}

static int cmd_merge(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
	struct store *st;
	int c, i, rc = 0;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h') {
			printf("usage: %s merge OUT.db IN.db...\n\nCopies the captures of each IN database "
			       "(sensors) into OUT, without duplicating\ncaptures OUT already holds, then "
			       "recomputes the findings.\n", prog);
			return 0;
		}
		return usage_error("merge", "%s", "unknown option");
	}
	if (argc - optind < 2)
		return usage_error("merge", "%s", "wants OUT.db and at least one IN.db");
	if (!(st = open_store(argv[optind], STORE_WRITE)))
		return 1;
	for (i = optind + 1; i < argc; i++) {
		char err[512];
		if (store_merge(st, argv[i], err, sizeof err) < 0) {
			fprintf(stderr, "%s merge: %s: %s\n", prog, argv[i], err);
			rc = 1;
		}
	}
	if (run_analyze(st, 0) < 0)
		rc = 1;
	store_close(st);
	return rc;
}

int main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2) {
		main_help(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		if (argc > 2 && strcmp(argv[2], "help") != 0) {
			static char *sub[4];
			sub[0] = argv[0];
			sub[1] = argv[2];
			sub[2] = (char *)"--help";
			argv = sub; /* as if "smtpscope COMMAND --help" */
			argc = 3;
			cmd = sub[1];
		} else {
			main_help(stdout);
			return 0;
		}
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
		printf("smtpscope %s (%s; SQLite %s; nDPI 4.2 API)\n", SMTPSCOPE_VERSION, pcap_lib_version(),
		       sqlite3_libversion());
		return 0;
	}
	argv++;
	argc--;
	optind = 1;
	if (!strcmp(cmd, "replay"))
		return cmd_replay(argc, argv);
	if (!strcmp(cmd, "live"))
		return live_main(argc, argv, analyze_run);
	if (!strcmp(cmd, "analyze"))
		return cmd_analyze(argc, argv);
	if (!strcmp(cmd, "findings"))
		return cmd_output(argc, argv, 1);
	if (!strcmp(cmd, "report"))
		return cmd_output(argc, argv, 0);
	if (!strcmp(cmd, "export"))
		return cmd_export(argc, argv);
	if (!strcmp(cmd, "merge"))
		return cmd_merge(argc, argv);
	fprintf(stderr, "%s: unknown command '%s'\nTry '%s --help'.\n", prog, cmd, prog);
	return EXIT_USAGE;
}
