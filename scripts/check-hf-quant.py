#!/usr/bin/env python3
"""Independent check of a quantized Hugging Face export against its source.

Usage: check-hf-quant.py SOURCE_DIR EXPORT_DIR

Recomputes every quantized linear layer of EXPORT_DIR from the float weights
of SOURCE_DIR (bf16, f16 or f32 safetensors, one file or shards with
model.safetensors.index.json) and compares the result byte for byte; every
other tensor of the export must be the source's bytes unchanged, and so must
its tokenizer files (tokenizer.json, tokenizer_config.json,
special_tokens_map.json, tokenizer.model, chat templates). It shares no
code with llmq: the safetensors reader, the FP8 e4m3 encoder, the rounding
rules and the packing below are written from the format descriptions (see
docs/backends/hf.md, "Checking quantized exports").

The quantization is read from EXPORT_DIR/config.json's quantization_config:

  quant_method "fp8" (transformers' fine-grained FP8, DeepSeek-V3 layout):
    <m>.weight F8_E4M3 [out, in] and <m>.weight_scale_inv F32
    [ceil(out/bo), ceil(in/bi)] for weight_block_size [bo, bi]; per block
    scale = amax / 448 (1 for an all-zero block), code = e4m3(clamp(w /
    scale, -448, 448)) rounded to nearest, ties to even, in f32 arithmetic.
    Every Linear outside modules_to_not_convert (transformers always adds
    lm_head) must be quantized.
  quant_method "compressed-tensors", format "pack-quantized" (int4/int8,
    strategy group or channel, symmetric or not):
    <m>.weight_packed I32 [out, ceil(in*bits/32)] (levels q + 2^(bits-1),
    32/bits per word, low bits first, along a row), <m>.weight_scale
    [out, groups] (F32, BF16 or F16: the f32 scale rounded to it),
    <m>.weight_zero_point I32 [ceil(out*bits/32), groups] (asymmetric only,
    packed along the output dimension), <m>.weight_shape I64 [out, in].
    Symmetric: scale = amax / (2^(bits-1) - 1), q = round(w / scale).
    Asymmetric: lo = min(w, 0), hi = max(w, 0), scale = (hi - lo) /
    (2^bits - 1), zero = round(-lo / scale), level = round(w / scale) + zero,
    clamped to [0, 2^bits - 1]. These are llmq's rules (formats/GroupFormats.h).

Prints one line per kind of tensor checked and "OK: N tensors", or writes one
line "error: <file>: ..." to stderr naming the first mismatch (tensor,
element, expected, found) or the malformed input, and exits 1.
"""

import bisect
import json
import math
import mmap
import os
import re
import struct
import sys
from array import array

TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                   "tokenizer.model", "chat_template.jinja", "chat_template.json")
MAX_HEADER_BYTES = 100 << 20
MAX_JSON_BYTES = 64 << 20
ITEM_BYTES = {
    "BOOL": 1, "U8": 1, "I8": 1, "F8_E4M3": 1, "F8_E5M2": 1,
    "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
    "I32": 4, "U32": 4, "F32": 4, "I64": 8, "U64": 8, "F64": 8,
}
FP8_MAX = 448.0


class CheckError(Exception):
    pass


def fail(message):
    raise CheckError(message)


# --------------------------------------------------------------------------
# safetensors: 8-byte little-endian header length, a JSON header, the data
# --------------------------------------------------------------------------

class TensorInfo:
    def __init__(self, path, name, dtype, shape, begin, end):
        self.path, self.name, self.dtype, self.shape = path, name, dtype, shape
        self.begin, self.end = begin, end

    def count(self):
        n = 1
        for d in self.shape:
            n *= d
        return n


