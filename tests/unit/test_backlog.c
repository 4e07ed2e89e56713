/* Unit tests of analyzer/store/backlog.c: while another connection holds
 * the write lock, sessions wait in order (nothing lost, a back-off set);
 * once it is released they are stored in that order and the on_stored
 * callback sees each with its id. */
#include "tests/tap.h"

#include <stdlib.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzer/base/limits.h"
#include "analyzer/store/backlog.h"
#include "analyzer/store/store.h"

static int seen_ports[8], n_seen;

static void on_stored(void *ctx, int64_t id, const struct session_meta *m, const struct smtp_record *r)
{
	(void)ctx;
	(void)r;
	if (id > 0 && n_seen < 8)
		seen_ports[n_seen++] = m->client_port;
}

static struct session_item *item(int port)
{
	static const char banner[] = "220 mail.example.com ESMTP\r\n";
	struct session_item *it = calloc(1, sizeof *it);

	if (!it || !(it->s = smtp_new()))
		exit(1);
	smtp_feed(it->s, SMTP_S2C, (const uint8_t *)banner, sizeof banner - 1, 1000000);
	snprintf(it->meta.client_ip, sizeof it->meta.client_ip, "192.0.2.1");
	snprintf(it->meta.server_ip, sizeof it->meta.server_ip, "192.0.2.25");
	it->meta.client_port = (uint16_t)port;
	it->meta.server_port = 25;
	it->meta.first_ts = 1000000;
	it->meta.last_ts = 2000000;
	return it;
}

int main(void)
{
	char dir[64], path[96], err[256];
	struct capture_info ci = { "unit", "file", NULL, NULL, "EN10MB", NULL, -1, NULL };
	struct store_backlog bl;
	struct session_item *list;
	struct store *st;
	sqlite3 *other;
	uint64_t stored = 0, lost = 0;
	int64_t cap;
	sqlite3_stmt *q;
	long long n = -1;

	snprintf(dir, sizeof dir, "/tmp/smtpscope-test-backlog-%d", (int)getpid());
	snprintf(path, sizeof path, "%s/b.db", dir);
	if (mkdir(dir, 0700) < 0)
		return 1;
	st = store_open(path, STORE_WRITE, err, sizeof err);
	if (!ok(st != NULL, "store_open"))
		return done_testing();
	cap = store_capture_begin(st, &ci);
	sqlite3_busy_timeout(store_db(st), 50); /* SQLite's own wait, short for the test */
	memset(&bl, 0, sizeof bl);
	bl.on_stored = on_stored;

	/* another process-like connection takes the write lock */
	ok(sqlite3_open(path, &other) == SQLITE_OK && sqlite3_exec(other, "BEGIN EXCLUSIVE", NULL, NULL, NULL) == SQLITE_OK,
	   "another connection holds an exclusive lock");
	list = item(1001);
	list->next = item(1002);
	list->next->next = item(1003);
	is_int(store_backlog_drain(st, &bl, list, cap, 10.0, &stored, &lost), 1, "drain: the lock refuses, sessions wait (1)");
	is_int(bl.n, 3, "all three wait");
	is_int(stored, 0, "none stored");
	is_int(lost, 0, "none lost");
	ok(bl.next_try > 10.0 && bl.next_try <= 10.0 + STORE_RETRY_MAX_MS / 1000.0, "a back-off is set");
	ok(!store_backlog_due(&bl, 10.0) && store_backlog_due(&bl, bl.next_try), "due only once the back-off passed");
	is_int(store_backlog_drain(st, &bl, item(1004), cap, bl.next_try, &stored, &lost), 1, "still locked: 1");
	is_int(bl.n, 4, "a new session queues behind the others");
	ok(bl.wait_s > STORE_RETRY_MIN_MS / 1000.0, "the back-off grew");

	ok(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL) == SQLITE_OK, "the lock is released");
	is_int(store_backlog_drain(st, &bl, NULL, cap, bl.next_try, &stored, &lost), 0, "drain: all stored (0)");
	is_int(stored, 4, "four stored");
	is_int(bl.n, 0, "nothing waits");
	is_int(n_seen, 4, "on_stored ran for each");
	ok(seen_ports[0] == 1001 && seen_ports[1] == 1002 && seen_ports[2] == 1003 && seen_ports[3] == 1004,
	   "in the order they came");
	store_commit(st);
	if (sqlite3_prepare_v2(other, "SELECT count(*) FROM sessions", -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	is_int(n, 4, "the other connection sees the four sessions");

	sqlite3_close(other);
	store_close(st);
	unlink(path);
	snprintf(path, sizeof path, "%s/b.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/b.db-shm", dir);
	unlink(path);
	rmdir(dir);
	return done_testing();
}
