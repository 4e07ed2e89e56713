/* \summary: the smtpscope command line: parses options and wires the stages.
 * No protocol logic lives here.
 *
 * Options go anywhere among the arguments ("--" ends them); each error is one
 * message naming the command and the option (analyzer/base/cliopt.h).
 *
 * Exit codes (README "Exit status"): 0 ok, 1 runtime error (bad capture,
 * database refused, I/O; for replay: a file failed), 2 usage error (unknown
 * command or option, missing argument), 3 `findings --fail-on` matched
 * (analyzer/cli/cmd_findings.c), 130 stopped by SIGINT/SIGTERM. */
#include "analyzer/capture/capture.h"
#include "analyzer/base/cliopt.h"
#include "analyzer/base/limits.h"
#include "analyzer/base/numparse.h"
#include "analyzer/base/runtime.h"
#include "analyzer/capture/live.h"
#include "analyzer/cli/cmd_findings.h"
#include "analyzer/output/outputs.h"
#include "analyzer/store/checkpoint.h"
#include "analyzer/store/merge.h"
#include "analyzer/store/prune.h"
#include "analyzer/base/timefmt.h"
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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef SMTPSCOPE_VERSION
#define SMTPSCOPE_VERSION "0.1.0"
#endif

#define EXIT_USAGE 2
#define EXIT_INTERRUPTED 130   /* the shell's 128 + SIGINT */
#define DEFAULT_DB "smtpscope.db"

static const char *prog = "smtpscope";

#define usage_error cli_usage_error

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
		"  prune --older-than AGE  delete old sessions (keeps server summaries, findings)\n"
		"\n"
		"Options for every command: --db PATH (default ./" DEFAULT_DB "), -h/--help;\n"
		"options go anywhere among the arguments, and '--' ends them.\n"
		"  %s --version        print the version\n"
		"  %s COMMAND --help   options of one command\n"
		"\n"
		"Exit status: 0 ok, 1 runtime error (for replay: a file failed), 2 usage error,\n"
		"3 findings --fail-on matched, 130 stopped by SIGINT or SIGTERM.\n",
		prog, prog, prog);
}

static struct store *open_store(const char *cmd, const char *path, enum store_mode mode)
{
	char err[512];
	struct store *st = store_open(path, mode, err, sizeof err);

	if (!st)
		fprintf(stderr, "%s %s: %s\n", prog, cmd, err);
	else if (store_note(st))
		fprintf(stderr, "%s %s: note: %s\n", prog, cmd, store_note(st));
	return st;
}

/* Commands that only read or recompute refuse a database that is not there
 * (instead of creating an empty one).  0, or 1 after the message. */
static int must_exist(const char *cmd, const char *path)
{
	struct stat sb;

	if (stat(path, &sb) == 0)
		return 0;
	fprintf(stderr, "%s %s: %s: %s (replay or live creates the database; --db names another)\n",
		prog, cmd, path, errno == ENOENT ? "no database here" : strerror(errno));
	return 1;
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
		"       %s replay [OPTIONS] -r FILE [-r FILE]...\n"
		"\n"
		"Reads pcap and pcapng captures (micro- or nanosecond; '-' = standard input),\n"
		"also compressed with gzip, zstd or xz (.gz, .zst, .xz: read directly),\n"
		"finds every SMTP session on any port, stores it, then recomputes the findings.\n"
		"An input already imported (same whole content, same --filter) is skipped; an\n"
		"earlier import of it that did not finish (killed, interrupted, disk full,\n"
		"truncated copy) is replaced, never duplicated (README \"Imports\").\n"
		"Exit status: 0 ok, 1 a file failed, 2 usage error, 130 interrupted.\n"
		"\n"
		"  --db PATH                 database (default ./" DEFAULT_DB ")\n"
		"  -r, --read FILE           a capture to read (as tcpdump -r); may be repeated\n"
		"      --filter EXPR         BPF filter (tcpdump syntax), e.g. 'tcp port 25'\n"
		"  -q, --quiet               no progress line and no summary\n"
		"      --force               import again, replacing any earlier import of it\n"
		"      --no-analyze          do not recompute the findings at the end\n"
		"      --max-flows N         flows tracked at once (default %u; oldest idle evicted)\n"
		"      --timeout-established S  idle timeout of established flows (default %llu)\n"
		"      --timeout-half S      idle timeout of half-open/closed flows (default %llu)\n"
		"  -h, --help                this help\n",
		prog, prog, FLOW_TABLE_DEFAULT, (unsigned long long)(FLOW_TIMEOUT_EST_US / 1000000),
		(unsigned long long)(FLOW_TIMEOUT_HALF_US / 1000000));
	outputs_help(f, 0);
}

