/* \summary: `smtpscope findings` (analyzer/cli/cmd_findings.h): options,
 * filters, and the --fail-on exit status. */
#include "analyzer/cli/cmd_findings.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyzer/base/cliopt.h"
#include "analyzer/cli/cli_args.h"
#include "analyzer/store/store.h"
#include "reports/analyze.h"
#include "reports/query/kinds.h"
#include "reports/report.h"

#define DEFAULT_DB "smtpscope.db"

static void help(void)
{
	printf("usage: smtpscope findings [--db PATH] [--format text|json|csv] [-o FILE]\n"
	       "         [--severity MIN] [--kind K[,K...]] [--server ADDR[:PORT]]\n"
	       "         [--since TIME] [--new] [--fail-on SEVERITY]\n\n"
	       "Lists the findings: each SMTP virtual server (IP and port) that announces a\n"
	       "name that is not an FQDN, stalled deliveries, 4.4.7 reports and more, with\n"
	       "the evidence, the name to announce when the evidence shows one, and the fix.\n\n"
	       "  --severity MIN     high, medium, low or info: that severity and above\n"
	       "  --kind K,...       only these kinds (e.g. non_fqdn_greeting,expired_447)\n"
	       "  --server ADDR      one server (or client) address; ADDR:PORT, [V6]:PORT\n"
	       "  --since TIME       first seen by an analysis at or after TIME: ISO 8601\n"
	       "                     (2026-12-01, 2026-12-01T08:00Z) or back from now (24h, 7d)\n"
	       "  --new              only findings the latest analysis found for the first time\n"
	       "  --fail-on SEV      exit 3 when a listed finding is SEV or more severe\n\n"
	       "Each finding has a stable key (kind, server or client, name) that survives\n"
	       "'analyze', with the times it was first and last seen.\n"
	       "Exit status: 0 ok, 1 runtime error, 2 usage error, 3 --fail-on matched.\n");
}

static int sev_arg(const char *s)
{
	int r = severity_rank(s);

	return r;
}

int cmd_findings(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, 0, 'd' }, { "format", required_argument, 0, 'F' },
		{ "output", required_argument, 0, 'o' }, { "severity", required_argument, 0, 'S' },
		{ "kind", required_argument, 0, 'k' }, { "server", required_argument, 0, 's' },
		{ "since", required_argument, 0, 't' }, { "new", no_argument, 0, 'n' },
		{ "fail-on", required_argument, 0, 'f' }, { "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 }
	};
	struct findings_filter flt = { 0, NULL, NULL, -1, -1, 0 };
	const char *db = DEFAULT_DB, *out_path = NULL;
	char ip[64], err[512];
	int c, format = REPORT_TEXT, fail_on = 0, worst = 0, rc = 0;
	struct store *st;
	FILE *out = stdout;

	while ((c = getopt_long(argc, argv, ":d:F:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'o': out_path = optarg; break;
		case 'F':
			format = report_format_parse(optarg);
			if (format < 0 || format == REPORT_HTML)
				return cli_usage_error("findings", "--format is text, json or csv, not '%s'", optarg);
			break;
		case 'S':
			if (!(flt.min_severity = sev_arg(optarg)))
				return cli_usage_error("findings", "--severity is high, medium, low or info, not '%s'", optarg);
			break;
		case 'f':
			if (!(fail_on = sev_arg(optarg)))
				return cli_usage_error("findings", "--fail-on is high, medium, low or info, not '%s'", optarg);
			break;
		case 'k':
			if (!*optarg || strspn(optarg, "abcdefghijklmnopqrstuvwxyz0123456789_,") != strlen(optarg))
				return cli_usage_error("findings", "--kind wants kinds like non_fqdn_greeting, not '%s'", optarg);
			flt.kinds = optarg;
			break;
		case 's':
			if (parse_server_arg(optarg, ip, sizeof ip, &flt.server_port) < 0)
				return cli_usage_error("findings", "--server wants ADDR, ADDR:PORT or [V6]:PORT, not '%s'", optarg);
			flt.server_ip = ip;
			break;
		case 't':
			if (parse_time_arg(optarg, (double)time(NULL), &flt.since) < 0)
				return cli_usage_error("findings", "--since wants an ISO 8601 time (2026-12-01T08:00Z) or a "
					     "duration (24h, 7d), not '%s'", optarg);
			break;
		case 'n': flt.new_only = 1; break;
		case 'h': help(); return 0;
		default: return cli_bad_option("findings", c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error("findings", "unexpected argument '%s'", argv[optind]);
	if (!(st = store_open(db, STORE_READ, err, sizeof err))) {
		fprintf(stderr, "smtpscope findings: %s\n", err);
		return 1;
	}
	if (store_note(st))
		fprintf(stderr, "smtpscope findings: note: %s\n", store_note(st));
	if (out_path && strcmp(out_path, "-") != 0 && !(out = fopen(out_path, "w"))) {
		fprintf(stderr, "smtpscope findings: %s: %s\n", out_path, strerror(errno));
		store_close(st);
		return 1;
	}
	analyze_register_functions(store_db(st));
	if (findings_list(store_db(st), out, (enum report_format)format, &flt, &worst, err, sizeof err) < 0) {
		fprintf(stderr, "smtpscope findings: %s\n", err);
		rc = 1;
	}
	if (out != stdout) {
		if (fclose(out) != 0) {
			fprintf(stderr, "smtpscope findings: %s: %s\n", out_path, strerror(errno));
			rc = 1;
		}
	} else if (fflush(stdout) != 0) {
		rc = 1;
	}
	store_close(st);
	if (rc == 0 && fail_on && worst && worst <= fail_on)
		rc = EXIT_FINDINGS;
	return rc;
}
