#!/usr/bin/env python3
"""Compares llmq's runtime with llama.cpp on the same GGUF file.

    runtime-vs-llama-cpp.py QUANT_RUN LLAMA_CPP_MJS MODEL.gguf REF.json \
        [--min-match N] [--tie-gap G] [-n N]

For each prompt of REF.json's greedy_fp32, both generate N greedy tokens from
the prompt text. The first `--min-match` tokens must agree, except that
agreement is only required up to the first step where the runtime's own top-2
logits are within G (llama.cpp quantizes activations in its dot products, so
such a near-tie may go either way). Prints each prompt's result.
"""
import argparse
import json
import subprocess
import sys


def run(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{out.stderr}")
    return json.loads(out.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("quant_run")
    ap.add_argument("llama_cpp")
    ap.add_argument("model")
    ap.add_argument("ref")
    ap.add_argument("--min-match", type=int, default=8)
    ap.add_argument("--tie-gap", type=float, default=1e-2)
    ap.add_argument("-n", type=int, default=16)
    args = ap.parse_args()
    ok = True
    for prompt in json.load(open(args.ref))["greedy_fp32"]:
        ours = run([args.quant_run, "generate", args.model, "--prompt", prompt,
                    "-n", str(args.n), "--json"])
        theirs = run(["node", args.llama_cpp, "generate", args.model,
                      "--prompt", prompt, "-n", str(args.n)])
        if ours["prompt_ids"] != theirs["prompt_ids"]:
            print(f"{prompt!r}: prompt ids differ: {ours['prompt_ids']} vs {theirs['prompt_ids']}")
            ok = False
            continue
        match = 0
        for a, b in zip(ours["ids"], theirs["ids"]):
            if a != b:
                break
            match += 1
        # The runtime's top-2 gap at each generated step.
        ids = ours["prompt_ids"] + ours["ids"]
        logits = run([args.quant_run, "logits", args.model, "--top", "2",
                      "--ids", ",".join(map(str, ids[:-1]))])
        start = len(ours["prompt_ids"]) - 1
        gaps = [l[0] - l[1] for l in logits["top_logits"][start:]]
        need = args.min_match
        tie = next((k for k, g in enumerate(gaps) if g < args.tie_gap), None)
        if tie is not None and tie < need:
            need = tie
            print(f"{prompt!r}: near-tie in the runtime at step {tie} (top-2 gap {gaps[tie]:.2e})")
        print(f"{prompt!r}: runtime and llama.cpp agree on {match} of {args.n} tokens (need {need})")
        ok = ok and match >= need
    print("ok" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
