/* \summary: link, network and transport header decoding into a struct pkt; see decode.h.
 *
 * References: IEEE 802.1Q / 802.1ad (VLAN, QinQ); Linux cooked capture
 * (tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html, LINKTYPE_LINUX_SLL2.html);
 * RFC 791 (IPv4, fragments), RFC 815 (reassembly holes), RFC 8200 (IPv6 and
 * its extension headers), RFC 4302 (AH length in 4-octet units), RFC 793 /
 * 9293 (TCP), RFC 2784 + 2890 (GRE, key and sequence), RFC 1701 (GRE routing,
 * not supported), draft-foschiano-erspan (ERSPAN types I, II and III),
 * RFC 7348 (VXLAN), RFC 2003 / 4213 (IP in IP, IPv6 in IPv4).
 *
 * Every read goes through the bounded readers of bytes.h.  A cursor ends at
 * the captured bytes or at the IP length, whichever comes first, so Ethernet
 * padding never becomes payload and a length field never moves the end past
 * what was captured.
 *
 * IPv4 fragments of the protocols that can carry TCP (TCP, UDP for VXLAN,
 * GRE, IP in IP) are reassembled in a bounded table: FRAG_TABLE_MAX
 * datagrams (the oldest is evicted when full), FRAG_PIECES_MAX fragments per
 * datagram, FRAG_BYTES_MAX bytes in all (the oldest datagrams are evicted to
 * make room) and FRAG_TIMEOUT_US of capture time.  Overlaps keep the bytes
 * that arrived first.  The DECODE_FRAG_DROPPED counter counts both frames
 * answered DECODE_FRAG_DROPPED and datagrams thrown away without such a frame
 * (expired or evicted), so every datagram lost shows up at least once. */
#include "analyzer/engine/decode.h"

#include <pcap/dlt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/base/bytes.h"
#include "analyzer/base/limits.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#define LINKTYPE_RAW_      101  /* the file-format value of raw IP (pcap maps it to DLT_RAW) */
#define LINKTYPE_IPV4_     228  /* DLT_IPV4 */
#define LINKTYPE_IPV6_     229  /* DLT_IPV6 */
#define LINKTYPE_LOOP_     108  /* DLT_LOOP outside OpenBSD */

#define ETH_IPV4        0x0800
#define ETH_IPV6        0x86dd
#define ETH_VLAN        0x8100  /* 802.1Q */
#define ETH_QINQ        0x88a8  /* 802.1ad */
#define ETH_QINQ_OLD    0x9100  /* pre-standard QinQ */
#define ETH_TEB         0x6558  /* GRE: transparent Ethernet bridging */
#define ETH_ERSPAN_2    0x88be  /* GRE: ERSPAN type I (no S bit) or II */
#define ETH_ERSPAN_3    0x22eb  /* GRE: ERSPAN type III */

#define IPPROTO_HOPOPTS_  0
#define IPPROTO_IPIP_     4
#define IPPROTO_TCP_      6
#define IPPROTO_UDP_      17
#define IPPROTO_IPV6_     41
#define IPPROTO_ROUTING_  43
#define IPPROTO_FRAGMENT_ 44
#define IPPROTO_GRE_      47
#define IPPROTO_AH_       51
#define IPPROTO_DSTOPTS_  60

#define VXLAN_PORT      4789    /* RFC 7348 5 */

#define IPV4_MAX        65535u  /* total length field */
#define FRAG_HDR_ROOM   60      /* head room in a datagram's buffer for its rebuilt header */
#define FRAG_NONE       (-1)
#define FRAG_HASH_SIZE  (2 * FRAG_TABLE_MAX)
#define DONE_MAX        (DECODE_ENCAP_DEPTH_MAX + 2) /* one reassembly per IP layer of a frame */

/* One IPv4 datagram being reassembled.  A dead entry is a datagram already
 * dropped: it keeps no bytes and answers its later fragments with
 * DECODE_FRAG_DROPPED until it expires. */
struct frag_dgram {
	uint8_t src[4], dst[4];
	uint16_t id;
	uint8_t proto;
	uint8_t used;            /* slot in use */
	uint8_t dead;
	uint8_t have_first;      /* hdr holds the offset-0 fragment's header */
	uint8_t have_last;       /* total is known */
	uint8_t hdr_len;
	uint8_t hdr[60];
	uint32_t total;          /* payload length, from the fragment with MF clear */
	uint64_t first_ts;       /* capture time of the first fragment seen */
	uint8_t *buf;            /* owned (malloc): FRAG_HDR_ROOM bytes, then the payload at its offsets */
	uint32_t cap;            /* bytes allocated in buf; counted in decoder.frag_bytes */
	uint16_t nfrags;         /* fragments received, duplicates included */
	uint16_t nivs;
	struct { uint32_t s, e; } iv[FRAG_PIECES_MAX]; /* payload bytes held: sorted, merged [s,e) */
	int32_t hnext;           /* hash chain */
	int32_t prev, next;      /* age list, oldest first */
};

