/* \summary: the message of a mail transaction: RFC 5322 headers (2.2.3
 * unfolding), MIME multipart (RFC 2045 5.1, RFC 2046 5.1.1 boundaries),
 * delivery-status reports (RFC 3462 multipart/report, RFC 3464 2.2/2.3
 * per-message and per-recipient fields) and Exchange 2000/2003 NDR text with
 * its "<host #x.y.z>" marker (Microsoft KB 301401 shows the 4.4.7 one).
 * See message.h for the contract.
 *
 * Shape: bytes are cut into lines (memchr for LF, a bounded line buffer), and
 * every decision is made per line, so the result does not depend on how the
 * bytes were split across msg_feed() calls.  Lines longer than MSG_LINE_MAX
 * are cut and the rest is dropped up to LF.
 *
 *   PH_HEADERS  top-level header block, at most SMTP_HEADER_BLOCK_MAX bytes
 *   PH_BODY     only for a DSN candidate: body lines, at most SMTP_DSN_SCAN_MAX
 *   PH_SKIP     everything else: msg_feed() only adds to size
 *   PH_DONE     after msg_end()
 *
 * Inside PH_BODY a small MIME walker follows up to MSG_MIME_DEPTH nested
 * multiparts.  text parts (and a non-multipart body) are scanned for NDR
 * wording and markers; message/delivery-status parts are read as RFC 3464
 * field groups.  The two sources are merged in finish() (see merge()). */
#include "dissectors/message.h"
#include "dissectors/text.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/base/carray.h"
#include "analyzer/base/limits.h"

/* MSG_LINE_MAX, MSG_UNFOLD_MAX, MSG_MIME_DEPTH, MSG_BOUNDARY_MAX and
 * MSG_CTYPE_MAX are in limits.h; hitting one sets a bit of caps_hit
 * (msg_caps_hit()), which the SMTP dissector records as an anomaly. */

enum msg_phase { PH_HEADERS, PH_BODY, PH_SKIP, PH_DONE };

enum part_state {
	PS_TEXT,       /* text lines: scanned for NDR wording and <host #x.y.z> */
	PS_IGNORE,     /* preamble, epilogue, or a part we do not read */
	PS_PART_HDRS,  /* the header block of a MIME body part */
	PS_DSN,        /* a message/delivery-status part: RFC 3464 field groups */
};

/* A growing array of report recipients, capped at DSN_RCPT_MAX. */
struct dsn_list {
	struct smtp_dsn_recipient *a; /* owned, every string owned (malloc) */
	int n, cap;
};

/* A bounded NUL-terminated text buffer (no allocation). */
struct fbuf {
	char s[SMTP_FIELD_MAX + 1];
	size_t n;
};

struct msg_parser {
	enum msg_phase phase;
	int dead;                 /* out of memory: msg_feed returns -1 from then on */
	int null_sender;
	int candidate;            /* the body is scanned for reports */
	uint64_t size;            /* every byte fed */
	size_t hdr_bytes;         /* bytes of the header block examined */
	size_t body_bytes;        /* bytes of the body scanned */
	int header_cap, dsn_cap;
	unsigned caps_hit;        /* MSG_CAP_* bits */

	/* line assembly (the line itself is at the end) */
	size_t line_len;          /* bytes kept in line */
	size_t line_bytes;        /* bytes of the current line seen, kept or not */
	int discard;              /* drop bytes up to the next LF, then resume */

	/* the header field being unfolded (top headers, part headers, DSN fields;
	 * the text itself is at the end) */
	size_t field_len;         /* 0: no field open */

	/* top-level headers: owned (malloc), NULL when not seen */
	char *hdr_from, *hdr_to, *subject, *date, *message_id, *content_type;
	int is_dsn;

	/* MIME walker */
	enum part_state ps;
	char boundary[MSG_MIME_DEPTH][MSG_BOUNDARY_MAX + 1];
	size_t boundary_len[MSG_MIME_DEPTH];
	int depth;                /* boundaries in use */
	char part_type[MSG_CTYPE_MAX + 1];          /* Content-Type of the part being opened */
	char part_boundary[MSG_BOUNDARY_MAX + 1];   /* its boundary parameter, "" if none */
	int part_dsn;             /* it is multipart/report; report-type=delivery-status */

	/* message/delivery-status: per-message fields and the open recipient group */
	struct fbuf rmta;         /* Reporting-MTA name */
	struct fbuf g_final, g_orig, g_action, g_status, g_diag;
	struct dsn_list dsn;      /* one per per-recipient group */

