#!/usr/bin/env python3
"""Checks quant-run against a transformers reference made on the GPU machine.

    compare-gpu-ref.py QUANT_RUN REF.json summary
    compare-gpu-ref.py QUANT_RUN REF.json files DIR
    compare-gpu-ref.py QUANT_RUN REF.json ppl MODEL --text FILE --rel-tol R
    compare-gpu-ref.py QUANT_RUN REF.json logits MODEL --tol T
    compare-gpu-ref.py QUANT_RUN REF.json greedy MODEL [--key K] [--min-match N] [--tie-gap G]

REF.json is written by scripts/hf-reference.py (<name>.gpu-ref.json). Python's
standard library only. Each mode prints what it compared and `ok`, or
`FAILED` and exits 1:

- summary: what transformers did when it loaded the export (quantization
  method, module classes, the loading report) and whether its generate()
  (generation_config honoured) differs from the raw greedy continuation;
  fails if the reference recorded a loading problem.
- files: every file of DIR has the sha256 the reference recorded (the export
  rebuilt here is the one transformers ran), and the same file names.
- ppl: quant-run's perplexity (windows of the reference's ctx) within R,
  relative, of the reference's eval_ppl.
- logits: at each of the first 64 eval tokens, quant-run's logit of each of
  the reference's top-5 ids (quant-run logits --top <vocab>) within T of the
  reference's, and quant-run's top-1 id equal to the reference's unless the
  reference's top-1 and top-2 are within 2T (a near-tie).
- greedy: quant-run generate's ids equal the reference's (K: greedy_fp32, raw
  logits; generate, transformers' generate() with generation_config) for N
  steps, or up to the first step whose reference top-2 gap is below G.
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys


def run(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{out.stderr}")
    return json.loads(out.stdout)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def vocab_size(model):
    cfg = os.path.join(model, "config.json")
    with open(cfg) as f:
        return json.load(f)["vocab_size"]


def quant_ppl(args, model):
    got = run([args.quant_run, "ppl", model, "--text", args.text, "--ctx",
               str(args.ref_json["ctx"]), "--threads", args.threads, "--json"])
    return got["ppl"]


def quant_logits(args, model, ids, top):
    got = run([args.quant_run, "logits", model, "--threads", args.threads,
               "--ids", ",".join(map(str, ids)), "--top", str(top)])
    return [dict(zip(i, l)) for i, l in zip(got["top_ids"], got["top_logits"])]


def check_logits(args, model, ref_ids, ref_logits, tol):
    ids = args.ref_json["first64_token_ids"]
    got = quant_logits(args, model, ids, args.top or vocab_size(args.vocab_from or model))
    ok = True
    worst = 0.0
    ties = 0
    for pos, (rid, rlog, g) in enumerate(zip(ref_ids, ref_logits, got)):
        for i, l in zip(rid, rlog):
            d = abs(g[i] - l)
            worst = max(worst, d)
            if d > tol:
                print(f"position {pos}: id {i} logit {g[i]:.6f}, reference {l:.6f}")
                ok = False
        top1 = max(g, key=g.get)
        if top1 != rid[0]:
            if rlog[0] - rlog[1] < 2 * tol:
                ties += 1
            else:
                print(f"position {pos}: top-1 id {top1}, reference {rid[0]} "
                      f"(reference gap {rlog[0] - rlog[1]:.2e})")
                ok = False
    print(f"logits: {len(ids)} positions, top-1 ids "
          f"{'equal' if ok and not ties else ('equal up to %d near-ties' % ties if ok else 'DIFFER')}"
          f", max |diff| at the reference top-5 {worst:.2e} (bound {tol:g})")
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("quant_run")
    ap.add_argument("ref")
    ap.add_argument("what", choices=["summary", "files", "ppl", "logits", "greedy"])
    ap.add_argument("model", nargs="?")
    ap.add_argument("--text")
    ap.add_argument("--rel-tol", type=float, default=1e-3)
    ap.add_argument("--tol", type=float, default=1e-3)
    ap.add_argument("--top", type=int, default=0, help="quant-run logits --top (default: vocab)")
    ap.add_argument("--vocab-from", help="a directory whose config.json gives the vocabulary")
    ap.add_argument("--key", default="greedy_fp32", choices=["greedy_fp32", "generate"])
    ap.add_argument("--min-match", type=int, default=32)
    ap.add_argument("--tie-gap", type=float, default=1e-2)
    ap.add_argument("--threads", default="2")
    args = ap.parse_args()
    with open(args.ref) as f:
        ref = json.load(f)
    args.ref_json = ref
    ok = True

    if args.what == "summary":
        load = ref["load"]
        env = ref["environment"]
        print(f"{ref['name']}: transformers {env['versions']['transformers']}, "
              f"torch {env['versions']['torch']}, {env['device']}")
        print(f"quant_method: {load['quant_method']}; dtype {load['dtype']}")
        mc = load["model_config"]
        print(f"model: {mc['model_type']}, {mc['num_hidden_layers']} layers, "
              f"tie_word_embeddings {mc['tie_word_embeddings']}")
        for cls, n in sorted(load["module_classes"].items()):
            print(f"module class: {cls} x{n}")
        info = load["loading_info"]
        for k in sorted(info):
            print(f"loading_info {k}: {info[k]}")
        fp8 = ref.get("fp8")
        if fp8:
            f = fp8["fp8linear_load"]
            print(f"fp8 load: quant_method {f['quant_method']}, "
                  + ", ".join(f"{c} x{n}" for c, n in sorted(f["module_classes"].items()))
                  + "; " + ", ".join(f"{d} x{n}" for d, n in sorted(f["param_dtypes"].items())))
            print(f"fp8 load problems: {len(fp8['fp8linear_load_problems'])}")
            print(f"fp8 forward: {fp8['fp8linear_forward_error'].split(':')[0]}: "
                  f"{fp8['fp8linear_forward_error'].split(':')[1].strip()}")
            print(f"fp8 computed with: {fp8['computed_with']}")
            ok = not fp8["fp8linear_load_problems"]
        print(f"load problems: {len(ref['load_problems'])}")
        for p in ref["load_problems"]:
            print(f"  {p}")
        ok = ok and not ref["load_problems"]
        sup = ref["generation_config"].get("suppress_tokens") or []
        if sup:
            print(f"suppress_tokens: {sup}")
        for p, g in ref["generate"].items():
            raw = ref["greedy_fp32"][p]["greedy_ids"]
            if g["suppressed_generated"]:
                ok = False
            same = g["ids"] == raw
            print(f"{p!r}: generate() {'equals' if same else 'differs from'} raw greedy"
                  f"{'' if same else ' at step %d' % next(k for k, (a, b) in enumerate(zip(g['ids'], raw)) if a != b)}"
                  f"; suppressed ids generated: {g['suppressed_generated'] or 'none'}"
                  f"; raw greedy has suppressed ids: {sorted(set(raw) & set(sup)) or 'none'}")

    elif args.what == "files":
        want = ref["files_sha256"]
        have = sorted(f for f in os.listdir(args.model)
                      if os.path.isfile(os.path.join(args.model, f)))
        if have != sorted(want):
            print(f"files {have}, reference {sorted(want)}")
            ok = False
        for f in sorted(want):
            p = os.path.join(args.model, f)
            if os.path.exists(p) and sha256(p) != want[f]:
                print(f"{f}: sha256 differs from the exported directory transformers ran")
                ok = False
        print(f"files: {len(want)} files, {'same bytes' if ok else 'DIFFER'}")

    elif args.what == "ppl":
        got = quant_ppl(args, args.model)
        want = ref["eval_ppl"]
        rel = abs(got - want) / want
        print(f"ppl: {got:.6f}, reference {want:.6f}, relative {rel:.2e} (bound {args.rel_tol:g})")
        ok = rel <= args.rel_tol

    elif args.what == "logits":
        ok = check_logits(args, args.model, ref["first64_top5_ids"], ref["first64_top5_logits"],
                          args.tol)

    elif args.what == "greedy":
        key = args.key
        idkey = "greedy_ids" if key == "greedy_fp32" else "ids"
        for prompt, r in ref[key].items():
            want = r[idkey]
            got = run([args.quant_run, "generate", args.model, "--prompt", prompt,
                       "-n", str(len(want)), "--threads", args.threads, "--json"])
            if got["prompt_ids"] != r["prompt_ids"]:
                print(f"{prompt!r}: prompt ids {got['prompt_ids']}, reference {r['prompt_ids']}")
                ok = False
            match = 0
            for a, b in zip(got["ids"], want):
                if a != b:
                    break
                match += 1
            need = min(args.min_match, len(want))
            tie = next((k for k, g in enumerate(r["top2_gap"])
                        if g is not None and g < args.tie_gap), None)
            if tie is not None and tie < need:
                need = tie
                print(f"{prompt!r}: near-tie at step {tie} (gap {r['top2_gap'][tie]:.2e})")
            print(f"{prompt!r}: {match} of {len(want)} {key} tokens equal (need {need})")
            ok = ok and match >= need

    print("ok" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
