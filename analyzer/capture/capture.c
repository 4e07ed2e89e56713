/* \summary: capture files through libpcap: open, check the link type, read,
 * report progress, stop on signals, and turn a corrupt record into a clear
 * error with its byte offset; see capture.h. */
#include "analyzer/capture/capture.h"
#include "analyzer/capture/compressed.h"
#include "analyzer/capture/import.h"
#include "analyzer/engine/decode.h"
#include "analyzer/base/limits.h"
#include "analyzer/engine/pipeline.h"
#include "analyzer/output/outputs.h"
#include "analyzer/store/backlog.h"
#include "analyzer/store/session_queue.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_flag;
static pcap_t *volatile current_pcap;

static volatile sig_atomic_t stop_sig;

static void on_signal(int sig)
{
	pcap_t *p = current_pcap;

	stop_sig = sig;
	stop_flag = 1;
	if (p)
		pcap_breakloop(p);
}

void capture_install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: a blocked read must return */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int capture_stop_requested(void)
{
	return stop_flag != 0;
}

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

/* ---- the replay loop ------------------------------------------------------- */

/* The replay runs in two threads: this one reads, decodes, reassembles and
 * parses; a writer thread owns the SQLite connection and stores the sessions
 * handed over through a bounded queue (a full queue makes the reader wait:
 * a replay never drops a session).  On two cores, parsing and SQLite overlap. */
#define REPLAY_TAKE_MS   100

struct replay_state {
	struct store *st;
	int64_t capture_id;
	struct session_queue q;
	uint64_t sessions;          /* stored (writer thread; read after join) */
	int store_failed;           /* writer thread; read after join */
	char store_err[256];
	struct outputs *out;        /* borrowed, may be NULL; used by the writer thread only */
};

static int on_session_end(void *ctx, struct session_meta *m, struct smtp_session *s)
{
	struct replay_state *rs = ctx;
	struct session_item *it = malloc(sizeof *it);

	if (!it)
		return 0; /* the flow layer frees it: counted as not stored below */
	it->meta = *m;
	it->meta.capture_id = rs->capture_id;
	it->s = s;
	if (session_queue_push(&rs->q, it, -1) < 0) {
		free(it);
		return 0;
	}
	return 1;
}

static double now_s(void);

static void session_stored(void *ctx, int64_t id, const struct session_meta *m, const struct smtp_record *rec)
{
	outputs_session(ctx, id, m, rec);
}

/* Stores what the reader queued.  A database locked by another writer is
 * waited for (backlog.h), for at most STORE_STOP_WAIT_S at a stretch. */
static void *writer_main(void *arg)
{
	struct replay_state *rs = arg;
	struct store_backlog bl;
	uint64_t stored = 0, lost = 0;

	memset(&bl, 0, sizeof bl);
	if (rs->out) {
		bl.on_stored = session_stored;
		bl.on_stored_ctx = rs->out;
	}
	while (!session_queue_finished(&rs->q) || bl.head) {
		struct session_item *it = NULL;
		int rc;

		if (bl.head) {
			double wait = bl.next_try - now_s();
			if (wait > 0)
				usleep((useconds_t)(wait * 1e6));
		} else {
			it = session_queue_take(&rs->q, REPLAY_TAKE_MS);
		}
		if (__atomic_load_n(&rs->store_failed, __ATOMIC_RELAXED)) {
			store_backlog_drain(rs->st, &bl, it, rs->capture_id, now_s(), &stored, &lost);
			store_backlog_drop(&bl, &lost);
			continue;
		}
		stored = 0;
		rc = store_backlog_drain(rs->st, &bl, it, rs->capture_id, now_s(), &stored, &lost);
		__atomic_fetch_add(&rs->sessions, stored, __ATOMIC_RELAXED);
		if (rc == 1 && now_s() - bl.busy_since > STORE_STOP_WAIT_S) {
			snprintf(rs->store_err, sizeof rs->store_err, "the database stayed locked by another "
				 "process for %d s", STORE_STOP_WAIT_S);
			rc = -1;
		} else if (rc < 0) {
			snprintf(rs->store_err, sizeof rs->store_err, "%s", store_error(rs->st));
		}
		if (rc < 0) {
			store_backlog_drop(&bl, &lost);
			__atomic_store_n(&rs->store_failed, 1, __ATOMIC_RELAXED);
		}
		store_tick(rs->st);
	}
	return NULL;
}