	/* Exchange NDR text */
	struct fbuf ndr_rcpt;     /* the last recipient line's address */
	struct fbuf ndr_diag;     /* text lines since the recipient line or a blank line */
	struct dsn_list ndr;      /* one per <host #x.y.z> marker */

	int finished;             /* finish() ran */

	/* Last, and not zeroed by msg_new() (8 KB of a mail's 10 KB parser):
	 * only ever read below line_len / field_len, which start at 0. */
	char line[MSG_LINE_MAX + 1];
	char field[MSG_UNFOLD_MAX + 1];
};

/* ---- small helpers ------------------------------------------------------ */

static int is_wsp(int c)
{
	return c == ' ' || c == '\t';
}

static int ci_eq(const char *a, size_t an, const char *b)
{
	return an == strlen(b) && strncasecmp(a, b, an) == 0;
}

static int ci_prefix(const char *a, size_t an, const char *prefix)
{
	size_t m = strlen(prefix);
	return an >= m && strncasecmp(a, prefix, m) == 0;
}

static void trim(const char **p, size_t *n)
{
	while (*n > 0 && is_wsp((unsigned char)**p)) {
		(*p)++;
		(*n)--;
	}
	while (*n > 0 && (is_wsp((unsigned char)(*p)[*n - 1]) || (*p)[*n - 1] == '\r'))
		(*n)--;
}

/* Copies p[0..n) into b, cut at SMTP_FIELD_MAX (NUL bytes: text_copy_wire()). */
static void fbuf_set(struct fbuf *b, const char *p, size_t n)
{
	b->n = text_copy_wire(b->s, p, n < SMTP_FIELD_MAX ? n : SMTP_FIELD_MAX);
}

/* Appends sep (when b is not empty) and p[0..n), cut at SMTP_FIELD_MAX. */
static void fbuf_append(struct fbuf *b, char sep, const char *p, size_t n)
{
	if (b->n > 0 && b->n < SMTP_FIELD_MAX)
		b->s[b->n++] = sep;
	if (n > SMTP_FIELD_MAX - b->n)
		n = SMTP_FIELD_MAX - b->n;
	b->n += text_copy_wire(b->s + b->n, p, n);
}

/* A malloc'd copy of p[0..n), cut at SMTP_FIELD_MAX (NUL bytes:
 * text_copy_wire()).  NULL and mp->dead set on out-of-memory. */
static char *dup_field(struct msg_parser *mp, const char *p, size_t n)
{
	char *s;

	if (n > SMTP_FIELD_MAX)
		n = SMTP_FIELD_MAX;
	if (!(s = malloc(n + 1))) {
		mp->dead = 1;
		return NULL;
	}
	text_copy_wire(s, p, n);
	return s;
}

/* "type; value" -> "value" (RFC 3464 2.1.2 address-type / mta-name-type /
 * diagnostic-type).  Without ';' the value is returned whole. */
static void strip_type(const char **p, size_t *n)
{
	const char *semi = memchr(*p, ';', *n);

	if (semi) {
		*n -= (size_t)(semi + 1 - *p);
		*p = semi + 1;
	}
	trim(p, n);
}

static void strip_angles(const char **p, size_t *n)
{
	if (*n >= 2 && (*p)[0] == '<' && (*p)[*n - 1] == '>') {
		(*p)++;
		*n -= 2;
		trim(p, n);
	}
}

static void rcpt_clear(struct smtp_dsn_recipient *r)
{
	free(r->final_recipient);
	free(r->action);
	free(r->status);
	free(r->reporting_mta);
	free(r->diagnostic);
	memset(r, 0, sizeof *r);
}

static void list_free(struct dsn_list *l)
{
	int i;

	for (i = 0; i < l->n; i++)
		rcpt_clear(&l->a[i]);
	free(l->a);
	memset(l, 0, sizeof *l);
}

/* A new zeroed slot at the end of l, or NULL when the cap is hit (dsn_cap
 * set) or memory ran out (dead set). */
static struct smtp_dsn_recipient *list_add(struct msg_parser *mp, struct dsn_list *l)
{
	if (l->n >= DSN_RCPT_MAX) {
		mp->dsn_cap = 1;
		return NULL;
	}
	if (l->n == l->cap) {
		size_t cap = (size_t)l->cap;
		if (carray_reserve(&l->a, &cap, cap + 1, sizeof *l->a, 4, DSN_RCPT_MAX) < 0) {
			mp->dead = 1;
			return NULL;
		}
		l->cap = (int)cap;
	}
	memset(&l->a[l->n], 0, sizeof l->a[0]);
	return &l->a[l->n++];
}

