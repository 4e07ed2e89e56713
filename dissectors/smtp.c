/* \summary: SMTP push parser (RFC 5321, 1869, 2920 PIPELINING, 3030 BDAT,
 * 3207 STARTTLS, 3463 enhanced codes, 4954 AUTH; Microsoft X-EXPS, XEXCH50).
 * The contract is dissectors/smtp.h; this comment explains how it is met.
 *
 * Per direction the bytes go through one of five modes:
 *   LINES  command or reply lines.  A line wholly inside the fed buffer is
 *          parsed in place (memchr for the LF); the tail of a buffer is
 *          copied into the direction's bounded line[] and completed by the
 *          next call.  A line longer than SMTP_LINE_MAX keeps its first
 *          SMTP_LINE_MAX bytes and is handled when its LF arrives, so the
 *          result does not depend on where the bytes were split.
 *   BODY   DATA text after 354: memchr from line start to line start, dot
 *          unstuffing by cutting the fed buffer into spans that go to
 *          msg_feed() as they are, CRLF.CRLF (or LF.LF) ends it.
 *   BDAT   exactly n chunk bytes after "BDAT n [LAST]".
 *   BLOB   exactly n XEXCH50 bytes after its 354.
 *   TLS    after "220" to STARTTLS or X-ANONYMOUSTLS (or from the start,
 *          smtp_begin_tls()): bytes go to the TLS parser (tls.c).  When the
 *          first bytes after the 220 are SMTP text instead of a TLS record,
 *          the session is flagged (tls_plaintext), and both directions go
 *          back to LINES, so the second EHLO and the mail are parsed.
 * Every decision is taken on a whole line, so segmentation never matters.
 *
 * Commands wait for their reply in a FIFO (at most SMTP_PENDING_MAX); end of
 * DATA and end of an XEXCH50 blob are queued as pseudo commands because the
 * server answers them too.  A reply pops the FIFO's head, except 334 to
 * AUTH/X-EXPS which keeps the exchange open.
 *
 * Credentials: while an AUTH or X-EXPS exchange is open, a client line is a
 * payload when a 334 is outstanding or the line is no known command; payloads
 * only add their length to auth_payload_bytes and go nowhere else (no
 * command, no anomaly detail, no line check).  After the server's final
 * answer (refused, cancelled, or a reply that overtook pipelined payloads)
 * the client's lines stay payloads until it sends a known command again.
 *
 * DATA pipelined before its 354: if the next client line is no known command,
 * the client is sending its body without waiting, and the body is parsed at
 * once ("speculative"); when the server then refuses DATA, that body is
 * marked incomplete and its end-of-data pseudo command is dropped.  Known
 * commands after a pipelined DATA stay commands (Suricata: body only after
 * 354).
 *
 * Anomalies: at most SMTP_ANOMALIES_MAX rows, and at most SMTP_ANOM_PER_KIND
 * of one kind so that one noisy kind (bare LF on every line) cannot hide the
 * others; anomalies_total counts every occurrence.  Cap anomalies (commands,
 * replies, mails, recipients per mail, extensions) are recorded once, when
 * the cap is first hit. */
#include "dissectors/smtp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyzer/base/carray.h"
#include "analyzer/base/limits.h"
#include "dissectors/message.h"
#include "dissectors/reply_name.h"
#include "dissectors/software.h"
#include "dissectors/text.h"
#include "dissectors/tls.h"

#define SMTP_ENH_MAX       16   /* "5.7.1" fits; RFC 3463 allows 1+3+3 digits */
#define SMTP_NUM_DIGITS    15   /* BDAT/XEXCH50/SIZE numbers longer than this are bad */

/* ---- command table ------------------------------------------------------ */

enum smtp_cmd {
#define SMTP_CMD(id, verb, note) SMTP_CMD_##id,
#include "dissectors/smtp_cmds.def"
#undef SMTP_CMD
	SMTP_CMD__COUNT,
	SMTP_CMD_UNKNOWN = SMTP_CMD__COUNT, /* a line that is no command */
	SMTP_PSEUDO_EOD,                    /* end of DATA text: the final reply */
	SMTP_PSEUDO_BLOB_END,               /* end of an XEXCH50 blob */
};

static const struct {
	const char *verb;
	size_t len;
} smtp_cmds[] = {
#define SMTP_CMD(id, verb, note) { verb, sizeof verb - 1 },
#include "dissectors/smtp_cmds.def"
#undef SMTP_CMD
};

/* The command whose verb is p[0..n), case-insensitively, or SMTP_CMD_UNKNOWN. */
static int cmd_lookup(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < SMTP_CMD__COUNT; i++)
		if (smtp_cmds[i].len == n && strncasecmp((const char *)p, smtp_cmds[i].verb, n) == 0)
			return (int)i;
	return SMTP_CMD_UNKNOWN;
}

/* Length of the first word of a line (up to space or tab). */
static size_t word_len(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n && p[i] != ' ' && p[i] != '\t')
		i++;
	return i;
}

static int line_is_command(const uint8_t *p, size_t n)
{
	return cmd_lookup(p, word_len(p, n)) != SMTP_CMD_UNKNOWN;
}

/* ---- session ------------------------------------------------------------ */

enum mode { M_LINES, M_BODY, M_BDAT, M_BLOB, M_TLS };
enum body_state { B_BOL, B_MID, B_DOT, B_DOTCR };

#define PEND_FIRST_HELO 1   /* this HELO/EHLO is the one recorded in helo_* */
#define PEND_LAST       2   /* BDAT ... LAST */
#define PEND_BAD_SIZE   4   /* XEXCH50 whose size does not parse or is too large */

struct pend {
	int type;        /* enum smtp_cmd or pseudo */
	int flags;       /* PEND_* */
	int mail;        /* index into r.mails, -1 none, -2 a transaction not stored */
	int rcpt;        /* index into that mail's rcpts, or -1 */
	uint64_t size;   /* XEXCH50 blob size */
	char *verb, *arg; /* HELO/EHLO that may replace the recorded one (owned) */
};

struct dstate {
	uint8_t *line;   /* the start of a line split across calls (owned, NULL until a
	                    line is split; grows up to SMTP_LINE_MAX) */
	uint32_t cap;    /* bytes allocated at line (at most SMTP_LINE_MAX) */
	uint32_t len;    /* bytes in line[] */
	uint64_t total;  /* bytes of that line so far, kept or not */
	uint8_t last;    /* its last byte so far (to tell CRLF from a bare LF) */
	uint8_t resync;  /* after a gap: drop bytes up to the next LF */
	uint8_t garbage; /* inside a run of binary lines */
	uint8_t mode;    /* enum mode */
	uint8_t tls_checked; /* first byte after STARTTLS looked at */
	uint8_t tls_is;      /* ... and it could start a TLS record */
};

struct reply_acc {
	uint8_t active;  /* a multi-line reply is being read */
	uint8_t mismatch, too_many;
	int code;
	int lines;
	char *text;      /* the lines' text joined by '\n' (owned, NUL-terminated once a
	                    reply started; grows up to SMTP_FIELD_MAX + 1) */
	uint32_t text_cap; /* bytes allocated at text (at most SMTP_FIELD_MAX + 1) */
	uint32_t text_len;
	uint64_t text_total;  /* text bytes, kept or not */
};

/* Flags are bytes: a mirror port holds many idle sessions at once. */
struct smtp_session {
	struct smtp_record r;
	struct dstate d[2];
	struct reply_acc ra;
	uint64_t ts;       /* time of the bytes being parsed */
	struct pend *pq;   /* pending commands (owned), pq[pq_head .. pq_head+pq_len) */
	uint64_t known_cmds; /* commands found in smtp_cmds.def */
	uint64_t body_size;
	struct msg_parser *mp; /* parser of the body being read (owned) */
	uint64_t chunk_left;
	uint64_t blob_left;
	struct tls_session *tls; /* owned; the TLS parser once TLS began, else NULL */
	uint16_t pq_head, pq_len, pq_cap; /* at most SMTP_PENDING_MAX */
	/* mail transaction */
	int16_t cur_mail;  /* -1 none, -2 open but not stored, else index (< SMTP_MAILS_MAX) */
	int16_t body_mail; /* mail of the body being read (same encoding) */
	uint8_t dead;      /* out of memory: every call returns -1 */
	uint8_t finished;
	uint8_t any_reply; /* a reply (banner included) was parsed */
	uint8_t helo_accepted; /* the recorded HELO/EHLO got a 2xx */
	uint8_t pipelining_adv, pipelining_noted;
	uint8_t cmds_capped, replies_capped, mails_capped, ext_capped;
	/* AUTH / X-EXPS */
	uint8_t auth_active; /* an exchange is open */
	uint8_t auth_await;  /* a 334 is outstanding: the next client line is a payload */
	uint8_t auth_first;  /* the open exchange is the recorded (first) one */
	uint8_t field_capped;/* 1: sdup() cut a field to SMTP_FIELD_MAX, anomaly due; 2: recorded */
	uint8_t auth_guard;  /* an AUTH/X-EXPS was sent and no other command since:
	                        a client line that is no command is a payload,
	                        whatever the server answered (refused, cancelled,
	                        or the reply overtook pipelined payloads) */
	uint8_t bdat_open;   /* BDAT chunks seen, LAST not yet */
	uint8_t spec;        /* body started before the reply to DATA */
	uint8_t body_bst;    /* enum body_state */
	uint8_t chunk_last;
	uint8_t unterminated; /* a body ended with the connection or a gap */
	/* anomalies stored per kind (at most SMTP_ANOM_PER_KIND), four bits
	 * each: kind_count(), kind_count_set() */
	uint8_t kind_n[(ANOM__COUNT + 1) / 2];
};

