"""Copies a Hugging Face Llama checkpoint with some entries of the top super
weight's tensor set to zero (for the super-weight test).

  zero-weights.py SRC DST --report super.json            zero the top super weight
  zero-weights.py SRC DST --report super.json --random N  zero N other random
                                                          entries of that tensor

The safetensors file is copied byte for byte and only the chosen entries are
overwritten with zeros of the tensor's dtype; every other file is linked.
"""
import argparse, json, os, random, shutil, struct

p = argparse.ArgumentParser()
p.add_argument("src"); p.add_argument("dst")
p.add_argument("--report", required=True)
p.add_argument("--random", type=int, default=0)
p.add_argument("--seed", type=int, default=0)
a = p.parse_args()

top = json.load(open(a.report))["super_weights"][0]
row, col = top["row"], top["col"]
key = top["source_key"]  # the tensor's name in the safetensors file

os.makedirs(a.dst, exist_ok=True)
for name in os.listdir(a.src):
    if name != "model.safetensors":
        target = os.path.join(a.dst, name)
        if not os.path.exists(target):
            os.symlink(os.path.abspath(os.path.join(a.src, name)), target)
dst = os.path.join(a.dst, "model.safetensors")
shutil.copyfile(os.path.join(a.src, "model.safetensors"), dst)

with open(dst, "r+b") as f:
    n = struct.unpack("<Q", f.read(8))[0]
    header = json.loads(f.read(n))
    info = header[key]
    size = {"BF16": 2, "F16": 2, "F32": 4}[info["dtype"]]
    rows, cols = info["shape"]
    base = 8 + n + info["data_offsets"][0]
    if a.random:
        rng = random.Random(a.seed)
        picks = set()
        while len(picks) < a.random:
            rc = (rng.randrange(rows), rng.randrange(cols))
            if rc != (row, col):
                picks.add(rc)
        picks = sorted(picks)
    else:
        picks = [(row, col)]
    for r, c in picks:
        f.seek(base + (r * cols + c) * size)
        f.write(b"\0" * size)
print(f"zeroed {len(picks)} entries of {key}" +
      ("" if a.random else f" at [{row}, {col}]"))