def read_json(path, what):
    try:
        size = os.path.getsize(path)
        if size > MAX_JSON_BYTES:
            fail("%s: is %d bytes, more than the limit of %d for a %s" % (path, size, MAX_JSON_BYTES, what))
        with open(path, "rb") as f:
            return json.loads(f.read().decode("utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        fail("%s: cannot read: %s" % (path, e.strerror if isinstance(e, OSError) else e))
    except ValueError as e:
        fail("%s: not valid JSON: %s" % (path, e))


def read_header(path):
    """The tensors of one safetensors file, their offsets checked."""
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            prefix = f.read(8)
            if len(prefix) < 8:
                fail("%s: is %d bytes, too short for a safetensors header" % (path, size))
            (length,) = struct.unpack("<Q", prefix)
            if length > MAX_HEADER_BYTES or length > size - 8:
                fail("%s: header length %d exceeds the file's %d bytes (or the %d-byte limit)"
                     % (path, length, size, MAX_HEADER_BYTES))
            header = json.loads(f.read(length).decode("utf-8"))
    except OSError as e:
        fail("%s: cannot read: %s" % (path, e.strerror))
    except (UnicodeDecodeError, ValueError) as e:
        fail("%s: header is not valid JSON: %s" % (path, e))
    if not isinstance(header, dict):
        fail("%s: header is not a JSON object" % path)
    data_start, data_bytes = 8 + length, size - 8 - length
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(info, dict):
            fail("%s: tensor '%s' has no dtype/shape/data_offsets object" % (path, name))
        dtype, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
        if dtype not in ITEM_BYTES:
            fail("%s: tensor '%s' has unknown dtype %r" % (path, name, dtype))
        if (not isinstance(shape, list) or
                not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape)):
            fail("%s: tensor '%s' has invalid shape %r" % (path, name, shape))
        if (not isinstance(offsets, list) or len(offsets) != 2 or
                not all(isinstance(o, int) and not isinstance(o, bool) for o in offsets) or
                not 0 <= offsets[0] <= offsets[1] <= data_bytes):
            fail("%s: tensor '%s' has data_offsets %r outside the %d data bytes"
                 % (path, name, offsets, data_bytes))
        t = TensorInfo(path, name, dtype, shape, data_start + offsets[0], data_start + offsets[1])
        if t.count() * ITEM_BYTES[dtype] != offsets[1] - offsets[0]:
            fail("%s: tensor '%s' is %d bytes, but %s %s needs %d"
                 % (path, name, offsets[1] - offsets[0], dtype, shape, t.count() * ITEM_BYTES[dtype]))
        tensors[name] = t
    return tensors


class Checkpoint:
    """The tensors of a checkpoint folder, read one at a time from mapped files."""

    def __init__(self, directory):
        self.directory = directory
        self.tensors = {}
        self.maps = {}
        index_path = os.path.join(directory, "model.safetensors.index.json")
        single = os.path.join(directory, "model.safetensors")
        if os.path.exists(index_path):
            index = read_json(index_path, "safetensors index")
            weight_map = index.get("weight_map") if isinstance(index, dict) else None
            if not isinstance(weight_map, dict) or not all(isinstance(v, str) for v in weight_map.values()):
                fail("%s: no 'weight_map' object of tensor names to file names" % index_path)
            for shard in set(weight_map.values()):
                if "/" in shard or "\\" in shard or shard in ("", ".", ".."):
                    fail("%s: shard '%s' is not a file name in the checkpoint folder" % (index_path, shard))
            for shard in sorted(set(weight_map.values())):
                path = os.path.join(directory, shard)
                for name, t in read_header(path).items():
                    if weight_map.get(name) != shard:
                        fail("%s: tensor '%s' is in %s but the weight_map says %r"
                             % (index_path, name, shard, weight_map.get(name)))
                    self.tensors[name] = t
            for name, shard in weight_map.items():
                if name not in self.tensors:
                    fail("%s: tensor '%s' is not in %s, where the weight_map puts it" % (index_path, name, shard))
            metadata = index.get("metadata") or {}
            if not isinstance(metadata, dict):
                fail("%s: 'metadata' is not an object" % index_path)
            total = metadata.get("total_size")
            actual = sum(t.end - t.begin for t in self.tensors.values())
            if total is not None and total != actual:
                fail("%s: metadata.total_size is %r, the tensors hold %d bytes" % (index_path, total, actual))
        elif os.path.exists(single):
            self.tensors = read_header(single)
        else:
            fail("%s: no model.safetensors or model.safetensors.index.json" % directory)

    def data(self, t):
        if t.path not in self.maps:
            with open(t.path, "rb") as f:
                self.maps[t.path] = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) \
                    if os.path.getsize(t.path) else b""
        return self.maps[t.path][t.begin:t.end]


