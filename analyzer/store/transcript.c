/* \summary: a session's transcript as two JSON arrays; see transcript.h.
 * JSON: RFC 8259 section 7 (strings). */
#include "analyzer/store/transcript.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void jbuf_free(struct jbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

static int reserve(struct jbuf *b, size_t more)
{
	size_t c;
	char *q;

	if (b->oom)
		return -1;
	if (b->n + more + 1 <= b->cap)
		return 0;
	c = b->cap ? b->cap : 1024;
	while (c < b->n + more + 1)
		c *= 2;
	if (!(q = realloc(b->p, c))) {
		b->oom = 1;
		return -1;
	}
	b->p = q;
	b->cap = c;
	return 0;
}

static void put(struct jbuf *b, const char *s, size_t n)
{
	if (reserve(b, n) < 0)
		return;
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = 0;
}

/* Decimal digits of v at o (no NUL); their count.  What printf's %llu prints. */
static size_t fmt_u64(char *o, uint64_t v)
{
	char t[20];
	size_t k = 0, i;

	do {
		t[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < k; i++)
		o[i] = t[k - 1 - i];
	return k;
}

static void put_u64(struct jbuf *b, uint64_t v)
{
	if (reserve(b, 20) < 0)
		return;
	b->n += fmt_u64(b->p + b->n, v);
	b->p[b->n] = 0;
}

/* What printf's %d prints. */
static void put_int(struct jbuf *b, int v)
{
	if (reserve(b, 21) < 0)
		return;
	if (v < 0)
		b->p[b->n++] = '-';
	b->n += fmt_u64(b->p + b->n, v < 0 ? (uint64_t)(-(int64_t)v) : (uint64_t)v);
	b->p[b->n] = 0;
}

#define ONES  0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* Nonzero when a byte of w is 0. */
static uint64_t has_zero(uint64_t w)
{
	return (w - ONES) & ~w & HIGHS;
}

/* A JSON string of z's bytes, or null: one reservation for the worst case
 * (every byte escaped as \u00XX), then one pass. */
static void put_str(struct jbuf *b, const char *z)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)z;
	size_t n, i;
	char *o;

	if (!z) {
		put(b, "null", 4);
		return;
	}
	n = strlen(z);
	if (n > (SIZE_MAX - 3) / 6 || reserve(b, 2 + 6 * n) < 0) {
		b->oom = 1;
		return;
	}
	o = b->p + b->n;
	*o++ = '"';
	for (i = 0; i < n; i++) {
		unsigned char c;
		uint64_t w;
		/* eight bytes at a time while none needs escaping (no byte below
		 * 0x20, no '"', no '\\': the exact has-zero/has-less tests) */
		while (n - i >= 8) {
			memcpy(&w, s + i, 8);
			if (((w - ONES * 0x20) & ~w & HIGHS) | has_zero(w ^ (ONES * '"')) |
			    has_zero(w ^ (ONES * '\\')))
				break;
			memcpy(o, s + i, 8);
			o += 8;
			i += 8;
		}
		if (i >= n)
			break;
		c = s[i];
		if (c >= 0x20 && c != '"' && c != '\\') {
			*o++ = (char)c;
		} else if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
		} else {
			*o++ = '\\';
			*o++ = 'u';
			*o++ = '0';
			*o++ = '0';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o++ = '"';
	*o = 0;
	b->n = (size_t)(o - b->p);
}

/* Starts the text over with "[". */
static void begin(struct jbuf *b)
{
	b->n = 0;
	b->oom = 0;
	put(b, "[", 1);
}

/* Element i's opening: "[ts," (with the comma before it after the first). */
static void elem_open(struct jbuf *b, int i, uint64_t ts)
{
	put(b, i ? ",[" : "[", i ? 2 : 1);
	put_u64(b, ts);
	put(b, ",", 1);
}

/* The element's last two fields, two strings (or nulls), and its "]". */
static void elem_strs(struct jbuf *b, const char *x, const char *y)
{
	put_str(b, x);
	put(b, ",", 1);
	put_str(b, y);
	put(b, "]", 1);
}

static int end(struct jbuf *b)
{
	put(b, "]", 1);
	return b->oom ? -1 : 0;
}

int transcript_commands_json(struct jbuf *b, const struct smtp_command *c, int n)
{
	int i;

	begin(b);
	for (i = 0; i < n; i++) {
		elem_open(b, i, c[i].ts);
		elem_strs(b, c[i].verb ? c[i].verb : "", c[i].arg);
	}
	return end(b);
}

int transcript_replies_json(struct jbuf *b, const struct smtp_reply *r, int n)
{
	int i;

	begin(b);
	for (i = 0; i < n; i++) {
		elem_open(b, i, r[i].ts);
		put_int(b, r[i].code);
		put(b, ",", 1);
		elem_strs(b, r[i].enhanced, r[i].text);
	}
	return end(b);
}
