#!/usr/bin/env python3
"""same-ppl.py A.json B.json TOL: two `quant-run ppl --json` results agree
within a relative TOL, over the same tokens."""
import json
import sys

a = json.load(open(sys.argv[1]))
b = json.load(open(sys.argv[2]))
tol = float(sys.argv[3])
rel = abs(a["ppl"] - b["ppl"]) / abs(a["ppl"])
if a.get("scored_tokens") != b.get("scored_tokens") or rel > tol:
    print("different ppl:", a["ppl"], b["ppl"], "relative", rel,
          "tokens", a.get("scored_tokens"), b.get("scored_tokens"))
else:
    print("same ppl", a["ppl"])
