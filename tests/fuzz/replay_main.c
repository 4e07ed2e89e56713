/* \summary: runs a libFuzzer target's LLVMFuzzerTestOneInput() once over
 * each file named on the command line, without libFuzzer (SQLite's
 * fuzzcheck model): what `make test` uses to replay the committed corpora
 * and the crash regressions through every target with the ordinary build.
 * It looks for crashes and broken invariants (fuzz_fail() aborts), not at
 * the output.  Each input is copied to an exact-size malloc, as libFuzzer
 * does, so a sanitizer build catches a one-byte over-read.
 *
 *   fuzz_<target>-replay FILE...   exit 0 when every input ran */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPLAY_INPUT_MAX (16u << 20)  /* larger inputs are refused (no fuzz input is this big) */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	int i, n = 0;

	for (i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		uint8_t *buf;
		long len;

		if (!f || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || len > (long)REPLAY_INPUT_MAX ||
		    fseek(f, 0, SEEK_SET) != 0) {
			fprintf(stderr, "%s: cannot read (or larger than %u bytes)\n", argv[i], REPLAY_INPUT_MAX);
			if (f)
				fclose(f);
			return 2;
		}
		buf = malloc(len ? (size_t)len : 1);
		if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
			fprintf(stderr, "%s: read failed\n", argv[i]);
			free(buf);
			fclose(f);
			return 2;
		}
		fclose(f);
		LLVMFuzzerTestOneInput(buf, (size_t)len);
		free(buf);
		n++;
	}
	printf("%d inputs ran\n", n);
	return 0;
}