/* Sets *dst to a copy of b when b is not empty. */
static void set_from_fbuf(struct msg_parser *mp, char **dst, const struct fbuf *b)
{
	if (b->n > 0 && !*dst)
		*dst = dup_field(mp, b->s, b->n);
}

/* ---- Content-Type ------------------------------------------------------- */

/* The media type of a Content-Type value ("multipart/report"), trimmed. */
static void ct_type(const char *v, size_t n, const char **t, size_t *tn)
{
	const char *semi = memchr(v, ';', n);

	*t = v;
	*tn = semi ? (size_t)(semi - v) : n;
	trim(t, tn);
}

/* Finds parameter name (case-insensitive) in a Content-Type value (RFC 2045
 * 5.1: ";" attribute "=" value, value a token or a quoted-string) and copies
 * its value, unquoted and cut, into out.  1 when found. */
static int ct_param(const char *v, size_t n, const char *name, char *out, size_t outsz)
{
	size_t i = 0;
	const char *semi = memchr(v, ';', n);

	if (!semi)
		return 0;
	i = (size_t)(semi - v);
	while (i < n) {
		size_t ns, ne, k = 0;
		int match;
		while (i < n && (v[i] == ';' || is_wsp((unsigned char)v[i])))
			i++;
		ns = i;
		while (i < n && v[i] != '=' && v[i] != ';')
			i++;
		ne = i;
		while (ne > ns && is_wsp((unsigned char)v[ne - 1]))
			ne--;
		if (i >= n || v[i] != '=')
			continue; /* an attribute without value: skip it */
		i++;
		while (i < n && is_wsp((unsigned char)v[i]))
			i++;
		match = ci_eq(v + ns, ne - ns, name);
		if (i < n && v[i] == '"') {
			for (i++; i < n && v[i] != '"'; i++) {
				if (v[i] == '\\' && i + 1 < n)
					i++;
				if (match && k + 1 < outsz)
					out[k++] = v[i];
			}
			if (i < n)
				i++; /* closing quote */
		} else {
			for (; i < n && v[i] != ';' && !is_wsp((unsigned char)v[i]); i++)
				if (match && k + 1 < outsz)
					out[k++] = v[i];
		}
		if (match) {
			out[k] = '\0';
			return 1;
		}
		while (i < n && v[i] != ';')
			i++;
	}
	return 0;
}

/* ---- Exchange NDR text --------------------------------------------------- */

/* Wording of Exchange 2000/2003 (and IIS SMTP) non-delivery reports.  Any of
 * these in a scanned text line makes the message a report. */
static const char *const ndr_wording[] = {
	"Delivery Status Notification",
	"Could not deliver the message in the time limit specified",
	"Delivery to the following recipients failed",
	"Delivery to the following recipients has been delayed",
	"The following recipient(s) could not be reached",
	"did not reach some or all of the intended recipients",
	"Undeliverable:",
	NULL,
};

static int is_status_digits(const char *p, size_t n, size_t *used)
{
	return (*used = text_status_code(p, n)) != 0;
}

/* Finds "<host #x.y.z>" (also "<host #x.y.z text>", Exchange 2003) in t. */
static int parse_marker(const char *t, size_t n, const char **host, size_t *hn,
                        const char **status, size_t *sn)
{
	const char *p = t;

	while ((p = memchr(p, '#', (size_t)(t + n - p))) != NULL) {
		const char *lt, *gt, *st = p + 1;
		size_t used;
		if (p - t >= 2 && p[-1] == ' ') {
			for (lt = p - 1; lt > t && lt[-1] != '<' && !is_wsp((unsigned char)lt[-1]); lt--)
				;
			/* lt is the first host byte when lt[-1] is '<' */
			if (lt > t && lt[-1] == '<' && lt < p - 1 &&
			    is_status_digits(st, (size_t)(t + n - st), &used) &&
			    (gt = memchr(st + used, '>', (size_t)(t + n - st - used))) != NULL &&
			    (st[used] == '>' || st[used] == ' ')) {
				*host = lt;
				*hn = (size_t)(p - 1 - lt);
				*status = st;
				*sn = used;
				return 1;
			}
		}
		p++;
	}
	return 0;
}

/* "       user@example.com on Thu, 7 Jun 2001 ..." or "<user@example.com>":
 * the address of an Exchange NDR recipient line. */
