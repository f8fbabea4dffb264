#!/usr/bin/env python3
"""Generates from an artifact (greedy, and sampled at temperature 1 with
several seeds) and fails if any banned id appears; generates greedily from
the unmasked model too and fails if none does (the ban must bite)."""
import argparse
import json
import subprocess
import sys


def generate(model, prompt, n, *extra):
    out = subprocess.run(["quant-run", "generate", model, "--prompt", prompt,
                          "-n", str(n), "--json", *extra],
                         capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(out.stderr)
    return json.loads(out.stdout)["ids"]


p = argparse.ArgumentParser()
p.add_argument("artifact")
p.add_argument("unmasked")
p.add_argument("--ban-file", required=True)
p.add_argument("--prompt", action="append", required=True)
p.add_argument("--n", type=int, default=32)
p.add_argument("--seeds", type=int, default=4)
args = p.parse_args()
banned = {int(x) for x in open(args.ban_file).read().replace("\n", ",").split(",") if x.strip()}

unmasked = sum(len(banned & set(generate(args.unmasked, q, args.n)))
               for q in args.prompt)
if unmasked == 0:
    sys.exit("the unmasked model generates no banned id: the test proves nothing")
runs = tokens = 0
for q in args.prompt:
    for extra in [[]] + [["--temperature", "1", "--seed", str(s)]
                         for s in range(args.seeds)]:
        ids = generate(args.artifact, q, args.n, *extra)
        hit = banned & set(ids)
        if hit:
            sys.exit(f"banned ids {sorted(hit)} generated for {q!r} {extra}")
        runs += 1
        tokens += len(ids)
print(f"unmasked model: {unmasked} banned ids generated; artifact: "
      f"{runs} generations, {tokens} tokens, no banned id")
