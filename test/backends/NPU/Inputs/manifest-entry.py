#!/usr/bin/env python3
"""Prints parts of an NPU artifact's manifest.json as one-line JSON for
FileCheck: the top-level key, or with --rank R --weight W that rank's entry
for the weight."""
import argparse
import json

p = argparse.ArgumentParser()
p.add_argument("manifest")
p.add_argument("--key")
p.add_argument("--rank", type=int)
p.add_argument("--weight")
args = p.parse_args()
m = json.load(open(args.manifest))
if args.key:
    print(f"{args.key}: {json.dumps(m[args.key], sort_keys=True)}")
if args.weight is not None:
    rank = next(r for r in m["ranks"] if r["rank"] == args.rank)
    entry = next(t for t in rank["tensors"] if t["weight"] == args.weight)
    print(json.dumps(entry, sort_keys=True))
