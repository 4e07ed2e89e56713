/* \summary: decompressing stdio streams for capture files (see compressed.h).
 * Formats: gzip RFC 1952 (zlib inflate with windowBits 15+16), zstd RFC 8878
 * (ZSTD_decompressStream), xz (lzma_stream_decoder, LZMA_CONCATENATED). */
#include "analyzer/capture/compressed.h"
#include "analyzer/capture/import.h"

#include <errno.h>
#include <lzma.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#define COMP_IN_BUF (256u << 10)   /* compressed bytes read from the file at a time */

struct zr {
	FILE *raw;                 /* owned once the stream is made */
	enum compression kind;
	unsigned char *in;         /* owned, COMP_IN_BUF */
	size_t in_len, in_pos;     /* bytes in `in`, and consumed */
	int eof, failed, ended;    /* raw at EOF; a decoding error; the last stream ended */
	z_stream z;
	ZSTD_DStream *zs;
	lzma_stream lz;
};

enum compression compression_sniff(const unsigned char *p, size_t n)
{
	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return COMP_GZIP;
	if (n >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd)
		return COMP_ZSTD;
	if (n >= 6 && !memcmp(p, "\xfd" "7zXZ\0", 6))
		return COMP_XZ;
	if (n >= 3 && !memcmp(p, "BZh", 3))
		return COMP_BZIP2;
	return COMP_NONE;
}

const char *compression_name(enum compression c)
{
	switch (c) {
	case COMP_GZIP: return "gzip";
	case COMP_ZSTD: return "zstd";
	case COMP_XZ: return "xz";
	case COMP_BZIP2: return "bzip2";
	case COMP_NONE: break;
	}
	return "none";
}

/* One read(2) of raw: on its descriptor, or, for the hashing input of a
 * replay (import.h, a stream without one), through it, so that every byte
 * is hashed. */
static ssize_t raw_read(FILE *raw, void *buf, size_t n)
{
	ssize_t k = import_raw_read(raw, buf, n);

	return k != -2 ? k : read(fileno(raw), buf, n);
}

/* One read(2), not fread: a pipe or FIFO gives what it has (a replay from
 * standard input moves on), and a signal (EINTR) comes back to the caller. */
static int refill(struct zr *r)
{
	ssize_t n;

	if (r->in_pos < r->in_len || r->eof)
		return 0;
	n = raw_read(r->raw, r->in, COMP_IN_BUF);
	if (n < 0)
		return errno == EINTR ? 1 : -1;
	r->in_len = (size_t)n;
	r->in_pos = 0;
	if (n == 0)
		r->eof = 1;
	return 0;
}

