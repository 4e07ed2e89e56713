/* \summary: mkpcap's capture-file writer: classic pcap (microsecond and
 * nanosecond magic) and pcapng (SHB, IDB with if_tsresol, EPB, any block).
 *
 * Written by hand, not with pcap_dump(), so that the fixtures can also hold
 * what libpcap would refuse to write: unknown blocks, corrupt lengths, cut
 * records.  Everything is written little-endian whatever the host, so a
 * fixture is byte-identical on every machine.
 *
 * References: draft-ietf-opsawg-pcap (classic format), draft-ietf-opsawg-pcapng
 * (blocks; section 4.2 if_tsresol), tcpdump.org/linktypes.html. */
#ifndef SMTPSCOPE_MKPCAP_WIRE_H
#define SMTPSCOPE_MKPCAP_WIRE_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum out_fmt {
	OUT_PCAP_US,  /* magic 0xa1b2c3d4: microsecond timestamps */
	OUT_PCAP_NS,  /* magic 0xa1b23c4d: nanosecond timestamps */
	OUT_PCAPNG,   /* one section, one interface with if_tsresol = 9 (ns) */
};

#define LINKTYPE_NULL      0
#define LINKTYPE_ETHERNET  1
#define LINKTYPE_RAW       101
#define LINKTYPE_LINUX_SLL 113
#define LINKTYPE_USER0     147
#define LINKTYPE_LINUX_SLL2 276

#define PCAPNG_SHB 0x0A0D0D0Au
#define PCAPNG_IDB 0x00000001u
#define PCAPNG_EPB 0x00000006u
#define PCAPNG_CB  0x00000BADu /* Custom Block, "can be copied"; readers skip it */

struct out {
	FILE *f;             /* owned; closed by out_close() */
	enum out_fmt fmt;
	uint32_t snaplen;    /* in the file header; records longer than it are cut */
	uint64_t records;
	int err;             /* a write failed */
};

static inline void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Raw bytes, for the bad captures (cut records, corrupt lengths). */
static inline void out_raw(struct out *o, const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, o->f) != n)
		o->err = 1;
}

static inline void out_zeros(struct out *o, size_t n)
{
	static const uint8_t z[4];

	while (n) {
		size_t k = n < sizeof z ? n : sizeof z;
		out_raw(o, z, k);
		n -= k;
	}
}

/* One pcapng block: type, total length, body padded to 4, total length again. */
static inline void out_pcapng_block(struct out *o, uint32_t type, const void *body, size_t n)
{
	uint8_t h[8], t[4];
	size_t pad = (4 - n % 4) % 4;
	uint32_t total = (uint32_t)(12 + n + pad);

	put_le32(h, type);
	put_le32(h + 4, total);
	put_le32(t, total);
	out_raw(o, h, 8);
	out_raw(o, body, n);
	out_zeros(o, pad);
	out_raw(o, t, 4);
}

/* Writes the file header (pcap) or the SHB and IDB (pcapng).  f is taken over. */
static inline void out_begin(struct out *o, FILE *f, enum out_fmt fmt, uint32_t linktype,
			     uint32_t snaplen)
{
	uint8_t h[64];

	memset(o, 0, sizeof *o);
	o->f = f;
	o->fmt = fmt;
	o->snaplen = snaplen;
	if (fmt == OUT_PCAPNG) {
		static const char appl[] = "smtpscope mkpcap"; /* 16 bytes: no padding */

		/* SHB body: byte-order magic, version 1.0, section length -1, options */
		put_le32(h, 0x1A2B3C4D);
		put_le16(h + 4, 1);
		put_le16(h + 6, 0);
		memset(h + 8, 0xff, 8);
		put_le16(h + 16, 4);                 /* shb_userappl */
		put_le16(h + 18, sizeof appl - 1);
		memcpy(h + 20, appl, sizeof appl - 1);
		put_le32(h + 36, 0);                 /* opt_endofopt */
		out_pcapng_block(o, PCAPNG_SHB, h, 40);
		/* IDB body: link type, reserved, snaplen, if_tsresol = 9, end of options */
		put_le16(h, (uint16_t)linktype);
		put_le16(h + 2, 0);
		put_le32(h + 4, snaplen);
		put_le16(h + 8, 9);                  /* if_tsresol */
		put_le16(h + 10, 1);
		h[12] = 9;                           /* 10^-9 s */
		h[13] = h[14] = h[15] = 0;
		put_le32(h + 16, 0);
		out_pcapng_block(o, PCAPNG_IDB, h, 20);
		return;
	}
	put_le32(h, fmt == OUT_PCAP_NS ? 0xa1b23c4d : 0xa1b2c3d4);
	put_le16(h + 4, 2);
	put_le16(h + 6, 4);
	put_le32(h + 8, 0);   /* thiszone */
	put_le32(h + 12, 0);  /* sigfigs */
	put_le32(h + 16, snaplen);
	put_le32(h + 20, linktype);
	out_raw(o, h, 24);
}

/* One packet record; ts in nanoseconds since the epoch.  caplen is cut to
 * the snaplen, len stays the frame's length on the wire. */
static inline void out_record(struct out *o, uint64_t ts, const uint8_t *frame, uint32_t len)
{
	uint8_t h[28];
	uint32_t caplen = len < o->snaplen ? len : o->snaplen;

	o->records++;
	if (o->fmt == OUT_PCAPNG) {
		size_t pad = (4 - caplen % 4) % 4;
		uint32_t total = (uint32_t)(32 + caplen + pad);

		put_le32(h, PCAPNG_EPB);
		put_le32(h + 4, total);
		put_le32(h + 8, 0);                      /* interface 0 */
		put_le32(h + 12, (uint32_t)(ts >> 32));
		put_le32(h + 16, (uint32_t)ts);
		put_le32(h + 20, caplen);
		put_le32(h + 24, len);
		out_raw(o, h, 28);
		out_raw(o, frame, caplen);
		out_zeros(o, pad);
		put_le32(h, total);
		out_raw(o, h, 4);
		return;
	}
	put_le32(h, (uint32_t)(ts / 1000000000u));
	put_le32(h + 4, (uint32_t)(o->fmt == OUT_PCAP_NS ? ts % 1000000000u
							  : ts % 1000000000u / 1000u));
	put_le32(h + 8, caplen);
	put_le32(h + 12, len);
	out_raw(o, h, 16);
	out_raw(o, frame, caplen);
}

/* Returns 0, or -1 when any write (or the close) failed. */
static inline int out_close(struct out *o)
{
	int rc = o->err ? -1 : 0;

	if (o->f && fclose(o->f) != 0)
		rc = -1;
	o->f = NULL;
	return rc;
}

#endif
