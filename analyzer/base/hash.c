/* \summary: XXH3-128 over a stream, AVX2 when the CPU has it; see hash.h. */
#include "analyzer/base/hash.h"

int hash128_avx2(void)
{
#if defined(__x86_64__) && defined(HASH_HAVE_AVX2)
	static int have = -1;

	if (have < 0) {
		__builtin_cpu_init();
		have = __builtin_cpu_supports("avx2") ? 1 : 0;
	}
	return have;
#else
	return 0;
#endif
}

int hash128_update(XXH3_state_t *s, const void *p, size_t n)
{
	if (hash128_avx2())
		return hash128_update_avx2(s, p, n);
	return XXH3_128bits_update(s, p, n) == XXH_OK ? 0 : -1;
}