struct decoder {
	uint64_t counts[DECODE__COUNT];
	uint64_t reassembled;
	struct frag_dgram *frags;        /* owned: FRAG_TABLE_MAX slots */
	int32_t hash[FRAG_HASH_SIZE];
	int32_t free_head;               /* free slots, chained through hnext */
	int32_t oldest, newest;          /* age list */
	uint32_t nfrag;                  /* slots in use */
	uint64_t frag_bytes;             /* sum of frags[].cap */
	uint8_t *done[DONE_MAX];         /* owned: reassembled datagrams handed out by the last
	                                    decode_frame(); freed at the start of the next */
	int ndone;
};

/* Per-frame decoding state. */
struct dstate {
	struct decoder *d;
	struct pkt *out;
	uint64_t ts;
	uint32_t missing;  /* bytes of the frame on the wire after the captured end */
	int depth;         /* tunnels unwrapped so far */
};

static const char *const result_names[] = {
#define X(c, n) n,
	DECODE_RESULTS(X)
#undef X
};

const char *decode_result_name(enum decode_result r)
{
	return (unsigned)r < DECODE__COUNT ? result_names[r] : "unknown";
}

/* The one list of link types smtpscope decodes: capture sources check a
 * handle against it and name it in their error message. */
static const struct {
	int dlt;
	const char *name;     /* NULL: an alias of the entry before (not listed twice) */
} linktypes[] = {
	{ DLT_EN10MB, "EN10MB" },
	{ DLT_LINUX_SLL, "LINUX_SLL" },
	{ DLT_LINUX_SLL2, "LINUX_SLL2" },
	{ DLT_RAW, "RAW" },
	{ LINKTYPE_RAW_, NULL },
	{ LINKTYPE_IPV4_, "IPV4" },
	{ LINKTYPE_IPV6_, "IPV6" },
	{ DLT_NULL, "NULL" },
	{ DLT_LOOP, "LOOP" },
	{ LINKTYPE_LOOP_, NULL },
};

int decode_linktype_supported(int dlt)
{
	size_t i;

	for (i = 0; i < sizeof linktypes / sizeof linktypes[0]; i++)
		if (linktypes[i].dlt == dlt)
			return 1;
	return 0;
}

void decode_linktypes(char *buf, size_t len)
{
	size_t i, n = 0;

	if (len)
		buf[0] = '\0';
	for (i = 0; i < sizeof linktypes / sizeof linktypes[0]; i++)
		if (linktypes[i].name && n < len)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "", linktypes[i].name);
}

/* ---- IPv4 fragment table ------------------------------------------------ */

static uint32_t frag_hash(const uint8_t *src, const uint8_t *dst, uint16_t id, uint8_t proto)
{
	uint32_t h = 2166136261u;
	int i;

	for (i = 0; i < 4; i++)
		h = (h ^ src[i]) * 16777619u;
	for (i = 0; i < 4; i++)
		h = (h ^ dst[i]) * 16777619u;
	h = (h ^ (id >> 8)) * 16777619u;
	h = (h ^ (id & 0xff)) * 16777619u;
	h = (h ^ proto) * 16777619u;
	return h % FRAG_HASH_SIZE;
}

/* Drops the bytes a datagram holds (they leave the byte count). */
static void frag_release_buf(struct decoder *d, struct frag_dgram *f)
{
	d->frag_bytes -= f->cap;
	free(f->buf);
	f->buf = NULL;
	f->cap = 0;
}

/* Takes slot i out of the hash, the age list and the table. */
static void frag_remove(struct decoder *d, int32_t i)
{
	struct frag_dgram *f = &d->frags[i];
	int32_t *pp = &d->hash[frag_hash(f->src, f->dst, f->id, f->proto)];

	while (*pp != FRAG_NONE && *pp != i)
		pp = &d->frags[*pp].hnext;
	if (*pp == i)
		*pp = f->hnext;
	if (f->prev != FRAG_NONE)
		d->frags[f->prev].next = f->next;
	else
		d->oldest = f->next;
	if (f->next != FRAG_NONE)
		d->frags[f->next].prev = f->prev;
	else
		d->newest = f->prev;
	frag_release_buf(d, f);
	f->used = 0;
	f->hnext = d->free_head;
	d->free_head = i;
	d->nfrag--;
}

