/* \summary: classic pcap records read in place.
 *
 * The replay's fast path for the commonest input, an uncompressed classic
 * pcap file in this machine's byte order (version 2.4, micro- or
 * nanosecond magic).  Records are read in large blocks straight into one
 * buffer and handed to the pipeline where they lie: no stdio buffer, no
 * copy of each record into libpcap's buffer, one read(2) a MiB.  The
 * input's bytes still pass through the import's hash (import_raw_read()).
 *
 * libpcap still reads the file header (source.c opens it on a copy of the
 * 24 header bytes), so that the link type, the snapshot length and the
 * timestamp precision are libpcap's, and a BPF filter is compiled and run
 * by libpcap (pcap_offline_filter()).  Every other input (pcapng, the other
 * byte order, the modified formats, compressed files, standard input) is
 * read by libpcap as before.
 *
 * Records are checked as libpcap checks them (sf-pcap.c's rules, in our
 * own words): a captured length above CAPTURE_SNAPLEN_MAX is corrupt; one
 * above the file's snapshot length is cut to it; a record cut short by the
 * end of the file is an error naming its byte offset. */
#ifndef SMTPSCOPE_PCAPREAD_H
#define SMTPSCOPE_PCAPREAD_H

#include <pcap/pcap.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define PCAPREAD_HEADER 24   /* bytes of the file header */

struct pcapread {
	uint8_t hdr[PCAPREAD_HEADER]; /* the file header (libpcap reads it from here) */
	size_t hdr_len;         /* its bytes read (fewer: the file is shorter) */
	FILE *fp;               /* the raw input (not owned) */
	uint8_t *buf;           /* owned, cap bytes */
	size_t cap, have, off;  /* buf[off, have) is unread */
	uint64_t buf_pos;       /* file offset of buf[0] */
	uint32_t snapshot;      /* the file's snapshot length (pcap_snapshot()) */
	int nano;               /* the file's timestamps are nanoseconds */
	int eof;                /* the input ended */
	int read_errno;         /* the read error that ended it, 0 if none */
};

/* Do the first n bytes of a file (8 suffice: magic and version) open a
 * classic pcap header this reader takes?  1 or 0; *nano says whether its
 * timestamps are nanoseconds. */
int pcapread_accepts(const uint8_t *hdr, size_t n, int *nano);

/* Reads from fp, whose first PCAPREAD_HEADER bytes were consumed (into
 * r->hdr, which is kept).  0, or -1 (out of memory). */
int pcapread_init(struct pcapread *r, FILE *fp, uint32_t snapshot, int nano);
void pcapread_fini(struct pcapread *r);

/* The next record: 1 (h and *data valid until the next call; h's
 * timestamp is in nanoseconds, as libpcap gives with
 * PCAP_TSTAMP_PRECISION_NANO), 0 at the end of the file, -1 on a corrupt
 * or truncated record or a read error (err says why, *at is the record's
 * byte offset). */
int pcapread_next(struct pcapread *r, struct pcap_pkthdr *h, const u_char **data, char *err, size_t errlen,
		  uint64_t *at);

/* Bytes of the file consumed so far (the header included). */
static inline uint64_t pcapread_offset(const struct pcapread *r)
{
	return r->buf_pos + r->off;
}

/* Reads once from fp's input, bypassing stdio: through the import's hash
 * when fp is the import's FILE, else read(2) on its descriptor.  As
 * read(2): bytes, 0 at the end, -1 with errno set. */
ssize_t pcapread_raw(FILE *fp, void *buf, size_t n);

#endif
