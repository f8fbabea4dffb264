#!/usr/bin/env python3
"""Prints the `format` of every llmq.weight in an MLIR file (stdin) or of
every tensor in a GGUF file (argument) as a compact table:

  token_embd=q4_K output=q6_K output_norm=f32
  blk.0: attn_q=... attn_k=... attn_v=... attn_output=... ffn_gate=... ffn_up=... ffn_down=... 1d=f32

Block lines list the 2-D roles in that fixed order; `1d=f32` says every other
tensor of the block (norms, biases) is f32 (otherwise they are listed).
"""
import re
import struct
import sys

ROLES = ["attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"]
GGML = {0: "f32", 1: "f16", 2: "q4_0", 3: "q4_1", 6: "q5_0", 7: "q5_1", 8: "q8_0",
        10: "q2_K", 11: "q3_K", 12: "q4_K", 13: "q5_K", 14: "q6_K", 20: "iq4_nl",
        23: "iq4_xs", 30: "bf16"}


def from_mlir(text):
    formats = {}
    for m in re.finditer(r"llmq\.weight @\"?([\w.]+)\"? : tensor<[^>]*>\s*\{([^\n]*)", text):
        f = re.search(r"format = #llmq\.format<(\w+)>", m.group(2))
        formats[m.group(1)] = f.group(1) if f else "none"
    return formats


def from_gguf(path):
    data = open(path, "rb").read()
    pos = 0

    def take(fmt):
        nonlocal pos
        v = struct.unpack_from("<" + fmt, data, pos)
        pos += struct.calcsize("<" + fmt)
        return v[0]

    def string():
        nonlocal pos
        n = take("Q")
        s = data[pos:pos + n].decode()
        pos += n
        return s

    sizes = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}

    def value(t):
        if t == 8:
            return string()
        if t == 9:
            et, n = take("I"), take("Q")
            return [value(et) for _ in range(n)]
        return take(sizes[t])

    assert data[:4] == b"GGUF"
    pos = 4
    take("I")
    n_tensors, n_kv = take("Q"), take("Q")
    for _ in range(n_kv):
        string()
        value(take("I"))
    formats = {}
    for _ in range(n_tensors):
        name = string()
        nd = take("I")
        for _ in range(nd):
            take("Q")
        t = take("I")
        take("Q")
        for suffix in (".weight",):
            if name.endswith(suffix):
                name = name[: -len(suffix)]
        formats[name] = GGML.get(t, "type%d" % t)
    return formats


def main():
    formats = from_gguf(sys.argv[1]) if len(sys.argv) > 1 else from_mlir(sys.stdin.read())
    top = [k for k in ("token_embd", "output", "output_norm") if k in formats]
    print(" ".join("%s=%s" % (k, formats[k]) for k in top))
    blocks = sorted({int(m.group(1)) for k in formats for m in [re.match(r"blk\.(\d+)\.", k)] if m})
    for b in blocks:
        prefix = "blk.%d." % b
        mine = {k[len(prefix):]: v for k, v in formats.items() if k.startswith(prefix)}
        cols = ["%s=%s" % (r, mine.pop(r)) for r in ROLES if r in mine]
        rest = sorted(mine.items())
        if rest and all(v == "f32" for _, v in rest):
            cols.append("1d=f32")
        else:
            cols += ["%s=%s" % kv for kv in rest]
        print("blk.%d: %s" % (b, " ".join(cols)))
    other = sorted(k for k in formats if k not in top and not k.startswith("blk."))
    for k in other:
        print("%s=%s" % (k, formats[k]))


main()