/* Throws a datagram away without a frame to answer for it: counted here. */
static void frag_discard(struct decoder *d, int32_t i)
{
	if (!d->frags[i].dead)
		d->counts[DECODE_FRAG_DROPPED]++;
	frag_remove(d, i);
}

/* Marks a datagram dropped: its bytes go, the entry stays until it expires. */
static void frag_kill(struct decoder *d, struct frag_dgram *f)
{
	frag_release_buf(d, f);
	f->dead = 1;
}

static void frag_expire(struct decoder *d, uint64_t now)
{
	while (d->oldest != FRAG_NONE && now > d->frags[d->oldest].first_ts + FRAG_TIMEOUT_US)
		frag_discard(d, d->oldest);
}

static struct frag_dgram *frag_lookup(struct decoder *d, const uint8_t *src, const uint8_t *dst,
				      uint16_t id, uint8_t proto, uint64_t ts)
{
	uint32_t h = frag_hash(src, dst, id, proto);
	int32_t i;
	struct frag_dgram *f;

	for (i = d->hash[h]; i != FRAG_NONE; i = d->frags[i].hnext) {
		f = &d->frags[i];
		if (f->id == id && f->proto == proto && !memcmp(f->src, src, 4) &&
		    !memcmp(f->dst, dst, 4))
			return f;
	}
	if (d->nfrag >= FRAG_TABLE_MAX)
		frag_discard(d, d->oldest);
	i = d->free_head;
	f = &d->frags[i];
	d->free_head = f->hnext;
	memset(f, 0, sizeof *f);
	f->used = 1;
	memcpy(f->src, src, 4);
	memcpy(f->dst, dst, 4);
	f->id = id;
	f->proto = proto;
	f->first_ts = ts;
	f->hnext = d->hash[h];
	d->hash[h] = i;
	f->prev = d->newest;
	f->next = FRAG_NONE;
	if (d->newest != FRAG_NONE)
		d->frags[d->newest].next = i;
	else
		d->oldest = i;
	d->newest = i;
	d->nfrag++;
	return f;
}

/* Makes buf hold at least need bytes, evicting the oldest other datagrams
 * while the table would go over FRAG_BYTES_MAX.  0 or -1. */
static int frag_reserve(struct decoder *d, struct frag_dgram *f, uint32_t need)
{
	uint32_t ncap;
	uint8_t *nb;
	int32_t i;

	if (need <= f->cap)
		return 0;
	ncap = f->cap * 2 > need ? f->cap * 2 : need;
	if (ncap > FRAG_HDR_ROOM + IPV4_MAX)
		ncap = FRAG_HDR_ROOM + IPV4_MAX;
	i = d->oldest;
	while (d->frag_bytes - f->cap + ncap > FRAG_BYTES_MAX && i != FRAG_NONE) {
		int32_t next = d->frags[i].next;
		if (&d->frags[i] != f)
			frag_discard(d, i);
		i = next;
	}
	if (d->frag_bytes - f->cap + ncap > FRAG_BYTES_MAX)
		return -1;
	nb = realloc(f->buf, ncap);
	if (!nb)
		return -1;
	d->frag_bytes += ncap - f->cap;
	f->buf = nb;
	f->cap = ncap;
	return 0;
}

/* Copies the bytes of [s,e) that no earlier fragment brought (first wins)
 * and merges [s,e) into the sorted list of ranges held. */
static void frag_merge(struct frag_dgram *f, uint32_t s, uint32_t e, const uint8_t *data)
{
	uint32_t pos = s, ns = s, ne = e;
	uint16_t k, first, last;

	for (k = 0; k < f->nivs && pos < e; k++) {
		if (f->iv[k].e <= pos)
			continue;
		if (f->iv[k].s >= e)
			break;
		if (f->iv[k].s > pos)
			memcpy(f->buf + FRAG_HDR_ROOM + pos, data + (pos - s), f->iv[k].s - pos);
		pos = f->iv[k].e;
	}
	if (pos < e)
		memcpy(f->buf + FRAG_HDR_ROOM + pos, data + (pos - s), e - pos);

	/* ranges [first, last) touch [s,e) and collapse into one */
	for (first = 0; first < f->nivs && f->iv[first].e < s; first++)
		;
	for (last = first; last < f->nivs && f->iv[last].s <= e; last++) {
		if (f->iv[last].s < ns)
			ns = f->iv[last].s;
		if (f->iv[last].e > ne)
			ne = f->iv[last].e;
	}
	if (last == first) {
		/* nivs < nfrags <= FRAG_PIECES_MAX: there is room for one more */
		memmove(&f->iv[first + 1], &f->iv[first], (f->nivs - first) * sizeof f->iv[0]);
		f->nivs++;
	} else if (last - first > 1) {
		memmove(&f->iv[first + 1], &f->iv[last], (f->nivs - last) * sizeof f->iv[0]);
		f->nivs = (uint16_t)(f->nivs - (last - first - 1));
	}
	f->iv[first].s = ns;
	f->iv[first].e = ne;
}

