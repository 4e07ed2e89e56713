/* \summary: analyzer/base/hash.c: XXH3-128 through hash128_update() (AVX2
 * where the CPU has it) equals libxxhash's one-shot XXH3_128bits(), for
 * every length and every way of cutting the input into updates. */
#include "analyzer/base/hash.h"
#include "tests/tap.h"

#include <stdlib.h>

static int same(const uint8_t *p, size_t n, size_t step)
{
	XXH3_state_t *s = XXH3_createState();
	XXH128_hash_t a, b;
	size_t i, k;
	int rc = 0;

	if (!s || XXH3_128bits_reset(s) != XXH_OK)
		return 0;
	for (i = 0; i < n; i += k) {
		k = n - i < step ? n - i : step;
		if (hash128_update(s, p + i, k) < 0)
			goto out;
	}
	a = XXH3_128bits_digest(s);
	b = XXH3_128bits(p, n);
	rc = XXH128_isEqual(a, b);
out:
	XXH3_freeState(s);
	return rc;
}

int main(void)
{
	enum { N = 300000 };
	uint8_t *p = malloc(N);
	size_t n, bad = 0, runs = 0;
	static const size_t steps[] = { 1, 7, 64, 240, 1000, 4096, 65536, 1 << 20 };
	size_t i;
	uint32_t x = 12345;

	if (!p)
		return 1;
	for (n = 0; n < N; n++) {
		x = x * 1103515245u + 12345u;
		p[n] = (uint8_t)(x >> 16);
	}
	printf("# AVX2 path: %s\n", hash128_avx2() ? "yes" : "no");
	/* every length up to 1100 (XXH3's short, medium and long inputs, stripes and blocks) */
	for (n = 0; n <= 1100; n++)
		for (i = 0; i < 3; i++, runs++)
			bad += !same(p, n, steps[i]);
	for (n = 1101; n <= N; n = n * 3 / 2 + 17)
		for (i = 0; i < sizeof steps / sizeof steps[0]; i++, runs++)
			bad += !same(p + (n & 7), n - (n & 7), steps[i]);
	if (!ok(bad == 0, "streamed hash128_update() equals XXH3_128bits() (%zu runs)", runs))
		printf("#   %zu differ\n", bad);
	ok(same(p, N, N), "one update of the whole input");
	free(p);
	return done_testing();
}
