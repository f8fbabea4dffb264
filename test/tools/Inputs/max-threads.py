#!/usr/bin/env python3
"""Runs a command and prints the most threads its process had at once, as
seen by polling /proc/PID/task every 0.2 ms, and how often it looked:

    max-threads.py COMMAND [ARGS...]   ->   "max threads: N" / "samples: M"

The command's exit status is passed on. Linux only.
"""
import os
import subprocess
import sys
import time

proc = subprocess.Popen(sys.argv[1:])
most, samples = 0, 0
while proc.poll() is None:
    try:
        n = len(os.listdir(f"/proc/{proc.pid}/task"))
    except OSError:
        break
    most, samples = max(most, n), samples + 1
    time.sleep(0.0002)
code = proc.wait()
print(f"max threads: {most}")
print(f"samples: {'many' if samples >= 10 else samples}")
sys.exit(code)
