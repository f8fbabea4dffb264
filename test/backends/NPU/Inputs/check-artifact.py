#!/usr/bin/env python3
"""Checks an NPU artifact directory against its manifest.json.

- every file the manifest names exists, and no other file is there;
- graph texts and bytecode, config, tokenizer and rank weight files match
  their sha256 (and rank files
  their byte count);
- each rank file's safetensors header holds exactly the manifest's
  components, with the same dtype and shape;
- with --quant-opt TOOL, every graph (text and bytecode) parses and
  verifies, and defines the function the manifest names.

usage: check-artifact.py [--quant-opt TOOL] DIR
Prints one line per problem and exits 1 if there is any; "ok: ..." else.
"""
import hashlib
import json
import os
import struct
import subprocess
import sys


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main(argv):
    quant_opt = None
    if len(argv) > 2 and argv[1] == "--quant-opt":
        quant_opt, argv = argv[2], [argv[0]] + argv[3:]
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    root = argv[1]
    with open(os.path.join(root, "manifest.json")) as f:
        m = json.load(f)
    problems = []
    named = {"manifest.json", m["model"]["config"]}
    if sha256(os.path.join(root, m["model"]["config"])) != m["model"]["config_sha256"]:
        problems.append("config: sha256 of %s differs" % m["model"]["config"])
    if m["tokenizer"] is not None:
        named.add(m["tokenizer"]["file"])
        if sha256(os.path.join(root, m["tokenizer"]["file"])) != m["tokenizer"]["sha256"]:
            problems.append("tokenizer: sha256 of %s differs" % m["tokenizer"]["file"])

    for g in m["graphs"]:
        named.update([g["text"], g["bytecode"]])
        for key in ("text", "bytecode"):
            if not os.path.isfile(os.path.join(root, g[key])):
                problems.append("graph '%s': %s is missing" % (g["name"], g[key]))
        for key, digest in (("text", "sha256"), ("bytecode", "bytecode_sha256")):
            path = os.path.join(root, g[key])
            if os.path.isfile(path) and sha256(path) != g[digest]:
                problems.append("graph '%s': sha256 of %s differs" % (g["name"], g[key]))
        if quant_opt:
            for key in ("text", "bytecode"):
                run = subprocess.run([quant_opt, os.path.join(root, g[key])],
                                     capture_output=True, text=True)
                if run.returncode != 0:
                    problems.append("graph '%s': %s does not verify: %s"
                                    % (g["name"], g[key], run.stderr.strip()[:200]))
                elif "func.func @%s(" % g["name"] not in run.stdout:
                    problems.append("graph '%s': %s defines no @%s"
                                    % (g["name"], g[key], g["name"]))

    for r in m["ranks"]:
        named.add(r["file"])
        path = os.path.join(root, r["file"])
        if not os.path.isfile(path):
            problems.append("rank %d: %s is missing" % (r["rank"], r["file"]))
            continue
        if sha256(path) != r["sha256"]:
            problems.append("rank %d: sha256 of %s differs" % (r["rank"], r["file"]))
        if os.path.getsize(path) != r["bytes"]:
            problems.append("rank %d: %s has %d bytes, manifest says %d"
                            % (r["rank"], r["file"], os.path.getsize(path), r["bytes"]))
        with open(path, "rb") as f:
            (length,) = struct.unpack("<Q", f.read(8))
            header = json.loads(f.read(length))
        header.pop("__metadata__", None)
        want = {c["key"]: (c["dtype"], c["shape"])
                for t in r["tensors"] for c in t["components"]}
        have = {k: (v["dtype"], v["shape"]) for k, v in header.items()}
        if want != have:
            diff = sorted(k for k in set(want) | set(have)
                          if want.get(k) != have.get(k))
            problems.append("rank %d: %s tensors differ from the manifest at %s"
                            % (r["rank"], r["file"], diff[:4]))

    present = set()
    for dirpath, _, files in os.walk(root):
        for name in files:
            present.add(os.path.relpath(os.path.join(dirpath, name), root))
    for extra in sorted(present - named):
        problems.append("%s is in the directory but not in the manifest" % extra)
    for missing in sorted(named - present):
        if not any(missing in p for p in problems):
            problems.append("%s is named by the manifest but missing" % missing)

    for p in problems:
        print("%s: %s" % (root, p))
    if not problems:
        print("ok: %d graphs, %d rank files" % (len(m["graphs"]), len(m["ranks"])))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
