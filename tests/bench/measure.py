#!/usr/bin/env python3
"""measure.py RUNS -- COMMAND...: runs COMMAND RUNS times (stdout/stderr to
/dev/null unless MEASURE_KEEP_OUTPUT is set) and prints one JSON object:
{"median_s": ..., "runs": [...], "peak_rss_kb": ..., "rc": ..., "rss_exact": ...}.
Peak RSS is the largest ru_maxrss of the command over the runs (Linux: KiB).
A setup command (MEASURE_BEFORE, run through sh before every run, untimed)
can reset state such as a fresh database.

The command is started by the small C helper named by MEASURE_RUNNER
(tests/bench/runrss.c; bench.sh builds it): Linux keeps ru_maxrss across
execve(), so a child forked from this interpreter would report at least the
interpreter's own ~11 MB.  Without the helper the command is forked from
here and "rss_exact" is false (RSS over-stated by that much)."""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def run_helper(runner, cmd, keep):
    fd, path = tempfile.mkstemp(prefix="measure.")
    os.close(fd)
    try:
        argv = [runner, path] + (["-k"] if keep else []) + ["--"] + cmd
        subprocess.run(argv, check=False)
        with open(path) as f:
            wall, rss, rc = f.read().split()
        return float(wall), int(rss), int(rc)
    finally:
        os.unlink(path)


def run_direct(cmd, keep):
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        if not keep:
            fd = os.open(os.devnull, os.O_WRONLY)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)
    _, status, ru = os.wait4(pid, 0)
    return time.monotonic() - t0, ru.ru_maxrss, os.waitstatus_to_exitcode(status)


def main():
    if len(sys.argv) < 4 or "--" not in sys.argv:
        sys.exit("usage: measure.py RUNS -- COMMAND...")
    runs = int(sys.argv[1])
    cmd = sys.argv[sys.argv.index("--") + 1:]
    before = os.environ.get("MEASURE_BEFORE")
    keep = bool(os.environ.get("MEASURE_KEEP_OUTPUT"))
    runner = os.environ.get("MEASURE_RUNNER")
    exact = bool(runner) and os.access(runner, os.X_OK)
    times, peak, rc = [], 0, 0
    for _ in range(runs):
        if before:
            subprocess.run(before, shell=True, check=False)
        wall, rss, code = run_helper(runner, cmd, keep) if exact else run_direct(cmd, keep)
        times.append(wall)
        peak = max(peak, rss)
        rc = rc or code
    print(json.dumps({"median_s": statistics.median(times), "runs": times,
                      "peak_rss_kb": peak, "rc": rc, "rss_exact": exact}))


if __name__ == "__main__":
    main()
