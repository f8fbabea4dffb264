#!/usr/bin/env python3
"""Checks an imatrix GGUF independently of llmq: parses the GGUF with
struct, and recomputes block 0's attention input statistic (what attn_q, k
and v read: the token embedding through block 0's input RMSNorm) from the
bf16 safetensors file and the token ids of the calibration stream.

    check-imatrix.py IMATRIX.gguf MODEL_DIR TOKENS.json

TOKENS.json is what `quant-run tokenize MODEL --text FILE` prints for the
calibration text; the first chunk_count * chunk_size of its ids are used.
"""
import json
import math
import struct
import sys


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, fmt):
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values[0] if len(values) == 1 else values

    def string(self):
        n = self.take("Q")
        s = self.data[self.pos:self.pos + n].decode()
        self.pos += n
        return s

    SCALARS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?",
               10: "Q", 11: "q", 12: "d"}

    def value(self, t):
        if t == 8:
            return self.string()
        if t == 9:
            et, n = self.take("I"), self.take("Q")
            return [self.value(et) for _ in range(n)]
        return self.take(self.SCALARS[t])


def read_gguf(path):
    data = open(path, "rb").read()
    r = Reader(data)
    assert data[:4] == b"GGUF", "not a GGUF file"
    r.pos = 4
    version, n_tensors, n_kv = r.take("I"), r.take("Q"), r.take("Q")
    assert version == 3, version
    kv = {}
    for _ in range(n_kv):
        key = r.string()
        kv[key] = (r.take("I"), None)
        kv[key] = (kv[key][0], r.value(kv[key][0]))
    infos = []
    for _ in range(n_tensors):
        name = r.string()
        ne = [r.take("Q") for _ in range(r.take("I"))]
        infos.append((name, ne, r.take("I"), r.take("Q")))
    align = kv.get("general.alignment", (4, 32))[1]
    start = (r.pos + align - 1) // align * align
    tensors = {}
    for name, ne, ggml_type, offset in infos:
        assert ggml_type == 0, f"{name}: not F32"
        count = math.prod(ne)
        tensors[name] = (ne, struct.unpack_from(f"<{count}f", data, start + offset))
    return kv, [i[0] for i in infos], tensors


def read_bf16(path, name):
    with open(path, "rb") as f:
        (size,) = struct.unpack("<Q", f.read(8))
        info = json.loads(f.read(size))[name]
        assert info["dtype"] == "BF16"
        begin, end = info["data_offsets"]
        f.seek(8 + size + begin)
        raw = f.read(end - begin)
    halves = struct.unpack(f"<{len(raw) // 2}H", raw)
    return [struct.unpack("<f", struct.pack("<I", h << 16))[0] for h in halves]


def main():
    path, model_dir, tokens_file = sys.argv[1:4]
    kv, names, tensors = read_gguf(path)
    for key in ("general.type", "imatrix.datasets", "imatrix.chunk_count",
                "imatrix.chunk_size"):
        print(f"{key} type={kv[key][0]}")
    print("general.type =", kv["general.type"][1])
    chunks, chunk = kv["imatrix.chunk_count"][1], kv["imatrix.chunk_size"][1]
    print(f"chunk_count = {chunks}, chunk_size = {chunk}")
    assert names == sorted(names, key=lambda n: n.rsplit(".", 1)[0]), "not in name order"
    for name in names:
        print("tensor", name, "ne =", tensors[name][0])

    config = json.load(open(f"{model_dir}/config.json"))
    hidden, eps = config["hidden_size"], config["rms_norm_eps"]
    ids = json.load(open(tokens_file))["ids"]
    ids = ids[:chunks * chunk]
    assert len(ids) == chunks * chunk, "too few tokens"
    st = f"{model_dir}/model.safetensors"
    emb = read_bf16(st, "model.embed_tokens.weight")
    norm = read_bf16(st, "model.layers.0.input_layernorm.weight")
    sum2 = [0.0] * hidden
    for t in ids:
        x = emb[t * hidden:(t + 1) * hidden]
        scale = 1 / math.sqrt(math.fsum(v * v for v in x) / hidden + eps)
        for c in range(hidden):
            y = x[c] * scale * norm[c]
            sum2[c] += y * y

    bad = 0
    for role in ("attn_q", "attn_k", "attn_v"):
        ne, got = tensors[f"blk.0.{role}.weight.in_sum2"]
        _, counts = tensors[f"blk.0.{role}.weight.counts"]
        if counts[0] != len(ids):
            print(f"{role}: counts {counts[0]} != {len(ids)}")
            bad += 1
        worst = max(abs(g / counts[0] - w / len(ids)) / (w / len(ids))
                    for g, w in zip(got, sum2))
        print(f"blk.0.{role}: {hidden} channels, max relative error of "
              f"in_sum2/counts {'< 1e-4' if worst < 1e-4 else worst}")
        bad += worst >= 1e-4
    sys.exit(1 if bad else 0)


if __name__ == "__main__":  # check-report.py imports read_gguf
    main()
