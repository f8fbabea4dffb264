"""Runs llama-perplexity --kl-divergence (ARGS as given) with its output in
LOG, again while LOG lacks the "Mean    KLD:" line: llama.cpp's logger
writes from a thread of its own and at times the process exits before the
last lines (the final statistics) are out. Five tries at most (three
ran out on a loaded machine).

  llama-kld.py LOG LLAMA-PERPLEXITY ARGS..."""
import re, subprocess, sys

log, command = sys.argv[1], sys.argv[2:]
tries = 5
for attempt in range(tries):
    with open(log, "w") as out:
        subprocess.run(command, stdout=out, stderr=subprocess.STDOUT,
                       check=True)
    if re.search(r"^Mean\s+KLD:", open(log, errors="replace").read(), re.M):
        sys.exit(0)
sys.exit(f"error: {log}: no 'Mean    KLD:' line in {tries} runs of "
         f"{command[0]}")
