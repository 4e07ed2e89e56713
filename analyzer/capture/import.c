/* \summary: idempotent, resumable imports: the hashing input and the
 * replacement rules; see import.h. */
#include "analyzer/capture/import.h"
#include "analyzer/capture/capture.h"
#include "analyzer/base/hash.h"
#include "analyzer/base/limits.h"
#include "analyzer/base/runtime.h"
#include "analyzer/store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#define IMPORT_READ_CHUNK (1u << 20)  /* import_hash_file() reads this much at once */

static void to_hex(XXH128_hash_t h, char hex[33])
{
	XXH128_canonical_t c;
	size_t i;
	static const char digits[] = "0123456789abcdef";

	XXH128_canonicalFromHash(&c, h);
	for (i = 0; i < sizeof c.digest; i++) {
		hex[2 * i] = digits[c.digest[i] >> 4];
		hex[2 * i + 1] = digits[c.digest[i] & 15];
	}
	hex[32] = 0;
}

static void set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int import_hash_file(const char *path, char hex[33], uint64_t *bytes)
{
	XXH3_state_t *xs = XXH3_createState();
	uint8_t *buf = malloc(IMPORT_READ_CHUNK);
	uint64_t total = 0;
	ssize_t n;
	int fd = -1, rc = -1, e = ENOMEM;

	if (!xs || !buf || XXH3_128bits_reset(xs) != XXH_OK)
		goto out;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		e = errno;
		goto out;
	}
	for (;;) {
		n = read(fd, buf, IMPORT_READ_CHUNK);
		if (n < 0 && errno == EINTR && !rt_stopping())
			continue;
		if (n < 0) {
			e = errno;
			goto out;
		}
		if (n == 0)
			break;
		hash128_update(xs, buf, (size_t)n);
		total += (uint64_t)n;
	}
	to_hex(XXH3_128bits_digest(xs), hex);
	*bytes = total;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	XXH3_freeState(xs);
	if (rc < 0)
		errno = e;
	return rc;
}

/* Hash of the first n bytes of fd (pread; the position is not moved). */
static int hash_head(int fd, uint64_t n, char hex[33])
{
	uint8_t *buf = malloc(n ? n : 1);
	ssize_t r;

	if (!buf)
		return -1;
	r = pread(fd, buf, n, 0);
	if (r < 0 || (uint64_t)r != n) {
		free(buf);
		return -1;
	}
	to_hex(XXH3_128bits(buf, n), hex);
	free(buf);
	return 0;
}

/* ---- rule 1: the pre-check ---------------------------------------------------- */

int import_check(struct import *im, struct store *st, const char *path, const char *filter, int force,
		 int64_t *known_id, char *err, size_t errlen)
{
	sqlite3_stmt *q = NULL;
	char full[33] = "";
	uint64_t full_len = 0;
	struct stat sb;
	int rc = 0, fd;

	memset(im, 0, sizeof *im);
	im->st = st;
	im->filter = filter;
	im->fd = -1;
	im->size = -1;
	pthread_mutex_init(&im->mu, NULL);
	im->is_stdin = strcmp(path, "-") == 0;
	if (im->is_stdin || stat(path, &sb) < 0 || !S_ISREG(sb.st_mode))
		return 0;
	if (capture_file_fingerprint(path, im->sample, &im->size) < 0)
		im->sample[0] = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		im->head_len = (uint64_t)(sb.st_size < IMPORT_HEAD_BYTES ? sb.st_size : IMPORT_HEAD_BYTES);
		if (hash_head(fd, im->head_len, im->head_hex) < 0)
			im->head_len = 0, im->head_hex[0] = 0;
		close(fd);
	}
	if (force || !im->sample[0])
		return 0;
	if (sqlite3_prepare_v2(store_db(st),
			       "SELECT id, content_hash FROM captures WHERE kind = 'file' AND status = 'finished'"
			       " AND sample_hash = ?1 AND file_size = ?2 AND hashed_bytes = ?2"
			       " AND content_hash IS NOT NULL AND filter IS ?3 ORDER BY id", -1, &q, NULL) != SQLITE_OK) {
		set_err(err, errlen, "%s: looking for earlier imports: %s", path, sqlite3_errmsg(store_db(st)));
		return -1;
	}
	sqlite3_bind_text(q, 1, im->sample, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, im->size);
	if (im->filter)
		sqlite3_bind_text(q, 3, im->filter, -1, SQLITE_STATIC);
	while (sqlite3_step(q) == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(q, 1);
		/* the sample matched: only the whole content decides */
		if (!full[0] && import_hash_file(path, full, &full_len) < 0) {
			set_err(err, errlen, "%s: %s", path, strerror(errno));
			rc = -1;
			break;
		}
		if (h && full_len == (uint64_t)im->size && strcmp(h, full) == 0) {
			*known_id = sqlite3_column_int64(q, 0);
			rc = 1;
			break;
		}
	}
	sqlite3_finalize(q);
	return rc;
}

