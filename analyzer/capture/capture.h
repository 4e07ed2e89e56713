/* \summary: `smtpscope replay`: one capture file (pcap, pcapng, "-" for
 * standard input) into the store.  This header covers files only: the
 * sources themselves are in source.h, the driver shared with live capture
 * in run.h, and live capture in live.h.  Each file is one row of `captures`.
 *
 * A replay reads a file to its end, or to the first corrupt record: then
 * everything before is kept, open sessions are written as truncated, the
 * capture row says status 'error' with the reason and the byte offset, and
 * the call returns -1 with the same text in err.  SIGINT/SIGTERM stop a
 * replay cleanly (rt_install_signals(), analyzer/base/runtime.h): sessions
 * written, capture marked 'interrupted'. */
#ifndef SMTPSCOPE_CAPTURE_H
#define SMTPSCOPE_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer/engine/flow.h"
#include "analyzer/store/store.h"

struct outputs;

struct replay_opts {
	int quiet;                 /* no progress line */
	int force;                 /* import a file again even if already imported */
	const char *filter;        /* BPF filter (tcpdump syntax), or NULL */
	struct flow_config flows;
	struct outputs *out;       /* borrowed, may be NULL: events of each stored session */
};

struct replay_result {
	uint64_t packets, bytes, sessions;
	uint64_t first_ts, last_ts;  /* microseconds */
	int skipped;                 /* already imported: nothing added */
	int replaced;                /* earlier imports of (a prefix of) the same content replaced */
	int interrupted;             /* stopped by a signal */
	uint64_t snaplen_sessions;   /* stored sessions with bytes cut by the snap length */
	int64_t capture_id;
};

/* Replays path ("-" is standard input) into st.  0, or -1 with err set. */
int capture_replay(struct store *st, const char *path, const struct replay_opts *o,
		   struct replay_result *res, char *err, size_t errlen);

/* A 64-bit fingerprint of a file's size and sampled content (first and last
 * MiB and 64 slices between): how a file already imported is recognised
 * without reading all of it again.  hex gets 16 hex digits. 0, or -1. */
int capture_file_fingerprint(const char *path, char hex[17], int64_t *size);

#endif
