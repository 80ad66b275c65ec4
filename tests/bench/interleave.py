#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""interleave.py - wall time of a few commands run in turn (A B C A B C ...),
so every command sees the same moments of a noisy machine; prints each
one's median, quartiles and its ratio to the first. A benchmark, not a test.

  tests/bench/interleave.py [-n RUNS] [-w WARMUP] -- 'CMD A' 'CMD B' ...

Each CMD is split like a shell word list (shlex) and run without a shell,
stdout and stderr to /dev/null; a failing run stops the benchmark.
"""
import argparse
import os
import shlex
import statistics
import subprocess
import sys
import time


def run(argv):
    t = time.perf_counter_ns()
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    dt = (time.perf_counter_ns() - t) / 1e6
    if p.returncode != 0:
        sys.exit("interleave.py: %s exited %d" % (shlex.join(argv), p.returncode))
    return dt


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--runs", type=int, default=200)
    ap.add_argument("-w", "--warmup", type=int, default=10)
    ap.add_argument("cmds", nargs="+")
    a = ap.parse_args()
    cmds = [shlex.split(c) for c in a.cmds]
    for _ in range(a.warmup):
        for c in cmds:
            run(c)
    times = [[] for _ in cmds]
    for _ in range(a.runs):
        for i, c in enumerate(cmds):
            times[i].append(run(c))
    load = open("/proc/loadavg").read().split()[:3]
    print("# %d runs each, interleaved; %d CPUs, load %s" % (a.runs, os.cpu_count(), " ".join(load)))
    base = statistics.median(times[0])
    for c, t in zip(a.cmds, times):
        q = statistics.quantiles(t, n=4)
        m = statistics.median(t)
        print("%8.2f ms  (q1 %6.2f, q3 %6.2f)  x%.3f  %s" % (m, q[0], q[2], m / base, c))


if __name__ == "__main__":
    main()
