/* \summary: capture sources: where frames come from.  A capture file (pcap
 * or pcapng, "-" for standard input) and a network interface are the same
 * thing to the rest of smtpscope: a libpcap handle of a supported link
 * type with a timestamp precision, read by one worker (worker.h).
 *
 * Everything that opens a handle is here: the file checks (missing, empty,
 * a directory, not a capture, unsupported link type), the interface set-up
 * (snap length, buffer, promiscuous mode, TPACKET_V3 block timeout,
 * nanosecond timestamps, BPF filter, PACKET_FANOUT group), the interface
 * list, and the conversion of a frame's timestamp to microseconds. */
#ifndef SMTPSCOPE_SOURCE_H
#define SMTPSCOPE_SOURCE_H

#include <pcap/pcap.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct source {
	pcap_t *p;                 /* owned (pcap_close) */
	const char *name;          /* path, "-" or interface; borrowed */
	int is_file;               /* a file: read to its end; else an interface */
	int dlt;                   /* link type */
	int nano;                  /* timestamps in nanoseconds (else microseconds) */
	int64_t size;              /* file bytes, -1 when unknown (stdin, interfaces) */
	int compressed;            /* a file read through gzip, zstd or xz (no byte offsets) */
	int breaker;               /* runtime.h breaker slot while registered, else -1 */
	/* A classic pcap file read in place (pcapread.h): p then holds only
	 * the header (link type, snapshot, filter) and rd reads the records
	 * from raw.  NULL: libpcap reads p. */
	struct pcapread *rd;       /* owned */
	FILE *raw;                 /* owned: rd's input */
	struct bpf_program bpf;    /* the filter, run on rd's records */
	int has_bpf;
};

/* How to open an interface. */
struct iface_config {
	const char *iface;         /* "any" = all */
	const char *filter;        /* BPF, or NULL */
	int snaplen;
	int buffer_kib;            /* kernel buffer per handle, KiB (as tcpdump -B) */
	int promisc;
	int quiet;                 /* no warning lines */
};

/* What is checked of a capture file before it is read: it exists, is no
 * directory and is not empty.  "-" (standard input) passes.  0, or -1 with
 * err set. */
int source_check_file(const char *path, char *err, size_t errlen);

/* Opens the capture read from fp (name for messages; "-" for standard
 * input): gzip, zstd and xz are decompressed on the way, then libpcap reads
 * it (pcap or pcapng, micro- or nanoseconds; a plain classic pcap file in
 * this machine's byte order is read in place instead, pcapread.h, with
 * libpcap reading its header), filter (BPF, or NULL) is
 * applied and the link type checked.  fp is the source's from now on
 * (source_close() closes it), and is closed on an error too.  size is the
 * file's size for progress (-1 unknown).  0, or -1 with err set. */
int source_open_stream(struct source *src, const char *name, FILE *fp, int64_t size, const char *filter,
		       char *err, size_t errlen);

/* Opens, activates and filters a handle on c->iface; joins PACKET_FANOUT
 * group fanout_id when fanout_id >= 0; warnings are printed when first.
 * 0, or -1 with err set and *exit_code 2 for a filter libpcap rejects
 * (a usage error), else 1. */
int source_open_iface(struct source *src, const struct iface_config *c, int first, int fanout_id,
		      char *err, size_t errlen, int *exit_code);

/* Lets SIGINT/SIGTERM and rt_request_stop() break the source's read loop. */
void source_watch_stop(struct source *src);

/* Closes the handle (unregistering it first).  Safe on a zeroed source. */
void source_close(struct source *src);

/* A frame's capture time in microseconds. */
static inline uint64_t source_ts_us(const struct source *src, const struct pcap_pkthdr *h)
{
	return (uint64_t)h->ts.tv_sec * 1000000u +
	       (uint64_t)(src->nano ? h->ts.tv_usec / 1000 : h->ts.tv_usec);
}

/* libpcap's name of the link type ("EN10MB"), or NULL. */
const char *source_linktype(const struct source *src);

/* Prints the interfaces that can be captured (smtpscope live
 * --list-interfaces).  0, or 1 when libpcap cannot list them. */
int source_list_interfaces(FILE *out);

#endif
