/* \summary: link, network and transport header decoding into a struct pkt.
 *
 * Link types: Ethernet (802.1Q, QinQ 0x88a8/0x9100), Linux cooked SLL and
 * SLL2, raw IP (DLT_RAW, LINKTYPE_RAW, IPV4, IPV6), BSD loopback (NULL, LOOP).
 * Tunnels unwrapped: GRE (RFC 2784/2890, transparent Ethernet bridging),
 * ERSPAN type II and III (GRE protocol 0x88be / 0x22eb), VXLAN (UDP 4789).
 * IPv4 fragments are reassembled (capped, with timeouts); IPv6 extension
 * headers are skipped.
 *
 * Only bounded readers (bytes.h) touch packet bytes; the end is always the
 * captured length.  A frame cut by the snaplen still decodes when its TCP
 * header is whole: payload_len is what was captured and payload_wire_len what
 * the IP header says was sent, so reassembly can report the difference as a
 * gap. */
#ifndef SMTPSCOPE_DECODE_H
#define SMTPSCOPE_DECODE_H

#include <stdint.h>
#include <stddef.h>

/* Kinds of frames that do not yield a TCP segment; each has a counter. */
#define DECODE_RESULTS(X) \
	X(TCP,            "tcp")            /* a TCP segment: pkt is filled */ \
	X(NOT_IP,         "non_ip")         /* ARP, LLDP, ... */ \
	X(NOT_TCP,        "non_tcp")        /* UDP, ICMP, ... */ \
	X(FRAG_HELD,      "fragment_held")  /* an IPv4 fragment kept for reassembly */ \
	X(TRUNC_LINK,     "truncated_link") /* frame ends inside the link header */ \
	X(TRUNC_IP,       "truncated_ip")   /* frame ends inside the IP header */ \
	X(TRUNC_TCP,      "truncated_tcp")  /* frame ends inside the TCP header */ \
	X(BAD_IP,         "bad_ip")         /* version, header length or total length wrong */ \
	X(BAD_TCP,        "bad_tcp")        /* data offset wrong */ \
	X(BAD_ENCAP,      "bad_encap")      /* GRE/ERSPAN/VXLAN header wrong or nested too deep */ \
	X(FRAG_DROPPED,   "fragment_dropped") /* fragment over a cap, overlapping badly, or timed out */ \
	X(UNKNOWN_LINK,   "unknown_link")   /* link type not supported */

enum decode_result {
#define X(c, n) DECODE_##c,
	DECODE_RESULTS(X)
#undef X
	DECODE__COUNT
};
const char *decode_result_name(enum decode_result r);

/* TCP flags */
#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10

struct pkt {
	uint64_t ts;              /* microseconds since the epoch */
	uint8_t ip_version;       /* 4 or 6 */
	uint8_t src[16], dst[16]; /* IPv4 in the first 4 bytes, rest zero */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;            /* TH_* */
	uint16_t vlan;            /* innermost 802.1Q id, 0 when untagged */
	const uint8_t *l3;        /* the (innermost) IP header, for nDPI */
	uint32_t l3_len;          /* bytes captured from l3 (at most the IP total length) */
	uint32_t l3_wire_len;     /* the IP total length (what was sent) */
	const uint8_t *payload;   /* TCP payload as captured */
	uint32_t payload_len;     /* captured payload bytes */
	uint32_t payload_wire_len;/* payload bytes per the IP header; > payload_len when cut */
};

/* Decoder state: the IPv4 fragment table and its buffers.  The pkt handed
 * back may point into the decoder (a reassembled datagram): it is valid until
 * the next decode_frame() call. */
struct decoder;

struct decoder *decode_new(void);
void decode_free(struct decoder *d);   /* decode_free(NULL) is a no-op */

/* 1 when smtpscope can decode this libpcap DLT_ value. */
int decode_linktype_supported(int dlt);
/* Writes those link types by name into buf, for messages: "EN10MB, LINUX_SLL, ...". */
void decode_linktypes(char *buf, size_t len);

/* Decodes one frame of link type dlt.  frame[0..caplen) are the captured
 * bytes; wirelen is the frame's length on the wire.  ts in microseconds. */
enum decode_result decode_frame(struct decoder *d, int dlt, const uint8_t *frame, uint32_t caplen,
				uint32_t wirelen, uint64_t ts, struct pkt *out);

/* Per-result counts since decode_new(). */
const uint64_t *decode_counts(const struct decoder *d); /* indexed by enum decode_result */
uint64_t decode_frag_reassembled(const struct decoder *d);

#endif
