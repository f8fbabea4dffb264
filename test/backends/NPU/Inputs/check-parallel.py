#!/usr/bin/env python3
"""Issue 8's acceptance lines 1 and 3 for one model and several (tp, pp).

For each configuration: export an artifact (bf16 unless --weights), compare
its logits on the first --tokens tokens of --text with the unsharded
runtime's (`quant-run compare`: bit-identical required at tp=1, pp=1, else
max |diff| / max |logit| <= --max-rel), and generate --n greedy tokens from
each prompt with the model, the artifact (prefill bucket, then decode
buckets) and the artifact with --recompute (greedy decoding by full
recomputation): all three must agree. Prints one line per configuration and
exits 1 at the first failure.
"""
import argparse
import json
import os
import subprocess
import sys


def run(*args):
    out = subprocess.run(args, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"FAILED: {' '.join(args)}\n{out.stderr}")
    return out.stdout


def generate(model, prompt, n, *extra):
    out = run("quant-run", "generate", model, "--prompt", prompt, "-n", str(n),
              "--json", *extra)
    return json.loads(out)["ids"]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("workdir")
    p.add_argument("--text", required=True)
    p.add_argument("--configs", required=True, help="TPxPP,...")
    p.add_argument("--prompt", action="append", required=True)
    p.add_argument("--tokens", type=int, default=64)
    p.add_argument("--n", type=int, default=32)
    p.add_argument("--max-rel", type=float, default=1e-4)
    p.add_argument("--export-args", default="")
    args = p.parse_args()

    reference = {q: generate(args.model, q, args.n) for q in args.prompt}
    for config in args.configs.split(","):
        tp, pp = (int(x) for x in config.split("x"))
        art = os.path.join(args.workdir, f"art-{tp}x{pp}")
        run("quant-translate", "--export-npu-artifact", args.model, "-o", art,
            "--tp", str(tp), "--pp", str(pp), "--prefill-buckets", "1x16,1x64",
            "--decode-buckets", "1x48,1x128", *args.export_args.split())
        cmp = json.loads(run("quant-run", "compare", args.model, art,
                             "--text", args.text, "--tokens", str(args.tokens)))
        if tp == 1 and pp == 1:
            if not cmp["identical"]:
                sys.exit(f"tp=1 pp=1: logits not bit-identical: {cmp}")
            logits = "logits bit-identical"
        else:
            if not cmp["max_rel_diff"] <= args.max_rel:
                sys.exit(f"tp={tp} pp={pp}: max_rel_diff {cmp['max_rel_diff']}"
                         f" > {args.max_rel}")
            logits = f"logits within {args.max_rel:g} relative"
        for q, want in reference.items():
            got = generate(art, q, args.n)
            again = generate(art, q, args.n, "--recompute")
            if got != want or again != want:
                sys.exit(f"tp={tp} pp={pp}: greedy tokens differ for {q!r}:\n"
                         f"model     {want}\nartifact  {got}\nrecompute {again}")
        print(f"tp={tp} pp={pp}: {cmp['tokens']} tokens, {logits} "
              f"(max_rel_diff {cmp['max_rel_diff']:.2e}), greedy "
              f"{args.n}/{args.n} equal for {len(reference)} prompts, "
              f"recompute equal")


if __name__ == "__main__":
    main()
