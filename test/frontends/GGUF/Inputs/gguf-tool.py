#!/usr/bin/env python3
"""Small GGUF helper for tests (stdlib only).

    gguf-tool.py compare A.gguf B.gguf     tensor bytes and metadata of B vs A
    gguf-tool.py types A.gguf              how many tensors of each ggml type
    gguf-tool.py bad KIND OUT.gguf         write a malformed file of one kind

compare prints one line per tensor whose bytes differ or that is missing,
the metadata keys of A missing from B or changed, then a summary line.
"""
import struct
import sys

FIXED = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
# ggml type -> (block elements, block bytes)
GGML = {0: (1, 4), 1: (1, 2), 30: (1, 2), 8: (32, 34), 2: (32, 18), 3: (32, 20),
        6: (32, 22), 7: (32, 24), 10: (256, 84), 11: (256, 110), 12: (256, 144),
        13: (256, 176), 14: (256, 210), 20: (32, 18), 23: (256, 136)}


class Reader:
    def __init__(self, data):
        self.d, self.p = data, 0

    def take(self, fmt):
        v = struct.unpack_from("<" + fmt, self.d, self.p)
        self.p += struct.calcsize("<" + fmt)
        return v[0] if len(v) == 1 else v

    def string(self):
        n = self.take("Q")
        s = self.d[self.p:self.p + n]
        self.p += n
        return s

    def value(self, t):
        start = self.p
        if t in FIXED:
            self.p += FIXED[t]
        elif t == 8:
            self.string()
        elif t == 9:
            et, n = self.take("I"), self.take("Q")
            for _ in range(n):
                self.value(et)
        return self.d[start:self.p]


def parse(path):
    data = open(path, "rb").read()
    r = Reader(data)
    assert r.d[:4] == b"GGUF"
    r.p = 4
    _, nt, nkv = r.take("I"), r.take("Q"), r.take("Q")
    kvs, align = {}, 32
    for _ in range(nkv):
        key = r.string().decode()
        t = r.take("I")
        kvs[key] = (t, r.value(t))
        if key == "general.alignment":
            align = struct.unpack("<I", kvs[key][1])[0]
    infos = []
    for _ in range(nt):
        name = r.string().decode()
        nd = r.take("I")
        ne = [r.take("Q") for _ in range(nd)]
        infos.append((name, ne, r.take("I"), r.take("Q")))
    start = (r.p + align - 1) // align * align
    tensors = {}
    for name, ne, t, off in infos:
        n = 1
        for d in ne:
            n *= d
        be, bb = GGML[t]
        tensors[name] = (t, ne, data[start + off:start + off + n // be * bb])
    return kvs, tensors


def compare(a, b):
    ka, ta = parse(a)
    kb, tb = parse(b)
    same = 0
    for name, (t, ne, blob) in ta.items():
        if name not in tb:
            print(f"missing tensor {name}")
        elif tb[name][2] != blob or tb[name][0] != t:
            print(f"tensor {name} differs (type {t} -> {tb[name][0]})")
        else:
            same += 1
    for key, val in ka.items():
        if key not in kb:
            print(f"missing key {key}")
        elif kb[key] != val:
            print(f"key {key} differs")
    print(f"{same} of {len(ta)} tensors byte-identical")


def types(a):
    counts = {}
    for t, _, _ in parse(a)[1].values():
        counts[t] = counts.get(t, 0) + 1
    for t in sorted(counts):
        print(f"type {t}: {counts[t]} tensors")


def bad(kind, out):
    def s(text):
        b = text.encode()
        return struct.pack("<Q", len(b)) + b

    def info(name, ne, t, off):
        return s(name) + struct.pack("<I", len(ne)) + b"".join(
            struct.pack("<Q", n) for n in ne) + struct.pack("<IQ", t, off)

    kv = s("general.architecture") + struct.pack("<I", 8) + s("llama")
    tensors = [info("a", [8], 0, 0), info("b", [8], 0, 32)]
    count = 2
    if kind == "overlap":
        tensors[1] = info("b", [8], 0, 0)
    elif kind == "misaligned":
        tensors[1] = info("b", [8], 0, 36)
    elif kind == "bad-type":
        tensors[1] = info("b", [8], 99, 32)
    elif kind == "duplicate":
        tensors[1] = info("a", [8], 0, 32)
    elif kind == "counts":
        count = 1 << 40
    head = b"GGUF" + struct.pack("<IQQ", 3, count, 1) + kv + b"".join(tensors)
    if kind == "big-endian":
        head = b"GGUF" + struct.pack(">IQQ", 3, count, 1) + head[24:]
    head += b"\0" * (-len(head) % 32)
    data = head + b"\1" * 64
    if kind == "truncated":
        data = data[:120]  # inside the second tensor info
    open(out, "wb").write(data)


if __name__ == "__main__":
    if sys.argv[1] == "compare":
        compare(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "types":
        types(sys.argv[2])
    else:
        bad(sys.argv[2], sys.argv[3])