struct replay_tally {
	int imported, skipped, failed;   /* files */
	int interrupted;                 /* a signal stopped the run */
	uint64_t packets, bytes, sessions;
	uint64_t snaplen_sessions;       /* sessions with bytes cut by the snap length */
};

static void print_summary(struct store *st, const struct replay_tally *t, double secs)
{
	sqlite3_stmt *q;
	long long servers = 0, nonfqdn = 0, high = 0, total_findings = 0;
	char files[160];
	int n = 0, k;

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
	/* "2 files imported, 1 skipped (already imported), 1 failed" */
	k = snprintf(files, sizeof files, "%d file%s imported", t->imported, t->imported == 1 ? "" : "s");
	n = k > 0 ? k : 0;
	if (t->skipped && n < (int)sizeof files)
		n += snprintf(files + n, sizeof files - (size_t)n, ", %d skipped (already imported)", t->skipped);
	if (t->failed && n < (int)sizeof files)
		n += snprintf(files + n, sizeof files - (size_t)n, ", %d failed (see above)", t->failed);
	fprintf(stderr,
		"%s%s (%" PRIu64 " packets, %.1f MB) in %.2f s: %" PRIu64
		" SMTP session%s stored. The database now holds %lld SMTP server%s; %lld announce%s a "
		"name that is not an FQDN, and there are %lld finding%s (%lld high).%s\n",
		t->interrupted ? "Interrupted: " : "", files, t->packets, (double)t->bytes / 1e6, secs,
		t->sessions, t->sessions == 1 ? "" : "s", servers, servers == 1 ? "" : "s", nonfqdn,
		nonfqdn == 1 ? "s" : "", total_findings, total_findings == 1 ? "" : "s", high,
		total_findings ? " Run 'smtpscope findings' or 'smtpscope report'." : "");
}

/* The end-of-replay warning for sessions cut by the capture's snap length:
 * their commands and replies are partly missing, so findings about them may
 * be missed (a misconfigured server unseen).  Printed even with -q. */
static void warn_snaplen(const struct replay_tally *t)
{
	if (!t->snaplen_sessions)
		return;
	fprintf(stderr,
		"%s replay: warning: %" PRIu64 " SMTP session%s lost bytes to the capture's snap length "
		"(packets cut short when captured, anomaly reasm_snaplen); findings about %s may be "
		"missing. Capture again with the full packet: tcpdump -s 0 (or tshark/dumpcap -s 0).\n",
		prog, t->snaplen_sessions, t->snaplen_sessions == 1 ? "" : "s",
		t->snaplen_sessions == 1 ? "it" : "them");
}

