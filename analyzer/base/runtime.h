/* \summary: the process-wide run state: the stop request (SIGINT, SIGTERM,
 * --duration, a failing thread) and the two clocks every stage uses.
 *
 * One stop flag for the whole process.  rt_install_signals() makes SIGINT
 * and SIGTERM set it (without SA_RESTART, so a blocked read returns) and
 * call every registered breaker, which is how a capture loop blocked in
 * libpcap is woken (pcap_breakloop is async-signal-safe).  Threads poll
 * rt_stopping(). */
#ifndef SMTPSCOPE_RUNTIME_H
#define SMTPSCOPE_RUNTIME_H

#define RT_BREAKERS_MAX 72   /* capture handles that can be woken at once (LIVE_WORKERS_MAX + spare) */

/* Installs the SIGINT/SIGTERM handlers (idempotent). */
void rt_install_signals(void);

/* SIGHUP calls fn (from the signal handler: async-signal-safe only, e.g.
 * set a flag to reopen a log file); it never stops the run. */
void rt_set_hup(void (*fn)(void));

/* Asks every loop to stop, as a signal would (thread safe, signal safe). */
void rt_request_stop(void);
/* 1 once a stop was requested. */
int rt_stopping(void);
/* The signal that asked for the stop (SIGINT, SIGTERM), or 0. */
int rt_signal(void);
/* Forgets an earlier stop (a test running several captures in one process). */
void rt_reset(void);

/* fn(arg) is called from the signal handler and from rt_request_stop():
 * it must be async-signal-safe.  Add and remove from one thread (the one
 * that opens and closes the sources); remove before arg goes away.  Returns a slot for rt_remove_breaker, or
 * -1 when all RT_BREAKERS_MAX slots are taken. */
int rt_add_breaker(void (*fn)(void *arg), void *arg);
void rt_remove_breaker(int slot);

/* Seconds on the monotonic clock (intervals), and on the wall clock (stored times). */
double rt_mono_s(void);
double rt_wall_s(void);

/* SMTPSCOPE_TIMINGS=1 in the environment: prints "WHO: WHAT  N s" on
 * standard error, N the seconds since this thread's previous call for the
 * same WHO (what = NULL only starts that clock).  Nothing otherwise.  For `make bench` and
 * for a user asking where a slow run spends its time (README). */
void rt_timing(const char *who, const char *what);

#endif