_Static_assert(SMTP_ANOM_PER_KIND < 16, "a kind's count must fit in four bits");
_Static_assert(SMTP_PENDING_MAX <= 65535, "pq_* are 16 bits");
_Static_assert(SMTP_MAILS_MAX < 32767, "cur_mail and body_mail are 16 bits");

static unsigned kind_count(const struct smtp_session *s, unsigned k)
{
	return (unsigned)(s->kind_n[k / 2] >> (k % 2 * 4)) & 15u;
}

static void kind_count_set(struct smtp_session *s, unsigned k, unsigned v)
{
	unsigned sh = k % 2 * 4;

	s->kind_n[k / 2] = (uint8_t)((s->kind_n[k / 2] & ~(15u << sh)) | (v & 15u) << sh);
}

static const char *const outcome_names[] = {
#define X(c, n) n,
	SMTP_OUTCOMES(X)
#undef X
};

const char *smtp_outcome_name(enum smtp_outcome o)
{
	return (unsigned)o < sizeof outcome_names / sizeof outcome_names[0] ? outcome_names[o] : "unknown";
}

/* ---- small helpers ------------------------------------------------------ */

/* Makes *buf hold at least need bytes (at most max): buffers start small and
 * double, so an idle session costs little.  0, or -1 (session dead). */
static int reserve(struct smtp_session *s, void *buf, uint32_t *cap, size_t need, size_t max);

static int is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static uint8_t to_upper(uint8_t c)
{
	return c >= 'a' && c <= 'z' ? (uint8_t)(c - 'a' + 'A') : c;
}

static void trim(const uint8_t **p, size_t *n)
{
	while (*n && (**p == ' ' || **p == '\t'))
		(*p)++, (*n)--;
	while (*n && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t'))
		(*n)--;
}

/* A byte buffer of at least need bytes (from 128, doubling, at most max). */
static int reserve(struct smtp_session *s, void *buf, uint32_t *cap, size_t need, size_t max)
{
	size_t c = *cap;

	if (carray_reserve(buf, &c, need, 1, 128, max) < 0) {
		s->dead = 1;
		return -1;
	}
	*cap = (uint32_t)c; /* max is a line or a field: far below 2^32 */
	return 0;
}

/* A record string: p[0..n) cut to SMTP_FIELD_MAX, NULs replaced by '?'.
 * NULL (and the session dead) when out of memory. */
static char *sdup(struct smtp_session *s, const void *p, size_t n)
{
	char *z;

	if (n > SMTP_FIELD_MAX) {
		n = SMTP_FIELD_MAX;
		if (!s->field_capped)
			s->field_capped = 1; /* recorded by line_done(): no anomaly from inside sdup() */
	}
	if (!(z = malloc(n + 1))) {
		s->dead = 1;
		return NULL;
	}
	text_copy_wire(z, p, n);
	return z;
}

static char *sdup_upper(struct smtp_session *s, const void *p, size_t n)
{
	char *z = sdup(s, p, n);
	size_t i;

	for (i = 0; z && z[i]; i++)
		z[i] = (char)to_upper((uint8_t)z[i]);
	return z;
}

static void sset(struct smtp_session *s, char **dst, const void *p, size_t n)
{
	free(*dst);
	*dst = sdup(s, p, n);
}

/* Capacity of an array holding n items: 8, 16, 32 ... up to max.  Arrays
 * grown by grow() are always exactly this big, so no capacity is stored. */
static int cap_for(int n, int max)
{
	int c = 1; /* small first: most sessions are short, and a mirror port holds many */

	if (n <= 0)
		return 0;
	while (c < n)
		c *= 2;
	return c < max ? c : max;
}

/* Makes room in *arr (n items of elem bytes) for one more, up to max items.
 * 0 when there is room, -1 when at max or out of memory (then s->dead). */
static int grow(struct smtp_session *s, void **arr, int n, int max, size_t elem)
{
	size_t cap = (size_t)cap_for(n, max), old = cap;

	if ((size_t)n < cap)
		return 0;
	if (n >= max)
		return -1;
	if (carray_reserve(arr, &cap, (size_t)n + 1, elem, 1, (size_t)max) < 0) {
		s->dead = 1;
		return -1;
	}
	memset((char *)*arr + old * elem, 0, (cap - old) * elem);
	return 0;
}

static void anomaly(struct smtp_session *s, enum anomaly_kind k, const void *detail, size_t n)
{
	struct smtp_record *r = &s->r;
	struct smtp_anomaly *a;

	r->anomalies_total++;
	if (r->n_anomalies >= SMTP_ANOMALIES_MAX || (unsigned)k >= ANOM__COUNT ||
	    kind_count(s, (unsigned)k) >= SMTP_ANOM_PER_KIND)
		return;
	if (!r->anomalies && !(r->anomalies = calloc(SMTP_ANOMALIES_MAX, sizeof *r->anomalies))) {
		s->dead = 1;
		return;
	}
	kind_count_set(s, (unsigned)k, kind_count(s, (unsigned)k) + 1);
	a = &r->anomalies[r->n_anomalies++];
	a->ts = s->ts;
	a->kind = k;
	a->detail = detail ? sdup(s, detail, n > SMTP_DETAIL_MAX ? SMTP_DETAIL_MAX : n) : NULL;
}

static void anomaly_z(struct smtp_session *s, enum anomaly_kind k, const char *detail)
{
	anomaly(s, k, detail, detail ? strlen(detail) : 0);
}

/* Decimal number of at most SMTP_NUM_DIGITS digits filling p[0..n). */
static int parse_num(const uint8_t *p, size_t n, uint64_t *v)
{
	size_t i;

	if (n == 0 || n > SMTP_NUM_DIGITS)
		return -1;
	*v = 0;
	for (i = 0; i < n; i++) {
		if (!is_digit(p[i]))
			return -1;
		*v = *v * 10 + (uint64_t)(p[i] - '0');
	}
	return 0;
}

/* RFC 3463 2 (text_status_code()) at the start of t, followed by a space,
 * a tab or the end; its length, or 0. */
static size_t enhanced_len(const uint8_t *t, size_t n)
{
	size_t i = text_status_code((const char *)t, n);

	if (i && i < n && t[i] != ' ' && t[i] != '\t')
		return 0;
	return i;
}

/* ---- pending FIFO -------------------------------------------------------- */

static void pend_clear(struct pend *e)
{
	free(e->verb);
	free(e->arg);
	e->verb = e->arg = NULL;
}

static struct pend *pq_front(struct smtp_session *s)
{
	return s->pq_len ? &s->pq[s->pq_head] : NULL;
}

static struct pend *pq_back(struct smtp_session *s)
{
	return s->pq_len ? &s->pq[s->pq_head + s->pq_len - 1] : NULL;
}

/* Queues a command; NULL when the FIFO is full (anomaly) or out of memory. */
static struct pend *pq_push(struct smtp_session *s, int type, int mail)
{
	struct pend *e;

	if (s->pq_len >= SMTP_PENDING_MAX) {
		anomaly_z(s, ANOM_PENDING_OVERFLOW, NULL);
		return NULL;
	}
	if (s->pq_head + s->pq_len == s->pq_cap && s->pq_head > 0) {
		memmove(s->pq, s->pq + s->pq_head, (size_t)s->pq_len * sizeof *s->pq);
		s->pq_head = 0;
	}
	if (s->pq_head + s->pq_len == s->pq_cap) {
		size_t cap = (size_t)s->pq_cap;
		if (carray_reserve(&s->pq, &cap, cap + 1, sizeof *s->pq, 8, SMTP_PENDING_MAX) < 0) {
			s->dead = 1;
			return NULL;
		}
		s->pq_cap = (uint16_t)cap;
	}
	e = &s->pq[s->pq_head + s->pq_len++];
	memset(e, 0, sizeof *e);
	e->type = type;
	e->mail = mail;
	e->rcpt = -1;
	return e;
}

static void pq_pop(struct smtp_session *s)
{
	if (!s->pq_len)
		return;
	pend_clear(&s->pq[s->pq_head]);
	s->pq_head++;
	if (--s->pq_len == 0)
		s->pq_head = 0;
}

static void pq_drop_all(struct smtp_session *s)
{
	while (s->pq_len)
		pq_pop(s);
}

/* A real command (not end-of-data) still waits for its reply. */
static int pq_has_command(struct smtp_session *s)
{
	int i;

	for (i = 0; i < s->pq_len; i++) {
		int t = s->pq[s->pq_head + i].type;
		if (t != SMTP_PSEUDO_EOD && t != SMTP_PSEUDO_BLOB_END)
			return 1;
	}
	return 0;
}

/* ---- message bodies ------------------------------------------------------ */

static struct smtp_mail *mail_at(struct smtp_session *s, int i)
{
	return i >= 0 && i < s->r.n_mails ? &s->r.mails[i] : NULL;
}

static void body_start(struct smtp_session *s, int mail)
{
	struct smtp_mail *m = mail_at(s, mail);

	s->body_mail = mail;
	s->body_size = 0;
	s->body_bst = B_BOL;
	if (m && !s->mp) {
		s->mp = msg_new(m->mail_from && !m->mail_from[0]);
		if (!s->mp)
			s->dead = 1;
	}
}

static void body_feed(struct smtp_session *s, const uint8_t *p, size_t n)
{
	if (!n)
		return;
	s->body_size += n;
	if (s->mp && msg_feed(s->mp, p, n) < 0)
		s->dead = 1;
}

/* One message_cap anomaly per message-parser cap that cut something. */
static void msg_caps_note(struct smtp_session *s, unsigned caps)
{
	static const struct { unsigned bit; const char *name; } cap[] = {
		{ MSG_CAP_LINE, "MSG_LINE_MAX" }, { MSG_CAP_UNFOLD, "MSG_UNFOLD_MAX" },
		{ MSG_CAP_DEPTH, "MSG_MIME_DEPTH" }, { MSG_CAP_BOUNDARY, "MSG_BOUNDARY_MAX" },
		{ MSG_CAP_CTYPE, "MSG_CTYPE_MAX" },
	};
	size_t i;

	for (i = 0; i < sizeof cap / sizeof cap[0]; i++)
		if (caps & cap[i].bit)
			anomaly_z(s, ANOM_MESSAGE_CAP, cap[i].name);
}

/* The body ended: completed (terminator, BDAT LAST) or not (gap, close,
 * RSET, DATA refused).  Moves what the message parser found into the mail. */
static void body_end(struct smtp_session *s, int completed)
{
	struct smtp_mail *m = mail_at(s, s->body_mail);

	if (s->mp) {
		int hcap = 0, dcap = 0;
		msg_end(s->mp);
		if (m) {
			msg_take(s->mp, m, &hcap, &dcap);
			if (hcap)
				anomaly_z(s, ANOM_HEADER_BLOCK_CAP, NULL);
			if (dcap)
				anomaly_z(s, ANOM_DSN_CAP, NULL);
			msg_caps_note(s, msg_caps_hit(s->mp));
		}
		msg_free(s->mp);
		s->mp = NULL;
	}
	if (m) {
		m->size = s->body_size;
		m->completed = completed;
	}
	if (completed && s->cur_mail == s->body_mail)
		s->cur_mail = -1;
	s->bdat_open = 0;
	s->d[SMTP_C2S].mode = M_LINES;
}

/* The body ended early with the connection or a gap. */
static void body_truncate(struct smtp_session *s)
{
	int mode = s->d[SMTP_C2S].mode;

	if (mode == M_BODY || mode == M_BDAT || s->bdat_open) {
		anomaly_z(s, ANOM_DATA_UNTERMINATED, NULL);
		s->unterminated = 1;
		body_end(s, 0);
		s->spec = 0;
	}
	if (mode == M_BLOB)
		s->d[SMTP_C2S].mode = M_LINES;
}

static void data_done(struct smtp_session *s)
{
	int mail = s->body_mail;

	body_end(s, 1);
	pq_push(s, SMTP_PSEUDO_EOD, mail);
}

/* DATA text: find CRLF.CRLF from line start to line start, unstuff dots
 * (RFC 5321 4.5.2) by cutting the buffer into spans.  Returns bytes used. */
static size_t body_step(struct smtp_session *s, const uint8_t *p, size_t n)
{
	const uint8_t *q = p, *end = p + n, *span = p, *lf;

	while (q < end) {
		switch (s->body_bst) {
		case B_MID:
			if (!(lf = memchr(q, '\n', (size_t)(end - q)))) {
				q = end;
				break;
			}
			q = lf + 1;
			s->body_bst = B_BOL;
			break;
		case B_BOL:
			if (*q == '.') {
				body_feed(s, span, (size_t)(q - span));
				span = ++q;
				s->body_bst = B_DOT;
			} else {
				s->body_bst = B_MID;
			}
			break;
		case B_DOT:
			if (*q == '\r') {
				span = ++q;  /* held back until we know it is no terminator */
				s->body_bst = B_DOTCR;
			} else if (*q == '\n') {
				data_done(s); /* LF.LF: tolerated */
				return (size_t)(q + 1 - p);
			} else {
				s->body_bst = B_MID;  /* stuffed dot: dropped */
			}
			break;
		case B_DOTCR:
			if (*q == '\n') {
				data_done(s);
				return (size_t)(q + 1 - p);
			}
			body_feed(s, (const uint8_t *)"\r", 1);
			s->body_bst = B_MID;
			break;
		}
	}
	body_feed(s, span, (size_t)(q - span));
	return n;
}

/* ---- replies ------------------------------------------------------------- */

static void merge_words(struct smtp_session *s, char **dst, const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n && !s->dead) {
		size_t st, wl, have, k;
		const char *h;
		int dup = 0;
		char *nz;

		while (i < n && (p[i] == ' ' || p[i] == '\t'))
			i++;
		st = i;
		while (i < n && p[i] != ' ' && p[i] != '\t')
			i++;
		if ((wl = i - st) == 0)
			break;
		for (h = *dst; h && *h;) {
			size_t hl = strcspn(h, " ");
			if (hl == wl && strncasecmp(h, (const char *)p + st, wl) == 0)
				dup = 1;
			h += hl;
			while (*h == ' ')
				h++;
		}
		have = *dst ? strlen(*dst) : 0;
		if (dup || have + 1 + wl > SMTP_FIELD_MAX)
			continue;
		if (!(nz = realloc(*dst, have + wl + 2))) {
			s->dead = 1;
			return;
		}
		if (have)
			nz[have++] = ' ';
		memcpy(nz + have, p + st, wl);
		nz[have + wl] = 0;
		for (k = have; k < have + wl; k++)
			if (!nz[k])
				nz[k] = '?';
		*dst = nz;
	}
}

