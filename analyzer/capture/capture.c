/* \summary: `smtpscope replay`: one capture file into the store, as a run
 * of the capture driver with one worker reading the file (run.h): the
 * import check (a file already imported is skipped), the captures row,
 * the progress line, and the end (counters, anomalies, status); see
 * capture.h. */
#include "analyzer/capture/capture.h"
#include "analyzer/base/limits.h"
#include "analyzer/base/runtime.h"
#include "analyzer/capture/import.h"
#include "analyzer/capture/run.h"
#include "analyzer/capture/source.h"
#include "analyzer/output/outputs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- file fingerprint ------------------------------------------------------ */

static uint64_t mix(uint64_t h, const uint8_t *p, size_t n)
{
	size_t i;
	uint64_t w;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x100000001b3ull;
		h ^= h >> 29;
	}
	for (; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

int capture_file_fingerprint(const char *path, char hex[17], int64_t *size)
{
	enum { HEAD = 1 << 20, SLICE = 16 << 10, SLICES = 64 };
	uint8_t *buf;
	struct stat sb;
	uint64_t h = 0xcbf29ce484222325ull;
	int fd, i;
	ssize_t n;

	if ((fd = open(path, O_RDONLY)) < 0)
		return -1;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || !(buf = malloc(HEAD))) {
		close(fd);
		return -1;
	}
	*size = sb.st_size;
	h = mix(h, (const uint8_t *)size, sizeof *size);
	if ((n = pread(fd, buf, HEAD, 0)) > 0)
		h = mix(h, buf, (size_t)n);
	if (sb.st_size > 2 * HEAD) {
		for (i = 1; i <= SLICES; i++) {
			off_t off = (off_t)((sb.st_size - HEAD) / (SLICES + 1) * i);
			if ((n = pread(fd, buf, SLICE, off)) > 0)
				h = mix(h, buf, (size_t)n);
		}
		if ((n = pread(fd, buf, HEAD, sb.st_size - HEAD)) > 0)
			h = mix(h, buf, (size_t)n);
	} else if (sb.st_size > HEAD) {
		if ((n = pread(fd, buf, HEAD, HEAD)) > 0)
			h = mix(h, buf, (size_t)n);
	}
	free(buf);
	close(fd);
	snprintf(hex, 17, "%016" PRIx64, h);
	return 0;
}

/* ---- the replay ------------------------------------------------------------ */

#define REPLAY_PROGRESS_S 0.5   /* progress line period on a terminal */

struct replay_ctx {
	struct store *st;
	int64_t capture_id;
	const char *path;
	int64_t size;           /* file bytes, -1 when unknown */
	int tty;                /* progress line on stderr */
	struct import *im;
	struct outputs *out;    /* borrowed, may be NULL */
};

static void put_counter(void *ctx, const char *name, uint64_t v)
{
	struct replay_ctx *rc = ctx;

	store_capture_counter(rc->st, rc->capture_id, name, v);
}

/* run tick: the progress line. */
static void progress(struct run *r, double now)
{
	struct replay_ctx *rc = r->ctx;
	struct worker_pub p;
	double el = now - r->t0;

	worker_read(&r->w[0], &p);
	if (el <= 0)
		el = 1e-9;
	if (rc->size > 0 && p.file_offset >= 0)
		fprintf(stderr, "\r%s: %.1f of %.1f MB (%.0f%%), %.0f packets/s, %" PRIu64 " SMTP sessions   ",
			rc->path, (double)p.file_offset / 1e6, (double)rc->size / 1e6,
			100.0 * (double)p.file_offset / (double)rc->size, (double)p.packets / el, r->wr.stored);
	else
		fprintf(stderr, "\r%s: %.1f MB, %.0f packets/s, %" PRIu64 " SMTP sessions   ",
			rc->path, (double)p.bytes / 1e6, (double)p.packets / el, r->wr.stored);
}

/* run ready: the import records its progress from the worker's published counters. */
static void ready(struct run *r)
{
	struct replay_ctx *rc = r->ctx;

	if (import_attach(rc->im, rc->capture_id, &r->w[0].pub.packets, &r->w[0].pub.bytes) < 0)
		fprintf(stderr, "smtpscope replay: %s: warning: cannot record the import's progress: %s\n",
			rc->path, store_error(rc->st));
}

/* run on_stored: the session's events. */
static void stored(void *ctx, int64_t id, const struct session *s)
{
	struct replay_ctx *rc = ctx;

	if (rc->out)
		outputs_session(rc->out, id, &s->meta, s->rec);
}

int capture_replay(struct store *st, const char *path, const struct replay_opts *o,
		   struct replay_result *res, char *err, size_t errlen)
{
	char why[1280] = "";
	int64_t known_id = 0;
	int rc = 0, k;
	struct import im;
	struct source src;
	struct run r;
	struct replay_ctx ctx;
	struct capture_info ci;
	struct capture_totals tot;
	const char *status = "finished", *failure;
	FILE *fp;

