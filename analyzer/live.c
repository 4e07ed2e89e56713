/* \summary: `smtpscope live` (not implemented yet: see issue "Live capture"). */
#include "live.h"

#include <stdio.h>
#include <string.h>

int live_main(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: smtpscope live -i IFACE [...]\n\nLive capture is not implemented yet.\n");
		return 0;
	}
	fprintf(stderr, "smtpscope live: not implemented yet\n");
	return 2;
}
