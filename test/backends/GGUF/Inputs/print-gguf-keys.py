#!/usr/bin/env python3
"""Prints the metadata keys of a GGUF file that start with PREFIX, one a line
as `KEY TYPE VALUE` (int32, uint32 and float32 values decoded; others shown
by their byte count), sorted by key.

    print-gguf-keys.py MODEL.gguf PREFIX
"""
import importlib.util
import os
import struct
import sys

here = os.path.dirname(__file__)
spec = importlib.util.spec_from_file_location(
    "gguf_tool", os.path.join(here, "../../../frontends/GGUF/Inputs/gguf-tool.py"))
gguf_tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gguf_tool)

DECODE = {4: ("uint32", "<I"), 5: ("int32", "<i"), 6: ("float32", "<f")}
kvs, _ = gguf_tool.parse(sys.argv[1])
for key in sorted(k for k in kvs if k.startswith(sys.argv[2])):
    t, blob = kvs[key]
    if t in DECODE:
        name, fmt = DECODE[t]
        value = struct.unpack(fmt, blob)[0]
        print(key, name, f"{value:.7g}" if name == "float32" else value)
    else:
        print(key, f"type{t}", f"{len(blob)} bytes")