/* One line of an EHLO reply after the first: an extension (RFC 1869 4.3). */
static void ext_add(struct smtp_session *s, const uint8_t *t, size_t n)
{
	struct smtp_record *r = &s->r;
	const uint8_t *kw, *par;
	size_t kl, pl, tl;
	const uint8_t *eq;

	trim(&t, &n);
	if (!n)
		return;
	tl = word_len(t, n);
	eq = memchr(t, '=', tl);
	kw = t;
	kl = eq ? (size_t)(eq - t) : tl;
	par = eq ? eq + 1 : t + tl;
	pl = (size_t)(t + n - par);
	trim(&par, &pl);
	if (kl == 6 && strncasecmp((const char *)kw, "X-EXPS", 6) == 0) {
		r->xexps_advertised = 1;
		merge_words(s, &r->xexps_mechanisms, par, pl);
	} else if (kl == 4 && strncasecmp((const char *)kw, "AUTH", 4) == 0) {
		merge_words(s, &r->auth_mechanisms, par, pl);
	} else if (kl == 10 && strncasecmp((const char *)kw, "PIPELINING", 10) == 0) {
		s->pipelining_adv = 1;
	}
	if (grow(s, (void **)&r->ext, r->n_ext,
		 SMTP_EXT_MAX, sizeof *r->ext) < 0) {
		if (!s->dead && !s->ext_capped) {
			s->ext_capped = 1;
			anomaly_z(s, ANOM_EXT_CAP, NULL);
		}
		return;
	}
	r->ext[r->n_ext].keyword = sdup_upper(s, kw, kl);
	r->ext[r->n_ext].params = pl ? sdup(s, par, pl) : NULL;
	r->n_ext++;
}

/* The server's name in a greeting or HELO/EHLO reply text: only a name or
 * an address literal, never a reply word (dissectors/reply_name.c). */
static void set_first_word(struct smtp_session *s, char **dst, const char *t, size_t n)
{
	const char *name;
	size_t nl = reply_name(t, n, &name);

	if (nl)
		sset(s, dst, name, nl);
}

static void reply_helo(struct smtp_session *s, struct pend *e, int code, const char *text, size_t tlen)
{
	struct smtp_record *r = &s->r;
	const char *nl;

	if (s->helo_accepted)
		return;
	if (code / 100 != 2) {
		if (e->flags & PEND_FIRST_HELO)
			r->helo_code = code;
		return;
	}
	s->helo_accepted = 1;
	r->helo_code = code;
	if (e->verb) {
		free(r->helo_verb);
		free(r->helo_arg);
		r->helo_verb = e->verb;
		r->helo_arg = e->arg;
		e->verb = e->arg = NULL;
	}
	set_first_word(s, &r->greeting_host, text, tlen);
	nl = memchr(text, '\n', tlen);
	sset(s, &r->ehlo_first_line, text, nl ? (size_t)(nl - text) : tlen);
}

static void reply_auth(struct smtp_session *s, int code)
{
	if (code == 334) {
		if (s->auth_first)
			s->r.auth_round_trips++;
		s->auth_await = 1;
		return;
	}
	if (s->auth_first)
		s->r.auth_code = code;
	s->auth_active = s->auth_await = s->auth_first = 0;
	pq_pop(s);
}