static ssize_t zr_read(void *cookie, char *buf, size_t size)
{
	struct zr *r = cookie;
	size_t out = 0;

	if (r->failed) {
		errno = EIO;
		return -1;
	}
	while (out < size) {
		int rr = refill(r);
		if (rr < 0) {
			r->failed = 1;
			break;
		}
		if (rr > 0) { /* interrupted: hand back what there is, or EINTR */
			if (out)
				break;
			errno = EINTR;
			return -1;
		}
		if (r->kind == COMP_NONE) {
			size_t n = r->in_len - r->in_pos;
			if (n == 0)
				break;
			if (n > size - out)
				n = size - out;
			memcpy(buf + out, r->in + r->in_pos, n);
			r->in_pos += n;
			out += n;
			continue;
		}
		if (r->ended) {
			/* a stream ended: more input means another member/frame follows */
			if (r->in_pos == r->in_len)
				break;
			if (r->kind == COMP_GZIP && inflateReset(&r->z) != Z_OK) {
				r->failed = 1;
				break;
			}
			r->ended = 0;
		}
		if (r->in_pos == r->in_len && r->eof) {
			if (r->kind == COMP_XZ) {
				/* xz needs LZMA_FINISH to check the stream footer */
				lzma_ret lr;
				r->lz.next_in = NULL;
				r->lz.avail_in = 0;
				r->lz.next_out = (uint8_t *)buf + out;
				r->lz.avail_out = size - out;
				lr = lzma_code(&r->lz, LZMA_FINISH);
				out = size - r->lz.avail_out;
				if (lr == LZMA_STREAM_END)
					break;
				if (lr != LZMA_OK) {
					r->failed = 1;
					break;
				}
				continue;
			}
			break; /* truncated inside a stream: libpcap sees a short file */
		}
		switch (r->kind) {
		case COMP_GZIP: {
			int zr;
			r->z.next_in = r->in + r->in_pos;
			r->z.avail_in = (uInt)(r->in_len - r->in_pos);
			r->z.next_out = (Bytef *)buf + out;
			r->z.avail_out = (uInt)(size - out);
			zr = inflate(&r->z, Z_NO_FLUSH);
			r->in_pos = r->in_len - r->z.avail_in;
			out = size - r->z.avail_out;
			if (zr == Z_STREAM_END)
				r->ended = 1;
			else if (zr != Z_OK && zr != Z_BUF_ERROR)
				r->failed = 1;
			break;
		}
		case COMP_ZSTD: {
			ZSTD_inBuffer ib = { r->in, r->in_len, r->in_pos };
			ZSTD_outBuffer ob = { buf, size, out };
			size_t zr = ZSTD_decompressStream(r->zs, &ob, &ib);
			r->in_pos = ib.pos;
			out = ob.pos;
			if (ZSTD_isError(zr))
				r->failed = 1;
			else if (zr == 0)
				r->ended = 1;
			break;
		}
		case COMP_XZ: {
			lzma_ret lr;
			r->lz.next_in = r->in + r->in_pos;
			r->lz.avail_in = r->in_len - r->in_pos;
			r->lz.next_out = (uint8_t *)buf + out;
			r->lz.avail_out = size - out;
			lr = lzma_code(&r->lz, LZMA_RUN);
			r->in_pos = r->in_len - r->lz.avail_in;
			out = size - r->lz.avail_out;
			if (lr == LZMA_STREAM_END)
				r->ended = 1;
			else if (lr != LZMA_OK && lr != LZMA_BUF_ERROR)
				r->failed = 1;
			break;
		}
		default:
			r->failed = 1;
		}
		if (r->failed)
			break;
	}
	if (out == 0 && r->failed) {
		errno = EIO;
		return -1;
	}
	return (ssize_t)out;
}

static void zr_free(struct zr *r)
{
	if (r->kind == COMP_GZIP)
		inflateEnd(&r->z);
	if (r->zs)
		ZSTD_freeDStream(r->zs);
	if (r->kind == COMP_XZ)
		lzma_end(&r->lz);
	free(r->in);
	free(r);
}

static int zr_close(void *cookie)
{
	struct zr *r = cookie;
	int rc = r->raw != stdin ? fclose(r->raw) : 0;

	zr_free(r);
	return rc;
}

FILE *compressed_open(FILE *raw, enum compression *kind, char *err, size_t errlen)
{
	static const cookie_io_functions_t io = { zr_read, NULL, NULL, zr_close };
	struct zr *r = calloc(1, sizeof *r);
	lzma_stream init = LZMA_STREAM_INIT;
	FILE *f;

	if (!r || !(r->in = malloc(COMP_IN_BUF))) {
		free(r);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->raw = raw;
	/* the magic: at least 6 bytes unless the input is shorter */
	while (r->in_len < 6 && !r->eof) {
		ssize_t n = raw_read(raw, r->in + r->in_len, COMP_IN_BUF - r->in_len);
		if (n < 0 && errno == EINTR)
			break;
		if (n <= 0)
			r->eof = 1;
		else
			r->in_len += (size_t)n;
	}
	r->kind = compression_sniff(r->in, r->in_len);
	*kind = r->kind;
	switch (r->kind) {
	case COMP_BZIP2:
		snprintf(err, errlen, "bzip2-compressed: not read directly (gzip, zstd and xz are); "
			 "decompress it first (bunzip2 -k)");
		r->kind = COMP_NONE;
		r->raw = NULL;
		zr_free(r);
		return NULL;
	case COMP_GZIP:
		if (inflateInit2(&r->z, 15 + 16) != Z_OK)
			goto oom;
		break;
	case COMP_ZSTD:
		if (!(r->zs = ZSTD_createDStream()) || ZSTD_isError(ZSTD_initDStream(r->zs)))
			goto oom;
		break;
	case COMP_XZ:
		r->lz = init;
		if (lzma_stream_decoder(&r->lz, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
			goto oom;
		break;
	case COMP_NONE:
		break;
	}
	if (!(f = fopencookie(r, "rb", io)))
		goto oom;
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	return f;
oom:
	snprintf(err, errlen, "out of memory starting the %s decoder", compression_name(r->kind));
	r->raw = NULL;
	zr_free(r);
	return NULL;
}
