/* \summary: libFuzzer target for the whole per-packet path: libpcap file
 * parsing (pcap and pcapng), decode, flow table, nDPI, reassembly, the SMTP
 * and message dissectors, session end.
 *
 * Input: a whole capture file.  It is written to a memfd and opened with
 * pcap_fopen_offline_with_tstamp_precision(), as capture.c opens files.
 * Every frame goes through a pipeline (pipeline.h) and pipeline_flush() ends
 * the open sessions; the sink walks each finished record (every string
 * touched, every cap checked) and frees it, as the writer would.
 *
 * The nDPI module and the decoder are expensive to create (the decoder clears
 * a 600 KB fragment table), so they are made once and kept; the flow table is
 * made per input, and the decoder is emptied after each input by an empty
 * frame stamped past FRAG_TIMEOUT_US, so no fragment or flow carries over
 * from one input to the next and a crash reproduces alone.  The flow table is
 * small (64 flows) so eviction is reachable.
 *
 * An input the in-place reader takes (analyzer/capture/pcapread.h: classic
 * pcap in this byte order) is first read by both libpcap and pcapread, and
 * the two must agree record by record (lengths, times, bytes) and end the
 * same way (end of file, or the same error message). */
#include <pcap/pcap.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tests/fuzz/fuzz_common.h"
#include "analyzer/engine/classify.h"
#include "analyzer/engine/pipeline.h"
#include "analyzer/capture/pcapread.h"
#include "analyzer/engine/decode.h"

#include <fcntl.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t sessions;
static int verbose = -1;  /* FUZZ_VERBOSE=1: one line per session, to check seeds */

static void on_end(void *ctx, struct session *s)
{
	const struct session_meta *m;
	const struct smtp_record *r;

	(void)ctx;
	if (!s || !s->rec)
		fuzz_fail("session_end called with no finished record");
	m = &s->meta;
	r = s->rec;
	if (strnlen(m->client_ip, sizeof m->client_ip) == sizeof m->client_ip ||
	    strnlen(m->server_ip, sizeof m->server_ip) == sizeof m->server_ip)
		fuzz_fail("session_meta address not terminated");
	fuzz_str(m->ndpi_protocol, "ndpi_protocol");
	fuzz_walk_record(r);
	sessions++;
	if (verbose > 0)
		fprintf(stderr, "session %p %s:%u -> %s:%u banner %d, %d commands, %d replies, %d mails, outcome %s\n",
			(void *)s, m->client_ip, m->client_port, m->server_ip, m->server_port, r->banner_code,
			r->n_cmds, r->n_replies, r->n_mails, smtp_outcome_name(r->outcome));
	session_free(s);
}

static uint64_t max_ts;

static void on_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct pipeline *pl = (struct pipeline *)user;
	uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)(h->ts.tv_usec / 1000);

	if (ts > max_ts)
		max_ts = ts;
	pipeline_frame(pl, ts, bytes, h->caplen, h->len);
}

static void put_counter(void *ctx, const char *name, uint64_t v)
{
	(void)ctx;
	(void)v;
	if (!name || !*name)
		fuzz_fail("counter without a name");
}

/* libpcap and pcapread over the same bytes (fd, a memfd holding them). */
static void differential(int fd, const uint8_t *data, size_t size)
{
	char path[64], err[PCAP_ERRBUF_SIZE], rerr[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h, rh;
	const u_char *d, *rd;
	struct pcapread r;
	uint64_t at;
	pcap_t *pc;
	FILE *f, *raw;
	int nano, a, b;

	if (!pcapread_accepts(data, size, &nano))
		return;
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd); /* an offset of its own */
	if (!(f = fopen(path, "rb")) || !(raw = fopen(path, "rb")))
		abort();
	pc = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, err);
	if (!pc || !decode_linktype_supported(pcap_datalink(pc))) {
		/* the replay refuses these before reading a record */
		if (pc)
			pcap_close(pc);
		else
			fclose(f);
		fclose(raw);
		return;
	}
	if (lseek(fileno(raw), PCAPREAD_HEADER, SEEK_SET) != PCAPREAD_HEADER ||
	    pcapread_init(&r, raw, (uint32_t)pcap_snapshot(pc), nano) < 0)
		abort();
	for (;;) {
		a = pcap_next_ex(pc, &h, &d);
		b = pcapread_next(&r, &rh, &rd, rerr, sizeof rerr, &at);
		if (a == 1 && b == 1) {
			if (h->caplen != rh.caplen || h->len != rh.len || h->ts.tv_sec != rh.ts.tv_sec ||
			    h->ts.tv_usec != rh.ts.tv_usec || memcmp(d, rd, h->caplen) != 0)
				fuzz_fail("pcapread and libpcap disagree on a record: caplen %u/%u len %u/%u"
					  " time %ld.%ld/%ld.%ld", h->caplen, rh.caplen, h->len, rh.len,
					  (long)h->ts.tv_sec, (long)h->ts.tv_usec, (long)rh.ts.tv_sec,
					  (long)rh.ts.tv_usec);
			continue;
		}
		if (a == PCAP_ERROR_BREAK && b == 0)
			break;
		if (a == PCAP_ERROR && b == -1) {
			if (strcmp(pcap_geterr(pc), rerr) != 0)
				fuzz_fail("pcapread and libpcap give different errors: '%s' / '%s'", rerr,
					  pcap_geterr(pc));
			break;
		}
		fuzz_fail("pcapread and libpcap end differently");
	}
	pcapread_fini(&r);
	fclose(raw);
	pcap_close(pc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct classifier *cls;
	static struct decoder *dec;
	static int fd = -1;
	struct pkt k;
	struct flow_config cfg;
	struct pipeline pl;
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *pc;
	FILE *f;
	int n;

	if (verbose < 0)
		verbose = getenv("FUZZ_VERBOSE") && atoi(getenv("FUZZ_VERBOSE")) > 0;
	if (!cls && !(cls = classify_new()))
		abort();
	if (!dec && !(dec = decode_new()))
		abort();
	if (fd < 0 && (fd = memfd_create("fuzz_pcap", 0)) < 0)
		abort();
	/* the dup shares the file offset: rewind it */
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size || lseek(fd, 0, SEEK_SET) != 0)
		abort();
	differential(fd, data, size);
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
	pl.dec = dec;
	pl.cls = cls;
	pl.flows = flow_table_new(&cfg, cls, on_end, NULL);
	if (!pl.flows)
		abort();
	pl.dlt = pcap_datalink(pc);
	max_ts = 0;
	for (;;) {
		n = pcap_dispatch(pc, 1024, on_frame, (u_char *)&pl);
		if (n <= 0)
			break;      /* end of file, or a corrupt record: what came before counts */
	}
	pipeline_flush(&pl, SMTP_END_CAPTURE);
	pipeline_counters(&pl, put_counter, NULL);
	flow_table_free(pl.flows);
	/* empty the fragment table for the next input */
	decode_frame(dec, 1 /* DLT_EN10MB */, NULL, 0, 0, max_ts + FRAG_TIMEOUT_US + 1, &k);
	pcap_close(pc);
	return 0;
}
