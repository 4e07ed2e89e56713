/* \summary: pcapcount: the bare libpcap read loop, the speed floor for benchmarks.
 *
 *   pcapcount FILE...   prints "packets N bytes M" (M = captured bytes) over all files
 *
 * Each file is opened with nanosecond precision (as smtpscope does) and read
 * with pcap_next_ex() until the end; nothing is decoded.  Exit status 1 when
 * a file cannot be opened or a read fails (the counts so far still print). */
#include <inttypes.h>
#include <stdio.h>

#include <pcap/pcap.h>

int main(int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	uint64_t packets = 0, bytes = 0;
	int i, rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: pcapcount FILE...\n");
		return 2;
	}
	for (i = 1; i < argc; i++) {
		struct pcap_pkthdr *h;
		const u_char *data;
		pcap_t *p;
		int r;

		errbuf[0] = 0;
		p = pcap_open_offline_with_tstamp_precision(argv[i], PCAP_TSTAMP_PRECISION_NANO, errbuf);
		if (!p) {
			fprintf(stderr, "pcapcount: %s: %s\n", argv[i], errbuf);
			rc = 1;
			continue;
		}
		while ((r = pcap_next_ex(p, &h, &data)) == 1) {
			packets++;
			bytes += h->caplen;
		}
		if (r == PCAP_ERROR) {
			fprintf(stderr, "pcapcount: %s: %s\n", argv[i], pcap_geterr(p));
			rc = 1;
		}
		pcap_close(p);
	}
	printf("packets %" PRIu64 " bytes %" PRIu64 "\n", packets, bytes);
	return rc;
}
