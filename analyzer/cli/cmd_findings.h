/* \summary: `smtpscope findings`: list, filter and alert on findings. */
#ifndef SMTPSCOPE_CMD_FINDINGS_H
#define SMTPSCOPE_CMD_FINDINGS_H

/* Exit status when --fail-on matched: a finding at or above the severity
 * is listed (for cron, Nagios, CI).  0 ok, 1 runtime error, 2 usage. */
#define EXIT_FINDINGS 3

int cmd_findings(int argc, char **argv);

#endif
