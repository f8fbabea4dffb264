"""Prints, for each named f32 tensor of a safetensors file, its size and
whether every value is exactly 1 (the norms --llmq-rotate folds away).

  check-rotated-norms.py FILE NAME..."""
import json, struct, sys

path, names = sys.argv[1], sys.argv[2:]
data = open(path, "rb").read()
size = struct.unpack("<Q", data[:8])[0]
header = json.loads(data[8:8 + size])
for name in names:
    entry = header[name]
    assert entry["dtype"] == "F32", entry
    begin, end = entry["data_offsets"]
    raw = data[8 + size + begin:8 + size + end]
    values = struct.unpack(f"<{len(raw) // 4}f", raw)
    print(f"{name} {len(values)} values, all 1: {all(v == 1.0 for v in values)}")
