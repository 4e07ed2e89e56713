/* \summary: libFuzzer target for the whole per-packet path: libpcap file
 * parsing (pcap and pcapng), decode, flow table, nDPI, reassembly, the SMTP
 * and message dissectors, session end.
 *
 * Input: a whole capture file.  It is written to a memfd and opened with
 * pcap_fopen_offline_with_tstamp_precision(), as capture.c opens files.
 * Every frame goes through a pipeline (pipeline.h) and pipeline_flush() ends
 * the open sessions; the sink walks each record (every string touched,
 * every cap checked) and returns 0 so the flow layer frees the session.
 *
 * The nDPI module is expensive to create, so it is made once and kept; the
 * decoder and the flow table are made per input, so no fragment or flow
 * carries over from one input to the next and a crash reproduces alone.  The
 * flow table is small (64 flows) so eviction is reachable. */
#include <pcap/pcap.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tests/fuzz/fuzz_common.h"
#include "analyzer/classify.h"
#include "analyzer/pipeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t sessions;

static int on_end(void *ctx, struct session_meta *m, struct smtp_session *s)
{
	(void)ctx;
	if (!s)
		fuzz_fail("session_end called with no session");
	if (strnlen(m->client_ip, sizeof m->client_ip) == sizeof m->client_ip ||
	    strnlen(m->server_ip, sizeof m->server_ip) == sizeof m->server_ip)
		fuzz_fail("session_meta address not terminated");
	if (m->ndpi_protocol)
		(void)strlen(m->ndpi_protocol);
	if (m->last_ts < m->first_ts)
		(void)0; /* capture time may go backwards: kept, counted */
	fuzz_walk_record(smtp_record(s));
	sessions++;
	return 0;
}

static void on_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct pipeline *pl = (struct pipeline *)user;
	uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)(h->ts.tv_usec / 1000);

	pipeline_frame(pl, ts, bytes, h->caplen, h->len);
}

static void put_counter(void *ctx, const char *name, uint64_t v)
{
	(void)ctx;
	(void)v;
	if (!name || !*name)
		fuzz_fail("counter without a name");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct classifier *cls;
	static int fd = -1;
	struct flow_config cfg;
	struct pipeline pl;
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *pc;
	FILE *f;
	int n;

	if (!cls && !(cls = classify_new()))
		abort();
	if (fd < 0 && (fd = memfd_create("fuzz_pcap", 0)) < 0)
		abort();
	/* the dup shares the file offset: rewind it */
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size || lseek(fd, 0, SEEK_SET) != 0)
		abort();
	/* pcap_close() closes the FILE and with it the descriptor: hand it a dup */
	if (!(f = fdopen(dup(fd), "rb")))
		abort();
	pc = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, err);
	if (!pc) {
		fclose(f);
		return 0;
	}

	flow_config_default(&cfg);
	cfg.max_flows = 64;
	memset(&pl, 0, sizeof pl);
	pl.dec = decode_new();
	pl.cls = cls;
	pl.flows = pl.dec ? flow_table_new(&cfg, cls, on_end, NULL) : NULL;
	if (!pl.flows)
		abort();
	pl.dlt = pcap_datalink(pc);
	for (;;) {
		n = pcap_dispatch(pc, 1024, on_frame, (u_char *)&pl);
		if (n <= 0)
			break;      /* end of file, or a corrupt record: what came before counts */
	}
	pipeline_flush(&pl, SMTP_END_CAPTURE);
	pipeline_counters(&pl, put_counter, NULL);
	flow_table_free(pl.flows);
	decode_free(pl.dec);
	pcap_close(pc);
	return 0;
}