static int parse_rcpt_line(const char *t, size_t n, const char **a, size_t *an)
{
	size_t i = 0, k;
	const char *at;

	while (i < n && !is_wsp((unsigned char)t[i]))
		i++;
	*a = t;
	*an = i;
	strip_angles(a, an);
	if (*an < 3)
		return 0;
	at = memchr(*a, '@', *an);
	if (!at || at == *a || at == *a + *an - 1)
		return 0;
	for (k = 0; k < *an; k++) {
		unsigned char c = (unsigned char)(*a)[k];
		if (c <= ' ' || c >= 127 || c == ':' || c == ';' || c == ',' || c == '<' ||
		    c == '>' || c == '(' || c == ')' || c == '"')
			return 0;
	}
	while (i < n && is_wsp((unsigned char)t[i]))
		i++;
	return i == n || ci_prefix(t + i, n - i, "on ");
}

static void text_line(struct msg_parser *mp, const char *t, size_t n)
{
	const char *host, *st, *a;
	size_t hn, sn, an;
	int i;

	trim(&t, &n);
	if (n == 0) {
		mp->ndr_diag.n = 0; /* a blank line ends a diagnostic paragraph */
		mp->ndr_diag.s[0] = '\0';
		return;
	}
	for (i = 0; !mp->is_dsn && ndr_wording[i]; i++)
		if (text_ci_find(t, n, ndr_wording[i]))
			mp->is_dsn = 1;
	if (parse_marker(t, n, &host, &hn, &st, &sn)) {
		struct smtp_dsn_recipient *r = list_add(mp, &mp->ndr);
		mp->is_dsn = 1;
		if (r) {
			set_from_fbuf(mp, &r->final_recipient, &mp->ndr_rcpt);
			set_from_fbuf(mp, &r->diagnostic, &mp->ndr_diag);
			r->status = dup_field(mp, st, sn);
			r->reporting_mta = dup_field(mp, host, hn);
		}
		mp->ndr_rcpt.n = mp->ndr_diag.n = 0;
		mp->ndr_rcpt.s[0] = mp->ndr_diag.s[0] = '\0';
		return;
	}
	if (parse_rcpt_line(t, n, &a, &an)) {
		fbuf_set(&mp->ndr_rcpt, a, an);
		mp->ndr_diag.n = 0;
		mp->ndr_diag.s[0] = '\0';
		return;
	}
	fbuf_append(&mp->ndr_diag, ' ', t, n);
}

/* ---- RFC 3464 delivery-status fields ------------------------------------- */

static void dsn_group_end(struct msg_parser *mp)
{
	struct smtp_dsn_recipient *r;

	if (mp->g_final.n || mp->g_orig.n || mp->g_action.n || mp->g_status.n) {
		if ((r = list_add(mp, &mp->dsn)) != NULL) {
			set_from_fbuf(mp, &r->final_recipient, mp->g_final.n ? &mp->g_final : &mp->g_orig);
			set_from_fbuf(mp, &r->action, &mp->g_action);
			set_from_fbuf(mp, &r->status, &mp->g_status);
			set_from_fbuf(mp, &r->diagnostic, &mp->g_diag);
		}
		mp->is_dsn = 1;
	}
	mp->g_final.n = mp->g_orig.n = mp->g_action.n = mp->g_status.n = mp->g_diag.n = 0;
}

static void dsn_field(struct msg_parser *mp, const char *name, size_t nn, const char *v, size_t vn)
{
	if (ci_eq(name, nn, "Reporting-MTA")) {
		strip_type(&v, &vn);
		if (mp->rmta.n == 0)
			fbuf_set(&mp->rmta, v, vn);
	} else if (ci_eq(name, nn, "Final-Recipient")) {
		strip_type(&v, &vn);
		strip_angles(&v, &vn);
		fbuf_set(&mp->g_final, v, vn);
	} else if (ci_eq(name, nn, "Original-Recipient")) {
		strip_type(&v, &vn);
		strip_angles(&v, &vn);
		fbuf_set(&mp->g_orig, v, vn);
	} else if (ci_eq(name, nn, "Action")) {
		fbuf_set(&mp->g_action, v, vn);
	} else if (ci_eq(name, nn, "Status")) {
		size_t k = 0;
		while (k < vn && !is_wsp((unsigned char)v[k]) && v[k] != '(')
			k++; /* "4.4.7 (delivery time expired)": the code only */
		fbuf_set(&mp->g_status, v, k);
	} else if (ci_eq(name, nn, "Diagnostic-Code")) {
		strip_type(&v, &vn);
		fbuf_set(&mp->g_diag, v, vn);
	}
}

