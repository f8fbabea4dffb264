#!/usr/bin/env python3
"""Checks that two `quant-run logits` outputs agree: the same top ids at
every position and every logit within --abs. Prints the largest difference;
exits 1 otherwise.

    logits-close.py A B [--abs 1e-5]
"""
import argparse
import json
import sys

p = argparse.ArgumentParser()
p.add_argument("a")
p.add_argument("b")
p.add_argument("--abs", type=float, default=1e-5)
args = p.parse_args()
a, b = json.load(open(args.a)), json.load(open(args.b))
if a["top_ids"] != b["top_ids"]:
    sys.exit("top ids differ")
worst = max(abs(x - y) for ra, rb in zip(a["top_logits"], b["top_logits"])
            for x, y in zip(ra, rb))
print(f"{sum(map(len, a['top_ids']))} logits, largest difference {worst:.2e} "
      f"(limit {args.abs:g})")
if worst > args.abs:
    sys.exit("logits differ by more than the limit")
