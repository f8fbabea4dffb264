#!/usr/bin/env python3
"""Compares named tensors of two GGUF files byte for byte (type and data).

    compare-gguf-tensors.py A.gguf B.gguf NAME_IN_A[=NAME_IN_B] ...

Prints one line per pair: "NAME_IN_A == NAME_IN_B" or "NAME_IN_A != NAME_IN_B"
(or "missing NAME"). Reads the files with the frontends' GGUF test tool.
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
for pair in sys.argv[3:]:
    name_a, _, name_b = pair.partition("=")
    name_b = name_b or name_a
    if name_a not in a or name_b not in b:
        print("missing", name_a if name_a not in a else name_b)
        continue
    (ta, _, da), (tb, _, db) = a[name_a], b[name_b]
    print(name_a, "==" if (ta, da) == (tb, db) else "!=", name_b)