/* ---- header fields -------------------------------------------------------- */

/* Reads a Content-Type value (RFC 2045 5.1) into part_type (lower-cased),
 * part_boundary and part_dsn, from the whole unfolded field, so parameters
 * past SMTP_FIELD_MAX are still seen. */
static void ct_parse(struct msg_parser *mp, const char *v, size_t vn)
{
	const char *t;
	size_t tn, k;
	char rtype[64];

	ct_type(v, vn, &t, &tn);
	if (tn > MSG_CTYPE_MAX)
		mp->caps_hit |= MSG_CAP_CTYPE;
	for (k = 0; k < tn && k < MSG_CTYPE_MAX; k++)
		mp->part_type[k] = (char)text_lower((unsigned char)t[k]);
	mp->part_type[k] = '\0';
	if (!ct_param(v, vn, "boundary", mp->part_boundary, sizeof mp->part_boundary))
		mp->part_boundary[0] = '\0';
	else if (strlen(mp->part_boundary) >= MSG_BOUNDARY_MAX) /* filled up: cut */
		mp->caps_hit |= MSG_CAP_BOUNDARY;
	mp->part_dsn = strcmp(mp->part_type, "multipart/report") == 0 &&
	               ct_param(v, vn, "report-type", rtype, sizeof rtype) &&
	               strcasecmp(rtype, "delivery-status") == 0; /* RFC 3462 */
}

static void part_header(struct msg_parser *mp, const char *name, size_t nn, const char *v, size_t vn)
{
	if (ci_eq(name, nn, "Content-Type"))
		ct_parse(mp, v, vn);
}

static void top_header(struct msg_parser *mp, const char *name, size_t nn, const char *v, size_t vn)
{
	char **dst = NULL;

	if (ci_eq(name, nn, "From"))
		dst = &mp->hdr_from;
	else if (ci_eq(name, nn, "To"))
		dst = &mp->hdr_to;
	else if (ci_eq(name, nn, "Subject"))
		dst = &mp->subject;
	else if (ci_eq(name, nn, "Date"))
		dst = &mp->date;
	else if (ci_eq(name, nn, "Message-ID"))
		dst = &mp->message_id;
	else if (ci_eq(name, nn, "Content-Type"))
		dst = &mp->content_type;
	if (dst && !*dst) { /* the first one counts */
		*dst = dup_field(mp, v, vn);
		if (dst == &mp->content_type)
			ct_parse(mp, v, vn);
	}
}

/* The open field is complete: hand "Name: value" to whoever reads it. */
static void field_flush(struct msg_parser *mp)
{
	const char *f = mp->field, *colon, *v;
	size_t n = mp->field_len, nn, vn;

	mp->field_len = 0;
	if (n == 0 || !(colon = memchr(f, ':', n)))
		return; /* not a header field: ignored */
	nn = (size_t)(colon - f);
	while (nn > 0 && is_wsp((unsigned char)f[nn - 1]))
		nn--; /* RFC 5322 4.5.3 obsolete "Name :" */
	v = colon + 1;
	vn = (size_t)(f + n - v);
	trim(&v, &vn);
	if (mp->phase == PH_HEADERS)
		top_header(mp, f, nn, v, vn);
	else if (mp->ps == PS_PART_HDRS)
		part_header(mp, f, nn, v, vn);
	else if (mp->ps == PS_DSN)
		dsn_field(mp, f, nn, v, vn);
}

/* A header-block line: opens a field, continues one (RFC 5322 2.2.3: the
 * CRLF and the leading white space of the continuation become one space), or
 * is ignored. */
static void field_line(struct msg_parser *mp, const char *l, size_t n)
{
	size_t room;

	if (n > 0 && is_wsp((unsigned char)l[0])) {
		if (mp->field_len == 0)
			return; /* continuation of nothing */
		while (n > 0 && is_wsp((unsigned char)l[0])) {
			l++;
			n--;
		}
		if (mp->field_len < MSG_UNFOLD_MAX)
			mp->field[mp->field_len++] = ' ';
	} else {
		field_flush(mp);
	}
	room = MSG_UNFOLD_MAX - mp->field_len;
	if (n > room) {
		n = room;
		mp->caps_hit |= MSG_CAP_UNFOLD;
	}
	memcpy(mp->field + mp->field_len, l, n);
	mp->field_len += n;
}

/* ---- MIME walker ---------------------------------------------------------- */

