/* \summary: unit tests of analyzer/decode.c on hand-built frames.
 *
 * Frames are assembled inside out by the b_* builders below (TCP, then IP,
 * then the link or tunnel around it).  Every frame handed to decode_frame()
 * is first copied into an exact-size malloc() block so that AddressSanitizer
 * sees a one-byte over-read. */
#include "analyzer/engine/decode.h"

#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/base/limits.h"
#include "tests/tap.h"

#define BUF 4096

static const uint8_t SRC4[4] = { 10, 0, 0, 1 };
static const uint8_t DST4[4] = { 10, 0, 0, 2 };
static const uint8_t SRC6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t DST6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
static const char BANNER[] = "220 mail.example.com ESMTP ready\r\n";
#define BANNER_LEN (sizeof BANNER - 1)

/* ---- builders: each writes into o and returns the bytes written -------- */

static size_t w16(uint8_t *o, uint16_t v)
{
	o[0] = (uint8_t)(v >> 8);
	o[1] = (uint8_t)v;
	return 2;
}

static size_t w32(uint8_t *o, uint32_t v)
{
	o[0] = (uint8_t)(v >> 24);
	o[1] = (uint8_t)(v >> 16);
	o[2] = (uint8_t)(v >> 8);
	o[3] = (uint8_t)v;
	return 4;
}

/* TCP with doff_words 32-bit words of header (options zero-filled). */
static size_t b_tcp_x(uint8_t *o, uint8_t doff_words, uint8_t flags, const void *pl, size_t plen)
{
	size_t hl = doff_words >= 5 ? (size_t)doff_words * 4 : 20;

	memset(o, 0, hl);
	w16(o, 1234);
	w16(o + 2, 25);
	w32(o + 4, 1000);
	w32(o + 8, 2000);
	o[12] = (uint8_t)(doff_words << 4);
	o[13] = flags;
	w16(o + 14, 65535);
	memcpy(o + hl, pl, plen);
	return hl + plen;
}

static size_t b_tcp(uint8_t *o, const void *pl, size_t plen)
{
	return b_tcp_x(o, 5, TH_PSH | TH_ACK, pl, plen);
}

/* IPv4 with ihl_words of header; tot 0 means the right total length. */
static size_t b_ipv4_x(uint8_t *o, uint8_t ihl_words, uint16_t tot, uint8_t proto, uint16_t id,
		       uint16_t fo, const uint8_t *l4, size_t l4len)
{
	size_t hl = ihl_words >= 5 ? (size_t)ihl_words * 4 : 20;

	memset(o, 0, hl);
	o[0] = (uint8_t)(0x40 | ihl_words);
	w16(o + 2, tot ? tot : (uint16_t)(hl + l4len));
	w16(o + 4, id);
	w16(o + 6, fo);
	o[8] = 64;
	o[9] = proto;
	memcpy(o + 12, SRC4, 4);
	memcpy(o + 16, DST4, 4);
	memcpy(o + hl, l4, l4len);
	return hl + l4len;
}

static size_t b_ipv4(uint8_t *o, uint8_t proto, const uint8_t *l4, size_t l4len)
{
	return b_ipv4_x(o, 5, 0, proto, 0x1234, 0x4000, l4, l4len);
}

/* IPv6; pl holds any extension headers followed by the upper layer. */
static size_t b_ipv6(uint8_t *o, uint8_t nh, const uint8_t *pl, size_t plen)
{
	memset(o, 0, 40);
	o[0] = 0x60;
	w16(o + 4, (uint16_t)plen);
	o[6] = nh;
	o[7] = 64;
	memcpy(o + 8, SRC6, 16);
	memcpy(o + 24, DST6, 16);
	memcpy(o + 40, pl, plen);
	return 40 + plen;
}

/* Ethernet; tags[] holds ntags (TPID, TCI) pairs. */
static size_t b_eth(uint8_t *o, const uint16_t *tags, int ntags, uint16_t type, const uint8_t *pl,
		    size_t plen)
{
	size_t n = 12;
	int i;

	for (i = 0; i < 12; i++)
		o[i] = (uint8_t)(i < 6 ? 0x02 : 0x04);
	for (i = 0; i < ntags; i++) {
		n += w16(o + n, tags[2 * i]);
		n += w16(o + n, tags[2 * i + 1]);
	}
	n += w16(o + n, type);
	memcpy(o + n, pl, plen);
	return n + plen;
}

/* GRE: flags among 0x8000 C, 0x2000 K, 0x1000 S. */
static size_t b_gre(uint8_t *o, uint16_t flags, uint16_t proto, const uint8_t *pl, size_t plen)
{
	size_t n = 0;

	n += w16(o + n, flags);
	n += w16(o + n, proto);
	if (flags & 0x8000)
		n += w32(o + n, 0xdead0000);
	if (flags & 0x2000)
		n += w32(o + n, 0x00c0ffee);
	if (flags & 0x1000)
		n += w32(o + n, 77);
	memcpy(o + n, pl, plen);
	return n + plen;
}

static size_t b_udp(uint8_t *o, uint16_t dport, const uint8_t *pl, size_t plen)
{
	w16(o, 50000);
	w16(o + 2, dport);
	w16(o + 4, (uint16_t)(8 + plen));
	w16(o + 6, 0);
	memcpy(o + 8, pl, plen);
	return 8 + plen;
}

static size_t b_vxlan(uint8_t *o, uint8_t flags, const uint8_t *pl, size_t plen)
{
	memset(o, 0, 8);
	o[0] = flags;
	o[4] = 0x01;   /* VNI 0x010203 */
	o[5] = 0x02;
	o[6] = 0x03;
	memcpy(o + 8, pl, plen);
	return 8 + plen;
}

/* ERSPAN type II header (version 1, VLAN 42, session 7). */
static size_t b_erspan2(uint8_t *o, uint8_t version, const uint8_t *pl, size_t plen)
{
	w16(o, (uint16_t)(version << 12 | 42));
	w16(o + 2, 7);
	w32(o + 4, 0x00000005);
	memcpy(o + 8, pl, plen);
	return 8 + plen;
}

/* ERSPAN type III header; with_sub adds the 8-byte platform subheader. */
static size_t b_erspan3(uint8_t *o, int with_sub, const uint8_t *pl, size_t plen)
{
	size_t n = 0;

	n += w16(o + n, (uint16_t)(2 << 12 | 42));
	n += w16(o + n, 7);
	n += w32(o + n, 0x11223344);                 /* timestamp */
	n += w16(o + n, 0xabcd);                     /* SGT */
	n += w16(o + n, (uint16_t)(with_sub ? 1 : 0)); /* P=0 FT=0 HW=0 D=0 Gra=0 O */
	if (with_sub) {
		memset(o + n, 0x5a, 8);
		n += 8;
	}
	memcpy(o + n, pl, plen);
	return n + plen;
}

/* The standard TCP segment (BANNER) in IPv4, and that in Ethernet. */
static size_t b_ip_tcp(uint8_t *o)
{
	uint8_t t[BUF];
	size_t n = b_tcp(t, BANNER, BANNER_LEN);

	return b_ipv4(o, 6, t, n);
}

static size_t b_eth_ip_tcp(uint8_t *o)
{
	uint8_t ip[BUF];
	size_t n = b_ip_tcp(ip);

	return b_eth(o, NULL, 0, 0x0800, ip, n);
}

/* ---- running the decoder ------------------------------------------------- */

static struct decoder *D;

static uint8_t *last_copy; /* the frame the last pkt points into, when the caller did not keep it */

/* Copies frame[0..caplen) to an exact-size block and decodes it.  The copy
 * goes to *keep (the caller frees it) or lives until the next call. */
