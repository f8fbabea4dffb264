#!/usr/bin/env python3
"""Runs a command until its first output is complete but not yet in place,
sends it SIGNAL from outside, and prints how it ended ("exit N" or "signal
NAME"). The command waits there through llmq's test hook
(LLMQ_TEST_SIGNAL_AT_COMMIT=wait:MARKER creates MARKER and waits), so the
signal always arrives at the same point. SIGINT, SIGTERM and SIGHUP get their
default action first, as from an interactive shell (lit ignores SIGINT).

    interrupt.py SIGNAL MARKER COMMAND [ARGS...]
"""
import os
import signal
import subprocess
import sys
import time

which, marker, command = sys.argv[1], sys.argv[2], sys.argv[3:]
for name in ("SIGINT", "SIGTERM", "SIGHUP"):
    signal.signal(getattr(signal, name), signal.SIG_DFL)
if os.path.exists(marker):
    os.remove(marker)
env = dict(os.environ, LLMQ_TEST_SIGNAL_AT_COMMIT="wait:" + marker)
child = subprocess.Popen(command, env=env)
deadline = time.monotonic() + 120
while not os.path.exists(marker) and child.poll() is None:
    if time.monotonic() > deadline:
        child.kill()
        sys.exit("interrupt.py: the command never reached its commit")
    time.sleep(0.02)
if child.poll() is None:
    child.send_signal(getattr(signal, which))
code = child.wait()
os.remove(marker) if os.path.exists(marker) else None
print(f"signal {signal.Signals(-code).name}" if code < 0 else f"exit {code}")
