/* \summary: libxxhash's XXH3-128 update compiled for AVX2 (the Makefile
 * builds this file with -mavx2 on x86-64); hash.c calls it only when the
 * CPU has AVX2.  Its own, inlined copy of the library's code (the header's
 * XXH_INLINE_ALL): the state has the library's layout. */
#include "analyzer/base/hash.h"

#if defined(__x86_64__) && defined(__AVX2__)
#define XXH_INLINE_ALL
#include <xxhash.h>

int hash128_update_avx2(void *state, const void *p, size_t n)
{
	return XXH3_128bits_update((XXH3_state_t *)state, p, n) == XXH_OK ? 0 : -1;
}
#else
int hash128_update_avx2(void *state, const void *p, size_t n)
{
	(void)state;
	(void)p;
	(void)n;
	return -1; /* never called: hash128_avx2() says 0 */
}
#endif