/* ---- the hashing input ---------------------------------------------------------- */

static void publish(struct import *im)
{
	char hex[33];

	to_hex(XXH3_128bits_digest(im->xs), hex);
	pthread_mutex_lock(&im->mu);
	im->pub_bytes = im->bytes;
	memcpy(im->pub_hex, hex, sizeof hex);
	pthread_mutex_unlock(&im->mu);
}

/* The one input open at a time (a replay reads its files one after the
 * other): what import_raw_read() recognises. */
static FILE *open_fp;
static struct import *open_im;

static ssize_t hin_read(void *cookie, char *buf, size_t size)
{
	struct import *im = cookie;
	ssize_t n;

	/* stop exactly at the next length an earlier import stopped at */
	while (im->next_mark < im->n_marks && im->marks[im->next_mark] <= im->bytes)
		im->next_mark++;
	if (im->next_mark < im->n_marks && im->marks[im->next_mark] - im->bytes < size)
		size = (size_t)(im->marks[im->next_mark] - im->bytes);
	n = read(im->fd, buf, size);
	if (n < 0) {
		im->read_errno = errno;
		return -1;
	}
	if (n == 0)
		return 0;
	hash128_update(im->xs, buf, (size_t)n);
	im->bytes += (uint64_t)n;
	while (im->next_mark < im->n_marks && im->marks[im->next_mark] == im->bytes) {
		to_hex(XXH3_128bits_digest(im->xs), im->mark_hex[im->next_mark]);
		im->next_mark++;
	}
	publish(im);
	return n;
}

/* ftell() (the position is the number of bytes read), and rewind() of a
 * file (the capture's format is sniffed from its first bytes): reading and
 * hashing start again from byte 0. */
static int hin_seek(void *cookie, off64_t *off, int whence)
{
	struct import *im = cookie;
	size_t i;

	if (whence == SEEK_CUR && *off == 0) {
		*off = (off64_t)im->bytes;
		return 0;
	}
	if (whence != SEEK_SET || *off != 0 || im->is_stdin || lseek(im->fd, 0, SEEK_SET) != 0 ||
	    XXH3_128bits_reset(im->xs) != XXH_OK) {
		errno = ESPIPE;
		return -1;
	}
	im->bytes = 0;
	im->next_mark = 0;
	for (i = 0; i < im->n_marks; i++)
		im->mark_hex[i][0] = 0;
	publish(im);
	return 0;
}

ssize_t import_raw_read(FILE *f, void *buf, size_t n)
{
	if (!f || f != open_fp || !open_im)
		return -2;
	return hin_read(open_im, buf, n);
}

