#!/usr/bin/env python3
"""Writes the weights of a tiny llama for hand-written pass tests:

    make-tiny-weights.py OUT.safetensors

2 blocks, hidden 32, 4 heads of 8 (2 KV heads), ffn 64, vocab 2048 (the
kjv-tiny tokenizer's), untied head; f32, keyed by the llmq.weight symbols.
The header is padded to 2048 bytes, so tensors start at fixed offsets:
2056 + the bytes of the tensors before them, in this order:

    token_embd 2048x32 @2056, then per block b (base 264200 + b * 37120):
    attn_norm 32 @+0, attn_q 32x32 @+128, attn_k 16x32 @+4224,
    attn_v 16x32 @+6272, attn_output 32x32 @+8320, ffn_norm 32 @+12416,
    ffn_gate 64x32 @+12544, ffn_up 64x32 @+20736, ffn_down 32x64 @+28928;
    output_norm 32 @338440, output 2048x32 @338568; 600712 bytes in all.

Values: a fixed LCG, uniform in [-0.1, 0.1); norms 1. Two planted super
weights: blk.0.ffn_down[3, 5] = 4 and blk.1.ffn_down[7, 9] = -2.5.
"""
import json
import struct
import sys

H, F, V, KV = 32, 64, 2048, 16
tensors = [("token_embd", [V, H])]
for b in range(2):
    tensors += [(f"blk.{b}.attn_norm", [H]), (f"blk.{b}.attn_q", [H, H]),
                (f"blk.{b}.attn_k", [KV, H]), (f"blk.{b}.attn_v", [KV, H]),
                (f"blk.{b}.attn_output", [H, H]), (f"blk.{b}.ffn_norm", [H]),
                (f"blk.{b}.ffn_gate", [F, H]), (f"blk.{b}.ffn_up", [F, H]),
                (f"blk.{b}.ffn_down", [H, F])]
tensors += [("output_norm", [H]), ("output", [V, H])]
planted = {("blk.0.ffn_down", 3 * F + 5): 4.0,
           ("blk.1.ffn_down", 7 * F + 9): -2.5}

state = 12345


def uniform():
    global state
    state = (1664525 * state + 1013904223) % (1 << 32)
    return ((state >> 8) / float(1 << 24) - 0.5) * 0.2


header, data, offset = {}, bytearray(), 0
for name, shape in tensors:
    count = 1
    for d in shape:
        count *= d
    if name.endswith("norm"):
        values = [1.0] * count
    else:
        values = [uniform() for _ in range(count)]
    for (tensor, index), value in planted.items():
        if tensor == name:
            values[index] = value
    data += struct.pack(f"<{count}f", *values)
    header[name] = {"dtype": "F32", "shape": shape,
                    "data_offsets": [offset, offset + 4 * count]}
    offset += 4 * count
text = json.dumps(header, separators=(",", ":")).encode()
assert len(text) <= 2048, len(text)
text += b" " * (2048 - len(text))
with open(sys.argv[1], "wb") as out:
    out.write(struct.pack("<Q", len(text)) + text + bytes(data))
