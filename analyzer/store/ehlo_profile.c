/* \summary: EHLO profiles, each capability list stored once; see ehlo_profile.h. */
#include "analyzer/store/ehlo_profile.h"
#include "analyzer/base/limits.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

enum { P_FIND, P_INSERT, P_EXT, P__COUNT };

static const char *const prof_sql[P__COUNT] = {
	[P_FIND] = "SELECT id FROM ehlo_profiles WHERE capabilities = ?1",
	[P_INSERT] = "INSERT INTO ehlo_profiles (capabilities, extensions) VALUES (?1, ?2)",
	[P_EXT] = ("INSERT INTO ehlo_profile_extensions (profile_id, seq, keyword, params)"
		   " VALUES (?1, ?2, ?3, ?4)"),
};

struct prof_slot {
	uint64_t hash;        /* of the text; 0 = empty */
	int64_t id;           /* ehlo_profiles.id */
	char *caps;           /* owned (malloc), len bytes + NUL */
	size_t len;
};

/* Open addressing, twice as many slots as remembered lists. */
#define PROF_SLOTS (2 * STORE_PROFILE_CACHE)

struct ehlo_profiles {
	sqlite3 *db;                  /* borrowed */
	sqlite3_stmt *q[P__COUNT];    /* owned */
	struct prof_slot slot[PROF_SLOTS];
	unsigned used;
	char *buf;                    /* owned: the text being looked up */
	size_t buf_cap;
};

/* Copies n bytes at offset at of buf (as far as cap allows); the new offset. */
static size_t put(char *buf, size_t cap, size_t at, const char *p, size_t n)
{
	if (at < cap)
		memcpy(buf + at, p, at + n <= cap ? n : cap - at);
	return at + n;
}

size_t ehlo_caps_text(const struct smtp_extension *ext, int n, char *buf, size_t cap)
{
	size_t len = 0;
	int i;

	for (i = 0; i < n; i++) {
		const char *kw = ext[i].keyword ? ext[i].keyword : "";
		if (i)
			len = put(buf, cap, len, "\n", 1);
		len = put(buf, cap, len, kw, strlen(kw));
		if (ext[i].params) {
			len = put(buf, cap, len, " ", 1);
			len = put(buf, cap, len, ext[i].params, strlen(ext[i].params));
		}
	}
	if (cap)
		buf[len < cap ? len : cap - 1] = 0;
	return len;
}

/* FNV-1a 64; never 0 (0 marks an empty slot). */
static uint64_t text_hash(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (uint8_t)p[i]) * 0x100000001b3ull;
	return h ? h : 1;
}

static void forget_all(struct ehlo_profiles *p)
{
	unsigned i;

	for (i = 0; i < PROF_SLOTS; i++) {
		free(p->slot[i].caps);
		memset(&p->slot[i], 0, sizeof p->slot[i]);
	}
	p->used = 0;
}

struct ehlo_profiles *ehlo_profiles_new(sqlite3 *db)
{
	struct ehlo_profiles *p = calloc(1, sizeof *p);
	int i;

	if (!p)
		return NULL;
	p->db = db;
	for (i = 0; i < P__COUNT; i++)
		if (sqlite3_prepare_v3(db, prof_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &p->q[i],
				       NULL) != SQLITE_OK) {
			ehlo_profiles_free(p);
			return NULL;
		}
	return p;
}

void ehlo_profiles_free(struct ehlo_profiles *p)
{
	int i;

	if (!p)
		return;
	forget_all(p);
	for (i = 0; i < P__COUNT; i++)
		sqlite3_finalize(p->q[i]);
	free(p->buf);
	free(p);
}

void ehlo_profiles_rolled_back(struct ehlo_profiles *p)
{
	if (p)
		forget_all(p); /* rare: simpler than unpicking the uncommitted ones */
}

static struct prof_slot *find_slot(struct ehlo_profiles *p, uint64_t h, const char *t, size_t n)
{
	unsigned i = (unsigned)h & (PROF_SLOTS - 1);

	for (;; i = (i + 1) & (PROF_SLOTS - 1)) {
		struct prof_slot *s = &p->slot[i];
		if (!s->hash || (s->hash == h && s->len == n && memcmp(s->caps, t, n) == 0))
			return s;
	}
}

/* Steps a bound statement; SQLITE_ROW / SQLITE_DONE or an error code. */
static int step_reset(sqlite3_stmt *q, int64_t *col0)
{
	int rc = sqlite3_step(q);

	if (rc == SQLITE_ROW && col0)
		*col0 = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return rc;
}

static int insert_profile(struct ehlo_profiles *p, const struct smtp_extension *ext, int n,
			  const char *t, size_t len, int64_t *id)
{
	sqlite3_stmt *q = p->q[P_INSERT];
	int i;

	sqlite3_bind_text(q, 1, t, (int)len, SQLITE_STATIC);
	sqlite3_bind_int(q, 2, n);
	if (step_reset(q, NULL) != SQLITE_DONE)
		return -1;
	*id = sqlite3_last_insert_rowid(p->db);
	q = p->q[P_EXT];
	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(q, 1, *id);
		sqlite3_bind_int(q, 2, i + 1);
		sqlite3_bind_text(q, 3, ext[i].keyword ? ext[i].keyword : "", -1, SQLITE_STATIC);
		if (ext[i].params)
			sqlite3_bind_text(q, 4, ext[i].params, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(q, 4);
		if (step_reset(q, NULL) != SQLITE_DONE)
			return -1;
	}
	return 0;
}

int ehlo_profiles_id(struct ehlo_profiles *p, const struct smtp_extension *ext, int n, int64_t *id)
{
	struct prof_slot *s;
	size_t len;
	uint64_t h;
	int rc;

	*id = 0;
	if (n <= 0 || !ext)
		return 0;
	len = ehlo_caps_text(ext, n, p->buf, p->buf_cap);
	if (len >= p->buf_cap) {
		size_t c = len + 1 > 256 ? len + 1 : 256;
		char *b = realloc(p->buf, c);
		if (!b || len > INT_MAX)
			return -1;
		p->buf = b;
		p->buf_cap = c;
		ehlo_caps_text(ext, n, p->buf, p->buf_cap);
	}
	h = text_hash(p->buf, len);
	s = find_slot(p, h, p->buf, len);
	if (s->hash) {
		*id = s->id;
		return 0;
	}
	sqlite3_bind_text(p->q[P_FIND], 1, p->buf, (int)len, SQLITE_STATIC);
	rc = step_reset(p->q[P_FIND], id);
	if (rc == SQLITE_DONE) {
		if (insert_profile(p, ext, n, p->buf, len, id) < 0)
			return -1;
	} else if (rc != SQLITE_ROW) {
		return -1;
	}
	if (p->used >= STORE_PROFILE_CACHE) {
		forget_all(p); /* bounded: a capture with more lists than this re-reads them */
		s = find_slot(p, h, p->buf, len);
	}
	if ((s->caps = malloc(len + 1))) {
		memcpy(s->caps, p->buf, len + 1);
		s->hash = h;
		s->len = len;
		s->id = *id;
		p->used++;
	}
	return 0;
}
