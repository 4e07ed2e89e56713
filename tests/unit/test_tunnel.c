/* \summary: unit tests for the tunnel preludes (dissectors/tunnel.c): PROXY v1
 * and v2, HTTP CONNECT, SOCKS 4/4a/5, each fed whole and split at every
 * offset; refusals; streams with no prelude; random bytes. */
#include <stdlib.h>
#include <string.h>

#include "dissectors/tunnel.h"
#include "tests/tap.h"

struct case_ {
	const char *name;
	const uint8_t *c; size_t cn, cpre;   /* client bytes, prelude length */
	const uint8_t *s; size_t sn, spre;   /* server bytes, prelude length */
	enum tunnel_kind kind;
	enum tunnel_status status;
	const char *target, *proxied;
	unsigned pport;
};

/* Feeds the client's bytes in chunks of k, then the server's; returns the
 * bytes skipped each way through *cs, *ss. */
static void run(struct tunnel *t, const struct case_ *x, size_t k, size_t *cs, size_t *ss)
{
	size_t off;

	tunnel_init(t);
	*cs = *ss = 0;
	for (off = 0; off < x->cn; off += k) {
		size_t n = x->cn - off < k ? x->cn - off : k, sk;
		uint8_t *copy = malloc(n);
		memcpy(copy, x->c + off, n);
		sk = tunnel_feed(t, 1, copy, n);
		free(copy);
		if (sk > n)
			sk = n + 1000; /* flagged below */
		*cs += sk;
	}
	for (off = 0; off < x->sn; off += k) {
		size_t n = x->sn - off < k ? x->sn - off : k;
		*ss += tunnel_feed(t, 0, x->s + off, n);
	}
}

#define B(s) (const uint8_t *)(s), sizeof(s) - 1

