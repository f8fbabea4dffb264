"""Writes a quantized Hugging Face export of a bf16 checkpoint, for testing
scripts/check-hf-quant.py before (and independently of) llmq's --export-hf.

Usage: make-quant-export.py SOURCE_DIR OUT_DIR --format F [options]
  --format fp8 | int4-g128 | int4-g128-asym | int8-channel
  --scale-dtype f32 | bf16   int scales as stored (default f32)
  --shards N                 split the weights into N files with an index
  --quantize-lm-head         quantize lm_head too, though the config ignores it
  --leave MODULE             keep MODULE's weight in bf16 without ignoring it

A deliberately different code path from the checker's: one element at a time
with struct, the e4m3 code found from frexp's exponent and a rounded mantissa
(the checker bisects a table of midpoints), words packed bit by bit.
"""

import json
import math
import os
import shutil
import struct
import sys


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def bf16_at(raw, i):
    return struct.unpack("<f", b"\0\0" + raw[2 * i:2 * i + 2])[0]


def fp8_e4m3(x):
    sign = 0x80 if math.copysign(1.0, x) < 0 else 0
    a = abs(x)
    if a < 2.0 ** -6:  # subnormal steps of 2^-9; 8 steps is the smallest normal
        return sign | int(round(a * 512))
    _, e = math.frexp(a)  # a = m * 2^e, m in [0.5, 1)
    e -= 1
    q = round(a / 2.0 ** (e - 3))  # 8..16
    if q == 16:
        q, e = 8, e + 1
    return sign | min(((e + 7) << 3) | (q - 8), 0x7E)


def quantize_fp8(raw, rows, cols):
    x = [bf16_at(raw, i) for i in range(rows * cols)]
    blocks_r, blocks_c = (rows + 127) // 128, (cols + 127) // 128
    codes = bytearray(rows * cols)
    scales = []
    for br in range(blocks_r):
        for bc in range(blocks_c):
            cells = [(r, c) for r in range(br * 128, min(rows, br * 128 + 128))
                     for c in range(bc * 128, min(cols, bc * 128 + 128))]
            amax = 0.0
            for r, c in cells:
                amax = max(amax, abs(x[r * cols + c]))
            scale = f32(amax / 448.0) if amax > 0 else 1.0
            scales.append(scale)
            for r, c in cells:
                v = f32(x[r * cols + c] / scale)
                v = -448.0 if v < -448.0 else 448.0 if v > 448.0 else v
                codes[r * cols + c] = fp8_e4m3(v)
    return {
        ".weight": ("F8_E4M3", [rows, cols], bytes(codes)),
        ".weight_scale_inv": ("F32", [blocks_r, blocks_c], struct.pack("<%df" % len(scales), *scales)),
    }


