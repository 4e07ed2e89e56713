/* \summary: capture files and interfaces as libpcap handles; see source.h. */
#include "analyzer/capture/source.h"
#include "analyzer/capture/compressed.h"
#include "analyzer/capture/pcapread.h"
#include "analyzer/base/runtime.h"
#include "analyzer/engine/decode.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#ifdef __linux__
#include <linux/if_packet.h>
#endif

#define IFACE_BLOCK_TIMEOUT_MS 100  /* TPACKET_V3 block retire timeout */

static void source_init(struct source *src, pcap_t *p, const char *name, int is_file)
{
	memset(src, 0, sizeof *src);
	src->p = p;
	src->name = name;
	src->is_file = is_file;
	src->dlt = pcap_datalink(p);
	src->nano = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;
	src->size = -1;
	src->breaker = -1;
}

/* "147" or "1 (EN10MB, Ethernet)". */
static void linktype_text(int dlt, char *buf, size_t n)
{
	const char *name = pcap_datalink_val_to_name(dlt);
	const char *desc = pcap_datalink_val_to_description(dlt);

	if (name)
		snprintf(buf, n, "%d (%s%s%s)", dlt, name, desc ? ", " : "", desc ? desc : "");
	else
		snprintf(buf, n, "%d", dlt);
}

/* 0 when smtpscope decodes the handle's link type, else -1 with err set. */
static int check_linktype(pcap_t *p, const char *name, char *err, size_t errlen)
{
	char lt[128], list[128];
	int dlt = pcap_datalink(p);

	if (decode_linktype_supported(dlt))
		return 0;
	linktype_text(dlt, lt, sizeof lt);
	decode_linktypes(list, sizeof list);
	snprintf(err, errlen, "%s: link type %s is not supported (supported: %s)", name, lt, list);
	return -1;
}

int source_check_file(const char *path, char *err, size_t errlen)
{
	struct stat sb;

	if (strcmp(path, "-") == 0)
		return 0;
	if (stat(path, &sb) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "%s: is a directory, not a capture file", path);
		return -1;
	}
	if (sb.st_size == 0) {
		snprintf(err, errlen, "%s: empty file (0 bytes), not a capture", path);
		return -1;
	}
	return 0;
}

static void in_place_free(struct source *src)
{
	if (src->rd)
		pcapread_fini(src->rd);
	free(src->rd);
	src->rd = NULL;
}

/* A plain file whose first bytes (magic, nm of them) say classic pcap in
 * this byte order (pcapread_accepts()): it is read in place, its header
 * read now (through the import's hash) for libpcap.  0 (src->rd and
 * src->raw set when it is), -1 out of memory. */
static int open_in_place(struct source *src, FILE *fp, const unsigned char *magic, size_t nm)
{
	const char *reader = getenv("SMTPSCOPE_READER"); /* "libpcap": never in place (README) */
	struct pcapread *rd;
	size_t n = 0;
	ssize_t k;
	int nano = 0;

	if ((reader && strcmp(reader, "libpcap") == 0) || !pcapread_accepts(magic, nm, &nano))
		return 0;
	if (!(rd = calloc(1, sizeof *rd)))
		return -1;
	while (n < PCAPREAD_HEADER && (k = pcapread_raw(fp, rd->hdr + n, PCAPREAD_HEADER - n)) > 0)
		n += (size_t)k;
	if (n < PCAPREAD_HEADER) { /* shorter than a header: libpcap says so */
		free(rd);
		rewind(fp);
		return 0;
	}
	rd->hdr_len = n;
	rd->nano = nano;
	src->rd = rd;
	src->raw = fp;
	return 0;
}

