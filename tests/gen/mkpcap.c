/* \summary: mkpcap: writes smtpscope's test captures, byte-identical on every run.
 *
 *   mkpcap OUTDIR                   every fixture of tests/pcaps/README.md into OUTDIR
 *   mkpcap --bench N OUT.pcap       N SMTP sessions with 40 KB bodies + N HTTP flows
 *   mkpcap --open-flows N OUT.pcap  N TCP connections left open after the SMTP banner
 *
 * Self-contained: its own capture writer (mkpcap_wire.h), its own frame
 * builders (Ethernet, 802.1Q, QinQ, SLL, SLL2, raw, BSD NULL, IPv4 with
 * fragments, IPv6, GRE, ERSPAN II/III, VXLAN, TCP with checksums) and a TCP
 * conversation helper.  Nothing depends on the clock, the locale or the
 * host: timestamps start at 2001-06-07 10:00:00 UTC (991908000), and every
 * "random" choice (ISNs, IP ids, ports, jitter, text) comes from a
 * splitmix64 generator seeded by the fixture's file name.
 *
 * Addresses are documentation ranges (RFC 5737, RFC 3849) or RFC 1918;
 * MACs are 00:00:5e:00:53:xx (RFC 7042 documentation range). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "tests/gen/mkpcap_wire.h"
#include "analyzer/base/limits.h"

#define T0 991908000ull          /* 2001-06-07 10:00:00 UTC, a Thursday */
#define NS 1000000000ull
#define MS 1000000ull
#define US 1000ull

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10

#define PB_HEAD 512              /* room for every header pushed in front of a segment */
#define PB_DATA 16384            /* largest IP payload built (a segment is <= one MSS) */
#define SNAP_DEFAULT 262144

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mkpcap: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* ---- deterministic randomness ------------------------------------------ */

static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t seed_of(const char *name)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */

	for (; *name; name++)
		h = (h ^ (uint8_t)*name) * 0x100000001b3ull;
	return h;
}

/* ---- string builder over caller storage (overflow is our bug: die) ---------- */

struct sb {
	char *p;       /* not owned */
	size_t n, cap;
};

static void sb_init(struct sb *s, char *buf, size_t cap)
{
	s->p = buf;
	s->n = 0;
	s->cap = cap;
	buf[0] = 0;
}

static void sb_add(struct sb *s, const void *p, size_t n)
{
	if (s->cap - s->n <= n)
		die("internal: string buffer of %zu bytes too small", s->cap);
	memcpy(s->p + s->n, p, n);
	s->n += n;
	s->p[s->n] = 0;
}

static void sb_puts(struct sb *s, const char *z)
{
	sb_add(s, z, strlen(z));
}

static void sb_printf(struct sb *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sb *s, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(s->p + s->n, s->cap - s->n, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= s->cap - s->n)
		die("internal: string buffer of %zu bytes too small", s->cap);
	s->n += (size_t)k;
}

static void base64(struct sb *s, const uint8_t *p, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		char q[4] = { tab[v >> 18], tab[v >> 12 & 63], tab[v >> 6 & 63], tab[v & 63] };
		sb_add(s, q, 4);
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;
		char q[4] = { tab[v >> 18], tab[v >> 12 & 63], '=', '=' };
		sb_add(s, q, 4);
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		char q[4] = { tab[v >> 18], tab[v >> 12 & 63], tab[v >> 6 & 63], '=' };
		sb_add(s, q, 4);
	}
}

/* "Thu, 7 Jun 2001 10:00:00 +0000" (Exchange, RFC 5322 Date) or, with
 * pad, "Thu, 07 Jun 2001 10:00:00 +0000" (Exim). */
