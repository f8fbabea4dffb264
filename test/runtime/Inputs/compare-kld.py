#!/usr/bin/env python3
"""Compares two `quant-run kld --json` outputs of the same BASE: the KL
divergences (mean, 99th percentile, max) within a tolerance (absolute up to 1,
relative above), OTHER's perplexity within a relative one, top-1 agreement,
scored tokens and BASE's perplexity exactly.

    compare-kld.py A.json B.json [--tol 1e-6] [--min-mean-kld X]

--min-mean-kld: A's mean KLD must be at least X (the comparison means
something only where OTHER differs from BASE). Prints what it compared;
exits non-zero when a bound does not hold.
"""
import argparse
import json
import sys

parser = argparse.ArgumentParser()
parser.add_argument("a")
parser.add_argument("b")
parser.add_argument("--tol", type=float, default=1e-6)
parser.add_argument("--min-mean-kld", type=float, default=0.0)
args = parser.parse_args()
a, b = (json.load(open(p)) for p in (args.a, args.b))

ok = True
for key in ("mean_kld", "p99_kld", "max_kld"):
    d = abs(a[key] - b[key])
    good = d <= args.tol * max(1.0, abs(b[key]))
    ok &= good
    print(f"{key}: {a[key]:.9g} vs {b[key]:.9g}, |diff| {d:.3g}",
          "ok" if good else f"over {args.tol:g}")
r = abs(a["other_ppl"] - b["other_ppl"]) / b["other_ppl"]
good = r <= args.tol
ok &= good
print(f"other_ppl: {a['other_ppl']:.9g} vs {b['other_ppl']:.9g}, relative "
      f"{r:.3g}", "ok" if good else f"over {args.tol:g}")
for key in ("top1_agreement", "scored_tokens", "base_ppl"):
    good = a[key] == b[key]
    ok &= good
    print(f"{key}: {a[key]} vs {b[key]}", "equal" if good else "DIFFERENT")
good = a["mean_kld"] >= args.min_mean_kld
ok &= good
print(f"mean_kld {a['mean_kld']:.6g} >= {args.min_mean_kld:g}:",
      "yes" if good else "NO")
print("result:", "match" if ok else "MISMATCH")
sys.exit(0 if ok else 1)