static int push_boundary(struct msg_parser *mp, const char *b)
{
	size_t n = strlen(b);

	if (n > 0 && mp->depth >= MSG_MIME_DEPTH)
		mp->caps_hit |= MSG_CAP_DEPTH;
	if (n == 0 || mp->depth >= MSG_MIME_DEPTH)
		return 0;
	memcpy(mp->boundary[mp->depth], b, n + 1);
	mp->boundary_len[mp->depth] = n;
	mp->depth++;
	return 1;
}

/* The part's header block ended: decide how to read its body. */
static void part_begin(struct msg_parser *mp)
{
	const char *t = mp->part_type;

	if (strncmp(t, "multipart/", 10) == 0)
		/* its preamble; without a usable boundary its text is scanned whole */
		mp->ps = push_boundary(mp, mp->part_boundary) ? PS_IGNORE : PS_TEXT;
	else if (strcmp(t, "message/delivery-status") == 0 ||
	         strcmp(t, "message/global-delivery-status") == 0) /* RFC 6533 */
		mp->ps = PS_DSN;
	else if (t[0] == '\0' || strncmp(t, "text/", 5) == 0) /* RFC 2045 5.2 default text/plain */
		mp->ps = PS_TEXT;
	else
		mp->ps = PS_IGNORE;
}

/* Leaves the current part's state (a boundary or the end arrived). */
static void part_close(struct msg_parser *mp)
{
	if (mp->ps == PS_DSN || mp->ps == PS_PART_HDRS)
		field_flush(mp);
	if (mp->ps == PS_DSN)
		dsn_group_end(mp);
	mp->field_len = 0;
}

/* "--boundary" or "--boundary--" of any open level (innermost first). */
static int boundary_line(struct msg_parser *mp, const char *l, size_t n)
{
	int i;

	if (mp->depth == 0 || n < 3 || l[0] != '-' || l[1] != '-')
		return 0;
	for (i = mp->depth - 1; i >= 0; i--) {
		size_t bn = mp->boundary_len[i], k;
		int close = 0;
		if (n - 2 < bn || memcmp(l + 2, mp->boundary[i], bn) != 0)
			continue;
		k = 2 + bn;
		if (n - k >= 2 && l[k] == '-' && l[k + 1] == '-') {
			close = 1;
			k += 2;
		}
		while (k < n && is_wsp((unsigned char)l[k]))
			k++; /* RFC 2046 5.1.1 transport-padding */
		if (k != n)
			continue;
		part_close(mp);
		if (close) {
			mp->depth = i;
			mp->ps = PS_IGNORE; /* the epilogue, or the parent part's rest */
		} else {
			mp->depth = i + 1;
			mp->ps = PS_PART_HDRS;
			mp->part_type[0] = '\0';
			mp->part_boundary[0] = '\0';
			mp->part_dsn = 0;
		}
		return 1;
	}
	return 0;
}

static void body_line(struct msg_parser *mp, const char *l, size_t n)
{
	if (boundary_line(mp, l, n))
		return;
	switch (mp->ps) {
	case PS_TEXT:
		text_line(mp, l, n);
		break;
	case PS_PART_HDRS:
		if (n == 0) {
			field_flush(mp);
			part_begin(mp);
		} else {
			field_line(mp, l, n);
		}
		break;
	case PS_DSN: {
		const char *t = l;
		size_t tn = n;
		trim(&t, &tn);
		if (tn == 0) {
			field_flush(mp);
			dsn_group_end(mp);
		} else {
			field_line(mp, l, n);
		}
		break;
	}
	case PS_IGNORE:
		break;
	}
}

/* ---- header end: is this a DSN candidate? --------------------------------- */

static const char *const ndr_subjects[] = {
	"Delivery Status Notification", "Undeliverable", "Undelivered", "failure notice",
	"Returned mail", "Non-delivery", "Nondelivery", "Mail delivery failed",
	"Delivery failure", "Delayed Mail", NULL,
};

static void headers_end(struct msg_parser *mp)
{
	int i;

	field_flush(mp); /* the last header may be the Content-Type */
	if (mp->part_dsn)
		mp->is_dsn = 1;
	mp->candidate = mp->null_sender || strcmp(mp->part_type, "multipart/report") == 0;
	if (mp->hdr_from && (text_ci_find(mp->hdr_from, strlen(mp->hdr_from), "postmaster") ||
	                     text_ci_find(mp->hdr_from, strlen(mp->hdr_from), "mailer-daemon")))
		mp->candidate = 1;
	for (i = 0; mp->subject && ndr_subjects[i]; i++)
		if (text_ci_find(mp->subject, strlen(mp->subject), ndr_subjects[i]))
			mp->candidate = 1;
	if (!mp->candidate) {
		mp->phase = PH_SKIP;
		return;
	}
	mp->phase = PH_BODY;
	part_begin(mp); /* the top-level body is read like a body part */
}

