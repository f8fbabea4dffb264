#!/usr/bin/env python3
"""Checks the rope_freqs tensor of a GGUF against transformers' llama3 rule.

    check-rope-freqs.py MODEL.gguf HEAD_DIM THETA FACTOR LOW HIGH ORIGINAL
"""
import importlib.util
import math
import os
import struct
import sys

here = os.path.dirname(__file__)
spec = importlib.util.spec_from_file_location(
    "gguf_tool", os.path.join(here, "../../../frontends/GGUF/Inputs/gguf-tool.py"))
gguf_tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gguf_tool)

path = sys.argv[1]
dim, theta, factor, low, high, original = (float(x) for x in sys.argv[2:8])
_, tensors = gguf_tool.parse(path)
blob = tensors["rope_freqs.weight"][2]
got = struct.unpack(f"<{len(blob) // 4}f", blob)
want = []
for i in range(0, int(dim), 2):
    wavelen = 2 * math.pi * theta ** (i / dim)
    if wavelen < original / high:
        want.append(1.0)
    elif wavelen > original / low:
        want.append(factor)
    else:
        smooth = (original / wavelen - low) / (high - low)
        want.append(1 / ((1 - smooth) / factor + smooth))
worst = max(abs(a - b) / b for a, b in zip(got, want))
print(f"rope_freqs: {len(got)} factors, max relative difference {worst:.1e}")
sys.exit(len(got) != len(want) or worst > 1e-6)
