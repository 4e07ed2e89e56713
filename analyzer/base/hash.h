/* \summary: XXH3-128 over a stream, with the widest vector unit the CPU has.
 *
 * Debian's libxxhash is built for the x86-64 baseline (SSE2); the same
 * library's header, compiled once more with AVX2 (hash_avx2.c), hashes
 * about twice as fast where the CPU has it.  The hash is the same either
 * way (XXH3's output does not depend on the vector unit), so the state is
 * libxxhash's own (XXH3_createState(), XXH3_128bits_digest()). */
#ifndef SMTPSCOPE_HASH_H
#define SMTPSCOPE_HASH_H

#include <stddef.h>
#include <xxhash.h>

/* XXH3_128bits_update(s, p, n), on AVX2 when the CPU has it.  0, or -1. */
int hash128_update(XXH3_state_t *s, const void *p, size_t n);

/* 1 when hash128_update() uses AVX2 (for the tests). */
int hash128_avx2(void);

/* hash_avx2.c, built with -mavx2 on x86-64 (the Makefile). */
int hash128_update_avx2(void *state, const void *p, size_t n);

#endif