static void client_reinject(struct smtp_session *s);
static void tls_start(struct smtp_session *s, const char *mode);

/* A whole reply was read: store it and pair it with the oldest command. */
static void reply_handle(struct smtp_session *s)
{
	struct smtp_record *r = &s->r;
	struct reply_acc *ra = &s->ra;
	struct pend *e = pq_front(s);
	struct smtp_mail *m;
	char enh[SMTP_ENH_MAX] = "";
	char *stored = NULL; /* this reply's text as stored in replies, when it is the wire text */
	const char *last;
	size_t el, ll;
	int code = ra->code;

	ra->active = 0;
	/* enhanced code of the last line */
	last = ra->lines > 1 ? memrchr(ra->text, '\n', ra->text_len) : NULL;
	last = last ? last + 1 : ra->text;
	ll = (size_t)(ra->text + ra->text_len - last);
	if (ra->lines <= SMTP_REPLY_LINES_MAX && (el = enhanced_len((const uint8_t *)last, ll)) &&
	    el < sizeof enh) {
		memcpy(enh, last, el);
		enh[el] = 0;
	}
	r->replies_total++;
	if (grow(s, (void **)&r->replies, r->n_replies, SMTP_REPLIES_MAX, sizeof *r->replies) == 0) {
		struct smtp_reply *rp = &r->replies[r->n_replies++];
		rp->ts = s->ts;
		rp->code = code;
		rp->lines = ra->lines;
		rp->enhanced = enh[0] ? sdup(s, enh, strlen(enh)) : NULL;
		if (code == 334) {
			char red[64];
			int k = snprintf(red, sizeof red, "[redacted %llu bytes]",
					 (unsigned long long)ra->text_total);
			rp->text = sdup(s, red, (size_t)k);
		} else {
			rp->text = stored = sdup(s, ra->text, ra->text_len);
		}
	} else if (!s->dead && !s->replies_capped) {
		s->replies_capped = 1;
		anomaly_z(s, ANOM_REPLIES_CAP, NULL);
	}

	/* the greeting: the first reply, unless it answers STARTTLS or a
	 * command sent before it (4xx/5xx greeting with nothing pending) */
	if (!s->any_reply &&
	    ((code == 220 && (!e || (e->type != SMTP_CMD_STARTTLS &&
				     e->type != SMTP_CMD_X_ANONYMOUSTLS))) ||
	     (!e && r->cmds_total == 0 && code >= 400))) {
		char ver[64];
		const char *sw;

		s->any_reply = 1;
		r->banner_code = code;
		if (r->banner_shared) { /* never: one greeting per session */
			r->banner_text = NULL;
			r->banner_shared = 0;
		}
		if (stored) { /* the same bytes: one copy for both */
			free(r->banner_text);
			r->banner_text = stored;
			r->banner_shared = 1;
		} else {
			sset(s, &r->banner_text, ra->text, ra->text_len);
		}
		set_first_word(s, &r->banner_host, ra->text, ra->text_len);
		ver[0] = 0;
		sw = software_fingerprint(ra->text, ra->text_len, ver, sizeof ver);
		r->software = sw; /* a static name from the table */
		if (ver[0])
			sset(s, &r->software_version, ver, strnlen(ver, sizeof ver));
		return;
	}
	s->any_reply = 1;
	if (!e) {
		if (code == 334) /* an exchange we did not see begin */
			s->auth_active = s->auth_await = 1;
		else if (s->auth_active)
			s->auth_active = s->auth_await = s->auth_first = 0;
		anomaly(s, ANOM_UNSOLICITED_REPLY, ra->text, code == 334 ? 0 : ra->text_len);
		return;
	}
	m = mail_at(s, e->mail);
	switch (e->type) {
	case SMTP_CMD_AUTH:
	case SMTP_CMD_X_EXPS:
		reply_auth(s, code); /* pops unless 334 */
		return;
	case SMTP_CMD_HELO:
	case SMTP_CMD_EHLO:
	case SMTP_CMD_LHLO:
		reply_helo(s, e, code, ra->text, ra->text_len);
		break;
	case SMTP_CMD_MAIL:
		if (m)
			m->mail_code = code;
		if (code / 100 != 2 && s->cur_mail == e->mail)
			s->cur_mail = -1;
		break;
	case SMTP_CMD_RCPT:
		if (m) {
			if (code / 100 == 2)
				m->accepted++;
			if (e->rcpt >= 0 && e->rcpt < m->n_rcpts) {
				m->rcpts[e->rcpt].code = code;
				if (enh[0])
					sset(s, &m->rcpts[e->rcpt].enhanced, enh, strlen(enh));
			}
		}
		break;
	case SMTP_CMD_DATA:
		if (m)
			m->data_code = code;
		if (code == 354) {
			if (s->spec) {
				s->spec = 0;
			} else if (s->d[SMTP_C2S].mode == M_LINES) {
				int mail = e->mail;
				pq_pop(s);
				body_start(s, mail);
				s->d[SMTP_C2S].mode = M_BODY;
				client_reinject(s);
				return;
			}
		} else if (s->spec) {
			/* the client sent its body, the server refused DATA */
			s->spec = 0;
			if (s->d[SMTP_C2S].mode == M_BODY) {
				body_end(s, 0);
			} else {
				struct pend *nx;
				if (m)
					m->completed = 0;
				pq_pop(s);
				nx = pq_front(s);
				if (nx && nx->type == SMTP_PSEUDO_EOD)
					pq_pop(s);
				return;
			}
		}
		break;
	case SMTP_PSEUDO_EOD:
		if (m) {
			m->final_code = code;
			if (enh[0])
				sset(s, &m->final_enhanced, enh, strlen(enh));
		}
		break;
	case SMTP_CMD_BDAT:
		if (m) {
			m->data_code = code;
			if (e->flags & PEND_LAST) {
				m->final_code = code;
				if (enh[0])
					sset(s, &m->final_enhanced, enh, strlen(enh));
			}
		}
		break;
	case SMTP_CMD_STARTTLS:
	case SMTP_CMD_X_ANONYMOUSTLS: /* Exchange 2007+: STARTTLS under another name */
		r->starttls_code = code;
		if (code == 220) {
			int x = e->type == SMTP_CMD_X_ANONYMOUSTLS;
			pq_pop(s);
			tls_start(s, x ? "x-anonymoustls" : "starttls");
			return;
		}
		break;
	case SMTP_CMD_XEXCH50:
		if (code == 354 && !(e->flags & PEND_BAD_SIZE) && s->d[SMTP_C2S].mode == M_LINES) {
			uint64_t size = e->size;
			pq_pop(s);
			if (size == 0) {
				pq_push(s, SMTP_PSEUDO_BLOB_END, -1);
			} else {
				s->blob_left = size;
				s->d[SMTP_C2S].mode = M_BLOB;
				client_reinject(s);
			}
			return;
		}
		break;
	default:
		break;
	}
	pq_pop(s);
}

/* A whole reply was read: act on it, then give its text buffer back (a
 * mirror port holds many idle sessions). */
static void reply_done(struct smtp_session *s)
{
	reply_handle(s);
	free(s->ra.text);
	s->ra.text = NULL;
	s->ra.text_cap = 0;
}

static void reply_line(struct smtp_session *s, const uint8_t *p, size_t n)
{
	struct reply_acc *ra = &s->ra;
	const uint8_t *t;
	size_t tl, room;
	int code, cont;
	struct pend *e;

	if (n < 3 || p[0] < '1' || p[0] > '5' || !is_digit(p[1]) || !is_digit(p[2]) ||
	    (n > 3 && p[3] != ' ' && p[3] != '-')) {
		anomaly(s, ANOM_BAD_REPLY, p, n);
		return;
	}
	s->r.saw_smtp = 1;
	code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
	cont = n > 3 && p[3] == '-';
	t = p + (n > 4 ? 4 : n);
	tl = (size_t)(p + n - t);
	if (!ra->active) {
		ra->active = 1;
		ra->code = code;
		ra->lines = 0;
		ra->mismatch = ra->too_many = 0;
		ra->text_len = 0;
		ra->text_total = 0;
		if (reserve(s, &ra->text, &ra->text_cap, tl + 1 < SMTP_FIELD_MAX + 1 ? tl + 1 : SMTP_FIELD_MAX + 1,
			    SMTP_FIELD_MAX + 1) < 0)
			return;
		ra->text[0] = 0;
	} else if (code != ra->code) {
		if (!ra->mismatch)
			anomaly(s, ANOM_REPLY_CODE_MISMATCH, p, 3);
		ra->mismatch = 1;
		ra->code = code;
	}
	ra->lines++;
	if (ra->lines > SMTP_REPLY_LINES_MAX) {
		if (!ra->too_many)
			anomaly_z(s, ANOM_REPLY_TOO_MANY_LINES, NULL);
		ra->too_many = 1;
	} else {
		size_t want = ra->text_len + 1 + tl + 1;
		if (reserve(s, &ra->text, &ra->text_cap, want < SMTP_FIELD_MAX + 1 ? want : SMTP_FIELD_MAX + 1,
			    SMTP_FIELD_MAX + 1) < 0)
			return;
		if (ra->lines > 1) {
			ra->text_total++;
			if (ra->text_len < SMTP_FIELD_MAX)
				ra->text[ra->text_len++] = '\n';
		}
		ra->text_total += tl;
		room = SMTP_FIELD_MAX - ra->text_len;
		memcpy(ra->text + ra->text_len, t, tl < room ? tl : room);
		ra->text_len += tl < room ? tl : room;
		ra->text[ra->text_len] = 0;
		e = pq_front(s);
		if (ra->lines > 1 && code == 250 && e && e->type == SMTP_CMD_EHLO && !s->helo_accepted)
			ext_add(s, t, tl);
	}
	if (!cont)
		reply_done(s);
}

