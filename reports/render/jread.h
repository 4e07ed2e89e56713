/* \summary: reading our own evidence JSON (written by reports/analysis/ and
 * checked by json_valid()) for the renderers: member lookup, array walk,
 * string decoding.  Every reader stops at the span's end and at malformed
 * input (it returns NULL / 0): it never reads past what it is given. */
#ifndef SMTPSCOPE_RENDER_JREAD_H
#define SMTPSCOPE_RENDER_JREAD_H

#include <stddef.h>

struct jspan {
	const char *p;   /* first byte of a value; NULL: absent */
	size_t n;        /* its bytes */
};

/* The value of member key of the object v (top level only). */
struct jspan jr_get(struct jspan v, const char *key);
/* Iterates an array or an object: *it starts at {0}; each call gives the
 * next element (and its key span for objects, when key != NULL); 0 at the end. */
struct jiter { const char *at; };
int jr_next(struct jspan v, struct jiter *it, struct jspan *key, struct jspan *val);
/* 's' string, 'n' number, 't' true, 'f' false, 'z' null, 'o' object, 'a' array, 0 absent. */
int jr_type(struct jspan v);
double jr_num(struct jspan v, double dflt);
int jr_true(struct jspan v);
/* Decodes a string value into buf (UTF-8, NUL-terminated, cut at n-1 bytes);
 * returns its decoded length (as cut), or -1 when v is not a string. */
long jr_str(struct jspan v, char *buf, size_t n);

#endif