static int hin_close(void *cookie)
{
	struct import *im = cookie;
	int rc = 0;

	if (open_im == im) {
		open_im = NULL;
		open_fp = NULL;
	}
	if (im->fd >= 0 && !im->is_stdin)
		rc = close(im->fd);
	im->fd = -1;
	return rc;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The lengths earlier imports stopped at (rule 2). */
static int load_marks(struct import *im)
{
	sqlite3_stmt *q;
	size_t cap = 0;

	if (sqlite3_prepare_v2(store_db(im->st),
			       "SELECT DISTINCT hashed_bytes FROM captures WHERE kind = 'file'"
			       " AND status <> 'running' AND content_hash IS NOT NULL AND hashed_bytes > 0"
			       " AND (?1 < 0 OR hashed_bytes <= ?1) AND filter IS ?3 ORDER BY 1 LIMIT ?2",
			       -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(q, 1, im->size);
	sqlite3_bind_int(q, 2, IMPORT_MARKS_MAX);
	if (im->filter)
		sqlite3_bind_text(q, 3, im->filter, -1, SQLITE_STATIC);
	while (sqlite3_step(q) == SQLITE_ROW) {
		if (im->n_marks == cap) {
			size_t nc = cap ? 2 * cap : 16;
			uint64_t *m = realloc(im->marks, nc * sizeof *m);
			char (*h)[33] = m ? realloc(im->mark_hex, nc * sizeof *h) : NULL;
			if (!m || !h) {
				if (m)
					im->marks = m;
				sqlite3_finalize(q);
				return -1;
			}
			im->marks = m;
			im->mark_hex = h;
			cap = nc;
		}
		im->marks[im->n_marks] = (uint64_t)sqlite3_column_int64(q, 0);
		im->mark_hex[im->n_marks][0] = 0;
		im->n_marks++;
	}
	sqlite3_finalize(q);
	if (im->n_marks)
		qsort(im->marks, im->n_marks, sizeof *im->marks, cmp_u64);
	return 0;
}

FILE *import_open(struct import *im, const char *path, char *err, size_t errlen)
{
	static const cookie_io_functions_t io = { hin_read, NULL, hin_seek, hin_close };
	FILE *f;

	if (!(im->xs = XXH3_createState()) || XXH3_128bits_reset(im->xs) != XXH_OK) {
		set_err(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	if (load_marks(im) < 0) {
		set_err(err, errlen, "%s: looking for earlier imports: %s", path,
			sqlite3_errmsg(store_db(im->st)));
		return NULL;
	}
	im->fd = im->is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	if (im->fd < 0) {
		set_err(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	publish(im);
	if (!(f = fopencookie(im, "rb", io))) {
		set_err(err, errlen, "%s: %s", path, strerror(errno));
		hin_close(im);
		return NULL;
	}
	open_fp = f;
	open_im = im;
	return f;
}

/* ---- progress in every commit ------------------------------------------------- */

static void on_commit(void *ctx, struct store *st)
{
	struct import *im = ctx;
	char hex[33];
	uint64_t bytes;

	pthread_mutex_lock(&im->mu);
	bytes = im->pub_bytes;
	memcpy(hex, im->pub_hex, sizeof hex);
	pthread_mutex_unlock(&im->mu);
	/* before the first read, the head hash written at attach stays */
	if (bytes == 0)
		return;
	store_capture_progress(st, im->capture_id, hex, bytes,
			       im->packets ? __atomic_load_n(im->packets, __ATOMIC_RELAXED) : 0,
			       im->wire_bytes ? __atomic_load_n(im->wire_bytes, __ATOMIC_RELAXED) : 0);
}

int import_attach(struct import *im, int64_t capture_id, const uint64_t *packets, const uint64_t *wire_bytes)
{
	im->capture_id = capture_id;
	im->packets = packets;
	im->wire_bytes = wire_bytes;
	/* A run killed before its first commit is still recognised by its head. */
	if (im->head_len && (store_capture_progress(im->st, capture_id, im->head_hex, im->head_len, 0, 0) < 0 ||
			     store_commit(im->st) < 0))
		return -1;
	store_set_commit_hook(im->st, on_commit, im);
	return 0;
}

/* ---- rule 3: replacing what this import supersedes ------------------------- */

static const char *mark_hash_at(const struct import *im, uint64_t len)
{
	size_t lo = 0, hi = im->n_marks;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (im->marks[mid] < len)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < im->n_marks && im->marks[lo] == len && im->mark_hex[lo][0] ? im->mark_hex[lo] : NULL;
}

static int push_id(int64_t **ids, size_t *n, size_t *cap, int64_t id)
{
	if (*n == *cap) {
		size_t nc = *cap ? 2 * *cap : 8;
		int64_t *a = realloc(*ids, nc * sizeof *a);
		if (!a)
			return -1;
		*ids = a;
		*cap = nc;
	}
	(*ids)[(*n)++] = id;
	return 0;
}

int import_settle(struct import *im, int finished, int force, struct import_outcome *out,
		  char *err, size_t errlen)
{
	sqlite3 *db = store_db(im->st);
	sqlite3_stmt *q = NULL;
	int64_t *ids = NULL, dup = 0;
	size_t n = 0, cap = 0;
	char hex[33];
	int rc = -1;

	memset(out, 0, sizeof out[0]);
	store_set_commit_hook(im->st, NULL, NULL);
	if (!im->xs || !im->capture_id)
		return 0;
	to_hex(XXH3_128bits_digest(im->xs), hex);
	out->bytes = im->bytes;
	memcpy(out->hash, hex, sizeof hex);
	if (store_capture_progress(im->st, im->capture_id, hex, im->bytes, 0, 0) < 0 ||
	    store_commit(im->st) < 0)
		goto db_fail;

	if (sqlite3_prepare_v2(db, "SELECT id, hashed_bytes, content_hash, status FROM captures"
			       " WHERE id <> ?1 AND kind = 'file' AND status <> 'running'"
			       " AND content_hash IS NOT NULL AND hashed_bytes <= ?2 AND filter IS ?3 ORDER BY id",
			       -1, &q, NULL) != SQLITE_OK)
		goto db_fail;
	sqlite3_bind_int64(q, 1, im->capture_id);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)im->bytes);
	if (im->filter)
		sqlite3_bind_text(q, 3, im->filter, -1, SQLITE_STATIC);
	while (sqlite3_step(q) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(q, 0);
		uint64_t len = (uint64_t)sqlite3_column_int64(q, 1);
		const char *h = (const char *)sqlite3_column_text(q, 2);
		const char *status = (const char *)sqlite3_column_text(q, 3);
		const char *mine = len == im->bytes ? hex : mark_hash_at(im, len);
		int theirs_finished = status && strcmp(status, "finished") == 0;

		if (!h || !mine || strcmp(h, mine) != 0)
			continue; /* not a prefix of what was read */
		if (len == im->bytes && theirs_finished && !finished)
			continue; /* the finished one has all we read: keep it */
		if (len == im->bytes && theirs_finished && finished && !force) {
			if (!dup)
				dup = id; /* the same content imported already: this one goes */
			continue;
		}
		if (push_id(&ids, &n, &cap, id) < 0)
			goto oom;
	}
	sqlite3_finalize(q);
	q = NULL;
	/* rule 4: finished imports from before schema 6 (sampled fingerprint only) */
	if (finished && im->sample[0]) {
		if (sqlite3_prepare_v2(db, "SELECT id FROM captures WHERE id <> ?1 AND kind = 'file'"
				       " AND status = 'finished' AND content_hash IS NULL AND sample_hash = ?2"
				       " AND file_size = ?3 AND filter IS ?4", -1, &q, NULL) != SQLITE_OK)
			goto db_fail;
		sqlite3_bind_int64(q, 1, im->capture_id);
		sqlite3_bind_text(q, 2, im->sample, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 3, im->size);
		if (im->filter)
			sqlite3_bind_text(q, 4, im->filter, -1, SQLITE_STATIC);
		while (sqlite3_step(q) == SQLITE_ROW)
			if (push_id(&ids, &n, &cap, sqlite3_column_int64(q, 0)) < 0)
				goto oom;
		sqlite3_finalize(q);
		q = NULL;
	}
	if (dup) {
		if (push_id(&ids, &n, &cap, im->capture_id) < 0)
			goto oom;
		out->duplicate = 1;
		out->duplicate_of = dup;
	}
	out->replaced = (int)(dup ? n - 1 : n);
	if (store_capture_forget_many(im->st, ids, n) < 0) {
		set_err(err, errlen, "replacing earlier imports: %s", store_error(im->st));
		goto out;
	}
	rc = 0;
	goto out;
oom:
	set_err(err, errlen, "out of memory");
	goto out;
db_fail:
	set_err(err, errlen, "recording the import: %s", sqlite3_errmsg(db));
out:
	sqlite3_finalize(q);
	free(ids);
	return rc;
}

void import_fini(struct import *im)
{
	if (im->st)
		store_set_commit_hook(im->st, NULL, NULL);
	XXH3_freeState(im->xs);
	im->xs = NULL;
	free(im->marks);
	free(im->mark_hex);
	im->marks = NULL;
	im->mark_hex = NULL;
	pthread_mutex_destroy(&im->mu);
}