/* ---- commands ------------------------------------------------------------ */

static struct smtp_command *cmd_store(struct smtp_session *s, int id, const uint8_t *verb, size_t vl,
				      const void *arg, size_t al)
{
	struct smtp_record *r = &s->r;
	struct smtp_command *c;

	r->cmds_total++;
	if (grow(s, (void **)&r->cmds, r->n_cmds,
		 SMTP_CMDS_MAX, sizeof *r->cmds) < 0) {
		if (!s->dead && !s->cmds_capped) {
			s->cmds_capped = 1;
			anomaly_z(s, ANOM_CMDS_CAP, NULL);
		}
		return NULL;
	}
	c = &r->cmds[r->n_cmds++];
	c->ts = s->ts;
	c->verb = sdup_upper(s, verb, vl);
	c->arg = al ? sdup(s, arg, al) : NULL;
	c->known = id != SMTP_CMD_UNKNOWN;
	return c;
}

/* "<path> rest" or "path rest": the address and what follows. */
static void parse_path(const uint8_t *a, size_t n, int whole, const uint8_t **addr, size_t *al,
		       const uint8_t **rest, size_t *rl)
{
	const uint8_t *gt;

	trim(&a, &n);
	if (n && a[0] == '<' && (gt = memchr(a, '>', n))) {
		*addr = a + 1;
		*al = (size_t)(gt - a - 1);
		*rest = gt + 1;
	} else {
		*addr = a;
		*al = whole ? n : word_len(a, n);
		*rest = a + *al;
	}
	*rl = (size_t)(a + n - *rest);
	trim(rest, rl);
}

/* Skips "FROM:" / "TO:" (RFC 5321 4.1.1.2/3), tolerating a space before the path. */
static void skip_prefix(const uint8_t **a, size_t *n, const char *pfx)
{
	size_t pl = strlen(pfx);

	trim(a, n);
	if (*n >= pl && strncasecmp((const char *)*a, pfx, pl) == 0) {
		*a += pl;
		*n -= pl;
	} else {
		const uint8_t *c = memchr(*a, ':', *n);
		if (c && !memchr(*a, '<', (size_t)(c - *a))) {
			*n -= (size_t)(c + 1 - *a);
			*a = c + 1;
		}
	}
}

static void mail_params(struct smtp_session *s, struct smtp_mail *m, const uint8_t *p, size_t n)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{ "BODY", offsetof(struct smtp_mail, body_type) },
		{ "RET", offsetof(struct smtp_mail, ret) },
		{ "ENVID", offsetof(struct smtp_mail, envid) },
		{ "AUTH", offsetof(struct smtp_mail, auth) },
	};
	size_t i = 0, k;

	while (i < n) {
		size_t st, wl, kl;
		const uint8_t *w, *eq;

		while (i < n && (p[i] == ' ' || p[i] == '\t'))
			i++;
		st = i;
		while (i < n && p[i] != ' ' && p[i] != '\t')
			i++;
		w = p + st;
		wl = i - st;
		if (!wl || !(eq = memchr(w, '=', wl)))
			continue;
		kl = (size_t)(eq - w);
		if (kl == 4 && strncasecmp((const char *)w, "SIZE", 4) == 0) {
			uint64_t v;
			if (parse_num(eq + 1, wl - kl - 1, &v) == 0)
				m->size_param = v;
			continue;
		}
		for (k = 0; k < sizeof keys / sizeof keys[0]; k++)
			if (strlen(keys[k].key) == kl && strncasecmp((const char *)w, keys[k].key, kl) == 0)
				sset(s, (char **)((char *)m + keys[k].off), eq + 1, wl - kl - 1);
	}
}

static void cmd_mail(struct smtp_session *s, struct pend *e, const uint8_t *a, size_t n)
{
	struct smtp_record *r = &s->r;
	struct smtp_mail *m;
	const uint8_t *addr, *rest;
	size_t al, rl;

	r->mail_count++;
	if (s->bdat_open) /* a new transaction drops an unfinished BDAT body */
		body_end(s, 0);
	if (grow(s, (void **)&r->mails, r->n_mails,
		 SMTP_MAILS_MAX, sizeof *r->mails) < 0) {
		if (!s->dead && !s->mails_capped) {
			s->mails_capped = 1;
			anomaly_z(s, ANOM_MAILS_CAP, NULL);
		}
		s->cur_mail = -2;
		if (e)
			e->mail = -2;
		return;
	}
	m = &r->mails[r->n_mails];
	memset(m, 0, sizeof *m);
	s->cur_mail = r->n_mails++;
	if (e)
		e->mail = s->cur_mail;
	m->ts = s->ts;
	skip_prefix(&a, &n, "FROM:");
	parse_path(a, n, 0, &addr, &al, &rest, &rl);
	m->mail_from = sdup(s, addr, al);
	if (rl) {
		m->params = sdup(s, rest, rl);
		mail_params(s, m, rest, rl);
	}
}

static void cmd_rcpt(struct smtp_session *s, struct pend *e, const uint8_t *a, size_t n)
{
	struct smtp_mail *m = mail_at(s, s->cur_mail);
	struct smtp_recipient *rc;
	const uint8_t *addr, *rest;
	size_t al, rl;

	if (e)
		e->mail = s->cur_mail;
	if (!m)
		return;
	m->rcpt_count++;
	if (grow(s, (void **)&m->rcpts, m->n_rcpts,
		 SMTP_RCPT_MAX, sizeof *m->rcpts) < 0) {
		if (!s->dead && m->n_rcpts == SMTP_RCPT_MAX && m->rcpt_count == SMTP_RCPT_MAX + 1)
			anomaly_z(s, ANOM_RCPT_CAP, NULL);
		return;
	}
	skip_prefix(&a, &n, "TO:");
	parse_path(a, n, 1, &addr, &al, &rest, &rl);
	rc = &m->rcpts[m->n_rcpts];
	memset(rc, 0, sizeof *rc);
	rc->address = sdup(s, addr, al);
	if (e)
		e->rcpt = m->n_rcpts;
	m->n_rcpts++;
}

static void cmd_bdat(struct smtp_session *s, struct pend *e, const uint8_t *a, size_t n)
{
	struct smtp_mail *m;
	uint64_t size;
	size_t wl;
	const uint8_t *rest;
	size_t rl;
	int last = 0;

	trim(&a, &n);
	wl = word_len(a, n);
	rest = a + wl;
	rl = n - wl;
	trim(&rest, &rl);
	if (parse_num(a, wl, &size) < 0) {
		anomaly(s, ANOM_BDAT_BAD_SIZE, a, wl);
		return;
	}
	if (rl == 4 && strncasecmp((const char *)rest, "LAST", 4) == 0)
		last = 1;
	s->r.bdat = 1;
	if (e) {
		e->mail = s->cur_mail;
		if (last)
			e->flags |= PEND_LAST;
	}
	if (!s->bdat_open) {
		body_start(s, s->cur_mail);
		s->bdat_open = 1;
	}
	if ((m = mail_at(s, s->body_mail))) {
		m->bdat = 1;
		m->bdat_chunks++;
	}
	s->chunk_left = size;
	s->chunk_last = last;
	if (size)
		s->d[SMTP_C2S].mode = M_BDAT;
	else if (last)
		body_end(s, 1);
}

static void cmd_auth(struct smtp_session *s, int id, const uint8_t *verb, size_t vl, const uint8_t *a, size_t n)
{
	struct smtp_record *r = &s->r;
	const uint8_t *ir;
	size_t ml, il, i;
	char buf[128];
	int k;

	trim(&a, &n);
	ml = word_len(a, n);
	ir = a + ml;
	il = n - ml;
	trim(&ir, &il);
	if (ml > 64)
		ml = 64;
	if (il)
		k = snprintf(buf, sizeof buf, "%.*s [redacted %zu bytes]", (int)ml, (const char *)a, il);
	else
		k = snprintf(buf, sizeof buf, "%.*s", (int)ml, (const char *)a);
	if (k < 0)
		k = 0;
	if ((size_t)k >= sizeof buf)
		k = sizeof buf - 1;
	for (i = 0; i < ml; i++)
		buf[i] = (char)to_upper((uint8_t)buf[i]);
	cmd_store(s, id, verb, vl, buf, (size_t)k);
	r->auth_payload_bytes += il;
	if (id == SMTP_CMD_X_EXPS)
		r->xexps_used = 1;
	s->auth_active = 1;
	s->auth_await = 0;
	s->auth_first = 0;
	s->auth_guard = 1;
	if (!r->auth_mechanism) {
		r->auth_mechanism = sdup_upper(s, a, ml);
		s->auth_first = 1;
	}
}

