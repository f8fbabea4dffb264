#!/usr/bin/env python3
"""Copies an NPU artifact directory and damages the copy for a load test.

  edit-artifact.py SRC DST [KEY=JSON ...] [--delete KEY ...]
      [--flip FILE] [--truncate FILE:BYTES] [--append FILE]

KEY is a dotted path into manifest.json with list indices as numbers
(graphs.1.batch); its new value is JSON. --flip inverts the last byte of a
file of the artifact, --truncate cuts one to BYTES, --append adds a byte."""
import argparse
import json
import os
import shutil

p = argparse.ArgumentParser()
p.add_argument("src")
p.add_argument("dst")
p.add_argument("sets", nargs="*")
p.add_argument("--delete", action="append", default=[])
p.add_argument("--flip", action="append", default=[])
p.add_argument("--truncate", action="append", default=[])
p.add_argument("--append", action="append", default=[])
args = p.parse_args()

shutil.rmtree(args.dst, ignore_errors=True)
shutil.copytree(args.src, args.dst)
path = os.path.join(args.dst, "manifest.json")
manifest = json.load(open(path))


def walk(key):
    *parents, last = key.split(".")
    node = manifest
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node, int(last) if isinstance(node, list) else last


for item in args.sets:
    key, value = item.split("=", 1)
    node, last = walk(key)
    node[last] = json.loads(value)
for key in args.delete:
    node, last = walk(key)
    del node[last]
if args.sets or args.delete:
    with open(path, "w") as f:
        json.dump(manifest, f, indent=2, sort_keys=True)
for name in args.flip:
    with open(os.path.join(args.dst, name), "r+b") as f:
        f.seek(-1, os.SEEK_END)
        byte = f.read(1)
        f.seek(-1, os.SEEK_END)
        f.write(bytes([byte[0] ^ 0xFF]))
for item in args.truncate:
    name, size = item.rsplit(":", 1)
    os.truncate(os.path.join(args.dst, name), int(size))
for name in args.append:
    with open(os.path.join(args.dst, name), "ab") as f:
        f.write(b"\n")
