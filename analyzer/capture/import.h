/* \summary: idempotent, resumable imports of capture files and stdin
 * (README "Imports").
 *
 * An input is identified by an XXH3-128 hash of its whole content, computed
 * while it is read (the FILE handed to libpcap hashes what it reads, and so
 * does import_raw_read() for the in-place reader, pcapread.h, and the
 * decompressors: no extra pass; AVX2 where the CPU has it, base/hash.h).  The capture row keeps the hash of what was read so far
 * (content_hash over hashed_bytes), updated in every commit, so even a
 * capture killed with -9 says which bytes its sessions came from.
 *
 * Rules:
 *  1. Before reading a regular file, a sampled fingerprint (capture.h) and
 *     the size pick candidate finished imports; only when the full hash of
 *     the file (one read, no parsing) equals one is the file skipped.
 *  2. While reading, the hash is also taken at every length an earlier
 *     import stopped at (its hashed_bytes).
 *  3. At the end, every earlier import (of any status but running) whose
 *     content is a prefix of what was read, or all of it, is replaced: its
 *     rows are deleted in one transaction.  An interrupted, failed or killed
 *     import is thereby replaced by the next run of the same input, and a
 *     truncated copy by the whole file.  When the earlier import is
 *     finished and holds exactly the same content, the new one is the
 *     duplicate (stdin, which has no pre-check): it is deleted instead,
 *     unless --force, which always replaces.
 *  An import read with a BPF filter (replay --filter) only matches imports
 *  read with the same filter: other filters give other sessions.
 *  4. Imports from before schema 6 have only the sampled fingerprint: a
 *     finished one with the same fingerprint and size is replaced.
 *
 * Threads: import_open()'s FILE is read by the replay's reading thread; the
 * commit hook runs on the writer's; they share only the published progress
 * (under a mutex). */
#ifndef SMTPSCOPE_IMPORT_H
#define SMTPSCOPE_IMPORT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct store;

struct import {
	struct store *st;          /* not owned */
	int64_t capture_id;        /* 0 until import_attach() */
	const char *filter;        /* the replay's BPF filter or NULL (not owned): imports match
	                              only those read with the same filter */
	int is_stdin;
	int64_t size;              /* regular file: its size, else -1 */
	char sample[17];           /* sampled fingerprint, "" when none */
	char head_hex[33];         /* hash of the first head_len bytes (regular files) */
	uint64_t head_len;

	/* reading (reader thread) */
	int fd;                    /* owned, closed by the FILE's close; -1 before open */
	void *xs;                  /* XXH3 state, owned */
	uint64_t bytes;            /* read and hashed so far */
	uint64_t *marks;           /* lengths earlier imports stopped at, ascending; owned */
	char (*mark_hex)[33];      /* the hash at each mark once reached ("" before); owned */
	size_t n_marks, next_mark;
	int read_errno;            /* the read(2) error that ended the input, 0 if none */

	/* published for the commit hook (writer thread) */
	pthread_mutex_t mu;
	uint64_t pub_bytes;
	char pub_hex[33];
	const uint64_t *packets, *wire_bytes; /* the pipeline's counters (read relaxed), may be NULL */
};

struct import_outcome {
	int duplicate;             /* the import was a copy of a finished one: it was deleted */
	int64_t duplicate_of;      /* ... that one's capture id */
	int replaced;              /* earlier imports replaced */
	uint64_t bytes;            /* input bytes read */
	char hash[33];             /* XXH3-128 of them, hex */
};

/* Sets up im for path ("-" is stdin).  For a regular file, computes the
 * sampled fingerprint and, unless force, checks rule 1: returns 1 (and the
 * finished capture's id in *known_id) when the file is already imported, 0
 * to go on, -1 on error (err set). */
int import_check(struct import *im, struct store *st, const char *path, const char *filter, int force,
		 int64_t *known_id, char *err, size_t errlen);

/* Opens the input as a FILE for libpcap (pcap_fopen_offline), hashing every
 * byte read; ftell() works on it.  fclose() (pcap_close()) closes it.  NULL
 * with err set. */
FILE *import_open(struct import *im, const char *path, char *err, size_t errlen);

/* After store_capture_begin(): records the head hash in the row and, from
 * now on, the progress in every commit.  packets/wire_bytes may be NULL. */
int import_attach(struct import *im, int64_t capture_id, const uint64_t *packets, const uint64_t *wire_bytes);

/* After store_capture_end(): rule 3.  finished: the capture ended with
 * status 'finished'.  0, or -1 with err set. */
int import_settle(struct import *im, int finished, int force, struct import_outcome *out,
		  char *err, size_t errlen);

/* Detaches the commit hook and frees im (not the FILE). */
void import_fini(struct import *im);

/* For compressed.c, which reads its raw input with single read(2) calls: if
 * f is the FILE import_open() returned (and has not been closed), reads once
 * from the input through the hash and returns what read(2) would; else -2. */
ssize_t import_raw_read(FILE *f, void *buf, size_t n);

/* XXH3-128 of a whole file, hex.  0, or -1 with errno set. */
int import_hash_file(const char *path, char hex[33], uint64_t *bytes);

#endif
