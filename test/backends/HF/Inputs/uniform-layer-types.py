#!/usr/bin/env python3
"""uniform-layer-types.py SOURCE_CONFIG EXPORT_CONFIG K: checks that the
export's layer_types are the source's at the blocks the EXAONE seed's uniform
rule keeps (round(i * (n - 1) / (K - 1)), Python's round), and prints what
it found."""
import json
import sys

src = json.load(open(sys.argv[1]))
out = json.load(open(sys.argv[2]))
k = int(sys.argv[3])
n = src["num_hidden_layers"]
kept = [round(i * (n - 1) / (k - 1)) for i in range(k)]
print("num_hidden_layers", out["num_hidden_layers"])
want = [src["layer_types"][i] for i in kept]
if out.get("layer_types") == want:
    print("layer_types: as kept")
else:
    print("layer_types: differ:", out.get("layer_types"), "expected", want)