static enum decode_result run_keep(int dlt, const uint8_t *frame, size_t caplen, size_t wirelen,
				   uint64_t ts, struct pkt *p, uint8_t **keep)
{
	uint8_t *copy = malloc(caplen ? caplen : 1);
	enum decode_result r;

	free(last_copy);
	last_copy = NULL;
	memcpy(copy, frame, caplen);
	r = decode_frame(D, dlt, caplen ? copy : NULL, (uint32_t)caplen, (uint32_t)wirelen, ts, p);
	if (keep)
		*keep = copy;
	else
		last_copy = copy;
	return r;
}

static enum decode_result run(int dlt, const uint8_t *frame, size_t len, struct pkt *p)
{
	return run_keep(dlt, frame, len, len, 42, p, NULL);
}

/* The BANNER segment came out whole. */
static void check_banner(const char *what, enum decode_result r, const struct pkt *p)
{
	int good = r == DECODE_TCP && p->sport == 1234 && p->dport == 25 && p->seq == 1000 &&
		   p->ack == 2000 && p->flags == (TH_PSH | TH_ACK) &&
		   p->payload_len == BANNER_LEN && p->payload_wire_len == BANNER_LEN &&
		   p->payload && memcmp(p->payload, BANNER, BANNER_LEN) == 0;

	if (!ok(good, "%s: TCP banner segment", what))
		printf("#   result %s sport %u dport %u seq %u ack %u flags %#x len %u/%u\n",
		       decode_result_name(r), p->sport, p->dport, p->seq, p->ack, p->flags,
		       p->payload_len, p->payload_wire_len);
}

static void check_v4_addrs(const char *what, const struct pkt *p)
{
	static const uint8_t zero[12];

	ok(p->ip_version == 4 && !memcmp(p->src, SRC4, 4) && !memcmp(p->dst, DST4, 4) &&
	   !memcmp(p->src + 4, zero, 12) && !memcmp(p->dst + 4, zero, 12),
	   "%s: IPv4 addresses", what);
}

/* ---- link types ---------------------------------------------------------- */

static void test_link_types(void)
{
	uint8_t ip[BUF], f[BUF], t[BUF], ip6[BUF];
	size_t nip = b_ip_tcp(ip), n, nt, nip6;
	struct pkt p;
	enum decode_result r;
	int i;
	static const uint32_t af6[] = { 24, 28, 30 };

	nt = b_tcp(t, BANNER, BANNER_LEN);
	nip6 = b_ipv6(ip6, 6, t, nt);

	n = b_eth(f, NULL, 0, 0x0800, ip, nip);
	r = run(DLT_EN10MB, f, n, &p);
	check_banner("EN10MB", r, &p);
	check_v4_addrs("EN10MB", &p);
	is_int(p.vlan, 0, "EN10MB: untagged vlan 0");
	is_int(p.l3_len, nip, "EN10MB: l3_len");
	is_int(p.l3_wire_len, nip, "EN10MB: l3_wire_len");
	ok(p.l3 != NULL && p.l3[0] == 0x45, "EN10MB: l3 points at the IP header");

	/* Linux cooked v1: type, ARPHRD, addr len, 8 address bytes, protocol */
	memset(f, 0, 16);
	w16(f + 2, 1);
	w16(f + 4, 6);
	w16(f + 14, 0x0800);
	memcpy(f + 16, ip, nip);
	check_banner("LINUX_SLL", run(DLT_LINUX_SLL, f, 16 + nip, &p), &p);
	w16(f + 14, 0x0806);
	is_int(run(DLT_LINUX_SLL, f, 16 + nip, &p), DECODE_NOT_IP, "LINUX_SLL: ARP is not IP");
	is_int(run(DLT_LINUX_SLL, f, 15, &p), DECODE_TRUNC_LINK, "LINUX_SLL: 15 bytes truncated");

	/* Linux cooked v2: protocol first, 20 bytes */
	memset(f, 0, 20);
	w16(f, 0x86dd);
	w16(f + 8, 1);
	memcpy(f + 20, ip6, nip6);
	r = run(DLT_LINUX_SLL2, f, 20 + nip6, &p);
	check_banner("LINUX_SLL2 IPv6", r, &p);
	ok(p.ip_version == 6 && !memcmp(p.src, SRC6, 16) && !memcmp(p.dst, DST6, 16),
	   "LINUX_SLL2: IPv6 addresses");
	is_int(p.l3_wire_len, nip6, "LINUX_SLL2: IPv6 l3_wire_len");
	is_int(run(DLT_LINUX_SLL2, f, 19, &p), DECODE_TRUNC_LINK, "LINUX_SLL2: 19 bytes truncated");

	check_banner("DLT_RAW v4", run(DLT_RAW, ip, nip, &p), &p);
	check_banner("DLT_RAW v6", run(DLT_RAW, ip6, nip6, &p), &p);
	check_banner("LINKTYPE_RAW 101", run(101, ip, nip, &p), &p);
	check_banner("DLT_IPV4", run(228, ip, nip, &p), &p);
	check_banner("DLT_IPV6", run(229, ip6, nip6, &p), &p);
	is_int(run(228, ip6, nip6, &p), DECODE_BAD_IP, "DLT_IPV4 carrying IPv6: bad_ip");
	is_int(run(229, ip, nip, &p), DECODE_BAD_IP, "DLT_IPV6 carrying IPv4: bad_ip");
	is_int(run(229, ip6, 39, &p), DECODE_TRUNC_IP, "DLT_IPV6 39 bytes: truncated_ip");
	is_int(run(DLT_RAW, ip, 0, &p), DECODE_TRUNC_IP, "DLT_RAW empty: truncated_ip");
	f[0] = 0x55;
	is_int(run(DLT_RAW, f, 40, &p), DECODE_BAD_IP, "DLT_RAW version 5: bad_ip");

	/* BSD loopback, both byte orders, and LOOP in network order */
	memcpy(f + 4, ip, nip);
	f[0] = 2; f[1] = 0; f[2] = 0; f[3] = 0;
	check_banner("DLT_NULL little-endian AF_INET", run(DLT_NULL, f, 4 + nip, &p), &p);
	f[0] = 0; f[3] = 2;
	check_banner("DLT_NULL big-endian AF_INET", run(DLT_NULL, f, 4 + nip, &p), &p);
	check_banner("DLT_LOOP AF_INET", run(108, f, 4 + nip, &p), &p);
	memcpy(f + 4, ip6, nip6);
	for (i = 0; i < 3; i++) {
		memset(f, 0, 4);
		f[0] = (uint8_t)af6[i];
		r = run(DLT_NULL, f, 4 + nip6, &p);
		ok(r == DECODE_TCP && p.ip_version == 6, "DLT_NULL LE AF_INET6 %u", af6[i]);
		memset(f, 0, 4);
		f[3] = (uint8_t)af6[i];
		r = run(DLT_NULL, f, 4 + nip6, &p);
		ok(r == DECODE_TCP && p.ip_version == 6, "DLT_NULL BE AF_INET6 %u", af6[i]);
		r = run(108, f, 4 + nip6, &p);
		ok(r == DECODE_TCP && p.ip_version == 6, "DLT_LOOP AF_INET6 %u", af6[i]);
	}
	f[3] = 7;
	is_int(run(DLT_NULL, f, 4 + nip6, &p), DECODE_NOT_IP, "DLT_NULL unknown AF: non_ip");
	is_int(run(DLT_NULL, f, 3, &p), DECODE_TRUNC_LINK, "DLT_NULL 3 bytes: truncated_link");

	is_int(run(147, ip, nip, &p), DECODE_UNKNOWN_LINK, "DLT_USER0: unknown_link");
	is_int(run(-1, ip, nip, &p), DECODE_UNKNOWN_LINK, "dlt -1: unknown_link");
	ok(decode_linktype_supported(DLT_EN10MB) && decode_linktype_supported(DLT_LINUX_SLL) &&
	   decode_linktype_supported(276) && decode_linktype_supported(DLT_RAW) &&
	   decode_linktype_supported(101) && decode_linktype_supported(228) &&
	   decode_linktype_supported(229) && decode_linktype_supported(DLT_NULL) &&
	   decode_linktype_supported(108), "decode_linktype_supported: all supported types");
	ok(!decode_linktype_supported(147) && !decode_linktype_supported(105) &&
	   !decode_linktype_supported(-1), "decode_linktype_supported: USER0, 802.11, -1 are not");

	/* not IP / not TCP */
	n = b_eth(f, NULL, 0, 0x0806, ip, 28);
	is_int(run(DLT_EN10MB, f, n, &p), DECODE_NOT_IP, "Ethernet ARP: non_ip");
	n = b_eth(f, NULL, 0, 0x0026, ip, 38);
	is_int(run(DLT_EN10MB, f, n, &p), DECODE_NOT_IP, "802.3 length field: non_ip");
	n = b_udp(t, 53, (const uint8_t *)"abcdabcdabcd", 12);
	nip = b_ipv4(ip, 17, t, n);
	n = b_eth(f, NULL, 0, 0x0800, ip, nip);
	is_int(run(DLT_EN10MB, f, n, &p), DECODE_NOT_TCP, "UDP/53: non_tcp");
	nip = b_ipv4(ip, 1, t, 8);
	n = b_eth(f, NULL, 0, 0x0800, ip, nip);
	is_int(run(DLT_EN10MB, f, n, &p), DECODE_NOT_TCP, "ICMP: non_tcp");

	/* timestamps pass through */
	n = b_eth_ip_tcp(f);
	r = run_keep(DLT_EN10MB, f, n, n, 1700000000123456ull, &p, NULL);
	ok(r == DECODE_TCP && p.ts == 1700000000123456ull, "timestamp passes through");
	r = run_keep(DLT_EN10MB, f, 5, 5, 99, &p, NULL);
	ok(r == DECODE_TRUNC_LINK && p.ts == 99, "timestamp set on non-TCP results too");
}

