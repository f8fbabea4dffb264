"""Reads the assigned_bytes / assigned_error attributes --llmq-assign-bits
writes (target-bytes mode) from two models and checks: each fits its budget,
and the larger budget's total error is no larger."""
import re
import sys

def attrs(path):
    text = open(path).read()
    b = int(re.search(r"assigned_bytes = (\d+)", text).group(1))
    e = float(re.search(r"assigned_error = ([0-9.eE+-]+)", text).group(1))
    return b, e

small_budget, small_path, large_budget, large_path = sys.argv[1:5]
sb, se = attrs(small_path)
lb, le = attrs(large_path)
print("small fits:", sb <= int(small_budget))
print("large fits:", lb <= int(large_budget))
print("larger budget, error no larger:", le <= se)
print("larger budget, error smaller:", le < se)
