#!/usr/bin/env python3
"""Checks quant-run against a transformers reference (<model>.ref.json).

    compare-reference.py QUANT_RUN MODEL REF.json logits [--tol T] [--ref-key K]
    compare-reference.py QUANT_RUN MODEL REF.json ppl --text FILE [--rel-tol R]
    compare-reference.py QUANT_RUN MODEL REF.json greedy [--min-match N] [--tie-gap G]

Prints what it compared and exits non-zero when a bound does not hold:
logits: top-5 ids equal at every reference position and top-5 logits within
T; ppl: perplexity within R (relative) of eval_ppl_seq256_fp32; greedy: the
first N generated ids equal greedy_ids for every prompt, or up to the first
step where transformers' own top-2 logits are within G (a near-tie).
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
    ap.add_argument("quant_run", help="quant-run (a path, or a name on PATH)")
    ap.add_argument("model")
    ap.add_argument("ref")
    ap.add_argument("what", choices=["logits", "ppl", "greedy"])
    ap.add_argument("--tol", type=float, default=2e-3)
    ap.add_argument("--ref-key", default="first64_top5_logits")
    ap.add_argument("--text")
    ap.add_argument("--rel-tol", type=float, default=2e-3)
    ap.add_argument("--min-match", type=int, default=24)
    ap.add_argument("--tie-gap", type=float, default=1e-3)
    ap.add_argument("--threads", default="2")
    args = ap.parse_args()
    ref = json.load(open(args.ref))
    ok = True

    if args.what == "logits":
        ids = ref["first64_token_ids"]
        got = run([args.quant_run, "logits", args.model, "--threads", args.threads,
                   "--ids", ",".join(map(str, ids))])
        worst = 0.0
        for pos, (rid, rlog, gid, glog) in enumerate(zip(
                ref["first64_top5_ids"], ref[args.ref_key], got["top_ids"],
                got["top_logits"])):
            if rid != gid:
                print(f"position {pos}: top-5 ids {gid}, reference {rid}")
                ok = False
            worst = max(worst, max(abs(a - b) for a, b in zip(rlog, glog)))
        print(f"logits: {len(ids)} positions, top-5 ids "
              f"{'equal' if ok else 'DIFFER'}, max |diff| {worst:.2e} (bound {args.tol:g})")
        ok = ok and worst <= args.tol

    elif args.what == "ppl":
        got = run([args.quant_run, "ppl", args.model, "--text", args.text,
                   "--threads", args.threads, "--json"])
        want = ref["eval_ppl_seq256_fp32"]
        rel = abs(got["ppl"] - want) / want
        print(f"ppl: {got['ppl']:.6f}, reference {want:.6f}, relative {rel:.2e} "
              f"(bound {args.rel_tol:g}); {got['scored_tokens']} tokens")
        ok = rel <= args.rel_tol

    else:
        for prompt, r in ref["greedy_fp32"].items():
            got = run([args.quant_run, "generate", args.model, "--prompt", prompt,
                       "-n", str(len(r["greedy_ids"])), "--threads", args.threads,
                       "--json"])
            if got["prompt_ids"] != r["prompt_ids"]:
                print(f"{prompt!r}: prompt ids {got['prompt_ids']}, reference {r['prompt_ids']}")
                ok = False
            match = 0
            for a, b in zip(got["ids"], r["greedy_ids"]):
                if a != b:
                    break
                match += 1
            need = args.min_match
            gaps = r.get("top2_gap", [])
            tie = next((k for k, g in enumerate(gaps) if g < args.tie_gap), None)
            if tie is not None and tie < need:
                need = tie
                print(f"{prompt!r}: near-tie at step {tie} (gap {gaps[tie]:.2e})")
            print(f"{prompt!r}: {match} of {len(r['greedy_ids'])} greedy tokens "
                  f"equal (need {need})")
            ok = ok and match >= need
    print("ok" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