/* ---- VLAN ----------------------------------------------------------------- */

static void test_vlan(void)
{
	uint8_t ip[BUF], f[BUF];
	size_t nip = b_ip_tcp(ip), n;
	struct pkt p;
	enum decode_result r;
	static const uint16_t one[] = { 0x8100, 0x2000 | 100 };
	static const uint16_t qinq[] = { 0x88a8, 300, 0x8100, 0xe000 | 200 };
	static const uint16_t old[] = { 0x9100, 10, 0x9100, 11, 0x8100, 4095 };
	static const uint16_t five[] = { 0x8100, 1, 0x8100, 2, 0x8100, 3, 0x8100, 4, 0x8100, 5 };
	static const uint16_t four[] = { 0x88a8, 1, 0x8100, 2, 0x8100, 3, 0x8100, 4 };

	n = b_eth(f, one, 1, 0x0800, ip, nip);
	r = run(DLT_EN10MB, f, n, &p);
	check_banner("802.1Q", r, &p);
	is_int(p.vlan, 100, "802.1Q: vlan id without priority bits");

	n = b_eth(f, qinq, 2, 0x0800, ip, nip);
	r = run(DLT_EN10MB, f, n, &p);
	check_banner("QinQ 0x88a8", r, &p);
	is_int(p.vlan, 200, "QinQ: innermost vlan id");

	n = b_eth(f, old, 3, 0x0800, ip, nip);
	r = run(DLT_EN10MB, f, n, &p);
	check_banner("QinQ 0x9100 x2 + 0x8100", r, &p);
	is_int(p.vlan, 4095, "0x9100 stack: innermost vlan id");

	n = b_eth(f, four, 4, 0x0800, ip, nip);
	r = run(DLT_EN10MB, f, n, &p);
	ok(r == DECODE_TCP && p.vlan == 4, "DECODE_VLAN_DEPTH_MAX tags decode");
	n = b_eth(f, five, 5, 0x0800, ip, nip);
	is_int(run(DLT_EN10MB, f, n, &p), DECODE_BAD_ENCAP, "one tag more than the cap: bad_encap");

	n = b_eth(f, qinq, 2, 0x0800, ip, nip);
	is_int(run(DLT_EN10MB, f, 16, &p), DECODE_TRUNC_LINK, "frame ends inside the first tag");
	is_int(run(DLT_EN10MB, f, 20, &p), DECODE_TRUNC_LINK, "frame ends inside the second tag");
	is_int(run(DLT_EN10MB, f, 22, &p), DECODE_TRUNC_IP, "frame ends after the tags");

	/* a tag in a cooked capture */
	memset(f, 0, 16);
	w16(f + 14, 0x8100);
	w16(f + 16, 55);
	w16(f + 18, 0x0800);
	memcpy(f + 20, ip, nip);
	r = run(DLT_LINUX_SLL, f, 20 + nip, &p);
	ok(r == DECODE_TCP && p.vlan == 55, "LINUX_SLL with an 802.1Q tag");
}

/* ---- IPv6 ------------------------------------------------------------------- */

static void test_ipv6(void)
{
	uint8_t t[BUF], pl[BUF], ip6[BUF], f[BUF];
	size_t nt = b_tcp(t, BANNER, BANNER_LEN), n, nip6, k;
	struct pkt p;
	enum decode_result r;
	int i;

	/* hop-by-hop (8 bytes) -> destination options (16 bytes) -> TCP */
	n = 0;
	memset(pl, 0, 24);
	pl[0] = 60;          /* next: dest opts */
	pl[1] = 0;           /* 8 bytes */
	pl[2] = 1; pl[3] = 4;  /* PadN */
	pl[8] = 6;           /* next: TCP */
	pl[9] = 1;           /* 16 bytes */
	pl[10] = 1; pl[11] = 12;
	n = 24;
	memcpy(pl + n, t, nt);
	nip6 = b_ipv6(ip6, 0, pl, n + nt);
	n = b_eth(f, NULL, 0, 0x86dd, ip6, nip6);
	r = run(DLT_EN10MB, f, n, &p);
	check_banner("IPv6 hop-by-hop + dest-opts", r, &p);
	is_int(p.l3_wire_len, nip6, "IPv6 ext: l3_wire_len is 40 + payload length");
	ok(p.l3 != NULL && p.l3[0] >> 4 == 6 && p.l3_len == nip6, "IPv6 ext: l3 at the IPv6 header");

	/* routing (8) -> AH (len 4 => 24 bytes) -> fragment (atomic) -> TCP */
	memset(pl, 0, 40);
	pl[0] = 51; pl[1] = 0; pl[2] = 0; pl[3] = 0;      /* routing type 0, segs left 0 */
	pl[8] = 44; pl[9] = 4;                            /* AH: (4+2)*4 = 24 */
	pl[32] = 6; pl[34] = 0; pl[35] = 0;               /* fragment: offset 0, M 0 */
	memcpy(pl + 40, t, nt);
	nip6 = b_ipv6(ip6, 43, pl, 40 + nt);
	check_banner("IPv6 routing + AH + atomic fragment", run(DLT_RAW, ip6, nip6, &p), &p);

	/* a real fragment: offset 0, M set */
	pl[35] = 1;
	nip6 = b_ipv6(ip6, 43, pl, 40 + nt);
	is_int(run(DLT_RAW, ip6, nip6, &p), DECODE_FRAG_DROPPED, "IPv6 first fragment: fragment_dropped");
	pl[34] = 0x05; pl[35] = 0x00;   /* offset 160, M 0 */
	nip6 = b_ipv6(ip6, 43, pl, 40 + nt);
	is_int(run(DLT_RAW, ip6, nip6, &p), DECODE_FRAG_DROPPED, "IPv6 last fragment: fragment_dropped");

	/* DECODE_IPV6_EXT_MAX headers pass, one more is bad */
	for (k = 0; k <= DECODE_IPV6_EXT_MAX; k++) {
		memset(pl + 8 * k, 0, 8);
		pl[8 * k] = 60;
	}
	pl[8 * (DECODE_IPV6_EXT_MAX - 1)] = 6;
	memcpy(pl + 8 * DECODE_IPV6_EXT_MAX, t, nt);
	nip6 = b_ipv6(ip6, 60, pl, 8 * DECODE_IPV6_EXT_MAX + nt);
	check_banner("IPv6 with DECODE_IPV6_EXT_MAX extension headers", run(DLT_RAW, ip6, nip6, &p), &p);
	pl[8 * (DECODE_IPV6_EXT_MAX - 1)] = 60;
	pl[8 * DECODE_IPV6_EXT_MAX] = 6;
	memcpy(pl + 8 * (DECODE_IPV6_EXT_MAX + 1), t, nt);
	nip6 = b_ipv6(ip6, 60, pl, 8 * (DECODE_IPV6_EXT_MAX + 1) + nt);
	is_int(run(DLT_RAW, ip6, nip6, &p), DECODE_BAD_IP, "IPv6 one extension header over the cap: bad_ip");

	/* extension header longer than the payload length; cut inside it */
	memset(pl, 0, 16);
	pl[0] = 6; pl[1] = 3;   /* 32 bytes claimed */
	nip6 = b_ipv6(ip6, 0, pl, 16);
	is_int(run(DLT_RAW, ip6, nip6, &p), DECODE_BAD_IP, "IPv6 ext header past payload length: bad_ip");
	pl[1] = 1;
	nip6 = b_ipv6(ip6, 0, pl, 16);
	is_int(run_keep(DLT_RAW, ip6, 50, nip6, 1, &p, NULL), DECODE_TRUNC_IP,
	       "IPv6 cut inside an ext header: truncated_ip");
	nip6 = b_ipv6(ip6, 59, pl, 0);
	is_int(run(DLT_RAW, ip6, nip6, &p), DECODE_NOT_TCP, "IPv6 no next header: non_tcp");
	for (i = 1; i < 40; i += 13)
		is_int(run(DLT_RAW, ip6, (size_t)i, &p), DECODE_TRUNC_IP, "IPv6 header cut");
}