static uint16_t ipv4_checksum(const uint8_t *h, size_t n)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* One IPv4 fragment, as dec_ipv4() read it. */
struct frag_piece {
	const uint8_t *hdr;       /* its IPv4 header, hdr_len bytes, captured */
	uint8_t hdr_len;
	const uint8_t *src, *dst; /* 4 bytes each, inside hdr */
	uint16_t id;
	uint8_t proto;
	const uint8_t *data;      /* its payload, len bytes, captured */
	uint32_t len;
	uint32_t off;             /* byte offset of data in the datagram */
	int more;                 /* MF */
	int cut;                  /* bytes of it were not captured */
};

/* Files one fragment.
 * Returns DECODE_TCP when this fragment completed the datagram, with dgram
 * and dgram_len set to the whole rebuilt datagram (decoder-owned until the
 * next decode_frame()), DECODE_FRAG_HELD or DECODE_FRAG_DROPPED otherwise. */
static enum decode_result frag_add(struct decoder *d, uint64_t ts, const struct frag_piece *fp,
				   const uint8_t **dgram, uint32_t *dgram_len)
{
	struct frag_dgram *f;
	uint32_t e = fp->off + fp->len, tot;
	uint8_t *h;
	uint16_t sum;

	f = frag_lookup(d, fp->src, fp->dst, fp->id, fp->proto, ts);
	if (f->dead)
		return DECODE_FRAG_DROPPED;
	if (++f->nfrags > FRAG_PIECES_MAX || e > IPV4_MAX - 20 || fp->cut)
		goto drop;
	if (!fp->more) {
		if ((f->have_last && f->total != e) || (f->nivs && f->iv[f->nivs - 1].e > e))
			goto drop; /* two different ends, or bytes past the end */
		f->have_last = 1;
		f->total = e;
	} else if (f->have_last && e > f->total) {
		goto drop;
	}
	if (fp->off == 0 && !f->have_first) {
		memcpy(f->hdr, fp->hdr, fp->hdr_len);
		f->hdr_len = fp->hdr_len;
		f->have_first = 1;
	}
	if (fp->len) {
		if (frag_reserve(d, f, FRAG_HDR_ROOM + e) < 0)
			goto drop;
		frag_merge(f, fp->off, e, fp->data);
	}
	if (!f->have_first || !f->have_last || f->nivs != 1 || f->iv[0].s != 0 ||
	    f->iv[0].e != f->total)
		return DECODE_FRAG_HELD;

	/* complete: rebuild the header in front of the payload */
	tot = f->hdr_len + f->total;
	if (tot > IPV4_MAX || d->ndone >= DONE_MAX || !f->buf)
		goto drop;
	h = f->buf + FRAG_HDR_ROOM - f->hdr_len;
	memcpy(h, f->hdr, f->hdr_len);
	h[2] = (uint8_t)(tot >> 8);
	h[3] = (uint8_t)tot;
	h[6] &= 0x40;            /* keep DF; clear MF and the offset */
	h[7] = 0;
	h[10] = h[11] = 0;
	sum = ipv4_checksum(h, f->hdr_len);
	h[10] = (uint8_t)(sum >> 8);
	h[11] = (uint8_t)sum;
	*dgram = h;
	*dgram_len = tot;
	d->done[d->ndone++] = f->buf;   /* ownership moves to the decoder's done list */
	d->frag_bytes -= f->cap;
	f->buf = NULL;
	f->cap = 0;
	frag_remove(d, (int32_t)(f - d->frags));
	d->reassembled++;
	return DECODE_TCP;
drop:
	frag_kill(d, f);
	return DECODE_FRAG_DROPPED;
}

/* ---- layers -------------------------------------------------------------- */

static enum decode_result dec_ether(struct dstate *st, struct cursor c);
static enum decode_result dec_ipv4(struct dstate *st, struct cursor c);
static enum decode_result dec_ipv6(struct dstate *st, struct cursor c);

/* IP of either version, told by the first nibble. */
static enum decode_result dec_ip_any(struct dstate *st, struct cursor c)
{
	struct cursor pk = c;
	uint8_t v;

	if (rd_u8(&pk, &v) < 0)
		return DECODE_TRUNC_IP;
	switch (v >> 4) {
	case 4:
		return dec_ipv4(st, c);
	case 6:
		return dec_ipv6(st, c);
	default:
		return DECODE_BAD_IP;
	}
}