int source_open_stream(struct source *src, const char *name, FILE *fp, int64_t size, const char *filter,
		       char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "", why[256] = "";
	int is_stdin = strcmp(name, "-") == 0; /* a pipe: no rewind, always the sniffing stream */
	enum compression comp = COMP_NONE;
	unsigned char magic[8];
	size_t nm;
	pcap_t *p;

	memset(src, 0, sizeof *src);
	src->breaker = -1;
	/* gzip, zstd, xz: decompressed on the way (a plain file is read as it
	 * is; standard input always goes through the sniffing stream). */
	nm = is_stdin ? 0 : fread(magic, 1, sizeof magic, fp);
	if (is_stdin || compression_sniff(magic, nm) != COMP_NONE) {
		FILE *z;
		if (!is_stdin)
			rewind(fp);
		if (!(z = compressed_open(fp, &comp, why, sizeof why))) {
			if (fp != stdin)
				fclose(fp);
			snprintf(err, errlen, "%s: %s", name, why);
			return -1;
		}
		fp = z;
	} else {
		rewind(fp);
		if (open_in_place(src, fp, magic, nm) < 0) {
			fclose(fp);
			snprintf(err, errlen, "%s: out of memory", name);
			return -1;
		}
		/* libpcap reads through stdio: 1 MiB reads instead of 4 KiB ones */
		if (!src->rd)
			setvbuf(fp, NULL, _IOFBF, 1 << 20);
	}
	if (src->rd) { /* libpcap reads the header only, from its copy */
		FILE *h = fmemopen(src->rd->hdr, src->rd->hdr_len, "rb");
		p = h ? pcap_fopen_offline_with_tstamp_precision(h, PCAP_TSTAMP_PRECISION_NANO, perr) : NULL;
		if (h && !p)
			fclose(h);
		if (!h)
			snprintf(perr, sizeof perr, "%s", strerror(errno));
	} else {
		p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, perr);
	}
	if (!p) {
		in_place_free(src);
		fclose(fp); /* stdin too: this was its only use */
		snprintf(err, errlen, "%s: not a readable pcap or pcapng file%s%s%s: %s", name,
			 comp != COMP_NONE ? " after " : "", comp != COMP_NONE ? compression_name(comp) : "",
			 comp != COMP_NONE ? " decompression" : " (gzip, zstd and xz compressed captures are read "
			 "directly; other formats: convert with editcap)", perr);
		return -1;
	}
	if (filter) {
		struct bpf_program bpf;
		if (pcap_compile(p, &bpf, filter, 1, PCAP_NETMASK_UNKNOWN) < 0 || pcap_setfilter(p, &bpf) < 0) {
			snprintf(err, errlen, "%s: filter '%s': %s", name, filter, pcap_geterr(p));
			pcap_close(p);
			in_place_free(src);
			if (src->raw)
				fclose(src->raw);
			return -1;
		}
		if (src->rd) { /* kept: run on each record read in place */
			src->bpf = bpf;
			src->has_bpf = 1;
		} else {
			pcap_freecode(&bpf);
		}
	}
	if (check_linktype(p, name, err, errlen) < 0) {
		pcap_close(p);
		if (src->has_bpf)
			pcap_freecode(&src->bpf);
		in_place_free(src);
		if (src->raw)
			fclose(src->raw);
		return -1;
	}
	{ /* source_init() clears the source: what the in-place reader set stays */
		struct pcapread *rd = src->rd;
		FILE *raw = src->raw;
		struct bpf_program bpf = src->bpf;
		int has_bpf = src->has_bpf;

		source_init(src, p, name, 1);
		src->rd = rd;
		src->raw = raw;
		src->bpf = bpf;
		src->has_bpf = has_bpf;
	}
	if (src->rd && pcapread_init(src->rd, src->raw, (uint32_t)pcap_snapshot(p), src->rd->nano) < 0) {
		source_close(src);
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	src->size = size;
	src->compressed = comp != COMP_NONE;
	return 0;
}