/* ---- tunnels ---------------------------------------------------------------- */

/* Wraps payload in an outer Ethernet/IPv4 with protocol proto. */
static size_t outer(uint8_t *f, uint8_t proto, const uint8_t *pl, size_t n)
{
	uint8_t ip[BUF];
	size_t nip = b_ipv4(ip, proto, pl, n);

	return b_eth(f, NULL, 0, 0x0800, ip, nip);
}

static void test_tunnels(void)
{
	uint8_t ip[BUF], inner_eth[BUF], g[BUF], f[BUF], e[BUF], u[BUF], x[BUF];
	size_t nip = b_ip_tcp(ip), ne, ng, n, nx, nu;
	struct pkt p;
	enum decode_result r;
	int depth;
	static const uint16_t tag[] = { 0x8100, 321 };

	ne = b_eth(inner_eth, tag, 1, 0x0800, ip, nip);

	ng = b_gre(g, 0, 0x0800, ip, nip);
	n = outer(f, 47, g, ng);
	r = run(DLT_EN10MB, f, n, &p);
	check_banner("GRE IPv4", r, &p);
	is_int(p.l3_wire_len, nip, "GRE: l3 is the inner IP header");
	ok(p.l3 && p.l3[0] == 0x45 && p.l3_len == nip, "GRE: l3 points at the inner header");

	ng = b_gre(g, 0x2000 | 0x1000, 0x0800, ip, nip);
	check_banner("GRE key + sequence", run(DLT_EN10MB, f, outer(f, 47, g, ng), &p), &p);
	ng = b_gre(g, 0x8000 | 0x2000 | 0x1000, 0x0800, ip, nip);
	check_banner("GRE checksum + key + sequence", run(DLT_EN10MB, f, outer(f, 47, g, ng), &p), &p);
	n = outer(f, 47, g, ng);
	is_int(run(DLT_EN10MB, f, 14 + 20 + 10, &p), DECODE_BAD_ENCAP, "GRE optional fields cut: bad_encap");
	ng = b_gre(g, 0x4000, 0x0800, ip, nip);
	is_int(run(DLT_EN10MB, f, outer(f, 47, g, ng), &p), DECODE_BAD_ENCAP, "GRE routing bit: bad_encap");
	ng = b_gre(g, 0x0001, 0x880b, ip, nip);
	is_int(run(DLT_EN10MB, f, outer(f, 47, g, ng), &p), DECODE_NOT_IP, "GRE version 1 (PPTP): non_ip");

	ng = b_gre(g, 0, 0x6558, inner_eth, ne);
	r = run(DLT_EN10MB, f, outer(f, 47, g, ng), &p);
	check_banner("GRE 0x6558 Ethernet bridging", r, &p);
	is_int(p.vlan, 321, "GRE 0x6558: inner vlan");

	/* ERSPAN */
	n = b_erspan2(e, 1, inner_eth, ne);
	ng = b_gre(g, 0x1000, 0x88be, e, n);
	r = run(DLT_EN10MB, f, outer(f, 47, g, ng), &p);
	check_banner("ERSPAN type II", r, &p);
	is_int(p.vlan, 321, "ERSPAN II: inner vlan");
	n = b_erspan2(e, 3, inner_eth, ne);
	ng = b_gre(g, 0x1000, 0x88be, e, n);
	is_int(run(DLT_EN10MB, f, outer(f, 47, g, ng), &p), DECODE_BAD_ENCAP, "ERSPAN II version 3: bad_encap");
	ng = b_gre(g, 0, 0x88be, inner_eth, ne);
	check_banner("ERSPAN type I (no S bit, no header)", run(DLT_EN10MB, f, outer(f, 47, g, ng), &p), &p);

	n = b_erspan3(e, 0, inner_eth, ne);
	ng = b_gre(g, 0x1000, 0x22eb, e, n);
	check_banner("ERSPAN type III", run(DLT_EN10MB, f, outer(f, 47, g, ng), &p), &p);
	n = b_erspan3(e, 1, inner_eth, ne);
	ng = b_gre(g, 0x1000, 0x22eb, e, n);
	check_banner("ERSPAN type III + platform subheader", run(DLT_EN10MB, f, outer(f, 47, g, ng), &p), &p);
	n = b_erspan3(e, 0, inner_eth, ne);
	e[10] |= 0x08;   /* FT 2: IP */
	memcpy(e + 12, ip, nip);
	ng = b_gre(g, 0x1000, 0x22eb, e, 12 + nip);
	check_banner("ERSPAN type III frame type IP", run(DLT_EN10MB, f, outer(f, 47, g, ng), &p), &p);
	n = b_erspan3(e, 1, inner_eth, ne);
	ng = b_gre(g, 0x1000, 0x22eb, e, 16);
	is_int(run(DLT_EN10MB, f, outer(f, 47, g, ng), &p), DECODE_BAD_ENCAP,
	       "ERSPAN III platform subheader cut: bad_encap");

	/* VXLAN */
	nx = b_vxlan(x, 0x08, inner_eth, ne);
	nu = b_udp(u, 4789, x, nx);
	r = run(DLT_EN10MB, f, outer(f, 17, u, nu), &p);
	check_banner("VXLAN", r, &p);
	is_int(p.vlan, 321, "VXLAN: inner vlan");
	nx = b_vxlan(x, 0x00, inner_eth, ne);
	nu = b_udp(u, 4789, x, nx);
	is_int(run(DLT_EN10MB, f, outer(f, 17, u, nu), &p), DECODE_BAD_ENCAP, "VXLAN without I flag: bad_encap");
	nx = b_vxlan(x, 0x08, inner_eth, ne);
	nu = b_udp(u, 4790, x, nx);
	is_int(run(DLT_EN10MB, f, outer(f, 17, u, nu), &p), DECODE_NOT_TCP, "UDP 4790: non_tcp");

	/* IPv6 outer, GRE inside */
	ng = b_gre(g, 0, 0x0800, ip, nip);
	n = b_ipv6(e, 47, g, ng);
	check_banner("IPv6 + GRE + IPv4", run(DLT_RAW, e, n, &p), &p);
	ng = b_gre(g, 0, 0x86dd, e, b_ipv6(e, 6, ip + 20, nip - 20));
	r = run(DLT_EN10MB, f, outer(f, 47, g, ng), &p);
	check_banner("GRE carrying IPv6", r, &p);
	is_int(p.ip_version, 6, "GRE carrying IPv6: inner version");
	n = b_ipv4(x, 41, e, b_ipv6(e, 6, ip + 20, nip - 20));
	r = run(DLT_RAW, x, n, &p);
	ok(r == DECODE_TCP && p.ip_version == 6 && p.payload_len == BANNER_LEN, "IPv6 in IPv4 (6in4)");
	/* IP in IP */
	n = b_ipv4(e, 4, ip, nip);
	check_banner("IPv4 in IPv4", run(DLT_RAW, e, n, &p), &p);

	/* nesting: DECODE_ENCAP_DEPTH_MAX GRE layers decode, one more does not */
	memcpy(e, ip, nip);
	n = nip;
	for (depth = 1; depth <= DECODE_ENCAP_DEPTH_MAX + 1; depth++) {
		ng = b_gre(g, 0, 0x0800, e, n);
		n = b_ipv4(e, 47, g, ng);
		r = run(DLT_RAW, e, n, &p);
		if (depth <= DECODE_ENCAP_DEPTH_MAX)
			check_banner("GRE nested within the depth cap", r, &p);
		else
			is_int(r, DECODE_BAD_ENCAP, "GRE nested one over the depth cap: bad_encap");
	}
}

