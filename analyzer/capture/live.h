/* \summary: `smtpscope live`: capture from an interface (a mirror port). */
#ifndef SMTPSCOPE_LIVE_H
#define SMTPSCOPE_LIVE_H

#include "analyzer/store/analysis_thread.h"

/* The live subcommand: argv[0] is "live".  analyze refreshes the findings
 * (every --analyze-interval on its own thread, and once at the end); NULL
 * for none.  Returns the process exit code. */
int live_main(int argc, char **argv, analysis_fn analyze);

#endif