/* After the two MAC addresses (or a cooked header's protocol): VLAN tags,
 * then the network layer. */
static enum decode_result dec_ethertype(struct dstate *st, uint16_t type, struct cursor c)
{
	int tags = 0;
	uint16_t tci;

	while (type == ETH_VLAN || type == ETH_QINQ || type == ETH_QINQ_OLD) {
		if (++tags > DECODE_VLAN_DEPTH_MAX)
			return DECODE_BAD_ENCAP;
		if (rd_be16(&c, &tci) < 0 || rd_be16(&c, &type) < 0)
			return DECODE_TRUNC_LINK;
		st->out->vlan = tci & 0x0fff;
	}
	switch (type) {
	case ETH_IPV4:
		return dec_ipv4(st, c);
	case ETH_IPV6:
		return dec_ipv6(st, c);
	default:
		return DECODE_NOT_IP;   /* ARP, LLDP, 802.3 length field, ... */
	}
}

static enum decode_result dec_ether(struct dstate *st, struct cursor c)
{
	uint16_t type;

	if (rd_skip(&c, 12) < 0 || rd_be16(&c, &type) < 0)
		return DECODE_TRUNC_LINK;
	return dec_ethertype(st, type, c);
}

static int enter_tunnel(struct dstate *st)
{
	return ++st->depth > DECODE_ENCAP_DEPTH_MAX ? -1 : 0;
}

/* ERSPAN type III (draft-foschiano-erspan-03 3.3): 12 bytes, then an 8-byte
 * platform-specific subheader when O is set; FT 0 is Ethernet, 2 is IP. */
static enum decode_result dec_erspan3(struct dstate *st, struct cursor c)
{
	uint16_t w0, w2;
	uint8_t ft;

	if (rd_be16(&c, &w0) < 0 || rd_skip(&c, 6) < 0 || rd_skip(&c, 2) < 0 ||
	    rd_be16(&c, &w2) < 0)
		return DECODE_BAD_ENCAP;
	if (w0 >> 12 != 2)
		return DECODE_BAD_ENCAP;
	if ((w2 & 0x0001) && rd_skip(&c, 8) < 0)
		return DECODE_BAD_ENCAP;
	ft = (uint8_t)((w2 >> 10) & 0x1f);
	if (ft == 0)
		return dec_ether(st, c);
	if (ft == 2)
		return dec_ip_any(st, c);
	return DECODE_BAD_ENCAP;
}

/* GRE (RFC 2784, keys and sequence numbers RFC 2890). */
static enum decode_result dec_gre(struct dstate *st, struct cursor c)
{
	uint16_t flags, proto, w0;

	if (enter_tunnel(st) < 0)
		return DECODE_BAD_ENCAP;
	if (rd_be16(&c, &flags) < 0 || rd_be16(&c, &proto) < 0)
		return DECODE_BAD_ENCAP;
	if (flags & 0x4000)          /* RFC 1701 routing: obsolete, not supported */
		return DECODE_BAD_ENCAP;
	if ((flags & 0x0007) != 0)   /* version 1 is PPTP's enhanced GRE (PPP inside) */
		return DECODE_NOT_IP;
	if (((flags & 0x8000) && rd_skip(&c, 4) < 0) ||  /* checksum + reserved */
	    ((flags & 0x2000) && rd_skip(&c, 4) < 0) ||  /* key */
	    ((flags & 0x1000) && rd_skip(&c, 4) < 0))    /* sequence number */
		return DECODE_BAD_ENCAP;
	switch (proto) {
	case ETH_IPV4:
		return dec_ipv4(st, c);
	case ETH_IPV6:
		return dec_ipv6(st, c);
	case ETH_TEB:
		return dec_ether(st, c);
	case ETH_ERSPAN_2:
		if (!(flags & 0x1000))
			return dec_ether(st, c);   /* type I: no ERSPAN header */
		/* type II: Ver(4)=1 VLAN COS En T Session | Reserved Index */
		if (rd_be16(&c, &w0) < 0 || rd_skip(&c, 6) < 0 || w0 >> 12 != 1)
			return DECODE_BAD_ENCAP;
		return dec_ether(st, c);
	case ETH_ERSPAN_3:
		return dec_erspan3(st, c);
	default:
		return DECODE_NOT_IP;
	}
}

/* UDP: only VXLAN (RFC 7348) is looked into. */
static enum decode_result dec_udp(struct dstate *st, struct cursor c)
{
	uint16_t sport, dport, len;
	uint8_t flags;