/* ---- IPv4 fragments ----------------------------------------------------- */

#define FRAG_PL 64    /* payload bytes of each fragment in these tests */

/* A TCP segment with a patterned payload, as an IPv4 payload. */
static size_t big_segment(uint8_t *t, size_t plen)
{
	uint8_t pl[BUF];
	size_t i;

	for (i = 0; i < plen; i++)
		pl[i] = (uint8_t)(i * 7 + 3);
	return b_tcp(t, pl, plen);
}

/* Ethernet frame of the fragment [off, off+len) of l4 (len 0 = to the end). */
static size_t frag_frame(uint8_t *f, uint16_t id, const uint8_t *l4, size_t l4len, size_t off,
			 size_t len, uint8_t proto)
{
	uint8_t ip[BUF];
	int more = off + len < l4len;
	size_t nip;

	nip = b_ipv4_x(ip, 5, 0, proto, id, (uint16_t)((more ? 0x2000 : 0) | (off / 8)), l4 + off, len);
	return b_eth(f, NULL, 0, 0x0800, ip, nip);
}

static int header_sum_ok(const uint8_t *h, size_t n)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

/* A reassembled segment: whole, with a sane rebuilt header. */
static void check_reasm(const char *what, enum decode_result r, const struct pkt *p, size_t plen)
{
	size_t i;
	int same = r == DECODE_TCP && p->payload_len == plen && p->payload_wire_len == plen;

	for (i = 0; same && i < plen; i++)
		same = p->payload[i] == (uint8_t)(i * 7 + 3);
	ok(same, "%s: reassembled payload (%s, %u bytes)", what, decode_result_name(r), p->payload_len);
	ok(r == DECODE_TCP && p->l3 && p->l3_len == 20 + 20 + plen &&
	   (p->l3[2] << 8 | p->l3[3]) == (int)(20 + 20 + plen) && (p->l3[6] & 0x3f) == 0 &&
	   p->l3[7] == 0 && header_sum_ok(p->l3, 20),
	   "%s: rebuilt header has total length, no MF/offset, valid checksum", what);
}

