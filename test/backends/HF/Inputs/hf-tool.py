#!/usr/bin/env python3
"""Reads Hugging Face checkpoint directories for the export-hf tests (no
numpy): their safetensors shards (model.safetensors or the index's shards)
and config.json.

  hf-tool.py list DIR              one line per tensor: name dtype shape
  hf-tool.py compare SRC DST       every tensor of SRC byte-identical in DST
  hf-tool.py config SRC DST        every key of SRC's config.json equal in DST's
  hf-tool.py get DIR NAME          the tensor's bytes as hex, 32 per line
  hf-tool.py dequant DIR SRC       decodes every FP8-block and pack-quantized
                                   weight of DIR by the layouts in
                                   docs/backends/hf.md and checks it against
                                   SRC's float weight within the format's
                                   rounding bound
"""
import math
import json
import os
import struct
import sys


def shards(directory):
    index = os.path.join(directory, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            names = sorted(set(json.load(f)["weight_map"].values()))
        return [os.path.join(directory, n) for n in names]
    return [os.path.join(directory, "model.safetensors")]


def tensors(directory):
    """name -> (dtype, shape, path, begin, end) over all shards."""
    out = {}
    for path in shards(directory):
        with open(path, "rb") as f:
            (length,) = struct.unpack("<Q", f.read(8))
            header = json.loads(f.read(length))
        for name, info in header.items():
            if name == "__metadata__":
                continue
            begin, end = info["data_offsets"]
            assert name not in out, "tensor %s in two shards" % name
            out[name] = (info["dtype"], info["shape"], path, 8 + length + begin,
                         8 + length + end)
    return out


def data(entry):
    _, _, path, begin, end = entry
    with open(path, "rb") as f:
        f.seek(begin)
        return f.read(end - begin)


def floats(entry):
    dtype, raw = entry[0], data(entry)
    if dtype == "F32":
        return list(struct.unpack("<%df" % (len(raw) // 4), raw))
    if dtype == "BF16":
        halves = struct.unpack("<%dH" % (len(raw) // 2), raw)
        return [struct.unpack("<f", struct.pack("<I", h << 16))[0] for h in halves]
    if dtype == "F16":
        return list(struct.unpack("<%de" % (len(raw) // 2), raw))
    raise ValueError(dtype)


def ints(entry, fmt):
    raw = data(entry)
    size = struct.calcsize(fmt)
    return list(struct.unpack("<%d%s" % (len(raw) // size, fmt), raw))


def e4m3(byte):
    """OCP FP8 e4m3fn (torch.float8_e4m3fn): bias 7, no infinities."""
    sign = -1.0 if byte & 0x80 else 1.0
    exponent, mantissa = (byte >> 3) & 15, byte & 7
    assert (byte & 0x7F) != 0x7F, "NaN code"
    if exponent == 0:
        return sign * mantissa / 8 * 2.0 ** -6
    return sign * (1 + mantissa / 8) * 2.0 ** (exponent - 7)


def dequant(directory, source):
    out, src = tensors(directory), tensors(source)
    config = json.load(open(os.path.join(directory, "config.json")))
    quant = config.get("quantization_config") or {}
    checked = 0
    for name in sorted(out):
        if name.endswith(".weight_scale_inv"):
            module = name[: -len(".weight_scale_inv")]
            weight = out[module + ".weight"]
            assert weight[0] == "F8_E4M3", weight[0]
            rows, cols = weight[1]
            br, bc = quant["weight_block_size"]
            scales = floats(out[name])
            assert out[name][1] == [-(-rows // br), -(-cols // bc)], out[name][1]
            codes = data(weight)
            values = [e4m3(b) for b in codes]
            want = floats(src[module + ".weight"])
            worst = 0.0
            for r in range(rows):
                for c in range(cols):
                    s = scales[(r // br) * len(range(0, cols, bc)) + c // bc]
                    got, w = values[r * cols + c] * s, want[r * cols + c]
                    # Half an e4m3 step: 2^-4 relative, 2^-10 * s subnormal.
                    bound = abs(w) / 16 + s * 2.0 ** -10 + 1e-30
                    worst = max(worst, abs(got - w) / bound)
            print(module, "fp8 worst error / bound %.3f" % worst)
            checked += worst <= 1.0
        elif name.endswith(".weight_packed"):
            module = name[: -len(".weight_packed")]
            rows, cols = ints(out[module + ".weight_shape"], "q")
            groups = [g for g in quant["config_groups"].values()
                      if "Linear" in g["targets"] or module in g["targets"]]
            args = groups[-1]["weights"]
            bits, symmetric = args["num_bits"], args["symmetric"]
            group = args["group_size"] or cols
            per = 32 // bits
            words = ints(out[name], "I")
            assert out[name][1] == [rows, cols // per], out[name][1]
            levels = [(words[i // per] >> (bits * (i % per))) & ((1 << bits) - 1)
                      for i in range(rows * cols)]
            scales = floats(out[module + ".weight_scale"])
            ngroups = cols // group
            offset = 1 << (bits - 1)
            zeros = [offset] * (rows * ngroups)
            if not symmetric:
                zp = out[module + ".weight_zero_point"]
                assert zp[1] == [-(-rows // per), ngroups], zp[1]
                zwords = ints(zp, "I")
                zeros = [(zwords[(r // per) * ngroups + g] >> (bits * (r % per)))
                         & ((1 << bits) - 1)
                         for r in range(rows) for g in range(ngroups)]
            want = floats(src[module + ".weight"])
            worst = 0.0
            for r in range(rows):
                for c in range(cols):
                    g = r * ngroups + c // group
                    got = (levels[r * cols + c] - zeros[g]) * scales[g]
                    bound = scales[g] * 0.5 * (1 + 1e-5) + 1e-30
                    worst = max(worst, abs(got - want[r * cols + c]) / bound)
            print(module, "int%d worst error / bound %.3f" % (bits, worst))
            checked += worst <= 1.0
    print("%d quantized weights within bounds" % checked)


def main():
    command, args = sys.argv[1], sys.argv[2:]
    if command == "list":
        for name, (dtype, shape, _, begin, end) in sorted(tensors(args[0]).items()):
            print(name, dtype, "x".join(str(d) for d in shape) or "scalar",
                  end - begin)
    elif command == "compare":
        src, dst = tensors(args[0]), tensors(args[1])
        same = 0
        for name, entry in sorted(src.items()):
            if name not in dst:
                print("tensor", name, "missing")
            elif entry[:2] != dst[name][:2]:
                print("tensor", name, "differs:", entry[:2], "->", dst[name][:2])
            elif data(entry) != data(dst[name]):
                print("tensor", name, "differs in its bytes")
            else:
                same += 1
        for name in sorted(set(dst) - set(src)):
            print("tensor", name, "extra")
        print("%d of %d tensors byte-identical" % (same, len(src)))
        return 0 if same == len(src) == len(dst) else 1
    elif command == "config":
        with open(os.path.join(args[0], "config.json")) as f:
            src = json.load(f)
        with open(os.path.join(args[1], "config.json")) as f:
            dst = json.load(f)
        bad = [k for k in sorted(src) if k not in dst or dst[k] != src[k]]
        for k in bad:
            print("key", k, "differs:", src.get(k), "->", dst.get(k))
        print("%d of %d keys equal" % (len(src) - len(bad), len(src)))
        return 1 if bad else 0
    elif command == "dequant":
        dequant(args[0], args[1])
    elif command == "get":
        raw = data(tensors(args[0])[args[1]])
        for i in range(0, len(raw), 32):
            print(raw[i:i + 32].hex())
    return 0


if __name__ == "__main__":
    sys.exit(main())
