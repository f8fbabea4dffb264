#!/usr/bin/env python3
"""Recomputes, independently of llmq's C++, the bytes every llmq.weight of an
MLIR file (stdin) takes in its `format` (its source element type when it has
none), scales and zero points included, and compares the sum with the
model's llmq.assigned_bytes / llmq.assigned_bpw:

  weights: 39, bytes: 1468672, assigned_bytes equal: True, bpw equal: True

With `--budget N` it adds whether the bytes are at most N.

Layouts: ggml blocks (ggml-common.h: elements and bytes per block); FP8
e4m3, 1 byte per value plus one f32 scale per block of R x C values
(partial blocks at the edges count); int4/int8, bits/8 bytes per value
plus one f32 scale per group (a row when no group) and, when asymmetric,
one zero point of `bits` bits per group.
"""
import math
import re
import sys

GGML = {"f32": (1, 4), "f16": (1, 2), "bf16": (1, 2), "q4_0": (32, 18),
        "q4_1": (32, 20), "q5_0": (32, 22), "q5_1": (32, 24),
        "q8_0": (32, 34), "q2_K": (256, 84), "q3_K": (256, 110),
        "q4_K": (256, 144), "q5_K": (256, 176), "q6_K": (256, 210),
        "iq4_nl": (32, 18), "iq4_xs": (256, 136)}


def weight_bytes(shape, fmt):
    cols = shape[-1] if shape else 1
    rows = math.prod(shape[:-1]) if shape else 1
    kind = fmt.split(",")[0].strip()
    if kind in GGML:
        elems, size = GGML[kind]
        assert cols % elems == 0, (shape, fmt)
        return rows * cols // elems * size
    if kind == "fp8_e4m3":
        br, bc = map(int, re.search(r"block = \[(\d+), (\d+)\]", fmt).groups())
        return rows * cols + 4 * math.ceil(rows / br) * math.ceil(cols / bc)
    bits = int(kind[3:])
    g = re.search(r"group = (\d+)", fmt)
    groups = rows * (cols // int(g.group(1)) if g else 1)
    zero = math.ceil(groups * bits / 8) if "asymmetric" in fmt else 0
    return math.ceil(rows * cols * bits / 8) + 4 * groups + zero


budget = int(sys.argv[2]) if sys.argv[1:2] == ["--budget"] else None
text = sys.stdin.read()
total = elements = count = 0
for m in re.finditer(r"llmq\.weight @\"?[\w.]+\"? : tensor<([^>]*)>\s*\{([^\n]*)", text):
    dims = m.group(1).split("x")
    shape, dtype = [int(d) for d in dims[:-1]], dims[-1]
    f = re.search(r"format = #llmq\.format<([^>]*)>", m.group(2))
    total += weight_bytes(shape, f.group(1) if f else dtype)
    elements += math.prod(shape)
    count += 1
assigned = int(re.search(r"llmq\.assigned_bytes = (\d+)", text).group(1))
bpw = float(re.search(r"llmq\.assigned_bpw = ([0-9.eE+-]+)", text).group(1))
print(f"weights: {count}, bytes: {total}, assigned_bytes equal: {total == assigned}, "
      f"bpw equal: {abs(bpw - 8 * total / elements) < 1e-9}"
      + (f", within {budget}: {total <= budget}" if budget is not None else ""))
