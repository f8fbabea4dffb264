#!/usr/bin/env python3
"""Damages one lowered graph of an artifact in a way the JIT pipeline cannot
compile, then records the file's new SHA-256 in the manifest, so that the
load accepts the file and what fails is the compilation.

  tamper-lowered.py ART GRAPH unknown-op   first linalg.generic renamed to
                                           linalg.bogus (does not parse)
  tamper-lowered.py ART GRAPH f8-truncf    first math.exp's operand rounded
                                           to f8E4M3FN (parses and verifies;
                                           upstream does not lower truncf
                                           to f8 to LLVM)
"""
import hashlib
import json
import os
import re
import sys

art, graph, mode = sys.argv[1:4]
text = os.path.join(art, "graphs", graph + ".linalg.mlir")
with open(text) as f:
    ir = f.read()
if mode == "unknown-op":
    new = ir.replace("linalg.generic", "linalg.bogus", 1)
elif mode == "f8-truncf":
    new = re.sub(r"(%\S+) = math\.exp (%\S+) : f32",
                 r"%f8 = arith.truncf \2 : f32 to f8E4M3FN\n"
                 r"      \1 = arith.extf %f8 : f8E4M3FN to f32", ir, count=1)
else:
    sys.exit(f"unknown mode {mode}")
if new == ir:
    sys.exit(f"{text}: nothing to tamper with")
with open(text, "w") as f:
    f.write(new)
path = os.path.join(art, "manifest.json")
with open(path) as f:
    manifest = json.load(f)
for entry in manifest["graphs"]:
    if entry["name"] == graph:
        entry["lowered"]["sha256"] = hashlib.sha256(new.encode()).hexdigest()
with open(path, "w") as f:
    json.dump(manifest, f, indent=2, sort_keys=True)
