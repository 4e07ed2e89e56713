/* \summary: one message per command-line error, naming the command and the
 * option (shared by every command, live included).
 *
 * Commands parse with getopt_long() and an optstring that starts with ':'
 * (missing values are reported as ':'), without '+' (GNU getopt permutes, so
 * options go anywhere among the file names, and "--" ends them), and with
 * opterr = 0 (getopt prints nothing itself). */
#ifndef SMTPSCOPE_CLIOPT_H
#define SMTPSCOPE_CLIOPT_H

/* "smtpscope CMD: <message>" and "Try 'smtpscope CMD --help'." on stderr;
 * returns 2 (usage error).  cmd may be NULL (before a command was named). */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The message for what getopt_long() returned ('?' or ':'), from optind,
 * optopt and argv; returns 2. */
int cli_bad_option(const char *cmd, int c, char *const *argv);

#endif