	if (rd_be16(&c, &sport) < 0 || rd_be16(&c, &dport) < 0 || rd_be16(&c, &len) < 0 ||
	    rd_skip(&c, 2) < 0)
		return DECODE_NOT_TCP;
	if (dport != VXLAN_PORT)
		return DECODE_NOT_TCP;
	if (enter_tunnel(st) < 0 || len < 8 + 8)
		return DECODE_BAD_ENCAP;
	if ((size_t)(len - 8) < cursor_left(&c))
		c.end = c.p + (len - 8);
	if (rd_u8(&c, &flags) < 0 || rd_skip(&c, 7) < 0 || !(flags & 0x08))
		return DECODE_BAD_ENCAP;
	return dec_ether(st, c);
}

/* TCP (RFC 9293 3.1).  c holds the captured segment bytes (never beyond the IP
 * length); wire is the segment length per the IP header. */
static enum decode_result dec_tcp(struct dstate *st, struct cursor c, uint32_t wire)
{
	struct pkt *o = st->out;
	uint8_t doff_b, flags;
	uint32_t doff, caplen = (uint32_t)cursor_left(&c);
	const uint8_t *start = c.p;

	if (wire < 20)
		return DECODE_BAD_TCP;
	if (rd_be16(&c, &o->sport) < 0 || rd_be16(&c, &o->dport) < 0 ||
	    rd_be32(&c, &o->seq) < 0 || rd_be32(&c, &o->ack) < 0 ||
	    rd_u8(&c, &doff_b) < 0 || rd_u8(&c, &flags) < 0 || rd_skip(&c, 6) < 0)
		return DECODE_TRUNC_TCP;
	doff = (uint32_t)(doff_b >> 4) * 4;
	if (doff < 20 || doff > wire)
		return DECODE_BAD_TCP;
	if (doff > caplen)
		return DECODE_TRUNC_TCP;
	o->flags = flags;
	o->payload = start + doff;
	o->payload_len = caplen - doff;
	o->payload_wire_len = wire - doff;
	return DECODE_TCP;
}

/* The protocol after an IP header.  c: captured payload; wire: its length per IP. */
static enum decode_result dec_l4(struct dstate *st, uint8_t proto, struct cursor c, uint32_t wire)
{
	switch (proto) {
	case IPPROTO_TCP_:
		return dec_tcp(st, c, wire);
	case IPPROTO_UDP_:
		return dec_udp(st, c);
	case IPPROTO_GRE_:
		return dec_gre(st, c);
	case IPPROTO_IPIP_:
		if (enter_tunnel(st) < 0)
			return DECODE_BAD_ENCAP;
		return dec_ipv4(st, c);
	case IPPROTO_IPV6_:
		if (enter_tunnel(st) < 0)
			return DECODE_BAD_ENCAP;
		return dec_ipv6(st, c);
	default:
		return DECODE_NOT_TCP;
	}
}

static int may_carry_tcp(uint8_t proto)
{
	return proto == IPPROTO_TCP_ || proto == IPPROTO_UDP_ || proto == IPPROTO_GRE_ ||
	       proto == IPPROTO_IPIP_ || proto == IPPROTO_IPV6_;
}

/* IPv4 (RFC 791 3.1). */
static enum decode_result dec_ipv4(struct dstate *st, struct cursor c)
{
	const uint8_t *l3 = c.p;
	size_t cap = cursor_left(&c);
	uint8_t vihl, proto;
	uint16_t tot16, id, fo;
	uint32_t ihl, tot, cap3, off;
	const uint8_t *src, *dst;
	struct pkt *o = st->out;

	if (rd_u8(&c, &vihl) < 0 || rd_skip(&c, 1) < 0 || rd_be16(&c, &tot16) < 0 ||
	    rd_be16(&c, &id) < 0 || rd_be16(&c, &fo) < 0 || rd_skip(&c, 1) < 0 ||
	    rd_u8(&c, &proto) < 0 || rd_skip(&c, 2) < 0 || rd_bytes(&c, 4, &src) < 0 ||
	    rd_bytes(&c, 4, &dst) < 0)
		return DECODE_TRUNC_IP;
	ihl = (uint32_t)(vihl & 0x0f) * 4;
	if (vihl >> 4 != 4 || ihl < 20)
		return DECODE_BAD_IP;
	tot = tot16;
	if (tot == 0)   /* TSO / BIG TCP capture: the length is the frame's */
		tot = (uint32_t)(cap + st->missing);
	if (tot < ihl)
		return DECODE_BAD_IP;
	if (cap < ihl)
		return DECODE_TRUNC_IP;
	cap3 = cap < tot ? (uint32_t)cap : tot;   /* Ethernet padding is not ours */

