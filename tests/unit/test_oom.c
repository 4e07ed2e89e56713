/* \summary: out of memory is never a normal session: the SMTP parser's
 * allocations are made to fail one after the other (a malloc family that
 * fails the Nth call once armed), and each time the dead session must
 * still hand back a record that says so (an out_of_memory anomaly), and
 * nothing may crash or leak into a "clean" record.
 *
 * The interposed allocator calls glibc's own (__libc_malloc...); under a
 * sanitizer, which owns malloc itself, the test is skipped. */
#include <stdlib.h>

#include "analyzer/base/limits.h"
#include "dissectors/smtp.h"
#include "tests/tap.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define OOM_SANITIZER 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define OOM_SANITIZER 1
#endif

#ifndef OOM_SANITIZER
void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t m);
void *__libc_realloc(void *p, size_t n);

static long oom_countdown = -1;  /* < 0: off; else the call that fails (0 = the next) */
static long oom_failures;

static int oom_now(void)
{
	if (oom_countdown < 0)
		return 0;
	if (oom_countdown-- == 0) {
		oom_failures++;
		oom_countdown = -1; /* one failure, then memory again: the parser must stay dead */
		return 1;
	}
	return 0;
}

void *malloc(size_t n)
{
	return oom_now() ? NULL : __libc_malloc(n);
}

void *calloc(size_t n, size_t m)
{
	return oom_now() ? NULL : __libc_calloc(n, m);
}

void *realloc(void *p, size_t n)
{
	return oom_now() ? NULL : __libc_realloc(p, n);
}

/* One whole session, line by line in turn: S2C first. */
static const char *const LINES[] = {
	"220 mx.example.org ESMTP\r\n",
	"EHLO client.example.com\r\n",
	"250-mx.example.org\r\n250-PIPELINING\r\n250 SIZE 1000\r\n",
	"MAIL FROM:<a@example.com>\r\n", "250 ok\r\n",
	"RCPT TO:<b@example.org>\r\n", "250 ok\r\n",
	"DATA\r\n", "354 go\r\n",
	"Subject: hi\r\nFrom: a@example.com\r\n\r\nbody\r\n..stuffed\r\n.\r\n", "250 queued\r\n",
	"QUIT\r\n", "221 bye\r\n",
};

/* One session with the k-th allocation failing (k < 0: none); returns its
 * record (NULL when even that could not be had). */
static struct smtp_record *session_failing_at(long k, int *saw_minus1)
{
	struct smtp_session *s;
	size_t i;
	int rc = 0, dir;

	oom_countdown = k;
	s = smtp_new();
	if (!s) {
		oom_countdown = -1;
		*saw_minus1 = 1;
		return NULL;
	}
	for (i = 0; i < sizeof LINES / sizeof LINES[0]; i++) {
		dir = i % 2 ? SMTP_C2S : SMTP_S2C;
		rc |= smtp_feed(s, (enum smtp_dir)dir, (const uint8_t *)LINES[i], strlen(LINES[i]), 1000 * (i + 1));
	}
	rc |= smtp_finish(s, SMTP_END_FIN, 99000);
	oom_countdown = -1;
	*saw_minus1 = rc != 0;
	return smtp_take_record(s);
}

static int has_oom(const struct smtp_record *r)
{
	int i;

	for (i = 0; i < r->n_anomalies; i++)
		if (r->anomalies[i].kind == ANOM_OUT_OF_MEMORY)
			return 1;
	return 0;
}

int main(void)
{
	long k, dead = 0, marked = 0, unmarked = 0, nofail = 0;
	struct smtp_record *r;
	int minus1;

	r = session_failing_at(-1, &minus1);
	ok(r && !minus1 && !has_oom(r) && r->outcome == SMTP_OUTCOME_COMPLETED,
	   "with memory: the session completes, no out_of_memory anomaly");
	smtp_record_free(r);
	for (k = 0; k < 400; k++) {
		long before = oom_failures;
		r = session_failing_at(k, &minus1);
		if (oom_failures == before) { /* fewer allocations than k: done */
			nofail++;
			smtp_record_free(r);
			break;
		}
		if (!r)
			continue; /* smtp_new() or the record itself failed: nothing to hand on */
		if (minus1) {
			dead++;
			if (has_oom(r))
				marked++;
			else
				unmarked++;
		}
		smtp_record_free(r);
	}
	ok(dead > 0, "some allocation failures kill the parser (%ld of %ld)", dead, k);
	ok(unmarked == 0, "every dead session's record has an out_of_memory anomaly (%ld marked, %ld not)",
	   marked, unmarked);
	ok(nofail == 1, "the loop reached the session's last allocation (%ld failure points)", k);
	return done_testing();
}
#else
int main(void)
{
	printf("ok 1 - out-of-memory test # SKIP the sanitizer owns malloc\n# 1 passed, 0 failed\n");
	return 0;
}
#endif
