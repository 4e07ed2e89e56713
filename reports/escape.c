/* \summary: escaping writers for HTML, JSON (RFC 8259), CSV (RFC 4180) and
 * terminal text; UTF-8 decoding per RFC 3629 section 4.  See escape.h. */
#include "reports/escape.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* Decodes one UTF-8 sequence at p[0..n).  Returns its length (1..4) with the
 * code point in *cp, or 0 when p[0] does not start a valid sequence
 * (RFC 3629 4: no overlong forms, no surrogates, nothing above U+10FFFF). */
static size_t utf8_decode(const unsigned char *p, size_t n, uint32_t *cp)
{
	uint32_t c = p[0], min;
	size_t len, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2; c &= 0x1F; min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3; c &= 0x0F; min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4; c &= 0x07; min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

/* C0, DEL and C1 controls: never written as they are. */
static int is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

/* Bidirectional embeddings, overrides and isolates (the "Trojan Source"
 * characters): they reorder what a terminal shows. */
static int is_bidi(uint32_t cp)
{
	return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
	       cp == 0x200E || cp == 0x200F;
}

static size_t effective_cap(size_t cap)
{
	return cap ? cap : ESC_CAP_DETAIL;
}

/* One step of a walk over s: the next unit is either a valid code point
 * (ok = 1, bytes p[0..n)) or one invalid byte (ok = 0, n = 1). */
struct unit {
	const unsigned char *p;
	size_t n;
	uint32_t cp;
	int ok;
};

static int next_unit(const unsigned char *s, size_t len, size_t *pos, struct unit *u)
{
	size_t n;

	if (*pos >= len)
		return 0;
	u->p = s + *pos;
	n = utf8_decode(u->p, len - *pos, &u->cp);
	u->ok = n != 0;
	u->n = n ? n : 1;
	*pos += u->n;
	return 1;
}

void esc_html(FILE *f, const char *s, size_t len, size_t cap)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t pos = 0, chars = 0;
	struct unit u;

	if (!s)
		return;
	cap = effective_cap(cap);
	while (next_unit(p, len, &pos, &u)) {
		if (chars++ == cap) {
			fputs("&hellip;", f);
			return;
		}
		if (!u.ok) {
			fputs("&#xFFFD;", f);
			continue;
		}
		switch (u.cp) {
		case '&': fputs("&amp;", f); continue;
		case '<': fputs("&lt;", f); continue;
		case '>': fputs("&gt;", f); continue;
		case '"': fputs("&quot;", f); continue;
		case '\'': fputs("&#39;", f); continue;
		case '\n': fputc('\n', f); continue;  /* kept: <pre> blocks show lines */
		case '\t': fputc(' ', f); continue;
		default: break;
		}
		if (is_control(u.cp))
			fputs("&#xFFFD;", f);
		else
			fwrite(u.p, 1, u.n, f);
	}
}

void html_puts_escaped(FILE *f, const char *s, size_t len)
{
	esc_html(f, s, len, ESC_CAP_DETAIL);
}

void esc_json_str(FILE *f, const char *s, size_t len, size_t cap)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t pos = 0, chars = 0;
	struct unit u;

	if (!s) {
		fputs("null", f);
		return;
	}
	cap = effective_cap(cap);
	fputc('"', f);
	while (next_unit(p, len, &pos, &u)) {
		if (chars++ == cap) {
			fputs("\\u2026", f);
			break;
		}
		if (!u.ok) {
			fputs("\\ufffd", f);
			continue;
		}
		switch (u.cp) {
		case '"': fputs("\\\"", f); continue;
		case '\\': fputs("\\\\", f); continue;
		case '\n': fputs("\\n", f); continue;
		case '\r': fputs("\\r", f); continue;
		case '\t': fputs("\\t", f); continue;
		case '<': fputs("\\u003c", f); continue; /* safe inside a <script> too */
		default: break;
		}
		if (is_control(u.cp) || u.cp == 0x2028 || u.cp == 0x2029)
			fprintf(f, "\\u%04x", (unsigned)u.cp);
		else
			fwrite(u.p, 1, u.n, f);
	}
	fputc('"', f);
}

int csv_needs_guard(const char *s, size_t len)
{
	return s && len > 0 && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' ||
				s[0] == '\t' || s[0] == '\r');
}

