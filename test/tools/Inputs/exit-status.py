#!/usr/bin/env python3
"""Runs a command and prints how it ended: "exit N" or "signal NAME" (a
shell would report a signal as 128+N, lit's shell as a crash). The command
gets the default action for SIGINT, SIGTERM and SIGHUP, as from an
interactive shell: lit's workers ignore SIGINT, and children inherit that.

    exit-status.py COMMAND [ARGS...]
"""
import signal
import subprocess
import sys

for name in ("SIGINT", "SIGTERM", "SIGHUP"):
    signal.signal(getattr(signal, name), signal.SIG_DFL)
code = subprocess.run(sys.argv[1:]).returncode
print(f"signal {signal.Signals(-code).name}" if code < 0 else f"exit {code}")
