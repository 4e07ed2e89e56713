/* \summary: PROXY v1/v2, HTTP CONNECT and SOCKS 4/4a/5 preludes; see tunnel.h.
 *
 * Each direction is a small state machine that reads one field at a time:
 * a fixed number of bytes into buf (need), a number of bytes skipped without
 * keeping them (skip), or a line / NUL-terminated string.  Preludes are a few
 * hundred bytes, so the fields are read byte by byte except the skips. */
#include "dissectors/tunnel.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static const uint8_t V2SIG[12] = { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A };

enum cstate {
	C_START,        /* collecting the first bytes to tell which prelude */
	C_PROXY1,       /* the PROXY v1 line */
	C_PROXY2,       /* the v2 header: 16 bytes, then the address block */
	C_PROXY2_ADDR,
	C_HTTP_LINE,    /* the CONNECT request line */
	C_HTTP_HDR,     /* header lines up to the empty one */
	C_HTTP_AFTER,   /* after a request: another CONNECT (after a 407) or the inner stream */
	C_S4,           /* SOCKS 4 request: 8 bytes */
	C_S4_USER,      /* user id up to NUL (skipped) */
	C_S4_HOST,      /* 4a host name up to NUL */
	C_S5_GREET,     /* version, method count */
	C_S5_NEXT,      /* 0x01 user/password sub-negotiation, or 0x05 the request */
	C_S5_AUTH,      /* version, user length */
	C_S5_PLEN,      /* password length */
	C_S5_REQ,       /* version, command, reserved, address type */
	C_S5_ALEN,      /* length of a domain-name address */
	C_S5_ADDR,      /* address and port */
	C_SKIP,         /* skip bytes by count, then the inner stream */
	C_INNER,
};

enum sstate {
	S_START,
	S_HTTP_LINE,
	S_HTTP_HDR,
	S_S4,
	S_S5_CHOICE,
	S_S5_AUTH,
	S_S5_REP,
	S_S5_ADDR,
	S_SKIP,
	S_INNER,
};

static const char *const kind_names[] = {
#define X(c, n) n,
	TUNNEL_KINDS(X)
#undef X
};

const char *tunnel_kind_name(enum tunnel_kind k)
{
	return (unsigned)k < sizeof kind_names / sizeof kind_names[0] ? kind_names[k] : "none";
}

