/* \summary: reading our own evidence JSON (reports/render/jread.h). */
#include "reports/render/jread.h"

#include <stdlib.h>
#include <string.h>

#define JR_DEPTH_MAX 64

static const char *ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
		p++;
	return p;
}

/* The end of the string starting at p (the opening quote), or NULL. */
static const char *str_end(const char *p, const char *e)
{
	for (p++; p < e; p++) {
		if (*p == '\\')
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return NULL;
}

/* The end of the value starting at p, or NULL. */
static const char *skip(const char *p, const char *e)
{
	int depth = 0;

	p = ws(p, e);
	if (p >= e)
		return NULL;
	if (*p == '"')
		return str_end(p, e);
	if (*p != '{' && *p != '[') {
		while (p < e && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n')
			p++;
		return p;
	}
	for (; p < e; p++) {
		if (*p == '"') {
			if (!(p = str_end(p, e)))
				return NULL;
			p--;
		} else if (*p == '{' || *p == '[') {
			if (++depth > JR_DEPTH_MAX)
				return NULL;
		} else if (*p == '}' || *p == ']') {
			if (--depth == 0)
				return p + 1;
		}
	}
	return NULL;
}

int jr_type(struct jspan v)
{
	const char *p;

	if (!v.p || v.n == 0)
		return 0;
	p = ws(v.p, v.p + v.n);
	if (p >= v.p + v.n)
		return 0;
	switch (*p) {
	case '"': return 's';
	case '{': return 'o';
	case '[': return 'a';
	case 't': return 't';
	case 'f': return 'f';
	case 'n': return 'z';
	default: return 'n';
	}
}

int jr_next(struct jspan v, struct jiter *it, struct jspan *key, struct jspan *val)
{
	const char *e = v.p + v.n, *p, *q;
	int obj = jr_type(v) == 'o';

	if (!obj && jr_type(v) != 'a')
		return 0;
	p = it->at ? it->at : ws(v.p, e) + 1;
	p = ws(p, e);
	if (p < e && *p == ',')
		p = ws(p + 1, e);
	if (p >= e || *p == '}' || *p == ']')
		return 0;
	if (obj) {
		if (*p != '"' || !(q = str_end(p, e)))
			return 0;
		if (key) {
			key->p = p;
			key->n = (size_t)(q - p);
		}
		p = ws(q, e);
		if (p >= e || *p != ':')
			return 0;
		p = ws(p + 1, e);
	}
	if (!(q = skip(p, e)))
		return 0;
	val->p = p;
	val->n = (size_t)(q - p);
	it->at = q;
	return 1;
}

struct jspan jr_get(struct jspan v, const char *key)
{
	struct jiter it = { 0 };
	struct jspan k, val, none = { NULL, 0 };
	size_t kl = strlen(key);

	while (jr_next(v, &it, &k, &val))
		if (k.n == kl + 2 && memcmp(k.p + 1, key, kl) == 0)
			return val;
	return none;
}

double jr_num(struct jspan v, double dflt)
{
	char buf[64], *end;
	double d;

	if (jr_type(v) != 'n' || v.n >= sizeof buf)
		return dflt;
	memcpy(buf, v.p, v.n);
	buf[v.n] = '\0';
	d = strtod(buf, &end);
	return end == buf ? dflt : d;
}

int jr_true(struct jspan v)
{
	return jr_type(v) == 't';
}

static int hex4(const char *p, const char *e, unsigned *v)
{
	int i;

	*v = 0;
	if (e - p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		char c = p[i];
		*v <<= 4;
		if (c >= '0' && c <= '9') *v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f') *v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F') *v |= (unsigned)(c - 'A' + 10);
		else return -1;
	}
	return 0;
}

static size_t put_utf8(char *o, unsigned c)
{
	if (c < 0x80) { o[0] = (char)c; return 1; }
	if (c < 0x800) { o[0] = (char)(0xc0 | c >> 6); o[1] = (char)(0x80 | (c & 0x3f)); return 2; }
	if (c < 0x10000) {
		o[0] = (char)(0xe0 | c >> 12); o[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		o[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | c >> 18); o[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((c >> 6) & 0x3f)); o[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

long jr_str(struct jspan v, char *buf, size_t n)
{
	const char *p, *e;
	size_t o = 0;

	if (jr_type(v) != 's' || n == 0)
		return -1;
	p = ws(v.p, v.p + v.n) + 1;
	e = v.p + v.n;
	while (p < e && *p != '"' && o + 1 < n) {
		if (*p != '\\') {
			buf[o++] = *p++;
			continue;
		}
		if (++p >= e)
			break;
		switch (*p) {
		case 'n': buf[o++] = '\n'; p++; break;
		case 't': buf[o++] = '\t'; p++; break;
		case 'r': buf[o++] = '\r'; p++; break;
		case 'b': buf[o++] = '\b'; p++; break;
		case 'f': buf[o++] = '\f'; p++; break;
		case 'u': {
			unsigned c, lo;
			if (hex4(p + 1, e, &c) < 0)
				goto out;
			p += 5;
			if (c >= 0xd800 && c < 0xdc00 && e - p >= 6 && p[0] == '\\' && p[1] == 'u' &&
			    hex4(p + 2, e, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
				c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
				p += 6;
			} else if (c >= 0xd800 && c < 0xe000) {
				c = 0xfffd;
			}
			if (o + (c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4) >= n)
				goto out; /* no room for the whole character */
			o += put_utf8(buf + o, c);
			break;
		}
		default: buf[o++] = *p++; break;
		}
	}
out:
	buf[o] = '\0';
	return (long)o;
}