/* ---- lines ---------------------------------------------------------------- */

static void process_line(struct msg_parser *mp)
{
	size_t n = mp->line_len;

	if (n > 0 && mp->line_bytes == n && mp->line[n - 1] == '\r')
		n--; /* CRLF; a bare LF is tolerated */
	mp->line[n] = '\0';
	if (mp->phase == PH_HEADERS) {
		if (n == 0)
			headers_end(mp);
		else
			field_line(mp, mp->line, n);
	} else if (mp->phase == PH_BODY) {
		body_line(mp, mp->line, n);
	}
}

/* Consumes up to n bytes as lines; stops right after a line that changed the
 * phase, so the caller can account the rest to the next phase.  Returns the
 * bytes consumed. */
static size_t feed_lines(struct msg_parser *mp, const uint8_t *p, size_t n)
{
	size_t used = 0;
	enum msg_phase ph = mp->phase;

	while (used < n && mp->phase == ph && !mp->dead) {
		const uint8_t *lf = memchr(p + used, '\n', n - used);
		size_t take = lf ? (size_t)(lf - (p + used)) : n - used;
		if (!mp->discard) {
			size_t room = MSG_LINE_MAX - mp->line_len;
			if (take > room)
				mp->caps_hit |= MSG_CAP_LINE;
			memcpy(mp->line + mp->line_len, p + used, take < room ? take : room);
			mp->line_len += take < room ? take : room;
			mp->line_bytes += take;
		}
		used += take;
		if (!lf)
			break;
		used++; /* the LF */
		if (!mp->discard)
			process_line(mp);
		mp->discard = 0;
		mp->line_len = mp->line_bytes = 0;
	}
	return used;
}

/* A byte cap was hit in the middle of the header block or the body: the
 * partial line is dropped and the rest of it skipped. */
static void drop_partial_line(struct msg_parser *mp)
{
	mp->discard = mp->line_bytes > 0 || mp->discard;
	mp->line_len = mp->line_bytes = 0;
}

struct msg_parser *msg_new(int null_sender)
{
	struct msg_parser *mp = malloc(sizeof *mp);

	if (!mp)
		return NULL;
	memset(mp, 0, offsetof(struct msg_parser, line));
	mp->null_sender = null_sender != 0;
	mp->phase = PH_HEADERS;
	mp->ps = PS_TEXT;
	return mp;
}

int msg_feed(struct msg_parser *mp, const uint8_t *p, size_t n)
{
	if (!mp || mp->dead)
		return -1;
	if (mp->phase == PH_DONE)
		return 0;
	mp->size += n;
	while (n > 0 && !mp->dead) {
		size_t room, used;
		if (mp->phase == PH_HEADERS) {
			room = SMTP_HEADER_BLOCK_MAX - mp->hdr_bytes;
			used = feed_lines(mp, p, n < room ? n : room);
			mp->hdr_bytes += used;
			if (mp->phase == PH_HEADERS && mp->hdr_bytes >= SMTP_HEADER_BLOCK_MAX) {
				mp->header_cap = 1;
				drop_partial_line(mp);
				headers_end(mp);
			}
		} else if (mp->phase == PH_BODY) {
			room = SMTP_DSN_SCAN_MAX - mp->body_bytes;
			used = feed_lines(mp, p, n < room ? n : room);
			mp->body_bytes += used;
			if (mp->body_bytes >= SMTP_DSN_SCAN_MAX) {
				drop_partial_line(mp);
				part_close(mp);
				mp->phase = PH_SKIP;
			}
		} else {
			break; /* PH_SKIP: the size is all that counts */
		}
		p += used;
		n -= used;
	}
	return mp->dead ? -1 : 0;
}

/* ---- the end: merge the report part with the NDR text ---------------------- */

static void fill(struct msg_parser *mp, char **dst, const char *src)
{
	if (!*dst && src)
		*dst = dup_field(mp, src, strlen(src));
}