int source_open_iface(struct source *src, const struct iface_config *c, int first, int fanout_id,
		      char *err, size_t errlen, int *exit_code)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	struct bpf_program bpf;
	pcap_t *p;
	int a;

	memset(src, 0, sizeof *src);
	src->breaker = -1;
	*exit_code = 1;
	if (!(p = pcap_create(c->iface, perr))) {
		snprintf(err, errlen, "%s: %s", c->iface, perr);
		return -1;
	}
	pcap_set_snaplen(p, c->snaplen);
	pcap_set_promisc(p, c->promisc);
	pcap_set_timeout(p, IFACE_BLOCK_TIMEOUT_MS);
	pcap_set_buffer_size(p, c->buffer_kib << 10);
	pcap_set_immediate_mode(p, 0); /* immediate mode would force TPACKET_V2 */
	/* Nanoseconds where the platform has them; else microseconds. */
	(void)pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);
	a = pcap_activate(p);
	if (a < 0) {
		const char *why = pcap_geterr(p);
		switch (a) {
		case PCAP_ERROR_NO_SUCH_DEVICE:
			snprintf(err, errlen, "%s: no such interface (%s); see 'smtpscope live --list-interfaces'",
				 c->iface, why);
			break;
		case PCAP_ERROR_PERM_DENIED:
			snprintf(err, errlen, "%s: permission denied (%s): capturing needs root or CAP_NET_RAW",
				 c->iface, why);
			break;
		case PCAP_ERROR_IFACE_NOT_UP:
			snprintf(err, errlen, "%s: the interface is down", c->iface);
			break;
		default:
			snprintf(err, errlen, "%s: cannot capture: %s (%s)", c->iface, pcap_statustostr(a), why);
		}
		pcap_close(p);
		return -1;
	}
	if (a > 0 && !c->quiet && first)
		fprintf(stderr, "smtpscope live: %s: warning: %s (%s)\n", c->iface, pcap_statustostr(a),
			pcap_geterr(p));
	if (check_linktype(p, c->iface, err, errlen) < 0) {
		pcap_close(p);
		return -1;
	}
	if (c->filter) {
		if (pcap_compile(p, &bpf, c->filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
			snprintf(err, errlen, "bad filter '%s': %s", c->filter, pcap_geterr(p));
			*exit_code = 2;
			pcap_close(p);
			return -1;
		}
		if (pcap_setfilter(p, &bpf) < 0) {
			snprintf(err, errlen, "%s: cannot set filter '%s': %s", c->iface, c->filter, pcap_geterr(p));
			pcap_freecode(&bpf);
			pcap_close(p);
			return -1;
		}
		pcap_freecode(&bpf);
	}
	if (fanout_id >= 0) {
#if defined(__linux__) && defined(PACKET_FANOUT)
		/* group id in the low 16 bits, mode and flags in the high ones */
		uint32_t v = ((uint32_t)fanout_id & 0xffffu) |
			     ((uint32_t)(PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG) << 16);
		if (setsockopt(pcap_fileno(p), SOL_PACKET, PACKET_FANOUT, &v, sizeof v) < 0) {
			snprintf(err, errlen, "%s: cannot join PACKET_FANOUT group %d: %s", c->iface, fanout_id,
				 strerror(errno));
			pcap_close(p);
			return -1;
		}
#else
		snprintf(err, errlen, "--workers > 1 needs Linux PACKET_FANOUT");
		pcap_close(p);
		return -1;
#endif
	}
	source_init(src, p, c->iface, 0);
	return 0;
}

static void break_loop(void *arg)
{
	pcap_breakloop((pcap_t *)arg);
}

void source_watch_stop(struct source *src)
{
	if (src->p && src->breaker < 0)
		src->breaker = rt_add_breaker(break_loop, src->p);
}

void source_close(struct source *src)
{
	if (src->breaker >= 0)
		rt_remove_breaker(src->breaker);
	src->breaker = -1;
	if (src->p)
		pcap_close(src->p);
	src->p = NULL;
	if (src->has_bpf)
		pcap_freecode(&src->bpf);
	src->has_bpf = 0;
	in_place_free(src);
	if (src->raw)
		fclose(src->raw);
	src->raw = NULL;
}

const char *source_linktype(const struct source *src)
{
	return pcap_datalink_val_to_name(src->dlt);
}

int source_list_interfaces(FILE *out)
{
	char err[PCAP_ERRBUF_SIZE], addr[64];
	pcap_if_t *all = NULL, *d;
	pcap_addr_t *a;

	if (pcap_findalldevs(&all, err) < 0) {
		fprintf(stderr, "smtpscope live: cannot list interfaces: %s\n", err);
		return 1;
	}
	if (!all)
		fprintf(out, "(no interface can be captured; capturing needs root or CAP_NET_RAW)\n");
	for (d = all; d; d = d->next) {
		fprintf(out, "%s", d->name);
		fprintf(out, "\t%s%s%s%s", d->flags & PCAP_IF_UP ? "up" : "down",
			d->flags & PCAP_IF_RUNNING ? ",running" : "",
			d->flags & PCAP_IF_LOOPBACK ? ",loopback" : "",
			d->flags & PCAP_IF_WIRELESS ? ",wireless" : "");
		for (a = d->addresses; a; a = a->next) {
			const void *sa = NULL;
			int af = a->addr ? a->addr->sa_family : -1;
			if (af == AF_INET)
				sa = &((const struct sockaddr_in *)(const void *)a->addr)->sin_addr;
			else if (af == AF_INET6)
				sa = &((const struct sockaddr_in6 *)(const void *)a->addr)->sin6_addr;
			if (sa && inet_ntop(af, sa, addr, sizeof addr))
				fprintf(out, " %s", addr);
		}
		if (d->description)
			fprintf(out, "\t(%s)", d->description);
		fprintf(out, "\n");
	}
	pcap_freealldevs(all);
	return 0;
}
