#!/usr/bin/env python3
"""Writes small GGUF seed files for the reader's fuzz target into DIR."""
import os
import struct
import sys


def s(text):
    b = text.encode()
    return struct.pack("<Q", len(b)) + b


def kv(key, vtype, payload):
    return s(key) + struct.pack("<I", vtype) + payload


def gguf(kvs, tensors, version=3, align=32):
    head = b"GGUF" + struct.pack("<IQQ", version, len(tensors), len(kvs)) + b"".join(kvs)
    infos, data, offset = b"", b"", 0
    for name, ne, ggml_type, blob in tensors:
        infos += s(name) + struct.pack("<I", len(ne)) + b"".join(struct.pack("<Q", n) for n in ne)
        infos += struct.pack("<IQ", ggml_type, offset)
        data += blob + b"\0" * (-len(blob) % align)
        offset = len(data)
    out = head + infos
    out += b"\0" * (-len(out) % align)
    return out + data


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    tokens = struct.pack("<IQ", 8, 3) + s("<s>") + s("a") + s("b")
    nested = struct.pack("<IQ", 9, 2) + struct.pack("<IQ", 5, 2) + struct.pack("<ii", 1, 2) \
        + struct.pack("<IQ", 6, 1) + struct.pack("<f", 0.5)
    kvs = [kv("general.architecture", 8, s("llama")),
           kv("llama.block_count", 4, struct.pack("<I", 1)),
           kv("llama.rope.freq_base", 6, struct.pack("<f", 10000.0)),
           kv("tokenizer.ggml.tokens", 9, tokens),
           kv("x.nested", 9, nested),
           kv("x.u64", 10, struct.pack("<Q", 7)),
           kv("x.bool", 7, b"\x01")]
    f32 = struct.pack("<4f", 1, 2, 3, 4)
    q8 = struct.pack("<H", 0x3c00) + bytes(range(32))
    seeds = {
        "basic.gguf": gguf(kvs, [("a.weight", [4], 0, f32), ("b.weight", [32], 8, q8)]),
        "v2.gguf": gguf(kvs[:2], [("a.weight", [2, 2], 0, f32)], version=2),
        "aligned64.gguf": gguf(kvs[:1] + [kv("general.alignment", 4, struct.pack("<I", 64))],
                               [("a.weight", [4], 0, f32)], align=64),
        "empty.gguf": gguf([], []),
    }
    for name, blob in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(blob)


if __name__ == "__main__":
    main()
