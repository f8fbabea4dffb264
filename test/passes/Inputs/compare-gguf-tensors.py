#!/usr/bin/env python3
"""Compares named tensors of two GGUF files byte for byte (type and data).

    compare-gguf-tensors.py A.gguf B.gguf NAME_IN_A[=NAME_IN_B] ...
    compare-gguf-tensors.py A.gguf B.gguf --all [--except NAME ...]

Prints one line per pair: "NAME_IN_A == NAME_IN_B" or "NAME_IN_A != NAME_IN_B"
(or "missing NAME"). --all compares every tensor of A but those after
--except with B's of the same name, and ends with "N equal, M differ".
Reads the files with the frontends' GGUF test tool.
"""
import importlib.util
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    "gguf_tool",
    os.path.join(here, "..", "..", "frontends", "GGUF", "Inputs", "gguf-tool.py"))
gguf_tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gguf_tool)

_, a = gguf_tool.parse(sys.argv[1])
_, b = gguf_tool.parse(sys.argv[2])
pairs = sys.argv[3:]
summary = pairs[:1] == ["--all"]
if summary:
    skip = set(pairs[2:]) if pairs[1:2] == ["--except"] else set()
    if pairs[1:] and not skip:
        sys.exit("compare-gguf-tensors.py: after --all only --except NAME ...")
    pairs = [name for name in a if name not in skip]
equal = differ = 0
for pair in pairs:
    name_a, _, name_b = pair.partition("=")
    name_b = name_b or name_a
    if name_a not in a or name_b not in b:
        print("missing", name_a if name_a not in a else name_b)
        differ += 1
        continue
    (ta, _, da), (tb, _, db) = a[name_a], b[name_b]
    same = (ta, da) == (tb, db)
    equal, differ = equal + same, differ + (not same)
    print(name_a, "==" if same else "!=", name_b)
if summary:
    print(equal, "equal,", differ, "differ")
