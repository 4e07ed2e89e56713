/* \summary: the single output point for captured text, one writer per format.
 *
 * Every string that came from the database came off the wire: it may hold
 * markup, quotes, control bytes (ESC), invalid UTF-8 and be kilobytes long.
 * Each writer below
 *   - decodes UTF-8 strictly (no overlongs, no surrogates, nothing past
 *     U+10FFFF); an invalid byte is replaced (U+FFFD, or \xNN in text),
 *   - replaces control bytes (C0, DEL and the C1 range U+0080..U+009F),
 *   - shortens the string to `cap` characters with an ellipsis marker
 *     (ESC_CAP_LIST in tables and lists, ESC_CAP_DETAIL in detail views;
 *     cap 0 means ESC_CAP_DETAIL),
 *   - and escapes what the format needs.
 * s may be NULL (written as nothing, JSON null, or an empty CSV field); len is
 * the byte length (NUL bytes inside are data, and are replaced). */
#ifndef SMTPSCOPE_ESCAPE_H
#define SMTPSCOPE_ESCAPE_H

#include <stdio.h>
#include <stddef.h>

#define ESC_CAP_LIST   200   /* characters of one string in a table row or list */
#define ESC_CAP_DETAIL 1000  /* characters of one string in a detail view */

/* HTML text or attribute value: & < > " ' become entities. */
void esc_html(FILE *f, const char *s, size_t len, size_t cap);
/* The same with cap ESC_CAP_DETAIL (the name the style guide uses). */
void html_puts_escaped(FILE *f, const char *s, size_t len);

/* A JSON string value with its quotes (RFC 8259): " \ and controls escaped,
 * U+2028/U+2029 escaped too; NULL gives `null`. */
void esc_json_str(FILE *f, const char *s, size_t len, size_t cap);

/* One CSV field (RFC 4180): always quoted, " doubled.  CR, LF and TAB become
 * spaces (one record per line), other controls '?'.  A field starting with
 * = + - @ gets a leading ' so spreadsheets do not run it as a formula.
 * NULL gives an empty unquoted field. */
void esc_csv_field(FILE *f, const char *s, size_t len, size_t cap);

/* The CSV formula-injection policy, decided once (OWASP "CSV injection"):
 * a field that starts with = + - @ (or TAB or CR, which some spreadsheets
 * skip before them) would run as a formula, so every CSV writer (here and
 * reports/export.c) puts a ' before it.  1 when s needs it. */
int csv_needs_guard(const char *s, size_t len);

/* Terminal-safe text: control bytes (ESC included), DEL, C1 controls,
 * invalid UTF-8 and bidirectional overrides become \xNN (or ? for code
 * points); CR/LF/TAB become spaces.  Ellipsis "...". NULL gives "-". */
void esc_text(FILE *f, const char *s, size_t len, size_t cap);

/* The number of terminal columns esc_text() would write (for alignment). */
size_t esc_text_width(const char *s, size_t len, size_t cap);


/* ---- a small JSON writer on top of esc_json_str ---------------------------
 * Keeps the commas right; nesting deeper than JW_DEPTH_MAX is written flat
 * (never overflows).  Strings go through esc_json_str with the writer's cap. */
#define JW_DEPTH_MAX 32

struct jw {
	FILE *f;
	int depth;
	int after_key;                       /* a key was written, the value comes next */
	unsigned char has_items[JW_DEPTH_MAX];
	size_t cap;                          /* string cap, ESC_CAP_LIST by default */
};

void jw_init(struct jw *w, FILE *f);
void jw_obj(struct jw *w);
void jw_obj_end(struct jw *w);
void jw_arr(struct jw *w);
void jw_arr_end(struct jw *w);
void jw_key(struct jw *w, const char *key);
void jw_str(struct jw *w, const char *s);             /* NUL-terminated; NULL -> null */
void jw_strn(struct jw *w, const char *s, size_t len); /* NULL -> null */
void jw_int(struct jw *w, long long v);
void jw_num(struct jw *w, double v);                  /* NaN/inf -> null */
void jw_null(struct jw *w);
void jw_bool(struct jw *w, int v);
/* Writes already-valid JSON text (our own evidence objects) as one value. */
void jw_raw(struct jw *w, const char *json);

#endif
