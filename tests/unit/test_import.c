/* Unit tests of analyzer/capture/import.c: the hashing input handed to
 * libpcap (every byte hashed, ftell, rewind restarts), the hashes taken at
 * the lengths earlier imports stopped at, the full-hash pre-check, and the
 * replacement at the end (prefixes replaced, a different file kept, a
 * duplicate of a finished import dropped unless forced). */
#include "tests/tap.h"

#include <stdlib.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "analyzer/capture/import.h"
#include "analyzer/store/store.h"

#define SIZE (3u << 20)  /* > 2 MiB: the sampled fingerprint samples, the head is 1 MiB */

static char dir[64];

static void hex_of(const uint8_t *p, size_t n, char hex[33])
{
	XXH128_canonical_t c;
	size_t i;

	XXH128_canonicalFromHash(&c, XXH3_128bits(p, n));
	for (i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", c.digest[i]);
}

static void write_file(const char *path, const uint8_t *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* A capture row as an earlier import would have left it. */
static int64_t earlier(struct store *st, const char *status, const char *hex, uint64_t len)
{
	struct capture_info ci = { "earlier.pcap", "file", NULL, NULL, "EN10MB", NULL, -1, NULL };
	struct capture_totals t;
	int64_t id = store_capture_begin(st, &ci);

	memset(&t, 0, sizeof t);
	store_capture_progress(st, id, hex, len, 0, 0);
	store_capture_end(st, id, &t, status, NULL);
	return id;
}

static long long count(struct store *st, const char *sql)
{
	sqlite3_stmt *q;
	long long n = -1;

	if (sqlite3_prepare_v2(store_db(st), sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return n;
}

/* Reads the whole input the way libpcap does (stdio, 1 MiB buffer). */
static size_t read_all(FILE *f)
{
	static char buf[64 << 10];
	size_t n, total = 0;

	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		total += n;
	return total;
}

int main(void)
{
	char path[160], other[128], dbp[128], err[256], full[33], h1[33], h2[33], got[33];
	uint8_t *data = malloc(SIZE);
	struct import im;
	struct import_outcome io;
	struct capture_info ci = { NULL, "file", NULL, NULL, "EN10MB", NULL, -1, NULL };
	struct capture_totals t;
	struct store *st;
	int64_t known = 0, p1, p2, fin, diff, id;
	uint64_t bytes = 0;
	size_t i;
	FILE *f;
	char c;

	snprintf(dir, sizeof dir, "/tmp/smtpscope-test-import-%d", (int)getpid());
	if (!data || mkdir(dir, 0700) < 0)
		return 1;
	for (i = 0; i < SIZE; i++)
		data[i] = (uint8_t)(i * 2654435761u >> 13);
	snprintf(path, sizeof path, "%s/a.pcap", dir);
	snprintf(other, sizeof other, "%s/b.pcap", dir);
	snprintf(dbp, sizeof dbp, "%s/t.db", dir);
	write_file(path, data, SIZE);
	hex_of(data, SIZE, full);
	hex_of(data, 1000, h1);
	hex_of(data, 2000000, h2);

	/* the whole-file hash */
	ok(import_hash_file(path, got, &bytes) == 0, "import_hash_file");
	is_str(got, full, "import_hash_file is XXH3-128 of the content");
	is_int(bytes, SIZE, "and counts every byte");

	st = store_open(dbp, STORE_WRITE, err, sizeof err);
	if (!ok(st != NULL, "store_open"))
		return done_testing();
	/* earlier imports: two stopped at prefixes of a.pcap, one of another file */
	p1 = earlier(st, "interrupted", h1, 1000);
	p2 = earlier(st, "error", h2, 2000000);
	hex_of(data + 1, 1000, got);
	diff = earlier(st, "interrupted", got, 1000);

	/* the hashing input */
	is_int(import_check(&im, st, path, NULL, 0, &known, err, sizeof err), 0, "import_check: nothing finished yet");
	f = import_open(&im, path, err, sizeof err);
	if (!ok(f != NULL, "import_open"))
		return done_testing();
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	ok(fread(&c, 1, 1, f) == 1 && c == (char)data[0], "the first byte reads through");
	is_int(ftell(f), 1, "ftell works on it");
	rewind(f);
	is_int(ftell(f), 0, "rewind restarts it");
	is_int(read_all(f), SIZE, "every byte reads through after the rewind");
	is_int(im.bytes, SIZE, "and every byte was hashed once");
	is_int(im.n_marks, 2, "two earlier lengths to compare (1000 and 2000000)");
	is_str(im.mark_hex[0], h1, "the hash at 1000 bytes");
	is_str(im.mark_hex[1], h2, "the hash at 2000000 bytes");

	ci.source = path;
	ci.file_size = SIZE;
	ci.sample_hash = im.sample;
	id = store_capture_begin(st, &ci);
	ok(import_attach(&im, id, NULL, NULL) == 0, "import_attach");
	memset(&t, 0, sizeof t);
	store_capture_end(st, id, &t, "finished", NULL);
	ok(import_settle(&im, 1, 0, &io, err, sizeof err) == 0, "import_settle");
	is_str(io.hash, full, "the capture's hash is the whole content's");
	is_int(io.replaced, 2, "the two earlier imports of its prefixes are replaced");
	is_int(io.duplicate, 0, "it is no duplicate");
	fclose(f);
	import_fini(&im);
	is_int(count(st, "SELECT count(*) FROM captures"), 2, "the other file's import is kept");
	is_int(count(st, "SELECT count(*) FROM captures WHERE id IN (SELECT 0)"), 0, "no capture 0");
	ok(p1 > 0 && p2 > 0 && diff > 0, "the earlier captures had ids");
	{
		char q[128];
		snprintf(q, sizeof q, "SELECT count(*) FROM captures WHERE id = %lld", (long long)diff);
		is_int(count(st, q), 1, "the other file's capture is the one kept");
	}

	/* the same file again: the sampled pre-check, confirmed by the full hash */
	is_int(import_check(&im, st, path, NULL, 0, &known, err, sizeof err), 1, "the same file is already imported");
	is_int(known, id, "as that capture");
	import_fini(&im);
	is_int(import_check(&im, st, path, NULL, 1, &known, err, sizeof err), 0, "--force: not skipped");
	import_fini(&im);
	/* one byte changed after the first MiB, between two sampled slices */
	fin = id;
	{
		size_t k = 1, step = (SIZE - (1u << 20)) / 65; /* capture_file_fingerprint's slices */
		while (step * k < (1u << 20))
			k++;
		data[step * k + (16u << 10) + 2048] ^= 0x20;
	}
	write_file(other, data, SIZE);
	is_int(import_check(&im, st, other, NULL, 0, &known, err, sizeof err), 0, "a file changed in the middle is not skipped");
	{
		sqlite3_stmt *q;
		int same = 0;
		if (sqlite3_prepare_v2(store_db(st), "SELECT sample_hash = ?1 FROM captures WHERE id = ?2", -1, &q,
				       NULL) == SQLITE_OK) {
			sqlite3_bind_text(q, 1, im.sample, -1, SQLITE_STATIC);
			sqlite3_bind_int64(q, 2, fin);
			same = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0) == 1;
			sqlite3_finalize(q);
		}
		ok(same, "although its sampled fingerprint equals the imported file's");
	}
	import_fini(&im);

	/* a duplicate of a finished import (stdin has no pre-check) is dropped */
	is_int(import_check(&im, st, path, NULL, 1, &known, err, sizeof err), 0, "forced check");
	f = import_open(&im, path, err, sizeof err);
	read_all(f);
	id = store_capture_begin(st, &ci);
	import_attach(&im, id, NULL, NULL);
	store_capture_end(st, id, &t, "finished", NULL);
	ok(import_settle(&im, 1, 0, &io, err, sizeof err) == 0, "settle without --force");
	is_int(io.duplicate, 1, "the new import is a duplicate");
	is_int(io.duplicate_of, fin, "of the finished one");
	is_int(count(st, "SELECT count(*) FROM captures"), 2, "and it is gone");
	fclose(f);
	import_fini(&im);

	store_close(st);
	unlink(path);
	unlink(other);
	unlink(dbp);
	snprintf(path, sizeof path, "%s-wal", dbp);
	unlink(path);
	snprintf(path, sizeof path, "%s-shm", dbp);
	unlink(path);
	rmdir(dir);
	free(data);
	return done_testing();
}