struct loop_ctx {
	struct pipeline *pl;
	int nano;
};

static void on_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct loop_ctx *lc = (struct loop_ctx *)user;
	uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000u +
		      (uint64_t)(lc->nano ? h->ts.tv_usec / 1000 : h->ts.tv_usec);

	pipeline_frame(lc->pl, ts, bytes, h->caplen, h->len);
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static void put_counter(void *ctx, const char *name, uint64_t v)
{
	struct replay_state *rs = ctx;

	store_capture_counter(rs->st, rs->capture_id, name, v);
}

static void progress(const char *path, FILE *f, int64_t total, const struct pipeline *pl,
		     uint64_t sessions, double t0)
{
	double el = now_s() - t0;
	long off = f ? ftell(f) : -1;

	if (el <= 0)
		el = 1e-9;
	if (total > 0 && off >= 0)
		fprintf(stderr, "\r%s: %.1f of %.1f MB (%.0f%%), %.0f packets/s, %" PRIu64 " SMTP sessions   ",
			path, off / 1e6, total / 1e6, 100.0 * (double)off / (double)total,
			(double)pl->packets / el, sessions);
	else
		fprintf(stderr, "\r%s: %.1f MB, %.0f packets/s, %" PRIu64 " SMTP sessions   ",
			path, (double)pl->bytes / 1e6, (double)pl->packets / el, sessions);
}

/* A clear name for a link type: "EN10MB (Ethernet)" or "147". */
static void linktype_name(int dlt, char *buf, size_t n)
{
	const char *name = pcap_datalink_val_to_name(dlt);
	const char *desc = pcap_datalink_val_to_description(dlt);

	if (name)
		snprintf(buf, n, "%d (%s%s%s%s)", dlt, name, desc ? ", " : "", desc ? desc : "", "");
	else
		snprintf(buf, n, "%d", dlt);
}

