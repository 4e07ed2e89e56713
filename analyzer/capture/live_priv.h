/* \summary: dropping root for `smtpscope live` (the tcpdump -Z model).
 *
 * The capture handles, the filter, the database and the --write-pcap
 * directory are all opened first, as root; then the process becomes USER
 * (initgroups, setgid, setuid) and checks that it cannot become root again.
 * Files created as root that the process must still write (the database and
 * its -wal/-shm) are given to USER before the switch. */
#ifndef SMTPSCOPE_LIVE_PRIV_H
#define SMTPSCOPE_LIVE_PRIV_H

#include <stddef.h>
#include <sys/types.h>

struct live_user {
	char name[64];
	uid_t uid;
	gid_t gid;
};

/* Looks USER up.  0, or -1 with err set ("no such user"). */
int live_priv_lookup(const char *user, struct live_user *u, char *err, size_t errlen);

/* chown path, path-wal and path-shm to u (missing files are skipped).
 * 0, or -1 with err set. */
int live_priv_chown_db(const char *path, const struct live_user *u, char *err, size_t errlen);

/* Becomes u for good: initgroups, setgid, setuid, then verifies the real and
 * effective ids and that setuid(0) now fails.  0, or -1 with err set (the
 * caller must exit). */
int live_priv_drop(const struct live_user *u, char *err, size_t errlen);

#endif
