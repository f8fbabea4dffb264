#!/usr/bin/env python3
"""Checks the lowered graphs of NPU artifacts written with
--graph-dialect=linalg: every graph of the manifest has a "lowered" entry
whose text and bytecode files exist and hash as the manifest says; upstream
mlir-opt (the path given) parses and verifies both; the text holds no
llmq_graph op (attribute names such as llmq_graph.port are not ops).

    check-lowered.py MLIR_OPT DIR...
"""
import hashlib
import json
import os
import re
import subprocess
import sys


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def main():
    mlir_opt, dirs = sys.argv[1], sys.argv[2:]
    for d in dirs:
        manifest = json.load(open(os.path.join(d, "manifest.json")))
        graphs = manifest["graphs"]
        for g in graphs:
            low = g.get("lowered")
            if not low:
                fail("%s: graph %s has no lowered form" % (d, g["name"]))
            for key, hkey in (("text", "sha256"), ("bytecode", "bytecode_sha256")):
                path = os.path.join(d, low[key])
                if sha256(path) != low[hkey]:
                    fail("%s: %s does not hash as the manifest says" % (d, low[key]))
                run = subprocess.run([mlir_opt, path, "-o", os.devnull],
                                     capture_output=True, text=True)
                if run.returncode != 0:
                    fail("%s: mlir-opt rejects %s: %s" % (d, low[key], run.stderr.strip()[:400]))
            text = open(os.path.join(d, low["text"])).read()
            ops = re.findall(r"\bllmq_graph\.[a-z_]+ %|= llmq_graph\.[a-z_]+", text)
            if ops:
                fail("%s: %s still holds %s" % (d, low["text"], ops[0]))
        print("%s: %d graphs lowered, manifest hashes match, mlir-opt verifies "
              "text and bytecode, no llmq_graph op" % (os.path.basename(d), len(graphs)))


main()
