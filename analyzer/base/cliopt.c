/* \summary: command-line error messages; see cliopt.h. */
#include "analyzer/base/cliopt.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "smtpscope%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'smtpscope %s%s--help'.\n", cmd ? cmd : "", cmd ? " " : "");
	return 2;
}

int cli_bad_option(const char *cmd, int c, char *const *argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	char name[64];

	if (!arg)
		arg = "";
	if (c == ':')
		return cli_usage_error(cmd, "option '%s' needs a value", arg);
	if (optopt && strncmp(arg, "--", 2) == 0) /* "--quiet=x": a known option given a value */
		return cli_usage_error(cmd, "option '%.*s' takes no value", (int)strcspn(arg, "="), arg);
	if (optopt) {
		snprintf(name, sizeof name, "-%c", optopt);
		return cli_usage_error(cmd, "unknown option '%s'", name);
	}
	return cli_usage_error(cmd, "unknown option '%s'", arg);
}
