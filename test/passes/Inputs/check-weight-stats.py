#!/usr/bin/env python3
"""Recomputes one tensor's statistics from a bf16 safetensors file, in pure
Python, and compares them with --llmq-weight-stats' JSON report.

    check-weight-stats.py MODEL.safetensors HF_TENSOR_NAME REPORT.json LLMQ_NAME
"""
import json
import math
import struct
import sys


def read_tensor(path, name):
    with open(path, "rb") as f:
        (size,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(size))
        info = header[name]
        assert info["dtype"] == "BF16", info["dtype"]
        begin, end = info["data_offsets"]
        f.seek(8 + size + begin)
        raw = f.read(end - begin)
    halves = struct.unpack(f"<{len(raw) // 2}H", raw)
    return [struct.unpack("<f", struct.pack("<I", h << 16))[0] for h in halves]


def main():
    path, hf_name, report, name = sys.argv[1:5]
    w = read_tensor(path, hf_name)
    n = len(w)
    mean = math.fsum(w) / n
    rms = math.sqrt(math.fsum(x * x for x in w) / n)
    max_abs = max(abs(x) for x in w)
    m2 = math.fsum((x - mean) ** 2 for x in w) / n
    m4 = math.fsum((x - mean) ** 4 for x in w) / n
    kurtosis = m4 / (m2 * m2) - 3
    std = math.sqrt(m2)
    outliers = sum(abs(x - mean) > 6 * std for x in w) / n
    # Octaves of |w| (dialects/Llmq/MagnitudeHistogram.h): bin 0 exact
    # zeros, bin 1 + e - LOWEST for |w| in [2^e, 2^(e+1)), e clamped.
    lowest, highest = -32, 15
    histogram = [0] * (2 + highest - lowest)
    for x in w:
        if x == 0:
            histogram[0] += 1
        else:
            e = math.frexp(abs(x))[1] - 1
            histogram[1 + min(max(e, lowest), highest) - lowest] += 1
    with open(report) as f:
        got = {e["name"]: e for e in json.load(f)["weights"]}[name]
    want = {"count": n, "rms": rms, "max_abs": max_abs, "mean": mean,
            "kurtosis": kurtosis, "outliers": outliers}
    bad = False
    for key, value in want.items():
        ok = math.isclose(got[key], value, rel_tol=1e-9, abs_tol=1e-12)
        print(f"{key}: llmq {got[key]!r} python {value!r} {'ok' if ok else 'MISMATCH'}")
        bad |= not ok
    ok = got["log2_histogram"] == histogram
    print(f"log2_histogram: {sum(1 for c in histogram if c)} octaves, {'ok' if ok else 'MISMATCH'}")
    bad |= not ok
    sys.exit(1 if bad else 0)


main()
