#!/usr/bin/env python3
"""Issue 17's acceptance 2: the JIT engine against the interpreter.

For each artifact directory given: `quant-run compare ART ART --engine=jit`
(BASE runs on the interpreter, OTHER compiled) must give logits within
--max-rel (max |diff| / max |logit|) on the first --tokens tokens of --text;
--n greedy tokens from each prompt must be identical on both engines; and
perplexity over --ppl-text (windows of --ctx tokens) must agree within
--ppl-rel relative. Prints one line per artifact and exits 1 at the first
failure.
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


def generate(art, prompt, n, engine):
    out = run("quant-run", "generate", art, "--prompt", prompt, "-n", str(n),
              "--json", "--engine=" + engine)
    return json.loads(out)["ids"]


def ppl(art, text, ctx, engine):
    out = run("quant-run", "ppl", art, "--text", text, "--ctx", str(ctx),
              "--json", "--engine=" + engine)
    return json.loads(out)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("artifacts", nargs="+")
    p.add_argument("--text", required=True)
    p.add_argument("--ppl-text", required=True)
    p.add_argument("--prompt", action="append", required=True)
    p.add_argument("--tokens", type=int, default=64)
    p.add_argument("--n", type=int, default=32)
    p.add_argument("--ctx", type=int, default=64)
    p.add_argument("--max-rel", type=float, default=1e-4)
    p.add_argument("--ppl-rel", type=float, default=1e-5)
    args = p.parse_args()

    for art in args.artifacts:
        name = os.path.basename(art)
        cmp = json.loads(run("quant-run", "compare", art, art, "--engine=jit",
                             "--text", args.text, "--tokens",
                             str(args.tokens)))
        if not cmp["max_rel_diff"] <= args.max_rel:
            sys.exit(f"{name}: max_rel_diff {cmp['max_rel_diff']} > "
                     f"{args.max_rel}")
        if cmp["top1_agreement"] != 1:
            sys.exit(f"{name}: top-1 agreement {cmp['top1_agreement']}")
        for q in args.prompt:
            want = generate(art, q, args.n, "interp")
            got = generate(art, q, args.n, "jit")
            if got != want or len(got) < args.n:
                sys.exit(f"{name}: greedy tokens differ for {q!r}:\n"
                         f"interp {want}\njit    {got}")
        a = ppl(art, args.ppl_text, args.ctx, "interp")
        b = ppl(art, args.ppl_text, args.ctx, "jit")
        rel = abs(a["ppl"] - b["ppl"]) / a["ppl"]
        if a["scored_tokens"] != b["scored_tokens"] or not rel <= args.ppl_rel:
            sys.exit(f"{name}: ppl {a['ppl']} (interp) vs {b['ppl']} (jit): "
                     f"{rel:.2e} relative over {a['scored_tokens']} and "
                     f"{b['scored_tokens']} tokens")
        print(f"{name}: {cmp['tokens']} tokens, logits within {args.max_rel:g}"
              f" relative, greedy {args.n}/{args.n} equal for "
              f"{len(args.prompt)} prompts, ppl within {args.ppl_rel:g} "
              f"relative over {a['scored_tokens']} tokens")
        sys.stderr.write(f"{name}: max_rel_diff {cmp['max_rel_diff']:.3e}, "
                         f"ppl {a['ppl']:.6f} vs {b['ppl']:.6f} ({rel:.2e})\n")


if __name__ == "__main__":
    main()