int main(void)
{
	static const uint8_t v2[] = { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A,
				      0x21, 0x11, 0x00, 0x12, 203, 0, 113, 9, 198, 51, 100, 60, 0x9c, 0x42, 0, 25,
				      0x04, 0x00, 0x03, 'x', 'y', 'z', 'E', 'H', 'L', 'O', ' ', 'x', '\r', '\n' };
	static const uint8_t v2local[] = { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A,
					   0x20, 0x00, 0x00, 0x00, 'E', 'H', 'L', 'O', '\r', '\n' };
	static const uint8_t s5c[] = { 5, 2, 0, 2, 1, 5, 'a', 'l', 'i', 'c', 'e', 6, 's', 'e', 'c', 'r', 'e', 't',
				       5, 1, 0, 3, 14, 'm', 'x', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'o', 'r', 'g', 0, 25,
				       'E', 'H', 'L', 'O', '\r', '\n' };
	static const uint8_t s5s[] = { 5, 2, 1, 0, 5, 0, 0, 1, 198, 51, 100, 50, 0x9c, 0x41, '2', '2', '0', ' ', 'x', '\r', '\n' };
	static const uint8_t s5ref[] = { 5, 0, 5, 2, 0, 1, 0, 0, 0, 0, 0, 0 };
	static const uint8_t s5c_ip[] = { 5, 1, 0, 5, 1, 0, 1, 192, 0, 2, 25, 0, 25 };
	static const uint8_t s4c[] = { 4, 1, 0, 25, 0, 0, 0, 1, 'u', 0, 'm', 'x', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e',
				       '.', 'o', 'r', 'g', 0, 'Q', 'U', 'I', 'T', '\r', '\n' };
	static const uint8_t s4cip[] = { 4, 1, 0, 25, 192, 0, 2, 25, 0 };
	static const uint8_t s4s[] = { 0, 0x5a, 0, 0, 0, 0, 0, 0, '2', '2', '0', '\r', '\n' };
	static const uint8_t s4rej[] = { 0, 0x5b, 0, 0, 0, 0, 0, 0 };
	const struct case_ cases[] = {
		{ "PROXY v1 TCP4", B("PROXY TCP4 203.0.113.7 198.51.100.20 40000 25\r\nEHLO x\r\n"), 47,
		  B("220 mx ESMTP\r\n"), 0, TUNNEL_PROXY_V1, TUNNEL_OPEN, "198.51.100.20:25", "203.0.113.7", 40000 },
		{ "PROXY v1 TCP6", B("PROXY TCP6 2001:db8::7 2001:db8::25 50000 25\r\nEHLO x\r\n"), 46,
		  B("220 mx\r\n"), 0, TUNNEL_PROXY_V1, TUNNEL_OPEN, "[2001:db8::25]:25", "2001:db8::7", 50000 },
		{ "PROXY v1 UNKNOWN", B("PROXY UNKNOWN\r\nEHLO x\r\n"), 15, B("220 mx\r\n"), 0,
		  TUNNEL_PROXY_V1, TUNNEL_OPEN, "", "", 0 },
		{ "PROXY v1 leading zero port is malformed", B("PROXY TCP4 203.0.113.7 198.51.100.20 040000 25\r\nEHLO x\r\n"), 48,
		  B("220 mx\r\n"), 0, TUNNEL_PROXY_V1, TUNNEL_FAILED, "", "", 0 },
		{ "PROXY v1 without CRLF in 107 bytes", B("PROXY TCP4 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), 107,
		  B(""), 0, TUNNEL_PROXY_V1, TUNNEL_FAILED, "", "", 0 },
		{ "PROXY v2 TCP4 + TLV", v2, sizeof v2, 34, B("220 mx\r\n"), 0, TUNNEL_PROXY_V2, TUNNEL_OPEN,
		  "198.51.100.60:25", "203.0.113.9", 40002 },
		{ "PROXY v2 LOCAL", v2local, sizeof v2local, 16, B("220 mx\r\n"), 0, TUNNEL_PROXY_V2, TUNNEL_OPEN, "", "", 0 },
		{ "CONNECT", B("CONNECT mx.example.org:25 HTTP/1.1\r\nHost: mx.example.org:25\r\n\r\nEHLO x\r\n"), 63,
		  B("HTTP/1.1 200 Connection established\r\n\r\n220 mx ESMTP\r\n"), 39,
		  TUNNEL_HTTP_CONNECT, TUNNEL_OPEN, "mx.example.org:25", "", 0 },
		{ "CONNECT refused", B("CONNECT mx.example.org:25 HTTP/1.0\r\n\r\n"), 38,
		  B("HTTP/1.0 403 Forbidden\r\n\r\n"), 26, TUNNEL_HTTP_CONNECT, TUNNEL_FAILED, "mx.example.org:25", "", 0 },
		{ "SOCKS5 user/password, domain", s5c, sizeof s5c, sizeof s5c - 6, s5s, sizeof s5s, sizeof s5s - 7,
		  TUNNEL_SOCKS5, TUNNEL_OPEN, "mx.example.org:25", "", 0 },
		{ "SOCKS5 IPv4, refused", s5c_ip, sizeof s5c_ip, sizeof s5c_ip, s5ref, sizeof s5ref, 6,
		  TUNNEL_SOCKS5, TUNNEL_FAILED, "192.0.2.25:25", "", 0 },
		{ "SOCKS4a", s4c, sizeof s4c, sizeof s4c - 6, s4s, sizeof s4s, 8, TUNNEL_SOCKS4A, TUNNEL_OPEN,
		  "mx.example.org:25", "", 0 },
		{ "SOCKS4 rejected", s4cip, sizeof s4cip, sizeof s4cip, s4rej, sizeof s4rej, 8, TUNNEL_SOCKS4,
		  TUNNEL_FAILED, "192.0.2.25:25", "", 0 },
		{ "no prelude: EHLO", B("EHLO client.example.com\r\n"), 0, B("250 ok\r\n"), 0, TUNNEL_NONE,
		  TUNNEL_ABSENT, "", "", 0 },
	};
	size_t i, k, cs, ss, r;
	struct tunnel t;
	uint32_t seed = 12345;
	uint8_t junk[512];

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct case_ *x = &cases[i];
		int all = 1;
		for (k = 1; k <= x->cn + 1; k++) {
			run(&t, x, k, &cs, &ss);
			if (cs != x->cpre || ss != x->spre || t.info.kind != x->kind || t.info.status != x->status ||
			    strcmp(t.info.target, x->target) || strcmp(t.info.proxied_ip, x->proxied) ||
			    t.info.proxied_port != x->pport) {
				if (all)
					printf("# %s, chunks of %zu: skipped %zu/%zu (want %zu/%zu) kind %s status %d target '%s' proxied '%s':%u\n",
					       x->name, k, cs, ss, x->cpre, x->spre, tunnel_kind_name((enum tunnel_kind)t.info.kind),
					       t.info.status, t.info.target, t.info.proxied_ip, t.info.proxied_port);
				all = 0;
			}
		}
		ok(all, "%s: same result however the bytes are split", x->name);
	}
	/* a server that speaks first ends any prelude */
	tunnel_init(&t);
	is_int(tunnel_feed(&t, 0, (const uint8_t *)"220 mx\r\n", 8), 0, "server first: nothing skipped");
	is_int(tunnel_feed(&t, 1, (const uint8_t *)"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n", 32), 0,
	       "server first: a later PROXY line is the stream's own");
	is_int(t.info.status, TUNNEL_ABSENT, "server first: no tunnel");
	/* random bytes after each prelude start: never more skipped than fed */
	for (i = 0, r = 1; i < 2000; i++) {
		size_t n, j, sk;
		static const uint8_t starts[] = { 'P', 'C', 0x0D, 4, 5 };
		tunnel_init(&t);
		for (j = 0; j < sizeof junk; j++) {
			seed = seed * 1103515245u + 12345u;
			junk[j] = (uint8_t)(seed >> 16);
		}
		junk[0] = starts[i % sizeof starts];
		n = 1 + (seed >> 8) % sizeof junk;
		sk = tunnel_feed(&t, 1, junk, n);
		sk += tunnel_feed(&t, 0, junk + 1, n - 1);
		if (sk > 2 * n)
			r = 0;
	}
	ok(r, "2000 random streams: skips stay within the bytes fed, no crash");
	return done_testing();
}
