"""Compares two --llmq-assign-bits results at the same budget: one with
ggml's quantizers, one with out= (the refined scale search). Prints whether
both fit the budget, whether the refined total error is lower, and how many
weights point at the parameter file.

  refined-errors.py BUDGET PLAIN.mlir REFINED.mlir PARAMS"""
import os, re, sys

budget = int(sys.argv[1])
plain, refined = (open(p).read() for p in sys.argv[2:4])
params = os.path.basename(sys.argv[4])


def totals(ir):
    size = int(re.search(r"assigned_bytes = (\d+)", ir).group(1))
    error = float(re.search(r"assigned_error = ([0-9.e+-]+)", ir).group(1))
    return size, error


(pb, pe), (rb, re_) = totals(plain), totals(refined)
print("plain fits:", pb <= budget)
print("refined fits:", rb <= budget)
print("refined error lower:", re_ < pe, f"({re_:.6g} < {pe:.6g})")
print("weights in parameter file:",
      len(re.findall(re.escape(params), refined)) > 0)
