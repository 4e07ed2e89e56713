/* \summary: bounded readers over untrusted bytes (tcpdump's GET_ macros, without longjmp).
 *
 * Packet bytes are never cast to a struct.  A cursor's end comes from the
 * captured length (caplen), never from a length field inside the packet.
 * Every reader returns 0 on success and -1, leaving the cursor unchanged,
 * when fewer bytes remain than it needs. */
#ifndef SMTPSCOPE_BYTES_H
#define SMTPSCOPE_BYTES_H

#include <stddef.h>
#include <stdint.h>

struct cursor {
	const uint8_t *p;   /* next byte to read */
	const uint8_t *end; /* one past the last captured byte */
};

/* A view into someone else's buffer, valid only during the call it is handed to. */
struct span {
	const uint8_t *p;
	size_t n;
};

static inline struct cursor cursor_make(const uint8_t *p, size_t n)
{
	struct cursor c = { p, p + n };
	return c;
}

static inline size_t cursor_left(const struct cursor *c)
{
	return (size_t)(c->end - c->p);
}

static inline int rd_skip(struct cursor *c, size_t n)
{
	if (cursor_left(c) < n)
		return -1;
	c->p += n;
	return 0;
}

static inline int rd_u8(struct cursor *c, uint8_t *v)
{
	if (cursor_left(c) < 1)
		return -1;
	*v = c->p[0];
	c->p += 1;
	return 0;
}

static inline int rd_be16(struct cursor *c, uint16_t *v)
{
	if (cursor_left(c) < 2)
		return -1;
	*v = (uint16_t)(c->p[0] << 8 | c->p[1]);
	c->p += 2;
	return 0;
}

static inline int rd_le16(struct cursor *c, uint16_t *v)
{
	if (cursor_left(c) < 2)
		return -1;
	*v = (uint16_t)(c->p[1] << 8 | c->p[0]);
	c->p += 2;
	return 0;
}

static inline int rd_be32(struct cursor *c, uint32_t *v)
{
	if (cursor_left(c) < 4)
		return -1;
	*v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 |
	     (uint32_t)c->p[2] << 8 | (uint32_t)c->p[3];
	c->p += 4;
	return 0;
}

static inline int rd_le32(struct cursor *c, uint32_t *v)
{
	if (cursor_left(c) < 4)
		return -1;
	*v = (uint32_t)c->p[3] << 24 | (uint32_t)c->p[2] << 16 |
	     (uint32_t)c->p[1] << 8 | (uint32_t)c->p[0];
	c->p += 4;
	return 0;
}

static inline int rd_bytes(struct cursor *c, size_t n, const uint8_t **out)
{
	if (cursor_left(c) < n)
		return -1;
	*out = c->p;
	c->p += n;
	return 0;
}

#endif
