"""Runs llama-perplexity --kl-divergence (ARGS as given) with its output in
LOG, again while LOG lacks the "Mean    KLD:" line: llama.cpp's logger
writes from a thread of its own and at times the process exits before the
last lines (the final statistics) are out. Three tries at most.

  llama-kld.py LOG LLAMA-PERPLEXITY ARGS..."""
import re, subprocess, sys

log, command = sys.argv[1], sys.argv[2:]
for attempt in range(3):
    with open(log, "w") as out:
        subprocess.run(command, stdout=out, stderr=subprocess.STDOUT,
                       check=True)
    if re.search(r"^Mean\s+KLD:", open(log, errors="replace").read(), re.M):
        sys.exit(0)
sys.exit(f"error: {log}: no 'Mean    KLD:' line in 3 runs of {command[0]}")
