#!/usr/bin/env python3
"""Checks quant-run's token ids against Hugging Face's tokenizers.js.

    compare-tokenizers-js.py NODE ENCODE_MJS MODEL CASES.json

MODEL is a model directory whose tokenizer.json is the one to check;
CASES.json an array of {"name", "text", "both_modes"}. tokenizers.js
(scripts/tokenizers-js/encode.mjs) encodes every case once; quant-run
tokenize encodes each with --parse-special=true, and also =false where
both_modes is set. Prints "<name> parse-special=<mode>: <ids>" for each
agreement and "MISMATCH ..." for each disagreement; exits non-zero if any.
The quant-run runs (each loads the whole tokenizer.json) go in parallel.
"""
import concurrent.futures
import json
import os
import subprocess
import sys


def main():
    node, encode_mjs, model, cases_file = sys.argv[1:5]
    cases = json.load(open(cases_file, encoding="utf-8"))
    out = subprocess.run([node, encode_mjs, model, cases_file],
                         capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"tokenizers.js failed:\n{out.stderr}")
    reference = {}
    for line in out.stdout.splitlines():
        entry = json.loads(line)
        reference[(entry["name"], entry["parse_special"])] = entry["ids"]

    runs = [(case, mode) for case in cases
            for mode in ([True, False] if case.get("both_modes") else [True])]

    def tokenize(run):
        case, mode = run
        cmd = ["quant-run", "tokenize", model, "--prompt", case["text"],
               f"--parse-special={'true' if mode else 'false'}"]
        return subprocess.run(cmd, capture_output=True, text=True)

    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        results = list(pool.map(tokenize, runs))

    failures = 0
    for (case, mode), result in zip(runs, results):
        if result.returncode != 0:
            sys.exit(f"quant-run failed on '{case['name']}':\n{result.stderr}")
        ids = json.loads(result.stdout)["ids"]
        expected = reference[(case["name"], mode)]
        shown = f"{case['name']} parse-special={'true' if mode else 'false'}"
        if ids == expected:
            print(f"{shown}: {ids}")
        else:
            failures += 1
            print(f"MISMATCH {shown}: quant-run {ids} tokenizers.js {expected}")
    sys.exit(1 if failures else 0)


main()