	off = (uint32_t)(fo & 0x1fff) * 8;
	if ((fo & 0x2000) || off) {
		const uint8_t *dg = NULL;
		uint32_t dg_len = 0;
		enum decode_result r;
		struct dstate sub;
		struct frag_piece fp;

		if (!may_carry_tcp(proto))
			return DECODE_NOT_TCP;
		fp.hdr = l3;
		fp.hdr_len = (uint8_t)ihl;
		fp.src = src;
		fp.dst = dst;
		fp.id = id;
		fp.proto = proto;
		fp.data = l3 + ihl;
		fp.len = cap3 - ihl;
		fp.off = off;
		fp.more = (fo & 0x2000) != 0;
		/* a fragment cut by the snaplen (or of unknown length) cannot be
		 * rebuilt: its datagram is dropped */
		fp.cut = cap3 < tot || tot16 == 0;
		r = frag_add(st->d, st->ts, &fp, &dg, &dg_len);
		if (r != DECODE_TCP)
			return r;
		sub = *st;
		sub.missing = 0;
		return dec_ipv4(&sub, cursor_make(dg, dg_len));
	}

	o->ip_version = 4;
	memset(o->src, 0, sizeof o->src);
	memset(o->dst, 0, sizeof o->dst);
	memcpy(o->src, src, 4);
	memcpy(o->dst, dst, 4);
	o->l3 = l3;
	o->l3_len = cap3;
	o->l3_wire_len = tot;
	c = cursor_make(l3 + ihl, cap3 - ihl);
	return dec_l4(st, proto, c, tot - ihl);
}

/* IPv6 (RFC 8200 3, 4): extension headers are skipped; fragments are not
 * reassembled. */
static enum decode_result dec_ipv6(struct dstate *st, struct cursor c)
{
	const uint8_t *l3 = c.p;
	size_t cap = cursor_left(&c);
	uint8_t v, nh, b0, b1;
	uint16_t plen, fo;
	struct cursor pk;
	uint32_t tot, cap3, wire, len;
	const uint8_t *src, *dst;
	struct pkt *o = st->out;
	int n;

	if (rd_u8(&c, &v) < 0 || rd_skip(&c, 3) < 0 || rd_be16(&c, &plen) < 0 ||
	    rd_u8(&c, &nh) < 0 || rd_skip(&c, 1) < 0 || rd_bytes(&c, 16, &src) < 0 ||
	    rd_bytes(&c, 16, &dst) < 0)
		return DECODE_TRUNC_IP;
	if (v >> 4 != 6)
		return DECODE_BAD_IP;
	tot = 40u + plen;
	if (plen == 0)  /* jumbogram or TSO capture: the length is the frame's */
		tot = (uint32_t)(cap + st->missing);
	cap3 = cap < tot ? (uint32_t)cap : tot;
	c = cursor_make(l3 + 40, cap3 - 40);
	wire = tot - 40;

	for (n = 0;; n++) {
		if (nh != IPPROTO_HOPOPTS_ && nh != IPPROTO_ROUTING_ && nh != IPPROTO_FRAGMENT_ &&
		    nh != IPPROTO_DSTOPTS_ && nh != IPPROTO_AH_)
			break;
		if (n >= DECODE_IPV6_EXT_MAX)
			return DECODE_BAD_IP;
		if (wire < 8)
			return DECODE_BAD_IP;
		pk = c;
		if (rd_u8(&pk, &b0) < 0 || rd_u8(&pk, &b1) < 0)
			return DECODE_TRUNC_IP;
		if (nh == IPPROTO_FRAGMENT_)
			len = 8;
		else if (nh == IPPROTO_AH_)
			len = ((uint32_t)b1 + 2) * 4;   /* RFC 4302 2.2 */
		else
			len = ((uint32_t)b1 + 1) * 8;
		if (len > wire)
			return DECODE_BAD_IP;
		if (cursor_left(&c) < len)
			return DECODE_TRUNC_IP;
		if (nh == IPPROTO_FRAGMENT_) {
			if (rd_be16(&pk, &fo) < 0)
				return DECODE_TRUNC_IP;
			if ((fo & 0xfff8) || (fo & 0x0001))
				return DECODE_FRAG_DROPPED;  /* a real fragment; atomic ones go on */
		}
		rd_skip(&c, len);
		wire -= len;
		nh = b0;
	}

	o->ip_version = 6;
	memcpy(o->src, src, 16);
	memcpy(o->dst, dst, 16);
	o->l3 = l3;
	o->l3_len = cap3;
	o->l3_wire_len = tot;
	return dec_l4(st, nh, c, wire);
}

