#!/usr/bin/env python3
"""Runs a command and prints the most threads its process had at once, as
seen by polling /proc/PID/task every 0.2 ms, and how often it looked:

    max-threads.py [--tries N] COMMAND [ARGS...]
        ->   "max threads: N" / "samples: M"

Polling can miss worker threads that live for less than a poll on a loaded
machine, so with --tries the command runs N times (stopping at its first
failure) and the most seen in any run is printed: an upper bound that stays
exact for a command that never starts a thread. The last run's exit status
is passed on. Linux only.
"""
import os
import subprocess
import sys
import time

args = sys.argv[1:]
tries = 1
if args[:1] == ["--tries"]:
    tries, args = int(args[1]), args[2:]

most, fewest_samples, code = 0, None, 0
for _ in range(tries):
    proc = subprocess.Popen(args)
    samples = 0
    while proc.poll() is None:
        try:
            n = len(os.listdir(f"/proc/{proc.pid}/task"))
        except OSError:
            break
        most, samples = max(most, n), samples + 1
        time.sleep(0.0002)
    code = proc.wait()
    fewest_samples = samples if fewest_samples is None else min(fewest_samples, samples)
    if code != 0:
        break
print(f"max threads: {most}")
print(f"samples: {'many' if fewest_samples >= 10 else fewest_samples}")
sys.exit(code)
