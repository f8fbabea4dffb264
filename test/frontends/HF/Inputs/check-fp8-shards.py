#!/usr/bin/env python3
"""Checks that every FP8 shard of an NPU artifact holds exactly the bytes of
the FP8 checkpoint it was exported from: its rows and columns of the
checkpoint's `weight` codes and the matching 128x128 blocks of its
`weight_scale_inv`. Prints how many shards it compared; exits 1 on the first
difference.

    check-fp8-shards.py CHECKPOINT ARTIFACT
"""
import json
import os
import re
import struct
import sys

ROLES = {"attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj",
         "attn_v": "self_attn.v_proj", "attn_output": "self_attn.o_proj",
         "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj",
         "ffn_down": "mlp.down_proj"}


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    out = {}
    for name, e in header.items():
        b, end = e["data_offsets"]
        out[name] = (e["dtype"], e["shape"], data[8 + n + b:8 + n + end])
    return out


checkpoint, artifact = sys.argv[1:3]
source = read(os.path.join(checkpoint, "model.safetensors"))
manifest = json.load(open(os.path.join(artifact, "manifest.json")))
compared = 0
for rank in manifest["ranks"]:
    shard = read(os.path.join(artifact, rank["file"]))
    for t in rank["tensors"]:
        if t["format"] != "fp8_block":
            continue
        m = re.match(r"blk\.(\d+)\.(\w+)$", t["weight"])
        module = f"model.layers.{m.group(1)}.{ROLES[m.group(2)]}"
        dtype, (rows, cols), codes = source[module + ".weight"]
        _, (srows, scols), scales = source[module + ".weight_scale_inv"]
        assert dtype == "F8_E4M3"
        (r0, r1), (c0, c1) = t["rows"], t["cols"]
        want = b"".join(codes[r * cols + c0:r * cols + c1] for r in range(r0, r1))
        want_scales = b"".join(
            scales[4 * (br * scols + c0 // 128):4 * (br * scols + -(-c1 // 128))]
            for br in range(r0 // 128, -(-r1 // 128)))
        got = shard[t["weight"]][2]
        got_scales = shard[t["weight"] + ".scale_inv"][2]
        if got != want or got_scales != want_scales:
            sys.exit(f"rank {rank['rank']}: '{t['weight']}' differs from "
                     f"'{module}' rows [{r0}, {r1}) cols [{c0}, {c1})")
        compared += 1
print(f"{compared} fp8 shards equal the checkpoint's codes and scales")
