/* \summary: privilege drop for `smtpscope live`; see live_priv.h. */
#include "analyzer/capture/live_priv.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int live_priv_lookup(const char *user, struct live_user *u, char *err, size_t errlen)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	int rc;

	memset(u, 0, sizeof *u);
	rc = getpwnam_r(user, &pw, buf, sizeof buf, &res);
	if (rc != 0 || !res) {
		snprintf(err, errlen, "-Z %s: %s", user, rc ? strerror(rc) : "no such user");
		return -1;
	}
	if (strlen(pw.pw_name) >= sizeof u->name) {
		snprintf(err, errlen, "-Z %s: user name too long", user);
		return -1;
	}
	snprintf(u->name, sizeof u->name, "%s", pw.pw_name);
	u->uid = pw.pw_uid;
	u->gid = pw.pw_gid;
	return 0;
}

int live_priv_chown_db(const char *path, const struct live_user *u, char *err, size_t errlen)
{
	static const char *const suffix[] = { "", "-wal", "-shm" };
	char p[4096];
	size_t i;

	for (i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
		if ((size_t)snprintf(p, sizeof p, "%s%s", path, suffix[i]) >= sizeof p) {
			snprintf(err, errlen, "%s: path too long", path);
			return -1;
		}
		if (chown(p, u->uid, u->gid) < 0 && errno != ENOENT) {
			snprintf(err, errlen, "chown %s to %s: %s", p, u->name, strerror(errno));
			return -1;
		}
	}
	return 0;
}

int live_priv_drop(const struct live_user *u, char *err, size_t errlen)
{
	if (initgroups(u->name, u->gid) < 0) {
		snprintf(err, errlen, "initgroups(%s): %s", u->name, strerror(errno));
		return -1;
	}
	if (setgid(u->gid) < 0) {
		snprintf(err, errlen, "setgid(%u): %s", (unsigned)u->gid, strerror(errno));
		return -1;
	}
	if (setuid(u->uid) < 0) {
		snprintf(err, errlen, "setuid(%u): %s", (unsigned)u->uid, strerror(errno));
		return -1;
	}
	if (getuid() != u->uid || geteuid() != u->uid || getgid() != u->gid || getegid() != u->gid) {
		snprintf(err, errlen, "privilege drop to %s did not take (uid %u/%u gid %u/%u)", u->name,
			 (unsigned)getuid(), (unsigned)geteuid(), (unsigned)getgid(), (unsigned)getegid());
		return -1;
	}
	if (u->uid != 0 && setuid(0) == 0) {
		snprintf(err, errlen, "privilege drop to %s can be undone (setuid(0) succeeded)", u->name);
		return -1;
	}
	return 0;
}