static void test_fragments(void)
{
	uint8_t t[BUF], f[BUF], g[BUF], ip[BUF];
	size_t nt = big_segment(t, 200), n, off, ng, nip;   /* 220 bytes: 4 fragments */
	struct pkt p;
	enum decode_result r = DECODE__COUNT;
	int held, i;
	uint64_t before, dropped;
	uint16_t id;

	/* in order */
	held = 1;
	for (off = 0; off < nt; off += FRAG_PL) {
		n = frag_frame(f, 1, t, nt, off, off + FRAG_PL < nt ? FRAG_PL : nt - off, 6);
		r = run(DLT_EN10MB, f, n, &p);
		if (off + FRAG_PL < nt)
			held &= r == DECODE_FRAG_HELD;
	}
	ok(held, "in order: fragments before the last are held");
	check_reasm("in order", r, &p, 200);
	check_v4_addrs("in order", &p);
	is_int(decode_frag_reassembled(D), 1, "reassembled counter is 1");

	/* reversed */
	held = 1;
	for (i = 3; i >= 0; i--) {
		off = (size_t)i * FRAG_PL;
		n = frag_frame(f, 2, t, nt, off, off + FRAG_PL < nt ? FRAG_PL : nt - off, 6);
		r = run(DLT_EN10MB, f, n, &p);
		if (i)
			held &= r == DECODE_FRAG_HELD;
	}
	ok(held, "reversed: fragments before the first are held");
	check_reasm("reversed", r, &p, 200);

	/* duplicated: every fragment twice, first of them duplicated after completion would start anew */
	held = 1;
	for (i = 0; i < 4; i++) {
		off = (size_t)i * FRAG_PL;
		n = frag_frame(f, 3, t, nt, off, off + FRAG_PL < nt ? FRAG_PL : nt - off, 6);
		if (i < 3) {
			held &= run(DLT_EN10MB, f, n, &p) == DECODE_FRAG_HELD;
			held &= run(DLT_EN10MB, f, n, &p) == DECODE_FRAG_HELD;
		} else {
			r = run(DLT_EN10MB, f, n, &p);
		}
	}
	ok(held, "duplicated: duplicates are held, not dropped");
	check_reasm("duplicated", r, &p, 200);

	/* overlapping: first bytes win.  [0,128) then [64,192) with other bytes, then [192,end) */
	n = frag_frame(f, 4, t, nt, 0, 128, 6);
	is_int(run(DLT_EN10MB, f, n, &p), DECODE_FRAG_HELD, "overlap: first piece held");
	{
		uint8_t bad[BUF];

		memcpy(bad, t, nt);
		memset(bad + 64, 0xee, 64);   /* differs only where it overlaps */
		n = frag_frame(f, 4, bad, nt, 64, 128, 6);
		is_int(run(DLT_EN10MB, f, n, &p), DECODE_FRAG_HELD, "overlap: overlapping piece held");
	}
	n = frag_frame(f, 4, t, nt, 192, nt - 192, 6);
	r = run(DLT_EN10MB, f, n, &p);
	check_reasm("overlapping, first wins", r, &p, 200);

	/* overlapping the other way: a big piece after small ones */
	n = frag_frame(f, 5, t, nt, 64, 64, 6);
	run(DLT_EN10MB, f, n, &p);
	n = frag_frame(f, 5, t, nt, 152, nt - 152, 6);
	run(DLT_EN10MB, f, n, &p);
	n = frag_frame(f, 5, t, nt, 0, 200, 6);
	r = run(DLT_EN10MB, f, n, &p);
	check_reasm("overlapping, covering piece last", r, &p, 200);

	/* timed out */
	before = decode_counts(D)[DECODE_FRAG_DROPPED];
	n = frag_frame(f, 6, t, nt, 0, 128, 6);
	r = run_keep(DLT_EN10MB, f, n, n, 1000, &p, NULL);
	is_int(r, DECODE_FRAG_HELD, "timeout: first piece held");
	n = frag_frame(f, 6, t, nt, 128, nt - 128, 6);
	r = run_keep(DLT_EN10MB, f, n, n, 1000 + FRAG_TIMEOUT_US + 1, &p, NULL);
	is_int(r, DECODE_FRAG_HELD, "timeout: late piece starts a new datagram");
	is_int(decode_counts(D)[DECODE_FRAG_DROPPED] - before, 1, "timeout: expired datagram counted as dropped");
	n = frag_frame(f, 6, t, nt, 0, 128, 6);
	r = run_keep(DLT_EN10MB, f, n, n, 1000 + FRAG_TIMEOUT_US + 2, &p, NULL);
	check_reasm("timeout: re-sent first piece completes the new datagram", r, &p, 200);
	n = frag_frame(f, 7, t, nt, 0, 128, 6);
	r = run_keep(DLT_EN10MB, f, n, n, 5000, &p, NULL);
	n = frag_frame(f, 7, t, nt, 128, nt - 128, 6);
	r = run_keep(DLT_EN10MB, f, n, n, 5000 + FRAG_TIMEOUT_US, &p, NULL);
	check_reasm("exactly at the timeout still completes", r, &p, 200);

	/* over the pieces cap: FRAG_PIECES_MAX + 1 fragments of 8 bytes */
	{
		size_t big = big_segment(t, (FRAG_PIECES_MAX + 2) * 8 - 20);

		before = decode_counts(D)[DECODE_FRAG_DROPPED];
		held = 1;
		for (i = 0; i < FRAG_PIECES_MAX; i++) {
			n = frag_frame(f, 8, t, big, (size_t)i * 8, 8, 6);
			held &= run(DLT_EN10MB, f, n, &p) == DECODE_FRAG_HELD;
		}
		ok(held, "pieces cap: FRAG_PIECES_MAX fragments held");
		n = frag_frame(f, 8, t, big, (size_t)FRAG_PIECES_MAX * 8, 8, 6);
		is_int(run(DLT_EN10MB, f, n, &p), DECODE_FRAG_DROPPED, "pieces cap: one more is dropped");
		n = frag_frame(f, 8, t, big, (size_t)(FRAG_PIECES_MAX + 1) * 8, 8, 6);
		is_int(run(DLT_EN10MB, f, n, &p), DECODE_FRAG_DROPPED, "pieces cap: the rest of that datagram too");
		is_int(decode_counts(D)[DECODE_FRAG_DROPPED] - before, 2, "pieces cap: two drops counted");
		nt = big_segment(t, 200);
	}

	/* table full: the oldest datagram is evicted */
	before = decode_counts(D)[DECODE_FRAG_DROPPED];
	for (i = 0; i <= FRAG_TABLE_MAX; i++) {
		n = frag_frame(f, (uint16_t)(1000 + i), t, nt, 0, 128, 6);
		run_keep(DLT_EN10MB, f, n, n, 100000000, &p, NULL);
	}
	ok(decode_counts(D)[DECODE_FRAG_DROPPED] - before >= 1, "table full: eviction counted as dropped");
	n = frag_frame(f, 1000, t, nt, 128, nt - 128, 6);
	r = run_keep(DLT_EN10MB, f, n, n, 100000001, &p, NULL);
	is_int(r, DECODE_FRAG_HELD, "table full: the oldest datagram was evicted");
	n = frag_frame(f, 1002, t, nt, 128, nt - 128, 6);
	r = run_keep(DLT_EN10MB, f, n, n, 100000002, &p, NULL);
	check_reasm("table full: a younger datagram still completes", r, &p, 200);

	/* bytes cap, on a fresh decoder: datagrams holding ~64 KB each; the
	 * oldest are evicted to stay under FRAG_BYTES_MAX */
	{
		struct decoder *saved = D;
		uint8_t last[16], piece[1480], bigf[1600];
		size_t k, len;
		int ndg = (int)(FRAG_BYTES_MAX / (60 + 64016)) + 3;

		D = decode_new();
		dropped = 0;
		memset(last, 0x11, sizeof last);
		for (i = 0; i < ndg; i++) {
			nip = b_ipv4_x(ip, 5, 0, 6, (uint16_t)(20000 + i), (uint16_t)(64000 / 8), last, 16);
			n = b_eth(f, NULL, 0, 0x0800, ip, nip);
			r = run_keep(DLT_EN10MB, f, n, n, 300000000, &p, NULL);
			if (r != DECODE_FRAG_HELD)
				dropped++;
		}
		is_int(dropped, 0, "bytes cap: each new datagram is held");
		is_int(decode_counts(D)[DECODE_FRAG_DROPPED], 3, "bytes cap: the 3 oldest were evicted and counted");
		/* the newest completes: [0, 64000) in 1480-byte pieces, zeros after a TCP header */
		id = (uint16_t)(20000 + ndg - 1);
		b_tcp(t, "", 0);
		r = DECODE_FRAG_HELD;
		for (k = 0; k < 64000; k += 1480) {
			len = 64000 - k < 1480 ? 64000 - k : 1480;
			memset(piece, 0, sizeof piece);
			if (k == 0)
				memcpy(piece, t, 20);
			nip = b_ipv4_x(ip, 5, 0, 6, id, (uint16_t)(0x2000 | (k / 8)), piece, len);
			n = b_eth(bigf, NULL, 0, 0x0800, ip, nip);
			r = run_keep(DLT_EN10MB, bigf, n, n, 300000001, &p, NULL);
			if (r != DECODE_FRAG_HELD)
				break;
		}
		ok(r == DECODE_TCP && p.payload_len == 64016 - 20 && p.l3_wire_len == 64036 &&
		   p.payload[p.payload_len - 1] == 0x11 && p.payload[0] == 0,
		   "bytes cap: a 64 KB datagram reassembles (%s, %u)", decode_result_name(r), p.payload_len);
		/* the oldest was evicted: its start does not complete it */
		nip = b_ipv4_x(ip, 5, 0, 6, 20000, 0x2000, piece, 1480);
		n = b_eth(bigf, NULL, 0, 0x0800, ip, nip);
		is_int(run_keep(DLT_EN10MB, bigf, n, n, 300000002, &p, NULL), DECODE_FRAG_HELD,
		       "bytes cap: an evicted datagram starts anew");
		decode_free(D);
		D = saved;
		nt = big_segment(t, 200);
	}

	/* a fragment cut by the snaplen drops its datagram */
	n = frag_frame(f, 9, t, nt, 0, 128, 6);
	is_int(run_keep(DLT_EN10MB, f, n - 10, n, 1, &p, NULL), DECODE_FRAG_DROPPED,
	       "fragment cut by snaplen: dropped");
	n = frag_frame(f, 9, t, nt, 128, nt - 128, 6);
	is_int(run_keep(DLT_EN10MB, f, n, n, 2, &p, NULL), DECODE_FRAG_DROPPED,
	       "fragment cut by snaplen: the rest of the datagram dropped");

	/* two different ends */
	n = frag_frame(f, 10, t, nt, 128, nt - 128, 6);
	is_int(run(DLT_EN10MB, f, n, &p), DECODE_FRAG_HELD, "conflicting ends: last piece held");
	n = frag_frame(f, 10, t, nt, 64, 64, 6);
	f[14 + 6] = 0;   /* clear MF: a second, shorter end */
	f[14 + 7] = 8;
	is_int(run(DLT_EN10MB, f, n, &p), DECODE_FRAG_DROPPED, "conflicting ends: dropped");

	/* a piece past the end a last fragment set */
	n = frag_frame(f, 13, t, nt, 128, nt - 128, 6);
	is_int(run(DLT_EN10MB, f, n, &p), DECODE_FRAG_HELD, "past the end: last piece held");
	{
		uint8_t more[BUF];

		memcpy(more, t, nt);
		n = frag_frame(f, 13, more, nt + 64, 192, 64, 6);
		is_int(run(DLT_EN10MB, f, n, &p), DECODE_FRAG_DROPPED, "past the end: dropped");
	}

	/* a rebuilt datagram over 65535 bytes: 60-byte header + 65512 payload bytes */
	{
		static const uint8_t piece[4000];

		nip = b_ipv4_x(ip, 15, 0, 6, 14, 0x2000, piece, 4000);
		n = b_eth(f, NULL, 0, 0x0800, ip, nip);
		is_int(run(DLT_EN10MB, f, n, &p), DECODE_FRAG_HELD, "oversize: first piece (IHL 15) held");
		nip = b_ipv4_x(ip, 5, 0, 6, 14, (uint16_t)(64000 / 8), piece, 1512);
		n = b_eth(f, NULL, 0, 0x0800, ip, nip);
		is_int(run(DLT_EN10MB, f, n, &p), DECODE_FRAG_HELD, "oversize: last piece held");
		for (off = 4000; off < 64000; off += 4000) {
			nip = b_ipv4_x(ip, 5, 0, 6, 14, (uint16_t)(0x2000 | (off / 8)), piece, 4000);
			n = b_eth(f, NULL, 0, 0x0800, ip, nip);
			r = run(DLT_EN10MB, f, n, &p);
			if (r != DECODE_FRAG_HELD)
				break;
		}
		ok(r == DECODE_FRAG_DROPPED && off == 60000,
		   "oversize: the completing piece is dropped (%s at %zu)", decode_result_name(r), off);
	}

	/* ICMP fragments are not kept */
	n = frag_frame(f, 11, t, nt, 0, 64, 1);
	is_int(run(DLT_EN10MB, f, n, &p), DECODE_NOT_TCP, "ICMP fragment: non_tcp, not held");

	/* fragmented outer IP carrying GRE: reassembled, then unwrapped */
	nip = b_ip_tcp(ip);
	ng = b_gre(g, 0, 0x0800, ip, nip);
	n = frag_frame(f, 12, g, ng, 0, 40, 47);
	is_int(run(DLT_EN10MB, f, n, &p), DECODE_FRAG_HELD, "outer fragment of GRE held");
	n = frag_frame(f, 12, g, ng, 40, ng - 40, 47);
	r = run(DLT_EN10MB, f, n, &p);
	check_banner("fragmented GRE: inner TCP", r, &p);
	ok(p.l3_wire_len == nip && p.l3 && p.l3[0] == 0x45, "fragmented GRE: l3 is the inner header");
}

