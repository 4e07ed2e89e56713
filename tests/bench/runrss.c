/* \summary: runrss: run one command, report its wall time and peak RSS.
 *
 *   runrss RESULTFILE [-k] -- COMMAND [ARG...]
 *
 * Writes "WALL_SECONDS PEAK_RSS_KB EXIT_CODE\n" to RESULTFILE.  The command's
 * standard output and error go to /dev/null unless -k.
 *
 * Why not measure from Python: on Linux, ru_maxrss survives execve(), so a
 * child forked from a Python interpreter reports at least the interpreter's
 * resident size (about 11 MB even for /bin/true).  Forked from this small
 * program, the figure is the command's own (about 1 MB for /bin/true). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct rusage ru;
	int keep = 0, status = 0, argi = 2, code;
	pid_t pid;
	FILE *out;

	if (argc > 2 && strcmp(argv[argi], "-k") == 0) {
		keep = 1;
		argi++;
	}
	if (argi < argc && strcmp(argv[argi], "--") == 0)
		argi++;
	if (argc < 3 || argi >= argc) {
		fprintf(stderr, "usage: runrss RESULTFILE [-k] -- COMMAND [ARG...]\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0) {
		perror("runrss: fork");
		return 1;
	}
	if (pid == 0) {
		if (!keep) {
			int fd = open("/dev/null", O_WRONLY);

			if (fd >= 0) {
				dup2(fd, 1);
				dup2(fd, 2);
				close(fd);
			}
		}
		execvp(argv[argi], argv + argi);
		perror("runrss: exec");
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("runrss: wait4");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	out = fopen(argv[1], "w");
	if (!out) {
		perror(argv[1]);
		return 1;
	}
	fprintf(out, "%.6f %ld %d\n",
		(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
		ru.ru_maxrss, code);
	return fclose(out) == 0 ? 0 : 1;
}