# --------------------------------------------------------------------------
# Number formats
# --------------------------------------------------------------------------

def f32_array(values):
    """Rounds Python floats to f32 (C's double-to-float conversion, to nearest even)."""
    return array("f", values)


def decode_floats(raw, dtype, where):
    if dtype == "F32":
        a = array("f")
        a.frombytes(raw)
        if sys.byteorder == "big":
            a.byteswap()
        return a.tolist()
    if dtype == "BF16":
        widened = bytearray(2 * len(raw))
        widened[2::4] = raw[0::2]
        widened[3::4] = raw[1::2]
        return decode_floats(bytes(widened), "F32", where)
    if dtype == "F16":
        return list(struct.unpack("<%de" % (len(raw) // 2), raw))
    fail("%s: source dtype %s is not a float type this check can quantize" % (where, dtype))


def f32_bits(x):
    return struct.unpack("<I", struct.pack("<f", x))[0]


def encode_scale(x, dtype):
    """The stored bytes of the f32 value x in dtype (round to nearest even)."""
    if dtype == "F32":
        return struct.pack("<f", x)
    if dtype == "F16":
        return struct.pack("<e", x)
    bits = f32_bits(x)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return struct.pack("<H", rounded & 0xFFFF)


def e4m3_value(code):
    exponent, mantissa = (code >> 3) & 0xF, code & 7
    if exponent == 0:
        return mantissa * 2.0 ** -9
    return (1 + mantissa / 8) * 2.0 ** (exponent - 7)


# The 127 finite non-negative e4m3fn values (0x7f is NaN; there is no
# infinity), increasing with the code, and the midpoints between neighbours.
E4M3_VALUES = [e4m3_value(c) for c in range(0x7F)]
E4M3_MIDPOINTS = [(E4M3_VALUES[i] + E4M3_VALUES[i + 1]) / 2 for i in range(0x7E)]


def e4m3_code(v):
    """v (an f32 value within [-448, 448]) to the nearest e4m3fn code, ties to even."""
    sign = 0x80 if math.copysign(1.0, v) < 0 else 0
    a = abs(v)
    i = bisect.bisect_left(E4M3_MIDPOINTS, a)  # candidates: code i (a <= midpoint i)
    if i < len(E4M3_MIDPOINTS) and a == E4M3_MIDPOINTS[i] and i & 1:
        i += 1  # a tie between codes i and i + 1: the even one
    return sign | i


def compare(kind, tensor, expected, found, describe):
    """Fails at the first element where bytes differ; item size from `kind`."""
    if expected == found:
        return
    size = ITEM_BYTES[tensor.dtype]
    for i in range(0, min(len(expected), len(found)), size):
        if expected[i:i + size] != found[i:i + size]:
            index = i // size
            fail("%s: tensor '%s' element %d%s: expected %s, found %s (%s)"
                 % (tensor.path, tensor.name, index, describe(index),
                    describe_bytes(expected[i:i + size], tensor.dtype),
                    describe_bytes(found[i:i + size], tensor.dtype), kind))
    fail("%s: tensor '%s' has %d bytes, expected %d" % (tensor.path, tensor.name, len(found), len(expected)))


def describe_bytes(raw, dtype):
    if dtype == "F32":
        return "%r (0x%08x)" % (struct.unpack("<f", raw)[0], struct.unpack("<I", raw)[0])
    if dtype == "BF16":
        return "%r (0x%04x)" % (struct.unpack("<f", b"\0\0" + raw)[0], struct.unpack("<H", raw)[0])
    if dtype == "F16":
        return "%r (0x%04x)" % (struct.unpack("<e", raw)[0], struct.unpack("<H", raw)[0])
    if dtype == "F8_E4M3":
        code = raw[0]
        value = float("nan") if code & 0x7F == 0x7F else (-1 if code & 0x80 else 1) * e4m3_value(code & 0x7F)
        return "%r (0x%02x)" % (value, code)
    if dtype in ("I32", "U32"):
        return "0x%08x" % struct.unpack("<I", raw)[0]
    return "0x" + raw[::-1].hex()


def row_col(cols):
    return lambda index: " (row %d, column %d)" % (index // cols, index % cols) if cols else ""


# --------------------------------------------------------------------------
# Which modules are quantized
# --------------------------------------------------------------------------

def is_linear(name, t):
    """A Linear layer's weight: 2-D, not an embedding table."""
    if not name.endswith(".weight") or len(t.shape) != 2:
        return False
    leaf = name[:-len(".weight")].rsplit(".", 1)[-1]
    return "embed" not in leaf and leaf not in ("wte", "wpe")


def fp8_ignored(module, ignore):
    # transformers' replace_with_fp8_linear: a key of modules_to_not_convert
    # (which always holds lm_head) found in the parameter name with its
    # numbers replaced by '*'.
    key = re.sub(r"\d+", "*", module + ".weight")
    return any(k in key for k in ignore)


def ct_match(module, target):
    # compressed-tensors' match_name, and _match_class for "Linear".
    if target.startswith("re:"):
        return re.match(target[3:], module) is not None
    return target == module or target == "Linear"


def string_list(value, where):
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        fail("%s is %r, expected a list of names" % (where, value))
    return value


class Scheme:
    def __init__(self, config_path, qc):
        if not isinstance(qc, dict):
            fail("%s: quantization_config is not an object" % config_path)
        self.method = qc.get("quant_method")
        if self.method == "fp8":
            block = qc.get("weight_block_size")
            if (not isinstance(block, list) or len(block) != 2 or
                    not all(isinstance(b, int) and b > 0 for b in block)):
                fail("%s: quantization_config.weight_block_size is %r, expected [rows, cols]" % (config_path, block))
            if qc.get("activation_scheme", "dynamic") != "dynamic":
                fail("%s: quantization_config.activation_scheme is %r; only 'dynamic' needs no input scales"
                     % (config_path, qc.get("activation_scheme")))
            self.block = block
            self.ignore = string_list(qc.get("modules_to_not_convert"),
                                      "%s: quantization_config.modules_to_not_convert" % config_path) + ["lm_head"]
        elif self.method == "compressed-tensors":
            self.ignore = string_list(qc.get("ignore"), "%s: quantization_config.ignore" % config_path)
            top_format = qc.get("format")
            groups = qc.get("config_groups")
            if not isinstance(groups, dict) or not groups:
                fail("%s: quantization_config.config_groups is missing" % config_path)
            self.groups = []
            for key in sorted(groups):
                g = groups[key]
                w = g.get("weights") if isinstance(g, dict) else None
                fmt = g.get("format") or top_format if isinstance(g, dict) else None
                where = "%s: config_groups.%s" % (config_path, key)
                if not isinstance(w, dict):
                    fail("%s has no 'weights'" % where)
                if fmt != "pack-quantized":
                    fail("%s has format %r, this check reads 'pack-quantized'" % (where, fmt))
                if g.get("input_activations") or g.get("output_activations"):
                    fail("%s quantizes activations; pack-quantized weights are weight-only" % where)
                bits, strategy = w.get("num_bits"), w.get("strategy")
                if w.get("type") != "int" or bits not in (4, 8):
                    fail("%s.weights is type %r with %r bits, expected int with 4 or 8"
                         % (where, w.get("type"), bits))
                if strategy not in ("group", "channel"):
                    fail("%s.weights.strategy is %r, expected 'group' or 'channel'" % (where, strategy))
                group = w.get("group_size")
                if strategy == "group" and not (isinstance(group, int) and group > 0):
                    fail("%s.weights.group_size is %r" % (where, group))
                if w.get("dynamic"):
                    fail("%s.weights.dynamic is true; stored weights need static scales" % where)
                targets = string_list(g.get("targets"), where + ".targets")
                if not targets:
                    fail("%s has no targets" % where)
                self.groups.append({"name": key, "targets": targets, "bits": bits,
                                    "symmetric": bool(w.get("symmetric")), "strategy": strategy,
                                    "group": group if strategy == "group" else None})
        else:
            fail("%s: quantization_config.quant_method %r is not one this check knows "
                 "('fp8', 'compressed-tensors')" % (config_path, self.method))

    def ignored(self, module):
        if self.method == "fp8":
            return fp8_ignored(module, self.ignore)
        return any(ct_match(module, t) for t in self.ignore)

    def group_for(self, module):
        """compressed-tensors' order: exact name, then regex, then class name."""
        for rank in (0, 1, 2):
            for g in self.groups:
                for t in g["targets"]:
                    kind = 2 if t == "Linear" else 1 if t.startswith("re:") else 0
                    if kind == rank and ct_match(module, t):
                        return g
        return None


# --------------------------------------------------------------------------
# Recomputation
# --------------------------------------------------------------------------

def expect_tensor(export, name, dtypes, shape):
    t = export.tensors.get(name)
    if t is None:
        fail("%s: tensor '%s' is missing" % (export.directory, name))
    if t.dtype not in dtypes or t.shape != shape:
        fail("%s: tensor '%s' is %s %s, expected %s %s"
             % (t.path, name, t.dtype, t.shape, "/".join(dtypes), shape))
    return t


def check_fp8(source, export, src, module, block):
    out, inp = src.shape
    bo, bi = block
    rows_b, cols_b = -(-out // bo), -(-inp // bi)
    wt = expect_tensor(export, module + ".weight", ["F8_E4M3"], [out, inp])
    st = expect_tensor(export, module + ".weight_scale_inv", ["F32"], [rows_b, cols_b])
    w = decode_floats(source.data(src), src.dtype, "%s: tensor '%s'" % (src.path, src.name))
    codes = bytearray(out * inp)
    scales = []
    for br in range(rows_b):
        r0, r1 = br * bo, min(out, br * bo + bo)
        for bc in range(cols_b):
            c0, c1 = bc * bi, min(inp, bc * bi + bi)
            amax = 0.0
            for r in range(r0, r1):
                row = w[r * inp + c0:r * inp + c1]
                amax = max(amax, max(row), -min(row))
            scale = f32_array([amax / FP8_MAX])[0] if amax > 0 else 1.0
            scales.append(scale)
            for r in range(r0, r1):
                scaled = f32_array([x / scale for x in w[r * inp + c0:r * inp + c1]])
                base = r * inp + c0
                for j, v in enumerate(scaled):
                    codes[base + j] = e4m3_code(min(max(v, -FP8_MAX), FP8_MAX))
    compare("fp8 scale", st, struct.pack("<%df" % len(scales), *scales), export.data(st), row_col(cols_b))
    compare("fp8 code", wt, bytes(codes), export.data(wt), row_col(inp))


def pack_words(levels, count, bits):
    """Levels packed 32/bits per word, low bits first; a short last word is zero-padded."""
    per = 32 // bits
    words = []
    for start in range(0, count, per):
        word = 0
        for k, level in enumerate(levels[start:start + per]):
            word |= level << (bits * k)
        words.append(word)
    return words


def check_int(source, export, src, module, g):
    out, inp = src.shape
    bits, symmetric = g["bits"], g["symmetric"]
    group = g["group"] or inp
    if inp % group:
        fail("%s: tensor '%s' has %d columns, not a multiple of group_size %d (config_groups.%s)"
             % (src.path, src.name, inp, group, g["name"]))
    groups = inp // group
    per = 32 // bits
    pt = expect_tensor(export, module + ".weight_packed", ["I32"], [out, -(-inp // per)])
    st = expect_tensor(export, module + ".weight_scale", ["F32", "BF16", "F16"], [out, groups])
    sh = expect_tensor(export, module + ".weight_shape", ["I64"], [2])
    zt = None
    if symmetric:
        if module + ".weight_zero_point" in export.tensors:
            fail("%s: tensor '%s.weight_zero_point' in a symmetric scheme (config_groups.%s)"
                 % (export.tensors[module + ".weight_zero_point"].path, module, g["name"]))
    else:
        zt = expect_tensor(export, module + ".weight_zero_point", ["I32"], [-(-out // per), groups])
    compare("weight_shape", sh, struct.pack("<qq", out, inp), export.data(sh), lambda i: "")

    w = decode_floats(source.data(src), src.dtype, "%s: tensor '%s'" % (src.path, src.name))
    top = (1 << bits) - 1
    half = 1 << (bits - 1)
    qmax = half - 1
    packed, scale_bytes, zeros = [], [], []
    for r in range(out):
        levels = []
        for gi in range(groups):
            x = w[r * inp + gi * group:r * inp + gi * group + group]
            lo, hi = min(x), max(x)
            if symmetric:
                amax = max(-lo, hi)
                scale = f32_array([amax / qmax])[0] if amax > 0 else 1.0
                zero = 0
                q = f32_array([v / scale for v in x])
                levels.extend(min(max(round(v), -half), qmax) + half for v in q)
            else:
                lo, hi = min(lo, 0.0), max(hi, 0.0)
                if hi > lo:
                    scale = f32_array([f32_array([hi - lo])[0] / top])[0]
                else:
                    scale = 1.0
                zero = min(max(round(f32_array([-lo / scale])[0]), 0), top)
                q = f32_array([v / scale for v in x])
                levels.extend(min(max(round(v) + zero, 0), top) for v in q)
            scale_bytes.append(encode_scale(scale, st.dtype))
            zeros.append(zero)
        packed.extend(pack_words(levels, inp, bits))
    expected = b"".join(struct.pack("<I", p) for p in packed)
    words_per_row = -(-inp // per)
    compare("packed levels", pt, expected, export.data(pt),
            lambda i: " (row %d, columns %d-%d)" % (i // words_per_row, i % words_per_row * per,
                                                    i % words_per_row * per + per - 1))
    compare("scale", st, b"".join(scale_bytes), export.data(st), row_col(groups))
    if zt is not None:
        # Packed along the output dimension: word (i, g) holds rows i*per ...
        words = []
        for i in range(-(-out // per)):
            for gi in range(groups):
                word = 0
                for k in range(per):
                    r = i * per + k
                    if r < out:
                        word |= zeros[r * groups + gi] << (bits * k)
                words.append(word)
        compare("zero point", zt, b"".join(struct.pack("<I", x) for x in words), export.data(zt),
                lambda i: " (rows %d-%d, group %d)" % (i // groups * per, i // groups * per + per - 1, i % groups))


def check_tokenizer_files(source_dir, export_dir):
    """The tokenizer files of the source, copied byte for byte."""
    count = 0
    for name in TOKENIZER_FILES:
        src = os.path.join(source_dir, name)
        if not os.path.isfile(src):
            continue
        dst = os.path.join(export_dir, name)
        if not os.path.isfile(dst):
            fail("%s: missing; the source has %s" % (dst, src))
        with open(src, "rb") as a, open(dst, "rb") as b:
            offset = 0
            while True:
                x, y = a.read(1 << 20), b.read(1 << 20)
                if x != y:
                    at = next((i for i in range(min(len(x), len(y))) if x[i] != y[i]), min(len(x), len(y)))
                    fail("%s: differs from %s at byte %d" % (dst, src, offset + at))
                if not x:
                    break
                offset += len(x)
        count += 1
    return count


# --------------------------------------------------------------------------

def main(argv):
    if len(argv) != 3 or argv[1].startswith("-"):
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2
    source_dir, export_dir = argv[1], argv[2]
    try:
        source = Checkpoint(source_dir)
        export = Checkpoint(export_dir)
        config_path = os.path.join(export_dir, "config.json")
        config = read_json(config_path, "config file")
        if not isinstance(config, dict):
            fail("%s: not a JSON object" % config_path)
        qc = config.get("quantization_config")
        scheme = Scheme(config_path, qc) if qc is not None else None

        expected_names = set()
        kinds = {}
        unchanged = 0
        for name in sorted(source.tensors):
            src = source.tensors[name]
            module = name[:-len(".weight")] if name.endswith(".weight") else None
            quantized_as = None
            if module is not None and scheme is not None:
                marker = ".weight_scale_inv" if scheme.method == "fp8" else ".weight_packed"
                if module + marker in export.tensors:
                    quantized_as = scheme.method
            if quantized_as is None:
                if scheme is not None and module is not None and is_linear(name, src) and not scheme.ignored(module):
                    if scheme.method == "fp8":
                        fail("%s: '%s' is a linear layer outside modules_to_not_convert but has no "
                             "'%s.weight_scale_inv': transformers and vLLM would load it as fp8"
                             % (export_dir, module, module))
                    if scheme.group_for(module) is not None:
                        fail("%s: '%s' matches config_groups.%s and not ignore, but has no '%s.weight_packed'"
                             % (export_dir, module, scheme.group_for(module)["name"], module))
                t = export.tensors.get(name)
                if t is None:
                    fail("%s: tensor '%s' of the source is missing" % (export_dir, name))
                if t.dtype != src.dtype or t.shape != src.shape:
                    fail("%s: tensor '%s' is %s %s, the source's is %s %s"
                         % (t.path, name, t.dtype, t.shape, src.dtype, src.shape))
                compare("unquantized", t, source.data(src), export.data(t),
                        row_col(src.shape[-1] if len(src.shape) == 2 else 0))
                expected_names.add(name)
                unchanged += 1
                continue
            if len(src.shape) != 2:
                fail("%s: tensor '%s' is quantized but its source is %s, not a matrix" % (export_dir, name, src.shape))
            if scheme.ignored(module):
                fail("%s: '%s' is in %s but stored quantized"
                     % (config_path, module, "modules_to_not_convert (or lm_head, which transformers never converts)"
                        if scheme.method == "fp8" else "quantization_config.ignore"))
            if scheme.method == "fp8":
                kind = "fp8 block %dx%d: weight F8_E4M3 + weight_scale_inv F32" % tuple(scheme.block)
                check_fp8(source, export, src, module, scheme.block)
                expected_names.update([name, module + ".weight_scale_inv"])
            else:
                g = scheme.group_for(module)
                if g is None:
                    fail("%s: '%s' is stored quantized but matches no config_groups target" % (config_path, module))
                kind = "int%d %s%s %s: weight_packed + weight_scale %s%s + weight_shape" % (
                    g["bits"], g["strategy"], " %d" % g["group"] if g["group"] else "",
                    "symmetric" if g["symmetric"] else "asymmetric",
                    export.tensors[module + ".weight_scale"].dtype if module + ".weight_scale" in export.tensors else "",
                    "" if g["symmetric"] else " + weight_zero_point")
                check_int(source, export, src, module, g)
                expected_names.update(module + s for s in (".weight_packed", ".weight_scale", ".weight_shape"))
                if not g["symmetric"]:
                    expected_names.add(module + ".weight_zero_point")
            kinds[kind] = kinds.get(kind, 0) + 1
        for name in sorted(export.tensors):
            if name not in expected_names:
                fail("%s: tensor '%s' is not derived from any source tensor" % (export.tensors[name].path, name))
        tokenizer_files = check_tokenizer_files(source_dir, export_dir)
    except CheckError as e:
        sys.stderr.write("error: %s\n" % e)
        return 1
    except re.error as e:
        sys.stderr.write("error: %s: a 're:' pattern of quantization_config does not compile: %s\n"
                         % (os.path.join(export_dir, "config.json"), e))
        return 1
    for kind in sorted(kinds):
        print("%s: %d layers recomputed from the source, byte for byte" % (kind, kinds[kind]))
    print("unquantized: %d tensors equal to the source's bytes" % unchanged)
    print("tokenizer files: %d equal to the source's bytes" % tokenizer_files)
    print("OK: %d tensors" % len(export.tensors))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