static void client_command(struct smtp_session *s, const uint8_t *p, size_t n)
{
	struct smtp_record *r = &s->r;
	size_t vl = word_len(p, n), al;
	const uint8_t *a = p + vl;
	int id = cmd_lookup(p, vl);
	struct pend *e;

	al = n - vl;
	trim(&a, &al);
	if (id != SMTP_CMD_UNKNOWN) {
		r->saw_smtp = 1;
		s->known_cmds++;
		s->auth_guard = 0; /* the client moved on: an AUTH sets it again below */
	}
	else
		anomaly(s, ANOM_UNKNOWN_COMMAND, p, vl);
	if (pq_has_command(s)) {
		r->pipelined = 1;
		if (!s->pipelining_adv && !s->pipelining_noted) {
			s->pipelining_noted = 1;
			anomaly(s, ANOM_PIPELINING_UNADVERTISED, p, vl);
		}
	}
	if (id == SMTP_CMD_AUTH || id == SMTP_CMD_X_EXPS) {
		pq_push(s, id, -1);
		cmd_auth(s, id, p, vl, a, al);
		return;
	}
	cmd_store(s, id, p, vl, a, al);
	e = pq_push(s, id, -1);
	switch (id) {
	case SMTP_CMD_HELO:
	case SMTP_CMD_EHLO:
	case SMTP_CMD_LHLO:
		if (s->helo_accepted)
			break;
		if (!r->helo_verb) {
			r->helo_verb = sdup_upper(s, p, vl);
			r->helo_arg = sdup(s, a, al);
			if (e)
				e->flags |= PEND_FIRST_HELO;
		} else if (e) {
			e->verb = sdup_upper(s, p, vl);
			e->arg = sdup(s, a, al);
		}
		break;
	case SMTP_CMD_MAIL:
		cmd_mail(s, e, a, al);
		break;
	case SMTP_CMD_RCPT:
		cmd_rcpt(s, e, a, al);
		break;
	case SMTP_CMD_DATA:
		if (e)
			e->mail = s->cur_mail;
		break;
	case SMTP_CMD_BDAT:
		cmd_bdat(s, e, a, al);
		break;
	case SMTP_CMD_RSET:
		if (s->bdat_open)
			body_end(s, 0);
		s->cur_mail = -1;
		break;
	case SMTP_CMD_QUIT:
		r->quit = 1;
		break;
	case SMTP_CMD_XEXCH50:
		if (e) {
			size_t wl = word_len(a, al);
			if (parse_num(a, wl, &e->size) < 0 || e->size > SMTP_XEXCH50_MAX) {
				e->flags |= PEND_BAD_SIZE;
				anomaly(s, ANOM_XEXCH50_BAD_SIZE, a, wl);
			}
		}
		break;
	default:
		break;
	}
}

/* ---- lines ----------------------------------------------------------------- */

/* A single base64 token that no command word looks like ("dXNlcg==", mixed
 * case or padded): an AUTH payload whose exchange we did not see (capture
 * began in the middle of it, or a gap).  Never stored. */
static int line_is_b64(const uint8_t *p, size_t n)
{
	size_t i;
	int lower = 0, other = 0;

	if (n < 4)
		return 0;
	for (i = 0; i < n; i++) {
		uint8_t c = p[i];
		if (c >= 'a' && c <= 'z')
			lower = 1;
		else if ((c >= 'A' && c <= 'Z') || is_digit(c) || c == '+' || c == '/')
			other = 1;
		else if (c != '=' || i < n - 2)
			return 0;
	}
	return (lower && other) || p[n - 1] == '=';
}

/* Binary: control bytes other than TAB/CR, or more than one NUL.  *ctl gets
 * the number of control bytes. */
static int line_is_binary(const uint8_t *p, size_t n, int *nul, size_t *ctl)
{
	size_t i, nctl = 0;
	int nuls = 0;

	for (i = 0; i < n; i++) {
		uint8_t c = p[i];
		if (c == 0)
			nuls++;
		else if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f)
			nctl++;
	}
	*nul = nuls;
	*ctl = nctl;
	return nctl > 0 || nuls > 1;
}

/* p[0..n) with each control byte (as line_is_binary() counts them) written
 * as the four characters \xHH, into out (at most cap bytes; the rest is cut).
 * Returns the length written. */
static size_t escape_ctl(const uint8_t *p, size_t n, uint8_t *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		uint8_t c = p[i];
		if ((c != 0 && c < 0x20 && c != '\t' && c != '\r') || c == 0x7f) {
			if (o + 4 > cap)
				break;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = (uint8_t)hex[c >> 4];
			out[o++] = (uint8_t)hex[c & 15];
		} else {
			if (o + 1 > cap)
				break;
			out[o++] = c;
		}
	}
	return o;
}

static int reply_shaped(const uint8_t *p, size_t n)
{
	return n >= 3 && p[0] >= '1' && p[0] <= '5' && is_digit(p[1]) && is_digit(p[2]);
}

/* A whole line p[0..n) (n <= SMTP_LINE_MAX, CRLF removed) whose full length
 * was full; bare: it ended with LF alone; eol: it ended at all (else the
 * connection closed after it). */
static void line_done(struct smtp_session *s, int dir, const uint8_t *p, size_t n, uint64_t full, int bare, int eol)
{
	struct dstate *d = &s->d[dir];
	struct pend *back;
	uint8_t esc[SMTP_LINE_MAX];
	size_t ctl, en;
	int nul, bin, valid;

	if (dir == SMTP_C2S) {
		if ((s->auth_active && (s->auth_await || !line_is_command(p, n))) ||
		    (s->auth_guard && !line_is_command(p, n))) {
			s->r.auth_payload_bytes += full;
			s->auth_await = 0;
			if (n == 1 && p[0] == '*')
				anomaly_z(s, ANOM_AUTH_CANCELLED, NULL);
			return;
		}
		if (line_is_b64(p, n) && !line_is_command(p, n))
			return; /* dropped, not counted: it may as well be base64 body text after a gap */
		back = pq_back(s);
		if (back && back->type == SMTP_CMD_DATA && d->mode == M_LINES && !line_is_command(p, n)) {
			/* body sent before the reply to DATA */
			s->spec = 1;
			body_start(s, back->mail);
			d->mode = M_BODY;
			body_step(s, p, n);
			if (d->mode == M_BODY)
				body_step(s, (const uint8_t *)(bare || !eol ? "\n" : "\r\n"), bare || !eol ? 1 : 2);
			return;
		}
	}
	bin = line_is_binary(p, n, &nul, &ctl);
	/* A text line with a few control bytes (a BEL in a banner, an ESC
	 * sequence in EHLO) is evidence, not garbage: it is parsed with each
	 * control byte escaped as \xHH, and counted.  At most one control byte
	 * in 8, and the escaped line must still be a command or a reply. */
	if (bin && nul <= 1 && ctl * 8 <= n) {
		en = escape_ctl(p, n, esc, sizeof esc);
		if (dir == SMTP_C2S ? line_is_command(esc, en) : reply_shaped(esc, en)) {
			anomaly_z(s, ANOM_CONTROL_BYTE, dir == SMTP_C2S ? "client" : "server");
			full += en - n;
			p = esc;
			n = en;
			bin = 0;
		}
	}
	if (dir == SMTP_C2S)
		valid = !bin && line_is_command(p, n);
	else
		valid = !bin && reply_shaped(p, n);
	if (bin) {
		if (!d->garbage) {
			d->garbage = 1;
			anomaly_z(s, ANOM_BINARY_GARBAGE, dir == SMTP_C2S ? "client" : "server");
			if (dir == SMTP_C2S) /* one line per run is kept */
				cmd_store(s, SMTP_CMD_UNKNOWN, p, word_len(p, n > 32 ? 32 : n), NULL, 0);
		}
		return;
	}
	if (d->garbage) {
		if (!valid)
			return;
		d->garbage = 0;
	}
	if (full > n) {
		anomaly(s, ANOM_LINE_TOO_LONG, p, word_len(p, n));
		anomaly(s, ANOM_LINE_OVER_RFC, p, word_len(p, n));
	} else if (full + 2 > (dir == SMTP_C2S ? SMTP_CMD_LINE_RFC : SMTP_REPLY_LINE_RFC)) {
		anomaly(s, ANOM_LINE_OVER_RFC, p, word_len(p, n));
	}
	if (bare && eol)
		anomaly_z(s, ANOM_BARE_LF, dir == SMTP_C2S ? "client" : "server");
	if (nul)
		anomaly_z(s, ANOM_NUL_BYTE, dir == SMTP_C2S ? "client" : "server");
	if (dir == SMTP_C2S)
		client_command(s, p, n);
	else
		reply_line(s, p, n);
	if (s->field_capped == 1) {
		s->field_capped = 2;
		anomaly_z(s, ANOM_FIELD_CAP, NULL);
	}
}

