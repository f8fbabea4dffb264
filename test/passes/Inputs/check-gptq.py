#!/usr/bin/env python3
"""Checks for --llmq-gptq's tests.

    check-gptq.py ratio NAME BASE.json GPTQ.json MAX
        mean KLDs of two `quant-run kld --json` outputs, or two
        llama-perplexity --kl-divergence logs ("Mean    KLD:"): prints
        "NAME: GPTQ/BASE = r, at most MAX: yes|no".
    check-gptq.py copied MODEL.gguf PARAMS.safetensors TENSOR...
        whether each GGUF tensor "TENSOR.weight" holds exactly the bytes of
        the parameter file's tensor "TENSOR" (the exporter copied them; Q
        and K rows may come in llama.cpp's order).
    check-gptq.py header PARAMS.safetensors
        each tensor's dtype and shape, and the metadata, one line each.
    check-gptq.py levels A.safetensors B.safetensors
        for each ggml-block tensor of A: whether B's blocks hold the same
        bytes outside the f16 scale fields d and dmin (ggml-common.h's
        offsets), and in how many blocks those fields differ:
        "NAME FORMAT: levels same|differ, scales changed in K of N blocks".
"""
import importlib.util
import json
import os
import re
import struct
import sys


def mean_kld(path):
    text = open(path).read()
    if text.lstrip().startswith("{"):
        return json.loads(text)["mean_kld"]
    return float(re.search(r"Mean\s+KLD:\s+([0-9.eE+-]+)", text).group(1))


def safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        base = 8 + n
        data = f.read()
    return header, lambda e: data[e["data_offsets"][0]:e["data_offsets"][1]]


cmd = sys.argv[1]
if cmd == "ratio":
    name, base, gptq, most = sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])
    r = mean_kld(gptq) / mean_kld(base)
    print(f"{name}: GPTQ/BASE = {r:.3f}, at most {most}: "
          f"{'yes' if r <= most else 'no'} ({mean_kld(base):.6f} -> {mean_kld(gptq):.6f})")
elif cmd == "copied":
    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location(
        "gguf_tool", os.path.join(here, "..", "..", "frontends", "GGUF",
                                  "Inputs", "gguf-tool.py"))
    gguf_tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gguf_tool)
    _, tensors = gguf_tool.parse(sys.argv[2])
    header, read = safetensors(sys.argv[3])
    for name in sys.argv[4:]:
        ours, theirs = read(header[name]), tensors[name + ".weight"][2]
        rows, width = header[name]["shape"]
        split = lambda b: sorted(b[i * width:(i + 1) * width] for i in range(rows))
        if ours == theirs:
            print(name, "copied")
        elif split(ours) == split(theirs):
            print(name, "copied, rows reordered")  # Q/K in llama.cpp's order
        else:
            print(name, "differs")
elif cmd == "levels":
    # format -> (block bytes, offsets of the f16 fields d and dmin)
    fields = {"q8_0": (34, [0]), "q4_0": (18, [0]), "q4_1": (20, [0, 2]),
              "q5_0": (22, [0]), "q5_1": (24, [0, 2]), "q2_K": (84, [80, 82]),
              "q3_K": (110, [108]), "q4_K": (144, [0, 2]),
              "q5_K": (176, [0, 2]), "q6_K": (210, [208]),
              "iq4_nl": (18, [0]), "iq4_xs": (136, [0])}
    ha, ra = safetensors(sys.argv[2])
    hb, rb = safetensors(sys.argv[3])
    meta = ha.get("__metadata__", {})
    for name in sorted(k for k in ha if k != "__metadata__"):
        fmt = meta.get("llmq.format." + name)
        if fmt not in fields:
            continue
        size, offsets = fields[fmt]
        a, b = ra(ha[name]), rb(hb[name])
        mask = lambda blk: bytes(0 if any(o <= i < o + 2 for o in offsets)
                                 else c for i, c in enumerate(blk))
        blocks = len(a) // size
        same = len(a) == len(b) and all(
            mask(a[i * size:(i + 1) * size]) == mask(b[i * size:(i + 1) * size])
            for i in range(blocks))
        changed = sum(a[i * size:(i + 1) * size] != b[i * size:(i + 1) * size]
                      for i in range(blocks))
        print(f"{name} {fmt}: levels {'same' if same else 'differ'}, "
              f"scales changed in {changed} of {blocks} blocks")
elif cmd == "header":
    header, _ = safetensors(sys.argv[2])
    for key in sorted(header):
        if key == "__metadata__":
            for k, v in sorted(header[key].items()):
                print(f"metadata {k} = {v}")
        else:
            print(key, header[key]["dtype"], header[key]["shape"])