void esc_csv_field(FILE *f, const char *s, size_t len, size_t cap)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t pos = 0, chars = 0;
	struct unit u;

	if (!s)
		return;
	cap = effective_cap(cap);
	fputc('"', f);
	if (csv_needs_guard(s, len))
		fputc('\'', f);
	while (next_unit(p, len, &pos, &u)) {
		if (chars++ == cap) {
			fputs("...", f);
			break;
		}
		if (!u.ok) {
			fputc('?', f);
			continue;
		}
		if (u.cp == '"')
			fputs("\"\"", f);
		else if (u.cp == '\n' || u.cp == '\r' || u.cp == '\t')
			fputc(' ', f);
		else if (is_control(u.cp))
			fputc('?', f);
		else
			fwrite(u.p, 1, u.n, f);
	}
	fputc('"', f);
}

/* Writes (f != NULL) or measures the text form; returns the columns. */
static size_t text_walk(FILE *f, const char *s, size_t len, size_t cap)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t pos = 0, chars = 0, cols = 0;
	struct unit u;

	if (!s) {
		if (f)
			fputc('-', f);
		return 1;
	}
	cap = effective_cap(cap);
	while (next_unit(p, len, &pos, &u)) {
		if (chars++ == cap) {
			if (f)
				fputs("...", f);
			return cols + 3;
		}
		if (!u.ok || (u.cp < 0x80 && is_control(u.cp) && u.cp != '\n' && u.cp != '\r' &&
			      u.cp != '\t')) {
			if (f)
				fprintf(f, "\\x%02x", u.p[0]);
			cols += 4;
		} else if (u.cp == '\n' || u.cp == '\r' || u.cp == '\t') {
			if (f)
				fputc(' ', f);
			cols++;
		} else if (is_control(u.cp) || is_bidi(u.cp)) {
			if (f)
				fputc('?', f);
			cols++;
		} else {
			if (f)
				fwrite(u.p, 1, u.n, f);
			cols++;
		}
	}
	return cols;
}

void esc_text(FILE *f, const char *s, size_t len, size_t cap)
{
	text_walk(f, s, len, cap);
}

size_t esc_text_width(const char *s, size_t len, size_t cap)
{
	return text_walk(NULL, s, len, cap);
}

/* ---- JSON writer ---------------------------------------------------------- */
void jw_init(struct jw *w, FILE *f)
{
	memset(w, 0, sizeof *w);
	w->f = f;
	w->cap = ESC_CAP_LIST;
}

/* Before any value: the comma between items, unless it follows a key. */
static void jw_value(struct jw *w)
{
	int d = w->depth < JW_DEPTH_MAX ? w->depth : JW_DEPTH_MAX - 1;

	if (w->after_key) {
		w->after_key = 0;
		return;
	}
	if (w->has_items[d])
		fputc(',', w->f);
	w->has_items[d] = 1;
}

static void jw_open(struct jw *w, int c)
{
	jw_value(w);
	fputc(c, w->f);
	w->depth++;
	if (w->depth < JW_DEPTH_MAX)
		w->has_items[w->depth] = 0;
}

static void jw_close(struct jw *w, int c)
{
	if (w->depth > 0)
		w->depth--;
	w->after_key = 0;
	fputc(c, w->f);
}

void jw_obj(struct jw *w) { jw_open(w, '{'); }
void jw_obj_end(struct jw *w) { jw_close(w, '}'); }
void jw_arr(struct jw *w) { jw_open(w, '['); }
void jw_arr_end(struct jw *w) { jw_close(w, ']'); }

void jw_key(struct jw *w, const char *key)
{
	jw_value(w);
	esc_json_str(w->f, key, strlen(key), ESC_CAP_LIST);
	fputc(':', w->f);
	w->after_key = 1;
}

void jw_strn(struct jw *w, const char *s, size_t len)
{
	jw_value(w);
	esc_json_str(w->f, s, len, w->cap);
}

void jw_str(struct jw *w, const char *s)
{
	jw_strn(w, s, s ? strlen(s) : 0);
}

void jw_int(struct jw *w, long long v)
{
	jw_value(w);
	fprintf(w->f, "%lld", v);
}

void jw_num(struct jw *w, double v)
{
	jw_value(w);
	if (isfinite(v))
		fprintf(w->f, "%.16g", v);
	else
		fputs("null", w->f);
}

void jw_null(struct jw *w)
{
	jw_value(w);
	fputs("null", w->f);
}

void jw_bool(struct jw *w, int v)
{
	jw_value(w);
	fputs(v ? "true" : "false", w->f);
}

void jw_raw(struct jw *w, const char *json)
{
	jw_value(w);
	fputs(json ? json : "null", w->f);
}
