/* \summary: tunnel and proxy preludes in front of an application stream:
 * HAProxy PROXY protocol v1 and v2 (haproxy doc/proxy-protocol.txt), HTTP
 * CONNECT (RFC 9110 9.3.6, RFC 9112 3.2.3), SOCKS 4/4a (the NEC "SOCKS 4"
 * note) and SOCKS 5 (RFC 1928, RFC 1929 user/password).
 *
 * A prelude is always a prefix of each direction's byte stream.  The caller
 * hands each direction's in-order bytes to tunnel_feed(); it returns how many
 * of them belong to the prelude (to be skipped); the rest, and everything
 * after, is the inner stream.  A client stream that starts with none of the
 * preludes has none (tunnel_feed returns 0 from then on).  The server's
 * prelude is the reply its client's prelude asks for (nothing for PROXY).
 *
 * Bounded: at most TUNNEL_BUF_MAX bytes are kept per direction; longer fields
 * (PROXY v2 TLVs, SOCKS user names and passwords) are skipped by count, and
 * credentials (SOCKS 5 user/password, HTTP Proxy-Authorization) are never kept.
 * The addresses a PROXY header carries are a claim by whoever sent it: they
 * are recorded, never used for the flow tuple. */
#ifndef SMTPSCOPE_TUNNEL_H
#define SMTPSCOPE_TUNNEL_H

#include <stddef.h>
#include <stdint.h>

#define TUNNEL_KINDS(X) \
	X(NONE,         "none")         \
	X(PROXY_V1,     "proxy_v1")     \
	X(PROXY_V2,     "proxy_v2")     \
	X(HTTP_CONNECT, "http_connect") \
	X(SOCKS4,       "socks4")       \
	X(SOCKS4A,      "socks4a")      \
	X(SOCKS5,       "socks5")

enum tunnel_kind {
#define X(c, n) TUNNEL_##c,
	TUNNEL_KINDS(X)
#undef X
};

/* Where a prelude stands. */
enum tunnel_status {
	TUNNEL_UNDECIDED,  /* no client bytes yet, or a prefix of a prelude */
	TUNNEL_ABSENT,     /* the client stream starts with no prelude */
	TUNNEL_OPENING,    /* a prelude is being read */
	TUNNEL_OPEN,       /* both directions' preludes ended well: the inner stream follows */
	TUNNEL_FAILED,     /* refused (CONNECT non-2xx at the end, SOCKS rejection) or malformed */
};

#define TUNNEL_BUF_MAX     272   /* bytes kept per direction: a SOCKS 5 request with a
                                    255-byte name (4 + 1 + 255 + 2) fits */
#define TUNNEL_TARGET_MAX  264   /* "host:port" of CONNECT / SOCKS, NUL included */
#define TUNNEL_HTTP_HDR_MAX 8192 /* bytes of a CONNECT request or reply header */

struct tunnel_dir {
	uint8_t st;                 /* parser state (tunnel.c) */
	uint8_t aux;                /* state-specific flag */
	uint16_t len;               /* bytes in buf */
	uint32_t need;              /* bytes still to read for the current field */
	uint32_t skip;              /* bytes still to skip by count */
	uint32_t hdr;               /* header bytes read (CONNECT) */
	uint8_t buf[TUNNEL_BUF_MAX];
};

/* What a prelude said: small, kept for the session's record. */
struct tunnel_info {
	uint8_t kind;               /* enum tunnel_kind */
	uint8_t status;             /* enum tunnel_status */
	uint8_t refusals;           /* CONNECT replies other than 2xx */
	uint16_t proxied_port;      /* PROXY source port, 0 when none */
	char proxied_ip[46];        /* PROXY source address (the real client), "" when none */
	char target[TUNNEL_TARGET_MAX]; /* CONNECT / SOCKS target "host:port", PROXY destination */
};

/* The parser: exists only while a prelude is read. */
struct tunnel {
	struct tunnel_info info;
	struct tunnel_dir d[2];     /* [0] client, [1] server */
};

void tunnel_init(struct tunnel *t);

/* Feeds n in-order bytes of the client (from_client 1) or the server (0).
 * Returns how many leading bytes of p are prelude. */
size_t tunnel_feed(struct tunnel *t, int from_client, const uint8_t *p, size_t n);

/* 1 when no direction reads a prelude any more (the parser may go). */
int tunnel_done(const struct tunnel *t);

/* "none", "proxy_v1", ... */
const char *tunnel_kind_name(enum tunnel_kind k);

/* Length of a complete PROXY v1 line or v2 header at the start of p[0..n):
 * > 0 its length, 0 when more bytes are needed, -1 when p is no PROXY header. */
long tunnel_proxy_len(const uint8_t *p, size_t n);

#endif