/* ---- truncation and malformed headers ----------------------------------- */

static void test_truncation(void)
{
	uint8_t t[BUF], ip[BUF], f[BUF];
	size_t nt, nip, n, cap;
	struct pkt p;
	enum decode_result r, want;
	int right = 1, bounds = 1;
	uint8_t *copy;
	char pl[100];

	memset(pl, 'x', sizeof pl);
	nt = b_tcp(t, pl, sizeof pl);
	nip = b_ipv4(ip, 6, t, nt);
	n = b_eth(f, NULL, 0, 0x0800, ip, nip);

	/* snaplen cut: caplen < wirelen */
	r = run_keep(DLT_EN10MB, f, 14 + 20 + 20 + 30, n, 1, &p, NULL);
	ok(r == DECODE_TCP && p.payload_len == 30 && p.payload_wire_len == 100,
	   "snaplen cut: payload_len 30 < payload_wire_len 100");
	ok(p.sport == 1234 && p.dport == 25 && p.seq == 1000 && p.ack == 2000,
	   "snaplen cut: header still decoded");
	ok(p.l3_len == 70 && p.l3_wire_len == 140, "snaplen cut: l3_len 70, l3_wire_len 140");

	/* every truncation point */
	for (cap = 0; cap <= n; cap++) {
		r = run_keep(DLT_EN10MB, f, cap, n, 1, &p, &copy);
		want = cap < 14 ? DECODE_TRUNC_LINK : cap < 34 ? DECODE_TRUNC_IP :
		       cap < 54 ? DECODE_TRUNC_TCP : DECODE_TCP;
		if (r != want) {
			right = 0;
			printf("#   caplen %zu: %s, want %s\n", cap, decode_result_name(r), decode_result_name(want));
		}
		if (r == DECODE_TCP && (p.payload_len != cap - 54 || p.payload_wire_len != 100 ||
					p.payload < copy || p.payload + p.payload_len > copy + cap))
			bounds = 0;
		free(copy);
	}
	ok(right, "every truncation point of Ethernet/IPv4/TCP gives the right kind");
	ok(bounds, "every truncation point: payload within the captured bytes");

	/* Ethernet padding beyond the IP total length is not payload */
	nt = b_tcp(t, "", 0);
	nip = b_ipv4(ip, 6, t, nt);
	n = b_eth(f, NULL, 0, 0x0800, ip, nip);
	memset(f + n, 0xaa, 60 - n);
	r = run(DLT_EN10MB, f, 60, &p);
	ok(r == DECODE_TCP && p.payload_len == 0 && p.payload_wire_len == 0 && p.l3_len == 40,
	   "Ethernet padding ignored");

	/* malformed */
	nt = b_tcp(t, BANNER, BANNER_LEN);
	nip = b_ipv4_x(ip, 4, 0, 6, 1, 0, t, nt);
	ip[0] = 0x44;
	n = b_eth(f, NULL, 0, 0x0800, ip, nip);
	is_int(run(DLT_EN10MB, f, n, &p), DECODE_BAD_IP, "IHL 4: bad_ip");
	nip = b_ipv4_x(ip, 5, 19, 6, 1, 0, t, nt);
	n = b_eth(f, NULL, 0, 0x0800, ip, nip);
	is_int(run(DLT_EN10MB, f, n, &p), DECODE_BAD_IP, "total length 19 < header: bad_ip");
	nip = b_ipv4_x(ip, 6, 22, 6, 1, 0, t, nt);
	n = b_eth(f, NULL, 0, 0x0800, ip, nip);
	is_int(run(DLT_EN10MB, f, n, &p), DECODE_BAD_IP, "total length 22 < IHL 24: bad_ip");
	nip = b_ipv4(ip, 6, t, nt);
	ip[0] = 0x65;
	n = b_eth(f, NULL, 0, 0x0800, ip, nip);
	is_int(run(DLT_EN10MB, f, n, &p), DECODE_BAD_IP, "version 6 in ethertype 0x0800: bad_ip");
	nip = b_ipv4_x(ip, 5, 30, 6, 1, 0, t, nt);
	n = b_eth(f, NULL, 0, 0x0800, ip, nip);
	is_int(run(DLT_EN10MB, f, n, &p), DECODE_BAD_TCP, "total length leaves 10 TCP bytes: bad_tcp");

	nt = b_tcp_x(t, 4, TH_ACK, BANNER, BANNER_LEN);
	t[12] = 0x40;
	n = b_eth(f, NULL, 0, 0x0800, ip, b_ipv4(ip, 6, t, nt));
	is_int(run(DLT_EN10MB, f, n, &p), DECODE_BAD_TCP, "data offset 4: bad_tcp");
	nt = b_tcp_x(t, 5, TH_ACK, "ab", 2);
	t[12] = 0x60;   /* 24 bytes claimed, 22 sent */
	n = b_eth(f, NULL, 0, 0x0800, ip, b_ipv4(ip, 6, t, nt));
	is_int(run(DLT_EN10MB, f, n, &p), DECODE_BAD_TCP, "data offset past the segment: bad_tcp");
	nt = b_tcp_x(t, 15, TH_SYN, BANNER, BANNER_LEN);
	n = b_eth(f, NULL, 0, 0x0800, ip, b_ipv4(ip, 6, t, nt));
	r = run(DLT_EN10MB, f, n, &p);
	ok(r == DECODE_TCP && p.payload_len == BANNER_LEN && p.flags == TH_SYN &&
	   !memcmp(p.payload, BANNER, BANNER_LEN), "data offset 15 (40 option bytes)");
	is_int(run_keep(DLT_EN10MB, f, 14 + 20 + 40, n, 1, &p, NULL), DECODE_TRUNC_TCP,
	       "cut inside TCP options: truncated_tcp");
	nip = b_ipv4_x(ip, 8, 0, 6, 1, 0, t, nt);
	n = b_eth(f, NULL, 0, 0x0800, ip, nip);
	is_int(run_keep(DLT_EN10MB, f, 14 + 28, n, 1, &p, NULL), DECODE_TRUNC_IP,
	       "cut inside IP options: truncated_ip");
	r = run(DLT_EN10MB, f, n, &p);
	ok(r == DECODE_TCP && p.payload_len == BANNER_LEN, "IP options skipped");

	/* TSO capture: total length 0 */
	nt = b_tcp(t, BANNER, BANNER_LEN);
	nip = b_ipv4(ip, 6, t, nt);
	ip[2] = ip[3] = 0;
	n = b_eth(f, NULL, 0, 0x0800, ip, nip);
	r = run(DLT_EN10MB, f, n, &p);
	check_banner("total length 0 (TSO capture)", r, &p);

	/* caplen > wirelen is tolerated */
	n = b_eth_ip_tcp(f);
	check_banner("caplen > wirelen", run_keep(DLT_EN10MB, f, n, 10, 1, &p, NULL), &p);
}

