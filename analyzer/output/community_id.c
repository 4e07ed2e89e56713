/* \summary: Community ID v1 (see community_id.h); SHA-1 and base64 from
 * OpenSSL's libcrypto. */
#include "analyzer/output/community_id.h"

#include <arpa/inet.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

/* -1, 0, 1 as (a, pa) sorts before, equal to, after (b, pb). */
static int endpoint_cmp(const uint8_t *a, uint16_t pa, const uint8_t *b, uint16_t pb, size_t alen)
{
	int c = memcmp(a, b, alen);

	if (c)
		return c < 0 ? -1 : 1;
	return pa < pb ? -1 : pa > pb;
}

int community_id_v1(uint16_t seed, uint8_t proto, const uint8_t *saddr, const uint8_t *daddr, size_t alen,
		    uint16_t sport, uint16_t dport, char *out, size_t outlen)
{
	uint8_t buf[2 + 16 + 16 + 1 + 1 + 2 + 2], digest[SHA_DIGEST_LENGTH];
	const uint8_t *a1 = saddr, *a2 = daddr;
	uint16_t p1 = sport, p2 = dport;
	size_t n = 0;

	if ((alen != 4 && alen != 16) || outlen < COMMUNITY_ID_LEN)
		return -1;
	if (proto != 6 && proto != 17 && proto != 132)
		return -1;
	if (endpoint_cmp(saddr, sport, daddr, dport, alen) > 0) {
		a1 = daddr;
		a2 = saddr;
		p1 = dport;
		p2 = sport;
	}
	buf[n++] = (uint8_t)(seed >> 8);
	buf[n++] = (uint8_t)seed;
	memcpy(buf + n, a1, alen);
	n += alen;
	memcpy(buf + n, a2, alen);
	n += alen;
	buf[n++] = proto;
	buf[n++] = 0; /* padding */
	buf[n++] = (uint8_t)(p1 >> 8);
	buf[n++] = (uint8_t)p1;
	buf[n++] = (uint8_t)(p2 >> 8);
	buf[n++] = (uint8_t)p2;
	SHA1(buf, n, digest);
	memcpy(out, "1:", 2);
	/* 20 bytes give 28 base64 characters and the NUL */
	if (EVP_EncodeBlock((unsigned char *)out + 2, digest, sizeof digest) != 28)
		return -1;
	return 0;
}

static int parse_addr(const char *s, uint8_t a[16], size_t *alen)
{
	if (inet_pton(AF_INET, s, a) == 1) {
		*alen = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a) == 1) {
		*alen = 16;
		return 0;
	}
	return -1;
}

int community_id_v1_str(uint16_t seed, uint8_t proto, const char *saddr, uint16_t sport, const char *daddr,
			uint16_t dport, char *out, size_t outlen)
{
	uint8_t a[16], b[16];
	size_t la, lb;

	if (!saddr || !daddr || parse_addr(saddr, a, &la) < 0 || parse_addr(daddr, b, &lb) < 0 || la != lb)
		return -1;
	return community_id_v1(seed, proto, a, b, la, sport, dport, out, outlen);
}