def quantize_int(raw, rows, cols, bits, group, symmetric, scale_dtype):
    group = group or cols
    groups = cols // group
    per = 32 // bits
    levels = [[0] * cols for _ in range(rows)]
    zeros = [[0] * groups for _ in range(rows)]
    scale_bytes = b""
    for r in range(rows):
        for g in range(groups):
            xs = [bf16_at(raw, r * cols + g * group + i) for i in range(group)]
            if symmetric:
                amax = max(abs(x) for x in xs)
                scale = f32(amax / ((1 << (bits - 1)) - 1)) if amax > 0 else 1.0
                for i, x in enumerate(xs):
                    q = round(f32(x / scale))
                    q = max(-(1 << (bits - 1)), min((1 << (bits - 1)) - 1, q))
                    levels[r][g * group + i] = q + (1 << (bits - 1))
            else:
                lo, hi = min(min(xs), 0.0), max(max(xs), 0.0)
                scale = f32(f32(hi - lo) / ((1 << bits) - 1)) if hi > lo else 1.0
                zero = max(0, min((1 << bits) - 1, round(f32(-lo / scale))))
                zeros[r][g] = zero
                for i, x in enumerate(xs):
                    level = round(f32(x / scale)) + zero
                    levels[r][g * group + i] = max(0, min((1 << bits) - 1, level))
            if scale_dtype == "f32":
                scale_bytes += struct.pack("<f", scale)
            else:  # bf16, round to nearest even
                b = struct.unpack("<I", struct.pack("<f", scale))[0]
                scale_bytes += struct.pack("<H", ((b + 0x7FFF + ((b >> 16) & 1)) >> 16) & 0xFFFF)
    packed = bytearray()
    for r in range(rows):
        for w in range((cols + per - 1) // per):
            word = 0
            for k in range(per):
                c = w * per + k
                if c < cols:
                    for bit in range(bits):
                        if levels[r][c] >> bit & 1:
                            word |= 1 << (k * bits + bit)
            packed += struct.pack("<I", word)
    out = {
        ".weight_packed": ("I32", [rows, (cols + per - 1) // per], bytes(packed)),
        ".weight_scale": ("F32" if scale_dtype == "f32" else "BF16", [rows, groups], scale_bytes),
        ".weight_shape": ("I64", [2], struct.pack("<qq", rows, cols)),
    }
    if not symmetric:
        zp = bytearray()
        for w in range((rows + per - 1) // per):
            for g in range(groups):
                word = 0
                for k in range(per):
                    if w * per + k < rows:
                        word |= zeros[w * per + k][g] << (k * bits)
                zp += struct.pack("<I", word)
        out[".weight_zero_point"] = ("I32", [(rows + per - 1) // per, groups], bytes(zp))
    return out


def write_safetensors(path, tensors):
    header, offset = {"__metadata__": {"format": "pt"}}, 0
    for name in sorted(tensors):
        dtype, shape, data = tensors[name]
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        for name in sorted(tensors):
            f.write(tensors[name][2])


def main():
    args = sys.argv[1:]
    source, out = args[0], args[1]
    opts = {"--format": None, "--scale-dtype": "f32", "--shards": "1"}
    flags, leave = set(), []
    i = 2
    while i < len(args):
        if args[i] == "--quantize-lm-head":
            flags.add(args[i])
            i += 1
        elif args[i] == "--leave":
            leave.append(args[i + 1])
            i += 2
        else:
            opts[args[i]] = args[i + 1]
            i += 2
    fmt = opts["--format"]
    with open(os.path.join(source, "model.safetensors"), "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    os.makedirs(out)
    tensors = {}
    for name in sorted(k for k in header if k != "__metadata__"):
        info = header[name]
        b, e = info["data_offsets"]
        raw = blob[8 + n + b:8 + n + e]
        module = name[:-len(".weight")]
        linear = (name.endswith(".weight") and len(info["shape"]) == 2 and "embed" not in name
                  and module not in leave and (module != "lm_head" or "--quantize-lm-head" in flags))
        if not linear:
            tensors[name] = (info["dtype"], info["shape"], raw)
            continue
        rows, cols = info["shape"]
        if fmt == "fp8":
            parts = quantize_fp8(raw, rows, cols)
        elif fmt == "int4-g128":
            parts = quantize_int(raw, rows, cols, 4, 128, True, opts["--scale-dtype"])
        elif fmt == "int4-g128-asym":
            parts = quantize_int(raw, rows, cols, 4, 128, False, opts["--scale-dtype"])
        elif fmt == "int8-channel":
            parts = quantize_int(raw, rows, cols, 8, 0, True, opts["--scale-dtype"])
        else:
            sys.exit("unknown --format %r" % fmt)
        for suffix, t in parts.items():
            tensors[module + suffix] = t

    with open(os.path.join(source, "config.json")) as f:
        config = json.load(f)
    if fmt == "fp8":
        config["quantization_config"] = {
            "quant_method": "fp8", "activation_scheme": "dynamic",
            "weight_block_size": [128, 128], "modules_to_not_convert": ["lm_head"]}
    else:
        bits = 8 if fmt == "int8-channel" else 4
        weights = {"num_bits": bits, "type": "int", "symmetric": fmt != "int4-g128-asym",
                   "strategy": "channel" if bits == 8 else "group",
                   "group_size": None if bits == 8 else 128, "dynamic": False,
                   "actorder": None, "observer": "minmax"}
        config["quantization_config"] = {
            "quant_method": "compressed-tensors", "format": "pack-quantized",
            "quantization_status": "compressed", "ignore": ["lm_head"],
            "config_groups": {"group_0": {"targets": ["Linear"], "weights": weights,
                                          "input_activations": None, "output_activations": None,
                                          "format": "pack-quantized"}}}
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    for extra in sorted(os.listdir(source)):
        if extra not in ("config.json", "model.safetensors"):
            shutil.copyfile(os.path.join(source, extra), os.path.join(out, extra))

    shards = int(opts["--shards"])
    if shards == 1:
        write_safetensors(os.path.join(out, "model.safetensors"), tensors)
        return
    names = sorted(tensors)
    weight_map, total = {}, 0
    for s in range(shards):
        part = names[s * len(names) // shards:(s + 1) * len(names) // shards]
        file = "model-%05d-of-%05d.safetensors" % (s + 1, shards)
        write_safetensors(os.path.join(out, file), {k: tensors[k] for k in part})
        for k in part:
            weight_map[k] = file
            total += len(tensors[k][2])
    with open(os.path.join(out, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)


main()