/* LINES mode: hands at most one line to line_done(); returns bytes used. */
static size_t lines_step(struct smtp_session *s, int dir, const uint8_t *p, size_t n)
{
	struct dstate *d = &s->d[dir];
	const uint8_t *lf = memchr(p, '\n', n);
	size_t take = lf ? (size_t)(lf - p) : n, keep, room;
	uint64_t full;
	int cr;

	if (d->resync) {
		if (lf)
			d->resync = 0;
		return lf ? take + 1 : n;
	}
	if (lf && d->total == 0) {
		/* fast path: the whole line is in the caller's buffer */
		cr = take > 0 && p[take - 1] == '\r';
		full = take - (size_t)cr;
		line_done(s, dir, p, full < SMTP_LINE_MAX ? full : SMTP_LINE_MAX, full, !cr, 1);
		return take + 1;
	}
	if (take) {
		room = SMTP_LINE_MAX - d->len;
		if (room && reserve(s, &d->line, &d->cap, d->len + (take < room ? take : room), SMTP_LINE_MAX) < 0)
			return n;
		memcpy(d->line + d->len, p, take < room ? take : room);
		d->len += take < room ? take : room;
		d->total += take;
		d->last = p[take - 1];
	}
	if (!lf)
		return n;
	cr = d->total > 0 && d->last == '\r';
	full = d->total - (uint64_t)cr;
	keep = full < d->len ? (size_t)full : d->len;
	d->len = 0;
	d->total = 0;
	line_done(s, dir, d->line, keep, full, !cr, 1);
	return take + 1;
}

/* The bytes after the 220 are SMTP, not TLS: say so and parse on as SMTP. */
static void plaintext_resume(struct smtp_session *s, int dir)
{
	s->r.tls_plaintext = 1;
	anomaly_z(s, ANOM_PLAINTEXT_AFTER_STARTTLS, dir == SMTP_C2S ? "client" : "server");
	s->d[SMTP_C2S].mode = M_LINES;
	s->d[SMTP_S2C].mode = M_LINES;
}

/* M_TLS: the first byte of each direction decides TLS or plaintext (a TLS
 * record starts with content type 20..24); TLS bytes go to the parser.
 * Returns the bytes used: 0 when the direction went back to LINES. */
static size_t tls_bytes(struct smtp_session *s, int dir, const uint8_t *p, size_t n)
{
	struct dstate *d = &s->d[dir];

	if (!d->tls_checked) {
		d->tls_checked = 1;
		d->tls_is = (uint8_t)tls_probe_byte(p[0]);
		/* plaintext when the first side to speak does, or when the server
		 * answers a TLS hello with a reply line (ndpi-smtps.pcapng: port
		 * 465, ClientHello, then a plaintext "220-" Exim banner) */
		if (!d->tls_is && (!s->d[!dir].tls_is || (dir == SMTP_S2C && is_digit(p[0])))) {
			plaintext_resume(s, dir);
			return 0;
		}
		if (!d->tls_is)
			anomaly_z(s, ANOM_DATA_IN_TLS, dir == SMTP_C2S ? "client" : "server");
	}
	if (s->tls && tls_feed(s->tls, dir == SMTP_C2S ? TLS_C2S : TLS_S2C, p, n, s->ts) < 0)
		s->dead = 1;
	return n;
}

/* Parses p[0..n) of direction dir in whatever mode it is in. */
static void feed_dir(struct smtp_session *s, int dir, const uint8_t *p, size_t n)
{
	struct dstate *d = &s->d[dir];
	size_t used;

	while (n && !s->dead) {
		switch (d->mode) {
		case M_LINES:
			used = lines_step(s, dir, p, n);
			break;
		case M_BODY:
			used = body_step(s, p, n);
			break;
		case M_BDAT:
			used = n < s->chunk_left ? n : (size_t)s->chunk_left;
			body_feed(s, p, used);
			if ((s->chunk_left -= used) == 0) {
				d->mode = M_LINES;
				if (s->chunk_last)
					body_end(s, 1);
			}
			break;
		case M_BLOB:
			used = n < s->blob_left ? n : (size_t)s->blob_left;
			if ((s->blob_left -= used) == 0) {
				d->mode = M_LINES;
				pq_push(s, SMTP_PSEUDO_BLOB_END, -1);
			}
			break;
		default: /* M_TLS */
			used = tls_bytes(s, dir, p, n);
			break;
		}
		p += used;
		n -= used;
	}
}

/* The client's mode changed on a server reply: bytes it already sent (held
 * in its line buffer) belong to the new mode. */
static void client_reinject(struct smtp_session *s)
{
	struct dstate *d = &s->d[SMTP_C2S];
	uint8_t tmp[SMTP_LINE_MAX];
	size_t n = d->len;

	if (!n || d->resync || d->total != d->len) {
		d->len = 0;
		d->total = 0;
		return;
	}
	memcpy(tmp, d->line, n);
	d->len = 0;
	d->total = 0;
	feed_dir(s, SMTP_C2S, tmp, n);
}

static void tls_anomaly(void *ctx, enum anomaly_kind kind, const char *detail)
{
	anomaly_z(ctx, kind, detail);
}

/* mode: "starttls", "x-anonymoustls" or "implicit" (a static string) */
static void tls_start(struct smtp_session *s, const char *mode)
{
	struct dstate *c = &s->d[SMTP_C2S];

	s->r.starttls = mode[0] != 'i';
	s->r.tls_mode = mode;
	s->r.tls_plaintext = 0;
	if (pq_has_command(s) || (c->len && c->mode == M_LINES && !tls_probe_byte(c->line[0])))
		anomaly_z(s, ANOM_DATA_IN_TLS, "command pipelined after STARTTLS");
	pq_drop_all(s);
	c->len = 0;
	c->total = 0;
	if (c->mode == M_BODY || c->mode == M_BDAT)
		body_end(s, 0);
	c->mode = M_TLS;
	s->d[SMTP_S2C].mode = M_TLS;
	c->tls_checked = c->tls_is = 0;
	s->d[SMTP_S2C].tls_checked = s->d[SMTP_S2C].tls_is = 0;
	s->ra.active = 0;
	if (!s->tls && !(s->tls = tls_new(tls_anomaly, s)))
		s->dead = 1;
	/* X-ANONYMOUSTLS is followed by X-EXPS Kerberos inside the tunnel */
	tls_set_auth_hint(s->tls, mode[0] == 'x' || s->r.xexps_advertised ||
				  (s->r.auth_mechanisms && strstr(s->r.auth_mechanisms, "GSSAPI")));
	s->r.tls = tls_info(s->tls);
	s->r.tls_session = s->tls; /* the record owns it: it outlives the parser (smtp_take_record) */
}

/* ---- public API ------------------------------------------------------------ */

struct smtp_session *smtp_new(void)
{
	struct smtp_session *s = calloc(1, sizeof *s);

	if (!s)
		return NULL;
	s->cur_mail = -1;
	s->body_mail = -1;
	s->r.outcome = SMTP_OUTCOME_UNKNOWN;
	return s;
}

int smtp_begin_tls(struct smtp_session *s)
{
	if (!s || s->dead)
		return -1;
	tls_start(s, "implicit");
	s->r.saw_smtp = 1; /* a TLS hello on an SMTPS port: stored as a session */
	return s->dead ? -1 : 0;
}

int smtp_feed(struct smtp_session *s, enum smtp_dir dir, const uint8_t *buf, size_t len, uint64_t ts)
{
	if (!s || s->dead)
		return -1;
	if ((dir != SMTP_C2S && dir != SMTP_S2C) || s->finished || !len)
		return 0;
	if (dir == SMTP_C2S)
		s->r.bytes_c2s += len;
	else
		s->r.bytes_s2c += len;
	s->ts = ts;
	feed_dir(s, dir, buf, len);
	return s->dead ? -1 : 0;
}

int smtp_gap(struct smtp_session *s, enum smtp_dir dir, uint64_t len, uint64_t ts)
{
	struct dstate *d;

	if (!s || s->dead)
		return -1;
	if ((dir != SMTP_C2S && dir != SMTP_S2C) || s->finished)
		return 0;
	d = &s->d[dir];
	s->ts = ts;
	s->r.gaps++;
	s->r.gap_bytes += len;
	if (d->mode == M_TLS) {
		if (s->tls && tls_gap(s->tls, dir == SMTP_C2S ? TLS_C2S : TLS_S2C, len, ts) < 0)
			s->dead = 1;
		return s->dead ? -1 : 0;
	}
	if (dir == SMTP_C2S && d->mode == M_BLOB && len < s->blob_left) {
		s->blob_left -= len;  /* a hole inside an opaque blob changes nothing */
		return 0;
	}
	if (dir == SMTP_C2S)
		body_truncate(s);
	else
		s->ra.active = 0;
	s->spec = 0;
	pq_drop_all(s);
	d->len = 0;
	d->total = 0;
	d->resync = 1;
	if (s->auth_active)
		s->auth_await = 1; /* never store what may be a credential */
	anomaly_z(s, ANOM_GAP_RESYNC, dir == SMTP_C2S ? "client" : "server");
	return s->dead ? -1 : 0;
}

