#!/usr/bin/env python3
"""Turns a bf16/f32 Hugging Face llama checkpoint into a quantized one, the
way the layouts llmq imports are documented (docs/frontends/hf.md), and
writes the values those layouts dequantize to as an f32 checkpoint.

    make-quantized-checkpoint.py SRC DST --scheme SCHEME
        [--dequantized DIR] [--break KIND]

SCHEME:
  fp8             HF fine-grained FP8 (transformers' FineGrainedFP8Config,
                  DeepSeek-V3 / Qwen3-FP8): `<m>.weight` F8_E4M3 and
                  `<m>.weight_scale_inv` F32, one multiplier per 128x128
                  block (partial blocks at the edges).
  int4-g128       compressed-tensors pack-quantized, symmetric, groups of 128
  int4-g128-asym  the same with zero points (packed along the output dim)
  int8            compressed-tensors pack-quantized int8, one scale per row

Every attention and MLP projection is quantized; the embedding, the norms and
lm_head (listed in `modules_to_not_convert` / `ignore`) keep their bytes.
compressed-tensors scales are BF16 as its compressor writes them for a bf16
model. This is an independent implementation written from the format's
rules (no llmq code, no numpy): the tests compare llmq's reading of DST with
its reading of the --dequantized checkpoint.

--break KIND writes one kind of bad input the importer must refuse.
"""
import argparse
import bisect
import json
import math
import os
import re
import shutil
import struct
from array import array

BREAKS = [
    "missing-scale-inv", "scale-inv-shape", "weight-dtype", "no-block-size",
    "packed-dtype", "weight-shape", "missing-zero-point", "quant-method",
    "num-bits", "strategy", "dynamic", "activations", "scale-other-file",
    "ignored", "untargeted",
]

PROJECTION = re.compile(
    r"model\.layers\.\d+\.(self_attn\.[qkvo]_proj|mlp\.(gate|up|down)_proj)\.weight$")


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    base = 8 + n
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        tensors[name] = (entry["dtype"], entry["shape"], data[base + begin:base + end])
    return tensors


def to_floats(dtype, raw):
    if dtype == "F32":
        return array("f", raw)
    if dtype == "BF16":
        halves = array("H", raw)
        return array("f", struct.pack("<%dI" % len(halves), *(h << 16 for h in halves)))
    raise SystemExit("unsupported source dtype " + dtype)


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def bf16_round(x):
    """x rounded to the nearest bf16 (ties to even), as a float."""
    (bits,) = struct.unpack("<I", struct.pack("<f", x))
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    return struct.unpack("<f", struct.pack("<I", bits))[0]


def bf16_bytes(values):
    out = array("H")
    for v in values:
        (bits,) = struct.unpack("<I", struct.pack("<f", v))
        out.append(bits >> 16)  # already a bf16 value: exact
    return out.tobytes()


# FP8 e4m3fn (OCP): 1 sign, 4 exponent (bias 7), 3 mantissa bits; no
# infinities, 448 the largest finite value, subnormals down to 2^-9.
def e4m3_decode(b):
    e, m = (b >> 3) & 15, b & 7
    v = m * 2.0 ** -9 if e == 0 else (1 + m / 8.0) * 2.0 ** (e - 7)
    return -v if b & 0x80 else v


E4M3 = [e4m3_decode(b) for b in range(256)]
POSITIVE = E4M3[:127]  # codes 0..126 in increasing order (127 is NaN)


def e4m3_encode(y):
    """The nearest e4m3 code to y (|y| <= 448), ties to the even code."""
    a = abs(y)
    i = bisect.bisect_left(POSITIVE, a)
    if i == len(POSITIVE):
        i -= 1
    elif i > 0:
        below, above = POSITIVE[i - 1], POSITIVE[i]
        if a - below < above - a or (a - below == above - a and (i - 1) % 2 == 0):
            i -= 1
    return i | (0x80 if math.copysign(1.0, y) < 0 else 0)


