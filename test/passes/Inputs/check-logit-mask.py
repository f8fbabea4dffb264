#!/usr/bin/env python3
"""Checks a logit-masked model against the model it came from.

    check-logit-mask.py QUANT_RUN BASE MASKED ban IDS_FILE [-n N]
    check-logit-mask.py QUANT_RUN BASE MASKED amplify IDS --factor F

ban: MASKED's greedy continuation of each prompt (N tokens) contains none of
the ids, and at every position of BASE's continuation the logits of all
other ids are unchanged. amplify: the amplified ids' logits are F times
BASE's (to float rounding of the folded row), all others unchanged.
"""
import argparse
import json
import subprocess
import sys

PROMPTS = ["And God said", "In the beginning", "The LORD is my shepherd"]


def run(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{out.stderr}")
    return json.loads(out.stdout)


def all_logits(quant_run, model, ids):
    got = run([quant_run, "logits", model, "--top", "1000000", "--ids",
               ",".join(map(str, ids))])
    return [dict(zip(i, l)) for i, l in zip(got["top_ids"], got["top_logits"])]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("quant_run")
    ap.add_argument("base")
    ap.add_argument("masked")
    ap.add_argument("what", choices=["ban", "amplify"])
    ap.add_argument("ids")
    ap.add_argument("-n", type=int, default=200)
    ap.add_argument("--factor", type=float, default=5.0)
    args = ap.parse_args()
    ids = {int(x) for x in open(args.ids).read().replace(",", " ").split()} \
        if args.what == "ban" else {int(x) for x in args.ids.split(",")}
    ok = True
    for prompt in PROMPTS:
        base = run([args.quant_run, "generate", args.base, "--prompt", prompt,
                    "-n", "24", "--json"])
        sequence = base["prompt_ids"] + base["ids"]
        a = all_logits(args.quant_run, args.base, sequence)
        b = all_logits(args.quant_run, args.masked, sequence)
        changed, worst = 0, 0.0
        for pa, pb in zip(a, b):
            for token, value in pa.items():
                if token in ids:
                    if args.what == "ban":
                        ok &= pb[token] is None
                    else:
                        rel = abs(pb[token] - args.factor * value) / max(1e-6, abs(value))
                        worst = max(worst, rel)
                elif pb[token] != value:
                    changed += 1
        ok &= changed == 0
        line = f"{prompt!r}: {changed} other logits changed over {len(a)} positions"
        if args.what == "amplify":
            line += f"; amplified logits / base = {args.factor:g} to {worst:.1e}"
            ok &= worst < 1e-5
        else:
            gen = run([args.quant_run, "generate", args.masked, "--prompt", prompt,
                       "-n", str(args.n), "--json"])
            hits = [t for t in gen["ids"] if t in ids]
            line += f"; {len(hits)} banned ids in {args.n} generated tokens"
            ok &= not hits
        print(line)
    print("ok" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
