/* \summary: `smtpscope live`: capture from an interface (a mirror port). */
#ifndef SMTPSCOPE_LIVE_H
#define SMTPSCOPE_LIVE_H

/* The live subcommand: argv[0] is "live".  Returns the process exit code. */
int live_main(int argc, char **argv);

#endif
