/* \summary: a session's transcript as two JSON arrays; see transcript.h.
 * JSON: RFC 8259 section 7 (strings). */
#include "analyzer/store/transcript.h"

#include <inttypes.h>
#include <stdio.h>
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

static void put_u64(struct jbuf *b, uint64_t v)
{
	char t[24];
	int k = snprintf(t, sizeof t, "%" PRIu64, v);

	put(b, t, (size_t)k);
}

/* A JSON string of z's bytes, or null. */
static void put_str(struct jbuf *b, const char *z)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)z;
	size_t n, i, run;

	if (!z) {
		put(b, "null", 4);
		return;
	}
	n = strlen(z);
	if (reserve(b, 2 + n) < 0)
		return;
	b->p[b->n++] = '"';
	for (i = 0; i < n; i = run) {
		for (run = i; run < n && s[run] >= 0x20 && s[run] != '"' && s[run] != '\\'; run++)
			;
		if (run > i)
			put(b, z + i, run - i);
		if (run < n) {
			char e[6] = { '\\', 'u', '0', '0', hex[s[run] >> 4], hex[s[run] & 15] };
			if (s[run] == '"' || s[run] == '\\') {
				e[1] = (char)s[run];
				put(b, e, 2);
			} else {
				put(b, e, 6);
			}
			run++;
		}
	}
	put(b, "\"", 1);
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
	char code[16];
	int i, k;

	begin(b);
	for (i = 0; i < n; i++) {
		elem_open(b, i, r[i].ts);
		k = snprintf(code, sizeof code, "%d,", r[i].code);
		put(b, code, (size_t)k);
		elem_strs(b, r[i].enhanced, r[i].text);
	}
	return end(b);
}
