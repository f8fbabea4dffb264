#!/usr/bin/env python3
"""Compares llmq's runtime with llama.cpp on the same GGUF file.

    runtime-vs-llama-cpp.py QUANT_RUN LLAMA_CPP_MJS MODEL.gguf REF.json \
        [--min-match N] [--tie-gap G] [-n N]

For each prompt of REF.json's greedy_fp32, both generate N greedy tokens from
the prompt text. The first `--min-match` tokens must agree, except that
agreement is only required up to the first step where the runtime's own top-2
logits are within G (llama.cpp quantizes activations in its dot products, so
such a near-tie may go either way).

The runtime is tried in its exact f32 mode against llama.cpp as it runs by
default first and, for prompts where that disagrees, with --ggml-activations
(activations rounded to each weight type's ggml vec_dot_type, as llama.cpp's
CPU backend does) against llama.cpp with an f32 KV cache (--kv-type f32; by
default llama.cpp also rounds K and V to f16, which the runtime does not
model): the runtime then predicts llama.cpp's arithmetic on the file's
weights rather than the exact result. The same near-tie rule applies to each
mode's own logits. Each prompt's line says which mode agreed. --exact-only
disables the second mode.
"""
import argparse
import os
import json
import subprocess
import sys


def run(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{out.stderr}")
    return json.loads(out.stdout)


def compare(args, prompt, theirs, mode):
    """How many tokens the runtime in `mode` shares with llama.cpp, and how
    many it must (fewer at a near-tie)."""
    ours = run([args.quant_run, "generate", args.model, "--prompt", prompt,
                "-n", str(args.n), "--json", *mode])
    if ours["prompt_ids"] != theirs["prompt_ids"]:
        return None, ours, 0, f"prompt ids differ: {ours['prompt_ids']} vs {theirs['prompt_ids']}"
    match = 0
    for a, b in zip(ours["ids"], theirs["ids"]):
        if a != b:
            break
        match += 1
    # The runtime's top-2 gap at each generated step.
    ids = ours["prompt_ids"] + ours["ids"]
    logits = run([args.quant_run, "logits", args.model, "--top", "2",
                  "--ids", ",".join(map(str, ids[:-1])), *mode])
    start = len(ours["prompt_ids"]) - 1
    gaps = [l[0] - l[1] for l in logits["top_logits"][start:]]
    need = args.min_match
    note = ""
    tie = next((k for k, g in enumerate(gaps) if g < args.tie_gap), None)
    if tie is not None and tie < need:
        need = tie
        note = f"near-tie at step {tie} (top-2 gap {gaps[tie]:.2e}); "
    return match >= need, ours, match, f"{note}agree on {match} of {args.n} tokens (need {need})"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("quant_run")
    ap.add_argument("llama_cpp")
    ap.add_argument("model")
    ap.add_argument("ref")
    ap.add_argument("--min-match", type=int, default=8)
    ap.add_argument("--tie-gap", type=float, default=1e-2)
    ap.add_argument("-n", type=int, default=16)
    ap.add_argument("--exact-only", action="store_true")
    args = ap.parse_args()
    modes = [("exact", [], [])]
    if not args.exact_only:
        modes.append(("ggml-activations, llama.cpp kv f32",
                      ["--ggml-activations"], ["--kv-type", "f32"]))
    ok = True
    for prompt in json.load(open(args.ref))["greedy_fp32"]:
        reports = []
        for name, flags, llama_flags in modes:
            theirs = run([os.environ.get("LLMQ_NODE", "node"), args.llama_cpp, "generate", args.model,
                          "--prompt", prompt, "-n", str(args.n), *llama_flags])
            good, _, _, report = compare(args, prompt, theirs, flags)
            reports.append(f"{name}: {report}")
            if good:
                break
        print(f"{prompt!r}: runtime and llama.cpp {'agree' if good else 'DISAGREE'}"
              f" ({'; '.join(reports)})")
        ok = ok and bool(good)
    print("ok" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