def quantize_fp8(w, rows, cols, pow2, block=128):
    """codes (bytes), scale_inv (list, row-major blocks), dequantized.
    `pow2` rounds each scale up to a power of two (DeepSeek-V3.1's ue8m0
    scales), so blocks rarely reach 448."""
    codes = bytearray(rows * cols)
    deq = array("f", bytes(4 * rows * cols))
    brows, bcols = -(-rows // block), -(-cols // block)
    scales = []
    for br in range(brows):
        for bc in range(bcols):
            r0, r1 = br * block, min(rows, (br + 1) * block)
            c0, c1 = bc * block, min(cols, (bc + 1) * block)
            amax = 0.0
            for r in range(r0, r1):
                for c in range(c0, c1):
                    amax = max(amax, abs(w[r * cols + c]))
            scale = f32(amax / 448.0) if amax > 0 else 1.0
            if pow2 and amax > 0:
                scale = 2.0 ** math.ceil(math.log2(amax / 448.0))
            scales.append(scale)
            for r in range(r0, r1):
                for c in range(c0, c1):
                    y = max(-448.0, min(448.0, w[r * cols + c] / scale))
                    code = e4m3_encode(y)
                    codes[r * cols + c] = code
                    deq[r * cols + c] = E4M3[code] * scale
    return bytes(codes), scales, deq


def quantize_int(w, rows, cols, bits, group, symmetric):
    """levels (list, rows x cols, 0..2^bits-1), scales (rows x groups, bf16
    values), zero levels (rows x groups) or None, dequantized."""
    group = group or cols
    groups = cols // group
    qmin, qmax = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    levels, scales, zeros = [], [], []
    deq = array("f", bytes(4 * rows * cols))
    for r in range(rows):
        for g in range(groups):
            vals = w[r * cols + g * group:r * cols + (g + 1) * group]
            if symmetric:
                scale = bf16_round(max(abs(v) for v in vals) / qmax)
                zp = 0
            else:
                lo, hi = min(min(vals), 0.0), max(max(vals), 0.0)
                scale = bf16_round((hi - lo) / (qmax - qmin))
                zp = 0
                if scale > 0:
                    zp = max(qmin, min(qmax, round(qmin - lo / scale)))
            if scale == 0:
                scale = 1.0
            scales.append(scale)
            zeros.append(zp - qmin)
            for i, v in enumerate(vals):
                q = max(qmin, min(qmax, round(v / scale) + zp))
                levels.append(q - qmin)
                deq[r * cols + g * group + i] = f32((q - zp) * scale)
    # levels were appended group by group within each row: already row-major
    return levels, scales, (None if symmetric else zeros), deq


def pack_rows(levels, rows, cols, bits):
    """compressed-tensors pack_to_int32 along the last dimension."""
    per = 32 // bits
    words = array("I")
    for r in range(rows):
        for w0 in range(0, cols, per):
            word = 0
            for i in range(per):
                word |= levels[r * cols + w0 + i] << (bits * i)
            words.append(word)
    return words.tobytes()


def pack_columns(levels, rows, cols, bits):
    """pack_to_int32(..., packed_dim=0): along the first dimension, rows
    padded with zeros to whole words."""
    per = 32 // bits
    words = array("I")
    for r0 in range(0, rows, per):
        for c in range(cols):
            word = 0
            for i in range(per):
                if r0 + i < rows:
                    word |= levels[(r0 + i) * cols + c] << (bits * i)
            words.append(word)
    return words.tobytes()


def write_safetensors(path, entries):
    """entries: list of (name, dtype, shape, bytes), written in name order."""
    header, blobs, offset = {}, [], 0
    for name, dtype, shape, data in sorted(entries, key=lambda e: e[0]):
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def copy_tokenizer(src, dst):
    for name in ("tokenizer.json", "tokenizer_config.json",
                 "generation_config.json", "special_tokens_map.json"):
        if os.path.exists(os.path.join(src, name)):
            shutil.copy(os.path.join(src, name), os.path.join(dst, name))


def quantization_config(scheme, brk):
    if scheme == "fp8":
        q = {"quant_method": "fp8", "activation_scheme": "dynamic",
             "fmt": "e4m3", "weight_block_size": [128, 128],
             "modules_to_not_convert": ["lm_head"]}
        if brk == "no-block-size":
            q["weight_block_size"] = None
        return q
    bits = 8 if scheme == "int8" else 4
    weights = {"num_bits": bits, "type": "int",
               "symmetric": not scheme.endswith("-asym"),
               "strategy": "channel" if scheme == "int8" else "group",
               "group_size": None if scheme == "int8" else 128,
               "dynamic": False, "actorder": None, "observer": "minmax",
               "block_structure": None}
    group = {"targets": ["Linear"], "weights": weights,
             "input_activations": None, "output_activations": None}
    if brk == "num-bits":
        weights["num_bits"] = 2
    if brk == "strategy":
        weights["strategy"] = "tensor"
    if brk == "dynamic":
        weights["dynamic"] = True
    if brk == "activations":
        group["input_activations"] = {"num_bits": 8, "type": "int",
                                      "strategy": "token", "dynamic": True}
    q = {"quant_method": "compressed-tensors", "format": "pack-quantized",
         "config_groups": {"group_0": group}, "ignore": ["lm_head"],
         "quantization_status": "compressed", "kv_cache_scheme": None,
         "global_compression_ratio": None}
    if brk == "quant-method":
        q["quant_method"] = "awq"
    if brk == "ignored":
        q["ignore"] = ["lm_head", "re:model\\.layers\\.0\\.mlp\\..*"]
    if brk == "untargeted":
        group["targets"] = ["re:.*self_attn.*"]
    return q


def main():
    p = argparse.ArgumentParser()
    p.add_argument("src")
    p.add_argument("dst")
    p.add_argument("--scheme", required=True,
                   choices=["fp8", "int4-g128", "int4-g128-asym", "int8"])
    p.add_argument("--dequantized")
    p.add_argument("--break", dest="brk", choices=BREAKS)
    p.add_argument("--pow2-scales", action="store_true",
                   help="fp8: power-of-two block scales")
    a = p.parse_args()

    with open(os.path.join(a.src, "config.json")) as f:
        config = json.load(f)
    tensors = read_safetensors(os.path.join(a.src, "model.safetensors"))
    out, deq_out, side = [], [], []
    first = True
    for name in sorted(tensors):
        dtype, shape, raw = tensors[name]
        w = to_floats(dtype, raw)
        if not PROJECTION.match(name):
            out.append((name, dtype, shape, raw))
            deq_out.append((name, "F32", shape, w.tobytes()))
            continue
        rows, cols = shape
        module = name[:-len(".weight")]
        brk = a.brk if first else None
        first = False
        if a.scheme == "fp8":
            codes, scales, deq = quantize_fp8(w, rows, cols, a.pow2_scales)
            sshape = [-(-rows // 128), -(-cols // 128)]
            if brk == "scale-inv-shape":
                sshape = [sshape[0] + 1, sshape[1]]
                scales = scales + [1.0] * sshape[1]
            out.append((name, "U8" if brk == "weight-dtype" else "F8_E4M3",
                        shape, codes))
            if brk != "missing-scale-inv":
                entry = (module + ".weight_scale_inv", "F32", sshape,
                         array("f", scales).tobytes())
                (side if brk == "scale-other-file" else out).append(entry)
        else:
            bits = 8 if a.scheme == "int8" else 4
            group = 0 if a.scheme == "int8" else 128
            symmetric = not a.scheme.endswith("-asym")
            levels, scales, zeros, deq = quantize_int(w, rows, cols, bits,
                                                      group, symmetric)
            per = 32 // bits
            packed = pack_rows(levels, rows, cols, bits)
            if brk == "packed-dtype":
                out.append((module + ".weight_packed", "U8",
                            [rows, cols // per * 4], packed))
            else:
                out.append((module + ".weight_packed", "I32",
                            [rows, cols // per], packed))
            groups = cols // group if group else 1
            out.append((module + ".weight_scale", "BF16", [rows, groups],
                        bf16_bytes(scales)))
            recorded = [rows, cols + 8 if brk == "weight-shape" else cols]
            out.append((module + ".weight_shape", "I64", [2],
                        struct.pack("<2q", *recorded)))
            if zeros is not None and brk != "missing-zero-point":
                out.append((module + ".weight_zero_point", "I32",
                            [-(-rows // per), groups],
                            pack_columns(zeros, rows, groups, bits)))
        deq_out.append((name, "F32", shape, deq.tobytes()))

    os.makedirs(a.dst, exist_ok=True)
    quantized = dict(config)
    quantized["quantization_config"] = quantization_config(a.scheme, a.brk)
    with open(os.path.join(a.dst, "config.json"), "w") as f:
        json.dump(quantized, f, indent=2)
    copy_tokenizer(a.src, a.dst)
    if side:
        # Two shards: the first projection's scale lies in the second.
        write_safetensors(os.path.join(a.dst, "model-00001-of-00002.safetensors"), out)
        write_safetensors(os.path.join(a.dst, "model-00002-of-00002.safetensors"), side)
        weight_map = {e[0]: "model-00001-of-00002.safetensors" for e in out}
        weight_map.update({e[0]: "model-00002-of-00002.safetensors" for e in side})
        with open(os.path.join(a.dst, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {}, "weight_map": weight_map}, f, indent=2)
    else:
        write_safetensors(os.path.join(a.dst, "model.safetensors"), out)

    if a.dequantized:
        os.makedirs(a.dequantized, exist_ok=True)
        with open(os.path.join(a.dequantized, "config.json"), "w") as f:
            json.dump(config, f, indent=2)
        copy_tokenizer(a.src, a.dequantized)
        write_safetensors(os.path.join(a.dequantized, "model.safetensors"), deq_out)


if __name__ == "__main__":
    main()