/* BSD loopback: the address family, in the writer's byte order (NULL) or in
 * network byte order (LOOP).  AF_INET6 differs between the BSDs. */
static enum decode_result dec_af(struct dstate *st, uint32_t af, struct cursor c)
{
	switch (af) {
	case 2:
		return dec_ipv4(st, c);
	case 24:  /* NetBSD, OpenBSD */
	case 28:  /* FreeBSD, DragonFly */
	case 30:  /* Darwin */
		return dec_ipv6(st, c);
	default:
		return DECODE_NOT_IP;
	}
}

static enum decode_result dec_link(struct dstate *st, int dlt, struct cursor c)
{
	uint16_t proto;
	uint32_t af;

	if (dlt == DLT_EN10MB)
		return dec_ether(st, c);
	if (dlt == DLT_LINUX_SLL) {
		/* type(2) ARPHRD(2) addr len(2) addr(8) protocol(2) */
		if (rd_skip(&c, 14) < 0 || rd_be16(&c, &proto) < 0)
			return DECODE_TRUNC_LINK;
		return dec_ethertype(st, proto, c);
	}
	if (dlt == DLT_LINUX_SLL2) {
		/* protocol(2) reserved(2) ifindex(4) ARPHRD(2) type(1) addr len(1) addr(8) */
		if (rd_be16(&c, &proto) < 0 || rd_skip(&c, 18) < 0)
			return DECODE_TRUNC_LINK;
		return dec_ethertype(st, proto, c);
	}
	if (dlt == DLT_RAW || dlt == LINKTYPE_RAW_)
		return dec_ip_any(st, c);
	if (dlt == LINKTYPE_IPV4_)
		return dec_ipv4(st, c);
	if (dlt == LINKTYPE_IPV6_)
		return dec_ipv6(st, c);
	if (dlt == DLT_NULL) {
		if (rd_le32(&c, &af) < 0)
			return DECODE_TRUNC_LINK;
		if (af > 0xffff)   /* written on a host of the other byte order */
			af = (af >> 24) | ((af >> 8) & 0xff00) | ((af << 8) & 0xff0000) | (af << 24);
		return dec_af(st, af, c);
	}
	if (dlt == DLT_LOOP || dlt == LINKTYPE_LOOP_) {
		if (rd_be32(&c, &af) < 0)
			return DECODE_TRUNC_LINK;
		return dec_af(st, af, c);
	}
	return DECODE_UNKNOWN_LINK;
}

/* ---- public --------------------------------------------------------------- */

struct decoder *decode_new(void)
{
	struct decoder *d = calloc(1, sizeof *d);
	int i;

	if (!d)
		return NULL;
	d->frags = calloc(FRAG_TABLE_MAX, sizeof *d->frags);
	if (!d->frags) {
		free(d);
		return NULL;
	}
	for (i = 0; i < FRAG_HASH_SIZE; i++)
		d->hash[i] = FRAG_NONE;
	for (i = 0; i < FRAG_TABLE_MAX; i++)
		d->frags[i].hnext = i + 1 < FRAG_TABLE_MAX ? i + 1 : FRAG_NONE;
	d->free_head = 0;
	d->oldest = d->newest = FRAG_NONE;
	return d;
}

static void release_done(struct decoder *d)
{
	while (d->ndone > 0)
		free(d->done[--d->ndone]);
}

void decode_free(struct decoder *d)
{
	int i;

	if (!d)
		return;
	release_done(d);
	for (i = 0; i < FRAG_TABLE_MAX; i++)
		free(d->frags[i].buf);
	free(d->frags);
	free(d);
}

enum decode_result decode_frame(struct decoder *d, int dlt, const uint8_t *frame, uint32_t caplen,
				uint32_t wirelen, uint64_t ts, struct pkt *out)
{
	static const uint8_t empty;
	struct dstate st;
	enum decode_result r;

	release_done(d);
	if (d->nfrag)
		frag_expire(d, ts);
	memset(out, 0, sizeof *out);
	out->ts = ts;
	if (!frame) {   /* NULL + 0 is undefined: point at something */
		frame = &empty;
		caplen = 0;
	}
	st.d = d;
	st.out = out;
	st.ts = ts;
	/* caplen > wirelen is a corrupt record header: the captured bytes are
	 * still all there is, so decode them as a whole frame. */
	st.missing = wirelen > caplen ? wirelen - caplen : 0;
	st.depth = 0;
	r = dec_link(&st, dlt, cursor_make(frame, caplen));
	d->counts[r]++;
	return r;
}

const uint64_t *decode_counts(const struct decoder *d)
{
	return d->counts;
}

uint64_t decode_frag_reassembled(const struct decoder *d)
{
	return d->reassembled;
}