static void fmt_date(uint64_t ts, int pad, char *buf, size_t cap)
{
	static const char *const wd[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)(ts / NS);
	struct tm tm;

	gmtime_r(&t, &tm);
	if (pad)
		snprintf(buf, cap, "%s, %02d %s %d %02d:%02d:%02d +0000", wd[tm.tm_wday], tm.tm_mday,
			 mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	else
		snprintf(buf, cap, "%s, %d %s %d %02d:%02d:%02d +0000", wd[tm.tm_wday], tm.tm_mday,
			 mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* ---- frames -------------------------------------------------------------- */

enum encap {
	ENC_ETH,      /* Ethernet II */
	ENC_VLAN,     /* Ethernet, 802.1Q tag 100 */
	ENC_QINQ,     /* Ethernet, 802.1ad tag 200 (0x88a8), 802.1Q tag 100 */
	ENC_GRE,      /* Ethernet, IPv4, GRE (RFC 2784) protocol 0x0800/0x86dd, inner IP */
	ENC_ERSPAN2,  /* Ethernet, IPv4, GRE 0x88be with sequence, ERSPAN II, inner Ethernet */
	ENC_ERSPAN3,  /* Ethernet, IPv4, GRE 0x22eb with sequence, ERSPAN III, inner Ethernet */
	ENC_VXLAN,    /* Ethernet, IPv4, UDP 4789, VXLAN VNI 42 (RFC 7348), inner Ethernet */
	ENC_SLL,      /* Linux cooked v1 */
	ENC_SLL2,     /* Linux cooked v2 */
	ENC_RAW,      /* LINKTYPE_RAW: the IP header first */
	ENC_NULL,     /* BSD loopback: 4-byte address family, host (little-endian) order */
};

/* A frame under construction: headers are pushed in front of the payload. */
struct pbuf {
	uint8_t mem[PB_HEAD + PB_DATA];
	size_t off, len;
};

struct gen {
	struct out out;
	enum encap encap;
	int frag;             /* IPv4 datagrams with TCP payload go out as 2-3 fragments */
	unsigned frag_dgrams; /* datagrams fragmented so far (the 2nd goes out backwards) */
	uint64_t ts;          /* the capture clock, ns since the epoch */
	uint64_t rng;
	uint32_t tun_seq;     /* GRE sequence number (ERSPAN) */
	uint16_t tun_ipid;    /* outer IPv4 id of tunnelled frames */
	struct pbuf pb;
};

static struct gen G;

static uint32_t rnd(struct gen *g, uint32_t lo, uint32_t hi) /* inclusive */
{
	return lo + (uint32_t)(rng_next(&g->rng) % ((uint64_t)hi - lo + 1));
}

static void gen_wait(struct gen *g, uint64_t ns)
{
	g->ts += ns;
}

/* Move the clock to T0 + sec (plus a few microseconds of jitter); never backwards. */
static void gen_at(struct gen *g, uint64_t sec)
{
	uint64_t t = (T0 + sec) * NS + rnd(g, 0, 900) * US;

	t += rnd(g, 0, 999);  /* separate statements: argument order is unspecified */
	g->ts = t > g->ts ? t : g->ts + MS;
}

static void pb_reset(struct pbuf *b)
{
	b->off = PB_HEAD;
	b->len = 0;
}

static uint8_t *pb_push(struct pbuf *b, size_t n)
{
	if (b->off < n)
		die("internal: header room exhausted");
	b->off -= n;
	b->len += n;
	return b->mem + b->off;
}

static uint8_t *pb_put(struct pbuf *b, size_t n)
{
	uint8_t *p;

	if (PB_HEAD + PB_DATA - b->off - b->len < n)
		die("internal: frame too large");
	p = b->mem + b->off + b->len;
	b->len += n;
	return p;
}

static uint64_t csum_add(uint64_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void mac_of(uint8_t mac[6], const uint8_t *addr, int ipv)
{
	static const uint8_t base[5] = { 0x00, 0x00, 0x5e, 0x00, 0x53 };

	memcpy(mac, base, 5);
	mac[5] = ipv == 4 ? addr[3] : addr[15];
}

static void push_eth(struct pbuf *b, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
	uint8_t *p = pb_push(b, 14);

	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	put_be16(p + 12, type);
}

/* A VLAN tag: TCI, then the type of what follows; the caller's next header
 * (Ethernet or an outer tag) carries the TPID. */
static void push_vlan(struct pbuf *b, uint16_t vid, uint16_t inner_type)
{
	uint8_t *p = pb_push(b, 4);

	put_be16(p, vid & 0x0fff);
	put_be16(p + 2, inner_type);
}

/* IPv4 header over the current contents.  frag: flags and offset field. */
static void push_ipv4(struct pbuf *b, const uint8_t src[4], const uint8_t dst[4], uint8_t proto,
		      uint16_t id, uint8_t ttl, uint16_t frag)
{
	uint8_t *p = pb_push(b, 20);

	p[0] = 0x45;
	p[1] = 0;
	put_be16(p + 2, (uint16_t)b->len);
	put_be16(p + 4, id);
	put_be16(p + 6, frag);
	p[8] = ttl;
	p[9] = proto;
	put_be16(p + 10, 0);
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	put_be16(p + 10, csum_fold(csum_add(0, p, 20)));
}

static void push_ipv6(struct pbuf *b, const uint8_t src[16], const uint8_t dst[16], uint8_t proto,
		      uint8_t hlim)
{
	uint8_t *p = pb_push(b, 40);

	put_be32(p, 0x60000000);
	put_be16(p + 4, (uint16_t)(b->len - 40));
	p[6] = proto;
	p[7] = hlim;
	memcpy(p + 8, src, 16);
	memcpy(p + 24, dst, 16);
}

static const uint8_t tun_src[4] = { 192, 0, 2, 1 }, tun_dst[4] = { 192, 0, 2, 2 };

/* The outer IPv4 + Ethernet of a tunnel (collector side: always 192.0.2.1 -> .2). */
static void push_outer(struct gen *g, uint8_t proto)
{
	uint8_t smac[6], dmac[6];

	mac_of(smac, (const uint8_t[4]){ 192, 0, 2, 0xf1 }, 4);
	mac_of(dmac, (const uint8_t[4]){ 192, 0, 2, 0xf2 }, 4);
	push_ipv4(&g->pb, tun_src, tun_dst, proto, g->tun_ipid++, 64, 0x4000);
	push_eth(&g->pb, dmac, smac, 0x0800);
}

static void push_gre(struct pbuf *b, uint16_t proto, int with_seq, uint32_t seq)
{
	uint8_t *p = pb_push(b, with_seq ? 8 : 4);

	put_be16(p, with_seq ? 0x1000 : 0x0000); /* S bit, version 0 */
	put_be16(p + 2, proto);
	if (with_seq)
		put_be32(p + 4, seq);
}

/* Wraps the IP datagram in g->pb in the fixture's link layer and writes it.
 * dir: 0 = from the client, 1 = from the server (the capturing host). */
static void link_emit(struct gen *g, int ipv, const uint8_t *src, const uint8_t *dst, int dir)
{
	struct pbuf *b = &g->pb;
	uint16_t et = ipv == 4 ? 0x0800 : 0x86dd;
	uint8_t smac[6], dmac[6], *p;

	mac_of(smac, src, ipv);
	mac_of(dmac, dst, ipv);
	switch (g->encap) {
	case ENC_ETH:
		push_eth(b, dmac, smac, et);
		break;
	case ENC_VLAN:
		push_vlan(b, 100, et);
		push_eth(b, dmac, smac, 0x8100);
		break;
	case ENC_QINQ:
		push_vlan(b, 100, et);
		push_vlan(b, 200, 0x8100);
		push_eth(b, dmac, smac, 0x88a8);
		break;
	case ENC_GRE:
		push_gre(b, et, 0, 0);
		push_outer(g, 47);
		break;
	case ENC_ERSPAN2:
		push_eth(b, dmac, smac, et);
		p = pb_push(b, 8);
		put_be32(p, 0x1u << 28 | 0 << 16 | 1);   /* ver 1, VLAN 0, COS 0, En 0, T 0, session 1 */
		put_be32(p + 4, 0);                      /* reserved, index 0 */
		push_gre(b, 0x88be, 1, g->tun_seq++);
		push_outer(g, 47);
		break;
	case ENC_ERSPAN3:
		push_eth(b, dmac, smac, et);
		p = pb_push(b, 12);
		put_be32(p, 0x2u << 28 | 1);             /* ver 2, VLAN 0, session 1 */
		put_be32(p + 4, (uint32_t)(g->ts / (100 * US))); /* 100 us granularity */
		put_be32(p + 8, 0);                      /* SGT 0, P 0, FT 0 (Ethernet), O 0 */
		push_gre(b, 0x22eb, 1, g->tun_seq++);
		push_outer(g, 47);
		break;
	case ENC_VXLAN:
		push_eth(b, dmac, smac, et);
		p = pb_push(b, 8);
		put_be32(p, 0x08000000);                 /* I flag */
		put_be32(p + 4, 42u << 8);               /* VNI 42 */
		p = pb_push(b, 8);
		put_be16(p, (uint16_t)(49152 + (smac[5] ^ dmac[5])));
		put_be16(p + 2, 4789);
		put_be16(p + 4, (uint16_t)b->len);
		put_be16(p + 6, 0);                      /* no UDP checksum (IPv4) */
		push_outer(g, 17);
		break;
	case ENC_SLL:
		p = pb_push(b, 16);
		put_be16(p, dir ? 4 : 0);                /* outgoing from the server / to us */
		put_be16(p + 2, 1);                      /* ARPHRD_ETHER */
		put_be16(p + 4, 6);
		memcpy(p + 6, smac, 6);
		p[12] = p[13] = 0;
		put_be16(p + 14, et);
		break;
	case ENC_SLL2:
		p = pb_push(b, 20);
		put_be16(p, et);
		put_be16(p + 2, 0);
		put_be32(p + 4, 2);                      /* interface index */
		put_be16(p + 8, 1);                      /* ARPHRD_ETHER */
		p[10] = dir ? 4 : 0;
		p[11] = 6;
		memcpy(p + 12, smac, 6);
		p[18] = p[19] = 0;
		break;
	case ENC_RAW:
		break;
	case ENC_NULL:
		p = pb_push(b, 4);
		put_le32(p, ipv == 4 ? 2 : 24);         /* AF_INET; AF_INET6 as on NetBSD */
		break;
	}
	/* Received Ethernet frames are padded to 60 bytes: decoders must trust the IP length. */
	if ((g->encap == ENC_ETH || g->encap == ENC_VLAN || g->encap == ENC_QINQ) && b->len < 60) {
		size_t pad = 60 - b->len;

		memset(pb_put(b, pad), 0, pad);
	}
	out_record(&g->out, g->ts, b->mem + b->off, (uint32_t)b->len);
}

/* Sends an IP datagram carrying l4[0..n) (protocol 6).  may_frag: the
 * segment has payload, so in a frag fixture it goes out as fragments. */
static void ip_emit(struct gen *g, int ipv, const uint8_t *src, const uint8_t *dst,
		    const uint8_t *l4, size_t n, uint16_t ipid, uint8_t ttl, int dir, int may_frag)
{
	struct pbuf *b = &g->pb;

	if (ipv == 4 && g->frag && may_frag) {
		size_t nf = n >= 48 ? 3 : 2, piece = (n / nf) & ~(size_t)7, k;
		int backwards = ++g->frag_dgrams == 2;

		for (k = 0; k < nf; k++) {
			size_t j = backwards ? nf - 1 - k : k;
			size_t off = j * piece, len = j + 1 < nf ? piece : n - off;

			if (k)
				gen_wait(g, 3 * US);
			pb_reset(b);
			memcpy(pb_put(b, len), l4 + off, len);
			push_ipv4(b, src, dst, 6, ipid, ttl,
				  (uint16_t)((j + 1 < nf ? 0x2000 : 0) | off / 8));
			link_emit(g, ipv, src, dst, dir);
		}
		return;
	}
	pb_reset(b);
	memcpy(pb_put(b, n), l4, n);
	if (ipv == 4)
		push_ipv4(b, src, dst, 6, ipid, ttl, 0x4000);
	else
		push_ipv6(b, src, dst, 6, ttl);
	link_emit(g, ipv, src, dst, dir);
}

/* ---- TCP conversations --------------------------------------------------- */

enum { C = 0, S = 1 };   /* direction: C = client to server, S = server to client */

/* Changes to the next conv_send() only; segment numbers are 1-based, 0 = none. */
struct tweaks {
	unsigned reorder;     /* segment k goes out after segment k+1 */
	unsigned drop;        /* segment k is not in the capture (a real gap) */
	unsigned duplicate;   /* segment k is written twice, byte-identical (same IP id) */
	unsigned retransmit;  /* segment k is sent again after the turn, same bytes */
	int overlap_same;     /* after the turn, bytes from mid segment 1 to mid segment 2
	                         are sent again, same content (overlaps delivered bytes) */
	int overlap_diff;     /* segment 2 is not sent on its own: after segment 3 (held
	                         out of order by the receiver) one segment covers segment 2
	                         and the first half of segment 3, whose bytes it changes */
};

struct conv {
	struct gen *g;
	int ipv;
	uint8_t addr[2][16];   /* [C] client, [S] server; IPv4 in the first 4 bytes */
	uint16_t port[2];
	uint32_t seq[2];       /* next sequence number each side sends */
	uint16_t ipid[2];
	uint8_t ttl[2];
	uint16_t mss;          /* data bytes per segment */
	uint64_t rtt;
	uint64_t think_lo[2], think_hi[2]; /* delay before a side starts a turn */
	unsigned turn;         /* conv_send() calls so far */
	unsigned skip_turns;   /* midstream: handshake and this many turns are not written */
	struct tweaks tw;
};

static void conv_setup(struct conv *c, struct gen *g, int ipv)
{
	memset(c, 0, sizeof *c);
	c->g = g;
	c->ipv = ipv;
	c->seq[C] = (uint32_t)rng_next(&g->rng);
	c->seq[S] = (uint32_t)rng_next(&g->rng);
	c->ipid[C] = (uint16_t)rnd(g, 0, 65535);
	c->ipid[S] = (uint16_t)rnd(g, 0, 65535);
	c->ttl[C] = 128;
	c->ttl[S] = 64;
	c->mss = ipv == 4 ? 1460 : 1440;
	c->rtt = 400 * US;
	c->think_lo[C] = 1 * MS;
	c->think_hi[C] = 12 * MS;
	c->think_lo[S] = 200 * US;
	c->think_hi[S] = 3 * MS;
}

static void conv_init(struct conv *c, struct gen *g, const char *cli, uint16_t cport,
		      const char *srv, uint16_t sport)
{
	int ipv = strchr(cli, ':') ? 6 : 4;

	conv_setup(c, g, ipv);
	if (inet_pton(ipv == 4 ? AF_INET : AF_INET6, cli, c->addr[C]) != 1 ||
	    inet_pton(ipv == 4 ? AF_INET : AF_INET6, srv, c->addr[S]) != 1)
		die("internal: bad address %s or %s", cli, srv);
	c->port[C] = cport;
	c->port[S] = sport;
}

static void conv_init_v4(struct conv *c, struct gen *g, uint32_t cli, uint16_t cport,
			 uint32_t srv, uint16_t sport)
{
	conv_setup(c, g, 4);
	put_be32(c->addr[C], cli);
	put_be32(c->addr[S], srv);
	c->port[C] = cport;
	c->port[S] = sport;
}

static int conv_silent(const struct conv *c)
{
	return c->turn < c->skip_turns;
}

/* One TCP segment.  same_id: a duplicated frame reuses the last IP id. */
static void tcp_out(struct conv *c, int dir, uint8_t flags, uint32_t seq, const uint8_t *data,
		    size_t n, int same_id)
{
	static uint8_t seg[PB_DATA];
	size_t hl = flags & TH_SYN ? 24 : 20;
	uint64_t sum = 0;
	uint8_t pseudo[40];

	if (conv_silent(c))
		return;
	if (hl + n > sizeof seg)
		die("internal: segment too large");
	put_be16(seg, c->port[dir]);
	put_be16(seg + 2, c->port[!dir]);
	put_be32(seg + 4, seq);
	put_be32(seg + 8, flags & TH_ACK ? c->seq[!dir] : 0);
	seg[12] = (uint8_t)(hl / 4 << 4);
	seg[13] = flags;
	put_be16(seg + 14, dir == C ? 64240 : 65160);
	put_be16(seg + 16, 0);
	put_be16(seg + 18, 0);
	if (hl == 24) {
		seg[20] = 2;   /* MSS option */
		seg[21] = 4;
		put_be16(seg + 22, c->mss);
	}
	if (n)
		memcpy(seg + hl, data, n);
	if (c->ipv == 4) {
		memcpy(pseudo, c->addr[dir], 4);
		memcpy(pseudo + 4, c->addr[!dir], 4);
		pseudo[8] = 0;
		pseudo[9] = 6;
		put_be16(pseudo + 10, (uint16_t)(hl + n));
		sum = csum_add(sum, pseudo, 12);
	} else {
		memcpy(pseudo, c->addr[dir], 16);
		memcpy(pseudo + 16, c->addr[!dir], 16);
		put_be32(pseudo + 32, (uint32_t)(hl + n));
		memset(pseudo + 36, 0, 3);
		pseudo[39] = 6;
		sum = csum_add(sum, pseudo, 40);
	}
	sum = csum_add(sum, seg, hl + n);
	put_be16(seg + 16, csum_fold(sum));
	if (!same_id)
		c->ipid[dir]++;
	ip_emit(c->g, c->ipv, c->addr[dir], c->addr[!dir], seg, hl + n, c->ipid[dir], c->ttl[dir],
		dir, n > 0);
}

static void conv_wait_think(struct conv *c, int dir)
{
	struct gen *g = c->g;

	gen_wait(g, c->think_lo[dir] + rng_next(&g->rng) % (c->think_hi[dir] - c->think_lo[dir] + 1));
}

/* SYN, SYN-ACK, ACK (not written when starting mid-stream). */
static void conv_open(struct conv *c)
{
	tcp_out(c, C, TH_SYN, c->seq[C]++, NULL, 0, 0);
	gen_wait(c->g, c->rtt / 2);
	tcp_out(c, S, TH_SYN | TH_ACK, c->seq[S]++, NULL, 0, 0);
	gen_wait(c->g, c->rtt / 2);
	tcp_out(c, C, TH_ACK, c->seq[C], NULL, 0, 0);
}

/* A pure ACK from the side that receives dir's data. */
static void conv_ack(struct conv *c, int dir, uint32_t upto)
{
	uint32_t saved = c->seq[dir];

	c->seq[dir] = upto;
	tcp_out(c, !dir, TH_ACK, c->seq[!dir], NULL, 0, 0);
	c->seq[dir] = saved;
}

/* The overlap_diff segment: bytes [mss, 2.5 mss) of the turn, correct up to
 * 2 mss (segment 2, never sent alone) and changed after it, where they
 * overlap segment 3, which the receiver holds out of order.  "First data
 * wins" keeps segment 3's bytes, so the stream stays the real one. */
static void overlap_diff_seg(struct conv *c, int dir, uint32_t base, const uint8_t *d, size_t n)
{
	static uint8_t alt[PB_DATA];
	size_t off = c->mss, end = 2 * (size_t)c->mss + c->mss / 2, i;

	if (end > n)
		end = n;
	for (i = off; i < end; i++)
		alt[i - off] = i < 2 * (size_t)c->mss ? d[i] : d[i] == 'X' ? 'Y' : 'X';
	gen_wait(c->g, 40 * MS);
	tcp_out(c, dir, TH_ACK | (end == n ? TH_PSH : 0), base + (uint32_t)off, alt, end - off, 0);
}

/* One turn: dir sends data[0..n) in MSS-sized segments, the peer ACKs. */
static void conv_send(struct conv *c, int dir, const void *data, size_t n)
{
	const uint8_t *d = data;
	struct gen *g = c->g;
	struct tweaks tw = c->tw;
	int tweaked = memcmp(&tw, &(struct tweaks){ 0 }, sizeof tw) != 0;
	uint32_t base = c->seq[dir];
	size_t nseg, i;

	memset(&c->tw, 0, sizeof c->tw);
	if (conv_silent(c)) {
		c->turn++;
		c->seq[dir] += (uint32_t)n;
		return;
	}
	c->turn++;
	if (n == 0)
		return;
	conv_wait_think(c, dir);
	nseg = (n + c->mss - 1) / c->mss;
	for (i = 0; i < nseg; i++) {
		size_t k = i, off, len;

		if (tw.reorder && tw.reorder < nseg) {
			if (i == tw.reorder - 1)
				k = tw.reorder;
			else if (i == tw.reorder)
				k = tw.reorder - 1;
		}
		off = k * c->mss;
		len = n - off < c->mss ? n - off : c->mss;
		if (i)
			gen_wait(g, 12 * US + rnd(g, 0, 999));
		if (tw.drop == k + 1 || (tw.overlap_diff && nseg >= 3 && k == 1))
			continue;
		tcp_out(c, dir, TH_ACK | (off + len == n ? TH_PSH : 0), base + (uint32_t)off,
			d + off, len, 0);
		if (tw.overlap_diff && nseg >= 3 && k == 2)
			overlap_diff_seg(c, dir, base, d, n);
		if (tw.duplicate == k + 1) {
			gen_wait(g, 2 * US);
			tcp_out(c, dir, TH_ACK | (off + len == n ? TH_PSH : 0), base + (uint32_t)off,
				d + off, len, 1);
		}
		if (!tweaked && (i & 1) && i + 1 < nseg) {
			gen_wait(g, 30 * US);
			conv_ack(c, dir, base + (uint32_t)(off + len));
		}
	}
	if (tw.retransmit && tw.retransmit <= nseg) {
		size_t off = (tw.retransmit - 1) * c->mss;
		size_t len = n - off < c->mss ? n - off : c->mss;

		gen_wait(g, 200 * MS);   /* retransmission timeout */
		tcp_out(c, dir, TH_ACK | TH_PSH, base + (uint32_t)off, d + off, len, 0);
	}
	if (tw.overlap_same && nseg >= 2) {
		size_t off = c->mss / 2;
		size_t end = c->mss + c->mss / 2 < n ? c->mss + c->mss / 2 : n;

		gen_wait(g, 150 * MS);
		tcp_out(c, dir, TH_ACK | TH_PSH, base + (uint32_t)off, d + off, end - off, 0);
	}
	c->seq[dir] += (uint32_t)n;
	if (nseg > 1 || tweaked) {
		gen_wait(g, c->rtt / 2);
		conv_ack(c, dir, c->seq[dir]);
	}
}

static void say(struct conv *c, int dir, const char *z)
{
	conv_send(c, dir, z, strlen(z));
}

static void sayf(struct conv *c, int dir, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void sayf(struct conv *c, int dir, const char *fmt, ...)
{
	static char buf[32768];
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= sizeof buf)
		die("internal: sayf buffer too small");
	conv_send(c, dir, buf, (size_t)k);
}

/* FIN from first, FIN from the other side, last ACK. */
static void conv_close(struct conv *c, int first)
{
	int o = !first;

	conv_wait_think(c, S);
	tcp_out(c, first, TH_FIN | TH_ACK, c->seq[first]++, NULL, 0, 0);
	gen_wait(c->g, c->rtt / 2);
	tcp_out(c, o, TH_FIN | TH_ACK, c->seq[o]++, NULL, 0, 0);
	gen_wait(c->g, c->rtt / 2);
	tcp_out(c, first, TH_ACK, c->seq[first], NULL, 0, 0);
}

static void conv_reset(struct conv *c, int dir)
{
	conv_wait_think(c, dir);
	tcp_out(c, dir, TH_RST | TH_ACK, c->seq[dir], NULL, 0, 0);
}

/* ---- SMTP servers --------------------------------------------------------- */

enum mta_kind { MTA_POSTFIX, MTA_EXIM, MTA_EXCH2000, MTA_EXCH2003, MTA_ENCAP };

struct mta {
	enum mta_kind kind;
	const char *host;               /* the name the server announces */
	const char *const *exts;        /* EHLO keywords, NULL-terminated */
	const char *banner_date;        /* Exchange: fixed date in the banner, NULL = clock */
};

static const char *const exch2000_exts[] = {
	"TURN", "ATRN", "SIZE", "ETRN", "PIPELINING", "DSN", "ENHANCEDSTATUSCODES", "8bitmime",
	"BINARYMIME", "CHUNKING", "VRFY", "X-EXPS GSSAPI NTLM LOGIN", "X-EXPS=LOGIN",
	"AUTH GSSAPI NTLM LOGIN", "AUTH=LOGIN", "X-LINK2STATE", "XEXCH50", NULL
};
static const char *const exch2003_exts[] = {
	"TURN", "ATRN", "SIZE 10485760", "ETRN", "PIPELINING", "DSN", "ENHANCEDSTATUSCODES",
	"8bitmime", "BINARYMIME", "CHUNKING", "VRFY", "X-EXPS GSSAPI NTLM LOGIN", "X-EXPS=LOGIN",
	"AUTH GSSAPI NTLM LOGIN", "AUTH=LOGIN", "X-LINK2STATE", "XEXCH50", "OK", NULL
};
static const char *const postfix_exts[] = {
	"PIPELINING", "SIZE 10240000", "VRFY", "ETRN", "STARTTLS", "ENHANCEDSTATUSCODES",
	"8BITMIME", "DSN", "SMTPUTF8", "CHUNKING", NULL
};
static const char *const postfix_plain_exts[] = { /* no STARTTLS, no CHUNKING */
	"PIPELINING", "SIZE 10240000", "VRFY", "ETRN", "ENHANCEDSTATUSCODES", "8BITMIME", "DSN",
	NULL
};
static const char *const postfix_auth_exts[] = {
	"PIPELINING", "SIZE 10240000", "ETRN", "AUTH PLAIN LOGIN", "AUTH=PLAIN LOGIN",
	"ENHANCEDSTATUSCODES", "8BITMIME", "DSN", NULL
};
static const char *const exim_exts[] = {
	"SIZE 52428800", "8BITMIME", "PIPELINING", "AUTH LOGIN PLAIN", "CHUNKING", "STARTTLS",
	"PRDR", "HELP", NULL
};
static const char *const encap_exts[] = { "PIPELINING", "SIZE 10240000", "8BITMIME", NULL };

enum rtype { R_MAIL, R_RCPT, R_DATA, R_QUEUED, R_QUIT, R_BDAT, R_STARTTLS, R_AUTH_OK };

static const char *ipstr(const struct conv *c, int side)
{
	static char buf[2][INET6_ADDRSTRLEN];

	inet_ntop(c->ipv == 4 ? AF_INET : AF_INET6, c->addr[side], buf[side], sizeof buf[side]);
	return buf[side];
}

static int is_exch(const struct mta *m)
{
	return m->kind == MTA_EXCH2000 || m->kind == MTA_EXCH2003;
}

static void mta_banner(struct sb *s, struct conv *c, const struct mta *m)
{
	char date[64];

	fmt_date(c->g->ts, m->kind == MTA_EXIM, date, sizeof date);
	switch (m->kind) {
	case MTA_EXCH2000:
	case MTA_EXCH2003:
		/* Exchange writes two spaces after "at" and one after the zone. */
		sb_printf(s, "220 %s Microsoft ESMTP MAIL Service, Version: %s ready at  %s \r\n",
			  m->host, m->kind == MTA_EXCH2000 ? "5.0.2195.1600" : "6.0.3790.3959",
			  m->banner_date ? m->banner_date : date);
		break;
	case MTA_EXIM:
		sb_printf(s, "220 %s ESMTP Exim 4.94.2 %s\r\n", m->host, date);
		break;
	case MTA_POSTFIX:
	case MTA_ENCAP:
		sb_printf(s, "220 %s ESMTP Postfix\r\n", m->host);
		break;
	}
}

static void mta_ehlo_reply(struct sb *s, struct conv *c, const struct mta *m, const char *helo)
{
	size_t i;

	if (is_exch(m))
		sb_printf(s, "250%c%s Hello [%s]\r\n", m->exts[0] ? '-' : ' ', m->host, ipstr(c, C));
	else if (m->kind == MTA_EXIM)
		sb_printf(s, "250%c%s Hello %s [%s]\r\n", m->exts[0] ? '-' : ' ', m->host, helo,
			  ipstr(c, C));
	else
		sb_printf(s, "250%c%s\r\n", m->exts[0] ? '-' : ' ', m->host);
	for (i = 0; m->exts[i]; i++)
		sb_printf(s, "250%c%s\r\n", m->exts[i + 1] ? '-' : ' ', m->exts[i]);
}

static void mta_reply(struct sb *s, struct conv *c, const struct mta *m, enum rtype t,
		      const char *arg)
{
	struct gen *g = c->g;
	uint32_t q1, q2, q3;

	switch (t) {
	case R_MAIL:
		if (is_exch(m))
			sb_printf(s, "250 2.1.0 %s....Sender OK\r\n", *arg ? arg : "<>");
		else
			sb_puts(s, m->kind == MTA_EXIM ? "250 OK\r\n" : "250 2.1.0 Ok\r\n");
		break;
	case R_RCPT:
		if (is_exch(m))
			sb_printf(s, "250 2.1.5 %s \r\n", arg);
		else
			sb_puts(s, m->kind == MTA_EXIM ? "250 Accepted\r\n" : "250 2.1.5 Ok\r\n");
		break;
	case R_DATA:
		if (is_exch(m))
			sb_puts(s, "354 Start mail input; end with <CRLF>.<CRLF>\r\n");
		else if (m->kind == MTA_EXIM)
			sb_puts(s, "354 Enter message, ending with \".\" on a line by itself\r\n");
		else
			sb_puts(s, "354 End data with <CR><LF>.<CR><LF>\r\n");
		break;
	case R_QUEUED:
		q1 = rnd(g, 0, 0xffffffff);  /* one statement each: argument order is unspecified */
		q2 = rnd(g, 0, 0xffffff);
		q3 = rnd(g, 0, 0xff);
		if (is_exch(m))
			sb_printf(s, "250 2.6.0 <%s> Queued mail for delivery\r\n", arg);
		else if (m->kind == MTA_EXIM)
			sb_printf(s, "250 OK id=1q%04X-%06X-%02X\r\n", q1 & 0xffff, q2, q3);
		else
			sb_printf(s, "250 2.0.0 Ok: queued as %08X%02X\r\n", q1, q3);
		break;
	case R_BDAT:
		if (is_exch(m))
			sb_printf(s, "250 2.0.0 %s bytes received\r\n", arg);
		else if (m->kind == MTA_EXIM)
			sb_printf(s, "250 %s byte chunk received\r\n", arg);
		else
			sb_printf(s, "250 2.0.0 Ok: %s bytes\r\n", arg);
		break;
	case R_QUIT:
		if (is_exch(m))
			sb_printf(s, "221 2.0.0 %s Service closing transmission channel\r\n", m->host);
		else if (m->kind == MTA_EXIM)
			sb_printf(s, "221 %s closing connection\r\n", m->host);
		else
			sb_puts(s, "221 2.0.0 Bye\r\n");
		break;
	case R_STARTTLS:
		sb_puts(s, m->kind == MTA_EXIM ? "220 TLS go ahead\r\n" : "220 2.0.0 Ready to start TLS\r\n");
		break;
	case R_AUTH_OK:
		sb_puts(s, "235 2.7.0 Authentication successful\r\n");
		break;
	}
}

static void reply(struct conv *c, const struct mta *m, enum rtype t, const char *arg)
{
	static char buf[1024];
	struct sb s;

	sb_init(&s, buf, sizeof buf);
	mta_reply(&s, c, m, t, arg);
	conv_send(c, S, s.p, s.n);
}

/* Banner, EHLO, EHLO reply. */
static void smtp_hello(struct conv *c, const struct mta *m, const char *helo)
{
	static char buf[4096];
	struct sb s;

	sb_init(&s, buf, sizeof buf);
	mta_banner(&s, c, m);
	conv_send(c, S, s.p, s.n);
	sayf(c, C, "EHLO %s\r\n", helo);
	sb_init(&s, buf, sizeof buf);
	mta_ehlo_reply(&s, c, m, helo);
	conv_send(c, S, s.p, s.n);
}

static void smtp_quit(struct conv *c, const struct mta *m)
{
	say(c, C, "QUIT\r\n");
	reply(c, m, R_QUIT, NULL);
	conv_close(c, S);
}

/* ---- messages ---------------------------------------------------------- */

static const char *const words[] = {
	"the", "quarterly", "report", "is", "attached", "please", "review", "before", "friday",
	"meeting", "budget", "numbers", "for", "project", "were", "updated", "and", "team",
	"agreed", "on", "schedule", "thanks", "regards", "server", "migration", "weekend",
	"mailbox", "storage", "notes", "from", "yesterday", "call", "with", "vendor", "about",
	"contract", "renewal", "next", "steps", "open", "questions", "a", "an", "of", "to", "in",
};

/* Plain text lines of at most 72 characters until about n bytes; planted
 * (a whole line) goes in the middle. */
static void msg_body(struct gen *g, struct sb *s, size_t n, const char *planted)
{
	size_t start = s->n, col = 0;
	int planted_done = planted == NULL;

	while (s->n - start < n) {
		const char *w = words[rnd(g, 0, sizeof words / sizeof *words - 1)];
		size_t wl = strlen(w);

		if (col && col + 1 + wl > 72) {
			sb_puts(s, "\r\n");
			col = 0;
			if (!planted_done && s->n - start >= n / 2) {
				sb_printf(s, "%s\r\n", planted);
				planted_done = 1;
			}
		}
		if (col) {
			sb_puts(s, " ");
			col++;
		}
		sb_puts(s, w);
		col += wl;
	}
	sb_puts(s, "\r\n");
	if (!planted_done)
		sb_printf(s, "%s\r\n", planted);
}

/* A whole RFC 5322 message; msgid receives the Message-ID (without <>). */
static void msg_make(struct gen *g, struct sb *s, const char *from, const char *to,
		     const char *subject, const char *idhost, size_t body, const char *planted,
		     char *msgid, size_t idcap)
{
	char date[64];
	uint32_t a = rnd(g, 0, 0xffffffff), b = rnd(g, 0, 0xffff);

	fmt_date(g->ts, 0, date, sizeof date);
	snprintf(msgid, idcap, "%08X.%04X@%s", a, b, idhost);
	sb_printf(s, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s>\r\n"
		  "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n",
		  from, to, subject, date, msgid);
	msg_body(g, s, body, planted);
}

/* The message as sent after DATA: dot-stuffed (RFC 5321 4.5.2), then ".". */
static void dot_stuff(struct sb *out, const char *msg, size_t n)
{
	size_t i;
	int bol = 1;

	for (i = 0; i < n; i++) {
		if (bol && msg[i] == '.')
			sb_add(out, ".", 1);
		sb_add(out, msg + i, 1);
		bol = msg[i] == '\n';
	}
	sb_puts(out, ".\r\n");
}

#define MSG_MAX (512u * 1024)
static char msg_buf[MSG_MAX], wire_buf[MSG_MAX + MSG_MAX / 16];

enum { TX_PIPELINE = 1, TX_SIZE = 2, TX_BODY8 = 4 };

/* MAIL, RCPT..., DATA, the message, ".": one mail transaction. */
static void smtp_tx(struct conv *c, const struct mta *m, const char *from, const char *const *rcpts,
		    const char *msg, size_t len, const char *msgid, int flags)
{
	static char cmd[4096], rep[4096];
	struct sb sc, sr, w;
	size_t i;

	sb_init(&sc, cmd, sizeof cmd);
	sb_init(&sr, rep, sizeof rep);
	sb_printf(&sc, "MAIL FROM:<%s>", from);
	if (flags & TX_SIZE)
		sb_printf(&sc, " SIZE=%zu", len);
	if (flags & TX_BODY8)
		sb_puts(&sc, " BODY=8BITMIME");
	sb_puts(&sc, "\r\n");
	mta_reply(&sr, c, m, R_MAIL, from);
	if (!(flags & TX_PIPELINE)) {
		conv_send(c, C, sc.p, sc.n);
		conv_send(c, S, sr.p, sr.n);
		sb_init(&sc, cmd, sizeof cmd);
		sb_init(&sr, rep, sizeof rep);
	}
	for (i = 0; rcpts[i]; i++) {
		sb_printf(&sc, "RCPT TO:<%s>\r\n", rcpts[i]);
		mta_reply(&sr, c, m, R_RCPT, rcpts[i]);
		if (!(flags & TX_PIPELINE)) {
			conv_send(c, C, sc.p, sc.n);
			conv_send(c, S, sr.p, sr.n);
			sb_init(&sc, cmd, sizeof cmd);
			sb_init(&sr, rep, sizeof rep);
		}
	}
	sb_puts(&sc, "DATA\r\n");
	mta_reply(&sr, c, m, R_DATA, NULL);
	conv_send(c, C, sc.p, sc.n);
	conv_send(c, S, sr.p, sr.n);
	sb_init(&w, wire_buf, sizeof wire_buf);
	dot_stuff(&w, msg, len);
	conv_send(c, C, w.p, w.n);
	reply(c, m, R_QUEUED, msgid);
}

/* A complete session: handshake, hello, one mail, QUIT, close. */
static void smtp_session(struct conv *c, const struct mta *m, const char *helo, const char *from,
			 const char *const *rcpts, const char *hfrom, const char *hto,
			 const char *subject, size_t body, const char *planted, int flags)
{
	char msgid[128];
	struct sb s;

	conv_open(c);
	smtp_hello(c, m, helo);
	sb_init(&s, msg_buf, sizeof msg_buf);
	msg_make(c->g, &s, hfrom, hto, subject, helo, body, planted, msgid, sizeof msgid);
	smtp_tx(c, m, from, rcpts, s.p, s.n, msgid, flags);
	smtp_quit(c, m);
}

/* An Exchange-style 4.4.7 NDR (multipart/report, RFC 3464, with Exchange's
 * text part) for final_rcpt, which the server report_fqdn never accepted;
 * from_mta handed the original message over. */
static void ndr_make(struct gen *g, struct sb *s, const char *to, const char *report_fqdn,
		     const char *from_mta, const char *final_rcpt, const char *orig_subject,
		     char *msgid, size_t idcap)
{
	char date[64], sent[64];
	uint32_t b1 = rnd(g, 0, 0xffffffff), b2 = rnd(g, 0, 0xffffffff);

	fmt_date(g->ts, 0, date, sizeof date);
	fmt_date(g->ts - 2 * 86400 * NS, 0, sent, sizeof sent);
	snprintf(msgid, idcap, "%08X%08X@%s", b1, b2, report_fqdn);
	sb_printf(s,
		  "From: postmaster@%s\r\n"
		  "To: %s\r\n"
		  "Date: %s\r\n"
		  "MIME-Version: 1.0\r\n"
		  "Content-Type: multipart/report; report-type=delivery-status;\r\n"
		  "\tboundary=\"9B095B5ADSN=_01C0EF5D%08XNDR\"\r\n"
		  "Message-ID: <%s>\r\n"
		  "Subject: Delivery Status Notification (Failure)\r\n"
		  "\r\n"
		  "This is a MIME-formatted message.  \r\n"
		  "Portions of this message may be unreadable without a MIME-capable mail program.\r\n"
		  "\r\n",
		  report_fqdn, to, date, b1, msgid);
	sb_printf(s,
		  "--9B095B5ADSN=_01C0EF5D%08XNDR\r\n"
		  "Content-Type: text/plain; charset=us-ascii\r\n"
		  "\r\n"
		  "Your message did not reach some or all of the intended recipients.\r\n"
		  "\r\n"
		  "      Subject:\t%s\r\n"
		  "      Sent:\t%s\r\n"
		  "\r\n"
		  "The following recipient(s) could not be reached:\r\n"
		  "\r\n"
		  "      %s on %s\r\n"
		  "            Could not deliver the message in the time limit specified.  "
		  "Please retry or contact your administrator.\r\n"
		  "            <%s #4.4.7>\r\n"
		  "\r\n",
		  b1, orig_subject, sent, final_rcpt, date, report_fqdn);
	sb_printf(s,
		  "--9B095B5ADSN=_01C0EF5D%08XNDR\r\n"
		  "Content-Type: message/delivery-status\r\n"
		  "\r\n"
		  "Reporting-MTA: dns;%s\r\n"
		  "Received-From-MTA: dns;%s\r\n"
		  "Arrival-Date: %s\r\n"
		  "\r\n"
		  "Final-Recipient: rfc822;%s\r\n"
		  "Action: failed\r\n"
		  "Status: 4.4.7\r\n"
		  "\r\n",
		  b1, report_fqdn, from_mta, sent, final_rcpt);
	sb_printf(s,
		  "--9B095B5ADSN=_01C0EF5D%08XNDR\r\n"
		  "Content-Type: text/rfc822-headers\r\n"
		  "\r\n"
		  "From: %s\r\n"
		  "To: %s\r\n"
		  "Subject: %s\r\n"
		  "Date: %s\r\n"
		  "\r\n"
		  "--9B095B5ADSN=_01C0EF5D%08XNDR--\r\n",
		  b1, to, final_rcpt, orig_subject, sent, b1);
}

/* A session delivering a 4.4.7 NDR with MAIL FROM:<>. */
static void ndr_session(struct conv *c, const struct mta *m, const char *helo, const char *to,
			const char *report_fqdn, const char *final_rcpt, const char *orig_subject)
{
	const char *rcpts[] = { to, NULL };
	char msgid[128];
	struct sb s;

	conv_open(c);
	smtp_hello(c, m, helo);
	sb_init(&s, msg_buf, sizeof msg_buf);
	ndr_make(c->g, &s, to, report_fqdn, helo, final_rcpt, orig_subject, msgid, sizeof msgid);
	smtp_tx(c, m, "", rcpts, s.p, s.n, msgid, 0);
	smtp_quit(c, m);
}

/* ---- fixture files ------------------------------------------------------ */

static const char *outdir;

static void gen_open_path(struct gen *g, const char *path, enum out_fmt fmt, enum encap e,
			  uint32_t snaplen)
{
	static const uint32_t lt[] = {
		[ENC_ETH] = LINKTYPE_ETHERNET, [ENC_VLAN] = LINKTYPE_ETHERNET,
		[ENC_QINQ] = LINKTYPE_ETHERNET, [ENC_GRE] = LINKTYPE_ETHERNET,
		[ENC_ERSPAN2] = LINKTYPE_ETHERNET, [ENC_ERSPAN3] = LINKTYPE_ETHERNET,
		[ENC_VXLAN] = LINKTYPE_ETHERNET, [ENC_SLL] = LINKTYPE_LINUX_SLL,
		[ENC_SLL2] = LINKTYPE_LINUX_SLL2, [ENC_RAW] = LINKTYPE_RAW, [ENC_NULL] = LINKTYPE_NULL,
	};
	const char *slash = strrchr(path, '/');
	FILE *f = fopen(path, "wb");

	if (!f)
		die("%s: %s", path, strerror(errno));
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	g->encap = e;
	g->frag = 0;
	g->frag_dgrams = 0;
	g->ts = T0 * NS;
	g->rng = seed_of(slash ? slash + 1 : path);
	g->tun_seq = 1;
	g->tun_ipid = 0x1000;
	out_begin(&g->out, f, fmt, lt[e], snaplen);
}

static void gen_open(struct gen *g, const char *name, enum out_fmt fmt, enum encap e)
{
	char path[4096];

	snprintf(path, sizeof path, "%s/%s", outdir, name);
	gen_open_path(g, path, fmt, e, SNAP_DEFAULT);
}

static void gen_close(struct gen *g)
{
	if (out_close(&g->out) != 0)
		die("write failed: %s", strerror(errno));
}

/* 1. kb301401.pcap ------------------------------------------------------------ */

static const struct mta m_alias = {
	MTA_EXCH2000, "aliasex2000", exch2000_exts, "Thu, 7 Jun 2001 10:00:00 +0000"
};
static const struct mta m_corp = { MTA_EXCH2000, "mail.corp.example", exch2000_exts, NULL };

static void kb_attempt(struct gen *g, uint16_t cport)
{
	struct conv c;

	conv_init(&c, g, "10.0.0.10", cport, "10.0.0.25", 25);
	conv_open(&c);
	smtp_hello(&c, &m_alias, "exch-send.corp.example");
	smtp_quit(&c, &m_alias);
}

static void kb_ndr(struct gen *g, uint16_t cport)
{
	struct conv c;

	conv_init(&c, g, "10.0.0.10", cport, "10.0.0.26", 25);
	ndr_session(&c, &m_corp, "exch-send.corp.example", "alice@corp.example",
		    "aliasex2000.corp.example", "user@aliasex2000", "Project schedule");
}

static void fx_kb301401(void)
{
	static const char *const rcpt[] = { "bob@corp.example", NULL };
	struct gen *g = &G;
	struct conv c;
	int i;

	gen_open(g, "kb301401.pcap", OUT_PCAP_US, ENC_ETH);
	for (i = 0; i < 4; i++) {
		g->ts = (T0 + 600 * (uint64_t)i) * NS;
		kb_attempt(g, (uint16_t)(1041 + i * 7));
		if (i == 0) {
			gen_at(g, 300);
			conv_init(&c, g, "10.0.0.10", 1045, "10.0.0.26", 25);
			smtp_session(&c, &m_corp, "exch-send.corp.example", "alice@corp.example", rcpt,
				     "Alice <alice@corp.example>", "Bob <bob@corp.example>",
				     "Status update", 900, NULL, TX_SIZE);
		}
	}
	gen_at(g, 2400);
	kb_ndr(g, 1077);
	gen_close(g);
}

static void fx_dsn447(void)
{
	struct gen *g = &G;

	gen_open(g, "dsn447.pcap", OUT_PCAP_US, ENC_ETH);
	kb_ndr(g, 1077);
	gen_close(g);
}

/* 3. per-feature fixtures ---------------------------------------------------- */

static const struct mta m_pf = { MTA_POSTFIX, "mail.example.com", postfix_exts, NULL };
static const struct mta m_pf_plain = { MTA_POSTFIX, "mail.example.com", postfix_plain_exts, NULL };
static const char *const rcpt_bob[] = { "bob@example.com", NULL };

static void fx_pipelining(void)
{
	static const char *const rcpts[] = { "bob@example.com", "carol@example.com", NULL };
	struct gen *g = &G;
	struct conv c;
	char msgid[128];
	struct sb s;

	gen_open(g, "pipelining.pcap", OUT_PCAP_US, ENC_ETH);
	conv_init(&c, g, "192.0.2.10", 40001, "192.0.2.25", 25);
	conv_open(&c);
	smtp_hello(&c, &m_pf, "client.example.com");
	sb_init(&s, msg_buf, sizeof msg_buf);
	msg_make(g, &s, "Alice <alice@example.com>", "Bob <bob@example.com>, carol@example.com",
		 "Pipelined", "client.example.com", 300, ".a line that starts with a dot", msgid,
		 sizeof msgid);
	smtp_tx(&c, &m_pf, "alice@example.com", rcpts, s.p, s.n, msgid, TX_PIPELINE | TX_SIZE);
	smtp_quit(&c, &m_pf);
	gen_close(g);
}

/* A TLS record: type, version, then n bytes (a handshake header when type 22). */
static void tls_record(struct gen *g, struct sb *s, uint8_t type, uint8_t hs, size_t n)
{
	uint8_t h[9];
	size_t i;

	h[0] = type;
	h[1] = 3;
	h[2] = hs == 1 ? 1 : 3;
	put_be16(h + 3, (uint16_t)n);
	sb_add(s, h, 5);
	i = 0;
	if (type == 22 && hs) {
		h[0] = hs;
		h[1] = 0;
		put_be16(h + 2, (uint16_t)(n - 4));
		h[4] = 3;
		h[5] = 3;
		sb_add(s, h, 6);
		i = 6;
	}
	for (; i < n; i++) {
		uint8_t b = (uint8_t)rnd(g, 0, 255);
		sb_add(s, &b, 1);
	}
}

/* A TLS 1.2 handshake and some application data, then close. */
static void tls_talk(struct conv *c)
{
	static char buf[8192];
	struct sb s;

	sb_init(&s, buf, sizeof buf);
	tls_record(c->g, &s, 22, 1, 236);               /* ClientHello */
	conv_send(c, C, s.p, s.n);
	sb_init(&s, buf, sizeof buf);
	tls_record(c->g, &s, 22, 2, 89);                /* ServerHello */
	tls_record(c->g, &s, 22, 11, 2412);             /* Certificate */
	tls_record(c->g, &s, 22, 12, 333);              /* ServerKeyExchange */
	tls_record(c->g, &s, 22, 14, 4);                /* ServerHelloDone */
	conv_send(c, S, s.p, s.n);
	sb_init(&s, buf, sizeof buf);
	tls_record(c->g, &s, 22, 16, 37);               /* ClientKeyExchange */
	tls_record(c->g, &s, 20, 0, 1);                 /* ChangeCipherSpec */
	tls_record(c->g, &s, 22, 0, 40);                /* Finished (encrypted) */
	conv_send(c, C, s.p, s.n);
	sb_init(&s, buf, sizeof buf);
	tls_record(c->g, &s, 20, 0, 1);
	tls_record(c->g, &s, 22, 0, 40);
	conv_send(c, S, s.p, s.n);
	sb_init(&s, buf, sizeof buf);
	tls_record(c->g, &s, 23, 0, 130);               /* EHLO again, encrypted */
	conv_send(c, C, s.p, s.n);
	sb_init(&s, buf, sizeof buf);
	tls_record(c->g, &s, 23, 0, 210);
	conv_send(c, S, s.p, s.n);
	sb_init(&s, buf, sizeof buf);
	tls_record(c->g, &s, 23, 0, 1800);              /* the mail */
	conv_send(c, C, s.p, s.n);
	sb_init(&s, buf, sizeof buf);
	tls_record(c->g, &s, 23, 0, 60);
	conv_send(c, S, s.p, s.n);
	conv_close(c, C);
}

static void starttls_session(struct conv *c, const struct mta *m, const char *helo)
{
	conv_open(c);
	smtp_hello(c, m, helo);
	say(c, C, "STARTTLS\r\n");
	reply(c, m, R_STARTTLS, NULL);
	tls_talk(c);
}

static void fx_starttls(void)
{
	struct gen *g = &G;
	struct conv c;

	gen_open(g, "starttls.pcap", OUT_PCAP_US, ENC_ETH);
	conv_init(&c, g, "192.0.2.10", 40002, "192.0.2.25", 25);
	starttls_session(&c, &m_pf, "client.example.com");
	gen_close(g);
}

static void fx_starttls_refused(void)
{
	struct gen *g = &G;
	struct conv c;
	char msgid[128];
	struct sb s;

	gen_open(g, "starttls-refused.pcap", OUT_PCAP_US, ENC_ETH);
	conv_init(&c, g, "192.0.2.10", 40003, "192.0.2.25", 25);
	conv_open(&c);
	smtp_hello(&c, &m_pf, "client.example.com");
	say(&c, C, "STARTTLS\r\n");
	say(&c, S, "454 4.7.0 TLS not available due to local problem\r\n");
	sb_init(&s, msg_buf, sizeof msg_buf);
	msg_make(g, &s, "alice@example.com", "bob@example.com", "Sent in the clear",
		 "client.example.com", 400, NULL, msgid, sizeof msgid);
	smtp_tx(&c, &m_pf, "alice@example.com", rcpt_bob, s.p, s.n, msgid, 0);
	smtp_quit(&c, &m_pf);
	gen_close(g);
}

/* MAIL, RCPT, BDAT n1 (pipelined), then BDAT n2 + BDAT n3 LAST in one segment.
 * Chunk borders fall inside lines; a line starting with "." is not stuffed. */
static void bdat_tx(struct conv *c, const struct mta *m, const char *from, const char *rcpt,
		    const char *helo)
{
	static char buf[16384], rep[1024];
	char msgid[128], num[3][24];
	struct sb s, w, r;
	size_t n[3];
	const char *msg;

	sb_init(&s, msg_buf, sizeof msg_buf);
	msg_make(c->g, &s, from, rcpt, "Chunked", helo, 1500, ".not stuffed in BDAT", msgid,
		 sizeof msgid);
	msg = s.p;
	n[0] = s.n / 3 + 5;
	n[1] = s.n / 3 - 7;
	n[2] = s.n - n[0] - n[1];
	snprintf(num[0], sizeof num[0], "%zu", n[0]);
	snprintf(num[1], sizeof num[1], "%zu", n[1]);
	snprintf(num[2], sizeof num[2], "%zu", n[2]);

	sb_init(&w, buf, sizeof buf);
	sb_init(&r, rep, sizeof rep);
	sb_printf(&w, "MAIL FROM:<%s> BODY=BINARYMIME\r\nRCPT TO:<%s>\r\nBDAT %zu\r\n", from, rcpt,
		  n[0]);
	sb_add(&w, msg, n[0]);
	conv_send(c, C, w.p, w.n);
	mta_reply(&r, c, m, R_MAIL, from);
	mta_reply(&r, c, m, R_RCPT, rcpt);
	mta_reply(&r, c, m, R_BDAT, num[0]);
	conv_send(c, S, r.p, r.n);

	sb_init(&w, buf, sizeof buf);
	sb_init(&r, rep, sizeof rep);
	sb_printf(&w, "BDAT %zu\r\n", n[1]);
	sb_add(&w, msg + n[0], n[1]);
	sb_printf(&w, "BDAT %zu LAST\r\n", n[2]);
	sb_add(&w, msg + n[0] + n[1], n[2]);
	conv_send(c, C, w.p, w.n);
	mta_reply(&r, c, m, R_BDAT, num[1]);
	mta_reply(&r, c, m, R_QUEUED, msgid);
	conv_send(c, S, r.p, r.n);
}

static void fx_bdat(void)
{
	struct gen *g = &G;
	struct conv c;

	gen_open(g, "bdat.pcap", OUT_PCAP_US, ENC_ETH);
	conv_init(&c, g, "192.0.2.10", 40004, "192.0.2.25", 25);
	conv_open(&c);
	smtp_hello(&c, &m_pf, "client.example.com");
	bdat_tx(&c, &m_pf, "alice@example.com", "bob@example.com", "client.example.com");
	smtp_quit(&c, &m_pf);
	gen_close(g);
}

/* AUTH LOGIN (RFC 4954 and draft-murchison-sasl-login): user, password in base64. */
static void auth_login(struct conv *c, const char *user, const char *pass)
{
	static char buf[512];
	struct sb s;

	say(c, C, "AUTH LOGIN\r\n");
	say(c, S, "334 VXNlcm5hbWU6\r\n");   /* "Username:" */
	sb_init(&s, buf, sizeof buf);
	base64(&s, (const uint8_t *)user, strlen(user));
	sb_puts(&s, "\r\n");
	conv_send(c, C, s.p, s.n);
	say(c, S, "334 UGFzc3dvcmQ6\r\n");   /* "Password:" */
	sb_init(&s, buf, sizeof buf);
	base64(&s, (const uint8_t *)pass, strlen(pass));
	sb_puts(&s, "\r\n");
	conv_send(c, C, s.p, s.n);
	say(c, S, "235 2.7.0 Authentication successful\r\n");
}

/* Exchange's X-EXPS GSSAPI: a SPNEGO-looking client token in base64 that
 * carries planted, a server token, then 235. */
static void xexps_gssapi(struct conv *c, const char *planted)
{
	static char buf[2048];
	uint8_t tok[600];
	size_t i, n = 0, pl = strlen(planted);
	struct sb s;

	say(c, C, "X-EXPS GSSAPI\r\n");
	say(c, S, "334 GSSAPI supported\r\n");
	/* GSS-API InitialContextToken header, SPNEGO OID 1.3.6.1.5.5.2 */
	tok[n++] = 0x60;
	tok[n++] = 0x82;
	tok[n++] = 0x02;
	tok[n++] = 0x00;
	tok[n++] = 0x06;
	tok[n++] = 0x06;
	memcpy(tok + n, "\x2b\x06\x01\x05\x05\x02", 6);
	n += 6;
	for (i = 0; i < 200; i++)
		tok[n++] = (uint8_t)rnd(c->g, 0, 255);
	memcpy(tok + n, planted, pl);
	n += pl;
	for (i = 0; i < 180; i++)
		tok[n++] = (uint8_t)rnd(c->g, 0, 255);
	sb_init(&s, buf, sizeof buf);
	base64(&s, tok, n);
	sb_puts(&s, "\r\n");
	conv_send(c, C, s.p, s.n);
	sb_init(&s, buf, sizeof buf);
	sb_puts(&s, "334 ");
	for (i = 0; i < 120; i++)
		tok[i] = (uint8_t)rnd(c->g, 0, 255);
	base64(&s, tok, 120);
	sb_puts(&s, "\r\n");
	conv_send(c, S, s.p, s.n);
	say(c, C, "\r\n");
	say(c, S, "235 2.7.0 Authentication successful\r\n");
}

static const struct mta m_pf_auth = { MTA_POSTFIX, "smtp.example.com", postfix_auth_exts, NULL };
static const struct mta m_exch03b = { MTA_EXCH2003, "exch03b.corp.example", exch2003_exts, NULL };

static void fx_auth_login(void)
{
	static const char *const rcpt[] = { "dave@corp.example", NULL };
	struct gen *g = &G;
	struct conv c;
	char msgid[128];
	struct sb s;

	gen_open(g, "auth-login.pcap", OUT_PCAP_US, ENC_ETH);
	conv_init(&c, g, "192.0.2.10", 40005, "192.0.2.25", 25);
	conv_open(&c);
	smtp_hello(&c, &m_pf_auth, "alice-pc.example.com");
	auth_login(&c, "alice", "s3cr3t-PLANTED-pw");
	sb_init(&s, msg_buf, sizeof msg_buf);
	msg_make(g, &s, "alice@example.com", "bob@example.com", "Authenticated", "alice-pc.example.com",
		 600, "The code word is PLANTED-BODY-SECRET.", msgid, sizeof msgid);
	smtp_tx(&c, &m_pf_auth, "alice@example.com", rcpt_bob, s.p, s.n, msgid, 0);
	smtp_quit(&c, &m_pf_auth);

	gen_at(g, 60);
	conv_init(&c, g, "10.1.0.30", 1123, "10.1.0.31", 25);
	conv_open(&c);
	smtp_hello(&c, &m_exch03b, "exch03.corp.example");
	xexps_gssapi(&c, "PLANTED-XEXPS-TOKEN");
	sb_init(&s, msg_buf, sizeof msg_buf);
	msg_make(g, &s, "carol@corp.example", "dave@corp.example", "Internal", "exch03.corp.example",
		 300, NULL, msgid, sizeof msgid);
	smtp_tx(&c, &m_exch03b, "carol@corp.example", rcpt, s.p, s.n, msgid, TX_SIZE);
	smtp_quit(&c, &m_exch03b);
	gen_close(g);
}

static void fx_longline(void)
{
	static char buf[16384];
	struct gen *g = &G;
	struct conv c;
	struct sb s;
	size_t i;

	gen_open(g, "longline.pcap", OUT_PCAP_US, ENC_ETH);
	conv_init(&c, g, "192.0.2.10", 40006, "192.0.2.25", 25);
	conv_open(&c);
	sb_init(&s, buf, sizeof buf);
	sb_puts(&s, "220 mail.example.com ESMTP ");
	for (i = 0; s.n < 5000; i++)
		sb_printf(&s, "banner%04zu ", i);
	sb_puts(&s, "\r\n");
	conv_send(&c, S, s.p, s.n);
	sb_init(&s, buf, sizeof buf);
	sb_puts(&s, "EHLO ");
	for (i = 0; s.n < 10240; i++)
		sb_printf(&s, "label%04zu.", i);
	sb_puts(&s, "example.com\r\n");
	conv_send(&c, C, s.p, s.n);
	say(&c, S, "501 5.5.2 Syntax: EHLO hostname\r\n");
	say(&c, C, "EHLO client.example.com\r\n");
	sb_init(&s, buf, sizeof buf);
	mta_ehlo_reply(&s, &c, &m_pf, "client.example.com");
	conv_send(&c, S, s.p, s.n);
	smtp_quit(&c, &m_pf);
	gen_close(g);
}

static void fx_hostile(void)
{
	static const char reply_bad[] =
		"250 2.1.0 Ok\0hidden \xff\xfe \x1b[31mred\x1b[0m done\r\n";
	static const struct mta m = { MTA_POSTFIX, "<script>alert(1)</script>", postfix_plain_exts, NULL };
	struct gen *g = &G;
	struct conv c;

	gen_open(g, "hostile.pcap", OUT_PCAP_US, ENC_ETH);
	conv_init(&c, g, "10.0.0.10", 40007, "10.0.0.66", 25);
	conv_open(&c);
	say(&c, S, "220 <script>alert(1)</script> ESMTP\r\n");
	say(&c, C, "EHLO '); DROP TABLE sessions;--\r\n");
	say(&c, S, "250-\"a&b\" Hello [10.0.0.10]\r\n250-PIPELINING\r\n250 8BITMIME\r\n");
	say(&c, C, "MAIL FROM:<\"<b>x&y</b>\"@example.com>\r\n");
	conv_send(&c, S, reply_bad, sizeof reply_bad - 1);
	say(&c, C, "RCPT TO:<'); DROP TABLE smtp_sessions;--@example.com>\r\n");
	say(&c, S, "550 5.1.1 <\xff\xfe\x1b]0;pwned\x07> Recipient address rejected\r\n");
	smtp_quit(&c, &m);
	gen_close(g);
}

static void fx_midstream(void)
{
	struct gen *g = &G;
	struct conv c;
	char msgid[128];
	struct sb s;

	gen_open(g, "midstream.pcap", OUT_PCAP_US, ENC_ETH);
	conv_init(&c, g, "192.0.2.10", 40008, "192.0.2.25", 25);
	c.skip_turns = 3;      /* banner, EHLO, first half of the EHLO reply */
	conv_open(&c);
	say(&c, S, "220 mail.example.com ESMTP Postfix\r\n");
	say(&c, C, "EHLO client.example.com\r\n");
	say(&c, S, "250-mail.example.com\r\n250-PIPELINING\r\n");
	say(&c, S, "250-SIZE 10240000\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n");
	sb_init(&s, msg_buf, sizeof msg_buf);
	msg_make(g, &s, "alice@example.com", "bob@example.com", "Caught mid-stream",
		 "client.example.com", 400, NULL, msgid, sizeof msgid);
	smtp_tx(&c, &m_pf, "alice@example.com", rcpt_bob, s.p, s.n, msgid, 0);
	smtp_quit(&c, &m_pf);
	gen_close(g);
}

/* A session whose message goes out at mss 536 (about 8 segments); tw is
 * applied to the message turn. */
static void tweaked_session(const char *name, const struct tweaks *tw, uint16_t cport)
{
	struct gen *g = &G;
	struct conv c;
	char msgid[128];
	struct sb s, w;

	gen_open(g, name, OUT_PCAP_US, ENC_ETH);
	conv_init(&c, g, "192.0.2.10", cport, "192.0.2.25", 25);
	c.mss = 536;
	conv_open(&c);
	smtp_hello(&c, &m_pf_plain, "client.example.com");
	say(&c, C, "MAIL FROM:<alice@example.com>\r\n");
	reply(&c, &m_pf_plain, R_MAIL, NULL);
	say(&c, C, "RCPT TO:<bob@example.com>\r\n");
	reply(&c, &m_pf_plain, R_RCPT, NULL);
	say(&c, C, "DATA\r\n");
	reply(&c, &m_pf_plain, R_DATA, NULL);
	sb_init(&s, msg_buf, sizeof msg_buf);
	msg_make(g, &s, "alice@example.com", "bob@example.com", "Segments", "client.example.com",
		 4000, NULL, msgid, sizeof msgid);
	sb_init(&w, wire_buf, sizeof wire_buf);
	dot_stuff(&w, s.p, s.n);
	c.tw = *tw;
	conv_send(&c, C, w.p, w.n);
	reply(&c, &m_pf_plain, R_QUEUED, msgid);
	smtp_quit(&c, &m_pf_plain);
	gen_close(g);
}

static void fx_gap(void)
{
	tweaked_session("gap.pcap", &(struct tweaks){ .drop = 4 }, 40009);
}

static void fx_reorder(void)
{
	tweaked_session("reorder.pcap", &(struct tweaks){ .reorder = 2, .duplicate = 5,
							  .retransmit = 6, .overlap_same = 1 }, 40010);
}

static void fx_overlap_diff(void)
{
	tweaked_session("overlap-diff.pcap", &(struct tweaks){ .overlap_diff = 1 }, 40011);
}

static void fx_portreuse(void)
{
	struct gen *g = &G;
	struct conv c;
	int i;

	gen_open(g, "portreuse.pcap", OUT_PCAP_US, ENC_ETH);
	for (i = 0; i < 2; i++) {
		gen_at(g, (uint64_t)i * 10);
		conv_init(&c, g, "192.0.2.10", 40012, "192.0.2.25", 25);
		smtp_session(&c, &m_pf, "client.example.com", "alice@example.com", rcpt_bob,
			     "alice@example.com", "bob@example.com", i ? "Second" : "First", 300,
			     NULL, 0);
	}
	gen_close(g);
}

static const struct mta m_relay = { MTA_POSTFIX, "relay.example.com", postfix_plain_exts, NULL };

static void fx_port2525(void)
{
	struct gen *g = &G;
	struct conv c;

	gen_open(g, "port2525.pcap", OUT_PCAP_US, ENC_ETH);
	conv_init(&c, g, "192.0.2.10", 40013, "192.0.2.25", 2525);
	smtp_session(&c, &m_relay, "client.example.com", "alice@example.com", rcpt_bob,
		     "alice@example.com", "bob@example.com", "Alternate port", 300, NULL, 0);
	gen_close(g);
}

static void fx_socks(void)
{
	static const uint8_t hello[] = { 5, 1, 0 }, choice[] = { 5, 0 };
	static const uint8_t req[] = { 5, 1, 0, 1, 192, 0, 2, 25, 0, 25 };
	static const uint8_t rep[] = { 5, 0, 0, 1, 10, 0, 0, 1, 0x9c, 0x41 };
	struct gen *g = &G;
	struct conv c;
	char msgid[128];
	struct sb s;

	gen_open(g, "socks.pcap", OUT_PCAP_US, ENC_ETH);
	conv_init(&c, g, "10.0.0.10", 40014, "10.0.0.1", 1080);
	conv_open(&c);
	conv_send(&c, C, hello, sizeof hello);
	conv_send(&c, S, choice, sizeof choice);
	conv_send(&c, C, req, sizeof req);
	conv_send(&c, S, rep, sizeof rep);
	smtp_hello(&c, &m_pf, "client.example.com");
	sb_init(&s, msg_buf, sizeof msg_buf);
	msg_make(g, &s, "alice@example.com", "bob@example.com", "Through a proxy",
		 "client.example.com", 300, NULL, msgid, sizeof msgid);
	smtp_tx(&c, &m_pf, "alice@example.com", rcpt_bob, s.p, s.n, msgid, 0);
	smtp_quit(&c, &m_pf);
	gen_close(g);
}

/* 4. encapsulations ------------------------------------------------------------ */

static const struct mta m_encap = { MTA_ENCAP, "encap.example.com", encap_exts, NULL };

static void encap_session(struct gen *g, int ipv, uint16_t cport)
{
	struct conv c;

	if (ipv == 6)
		conv_init(&c, g, "2001:db8::10", cport, "2001:db8::25", 25);
	else
		conv_init(&c, g, "192.0.2.10", cport, "192.0.2.25", 25);
	conv_open(&c);
	smtp_hello(&c, &m_encap, "client.example.com");
	smtp_quit(&c, &m_encap);
}

struct encap_fx {
	const char *name;
	enum encap encap;
	enum out_fmt fmt;
	int ipv, frag;
	uint32_t snaplen;
};

static const struct encap_fx encap_fxs[] = {
	{ "vlan.pcap",       ENC_VLAN,    OUT_PCAP_US, 4, 0, SNAP_DEFAULT },
	{ "qinq.pcap",       ENC_QINQ,    OUT_PCAP_US, 4, 0, SNAP_DEFAULT },
	{ "ipv6.pcap",       ENC_ETH,     OUT_PCAP_US, 6, 0, SNAP_DEFAULT },
	{ "ipv6-vlan.pcap",  ENC_VLAN,    OUT_PCAP_US, 6, 0, SNAP_DEFAULT },
	{ "gre.pcap",        ENC_GRE,     OUT_PCAP_US, 4, 0, SNAP_DEFAULT },
	{ "erspan2.pcap",    ENC_ERSPAN2, OUT_PCAP_US, 4, 0, SNAP_DEFAULT },
	{ "erspan3.pcap",    ENC_ERSPAN3, OUT_PCAP_US, 4, 0, SNAP_DEFAULT },
	{ "vxlan.pcap",      ENC_VXLAN,   OUT_PCAP_US, 4, 0, SNAP_DEFAULT },
	{ "frag.pcap",       ENC_ETH,     OUT_PCAP_US, 4, 1, SNAP_DEFAULT },
	{ "sll.pcap",        ENC_SLL,     OUT_PCAP_US, 4, 0, SNAP_DEFAULT },
	{ "sll2.pcap",       ENC_SLL2,    OUT_PCAP_US, 4, 0, SNAP_DEFAULT },
	{ "raw.pcap",        ENC_RAW,     OUT_PCAP_US, 4, 0, SNAP_DEFAULT },
	{ "null.pcap",       ENC_NULL,    OUT_PCAP_US, 4, 0, SNAP_DEFAULT },
	{ "snaplen.pcap",    ENC_ETH,     OUT_PCAP_US, 4, 0, 80 },
	{ "nanosecond.pcap", ENC_ETH,     OUT_PCAP_NS, 4, 0, SNAP_DEFAULT },
};

static void fx_encaps(void)
{
	struct gen *g = &G;
	char path[4096];
	size_t i;

	for (i = 0; i < sizeof encap_fxs / sizeof *encap_fxs; i++) {
		const struct encap_fx *e = &encap_fxs[i];

		snprintf(path, sizeof path, "%s/%s", outdir, e->name);
		gen_open_path(g, path, e->fmt, e->encap, e->snaplen);
		g->frag = e->frag;
		encap_session(g, e->ipv, (uint16_t)(41000 + i));
		gen_close(g);
	}
}

static void fx_pcapng(void)
{
	static const char custom[] = "\xd9\x7e\x00\x00" "mkpcap: a custom block readers skip";
	struct gen *g = &G;
	struct conv c;

	gen_open(g, "session.pcapng", OUT_PCAPNG, ENC_ETH);
	conv_init(&c, g, "192.0.2.10", 41100, "192.0.2.25", 25);
	conv_open(&c);
	smtp_hello(&c, &m_encap, "client.example.com");
	/* Custom Block, PEN 32473 (RFC 5612 documentation), in the middle of the session */
	out_pcapng_block(&g->out, PCAPNG_CB, custom, sizeof custom - 1);
	smtp_quit(&c, &m_encap);
	gen_close(g);
}

/* 5. bad captures -------------------------------------------------------------- */

static void write_file(const char *name, const void *p, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", outdir, name);
	f = fopen(path, "wb");
	if (!f || (n && fwrite(p, 1, n, f) != n) || fclose(f) != 0)
		die("%s: %s", path, strerror(errno));
}

static void fx_bad(void)
{
	static const char text[] =
		"This is not a capture file.\n"
		"smtpscope must refuse it with a clear message and a non-zero exit code.\n";
	static const uint8_t user0[] = "USER0 link type payload: no decoder knows this";
	static const char garbage[] = "GARBAGE AFTER A BROKEN RECORD HEADER. GARBAGE GARBAGE GARBAGE.";
	static const uint8_t cut[30] = { /* Ethernet + the start of an IPv4 header */
		0x00, 0x00, 0x5e, 0x00, 0x53, 0x19, 0x00, 0x00, 0x5e, 0x00, 0x53, 0x0a, 0x08, 0x00,
		0x45, 0x00, 0x00, 0x3c, 0x12, 0x34, 0x40, 0x00, 0x80, 0x06, 0x00, 0x00, 0xc0, 0x00,
		0x02, 0x0a
	};
	struct gen *g = &G;
	uint8_t h[16];
	int i;

	write_file("empty.pcap", "", 0);
	write_file("notacapture.pcap", text, sizeof text - 1);

	gen_open(g, "unknown-linktype.pcap", OUT_PCAP_US, ENC_ETH);
	g->out.fmt = OUT_PCAP_US;
	fseek(g->out.f, 20, SEEK_SET);    /* rewrite the link type field */
	put_le32(h, LINKTYPE_USER0);
	out_raw(&g->out, h, 4);
	out_record(&g->out, g->ts, user0, sizeof user0 - 1);
	gen_close(g);

	/* three complete sessions, then a record cut after 30 of its 74 bytes */
	gen_open(g, "truncated.pcap", OUT_PCAP_US, ENC_ETH);
	for (i = 0; i < 3; i++) {
		gen_at(g, (uint64_t)i * 20);
		encap_session(g, 4, (uint16_t)(42000 + i));
	}
	gen_wait(g, 5 * MS);
	put_le32(h, (uint32_t)(g->ts / NS));
	put_le32(h + 4, (uint32_t)(g->ts % NS / US));
	put_le32(h + 8, 74);
	put_le32(h + 12, 74);
	out_raw(&g->out, h, 16);
	out_raw(&g->out, cut, sizeof cut);
	gen_close(g);

	/* two sessions, then a record header claiming 2 GiB */
	gen_open(g, "hugerecord.pcap", OUT_PCAP_US, ENC_ETH);
	for (i = 0; i < 2; i++) {
		gen_at(g, (uint64_t)i * 20);
		encap_session(g, 4, (uint16_t)(43000 + i));
	}
	gen_wait(g, 5 * MS);
	put_le32(h, (uint32_t)(g->ts / NS));
	put_le32(h + 4, (uint32_t)(g->ts % NS / US));
	put_le32(h + 8, 0x80000000u);
	put_le32(h + 12, 0x80000000u);
	out_raw(&g->out, h, 16);
	out_raw(&g->out, garbage, sizeof garbage - 1);
	gen_close(g);

	/* one session whose clock steps back 60 s after the EHLO reply */
	{
		struct conv c;
		char msgid[128];
		struct sb s;

		gen_open(g, "backwards-ts.pcap", OUT_PCAP_US, ENC_ETH);
		conv_init(&c, g, "192.0.2.10", 44000, "192.0.2.25", 25);
		conv_open(&c);
		smtp_hello(&c, &m_pf_plain, "client.example.com");
		g->ts -= 60 * NS;
		sb_init(&s, msg_buf, sizeof msg_buf);
		msg_make(g, &s, "alice@example.com", "bob@example.com", "Clock step",
			 "client.example.com", 300, NULL, msgid, sizeof msgid);
		smtp_tx(&c, &m_pf_plain, "alice@example.com", rcpt_bob, s.p, s.n, msgid, 0);
		smtp_quit(&c, &m_pf_plain);
		gen_close(g);
	}

	/* pcapng: one session, then a block whose total length is 5 (< 12, not a multiple of 4) */
	gen_open(g, "badblock.pcapng", OUT_PCAPNG, ENC_ETH);
	encap_session(g, 4, 45000);
	put_le32(h, PCAPNG_EPB);
	put_le32(h + 4, 5);
	out_raw(&g->out, h, 8);
	out_raw(&g->out, garbage, 32);
	gen_close(g);
}

/* 2. sample.pcap ----------------------------------------------------------- */

static const struct mta s_ex2000 = { MTA_EXCH2000, "EX2000SRV", exch2000_exts, NULL };
static const struct mta s_exch03b = { MTA_EXCH2003, "exch03b.corp.example", exch2003_exts, NULL };
static const struct mta s_mx = { MTA_POSTFIX, "mx.corp.example", postfix_exts, NULL };
static const struct mta s_smtp = { MTA_POSTFIX, "smtp.corp.example", postfix_auth_exts, NULL };
static const struct mta s_localhost = { MTA_POSTFIX, "localhost", postfix_plain_exts, NULL };
static const struct mta s_relay = { MTA_POSTFIX, "relay.corp.example", postfix_plain_exts, NULL };
static const struct mta s_exim = { MTA_EXIM, "mail.example.org", exim_exts, NULL };

static void http_flow(struct gen *g, const char *cli, uint16_t cport, const char *srv,
		      const char *path, size_t body)
{
	static char buf[64 * 1024];
	struct conv c;
	struct sb s;
	size_t i;

	conv_init(&c, g, cli, cport, srv, 80);
	conv_open(&c);
	sayf(&c, C, "GET %s HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: Mozilla/4.0 "
		    "(compatible; MSIE 5.5; Windows NT 5.0)\r\nAccept: */*\r\nConnection: close\r\n\r\n",
	     path);
	sb_init(&s, buf, sizeof buf);
	sb_printf(&s, "HTTP/1.1 200 OK\r\nServer: Apache/1.3.20\r\nContent-Type: text/html\r\n"
		      "Content-Length: %zu\r\nConnection: close\r\n\r\n", body);
	for (i = 0; i < body; i++)
		sb_add(&s, &"<p>lorem ipsum dolor sit amet</p>\n"[i % 34], 1);
	conv_send(&c, S, s.p, s.n);
	conv_close(&c, S);
}

static void http_flow_v4(struct gen *g, uint32_t cli, uint16_t cport, uint32_t srv, size_t body)
{
	static char buf[64 * 1024];
	struct conv c;
	struct sb s;
	size_t i;

	conv_init_v4(&c, g, cli, cport, srv, 80);
	conv_open(&c);
	say(&c, C, "GET /news/index.html HTTP/1.1\r\nHost: www.example.com\r\n"
		   "User-Agent: bench\r\nAccept: */*\r\n\r\n");
	sb_init(&s, buf, sizeof buf);
	sb_printf(&s, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %zu\r\n\r\n", body);
	for (i = 0; i < body; i++)
		sb_add(&s, &"<p>lorem ipsum dolor sit amet</p>\n"[i % 34], 1);
	conv_send(&c, S, s.p, s.n);
	conv_close(&c, S);
}

enum sample_kind {
	SK_EX2000_RETRY, SK_NDR, SK_PIPELINE_IN, SK_HTTP, SK_XEXPS, SK_STARTTLS_OUT, SK_AUTH,
	SK_LOCALHOST, SK_SINGLE_LABEL, SK_PORT2525, SK_EXIM_IN, SK_STARTTLS_IN, SK_PIPELINE_OUT,
	SK_AUTH_EXIM, SK_BDAT, SK_RESET,
};

struct sample_item {
	uint32_t at;          /* seconds after 10:00:00 */
	enum sample_kind kind;
};

static const struct sample_item sample_items[] = {
	{    0, SK_EX2000_RETRY }, {   65, SK_PIPELINE_IN }, {  190, SK_HTTP },
	{  300, SK_XEXPS },        {  420, SK_STARTTLS_OUT },
	{  600, SK_EX2000_RETRY }, {  730, SK_AUTH },        {  900, SK_LOCALHOST },
	{ 1080, SK_SINGLE_LABEL }, { 1200, SK_EX2000_RETRY }, { 1320, SK_PORT2525 },
	{ 1500, SK_HTTP },         { 1620, SK_NDR },         { 1800, SK_EX2000_RETRY },
	{ 2100, SK_EXIM_IN },      { 2400, SK_EX2000_RETRY }, { 2430, SK_STARTTLS_IN },
	{ 2700, SK_HTTP },         { 2880, SK_XEXPS },       { 3000, SK_EX2000_RETRY },
	{ 3300, SK_PIPELINE_OUT }, { 3600, SK_EX2000_RETRY }, { 3900, SK_HTTP },
	{ 4200, SK_EX2000_RETRY }, { 4320, SK_AUTH_EXIM },   { 4500, SK_NDR },
	{ 4800, SK_EX2000_RETRY }, { 5000, SK_RESET }, { 5400, SK_EX2000_RETRY }, { 5410, SK_BDAT },
	{ 6000, SK_EX2000_RETRY }, { 6010, SK_HTTP },        { 6300, SK_LOCALHOST },
	{ 6600, SK_EX2000_RETRY }, { 6700, SK_PORT2525 },    { 7000, SK_PIPELINE_IN },
};

static void sample_item(struct gen *g, const struct sample_item *it, unsigned n)
{
	static const char *const rc_corp[] = { "carol@corp.example", "dave@corp.example", NULL };
	static const char *const rc_one[] = { "erin@corp.example", NULL };
	static const char *const rc_ext[] = { "frank@example.org", NULL };
	uint16_t cport = (uint16_t)(1100 + n * 13);
	char msgid[128];
	struct conv c;
	struct sb s;

	switch (it->kind) {
	case SK_EX2000_RETRY:
		conv_init(&c, g, "10.1.0.30", cport, "10.1.0.25", 25);
		conv_open(&c);
		smtp_hello(&c, &s_ex2000, "exch03.corp.example");
		smtp_quit(&c, &s_ex2000);
		break;
	case SK_NDR:
		conv_init(&c, g, "10.1.0.30", cport, "10.1.0.40", 25);
		ndr_session(&c, &s_mx, "exch03.corp.example", "carol@corp.example",
			    "ex2000srv.corp.example", n < 20 ? "dave@EX2000SRV" : "erin@EX2000SRV",
			    n < 20 ? "Budget review" : "Migration weekend");
		break;
	case SK_PIPELINE_IN:
		conv_init(&c, g, "198.51.100.7", (uint16_t)(30000 + n), "10.1.0.40", 25);
		smtp_session(&c, &s_mx, "mail.partner.example", "sales@partner.example", rc_corp,
			     "Sales <sales@partner.example>", "carol@corp.example, dave@corp.example",
			     "Offer", 2500, NULL, TX_PIPELINE | TX_SIZE);
		break;
	case SK_HTTP:
		http_flow(g, "10.1.5.20", (uint16_t)(2000 + n), "203.0.113.80", "/index.html",
			  3000 + 1000 * (n % 5));
		break;
	case SK_XEXPS:
		conv_init(&c, g, "10.1.0.30", cport, "10.1.0.31", 25);
		conv_open(&c);
		smtp_hello(&c, &s_exch03b, "exch03.corp.example");
		xexps_gssapi(&c, "sample-xexps-token");
		sb_init(&s, msg_buf, sizeof msg_buf);
		msg_make(g, &s, "carol@corp.example", "erin@corp.example", "Internal memo",
			 "exch03.corp.example", 1200, NULL, msgid, sizeof msgid);
		smtp_tx(&c, &s_exch03b, "carol@corp.example", rc_one, s.p, s.n, msgid, TX_SIZE);
		smtp_quit(&c, &s_exch03b);
		break;
	case SK_STARTTLS_OUT:
		conv_init(&c, g, "10.1.0.40", (uint16_t)(50000 + n), "203.0.113.25", 25);
		starttls_session(&c, &s_exim, "mx.corp.example");
		break;
	case SK_AUTH:
		conv_init(&c, g, "10.1.7.15", (uint16_t)(3000 + n), "10.1.0.41", 587);
		conv_open(&c);
		smtp_hello(&c, &s_smtp, "alice-laptop.corp.example");
		auth_login(&c, "alice", "sample-password");
		sb_init(&s, msg_buf, sizeof msg_buf);
		msg_make(g, &s, "alice@corp.example", "frank@example.org", "Hello from the road",
			 "alice-laptop.corp.example", 800, NULL, msgid, sizeof msgid);
		smtp_tx(&c, &s_smtp, "alice@corp.example", rc_ext, s.p, s.n, msgid, 0);
		smtp_quit(&c, &s_smtp);
		break;
	case SK_LOCALHOST:
		conv_init(&c, g, "198.51.100.7", (uint16_t)(30000 + n), "10.1.0.50", 25);
		smtp_session(&c, &s_localhost, "mail.partner.example", "sales@partner.example",
			     rc_one, "sales@partner.example", "erin@corp.example", "Misconfigured",
			     700, NULL, 0);
		break;
	case SK_SINGLE_LABEL:
		conv_init(&c, g, "10.1.8.9", (uint16_t)(3000 + n), "10.1.0.40", 25);
		smtp_session(&c, &s_mx, "WORKSTATION7", "scanner@corp.example", rc_one,
			     "scanner@corp.example", "erin@corp.example", "Scanned document", 1500,
			     NULL, 0);
		break;
	case SK_PORT2525:
		conv_init(&c, g, "10.1.3.3", (uint16_t)(3000 + n), "10.1.0.60", 2525);
		smtp_session(&c, &s_relay, "app01.corp.example", "noreply@corp.example", rc_one,
			     "noreply@corp.example", "erin@corp.example", "Nightly job report", 900,
			     NULL, TX_PIPELINE);
		break;
	case SK_EXIM_IN:
		conv_init(&c, g, "203.0.113.25", (uint16_t)(40000 + n), "10.1.0.40", 25);
		smtp_session(&c, &s_mx, "mail.example.org", "frank@example.org", rc_corp,
			     "Frank <frank@example.org>", "carol@corp.example", "Re: Offer", 1800,
			     NULL, TX_PIPELINE | TX_SIZE | TX_BODY8);
		break;
	case SK_STARTTLS_IN:
		conv_init(&c, g, "198.51.100.7", (uint16_t)(30000 + n), "10.1.0.40", 25);
		starttls_session(&c, &s_mx, "mail.partner.example");
		break;
	case SK_PIPELINE_OUT:
		conv_init(&c, g, "10.1.0.40", (uint16_t)(50000 + n), "203.0.113.25", 25);
		smtp_session(&c, &s_exim, "mx.corp.example", "carol@corp.example", rc_ext,
			     "carol@corp.example", "frank@example.org", "Re: Re: Offer", 1100, NULL,
			     TX_PIPELINE | TX_SIZE);
		break;
	case SK_AUTH_EXIM:
		conv_init(&c, g, "198.51.100.20", (uint16_t)(3000 + n), "203.0.113.25", 587);
		conv_open(&c);
		smtp_hello(&c, &s_exim, "roadwarrior.example.net");
		auth_login(&c, "frank", "sample-password-2");
		sb_init(&s, msg_buf, sizeof msg_buf);
		msg_make(g, &s, "frank@example.org", "carol@corp.example", "Travel plans",
			 "roadwarrior.example.net", 500, NULL, msgid, sizeof msgid);
		smtp_tx(&c, &s_exim, "frank@example.org", rc_corp, s.p, s.n, msgid, TX_PIPELINE);
		smtp_quit(&c, &s_exim);
		break;
	case SK_BDAT:
		conv_init(&c, g, "10.1.0.40", (uint16_t)(50000 + n), "203.0.113.25", 25);
		conv_open(&c);
		smtp_hello(&c, &s_exim, "mx.corp.example");
		bdat_tx(&c, &s_exim, "dave@corp.example", "frank@example.org", "mx.corp.example");
		smtp_quit(&c, &s_exim);
		break;
	case SK_RESET:         /* a scanner: EHLO, then reset */
		conv_init(&c, g, "198.51.100.99", (uint16_t)(60000 + n), "10.1.0.40", 25);
		conv_open(&c);
		smtp_hello(&c, &s_mx, "scanner.example.net");
		conv_reset(&c, C);
		break;
	}
}

static void fx_sample(void)
{
	struct gen *g = &G;
	size_t i;

	gen_open(g, "sample.pcap", OUT_PCAP_US, ENC_ETH);
	for (i = 0; i < sizeof sample_items / sizeof *sample_items; i++) {
		gen_at(g, sample_items[i].at);
		sample_item(g, &sample_items[i], (unsigned)i);
	}
	gen_close(g);
}

/* ---- benchmarks ----------------------------------------------------------- */

static const struct mta b_mx = { MTA_POSTFIX, "mx.bench.example", postfix_plain_exts, NULL };

/* N SMTP sessions with 40 KB bodies and N HTTP flows of 40 KB, one after the
 * other; memory is the static buffers whatever N. */
static void bench(const char *path, unsigned long n)
{
	static const char *const rcpt[] = { "user@bench.example", NULL };
	struct gen *g = &G;
	unsigned long i;

	gen_open_path(g, path, OUT_PCAP_US, ENC_ETH, SNAP_DEFAULT);
	g->rng = seed_of("bench");   /* the same bytes whatever the output's name */
	for (i = 0; i < n; i++) {
		uint32_t cli = 0x0A100001u + (uint32_t)i;          /* 10.16.0.1 ... */
		uint32_t srv = 0xC0000200u | (uint32_t)(1 + i % 200); /* 192.0.2.x */
		uint16_t cport = (uint16_t)(1024 + i % 60000);
		struct conv c;

		conv_init_v4(&c, g, cli, cport, srv, 25);
		c.think_lo[C] = 100 * US;
		c.think_hi[C] = 1 * MS;
		smtp_session(&c, &b_mx, "client.bench.example", "sender@bench.example", rcpt,
			     "sender@bench.example", "user@bench.example", "Benchmark", 40 * 1024,
			     NULL, TX_SIZE);
		gen_wait(g, 2 * MS);
		http_flow_v4(g, cli, (uint16_t)(cport + 1), 0xCB007100u | (uint32_t)(1 + i % 200),
			     40 * 1024);
		gen_wait(g, 2 * MS);
	}
	gen_close(g);
}

/* N connections: SYN, SYN-ACK, ACK, one banner segment, never closed.  10 us
 * between packets, so 10^6 flows span 40 s of capture time (under every idle
 * timeout). */
static void open_flows(const char *path, unsigned long n)
{
	struct gen *g = &G;
	unsigned long i;

	gen_open_path(g, path, OUT_PCAP_US, ENC_ETH, SNAP_DEFAULT);
	g->rng = seed_of("open-flows");
	for (i = 0; i < n; i++) {
		uint32_t cli = 0x0A020001u + (uint32_t)(i / 50000); /* 10.2.0.1 ... */
		uint16_t cport = (uint16_t)(10000 + i % 50000);
		struct conv c;

		conv_init_v4(&c, g, cli, cport, 0xC0000219u /* 192.0.2.25 */, 25);
		c.rtt = 20 * US;
		c.think_lo[S] = c.think_hi[S] = 10 * US;
		conv_open(&c);
		say(&c, S, "220 mx.bench.example ESMTP Postfix\r\n");
		gen_wait(g, 10 * US);
	}
	gen_close(g);
}

/* 5. issue 12: only SMTP is SMTP ----------------------------------------------
 * Other protocols that greet like SMTP (FTP's 220) or not at all, SMTP on
 * the wrong ports, SMTP inside tunnels and behind PROXY headers, and one
 * load-balanced address whose backends disagree.  Banners are those of the
 * servers' own sources (research note smtp-detection-evidence.md, 4.1). */

/* One scripted conversation: lines alternate as given, S = server, C = client. */
struct line12 {
	int dir;
	const char *text;
};

static void script12(struct gen *g, const char *cli, uint16_t cport, const char *srv, uint16_t sport,
		     const struct line12 *l)
{
	struct conv c;

	conv_init(&c, g, cli, cport, srv, sport);
	conv_open(&c);
	for (; l->text; l++)
		say(&c, l->dir, l->text);
	conv_close(&c, S);
}

/* A full FTP login and listing setup: USER, PASS, FEAT, SYST, PASV, QUIT. */
static void ftp_session12(struct gen *g, uint16_t cport, uint16_t sport, const char *banner)
{
	const struct line12 l[] = {
		{ S, banner },
		{ C, "USER anonymous\r\n" }, { S, "331 Please specify the password.\r\n" },
		{ C, "PASS guest@example.com\r\n" }, { S, "230 Login successful.\r\n" },
		{ C, "FEAT\r\n" },
		{ S, "211-Features:\r\n EPRT\r\n EPSV\r\n MDTM\r\n PASV\r\n REST STREAM\r\n SIZE\r\n TVFS\r\n211 End\r\n" },
		{ C, "SYST\r\n" }, { S, "215 UNIX Type: L8\r\n" },
		{ C, "TYPE I\r\n" }, { S, "200 Switching to Binary mode.\r\n" },
		{ C, "PASV\r\n" }, { S, "227 Entering Passive Mode (198,51,100,20,195,80).\r\n" },
		{ C, "QUIT\r\n" }, { S, "221 Goodbye.\r\n" },
		{ 0, NULL },
	};

	script12(g, "192.0.2.10", cport, "198.51.100.20", sport, l);
}

static void fx12_ftp(void)
{
	struct gen *g = &G;
	/* an EHLO scanner hitting vsftpd: 530 is a valid SMTP code, the banner is not */
	const struct line12 scan[] = {
		{ S, "220 (vsFTPd 3.0.3)\r\n" },
		{ C, "EHLO scanner.example.net\r\n" }, { S, "530 Please login with USER and PASS.\r\n" },
		{ C, "QUIT\r\n" }, { S, "221 Goodbye.\r\n" },
		{ 0, NULL },
	};
	/* wu-ftpd greets with its FQDN: the most SMTP-like FTP banner; QUIT only */
	const struct line12 wu[] = {
		{ S, "220 ftp.example.org FTP server (Version wu-2.6.2(1) Mon Dec 3 15:11:16 CET 2001) ready.\r\n" },
		{ C, "QUIT\r\n" }, { S, "221 Goodbye.\r\n" },
		{ 0, NULL },
	};
	/* a custom banner that says nothing, the client only looks */
	const struct line12 quiet[] = {
		{ S, "220 Welcome to the file archive\r\n" },
		{ C, "NOOP\r\n" }, { S, "200 NOOP ok.\r\n" },
		{ C, "QUIT\r\n" }, { S, "221 Goodbye.\r\n" },
		{ 0, NULL },
	};

	gen_open(g, "ftp-servers.pcap", OUT_PCAP_US, ENC_ETH);
	ftp_session12(g, 41001, 21, "220 (vsFTPd 3.0.3)\r\n");
	ftp_session12(g, 41002, 2121, "220 ProFTPD Server (Debian) [::ffff:198.51.100.20]\r\n");
	ftp_session12(g, 41003, 21,
		      "220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------\r\n"
		      "220-You are user number 1 of 50 allowed.\r\n"
		      "220-Local time is now 10:15. Server port: 21.\r\n"
		      "220 You will be disconnected after 15 minutes of inactivity.\r\n");
	ftp_session12(g, 41004, 21,
		      "220-FileZilla Server 0.9.60 beta\r\n"
		      "220-written by Tim Kosse (tim.kosse@filezilla-project.org)\r\n"
		      "220 Please visit https://filezilla-project.org/\r\n");
	ftp_session12(g, 41005, 21, "220 Microsoft FTP Service\r\n");
	ftp_session12(g, 41006, 21, "220 ftp01 Microsoft FTP Service (Version 5.0).\r\n");
	/* an FTP server on the SMTP port */
	ftp_session12(g, 41007, 25, "220 (vsFTPd 3.0.5)\r\n");
	script12(g, "192.0.2.10", 41008, "198.51.100.20", 21, scan);
	script12(g, "192.0.2.10", 41009, "198.51.100.21", 2121, wu);
	script12(g, "192.0.2.10", 41010, "198.51.100.22", 25, quiet);
	gen_close(g);
}

static void fx12_mailproto(void)
{
	struct gen *g = &G;
	const struct line12 pop3[] = {
		{ S, "+OK Dovecot (Debian) ready.\r\n" },
		{ C, "CAPA\r\n" }, { S, "+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\nUSER\r\nSASL PLAIN\r\n.\r\n" },
		{ C, "USER alice\r\n" }, { S, "+OK\r\n" },
		{ C, "PASS secret\r\n" }, { S, "+OK Logged in.\r\n" },
		{ C, "STAT\r\n" }, { S, "+OK 2 3196\r\n" },
		{ C, "QUIT\r\n" }, { S, "+OK Logging out.\r\n" },
		{ 0, NULL },
	};
	/* POP3 AUTH and QUIT look like SMTP commands */
	const struct line12 pop3auth[] = {
		{ S, "+OK Dovecot ready.\r\n" },
		{ C, "AUTH PLAIN\r\n" }, { S, "+ \r\n" },
		{ C, "AGFsaWNlAHNlY3JldA==\r\n" }, { S, "+OK Logged in.\r\n" },
		{ C, "QUIT\r\n" }, { S, "+OK Logging out.\r\n" },
		{ 0, NULL },
	};
	const struct line12 imap[] = {
		{ S, "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN] Dovecot (Debian) ready.\r\n" },
		{ C, "a1 CAPABILITY\r\n" },
		{ S, "* CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN\r\na1 OK Pre-login capabilities listed, post-login capabilities have more.\r\n" },
		{ C, "a2 LOGIN alice secret\r\n" }, { S, "a2 OK Logged in\r\n" },
		{ C, "a3 SELECT INBOX\r\n" }, { S, "* 2 EXISTS\r\n* 0 RECENT\r\na3 OK [READ-WRITE] Select completed.\r\n" },
		{ C, "a4 LOGOUT\r\n" }, { S, "* BYE Logging out\r\na4 OK Logout completed.\r\n" },
		{ 0, NULL },
	};
	/* INN: the ARTICLE reply is "220 ..." */
	const struct line12 nntp[] = {
		{ S, "200 news.example.org InterNetNews NNRP server INN 2.7.1 ready (posting ok)\r\n" },
		{ C, "MODE READER\r\n" }, { S, "200 news.example.org InterNetNews NNRP server INN 2.7.1 ready (posting ok)\r\n" },
		{ C, "GROUP comp.mail.misc\r\n" }, { S, "211 12 1 12 comp.mail.misc\r\n" },
		{ C, "ARTICLE 1\r\n" }, { S, "220 1 <abc@example.org> article\r\nPath: news.example.org\r\nSubject: hi\r\n\r\nbody\r\n.\r\n" },
		{ C, "QUIT\r\n" }, { S, "205 Bye!\r\n" },
		{ 0, NULL },
	};
	/* innd (transit): HELP and QUIT are SMTP words too */
	const struct line12 innd[] = {
		{ S, "201 news.example.org InterNetNews server INN 2.7.1 ready (transit mode)\r\n" },
		{ C, "HELP\r\n" }, { S, "100 Legal commands\r\n  ihave\r\n  quit\r\n.\r\n" },
		{ C, "QUIT\r\n" }, { S, "205 Bye!\r\n" },
		{ 0, NULL },
	};

	gen_open(g, "mail-protocols.pcap", OUT_PCAP_US, ENC_ETH);
	script12(g, "192.0.2.11", 42001, "198.51.100.30", 110, pop3);
	script12(g, "192.0.2.11", 42002, "198.51.100.30", 2110, pop3auth);
	script12(g, "192.0.2.11", 42003, "198.51.100.30", 143, imap);
	script12(g, "192.0.2.11", 42004, "198.51.100.31", 119, nntp);
	script12(g, "192.0.2.11", 42005, "198.51.100.31", 119, innd);
	gen_close(g);
}

/* SMTP where FTP lives: port 21, and port 2121 with an FQDN-less banner */
static void fx12_smtp_port21(void)
{
	struct gen *g = &G;
	static const struct mta m21 = { MTA_POSTFIX, "mx21.example.com", postfix_plain_exts, NULL };
	struct conv c;

	gen_open(g, "smtp-port21.pcap", OUT_PCAP_US, ENC_ETH);
	conv_init(&c, g, "192.0.2.12", 43001, "198.51.100.40", 21);
	smtp_session(&c, &m21, "client.example.com", "alice@example.com", rcpt_bob,
		     "alice@example.com", "bob@example.com", "On the FTP port", 300, NULL, 0);
	gen_close(g);
}

/* SMTP inside HTTP CONNECT, SOCKS 5 (with user/password), SOCKS 4a, and
 * behind PROXY v1 and v2 (TCP4 and TCP6) headers. */
static void fx12_tunnels(void)
{
	static const uint8_t s5_hello[] = { 5, 2, 0, 2 }, s5_choice[] = { 5, 2 };
	static const uint8_t s5_auth[] = { 1, 5, 'a', 'l', 'i', 'c', 'e', 6, 's', 'e', 'c', 'r', 'e', 't' };
	static const uint8_t s5_auth_ok[] = { 1, 0 };
	static const uint8_t s5_req[] = { 5, 1, 0, 3, 14, 'm', 'x', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e',
					  '.', 'o', 'r', 'g', 0, 25 };
	static const uint8_t s5_rep[] = { 5, 0, 0, 1, 198, 51, 100, 50, 0x9c, 0x41 };
	static const uint8_t s4_req[] = { 4, 1, 0, 25, 0, 0, 0, 1, 'u', 0, 'm', 'x', '.', 'e', 'x', 'a',
					  'm', 'p', 'l', 'e', '.', 'o', 'r', 'g', 0 };
	static const uint8_t s4_rep[] = { 0, 0x5a, 0, 0, 0, 0, 0, 0 };
	static const uint8_t v2_4[] = { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A,
					0x21, 0x11, 0x00, 0x12,
					203, 0, 113, 9, 198, 51, 100, 60, 0x9c, 0x42, 0, 25,
					0x04, 0x00, 0x03, 'x', 'y', 'z' }; /* + a NOOP TLV */
	static const uint8_t v2_6[] = { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A,
					0x21, 0x21, 0x00, 0x24,
					0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x77,
					0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x25,
					0xc3, 0x50, 0, 25 };
	static const struct mta mt = { MTA_POSTFIX, "mx.example.org", postfix_plain_exts, NULL };
	struct gen *g = &G;
	struct conv c;

	gen_open(g, "tunnels.pcap", OUT_PCAP_US, ENC_ETH);
	/* HTTP CONNECT: nDPI names the first packet HTTP; a bare-IP HELO inside */
	conv_init(&c, g, "192.0.2.13", 44001, "198.51.100.50", 3128);
	conv_open(&c);
	say(&c, C, "CONNECT mx.example.org:25 HTTP/1.1\r\nHost: mx.example.org:25\r\nProxy-Authorization: Basic YWxpY2U6c2VjcmV0\r\n\r\n");
	say(&c, S, "HTTP/1.1 200 Connection established\r\nProxy-Agent: squid\r\n\r\n");
	smtp_hello(&c, &mt, "192.0.2.13");
	smtp_quit(&c, &mt);
	/* SOCKS 5 with RFC 1929 user/password */
	conv_init(&c, g, "192.0.2.13", 44002, "198.51.100.50", 1080);
	conv_open(&c);
	conv_send(&c, C, s5_hello, sizeof s5_hello);
	conv_send(&c, S, s5_choice, sizeof s5_choice);
	conv_send(&c, C, s5_auth, sizeof s5_auth);
	conv_send(&c, S, s5_auth_ok, sizeof s5_auth_ok);
	conv_send(&c, C, s5_req, sizeof s5_req);
	conv_send(&c, S, s5_rep, sizeof s5_rep);
	smtp_hello(&c, &mt, "socks-client.example.com");
	smtp_quit(&c, &mt);
	/* SOCKS 4a */
	conv_init(&c, g, "192.0.2.13", 44003, "198.51.100.50", 1080);
	conv_open(&c);
	conv_send(&c, C, s4_req, sizeof s4_req);
	conv_send(&c, S, s4_rep, sizeof s4_rep);
	smtp_hello(&c, &mt, "socks4-client.example.com");
	smtp_quit(&c, &mt);
	/* PROXY v1: the header and EHLO in one segment, after the banner's wait */
	conv_init(&c, g, "192.0.2.14", 44004, "198.51.100.60", 25);
	conv_open(&c);
	say(&c, C, "PROXY TCP4 203.0.113.7 198.51.100.60 40000 25\r\n");
	smtp_hello(&c, &mt, "real-client.example.net");
	smtp_quit(&c, &mt);
	/* PROXY v2 TCP4 with a TLV */
	conv_init(&c, g, "192.0.2.14", 44005, "198.51.100.60", 25);
	conv_open(&c);
	conv_send(&c, C, v2_4, sizeof v2_4);
	smtp_hello(&c, &mt, "real-client2.example.net");
	smtp_quit(&c, &mt);
	/* PROXY v2 TCP6 */
	conv_init(&c, g, "192.0.2.14", 44006, "198.51.100.60", 25);
	conv_open(&c);
	conv_send(&c, C, v2_6, sizeof v2_6);
	smtp_hello(&c, &mt, "real-client6.example.net");
	smtp_quit(&c, &mt);
	gen_close(g);
}

/* One address behind a load balancer: 6 sessions, one backend announces a
 * single label.  And servers whose HELO/EHLO reply begins with a reply word. */
static void fx12_lb(void)
{
	static const struct mta good = { MTA_POSTFIX, "mx.lb.example.com", postfix_plain_exts, NULL };
	static const struct mta bad = { MTA_POSTFIX, "mxbackend3", postfix_plain_exts, NULL };
	struct gen *g = &G;
	struct conv c;
	int i;

	gen_open(g, "lb-backend.pcap", OUT_PCAP_US, ENC_ETH);
	for (i = 0; i < 6; i++) {
		conv_init(&c, g, "192.0.2.15", (uint16_t)(45001 + i), "198.51.100.70", 25);
		smtp_session(&c, i == 3 ? &bad : &good, "client.example.com", "alice@example.com", rcpt_bob,
			     "alice@example.com", "bob@example.com", "Behind the balancer", 200, NULL, 0);
	}
	gen_close(g);
}

static void reply_shape12(struct gen *g, uint16_t cport, const char *srv, const char *banner,
			  const char *helo, const char *reply)
{
	const struct line12 l[] = {
		{ S, banner }, { C, helo }, { S, reply },
		{ C, "MAIL FROM:<alice@example.com>\r\n" }, { S, "250 2.1.0 Ok\r\n" },
		{ C, "QUIT\r\n" }, { S, "221 2.0.0 Bye\r\n" },
		{ 0, NULL },
	};

	script12(g, "192.0.2.16", cport, srv, 25, l);
}

static void fx12_reply_words(void)
{
	struct gen *g = &G;

	gen_open(g, "reply-words.pcap", OUT_PCAP_US, ENC_ETH);
	reply_shape12(g, 46001, "198.51.100.80", "220 mail.mydomain.com ESMTP\r\n",
		      "EHLO client.mydomain.com\r\n", "250-Hello, client.mydomain.com\r\n250 8BITMIME\r\n");
	reply_shape12(g, 46002, "198.51.100.81",
		      "220 exch03.example.com Microsoft ESMTP MAIL Service, Version: 6.0.3790.3959 ready at  Mon, 1 Dec 2026 09:00:00 +0000 \r\n",
		      "EHLO client.example.com\r\n", "250- Hello [192.0.2.16]\r\n250-PIPELINING\r\n250 OK\r\n");
	reply_shape12(g, 46003, "198.51.100.82", "220 smtp.example.net ESMTP Coremail\r\n",
		      "HELO client.example.com\r\n", "250 OK\r\n");
	reply_shape12(g, 46004, "198.51.100.83", "220 delta.peach.mil ESMTP Sendmail 8.8.7\r\n",
		      "HELO client.example.com\r\n", "250 (delta.peach.mil) pleased to meet you.\r\n");
	reply_shape12(g, 46005, "198.51.100.84", "220 mx.hmail.example.org ESMTP\r\n",
		      "HELO client.example.com\r\n", "250 Hello.\r\n");
	gen_close(g);
}

/* Names that are well formed but resolve nowhere (name_class.h), each server
 * with its own peers: private-only peers (low) or public ones (medium). */
static void fx12_private_names(void)
{
	static const struct mta corp = { MTA_POSTFIX, "exch01.corp.local", postfix_plain_exts, NULL };
	static const struct mta mac = { MTA_POSTFIX, "MacBook-Air.localdomain", postfix_plain_exts, NULL };
	static const struct mta gma = { MTA_POSTFIX, "mail.gma", postfix_plain_exts, NULL };
	static const struct mta lh = { MTA_POSTFIX, "localhost.localdomain", postfix_plain_exts, NULL };
	static const struct mta uk = { MTA_POSTFIX, "mx.example.co.uk", postfix_plain_exts, NULL };
	struct gen *g = &G;
	struct conv c;

	gen_open(g, "private-names.pcap", OUT_PCAP_US, ENC_ETH);
	conv_init(&c, g, "10.1.1.10", 47001, "10.1.1.25", 25);
	smtp_session(&c, &corp, "ws1.corp.local", "alice@corp.local", rcpt_bob, "alice@corp.local",
		     "bob@example.com", "Inside", 200, NULL, 0);
	conv_init(&c, g, "192.168.7.10", 47002, "10.1.1.25", 25);
	smtp_session(&c, &corp, "ws2.corp.local", "carol@corp.local", rcpt_bob, "carol@corp.local",
		     "bob@example.com", "Inside too", 200, NULL, 0);
	conv_init(&c, g, "203.0.113.5", 47003, "198.51.100.90", 25);
	smtp_session(&c, &mac, "mta.example.net", "dave@example.net", rcpt_bob, "dave@example.net",
		     "bob@example.com", "From outside", 200, NULL, 0);
	conv_init(&c, g, "203.0.113.6", 47004, "198.51.100.91", 25);
	smtp_session(&c, &gma, "mta.example.net", "erin@example.net", rcpt_bob, "erin@example.net",
		     "bob@example.com", "Typo suffix", 200, NULL, 0);
	conv_init(&c, g, "203.0.113.7", 47005, "198.51.100.92", 25);
	smtp_session(&c, &lh, "mta.example.net", "fred@example.net", rcpt_bob, "fred@example.net",
		     "bob@example.com", "Default name", 200, NULL, 0);
	conv_init(&c, g, "203.0.113.8", 47006, "198.51.100.93", 25);
	smtp_session(&c, &uk, "mta.example.net", "gina@example.net", rcpt_bob, "gina@example.net",
		     "bob@example.com", "Control", 200, NULL, 0);
	gen_close(g);
}

/* A client whose single-label HELO is refused: Postfix at RCPT time (504
 * 5.5.2, smtpd_delay_reject), Exchange at EHLO (501 5.5.4).  A second client
 * with a bare name nobody refuses. */
static void fx12_helo_rejected(void)
{
	const struct line12 postfix[] = {
		{ S, "220 mx.strict.example.com ESMTP Postfix\r\n" },
		{ C, "EHLO WORKSTATION7\r\n" }, { S, "250-mx.strict.example.com\r\n250-PIPELINING\r\n250 8BITMIME\r\n" },
		{ C, "MAIL FROM:<alice@example.com>\r\n" }, { S, "250 2.1.0 Ok\r\n" },
		{ C, "RCPT TO:<bob@strict.example.com>\r\n" },
		{ S, "504 5.5.2 <WORKSTATION7>: Helo command rejected: need fully-qualified hostname\r\n" },
		{ C, "QUIT\r\n" }, { S, "221 2.0.0 Bye\r\n" },
		{ 0, NULL },
	};
	const struct line12 exch[] = {
		{ S, "220 exch.strict.example.com Microsoft ESMTP MAIL Service ready at Mon, 1 Dec 2026 09:00:00 +0000\r\n" },
		{ C, "EHLO WORKSTATION7\r\n" }, { S, "501 5.5.4 Invalid domain name\r\n" },
		{ C, "QUIT\r\n" }, { S, "221 2.0.0 Service closing transmission channel\r\n" },
		{ 0, NULL },
	};
	const struct line12 relaxed[] = {
		{ S, "220 mx.relaxed.example.com ESMTP Postfix\r\n" },
		{ C, "EHLO laptop\r\n" }, { S, "250-mx.relaxed.example.com\r\n250 8BITMIME\r\n" },
		{ C, "MAIL FROM:<carol@example.com>\r\n" }, { S, "250 2.1.0 Ok\r\n" },
		{ C, "RCPT TO:<dave@relaxed.example.com>\r\n" }, { S, "550 5.7.1 <dave@relaxed.example.com>: Relay access denied\r\n" },
		{ C, "QUIT\r\n" }, { S, "221 2.0.0 Bye\r\n" },
		{ 0, NULL },
	};
	/* AUTH without TLS: GSSAPI (challenge-response) and LOGIN (password) on one server */
	const struct line12 gss[] = {
		{ S, "220 auth.example.com ESMTP Postfix\r\n" },
		{ C, "EHLO client.example.com\r\n" }, { S, "250-auth.example.com\r\n250 AUTH GSSAPI LOGIN\r\n" },
		{ C, "AUTH GSSAPI YIIBvQYJKoZIhvcSAQICAQBuggGsMIIBqKADAgEFoQMCAQ6iBwMFACAAAACj\r\n" },
		{ S, "235 2.7.0 Authentication successful\r\n" },
		{ C, "QUIT\r\n" }, { S, "221 2.0.0 Bye\r\n" },
		{ 0, NULL },
	};
	const struct line12 login[] = {
		{ S, "220 auth.example.com ESMTP Postfix\r\n" },
		{ C, "EHLO client.example.com\r\n" }, { S, "250-auth.example.com\r\n250 AUTH GSSAPI LOGIN\r\n" },
		{ C, "AUTH LOGIN\r\n" }, { S, "334 VXNlcm5hbWU6\r\n" },
		{ C, "YWxpY2U=\r\n" }, { S, "334 UGFzc3dvcmQ6\r\n" },
		{ C, "c2VjcmV0\r\n" }, { S, "235 2.7.0 Authentication successful\r\n" },
		{ C, "QUIT\r\n" }, { S, "221 2.0.0 Bye\r\n" },
		{ 0, NULL },
	};
	struct gen *g = &G;

	gen_open(g, "helo-rejected.pcap", OUT_PCAP_US, ENC_ETH);
	script12(g, "192.0.2.17", 48001, "198.51.100.100", 25, postfix);
	script12(g, "192.0.2.17", 48002, "198.51.100.101", 25, exch);
	script12(g, "192.0.2.18", 48003, "198.51.100.102", 25, relaxed);
	script12(g, "192.0.2.19", 48004, "198.51.100.103", 25, gss);
	script12(g, "192.0.2.19", 48005, "198.51.100.103", 25, gss);
	script12(g, "192.0.2.19", 48006, "198.51.100.103", 25, login);
	gen_close(g);
}

/* A capture that begins inside DATA: only the end of the body, "250 2.0.0
 * queued", QUIT and "221 2.0.0" are seen (the enhanced codes confirm it). */
static void fx12_midstream_data(void)
{
	struct gen *g = &G;
	struct conv c;

	gen_open(g, "midstream-data.pcap", OUT_PCAP_US, ENC_ETH);
	conv_init(&c, g, "192.0.2.20", 49001, "198.51.100.110", 25);
	c.skip_turns = 9; /* banner, EHLO, reply, MAIL, reply, RCPT, reply, DATA, 354 */
	conv_open(&c);
	say(&c, S, "220 mx.mid.example.com ESMTP Postfix\r\n");
	say(&c, C, "EHLO client.example.com\r\n");
	say(&c, S, "250-mx.mid.example.com\r\n250 8BITMIME\r\n");
	say(&c, C, "MAIL FROM:<alice@example.com>\r\n");
	say(&c, S, "250 2.1.0 Ok\r\n");
	say(&c, C, "RCPT TO:<bob@mid.example.com>\r\n");
	say(&c, S, "250 2.1.5 Ok\r\n");
	say(&c, C, "DATA\r\n");
	say(&c, S, "354 End data with <CR><LF>.<CR><LF>\r\n");
	say(&c, C, "the rest of a long message body\r\nwith a few lines\r\n.\r\n");
	say(&c, S, "250 2.0.0 Ok: queued as 4F2A1B\r\n");
	say(&c, C, "QUIT\r\n");
	say(&c, S, "221 2.0.0 Bye\r\n");
	conv_close(&c, S);
	gen_close(g);
}

static unsigned long parse_count(const char *z)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(z, &end, 10);
	if (errno || end == z || *end || v == 0 || v > 100000000ul)
		die("bad count '%s' (1..100000000)", z);
	return v;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: mkpcap OUTDIR                    write every fixture into OUTDIR\n"
		"       mkpcap --bench N OUT.pcap        N SMTP sessions (40 KB bodies) + N HTTP flows\n"
		"       mkpcap --open-flows N OUT.pcap   N TCP connections left open after the banner\n"
		"       mkpcap --small N OUT.pcap        N short SMTP sessions (1 KB bodies), 200 servers\n");
	exit(2);
}

/* ---- issue 14: credentials after a refused, cancelled or pipelined AUTH;
 * control bytes in lines ----------------------------------------------------- */

/* Every planted string here must never reach the database or a report:
 * PLANTED-R... after a refused AUTH and X-EXPS, PLANTED-C... after a
 * cancelled AUTH, PLANTED-P... pipelined after AUTH before the reply. */
static void fx_privacy_auth(void)
{
	static char buf[512];
	struct gen *g = &G;
	struct conv c;
	struct sb s;

	gen_open(g, "privacy-auth.pcap", OUT_PCAP_US, ENC_ETH);
	/* 1. AUTH refused (502); the client sends its credentials anyway,
	 * in clear text and in base64. */
	conv_init(&c, g, "192.0.2.40", 42001, "192.0.2.45", 25);
	conv_open(&c);
	smtp_hello(&c, &m_pf, "client.example.com");
	say(&c, C, "AUTH LOGIN\r\n");
	say(&c, S, "502 5.5.1 Error: authentication not enabled\r\n");
	say(&c, C, "PLANTED-Ruser-cleartext\r\n");
	say(&c, S, "502 5.5.2 Error: command not recognized\r\n");
	sb_init(&s, buf, sizeof buf);
	base64(&s, (const uint8_t *)"PLANTED-Rpass-b64", 17);
	sb_puts(&s, "\r\n");
	conv_send(&c, C, s.p, s.n);
	say(&c, S, "502 5.5.2 Error: command not recognized\r\n");
	say(&c, C, "X-EXPS GSSAPI\r\n");
	say(&c, S, "504 5.7.4 Unrecognized authentication type\r\n");
	say(&c, C, "PLANTED-Rxexps token\r\n");
	say(&c, S, "500 5.5.2 Error: bad syntax\r\n");
	smtp_quit(&c, &m_pf);

	/* 2. AUTH cancelled with '*' (501); then the password in clear. */
	gen_at(g, 30);
	conv_init(&c, g, "192.0.2.40", 42002, "192.0.2.45", 25);
	conv_open(&c);
	smtp_hello(&c, &m_pf, "client.example.com");
	say(&c, C, "AUTH LOGIN\r\n");
	say(&c, S, "334 VXNlcm5hbWU6\r\n");
	say(&c, C, "*\r\n");
	say(&c, S, "501 5.7.0 Authentication aborted\r\n");
	say(&c, C, "PLANTED-Cpass after cancel\r\n");
	say(&c, S, "500 5.5.2 Error: bad syntax\r\n");
	smtp_quit(&c, &m_pf);

	/* 3. Pipelined: AUTH and both payloads in one segment, before the
	 * server's 535. */
	gen_at(g, 60);
	conv_init(&c, g, "192.0.2.40", 42003, "192.0.2.45", 25);
	conv_open(&c);
	smtp_hello(&c, &m_pf, "client.example.com");
	say(&c, C, "AUTH LOGIN\r\nPLANTED-Puser pipelined\r\nPLANTED-Ppass pipelined\r\n");
	say(&c, S, "535 5.7.8 Error: authentication failed\r\n");
	smtp_quit(&c, &m_pf);
	gen_close(g);
}

/* Control bytes (BEL, ESC) inside lines: the KB 301401 banner with a BEL,
 * an EHLO with an ESC sequence.  The lines must still be parsed. */
static const struct mta m_ctl = { MTA_EXCH2000, "aliasex2000", exch2000_exts, NULL };

static void fx_ctlbyte(void)
{
	struct gen *g = &G;
	struct conv c;

	gen_open(g, "ctlbyte.pcap", OUT_PCAP_US, ENC_ETH);
	conv_init(&c, g, "192.0.2.50", 42101, "192.0.2.55", 25);
	conv_open(&c);
	say(&c, S, "220 aliasex2000 Microsoft ESMTP MAIL Service, Version: 5.0.2195.1600 ready\a\r\n");
	say(&c, C, "EHLO client\x1b[31m.example.com\r\n");
	say(&c, S, "250-aliasex2000 Hello [192.0.2.50]\r\n250-X-EXPS GSSAPI NTLM\r\n250 OK\r\n");
	smtp_quit(&c, &m_ctl);
	gen_close(g);
}

/* A delivery-status report wrapped in depth - 1 multipart/mixed levels
 * (forwarded reports, digests): the report is found up to MSG_MIME_DEPTH,
 * deeper nesting is a message_cap anomaly instead of silence. */
static void nested_dsn(struct sb *s, int depth, const char *rcpt)
{
	int i;

	sb_puts(s, "From: MAILER-DAEMON@mail.example.com\r\nTo: alice@example.com\r\n"
		   "Subject: Undeliverable (forwarded)\r\nMIME-Version: 1.0\r\n");
	for (i = 1; i < depth; i++) {
		sb_printf(s, "Content-Type: multipart/mixed; boundary=\"lvl%d\"\r\n\r\n--lvl%d\r\n", i, i);
	}
	sb_puts(s, "Content-Type: multipart/report; report-type=delivery-status; boundary=\"rep\"\r\n\r\n"
		   "--rep\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n"
		   "--rep\r\nContent-Type: message/delivery-status\r\n\r\n"
		   "Reporting-MTA: dns; mail.example.com\r\n\r\n");
	sb_printf(s, "Final-Recipient: rfc822; %s\r\nAction: failed\r\nStatus: 4.4.7\r\n\r\n--rep--\r\n", rcpt);
	for (i = depth - 1; i >= 1; i--)
		sb_printf(s, "--lvl%d--\r\n", i);
}

static void fx_mimedepth(void)
{
	static const char *const rcpt[] = { "alice@example.com", NULL };
	struct gen *g = &G;
	struct conv c;
	struct sb s;

	gen_open(g, "mimedepth.pcap", OUT_PCAP_US, ENC_ETH);
	conv_init(&c, g, "192.0.2.60", 42201, "192.0.2.65", 25);
	conv_open(&c);
	smtp_hello(&c, &m_pf, "mail.example.com");
	sb_init(&s, msg_buf, sizeof msg_buf);
	nested_dsn(&s, 5, "five-deep@example.net");
	smtp_tx(&c, &m_pf, "", rcpt, s.p, s.n, "<five@example.com>", 0);
	sb_init(&s, msg_buf, sizeof msg_buf);
	nested_dsn(&s, MSG_MIME_DEPTH + 3, "too-deep@example.net");
	smtp_tx(&c, &m_pf, "", rcpt, s.p, s.n, "<deep@example.com>", 0);
	smtp_quit(&c, &m_pf);
	gen_close(g);
}

/* mkpcap --small N OUT.pcap: N short SMTP sessions (1 KB bodies) to 200
 * servers, one in 20 of them an Exchange 2000 with a non-FQDN banner, so
 * that findings exist: the fault-injection test replays it, kills the
 * replay at several points and compares with a clean run. */
static const struct mta sm_mx = { MTA_POSTFIX, "mx.small.example", postfix_plain_exts, NULL };
static const struct mta sm_ex = { MTA_EXCH2000, "exsmall", exch2000_exts, NULL };

static void small(const char *path, unsigned long n)
{
	static const char *const rcpt[] = { "user@small.example", NULL };
	struct gen *g = &G;
	unsigned long i;

	gen_open_path(g, path, OUT_PCAP_US, ENC_ETH, SNAP_DEFAULT);
	g->rng = seed_of("small");
	for (i = 0; i < n; i++) {
		uint32_t cli = 0x0A200001u + (uint32_t)i;
		unsigned sidx = (unsigned)(1 + i % 200);
		uint32_t srv = 0xC0000200u | sidx;
		uint16_t cport = (uint16_t)(1024 + i % 60000);
		struct conv c;

		conv_init_v4(&c, g, cli, cport, srv, 25);
		c.think_lo[C] = 100 * US;
		c.think_hi[C] = 1 * MS;
		smtp_session(&c, sidx % 20 == 0 ? &sm_ex : &sm_mx, "client.small.example", "sender@small.example",
			     rcpt, "sender@small.example", "user@small.example", "Small", 1024, NULL, TX_SIZE);
		gen_wait(g, 1 * MS);
	}
	gen_close(g);
}

/* Spreadsheet formulas from the wire: a banner, an EHLO argument and a
 * MAIL FROM that a CSV export must neutralise. */
static void fx_formula(void)
{
	struct gen *g = &G;
	struct conv c;

	gen_open(g, "formula.pcap", OUT_PCAP_US, ENC_ETH);
	conv_init(&c, g, "192.0.2.70", 42301, "192.0.2.75", 25);
	conv_open(&c);
	say(&c, S, "220 =HYPERLINK(\"http://evil.example/\",\"x\") ESMTP\r\n");
	say(&c, C, "EHLO @SUM(1+1)\r\n");
	say(&c, S, "250-+cmd|' /C calc'!A0\r\n250 8BITMIME\r\n");
	say(&c, C, "QUIT\r\n");
	say(&c, S, "221 -2+3 bye\r\n");
	conv_close(&c, S);
	gen_close(g);
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "--bench") == 0) {
		bench(argv[3], parse_count(argv[2]));
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "--small") == 0) {
		small(argv[3], parse_count(argv[2]));
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "--open-flows") == 0) {
		open_flows(argv[3], parse_count(argv[2]));
		return 0;
	}
	if (argc != 2 || argv[1][0] == '-')
		usage();
	outdir = argv[1];
	if (mkdir(outdir, 0777) != 0 && errno != EEXIST)
		die("%s: %s", outdir, strerror(errno));
	fx_kb301401();
	fx_sample();
	fx_pipelining();
	fx_starttls();
	fx_starttls_refused();
	fx_bdat();
	fx_auth_login();
	fx_dsn447();
	fx_longline();
	fx_hostile();
	fx_midstream();
	fx_gap();
	fx_reorder();
	fx_overlap_diff();
	fx_portreuse();
	fx_port2525();
	fx_socks();
	fx_encaps();
	fx_pcapng();
	fx_bad();
	fx_privacy_auth();  /* issue 14 */
	fx_ctlbyte();       /* issue 14 */
	fx_mimedepth();     /* issue 14 */
	fx_formula();       /* issue 14 */
	fx12_ftp();            /* issue 12 */
	fx12_mailproto();
	fx12_smtp_port21();
	fx12_tunnels();
	fx12_lb();
	fx12_reply_words();
	fx12_private_names();
	fx12_helo_rejected();
	fx12_midstream_data();
	return 0;
}