/* Outcome rules, first match wins:
 *  1. STARTTLS/X-ANONYMOUSTLS answered 220, or TLS from the
 *     start, and no plaintext after it                       -> tls
 *  2. a mail whose end of data got a 2xx final reply          -> completed
 *  3. greeting 4xx/5xx, or the recorded HELO/EHLO got 4xx/5xx
 *     and no later HELO/EHLO was accepted                     -> rejected
 *  4. nothing parsed as SMTP, or no greeting and no known
 *     command (a gap or a capture that began too late)         -> truncated
 *  5. QUIT sent after at least one MAIL FROM got 2xx, and no
 *     body was left unterminated ("QUIT after a clean exchange
 *     that included a mail")                                   -> completed
 *  6. ended by timeout, eviction or end of capture without
 *     QUIT (we do not know how it would have gone on)          -> truncated
 *  7. RST while a transaction was open (MAIL accepted or sent,
 *     not reset, body not finished)                            -> reset
 *  8. anything else: the client quit or closed (FIN/RST) after
 *     the greeting or EHLO without finishing a mail            -> aborted */
enum smtp_outcome smtp_decide(const struct smtp_decision *d)
{
	if (d->starttls)
		return SMTP_OUTCOME_TLS;
	if (d->mail_completed)
		return SMTP_OUTCOME_COMPLETED;
	if (d->banner_code >= 400 || (d->helo_code >= 400 && !d->helo_accepted))
		return SMTP_OUTCOME_REJECTED;
	if (!d->saw_smtp || (d->banner_code == 0 && d->known_cmds == 0))
		return SMTP_OUTCOME_TRUNCATED;
	if (d->quit && d->mail_accepted && !d->unterminated)
		return SMTP_OUTCOME_COMPLETED;
	if (!d->quit && (d->how == SMTP_END_TIMEOUT || d->how == SMTP_END_EVICTED || d->how == SMTP_END_CAPTURE))
		return SMTP_OUTCOME_TRUNCATED;
	if (d->how == SMTP_END_RST && d->in_txn)
		return SMTP_OUTCOME_RESET;
	return SMTP_OUTCOME_ABORTED;
}

static enum smtp_outcome decide(struct smtp_session *s, enum smtp_end how, int in_txn)
{
	const struct smtp_record *r = &s->r;
	struct smtp_decision d;
	int i;

	memset(&d, 0, sizeof d);
	for (i = 0; i < r->n_mails; i++) {
		if (r->mails[i].completed && r->mails[i].final_code / 100 == 2)
			d.mail_completed = 1;
		if (r->mails[i].mail_code / 100 == 2)
			d.mail_accepted = 1;
	}
	d.starttls = r->tls_mode && !r->tls_plaintext; /* TLS began and was TLS */
	d.banner_code = r->banner_code;
	d.helo_code = r->helo_code;
	d.helo_accepted = s->helo_accepted;
	d.saw_smtp = r->saw_smtp;
	d.known_cmds = s->known_cmds;
	d.quit = r->quit;
	d.unterminated = s->unterminated;
	d.how = how;
	d.in_txn = in_txn;
	return smtp_decide(&d);
}

int smtp_finish(struct smtp_session *s, enum smtp_end how, uint64_t ts)
{
	int dir, in_txn;

	if (!s || s->dead)
		return -1;
	if (s->finished)
		return 0;
	s->ts = ts;
	/* after an orderly close or a reset a last line without LF is whole */
	if (how == SMTP_END_FIN || how == SMTP_END_RST) {
		for (dir = 0; dir < 2; dir++) {
			struct dstate *d = &s->d[dir];
			if (d->mode == M_LINES && d->len && !d->resync) {
				uint64_t full = d->total;
				size_t keep = d->len;
				int cr = full == keep && d->line[keep - 1] == '\r';
				d->len = 0;
				d->total = 0;
				line_done(s, dir, d->line, keep - (size_t)cr, full - (uint64_t)cr, 0, 0);
			}
		}
	}
	if (s->ra.active && how != SMTP_END_FIN && how != SMTP_END_RST)
		s->ra.active = 0;
	in_txn = s->cur_mail != -1 || s->d[SMTP_C2S].mode == M_BODY || s->d[SMTP_C2S].mode == M_BDAT ||
		 s->bdat_open;
	body_truncate(s);
	s->finished = 1;
	s->r.end = how;
	s->r.outcome = decide(s, how, in_txn);
	return s->dead ? -1 : 0;
}

const struct smtp_record *smtp_record(const struct smtp_session *s)
{
	return s ? &s->r : NULL;
}

void smtp_note_anomaly(struct smtp_session *s, enum anomaly_kind kind, const char *detail, uint64_t ts)
{
	if (!s || s->dead)
		return;
	s->ts = ts;
	anomaly_z(s, kind, detail);
}

void smtp_mail_clear(struct smtp_mail *m)
{
	int i;

	free(m->mail_from);
	free(m->params);
	free(m->body_type);
	free(m->ret);
	free(m->envid);
	free(m->auth);
	free(m->final_enhanced);
	for (i = 0; i < m->n_rcpts; i++) {
		free(m->rcpts[i].address);
		free(m->rcpts[i].enhanced);
	}
	free(m->rcpts);
	free(m->hdr_from);
	free(m->hdr_to);
	free(m->subject);
	free(m->date);
	free(m->message_id);
	free(m->content_type);
	for (i = 0; i < m->n_dsn; i++) {
		free(m->dsn[i].final_recipient);
		free(m->dsn[i].action);
		free(m->dsn[i].status);
		free(m->dsn[i].reporting_mta);
		free(m->dsn[i].diagnostic);
	}
	free(m->dsn);
	memset(m, 0, sizeof *m);
}

/* Frees every field r owns (not r itself) and zeroes it. */
static void record_clear(struct smtp_record *r)
{
	int i;

	tls_free(r->tls_session);
	r->tls_session = NULL;
	r->tls = NULL;

	if (!r->banner_shared)
		free(r->banner_text);
	free(r->banner_host);
	free(r->software_version);
	free(r->helo_verb);
	free(r->helo_arg);
	free(r->greeting_host);
	free(r->ehlo_first_line);
	for (i = 0; i < r->n_ext; i++) {
		free(r->ext[i].keyword);
		free(r->ext[i].params);
	}
	free(r->ext);
	free(r->xexps_mechanisms);
	free(r->auth_mechanisms);
	free(r->auth_mechanism);
	for (i = 0; i < r->n_mails; i++)
		smtp_mail_clear(&r->mails[i]);
	free(r->mails);
	for (i = 0; i < r->n_cmds; i++) {
		free(r->cmds[i].verb);
		free(r->cmds[i].arg);
	}
	free(r->cmds);
	for (i = 0; i < r->n_replies; i++) {
		free(r->replies[i].enhanced);
		free(r->replies[i].text);
	}
	free(r->replies);
	for (i = 0; i < r->n_anomalies; i++)
		free(r->anomalies[i].detail);
	free(r->anomalies);
	memset(r, 0, sizeof *r);
}

void smtp_record_free(struct smtp_record *r)
{
	if (!r)
		return;
	record_clear(r);
	free(r);
}

/* The parser's own state: everything but the record. */
static void parser_free(struct smtp_session *s)
{
	free(s->d[0].line);
	free(s->d[1].line);
	free(s->ra.text);
	msg_free(s->mp);
	pq_drop_all(s);
	free(s->pq);
}

struct smtp_record *smtp_take_record(struct smtp_session *s)
{
	struct smtp_record *r;

	if (!s)
		return NULL;
	if (s->dead) { /* the record must say it is incomplete: a slot is kept free for this */
		s->dead = 0;
		kind_count_set(s, ANOM_OUT_OF_MEMORY, 0);
		if (s->r.n_anomalies == SMTP_ANOMALIES_MAX)
			s->r.n_anomalies--, free(s->r.anomalies[s->r.n_anomalies].detail);
		anomaly_z(s, ANOM_OUT_OF_MEMORY, NULL);
	}
	if ((r = malloc(sizeof *r)) != NULL) {
		*r = s->r; /* the fields move: the session no longer owns them */
		memset(&s->r, 0, sizeof s->r);
	}
	smtp_free(s);
	return r;
}

void smtp_free(struct smtp_session *s)
{
	if (!s)
		return;
	parser_free(s);
	record_clear(&s->r);
	free(s);
}

/* ---- probe ----------------------------------------------------------------- */

int smtp_probe(enum smtp_dir dir, const uint8_t *buf, size_t len)
{
	size_t i;

	if (!buf)
		return 0;
	if (dir == SMTP_S2C) {
		if (len < 4 || buf[0] < '2' || buf[0] > '5' || !is_digit(buf[1]) || !is_digit(buf[2]))
			return 0;
		if (buf[3] != ' ' && buf[3] != '-' && buf[3] != '\r' && buf[3] != '\n')
			return 0;
		return buf[0] == '2' && buf[1] == '2' && buf[2] == '0' ? 2 : 1;
	}
	for (i = 0; i < len && i < 16; i++)
		if (buf[i] == ' ' || buf[i] == '\r' || buf[i] == '\n')
			break;
	if (i == 0 || i == len || i == 16)
		return 0;
	return cmd_lookup(buf, i) != SMTP_CMD_UNKNOWN ? 1 : 0;
}
