"""ppl-ratio.py A.json B.json TOL: both quant-run ppl --json results; prints
'ok: ...' when A's perplexity is within relative TOL of B's but not equal to
it (a different arithmetic that computes no different result would be
suspect), else 'FAIL: ...'."""
import json
import sys

a = json.load(open(sys.argv[1]))["ppl"]
b = json.load(open(sys.argv[2]))["ppl"]
tol = float(sys.argv[3])
rel = abs(a - b) / b
verdict = "ok" if 0 < rel <= tol else "FAIL"
print(f"{verdict}: ppl {a:.6f} against {b:.6f}, differ by {rel:.3g} "
      f"(tolerance {tol})")