/* Moves every string of src into dst's empty fields (src keeps the rest). */
static void merge_into(struct msg_parser *mp, struct smtp_dsn_recipient *dst,
                       const struct smtp_dsn_recipient *src)
{
	fill(mp, &dst->final_recipient, src->final_recipient);
	fill(mp, &dst->action, src->action);
	fill(mp, &dst->status, src->status);
	fill(mp, &dst->reporting_mta, src->reporting_mta);
	fill(mp, &dst->diagnostic, src->diagnostic);
}

/* The delivery-status part wins; each NDR text recipient fills the gaps of
 * the part's recipient with the same address, else of the first part
 * recipient not yet paired (Exchange writes both in the same order); text
 * recipients left over become recipients of their own.  Reporting-MTA goes to
 * every part recipient first, so a marker host only fills where it is absent. */
static void merge(struct msg_parser *mp)
{
	char paired[DSN_RCPT_MAX], used[DSN_RCPT_MAX];
	int i, j, n_part = mp->dsn.n; /* text recipients appended below are not paired */

	memset(paired, 0, sizeof paired);
	memset(used, 0, sizeof used);
	for (j = 0; j < n_part; j++)
		if (mp->rmta.n)
			set_from_fbuf(mp, &mp->dsn.a[j].reporting_mta, &mp->rmta);
	for (i = 0; i < mp->ndr.n; i++) {
		const char *fr = mp->ndr.a[i].final_recipient;
		for (j = 0; fr && j < n_part; j++) {
			const char *d = mp->dsn.a[j].final_recipient;
			if (!paired[j] && d && strcasecmp(d, fr) == 0) {
				merge_into(mp, &mp->dsn.a[j], &mp->ndr.a[i]);
				paired[j] = used[i] = 1;
				break;
			}
		}
	}
	for (i = 0; i < mp->ndr.n; i++) {
		if (used[i])
			continue;
		for (j = 0; j < n_part && paired[j]; j++)
			;
		if (j < n_part) {
			merge_into(mp, &mp->dsn.a[j], &mp->ndr.a[i]);
			paired[j] = 1;
		} else {
			struct smtp_dsn_recipient *r = list_add(mp, &mp->dsn);
			if (!r)
				break;
			*r = mp->ndr.a[i]; /* moved */
			memset(&mp->ndr.a[i], 0, sizeof mp->ndr.a[i]);
		}
	}
	list_free(&mp->ndr);
}

static void finish(struct msg_parser *mp)
{
	if (mp->finished)
		return;
	mp->finished = 1;
	if ((mp->phase == PH_HEADERS || mp->phase == PH_BODY) && !mp->discard && mp->line_bytes > 0)
		process_line(mp); /* the last line had no LF */
	mp->line_len = mp->line_bytes = 0;
	if (mp->phase == PH_HEADERS)
		headers_end(mp);
	if (mp->phase == PH_BODY)
		part_close(mp);
	merge(mp);
	mp->phase = PH_DONE;
}

void msg_end(struct msg_parser *mp)
{
	if (mp)
		finish(mp);
}

static void move_str(char **dst, char **src)
{
	free(*dst);
	*dst = *src;
	*src = NULL;
}

unsigned msg_caps_hit(const struct msg_parser *mp)
{
	return mp ? mp->caps_hit : 0;
}

void msg_take(struct msg_parser *mp, struct smtp_mail *m, int *header_cap, int *dsn_cap)
{
	int i;

	if (!mp || !m)
		return;
	finish(mp);
	m->size = mp->size;
	move_str(&m->hdr_from, &mp->hdr_from);
	move_str(&m->hdr_to, &mp->hdr_to);
	move_str(&m->subject, &mp->subject);
	move_str(&m->date, &mp->date);
	move_str(&m->message_id, &mp->message_id);
	move_str(&m->content_type, &mp->content_type);
	m->is_dsn = mp->is_dsn;
	for (i = 0; i < m->n_dsn; i++)
		rcpt_clear(&m->dsn[i]);
	free(m->dsn);
	m->dsn = mp->dsn.a;
	m->n_dsn = mp->dsn.n;
	memset(&mp->dsn, 0, sizeof mp->dsn);
	if (header_cap)
		*header_cap = mp->header_cap;
	if (dsn_cap)
		*dsn_cap = mp->dsn_cap;
}

void msg_free(struct msg_parser *mp)
{
	if (!mp)
		return;
	free(mp->hdr_from);
	free(mp->hdr_to);
	free(mp->subject);
	free(mp->date);
	free(mp->message_id);
	free(mp->content_type);
	list_free(&mp->dsn);
	list_free(&mp->ndr);
	free(mp);
}
