#!/usr/bin/env python3
"""Checks that `quant-run ppl --json` results agree: every file's perplexity
is within --rel of the first's. Prints them; exits 1 otherwise."""
import argparse
import json
import sys

p = argparse.ArgumentParser()
p.add_argument("files", nargs="+")
p.add_argument("--rel", type=float, default=1e-4)
args = p.parse_args()
values = [json.load(open(f))["ppl"] for f in args.files]
base = values[0]
worst = max(abs(v - base) / base for v in values)
for f, v in zip(args.files, values):
    print(f"{f.rsplit('/', 1)[-1]}: ppl {v:.6f}")
print(f"largest relative difference {worst:.2e} (limit {args.rel:g})")
if worst > args.rel:
    sys.exit("perplexities differ by more than the limit")
