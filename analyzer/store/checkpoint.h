/* \summary: the database file brought up to date on a thread of its own.
 *
 * A replay ends with the analysis, then a checkpoint that copies the
 * write-ahead log into the file ("the .db alone is complete").  The
 * checkpointer copies what the capture wrote (PRAGMA wal_checkpoint
 * PASSIVE: it never waits for, nor blocks, the analysis on its connection)
 * while the analysis runs, so that the last checkpoint only has the
 * analysis' own pages left to copy.  Its connection is opened with
 * sqlite3_open_v2() directly, never store_open(): that one's header check
 * open()s and close()s the file, which would drop the POSIX locks of the
 * process's other connection. */
#ifndef SMTPSCOPE_CHECKPOINT_H
#define SMTPSCOPE_CHECKPOINT_H

#include <pthread.h>

struct checkpointer {
	pthread_t thread;
	char *path;               /* owned */
	int started;
	int rc;                   /* the checkpoint's SQLite result code, after join */
	int log_frames, copied_frames; /* frames in the log, and copied (sqlite3_wal_checkpoint_v2) */
};

/* Starts copying the log of the database at path into it.  0, or -1 when
 * no thread could start (then nothing is done: the last checkpoint copies
 * all). */
int checkpointer_start(struct checkpointer *c, const char *path);

/* Waits for it (a no-op when it did not start). */
void checkpointer_join(struct checkpointer *c);

#endif