int capture_replay(struct store *st, const char *path, const struct replay_opts *o,
		   struct replay_result *res, char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "", lt[128];
	int64_t size = -1, known_id = 0;
	int is_stdin = strcmp(path, "-") == 0, rc = 0, n, tty, k;
	struct import im;
	struct replay_state rs;
	struct pipeline pl;
	struct loop_ctx lc;
	struct capture_info ci;
	struct capture_totals tot;
	const char *status = "finished";
	char why[512] = "";
	enum compression comp = COMP_NONE;
	pcap_t *p;
	pthread_t writer;
	FILE *fp;
	double t0 = now_s(), last_progress = 0;

	memset(res, 0, sizeof *res);
	memset(&rs, 0, sizeof rs);
	if (!is_stdin) {
		struct stat sb;
		if (stat(path, &sb) < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
		if (S_ISDIR(sb.st_mode)) {
			snprintf(err, errlen, "%s: is a directory, not a capture file", path);
			return -1;
		}
		if (sb.st_size == 0) {
			snprintf(err, errlen, "%s: empty file (0 bytes), not a capture", path);
			return -1;
		}
	}
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
	size = im.size;

	/* libpcap reads through stdio: give it 1 MiB reads instead of 4 KiB ones
	 * (the buffer must be set before the first read). pcap_close() closes fp,
	 * which hashes what libpcap reads (import_open()). */
	fp = import_open(&im, path, err, errlen);
	if (!fp) {
		import_fini(&im);
		return -1;
	}
	/* gzip, zstd, xz: decompressed on the way (a plain file is read as it is;
	 * standard input always goes through the sniffing stream). */
	{
		unsigned char magic[8];
		size_t nm = is_stdin ? 0 : fread(magic, 1, sizeof magic, fp);
		if (is_stdin || compression_sniff(magic, nm) != COMP_NONE) {
			FILE *z;
			if (!is_stdin)
				rewind(fp);
			if (!(z = compressed_open(fp, &comp, why, sizeof why))) {
				if (fp != stdin)
					fclose(fp);
				snprintf(err, errlen, "%s: %s", path, why);
				return -1;
			}
			fp = z;
			why[0] = 0;
		} else {
			rewind(fp);
			setvbuf(fp, NULL, _IOFBF, 1 << 20);
		}
	}
	p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, perr);
	if (!p) {
		fclose(fp); /* stdin too: this was its only use */
		import_fini(&im);
		snprintf(err, errlen, "%s: not a readable pcap or pcapng file%s%s%s: %s", path,
			 comp != COMP_NONE ? " after " : "", comp != COMP_NONE ? compression_name(comp) : "",
			 comp != COMP_NONE ? " decompression" : " (gzip, zstd and xz compressed captures are read "
			 "directly; other formats: convert with editcap)", perr);
		return -1;
	}
	if (o->filter) {
		struct bpf_program bpf;
		if (pcap_compile(p, &bpf, o->filter, 1, PCAP_NETMASK_UNKNOWN) < 0 ||
		    pcap_setfilter(p, &bpf) < 0) {
			snprintf(err, errlen, "%s: filter '%s': %s", path, o->filter, pcap_geterr(p));
			pcap_close(p);
			return -1;
		}
		pcap_freecode(&bpf);
	}
	lc.nano = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;
	if (!decode_linktype_supported(pcap_datalink(p))) {
		linktype_name(pcap_datalink(p), lt, sizeof lt);
		snprintf(err, errlen,
			 "%s: link type %s is not supported (supported: EN10MB, LINUX_SLL, LINUX_SLL2, RAW, "
			 "IPV4, IPV6, NULL, LOOP)", path, lt);
		pcap_close(p);
		import_fini(&im);
		return -1;
	}
	linktype_name(pcap_datalink(p), lt, sizeof lt);

	memset(&ci, 0, sizeof ci);
	ci.source = path;
	ci.kind = "file";
	ci.filter = o->filter;
	ci.linktype = pcap_datalink_val_to_name(pcap_datalink(p));
	ci.content_hash = NULL;
	ci.sample_hash = im.sample[0] ? im.sample : NULL;
	ci.file_size = size;
	rs.st = st;
	rs.out = o->out;
	rs.capture_id = store_capture_begin(st, &ci);
	if (rs.capture_id < 0) {
		snprintf(err, errlen, "%s: %s", path, store_error(st));
		pcap_close(p);
		import_fini(&im);
		return -1;
	}
	res->capture_id = rs.capture_id;
	if (session_queue_init(&rs.q, REPLAY_QUEUE_MAX, 1) < 0) {
		snprintf(err, errlen, "%s: cannot set up the session queue", path);
		pcap_close(p);
		store_capture_end(st, rs.capture_id, NULL, "error", "failed to start");
		import_fini(&im);
		return -1;
	}
	if (pipeline_init(&pl, &o->flows, on_session_end, &rs) < 0) {
		snprintf(err, errlen, "%s: out of memory starting the pipeline", path);
		session_queue_fini(&rs.q);
		pcap_close(p);
		store_capture_end(st, rs.capture_id, NULL, "error", "failed to start");
		import_fini(&im);
		return -1;
	}
	if (pthread_create(&writer, NULL, writer_main, &rs) != 0) {
		snprintf(err, errlen, "%s: cannot start the writer thread", path);
		pipeline_fini(&pl);
		session_queue_fini(&rs.q);
		pcap_close(p);
		store_capture_end(st, rs.capture_id, NULL, "error", "failed to start");
		import_fini(&im);
		return -1;
	}
	pl.dlt = pcap_datalink(p);
	lc.pl = &pl;
	if (import_attach(&im, rs.capture_id, &pl.packets, &pl.bytes) < 0)
		fprintf(stderr, "smtpscope replay: %s: warning: cannot record the import's progress: %s\n",
			path, store_error(st));
	tty = !o->quiet && isatty(2);
	current_pcap = p;

	for (;;) {
		n = pcap_dispatch(p, 4096, on_frame, (u_char *)&lc);
		if (n == 0 || n == PCAP_ERROR_BREAK || stop_flag)
			break;
		if (n < 0) {
			long off = pcap_file(p) && comp == COMP_NONE ? ftell(pcap_file(p)) : -1;
			char at[64] = "";
			if (off >= 0)
				snprintf(at, sizeof at, " at byte offset %ld", off);
			snprintf(why, sizeof why, "corrupt or truncated capture%s%s, after %" PRIu64 " packets: %s", at,
				 comp != COMP_NONE ? " (of the decompressed stream)" : "", pl.packets, pcap_geterr(p));
			status = "error";
			rc = -1;
			break;
		}
		if (__atomic_load_n(&rs.store_failed, __ATOMIC_RELAXED))
			break;
		if (tty) {
			double t = now_s();
			if (t - last_progress >= 0.5) {
				progress(path, pcap_file(p), size, &pl,
					 __atomic_load_n(&rs.sessions, __ATOMIC_RELAXED), t0);
				last_progress = t;
			}
		}
	}
	current_pcap = NULL;
	if (stop_flag && rc == 0) {
		status = "interrupted";
		res->interrupted = 1;
		snprintf(why, sizeof why, "stopped by %s after %" PRIu64 " packets; replaying the same input "
			 "again replaces this capture", stop_sig == SIGTERM ? "SIGTERM" : "SIGINT", pl.packets);
	}
	pipeline_flush(&pl, SMTP_END_CAPTURE);
	session_queue_producer_done(&rs.q);
	pthread_join(writer, NULL);
	session_queue_fini(&rs.q);
	if (rs.store_failed) {
		snprintf(why, sizeof why, "database write failed: %s", rs.store_err);
		status = "error";
		rc = -1;
	}
	if (tty)
		fprintf(stderr, "\r%*s\r", 100, "");

	memset(&tot, 0, sizeof tot);
	tot.packets = pl.packets;
	tot.bytes = pl.bytes;
	tot.smtp_sessions = rs.sessions;
	tot.first_ts = pl.first_ts;
	tot.last_ts = pl.last_ts;
	pipeline_counters(&pl, put_counter, &rs);
	if (pl.ts_backwards)
		store_capture_anomaly(st, rs.capture_id, pl.last_ts, "timestamps_backwards",
				      "frames older than the frame before them (kept, counted)");
	if (rc < 0)
		store_capture_anomaly(st, rs.capture_id, pl.last_ts, "capture_error", why);
	if (store_capture_end(st, rs.capture_id, &tot, status, why[0] ? why : NULL) < 0) {
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
	import_fini(&im);
	res->packets = pl.packets;
	res->bytes = pl.bytes;
	/* what was committed, not what was handed to the writer */
	if (!res->skipped) {
		int64_t kept = store_capture_sessions(st, rs.capture_id);
		res->sessions = kept > 0 ? (uint64_t)kept : 0;
	}
	if (!res->skipped) {
		int64_t cut = store_capture_snaplen_sessions(st, rs.capture_id);
		res->snaplen_sessions = cut > 0 ? (uint64_t)cut : 0;
	}
	res->first_ts = pl.first_ts;
	res->last_ts = pl.last_ts;
	pipeline_fini(&pl);
	pcap_close(p);
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", path, why);
	return rc;
}