static int cmd_replay(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, 0, 'd' },
		{ "quiet", no_argument, 0, 'q' },
		{ "force", no_argument, 0, 'F' },
		{ "read", required_argument, 0, 'r' },
		{ "filter", required_argument, 0, 'X' },
		{ "no-analyze", no_argument, 0, 'A' },
		{ "max-flows", required_argument, 0, 'M' },
		{ "timeout-established", required_argument, 0, 'E' },
		{ "timeout-half", required_argument, 0, 'H' },
		{ "help", no_argument, 0, 'h' },
		OUTPUTS_LONG_OPTIONS,
		{ 0, 0, 0, 0 }
	};
	const char *db = DEFAULT_DB;
	struct replay_opts o;
	struct outputs_config oc;
	struct outputs out;
	struct checkpointer ck;
	struct replay_tally t;
	char oerr[512];
	char **files;
	int nfiles = 0, k;
	int c, i, rc = 0, analyze = 1;
	uint64_t v;
	struct store *st;
	struct timespec t0, t1;

	memset(&o, 0, sizeof o);
	memset(&oc, 0, sizeof oc);
	memset(&out, 0, sizeof out);
	memset(&t, 0, sizeof t);
	flow_config_default(&o.flows);
	if (!(files = calloc((size_t)argc + 1, sizeof *files)))
		return 1;
	while ((c = getopt_long(argc, argv, ":d:qr:fh", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'q': o.quiet = 1; break;
		case 'F': o.force = 1; break;
		case 'r': files[nfiles++] = optarg; break;
		case 'X': o.filter = optarg; break;
		case 'f':
			free(files);
			return usage_error("replay", "%s", "-f is not an option of replay: --force imports a file "
					   "again, --filter EXPR sets a BPF filter");
		case 'A': analyze = 0; break;
		case 'M':
			if (num_parse_u64(optarg, 1, UINT32_MAX, &v) < 0) {
				free(files);
				return usage_error("replay", "--max-flows wants a positive number, not '%s'", optarg);
			}
			o.flows.max_flows = (uint32_t)v;
			break;
		case 'E':
		case 'H':
			if (num_parse_u64(optarg, 1, 86400 * 30, &v) < 0) {
				free(files);
				return usage_error("replay", "--timeout-%s wants seconds (1 to 2592000), not '%s'",
						   c == 'E' ? "established" : "half", optarg);
			}
			if (c == 'E')
				o.flows.timeout_est_us = v * 1000000;
			else
				o.flows.timeout_half_us = v * 1000000;
			break;
		case 'h': free(files); replay_help(stdout); return 0;
		default:
			if ((k = outputs_opt(c, optarg, &oc, oerr, sizeof oerr)) < 0) {
				free(files);
				return usage_error("replay", "%s", oerr);
			}
			if (k == 0) {
				free(files);
				return cli_bad_option("replay", c, argv);
			}
		}
	}
	for (i = optind; i < argc; i++)
		files[nfiles++] = argv[i];
	if (nfiles == 0) {
		free(files);
		return usage_error("replay", "%s", "no capture file given (FILE... or -r FILE)");
	}
	if (o.filter) { /* a filter libpcap rejects is a usage error, before anything is opened */
		pcap_t *dead = pcap_open_dead(DLT_EN10MB, 262144);
		struct bpf_program bpf;
		if (dead && pcap_compile(dead, &bpf, o.filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
			snprintf(oerr, sizeof oerr, "bad filter '%s': %s", o.filter, pcap_geterr(dead));
			pcap_close(dead);
			free(files);
			return usage_error("replay", "%s", oerr);
		}
		if (dead) {
			pcap_freecode(&bpf);
			pcap_close(dead);
		}
	}
	rt_timing("replay", NULL);
	if (!(st = open_store("replay", db, STORE_WRITE))) {
		free(files);
		return 1;
	}
	rt_timing("replay", "open the database");
	if (outputs_open(&out, &oc, nfiles == 1 ? files[0] : "replay", oerr, sizeof oerr) < 0) {
		fprintf(stderr, "%s replay: %s\n", prog, oerr);
		store_close(st);
		free(files);
		return 1;
	}
	outputs_use_db(&out, store_db(st)); /* used by the replay's writer thread */
	{
		/* the analysis' index, kept by the writer from now on (analyze.h) */
		char ierr[256];
		if (analyze && analyze_indexes(store_db(st), ierr, sizeof ierr) < 0 && !o.quiet)
			fprintf(stderr, "%s replay: warning: %s (the analysis builds it at the end)\n", prog,
				ierr);
	}
	o.out = &out;
	rt_install_signals();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < nfiles && !rt_stopping(); i++) {
		char err[1024];
		struct replay_result res;
		if (capture_replay(st, files[i], &o, &res, err, sizeof err) < 0) {
			fprintf(stderr, "%s replay: %s\n", prog, err);
			t.failed++;
			rc = 1;
		} else if (res.skipped) {
			if (!o.quiet)
				fprintf(stderr, "%s replay: %s: already imported as capture %" PRId64
					" (same content); nothing added (--force imports it again)\n",
					prog, files[i], res.capture_id);
			t.skipped++;
		} else if (!res.interrupted) {
			t.imported++;
		}
		rt_timing("replay", files[i]);
		t.packets += res.packets;
		t.bytes += res.bytes;
		t.sessions += res.sessions;
		t.snaplen_sessions += res.snaplen_sessions;
	}
	if (rt_stopping()) {
		t.interrupted = 1;
		fprintf(stderr, "%s replay: interrupted: the sessions read so far are stored, the capture "
			"is marked interrupted; replaying the file again replaces it\n", prog);
	}
	{
		struct timespec a0, a1;
		/* the capture's pages go into the file while the analysis runs */
		(void)checkpointer_start(&ck, sqlite3_db_filename(store_db(st), "main"));
		clock_gettime(CLOCK_MONOTONIC, &a0);
		if (analyze && run_analyze(st, o.quiet) < 0)
			rc = 1;
		clock_gettime(CLOCK_MONOTONIC, &a1);
		if (analyze)
			outputs_analyzed(&out, store_db(st), (double)(a1.tv_sec - a0.tv_sec) +
					 (a1.tv_nsec - a0.tv_nsec) / 1e9);
		rt_timing("replay", "analysis");
	}
	{
		struct capture_totals tot;
		struct outputs_tick ot;
		memset(&tot, 0, sizeof tot);
		memset(&ot, 0, sizeof ot);
		tot.packets = t.packets;
		tot.bytes = t.bytes;
		tot.smtp_sessions = t.sessions;
		ot.t = &tot;
		outputs_tick(&out, &ot);
		outputs_close(&out);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!o.quiet)
		print_summary(st, &t, (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	warn_snaplen(&t);
	/* The .db alone is complete: nothing left in the -wal. */
	rt_timing("replay", "summary and outputs");
	checkpointer_join(&ck);
	rt_timing("replay", "the capture's checkpoint");
	sqlite3_exec(store_db(st), "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	rt_timing("replay", "checkpoint");
	store_close(st);
	rt_timing("replay", "close the database");
	free(files);
	if (t.interrupted)
		return EXIT_INTERRUPTED;
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

	while ((c = getopt_long(argc, argv, ":d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'h':
			printf("usage: %s analyze [--db PATH]\n\nRecomputes the findings table from the stored "
			       "sessions (replay and live do this by themselves).\n", prog);
			return 0;
		default: return cli_bad_option("analyze", c, argv);
		}
	}
	if (optind < argc)
		return usage_error("analyze", "unexpected argument '%s'", argv[optind]);
	if (must_exist("analyze", db) || !(st = open_store("analyze", db, STORE_WRITE)))
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

	/* HTML on a terminal is a screenful of markup, never what was meant. */
	if (!findings && format == REPORT_HTML && (!out_path || !strcmp(out_path, "-")) && isatty(STDOUT_FILENO))
		return usage_error(cmd, "%s", "not writing HTML to a terminal: it would go to standard output. Give "
				   "-o report.html to write the file, redirect (> report.html), or use --format text");
	if (!(st = open_store(cmd, db, STORE_READ)))
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

	while ((c = getopt_long(argc, argv, ":d:F:o:h", opts, NULL)) != -1) {
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
		default: return cli_bad_option(cmd, c, argv);
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
	char err[512];
	struct store *st;
	FILE *out = stdout;
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, ":d:t:F:s:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 't': table = optarg; break;
		case 'o': out_path = optarg; break;
		case 'F':
			if (strcmp(optarg, "jsonl") && strcmp(optarg, "json") && strcmp(optarg, "csv"))
				return usage_error("export", "--format is jsonl, json or csv, not '%s'", optarg);
			format = optarg;
			break;
		case 's':
			if (timefmt_parse_time(optarg, &since) < 0)
				return usage_error("export", "--since wants an ISO 8601 time (2026-12-01, "
						   "2026-12-01T08:00:00Z, 2026-12-01 10:00+02:00) or Unix seconds, not '%s'",
						   optarg);
			break;
		case 'h':
			printf("usage: %s export --table NAME [--format jsonl|json|csv] [--since TIME] [--db PATH] [-o FILE]\n\n"
			       "Dumps one table or view: JSON lines (one object a line, for log pipelines),\n"
			       "JSON (one array) or CSV.\n"
			       "Tables: sessions extensions commands replies mails recipients dsn_recipients\n"
			       "anomalies findings captures capture_stats capture_counters servers, and every\n"
			       "other table or view of the database (server_history, findings_history,\n"
			       "server_totals, prunes, ehlo_profiles, ...).\n"
			       "  --since TIME   rows at or after TIME: ISO 8601 (UTC unless a zone is given)\n"
			       "                 or Unix seconds; sessions and their rows by the session's\n"
			       "                 END (last_ts), so long sessions are not missed\n", prog);
			return 0;
		default: return cli_bad_option("export", c, argv);
		}
	}
	if (!table)
		return usage_error("export", "%s", "--table is required");
	if (optind < argc)
		return usage_error("export", "unexpected argument '%s'", argv[optind]);
	if (!(st = open_store("export", db, STORE_READ)))
		return 1;
	if (out_path && strcmp(out_path, "-") != 0 && !(out = fopen(out_path, "w"))) {
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
	static const struct option opts[] = {
		{ "db", required_argument, 0, 'd' }, { "quiet", no_argument, 0, 'q' },
		{ "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 }
	};
	const char *db = NULL;
	struct merge_counts tot, n;
	struct store *st;
	int c, i, first, rc = 0, quiet = 0, merged = 0, failed = 0;
	long long sessions = -1, findings = -1;
	sqlite3_stmt *q;

	while ((c = getopt_long(argc, argv, ":d:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'q': quiet = 1; break;
		case 'h':
			printf("usage: %s merge [--db OUT.db] IN.db...\n"
			       "       %s merge OUT.db IN.db...\n\n"
			       "Copies the captures of each IN database (sensors) into OUT (--db, default\n"
			       "./" DEFAULT_DB "), without duplicating captures OUT already holds, then\n"
			       "recomputes the findings and prints what was copied.  Without --db, the first\n"
			       "of two or more names is OUT.\n", prog, prog);
			return 0;
		default: return cli_bad_option("merge", c, argv);
		}
	}
	first = optind;
	if (!db) {
		if (argc - optind >= 2)
			db = argv[first++];
		else
			db = DEFAULT_DB;
	}
	if (first >= argc)
		return usage_error("merge", "%s", "no input database given (merge [--db OUT.db] IN.db...)");
	if (!(st = open_store("merge", db, STORE_WRITE)))
		return 1;
	memset(&tot, 0, sizeof tot);
	for (i = first; i < argc; i++) {
		char err[512];
		memset(&n, 0, sizeof n);
		if (store_merge_counts(st, argv[i], &n, err, sizeof err) < 0) {
			fprintf(stderr, "%s merge: %s\n", prog, err);
			failed++;
			rc = 1;
			continue;
		}
		merged++;
		tot.captures += n.captures;
		tot.sessions += n.sessions;
		tot.mails += n.mails;
		tot.skipped += n.skipped;
	}
	if (run_analyze(st, 0) < 0)
		rc = 1;
	if (sqlite3_prepare_v2(store_db(st), "SELECT (SELECT count(*) FROM sessions), (SELECT count(*) FROM findings)",
			       -1, &q, NULL) == SQLITE_OK) {
		if (sqlite3_step(q) == SQLITE_ROW) {
			sessions = sqlite3_column_int64(q, 0);
			findings = sqlite3_column_int64(q, 1);
		}
		sqlite3_finalize(q);
	}
	if (!quiet)
		fprintf(stderr, "Merged %d database%s into %s%s%s: %lld capture%s copied (%lld SMTP sessions, "
			"%lld mails), %lld already present. %s now holds %lld SMTP sessions and %lld findings.\n",
			merged, merged == 1 ? "" : "s", db, failed ? "" : "", failed ? " (some failed, see above)" : "",
			(long long)tot.captures, tot.captures == 1 ? "" : "s", (long long)tot.sessions,
			(long long)tot.mails, (long long)tot.skipped, db, sessions, findings);
	store_close(st);
	return rc;
}

/* ---- prune (retention) ------------------------------------------------------ */

static void prune_help(FILE *f)
{
	fprintf(f,
		"usage: %s prune --older-than AGE [--db PATH] [--batch N] [--no-analyze] [-q]\n"
		"\n"
		"Deletes the sessions that ended more than AGE ago (90s, 12h, 30d, 2w; a bare\n"
		"number is days), with their transcript, mails, recipients and anomalies, and\n"
		"the statistics samples as old.  Before it, the findings are copied into\n"
		"findings_history; what each deleted session contributed to its server is\n"
		"added to server_history (per server and day; the server_totals view adds both).\n"
		"Works in small transactions, so a capture writing to the same database goes\n"
		"on meanwhile; sessions stored while it runs are left alone.  Then the\n"
		"findings are recomputed from what remains.\n"
		"\n"
		"  --older-than AGE          required\n"
		"  --db PATH                 database (default ./" DEFAULT_DB ")\n"
		"  --batch N                 sessions per transaction (default %d)\n"
		"  --no-analyze              do not recompute the findings afterwards\n"
		"  -q, --quiet               no summary line\n"
		"  -h, --help                this help\n", prog, PRUNE_BATCH_SESSIONS);
}

static int cmd_prune(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, 0, 'd' }, { "older-than", required_argument, 0, 'o' },
		{ "batch", required_argument, 0, 'b' }, { "no-analyze", no_argument, 0, 'A' },
		{ "quiet", no_argument, 0, 'q' }, { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 }
	};
	const char *db = DEFAULT_DB;
	struct prune_opts po;
	struct prune_result res;
	struct store *st;
	double age = -1;
	uint64_t v;
	char err[512], iso[TIMEFMT_ISO_LEN];
	int c, rc = 0, analyze = 1, quiet = 0;

	memset(&po, 0, sizeof po);
	po.pause_ms = -1;
	while ((c = getopt_long(argc, argv, ":d:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'q': quiet = 1; break;
		case 'A': analyze = 0; break;
		case 'o':
			if (timefmt_parse_duration(optarg, 86400, &age) < 0 || age <= 0)
				return usage_error("prune", "--older-than wants an age such as 30d, 12h or 90s, not '%s'",
						   optarg);
			break;
		case 'b':
			if (num_parse_u64(optarg, 1, 1000000, &v) < 0)
				return usage_error("prune", "--batch wants 1 to 1000000, not '%s'", optarg);
			po.batch = (int)v;
			break;
		case 'h': prune_help(stdout); return 0;
		default: return cli_bad_option("prune", c, argv);
		}
	}
	if (optind < argc)
		return usage_error("prune", "unexpected argument '%s'", argv[optind]);
	if (age < 0)
		return usage_error("prune", "%s", "--older-than AGE is required (for example 30d)");
	if (must_exist("prune", db) || !(st = open_store("prune", db, STORE_WRITE)))
		return 1;
	po.cutoff = (double)time(NULL) - age;
	if (prune_run(store_db(st), &po, &res, err, sizeof err) < 0) {
		fprintf(stderr, "%s: %s\n", prog, err);
		rc = 1;
	} else if (!quiet) {
		fprintf(stderr, "%s: %" PRIu64 " sessions that ended before %s deleted in %" PRIu64
			" batches, %" PRIu64 " statistics samples; %" PRIu64 " findings kept in findings_history\n",
			prog, res.sessions, timefmt_iso8601_us((uint64_t)(po.cutoff * 1e6), iso, sizeof iso),
			res.batches, res.stats_rows, res.findings_kept);
	}
	if (analyze && run_analyze(st, quiet) < 0)
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
	opterr = 0; /* cli_bad_option() says it, once */
	if (!strcmp(cmd, "replay"))
		return cmd_replay(argc, argv);
	if (!strcmp(cmd, "live"))
		return live_main(argc, argv, analyze_run);
	if (!strcmp(cmd, "analyze"))
		return cmd_analyze(argc, argv);
	if (!strcmp(cmd, "findings"))
		return cmd_findings(argc, argv);
	if (!strcmp(cmd, "report"))
		return cmd_output(argc, argv, 0);
	if (!strcmp(cmd, "export"))
		return cmd_export(argc, argv);
	if (!strcmp(cmd, "merge"))
		return cmd_merge(argc, argv);
	if (!strcmp(cmd, "prune"))
		return cmd_prune(argc, argv);
	if (cmd[0] == '-')
		return usage_error(NULL, "unknown option '%s' (the command comes first: %s COMMAND [OPTIONS])",
				   cmd, prog);
	return usage_error(NULL, "unknown command '%s'", cmd);
}
