"""Flips bits of one byte of a tensor in a checkpoint folder, in place.

Usage: corrupt-tensor.py DIR TENSOR BYTE [MASK]
BYTE counts from the start of the tensor's data; MASK (default 1) is XORed
into it. The tensor is found through model.safetensors.index.json if there
is one.
"""
import json
import os
import struct
import sys

directory, tensor, byte = sys.argv[1], sys.argv[2], int(sys.argv[3])
mask = int(sys.argv[4], 0) if len(sys.argv) > 4 else 1
index = os.path.join(directory, "model.safetensors.index.json")
file = json.load(open(index))["weight_map"][tensor] if os.path.exists(index) else "model.safetensors"
path = os.path.join(directory, file)
with open(path, "r+b") as f:
    (n,) = struct.unpack("<Q", f.read(8))
    begin, end = json.loads(f.read(n))[tensor]["data_offsets"]
    assert 0 <= byte < end - begin
    f.seek(8 + n + begin + byte)
    old = f.read(1)[0]
    f.seek(8 + n + begin + byte)
    f.write(bytes([old ^ mask]))