/* ---- counters and names -------------------------------------------------- */

static void test_counts(void)
{
	struct decoder *saved = D;
	uint8_t f[BUF];
	size_t n = b_eth_ip_tcp(f);
	struct pkt p;
	const uint64_t *c;
	int i, named = 1;

	D = decode_new();
	run(DLT_EN10MB, f, n, &p);
	run(DLT_EN10MB, f, n, &p);
	run(DLT_EN10MB, f, 3, &p);
	run(147, f, n, &p);
	c = decode_counts(D);
	ok(c[DECODE_TCP] == 2 && c[DECODE_TRUNC_LINK] == 1 && c[DECODE_UNKNOWN_LINK] == 1 &&
	   c[DECODE_NOT_IP] == 0, "decode_counts: one count per result");
	decode_free(D);
	decode_free(NULL);
	D = saved;

	for (i = 0; i < DECODE__COUNT; i++)
		named &= decode_result_name((enum decode_result)i) != NULL &&
			 strcmp(decode_result_name((enum decode_result)i), "unknown") != 0;
	ok(named, "every result has a name");
	is_str(decode_result_name(DECODE_TCP), "tcp", "name of DECODE_TCP");
	is_str(decode_result_name(DECODE_FRAG_DROPPED), "fragment_dropped", "name of DECODE_FRAG_DROPPED");
	is_str(decode_result_name(DECODE__COUNT), "unknown", "name out of range");
}

/* ---- garbage -------------------------------------------------------------------- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t prng(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

static void test_garbage(void)
{
	static const int dlts[] = { DLT_EN10MB, DLT_LINUX_SLL, 276, DLT_RAW, 101, 228, 229, DLT_NULL, 108 };
	uint8_t seeds[6][BUF], ip[BUF], g[BUF], x[BUF], u[BUF], e[BUF];
	size_t seedlen[6], nip, ng, nx, nu, ne;
	uint8_t frame[BUF];
	struct pkt p;
	enum decode_result r;
	int i, inside = 1, kinds = 1;
	uint64_t total = 0, before;
	const uint64_t *c;
	static const uint16_t tag[] = { 0x8100, 7 };

	/* seeds: valid frames of the deeper paths, mutated below */
	nip = b_ip_tcp(ip);
	seedlen[0] = b_eth(seeds[0], tag, 1, 0x0800, ip, nip);
	ng = b_gre(g, 0x3000, 0x0800, ip, nip);
	seedlen[1] = outer(seeds[1], 47, g, ng);
	ne = b_eth(e, NULL, 0, 0x0800, ip, nip);
	nx = b_vxlan(x, 0x08, e, ne);
	nu = b_udp(u, 4789, x, nx);
	seedlen[2] = outer(seeds[2], 17, u, nu);
	nx = b_erspan3(x, 1, e, ne);
	ng = b_gre(g, 0x1000, 0x22eb, x, nx);
	seedlen[3] = outer(seeds[3], 47, g, ng);
	nx = b_erspan2(x, 1, e, ne);
	ng = b_gre(g, 0x1000, 0x88be, x, nx);
	seedlen[4] = outer(seeds[4], 47, g, ng);
	{
		uint8_t pl[64] = { 6, 0, [8] = 0 };

		memcpy(pl + 8, ip + 20, nip - 20);
		seedlen[5] = b_eth(seeds[5], NULL, 0, 0x86dd, x, b_ipv6(x, 0, pl, 8 + nip - 20));
	}

	for (i = 0; i < 100000; i++) {
		size_t len, k, flips;
		int dlt;
		uint8_t *copy;

		if (i % 2 == 0) {
			/* random bytes, a random supported link type, often an IP-looking start */
			len = prng() % 300;
			for (k = 0; k < len; k++)
				frame[k] = (uint8_t)prng();
			dlt = dlts[prng() % (sizeof dlts / sizeof dlts[0])];
			if (len > 0 && (prng() & 1))
				frame[0] = (uint8_t)((prng() & 1) ? 0x45 : 0x60);
			if (dlt == DLT_EN10MB && len > 14 && (prng() & 1)) {
				frame[12] = (prng() & 1) ? 0x08 : 0x86;
				frame[13] = frame[12] == 0x08 ? 0x00 : 0xdd;
			}
		} else {
			/* a valid seed with a few bytes changed and a random cut */
			int s = (int)(prng() % 6);

			dlt = DLT_EN10MB;
			len = seedlen[s];
			memcpy(frame, seeds[s], len);
			flips = 1 + prng() % 4;
			for (k = 0; k < flips; k++)
				frame[prng() % len] = (uint8_t)prng();
			if (prng() & 1)
				len = prng() % (len + 1);
		}
		before = decode_frag_reassembled(D);
		r = run_keep(dlt, frame, len, len + (prng() & 1 ? 0 : prng() % 64), (uint64_t)i * 1000,
			     &p, &copy);
		if ((unsigned)r >= DECODE__COUNT)
			kinds = 0;
		if (r == DECODE_TCP && decode_frag_reassembled(D) == before &&
		    (p.payload < copy || p.payload + p.payload_len > copy + len ||
		     p.l3 < copy || p.l3 + p.l3_len > copy + len))
			inside = 0;
		if (r == DECODE_TCP && p.payload_len > p.payload_wire_len)
			inside = 0;
		free(copy);
	}
	ok(kinds, "garbage: 100000 frames, every result a known kind");
	ok(inside, "garbage: payload always within the captured bytes and <= wire length");
	c = decode_counts(D);
	for (i = 0; i < DECODE__COUNT; i++)
		total += c[i];
	printf("# garbage counts:");
	for (i = 0; i < DECODE__COUNT; i++)
		printf(" %s=%llu", decode_result_name((enum decode_result)i), (unsigned long long)c[i]);
	printf("\n");
	ok(total > 100000 && c[DECODE_TCP] > 100 && c[DECODE_BAD_ENCAP] > 0 && c[DECODE_TRUNC_TCP] > 0,
	   "garbage: counters moved (tcp %llu, bad_encap %llu)", (unsigned long long)c[DECODE_TCP],
	   (unsigned long long)c[DECODE_BAD_ENCAP]);
}

int main(void)
{
	D = decode_new();
	if (!ok(D != NULL, "decode_new"))
		return done_testing();
	test_link_types();
	test_vlan();
	test_ipv6();
	test_tunnels();
	test_fragments();
	test_truncation();
	test_counts();
	test_garbage();
	decode_free(D);
	free(last_copy);
	return done_testing();
}
