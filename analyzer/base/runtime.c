/* \summary: stop flag, signals and clocks; see runtime.h. */
#include "analyzer/base/runtime.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct breaker {
	void (*fn)(void *arg);
	void *arg;
};

static volatile sig_atomic_t stop_flag, stop_signal;
static void (*hup_fn)(void);
/* Slots are written by the thread that owns the source, read by the handler:
 * a slot's fn is published after its arg and cleared before the source goes. */
static struct breaker breakers[RT_BREAKERS_MAX];

static void wake_all(void)
{
	int i;

	for (i = 0; i < RT_BREAKERS_MAX; i++) {
		void (*fn)(void *) = __atomic_load_n(&breakers[i].fn, __ATOMIC_ACQUIRE);
		if (fn)
			fn(__atomic_load_n(&breakers[i].arg, __ATOMIC_RELAXED));
	}
}

static void on_signal(int sig)
{
	int saved = errno;

	__atomic_store_n(&stop_signal, sig, __ATOMIC_RELAXED);
	__atomic_store_n(&stop_flag, 1, __ATOMIC_RELAXED);
	wake_all();
	errno = saved;
}

void rt_install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: a blocked read must return */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static void on_hup(int sig)
{
	void (*fn)(void) = __atomic_load_n(&hup_fn, __ATOMIC_ACQUIRE);
	int saved = errno;

	(void)sig;
	if (fn)
		fn();
	errno = saved;
}

void rt_set_hup(void (*fn)(void))
{
	struct sigaction sa;

	__atomic_store_n(&hup_fn, fn, __ATOMIC_RELEASE);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_hup;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;
	sigaction(SIGHUP, &sa, NULL);
}

void rt_request_stop(void)
{
	__atomic_store_n(&stop_flag, 1, __ATOMIC_RELAXED);
	wake_all();
}

int rt_stopping(void)
{
	return __atomic_load_n(&stop_flag, __ATOMIC_RELAXED) != 0;
}

int rt_signal(void)
{
	return (int)__atomic_load_n(&stop_signal, __ATOMIC_RELAXED);
}

void rt_reset(void)
{
	__atomic_store_n(&stop_flag, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&stop_signal, 0, __ATOMIC_RELAXED);
}

int rt_add_breaker(void (*fn)(void *arg), void *arg)
{
	int i;

	for (i = 0; i < RT_BREAKERS_MAX; i++) {
		void (*none)(void *) = NULL;
		if (__atomic_load_n(&breakers[i].fn, __ATOMIC_RELAXED))
			continue;
		__atomic_store_n(&breakers[i].arg, arg, __ATOMIC_RELAXED);
		if (__atomic_compare_exchange_n(&breakers[i].fn, &none, fn, 0, __ATOMIC_RELEASE,
						__ATOMIC_RELAXED))
			return i;
	}
	return -1;
}

void rt_remove_breaker(int slot)
{
	if (slot >= 0 && slot < RT_BREAKERS_MAX)
		__atomic_store_n(&breakers[slot].fn, NULL, __ATOMIC_RELEASE);
}

double rt_mono_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

double rt_wall_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

void rt_timing(const char *who, const char *what)
{
	static int on = -1;
	static __thread struct { const char *who; double last; } clocks[4];
	double t;
	size_t i;

	if (on < 0)
		on = getenv("SMTPSCOPE_TIMINGS") != NULL && strcmp(getenv("SMTPSCOPE_TIMINGS"), "0") != 0;
	if (!on)
		return;
	t = rt_mono_s();
	for (i = 0; i < sizeof clocks / sizeof clocks[0] - 1; i++) /* the last slot is shared */
		if (!clocks[i].who || strcmp(clocks[i].who, who) == 0)
			break;
	clocks[i].who = who;
	if (what)
		fprintf(stderr, "%s: %-28s %.4f s\n", who, what, t - clocks[i].last);
	clocks[i].last = t;
}
