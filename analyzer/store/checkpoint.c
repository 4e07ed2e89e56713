/* \summary: the database file brought up to date on a thread of its own;
 * see checkpoint.h. */
#include "analyzer/store/checkpoint.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

static void *checkpointer_main(void *arg)
{
	struct checkpointer *c = arg;
	sqlite3 *db = NULL;

	pthread_setname_np(pthread_self(), "checkpoint");
	c->rc = sqlite3_open_v2(c->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	/* a statement first: until it reads the file the connection does not
	 * know the file is in WAL mode, and a checkpoint would do nothing */
	if (c->rc == SQLITE_OK)
		c->rc = sqlite3_exec(db, "PRAGMA schema_version", NULL, NULL, NULL);
	if (c->rc == SQLITE_OK)
		c->rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, &c->log_frames,
						  &c->copied_frames);
	sqlite3_close(db);
	return NULL;
}

int checkpointer_start(struct checkpointer *c, const char *path)
{
	memset(c, 0, sizeof *c);
	if (!path || !*path || !(c->path = strdup(path)))
		return -1;
	if (pthread_create(&c->thread, NULL, checkpointer_main, c) != 0) {
		free(c->path);
		c->path = NULL;
		return -1;
	}
	c->started = 1;
	return 0;
}

void checkpointer_join(struct checkpointer *c)
{
	if (c->started)
		pthread_join(c->thread, NULL);
	c->started = 0;
	free(c->path);
	c->path = NULL;
}