void tunnel_init(struct tunnel *t)
{
	memset(t, 0, sizeof *t);
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void set_target_addr(struct tunnel *t, int af, const uint8_t *a, uint16_t port)
{
	char ip[46];

	if (!inet_ntop(af, a, ip, sizeof ip))
		return;
	snprintf(t->info.target, sizeof t->info.target, af == AF_INET6 ? "[%s]:%u" : "%s:%u", ip, port);
}

/* A printable copy of p[0..n) as the target (bytes outside 0x21..0x7e become '?'). */
static void set_target_text(struct tunnel *t, const uint8_t *p, size_t n, int port)
{
	size_t i, k = 0;

	for (i = 0; i < n && k + 8 < sizeof t->info.target; i++)
		t->info.target[k++] = p[i] > 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	t->info.target[k] = 0;
	if (port >= 0)
		snprintf(t->info.target + k, sizeof t->info.target - k, ":%d", port);
}

/* ---- PROXY --------------------------------------------------------------- */

/* "PROXY TCP4 src dst sport dport": 0 when well formed (fills t), -1 if not. */
static int proxy_v1_parse(struct tunnel *t, const uint8_t *line, size_t n)
{
	char buf[108], *tok[6], *save = NULL, *s;
	int nt = 0, af;
	uint8_t a[16];
	unsigned long sp, dp;
	char *end;

	if (n >= sizeof buf)
		return -1;
	memcpy(buf, line, n);
	buf[n] = 0;
	for (s = strtok_r(buf, " ", &save); s && nt < 6; s = strtok_r(NULL, " ", &save))
		tok[nt++] = s;
	if (nt < 2 || strcmp(tok[0], "PROXY") != 0)
		return -1;
	if (strcmp(tok[1], "UNKNOWN") == 0)
		return 0; /* the rest may be omitted and must be ignored */
	if (nt != 6 || strtok_r(NULL, " ", &save))
		return -1;
	if (strcmp(tok[1], "TCP4") == 0)
		af = AF_INET;
	else if (strcmp(tok[1], "TCP6") == 0)
		af = AF_INET6;
	else
		return -1;
	if (inet_pton(af, tok[2], a) != 1 || inet_pton(af, tok[3], a) != 1)
		return -1;
	sp = strtoul(tok[4], &end, 10);
	if (*end || sp > 65535 || (tok[4][0] == '0' && tok[4][1]))
		return -1;
	dp = strtoul(tok[5], &end, 10);
	if (*end || dp > 65535 || (tok[5][0] == '0' && tok[5][1]))
		return -1;
	snprintf(t->info.proxied_ip, sizeof t->info.proxied_ip, "%s", tok[2]);
	t->info.proxied_port = (uint16_t)sp;
	inet_pton(af, tok[3], a);
	set_target_addr(t, af, a, (uint16_t)dp);
	return 0;
}

/* The v2 address block (b = header + block, len = bytes of the block in b). */
static void proxy_v2_addr(struct tunnel *t, const uint8_t *b, size_t len)
{
	uint8_t cmd = b[12] & 0x0f, fam = b[13];

	if (cmd != 1) /* LOCAL: a health check, the connection's own endpoints count */
		return;
	if (fam == 0x11 && len >= 12) {
		inet_ntop(AF_INET, b + 16, t->info.proxied_ip, sizeof t->info.proxied_ip);
		t->info.proxied_port = be16(b + 24);
		set_target_addr(t, AF_INET, b + 20, be16(b + 26));
	} else if (fam == 0x21 && len >= 36) {
		inet_ntop(AF_INET6, b + 16, t->info.proxied_ip, sizeof t->info.proxied_ip);
		t->info.proxied_port = be16(b + 48);
		set_target_addr(t, AF_INET6, b + 32, be16(b + 50));
	}
}

long tunnel_proxy_len(const uint8_t *p, size_t n)
{
	size_t i;

	if (n >= 1 && p[0] == 'P') {
		if (memcmp(p, "PROXY ", n < 6 ? n : 6) != 0)
			return -1;
		for (i = 0; i < n && i < 107; i++)
			if (p[i] == '\n')
				return i > 0 && p[i - 1] == '\r' ? (long)i + 1 : -1;
		return n >= 107 ? -1 : 0;
	}
	if (n >= 1 && p[0] == 0x0D) {
		if (memcmp(p, V2SIG, n < 12 ? n : 12) != 0)
			return -1;
		if (n < 16)
			return 0;
		if ((p[12] & 0xf0) != 0x20)
			return -1;
		return 16 + (long)be16(p + 14);
	}
	return -1;
}

/* ---- the client direction -------------------------------------------------- */

/* Which prelude buf[0..len) begins: a kind, TUNNEL_NONE when more bytes are
 * needed, or -1 when it begins none. */
static int client_kind(const uint8_t *b, size_t len)
{
	static const char connect[] = "CONNECT ", proxy[] = "PROXY ";

	if (b[0] == 'P')
		return memcmp(b, proxy, len < 6 ? len : 6) != 0 ? -1 : len >= 6 ? TUNNEL_PROXY_V1 : TUNNEL_NONE;
	if (b[0] == 'C')
		return memcmp(b, connect, len < 8 ? len : 8) != 0 ? -1 : len >= 8 ? TUNNEL_HTTP_CONNECT : TUNNEL_NONE;
	if (b[0] == 0x0D) {
		if (memcmp(b, V2SIG, len < 12 ? len : 12) != 0)
			return -1;
		if (len < 13)
			return TUNNEL_NONE;
		return (b[12] & 0xf0) == 0x20 ? TUNNEL_PROXY_V2 : -1;
	}
	if (b[0] == 0x04) {
		if (len < 2)
			return TUNNEL_NONE;
		return b[1] == 1 || b[1] == 2 ? TUNNEL_SOCKS4 : -1;
	}
	if (b[0] == 0x05) {
		if (len < 2)
			return TUNNEL_NONE;
		return b[1] >= 1 ? TUNNEL_SOCKS5 : -1;
	}
	return -1;
}

static void fail(struct tunnel *t, struct tunnel_dir *d, int client)
{
	t->info.status = TUNNEL_FAILED;
	d->st = client ? C_INNER : S_INNER;
}

/* Appends a byte to buf (the field being read); 1 when buf is full. */
static int keep(struct tunnel_dir *d, uint8_t c)
{
	if (d->len < TUNNEL_BUF_MAX)
		d->buf[d->len++] = c;
	return d->len >= TUNNEL_BUF_MAX;
}

/* Skips what is left of a field read by count; returns the bytes taken of avail. */
static size_t skip_some(struct tunnel_dir *d, size_t avail)
{
	size_t s = avail < d->skip ? avail : d->skip;

	d->skip -= (uint32_t)s;
	return s;
}

static void field(struct tunnel_dir *d, int st, uint32_t need)
{
	d->st = (uint8_t)st;
	d->len = 0;
	d->need = need;
}

static size_t client_feed(struct tunnel *t, const uint8_t *p, size_t n)
{
	struct tunnel_dir *d = &t->d[0];
	size_t i = 0;

	while (i < n) {
		uint8_t c = p[i];
		int k;

		switch (d->st) {
		case C_START:
			keep(d, c);
			i++;
			k = client_kind(d->buf, d->len);
			if (k < 0) {
				d->st = C_INNER;
				if (t->info.status == TUNNEL_UNDECIDED)
					t->info.status = TUNNEL_ABSENT;
				/* a prefix of a prelude that turned out to be none: the
				 * bytes of this chunk are the stream's own */
				return 0;
			}
			if (k == TUNNEL_NONE)
				break;
			t->info.kind = (uint8_t)k;
			t->info.status = TUNNEL_OPENING;
			switch (k) {
			case TUNNEL_PROXY_V1: d->st = C_PROXY1; break;
			case TUNNEL_PROXY_V2: d->st = C_PROXY2; d->need = 16; break;
			case TUNNEL_HTTP_CONNECT: d->st = C_HTTP_LINE; d->hdr = d->len; break;
			case TUNNEL_SOCKS4: d->st = C_S4; d->need = 8; break;
			default: d->st = C_S5_GREET; break;
			}
			if (d->st == C_S5_GREET) { /* version and count are read */
				d->skip = d->buf[1];
				d->st = C_S5_NEXT;
				d->aux = 1; /* methods to skip first */
			}
			break;
		case C_PROXY1:
			keep(d, c);
			i++;
			if (c == '\n') {
				if (d->len < 2 || d->buf[d->len - 2] != '\r' ||
				    proxy_v1_parse(t, d->buf, d->len - 2) < 0) {
					fail(t, d, 1);
					return i;
				}
				t->info.status = TUNNEL_OPEN;
				d->st = C_INNER;
				return i;
			}
			if (d->len >= 107) {
				fail(t, d, 1);
				return i;
			}
			break;
		case C_PROXY2:
			keep(d, c);
			i++;
			if (d->len == 16) {
				uint32_t blk = be16(d->buf + 14), take = blk < 36 ? blk : 36;
				if ((d->buf[12] & 0x0f) > 1) {
					fail(t, d, 1);
					return i;
				}
				d->need = take;
				d->skip = blk - take;
				d->st = C_PROXY2_ADDR;
				if (take == 0) {
					proxy_v2_addr(t, d->buf, 0);
					d->st = C_SKIP;
				}
			}
			break;
		case C_PROXY2_ADDR:
			keep(d, c);
			i++;
			if (--d->need == 0) {
				proxy_v2_addr(t, d->buf, (size_t)d->len - 16);
				d->st = C_SKIP;
			}
			break;
		case C_SKIP:
			if (d->skip) {
				i += skip_some(d, n - i);
				break;
			}
			if (t->info.status == TUNNEL_OPENING && t->info.kind != TUNNEL_SOCKS4 &&
			    t->info.kind != TUNNEL_SOCKS4A && t->info.kind != TUNNEL_SOCKS5)
				t->info.status = TUNNEL_OPEN; /* PROXY: nothing comes back */
			d->st = C_INNER;
			return i;
		case C_HTTP_LINE:
		case C_HTTP_HDR:
			i++;
			if (++d->hdr > TUNNEL_HTTP_HDR_MAX) {
				fail(t, d, 1);
				return i;
			}
			if (d->st == C_HTTP_LINE) {
				if (c == '\n') {
					/* "CONNECT host:port HTTP/1.x" */
					const uint8_t *a = d->buf + 8, *sp;
					size_t al = d->len > 8 ? d->len - 8 : 0;
					sp = memchr(a, ' ', al);
					set_target_text(t, a, sp ? (size_t)(sp - a) : al, -1);
					d->st = C_HTTP_HDR;
					d->need = 0; /* length of the current header line */
				} else if (c != '\r') {
					keep(d, c);
				}
				break;
			}
			if (c == '\n') {
				if (d->need == 0) {
					d->st = C_HTTP_AFTER;
					d->len = 0;
					return i;
				}
				d->need = 0;
			} else if (c != '\r') {
				d->need++;
			}
			break;
		case C_HTTP_AFTER:
			/* after a refused CONNECT the client may ask again */
			keep(d, c);
			if (memcmp(d->buf, "CONNECT ", d->len < 8 ? d->len : 8) != 0) {
				d->st = C_INNER;
				return i; /* these bytes are the inner stream */
			}
			i++;
			if (d->len == 8) {
				t->info.status = TUNNEL_OPENING;
				d->st = C_HTTP_LINE;
				d->hdr = 8;
			}
			break;
		case C_S4:
			keep(d, c);
			i++;
			if (d->len == 8) {
				const uint8_t *ip = d->buf + 4;
				d->aux = ip[0] == 0 && ip[1] == 0 && ip[2] == 0 && ip[3] != 0;
				if (d->aux)
					t->info.kind = TUNNEL_SOCKS4A;
				else
					set_target_addr(t, AF_INET, ip, be16(d->buf + 2));
				d->need = be16(d->buf + 2); /* the port, kept for the 4a name */
				d->st = C_S4_USER;
				d->hdr = 0;
			}
			break;
		case C_S4_USER:
			i++;
			if (c == 0) {
				if (!d->aux) {
					d->st = C_INNER;
					return i;
				}
				d->st = C_S4_HOST;
				d->len = 0;
			} else if (++d->hdr > 255) {
				fail(t, d, 1);
				return i;
			}
			break;
		case C_S4_HOST:
			i++;
			if (c == 0) {
				set_target_text(t, d->buf, d->len, (int)d->need);
				d->st = C_INNER;
				return i;
			}
			if (keep(d, c)) {
				fail(t, d, 1);
				return i;
			}
			break;
		case C_S5_NEXT:
			if (d->aux && d->skip) { /* the offered methods */
				i += skip_some(d, n - i);
				break;
			}
			d->aux = 0;
			if (c == 0x01) {
				field(d, C_S5_AUTH, 2);
			} else if (c == 0x05) {
				field(d, C_S5_REQ, 4);
			} else {
				fail(t, d, 1);
				return i;
			}
			break;
		case C_S5_AUTH: /* RFC 1929: the user name and password are skipped, never kept */
			keep(d, c);
			i++;
			if (d->len == 2) {
				d->skip = d->buf[1];
				d->st = C_S5_PLEN;
			}
			break;
		case C_S5_PLEN:
			if (d->skip) {
				i += skip_some(d, n - i);
				break;
			}
			i++;
			d->skip = c;
			d->st = C_S5_NEXT;
			d->aux = 1;
			break;
		case C_S5_REQ:
			keep(d, c);
			i++;
			if (d->len == 4) {
				d->aux = d->buf[3];
				d->len = 0;
				if (d->aux == 1)
					d->need = 6;
				else if (d->aux == 4)
					d->need = 18;
				else if (d->aux == 3) {
					d->st = C_S5_ALEN;
					break;
				} else {
					fail(t, d, 1);
					return i;
				}
				d->st = C_S5_ADDR;
			}
			break;
		case C_S5_ALEN:
			i++;
			if (c == 0) {
				fail(t, d, 1);
				return i;
			}
			d->need = (uint32_t)c + 2;
			d->st = C_S5_ADDR;
			break;
		case C_S5_ADDR:
			keep(d, c);
			i++;
			if (d->len == d->need) {
				uint16_t port = be16(d->buf + d->len - 2);
				if (d->aux == 1)
					set_target_addr(t, AF_INET, d->buf, port);
				else if (d->aux == 4)
					set_target_addr(t, AF_INET6, d->buf, port);
				else
					set_target_text(t, d->buf, d->len - 2, port);
				d->st = C_INNER;
				return i;
			}
			break;
		default: /* C_INNER */
			return i;
		}
	}
	return i;
}

/* ---- the server direction -------------------------------------------------- */

static void server_open(struct tunnel *t, struct tunnel_dir *d)
{
	d->st = S_INNER;
	if (t->info.status == TUNNEL_OPENING)
		t->info.status = TUNNEL_OPEN;
}

static size_t server_feed(struct tunnel *t, const uint8_t *p, size_t n)
{
	struct tunnel_dir *d = &t->d[1];
	size_t i = 0;

	while (i < n) {
		uint8_t c = p[i];

		switch (d->st) {
		case S_START:
						if (t->info.status != TUNNEL_OPENING && t->info.status != TUNNEL_FAILED) {
				d->st = S_INNER;
				return i;
			}
			switch (t->info.kind) {
			case TUNNEL_HTTP_CONNECT: field(d, S_HTTP_LINE, 0); d->hdr = 0; break;
			case TUNNEL_SOCKS4:
			case TUNNEL_SOCKS4A: field(d, S_S4, 8); break;
			case TUNNEL_SOCKS5: field(d, S_S5_CHOICE, 2); break;
			default: d->st = S_INNER; return i; /* PROXY: the server answers nothing */
			}
			break;
		case S_HTTP_LINE:
		case S_HTTP_HDR:
			i++;
			if (++d->hdr > TUNNEL_HTTP_HDR_MAX) {
				fail(t, d, 0);
				return i;
			}
			if (d->st == S_HTTP_LINE) {
				if (c == '\n') {
					/* "HTTP/1.x NNN reason" */
					d->aux = d->len >= 12 && memcmp(d->buf, "HTTP/", 5) == 0 &&
						 d->buf[9] == '2' && d->buf[10] >= '0' && d->buf[10] <= '9' &&
						 d->buf[11] >= '0' && d->buf[11] <= '9';
					if (d->len < 12 || memcmp(d->buf, "HTTP/", 5) != 0) {
						fail(t, d, 0);
						return i;
					}
					d->st = S_HTTP_HDR;
					d->need = 0;
				} else if (c != '\r') {
					keep(d, c);
				}
				break;
			}
			if (c == '\n') {
				if (d->need == 0) {
					if (d->aux) {
						server_open(t, d);
						return i;
					}
					/* refused (407, 403, 502 ...): the client may try again */
					t->info.refusals++;
					t->info.status = TUNNEL_FAILED;
					field(d, S_HTTP_LINE, 0);
					d->hdr = 0;
					break;
				}
				d->need = 0;
			} else if (c != '\r') {
				d->need++;
			}
			break;
		case S_S4:
			keep(d, c);
			i++;
			if (d->len == 8) {
				if (d->buf[0] != 0 || d->buf[1] != 0x5a) {
					fail(t, d, 0);
					return i;
				}
				server_open(t, d);
				return i;
			}
			break;
		case S_S5_CHOICE:
			keep(d, c);
			i++;
			if (d->len == 2) {
				if (d->buf[0] != 5 || d->buf[1] == 0xff) {
					fail(t, d, 0);
					return i;
				}
				field(d, d->buf[1] == 2 ? S_S5_AUTH : S_S5_REP, d->buf[1] == 2 ? 2 : 4);
			}
			break;
		case S_S5_AUTH:
			keep(d, c);
			i++;
			if (d->len == 2) {
				if (d->buf[1] != 0) {
					fail(t, d, 0);
					return i;
				}
				field(d, S_S5_REP, 4);
			}
			break;
		case S_S5_REP:
			keep(d, c);
			i++;
			if (d->len == 4) {
				uint8_t atyp = d->buf[3];
				if (d->buf[0] != 5 || d->buf[1] != 0) {
					fail(t, d, 0);
					return i;
				}
				d->len = 0;
				d->aux = atyp;
				if (atyp == 1)
					d->need = 6;
				else if (atyp == 4)
					d->need = 18;
				else if (atyp == 3)
					d->need = 0; /* the length byte comes first */
				else {
					fail(t, d, 0);
					return i;
				}
				d->st = S_S5_ADDR;
			}
			break;
		case S_S5_ADDR:
			i++;
			if (d->need == 0) { /* domain: its length */
				d->need = (uint32_t)c + 2;
				break;
			}
			if (--d->need == 0) {
				server_open(t, d);
				return i;
			}
			break;
		default: /* S_INNER */
			return i;
		}
	}
	return i;
}

int tunnel_done(const struct tunnel *t)
{
	if (t->info.status == TUNNEL_ABSENT)
		return 1;
	if (t->d[0].st != C_INNER)
		return 0;
	if (t->info.kind == TUNNEL_PROXY_V1 || t->info.kind == TUNNEL_PROXY_V2)
		return 1;
	return t->d[1].st == S_INNER;
}

size_t tunnel_feed(struct tunnel *t, int from_client, const uint8_t *p, size_t n)
{
	if (!n)
		return 0;
	if (from_client)
		return t->d[0].st == C_INNER ? 0 : client_feed(t, p, n);
	if (t->d[1].st == S_INNER)
		return 0;
	if (t->d[1].st == S_START && (t->info.status == TUNNEL_UNDECIDED || t->info.status == TUNNEL_ABSENT)) {
		/* the server spoke first: no client prelude can come any more
		 * (a PROXY header or a proxy request always comes first) */
		t->info.status = TUNNEL_ABSENT;
		t->d[0].st = C_INNER;
		t->d[1].st = S_INNER;
		return 0;
	}
	return server_feed(t, p, n);
}
