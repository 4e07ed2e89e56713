/* \summary: classic pcap records read in place; see pcapread.h. */
#include "analyzer/capture/pcapread.h"
#include "analyzer/base/limits.h"
#include "analyzer/capture/import.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PCAPREAD_BUF   (1u << 20)   /* the read block; >= a record of CAPTURE_SNAPLEN_MAX */
#define PCAPREAD_REC   16           /* bytes of a record header */

#define MAGIC_US 0xa1b2c3d4u        /* microsecond timestamps */
#define MAGIC_NS 0xa1b23c4du        /* nanosecond timestamps */

static uint32_t host32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof v);
	return v;
}

static uint16_t host16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof v);
	return v;
}

int pcapread_accepts(const uint8_t *hdr, size_t n, int *nano)
{
	uint32_t magic;

	if (n < 8)
		return 0;
	magic = host32(hdr);
	/* this byte order only (the other needs libpcap's pseudo-header swaps),
	 * version 2.4 only (older ones may swap caplen and len) */
	if ((magic != MAGIC_US && magic != MAGIC_NS) || host16(hdr + 4) != 2 || host16(hdr + 6) != 4)
		return 0;
	*nano = magic == MAGIC_NS;
	return 1;
}

ssize_t pcapread_raw(FILE *fp, void *buf, size_t n)
{
	ssize_t k = import_raw_read(fp, buf, n);

	if (k != -2)
		return k;
	do
		k = read(fileno(fp), buf, n);
	while (k < 0 && errno == EINTR);
	return k;
}

int pcapread_init(struct pcapread *r, FILE *fp, uint32_t snapshot, int nano)
{
	r->buf = NULL;
	r->have = r->off = 0;
	r->eof = r->read_errno = 0;
	if (!(r->buf = malloc(PCAPREAD_BUF)))
		return -1;
	r->fp = fp;
	r->cap = PCAPREAD_BUF;
	r->buf_pos = PCAPREAD_HEADER;
	r->snapshot = snapshot ? snapshot : CAPTURE_SNAPLEN_MAX;
	r->nano = nano;
	return 0;
}

void pcapread_fini(struct pcapread *r)
{
	free(r->buf);
	r->buf = NULL;
}

/* At least want unread bytes in the buffer, unless the input ends first:
 * the unread tail moves to the front, then reads fill the rest. */
static void fill(struct pcapread *r, size_t want)
{
	ssize_t k;

	if (r->have - r->off >= want || r->eof)
		return;
	if (r->off) {
		memmove(r->buf, r->buf + r->off, r->have - r->off);
		r->buf_pos += r->off;
		r->have -= r->off;
		r->off = 0;
	}
	while (r->have < want) {
		k = pcapread_raw(r->fp, r->buf + r->have, r->cap - r->have);
		if (k <= 0) {
			r->eof = 1;
			if (k < 0)
				r->read_errno = errno ? errno : EIO;
			return;
		}
		r->have += (size_t)k;
	}
}

/* *at: where reading stopped (what libpcap's reads had consumed: the
 * record header, and of a cut record all the file had), as the message of
 * a capture read by libpcap says. */
static int fail(struct pcapread *r, char *err, size_t errlen, uint64_t *at, uint64_t consumed,
		const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static int fail(struct pcapread *r, char *err, size_t errlen, uint64_t *at, uint64_t consumed,
		const char *fmt, ...)
{
	va_list ap;

	*at = pcapread_offset(r) + consumed;
	if (r->read_errno) {
		snprintf(err, errlen, "error reading dump file: %s", strerror(r->read_errno));
	} else {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int pcapread_next(struct pcapread *r, struct pcap_pkthdr *h, const u_char **data, char *err, size_t errlen,
		  uint64_t *at)
{
	const uint8_t *p;
	uint32_t caplen, len, sec, frac;
	size_t unread;

	fill(r, PCAPREAD_REC);
	unread = r->have - r->off;
	if (unread == 0)
		return r->read_errno ? fail(r, err, errlen, at, 0, "read error") : 0;
	if (unread < PCAPREAD_REC)
		return fail(r, err, errlen, at, unread, "truncated dump file; tried to read %" PRIu32
			    " header bytes, only got %zu", (uint32_t)PCAPREAD_REC, unread);
	p = r->buf + r->off;
	sec = host32(p);
	frac = host32(p + 4);
	caplen = host32(p + 8);
	len = host32(p + 12);
	if (caplen > CAPTURE_SNAPLEN_MAX)
		return caplen > r->snapshot
			? fail(r, err, errlen, at, PCAPREAD_REC, "invalid packet capture length %" PRIu32
			       ", bigger than snaplen of %" PRIu32, caplen, r->snapshot)
			: fail(r, err, errlen, at, PCAPREAD_REC, "invalid packet capture length %" PRIu32
			       ", bigger than maximum of %u", caplen, (unsigned)CAPTURE_SNAPLEN_MAX);
	fill(r, PCAPREAD_REC + (size_t)caplen);
	p = r->buf + r->off; /* fill() may have moved it */
	unread = r->have - r->off;
	if (unread < PCAPREAD_REC + (size_t)caplen) /* libpcap first reads up to the snapshot length */
		return fail(r, err, errlen, at, unread, "truncated dump file; tried to read %" PRIu32
			    " captured bytes, only got %zu",
			    caplen > r->snapshot && unread - PCAPREAD_REC < r->snapshot ? r->snapshot : caplen,
			    unread - PCAPREAD_REC);
	/* the file's times are signed 32-bit fields, widened as libpcap does */
	h->ts.tv_sec = (time_t)(int32_t)sec;
	h->ts.tv_usec = (suseconds_t)(int32_t)frac * (r->nano ? 1 : 1000);
	h->caplen = caplen > r->snapshot ? r->snapshot : caplen; /* the rest is skipped, as libpcap does */
	h->len = len;
	*data = p + PCAPREAD_REC;
	r->off += PCAPREAD_REC + (size_t)caplen;
	return 1;
}