	memset(res, 0, sizeof *res);
	if (source_check_file(path, err, errlen) < 0)
		return -1;
	/* Imports are idempotent (import.h): skipped only when the whole
	 * content is already imported. */
	k = import_check(&im, st, path, o->filter, o->force, &known_id, err, errlen);
	if (k != 0) {
		import_fini(&im);
		if (k == 1) {
			res->skipped = 1;
			res->capture_id = known_id;
			return 0;
		}
		return -1;
	}
	/* The FILE hashes what libpcap reads (import_open()); the source closes it. */
	if (!(fp = import_open(&im, path, err, errlen))) {
		import_fini(&im);
		return -1;
	}
	if (source_open_stream(&src, path, fp, im.size, o->filter, err, errlen) < 0) {
		import_fini(&im);
		return -1;
	}

	memset(&ci, 0, sizeof ci);
	ci.source = path;
	ci.kind = "file";
	ci.filter = o->filter;
	ci.linktype = source_linktype(&src);
	ci.content_hash = NULL;
	ci.sample_hash = im.sample[0] ? im.sample : NULL;
	ci.file_size = im.size;
	memset(&ctx, 0, sizeof ctx);
	ctx.st = st;
	ctx.path = path;
	ctx.size = src.size;
	ctx.tty = !o->quiet && isatty(2);
	ctx.im = &im;
	ctx.out = o->out;
	if ((ctx.capture_id = store_capture_begin(st, &ci)) < 0) {
		snprintf(err, errlen, "%s: %s", path, store_error(st));
		source_close(&src);
		import_fini(&im);
		return -1;
	}
	res->capture_id = ctx.capture_id;

	memset(&r, 0, sizeof r);
	r.src = &src;
	r.nsrc = 1;
	r.flows = &o->flows;
	r.st = st;
	r.capture_id = ctx.capture_id;
	r.queue_max = REPLAY_QUEUE_MAX;
	r.push_wait_ms = -1; /* a full queue makes the reader wait: a replay never drops a session */
	r.tick_s = ctx.tty ? REPLAY_PROGRESS_S : 0;
	r.tick = progress;
	r.ready = ready;
	r.on_stored = stored;
	r.ctx = &ctx;
	if (run_capture(&r, why, sizeof why) < 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		store_capture_end(st, ctx.capture_id, NULL, "error", "failed to start");
		run_fini(&r);
		source_close(&src);
		import_fini(&im);
		return -1;
	}
	run_totals(&r, &tot);
	if ((failure = run_failure(&r)) != NULL) {
		snprintf(why, sizeof why, "%s", failure);
		status = "error";
		rc = -1;
	} else if (rt_stopping()) {
		status = "interrupted";
		res->interrupted = 1;
		snprintf(why, sizeof why, "stopped by %s after %" PRIu64 " packets; replaying the same input "
			 "again replaces this capture", rt_signal() == SIGTERM ? "SIGTERM" : "SIGINT", tot.packets);
	}
	if (ctx.tty)
		fprintf(stderr, "\r%*s\r", 100, "");

	run_counters(&r, put_counter, &ctx);
	if (run_ts_backwards(&r))
		store_capture_anomaly(st, ctx.capture_id, tot.last_ts, "timestamps_backwards",
				      "frames older than the frame before them (kept, counted)");
	if (rc < 0)
		store_capture_anomaly(st, ctx.capture_id, tot.last_ts, "capture_error", why);
	if (store_capture_end(st, ctx.capture_id, &tot, status, why[0] ? why : NULL) < 0) {
		if (rc == 0)
			snprintf(why, sizeof why, "database write failed: %s", store_error(st));
		rc = -1;
	} else {
		struct import_outcome io;
		char ierr[256];
		if (import_settle(&im, strcmp(status, "finished") == 0, o->force, &io, ierr, sizeof ierr) < 0) {
			if (rc == 0)
				snprintf(why, sizeof why, "%s", ierr);
			rc = -1;
		} else if (io.duplicate) {
			/* stdin (no pre-check): the same content was imported already */
			res->skipped = 1;
			res->capture_id = io.duplicate_of;
		}
		res->replaced = io.replaced;
	}
	run_fini(&r);
	source_close(&src); /* closes the import's FILE */
	import_fini(&im);
	res->packets = tot.packets;
	res->bytes = tot.bytes;
	/* what was committed, not what was handed to the writer */
	if (!res->skipped) {
		int64_t kept = store_capture_sessions(st, ctx.capture_id);
		int64_t cut = store_capture_snaplen_sessions(st, ctx.capture_id);
		res->sessions = kept > 0 ? (uint64_t)kept : 0;
		res->snaplen_sessions = cut > 0 ? (uint64_t)cut : 0;
	}
	res->first_ts = tot.first_ts;
	res->last_ts = tot.last_ts;
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", path, why);
	return rc;
}
