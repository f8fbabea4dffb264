#!/usr/bin/env python3
"""Writes the safetensors files a hand-written llmq IR file reads, so that a
pass test can be a small .mlir file whose weights are real (stdlib only).

    make-weights.py IR [--print] [--only FILE]

Every `llmq.weight @name : tensor<RxCxT> {... source = #llmq.source<file =
"F", key = "K", offset = O>}` of IR (all chunks; not in comments) becomes tensor K
of file F (relative to the current directory), dtype T (bf16 or f32), shape
RxC. The key's prefix says what the tensor holds, so the IR shows it:

    zero:...     all 0            one:...      all 1
    alt:...      +1, -1, +1, ...  spike:...    0 but element 0, which is 1
    half:...     all 0.5          anything else: uniform in [-0.5, 0.5] /
                                  sqrt(C), the same for the same key

The data starts at byte 4096 (the JSON header is padded with spaces) and the
tensors follow in order of first appearance, so every offset is a fixed
number; a wrong `offset = O` is an error that shows the right one. With
--print, prints IR with every offset set instead (to write a test with).
A key named twice must have the same shape, dtype and offset. With --only,
only FILE is written and checked (the IR may name other files on purpose:
missing ones, or copies it reads at wrong offsets).
"""
import json, math, random, re, struct, sys, zlib

DATA_START = 4096

WEIGHT = re.compile(
    r'llmq\.weight @[\w.]+ : tensor<([0-9x]+)x(bf16|f32)> .*?'
    r'source = #llmq\.source<file = "([^"]+)", key = "([^"]+)", offset = (\d+)')


def values(key, count, cols):
    kind = key.split(":", 1)[0] if ":" in key else ""
    if kind == "zero":
        return [0.0] * count
    if kind == "one":
        return [1.0] * count
    if kind == "half":
        return [0.5] * count
    if kind == "alt":
        return [1.0 if i % 2 == 0 else -1.0 for i in range(count)]
    if kind == "spike":
        return [1.0] + [0.0] * (count - 1)
    rng = random.Random(zlib.crc32(key.encode()))
    scale = 1.0 / math.sqrt(cols)
    return [(rng.random() - 0.5) * scale for _ in range(count)]


def encode(dtype, vals):
    if dtype == "f32":
        return struct.pack(f"<{len(vals)}f", *vals)
    out = bytearray()
    for v in vals:  # bf16: round to nearest even
        bits = struct.unpack("<I", struct.pack("<f", v))[0]
        bits += 0x7FFF + ((bits >> 16) & 1)
        out += struct.pack("<H", (bits >> 16) & 0xFFFF)
    return bytes(out)


def main():
    path = sys.argv[1]
    printing = "--print" in sys.argv[2:]
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None
    text = open(path).read()
    files = {}  # file -> {key: (shape, dtype, offset)} in first-seen order
    fixed = text
    errors = []
    # Comment lines (CHECK lines that quote weights) are not the IR.
    code = "".join(l if not l.lstrip().startswith("//") else "\n"
                   for l in text.splitlines(keepends=True))
    for m in WEIGHT.finditer(code):
        shape = [int(d) for d in m.group(1).split("x")]
        dtype, file, key, offset = m.group(2), m.group(3), m.group(4), int(m.group(5))
        if only is not None and file != only:
            continue
        tensors = files.setdefault(file, {})
        if key not in tensors:
            size = math.prod(shape) * (4 if dtype == "f32" else 2)
            at = DATA_START + sum(math.prod(s) * (4 if d == "f32" else 2)
                                  for s, d, _ in tensors.values())
            tensors[key] = (shape, dtype, at)
        want_shape, want_dtype, at = tensors[key]
        if (want_shape, want_dtype) != (shape, dtype):
            errors.append(f"{path}: key '{key}' of '{file}' named with two shapes")
        if offset != at:
            errors.append(f"{path}: key '{key}' of '{file}' is at offset {at}, not {offset}")
    if printing:
        def put(m):
            if m.group(3) not in files:
                return m.group(0)
            at = files[m.group(3)][m.group(4)][2]
            return m.group(0)[: m.start(5) - m.start(0)] + str(at)
        sys.stdout.write("".join(
            l if l.lstrip().startswith("//") else WEIGHT.sub(put, l)
            for l in text.splitlines(keepends=True)))
        return
    if errors:
        sys.exit("\n".join(errors))
    for file, tensors in files.items():
        header, blobs, begin = {}, [], 0
        for key, (shape, dtype, _) in tensors.items():
            blob = encode(dtype, values(key, math.prod(shape), shape[-1]))
            header[key] = {"dtype": "BF16" if dtype == "bf16" else "F32",
                           "shape": shape, "data_offsets": [begin, begin + len(blob)]}
            blobs.append(blob)
            begin += len(blob)
        raw = json.dumps(header, separators=(",", ":")).encode()
        if len(raw) > DATA_START - 8:
            sys.exit(f"{path}: the header of '{file}' needs {len(raw)} bytes, "
                     f"more than {DATA_START - 8}")
        raw += b" " * (DATA_START - 8 - len(raw))
        with open(file, "wb") as f:
            f.write(struct.pack("<Q", len(raw)) + raw + b"".join(blobs))


main()
