#!/usr/bin/env python3
"""transformers references for llmq's Hugging Face exports (run on a GPU machine).

    hf-reference.py --eval kjv-eval.txt --out OUTDIR [--prompts REF.json]... DIR...
    torchrun --nproc-per-node 2 hf-reference.py --tp --eval ... --out OUTDIR DIR...

Not run in CI: it needs torch, transformers (5.17 here), a GPU and, for
compressed-tensors checkpoints, the compressed_tensors package. For every
exported directory DIR it writes OUTDIR/<basename>.gpu-ref.json (with --tp:
<basename>.tp<N>.json), which test/backends/HF/transformers-gpu-refs.test
compares quant-run against on the CPU.

Loading. AutoModelForCausalLM.from_pretrained(DIR, dtype=float32,
attn_implementation="eager") with TF32 off: a bf16 checkpoint is computed in
fp32; an FP8 block checkpoint goes through transformers' fine-grained FP8
quantizer (FP8Linear modules holding the e4m3 weights and their scales); a
compressed-tensors checkpoint through the compressed-tensors quantizer; the
script never dequantizes anything itself. transformers 5.17's FP8Linear.forward
has no matmul of its own: it fetches the Triton kernel
kernels-community/finegrained-fp8 from the Hugging Face Hub through the
`kernels` package. Where that fails (the GPU machine has neither the package
nor a network), the FP8Linear load is recorded (the `fp8` key: its module
classes, loading report and the forward's error) and the checkpoint is loaded
again through the same quantizer with FineGrainedFP8Config(dequantize=True),
which dequantizes the e4m3 weights with their weight_scale_inv itself. The
loading report (output_loading_info: missing, unexpected, mismatched keys,
error messages) and every warning transformers logs while loading are
recorded; any missing/unexpected/mismatched key, or a warning that names
one, is an error (exit 1). The module classes found (FP8Linear,
CompressedLinear, Linear) and the weight dtypes are recorded, so a reader can
see which path ran.

What is computed (the same definitions as test/models/*.ref.json and quant-run):
- eval perplexity: the stream t is bos + tokens(line + "\\n") for each non-empty
  line of --eval (tokenizer.json through the `tokenizers` library, no special
  tokens added), concatenated; for i = 0, C, 2C, ... while i + C + 1 < len(t)
  (C = --ctx, 256), the window t[i, i+C) runs from an empty cache and is scored
  on t[i+1, i+C+1); ppl = exp(nll_sum / scored) (quant-run ppl's windows:
  docs/runtime.md). nll in float64 from the float32 logits.
- top-5 ids and logits at the first 64 positions of the first window.
- greedy_fp32: for each reference prompt, bos + tokens(prompt), 32 greedy steps by
  full recompute of the raw logits (no logits processors), with top2_gap
  (top-1 minus top-2 logit) at each step.
- generate: model.generate(do_sample=False, max_new_tokens=32) with the
  checkpoint's generation_config (suppress_tokens, sequence_bias,
  repetition_penalty... are honoured by transformers' logits processors), the
  processed scores' top-2 gap per step, and a check that no suppressed id was
  generated.
- --tp: the model is loaded with tp_plan="auto" on every rank (torchrun) and
  only the greedy continuations are computed (both kinds); rank 0 writes them
  and, when OUTDIR/<basename>.gpu-ref.json exists (the 1-GPU run), compares:
  equal up to the first step where the 1-GPU top-2 gap is below --tie-gap.

NVLink multicast stays off (NCCL_NVLS_ENABLE=0, TORCH_SYMM_MEM_DISABLE_MULTICAST=1,
NVSHMEM_DISABLE_NVLS=1 are set here before torch is imported, unless already set).
"""
import argparse
import contextlib
import datetime
import hashlib
import io
import json
import logging
import math
import os
import sys
import time
import warnings

for _k, _v in (("NCCL_NVLS_ENABLE", "0"), ("TORCH_SYMM_MEM_DISABLE_MULTICAST", "1"),
               ("NVSHMEM_DISABLE_NVLS", "1")):
    os.environ[_k] = _v  # never multicast, whatever the caller's environment says

DEFAULT_PROMPTS = ["And God said", "In the beginning", "The LORD is my shepherd"]
GREEDY_STEPS = 32
LOAD_WORDS = ("missing", "unexpected", "not used", "newly initialized",
              "not initialized", "mismatch")


def log(*a):
    print(*a, flush=True)


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return [l.rstrip("\r") for l in f.read().split("\n") if l.strip()]


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def versions():
    import torch
    import transformers
    v = {"python": sys.version.split()[0], "torch": torch.__version__,
         "transformers": transformers.__version__}
    for name in ("compressed_tensors", "triton", "tokenizers", "safetensors", "pydantic",
                 "accelerate"):
        try:
            import importlib.metadata
            __import__(name)
            v[name] = importlib.metadata.version(name)
        except Exception as e:  # recorded, not fatal: only some checkpoints need them
            v[name] = "unavailable: %s" % type(e).__name__
    return v


class Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.records = []

    def emit(self, record):
        self.records.append("%s %s: %s" % (record.levelname, record.name, record.getMessage()))


def load(model_dir, tp, device, quantization_config=None):
    """from_pretrained with the loading report and every message captured."""
    import torch
    import transformers
    from transformers import AutoModelForCausalLM
    cap = Capture()
    tlog = logging.getLogger("transformers")
    tlog.addHandler(cap)
    transformers.logging.set_verbosity_info()
    out, err = io.StringIO(), io.StringIO()
    kwargs = dict(dtype=torch.float32, attn_implementation="eager", output_loading_info=True)
    if tp:
        kwargs["tp_plan"] = "auto"
    else:
        kwargs["device_map"] = str(device)
    if quantization_config is not None:
        kwargs["quantization_config"] = quantization_config
    t0 = time.time()
    with warnings.catch_warnings(record=True) as wrec, contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(err):
        warnings.simplefilter("always")
        res = AutoModelForCausalLM.from_pretrained(model_dir, **kwargs)
    load_s = time.time() - t0
    tlog.removeHandler(cap)
    transformers.logging.set_verbosity_warning()
    model, info = res if isinstance(res, tuple) else (res, {})
    if tp and next(model.parameters()).device.type == "cpu":
        model.to(device)  # world size 1: tp_plan shards nothing and leaves the model on the CPU
    model.eval()
    messages = cap.records + ["python warning: %s" % w.message for w in wrec]
    printed = (out.getvalue() + err.getvalue()).strip()
    if printed:
        messages += ["printed: " + l for l in printed.splitlines()]
    def listed(v):
        if isinstance(v, dict):
            return sorted("%s: %s" % kv for kv in v.items())
        if isinstance(v, (list, set, tuple)):
            return sorted(map(str, v))
        return [str(v)] if v else []
    info = {k: listed(v) for k, v in (info or {}).items()}
    problems = ["%s: %s" % (k, v) for k, v in info.items() if v]
    # Only WARNING/ERROR records and printed text can be a complaint; INFO lines
    # such as "All the weights ... were initialized" are kept but not judged.
    for m in messages:
        if m.startswith("INFO ") or m.startswith("DEBUG "):
            continue
        if any(w in m.lower() for w in LOAD_WORDS) and ("key" in m.lower() or "weight" in m.lower()):
            problems.append(m)
    classes = {}
    for name, mod in model.named_modules():
        if hasattr(mod, "weight") or "Linear" in type(mod).__name__:
            cls = type(mod).__module__.split(".")[0] + "." + type(mod).__name__
            classes[cls] = classes.get(cls, 0) + 1
    dtypes = {}
    for name, p in list(model.named_parameters()) + list(model.named_buffers()):
        dtypes[str(p.dtype)] = dtypes.get(str(p.dtype), 0) + 1
    qc = getattr(model.config, "quantization_config", None)
    if qc is not None and not isinstance(qc, dict):
        qc = qc.to_dict() if hasattr(qc, "to_dict") else str(qc)
    desc = {"dtype": str(model.dtype), "load_seconds": round(load_s, 2),
            "loading_info": info, "messages": messages, "module_classes": classes,
            "param_dtypes": dtypes,
            "model_config": {k: getattr(model.config, k, None) for k in (
                "model_type", "num_hidden_layers", "tie_word_embeddings", "vocab_size",
                "layer_types")},
            "quant_method": (qc or {}).get("quant_method") if isinstance(qc, dict) else None}
    return model, desc, problems


def encode_stream(tok, lines, bos_id):
    encs = tok.encode_batch([l + "\n" for l in lines], add_special_tokens=False)
    t = []
    for e in encs:
        t.append(bos_id)
        t.extend(e.ids)
    return t


def greedy_raw(model, ids, device):
    import torch
    seq = list(ids)
    gen, gaps = [], []
    with torch.no_grad():
        for _ in range(GREEDY_STEPS):
            lg = model(input_ids=torch.tensor([seq], device=device), use_cache=False).logits[0, -1]
            v, ix = lg.float().topk(2)
            gen.append(int(ix[0]))
            gaps.append(round(float(v[0] - v[1]), 6))
            seq.append(int(ix[0]))
    return gen, gaps


def greedy_generate(model, ids, device, pad_id):
    import torch
    x = torch.tensor([ids], device=device)
    with torch.no_grad():
        out = model.generate(x, attention_mask=torch.ones_like(x), do_sample=False,
                             max_new_tokens=GREEDY_STEPS, pad_token_id=pad_id,
                             output_scores=True, return_dict_in_generate=True)
    gen = out.sequences[0, len(ids):].tolist()
    gaps = []
    for s in out.scores:
        v, _ = s[0].float().topk(2)
        gaps.append(round(float(v[0] - v[1]), 6) if math.isfinite(float(v[1])) else None)
    return gen, gaps


def evaluate(model, tok, bos, args, device):
    """Eval perplexity over quant-run's windows and the first window's top-5."""
    import torch
    t = encode_stream(tok, read_lines(args.eval), bos)
    starts = []
    i = 0
    while i + args.ctx + 1 < len(t):
        starts.append(i)
        i += args.ctx
    tt = torch.tensor(t, dtype=torch.long, device=device)
    offs = torch.arange(args.ctx, device=device)
    nll_sum, scored, first = 0.0, 0, None
    t0 = time.time()
    with torch.no_grad():
        for b in range(0, len(starts), args.batch):
            st = torch.tensor(starts[b:b + args.batch], device=device)
            x = tt[st[:, None] + offs]
            y = tt[st[:, None] + offs + 1]
            logits = model(input_ids=x, use_cache=False).logits.float()
            if first is None:
                first = logits[0, :64].clone()
            lp = torch.log_softmax(logits.double(), dim=-1)
            nll_sum += float(-lp.gather(-1, y[..., None]).sum())
            scored += y.numel()
    top5 = first.topk(5, dim=-1)
    ppl = math.exp(nll_sum / scored)
    return {
        "eval_text": "non-empty lines of %s, each bos + tokens(line + newline)" %
                     os.path.basename(args.eval),
        "ctx": args.ctx, "windows": len(starts), "eval_ppl": ppl,
        "eval_nll_sum": nll_sum, "eval_scored_tokens": scored,
        "eval_seconds": round(time.time() - t0, 2),
        "first64_token_ids": t[:64],
        "first64_top5_ids": top5.indices.tolist(),
        "first64_top5_logits": [[round(float(v), 6) for v in row] for row in top5.values],
    }


def fp8_dequantize_config(model_dir):
    from transformers import FineGrainedFP8Config
    with open(os.path.join(model_dir, "config.json")) as f:
        q = json.load(f)["quantization_config"]
    return FineGrainedFP8Config(weight_block_size=q["weight_block_size"],
                                modules_to_not_convert=q.get("modules_to_not_convert"),
                                dequantize=True)


def variants(model_dir, quant_method, tok, bos, args, device, main):
    """Diagnostics, not the reference: the same checkpoint dequantized by
    transformers' own code (FineGrainedFP8Config(dequantize=True): bf16->f32
    Linear weights, no activation quantization; compressed-tensors with
    run_compressed=False: weights decompressed once into nn.Linear). They
    separate the layout (which must match quant-run's simulation closely) from
    the W8A8 arithmetic of FP8Linear."""
    import torch
    out = {}
    try:
        if quant_method == "fp8":
            qc = fp8_dequantize_config(model_dir)
            name = "fp8_dequantize_true"
        elif quant_method == "compressed-tensors":
            from transformers import CompressedTensorsConfig
            qc = CompressedTensorsConfig(run_compressed=False)
            name = "compressed_tensors_run_compressed_false"
        else:
            return out
        model, desc, problems = load(model_dir, False, device, qc)
        ev = evaluate(model, tok, bos, args, device)
        worst = max(abs(a - b) for ra, rb in zip(ev["first64_top5_logits"],
                                                 main["first64_top5_logits"])
                    for a, b in zip(ra, rb))
        out[name] = {"eval_ppl": ev["eval_ppl"], "eval_nll_sum": ev["eval_nll_sum"],
                     "first64_top5_ids": ev["first64_top5_ids"],
                     "first64_top5_logits": ev["first64_top5_logits"],
                     "module_classes": desc["module_classes"],
                     "param_dtypes": desc["param_dtypes"], "load_problems": problems,
                     "max_top5_logit_diff_vs_main": worst}
        log("  variant %s: ppl %.6f (main %.6f), classes %s, top-5 logits vs main %.2e" % (
            name, ev["eval_ppl"], main["eval_ppl"], desc["module_classes"], worst))
        del model
        torch.cuda.empty_cache()
    except Exception as e:  # a diagnostic: recorded, never fatal
        out["error"] = "%s: %s" % (type(e).__name__, e)
        log("  variant failed: %s" % out["error"])
    return out


def prompts_from(paths):
    seen = []
    for p in paths:
        with open(p) as f:
            for k in json.load(f).get("greedy_fp32", {}):
                if k not in seen:
                    seen.append(k)
    return seen or list(DEFAULT_PROMPTS)


def reference(model_dir, args, device):
    import torch
    from tokenizers import Tokenizer
    from transformers import AutoTokenizer
    name = os.path.basename(os.path.normpath(model_dir))
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    with open(os.path.join(model_dir, "generation_config.json")) as f:
        gen_cfg = json.load(f)
    bos = cfg.get("bos_token_id", gen_cfg.get("bos_token_id"))
    tok = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
    try:
        auto_tok = AutoTokenizer.from_pretrained(model_dir)
    except Exception as e:
        auto_tok = None
        auto_tok_error = "%s: %s" % (type(e).__name__, e)
    files = {f: sha256(os.path.join(model_dir, f)) for f in sorted(os.listdir(model_dir))
             if os.path.isfile(os.path.join(model_dir, f))}
    model, desc, problems = load(model_dir, args.tp, device)
    fp8_note = None
    if desc["quant_method"] == "fp8":
        # transformers 5.17's FP8Linear has no matmul of its own: its forward loads
        # the Triton kernel kernels-community/finegrained-fp8 from the Hugging Face
        # Hub through the `kernels` package. Without it (no network on the GPU
        # machine), the checkpoint is loaded again through the same quantizer with
        # FineGrainedFP8Config(dequantize=True): transformers itself turns each
        # e4m3 weight and its weight_scale_inv into a float weight.
        try:
            with torch.no_grad():
                model(input_ids=torch.tensor([[bos]], device=device), use_cache=False)
        except ImportError as e:
            fp8_note = {"fp8linear_load": desc, "fp8linear_load_problems": list(problems),
                        "fp8linear_forward_error": "%s: %s" % (type(e).__name__, e),
                        "computed_with": "FineGrainedFP8Config(dequantize=True)"}
            log("%s: FP8Linear loaded (%s) but cannot run: %s; loading again with "
                "dequantize=True" % (name, desc["module_classes"], e))
            del model
            torch.cuda.empty_cache()
            model, desc, problems2 = load(model_dir, args.tp, device, fp8_dequantize_config(model_dir))
            problems = problems + problems2
    log("%s: loaded in %.1f s, dtype %s, quant %s, classes %s" % (
        name, desc["load_seconds"], desc["dtype"], desc["quant_method"], desc["module_classes"]))
    for m in desc["messages"]:
        log("  load: " + m[:300])
    if problems:
        for p in problems:
            log("ERROR %s: %s" % (name, p))
    ref = {"name": name, "source": "scripts/hf-reference.py", "files_sha256": files,
           "load": desc, "load_problems": problems, "generation_config": gen_cfg,
           "fp8": fp8_note,
           "prompts_tokenized_equal": True}
    prompts = prompts_from(args.prompts)
    pids = {}
    for p in prompts:
        ids = [bos] + tok.encode(p, add_special_tokens=False).ids
        alt = [bos] + auto_tok(p, add_special_tokens=False)["input_ids"] if auto_tok else None
        if auto_tok is None:
            problems.append("AutoTokenizer.from_pretrained failed: " + auto_tok_error)
        elif alt != ids:
            log("ERROR %s: AutoTokenizer gives %s for %r, tokenizers %s" % (name, alt, p, ids))
            ref["prompts_tokenized_equal"] = False
            problems.append("AutoTokenizer differs for %r" % p)
        pids[p] = ids

    pad = gen_cfg.get("pad_token_id", bos)
    suppressed = set(gen_cfg.get("suppress_tokens") or [])
    t0 = time.time()
    greedy, generate = {}, {}
    for p, ids in pids.items():
        g, gaps = greedy_raw(model, ids, device)
        greedy[p] = {"prompt_ids": ids, "greedy_ids": g, "greedy_text": tok.decode(g),
                     "top2_gap": gaps}
        g2, gaps2 = greedy_generate(model, ids, device, pad)
        bad = sorted(set(g2) & suppressed)
        generate[p] = {"prompt_ids": ids, "ids": g2, "text": tok.decode(g2), "top2_gap": gaps2,
                       "suppressed_generated": bad, "equal_to_raw": g2 == g}
        if bad:
            problems.append("generate() produced suppressed ids %s for %r" % (bad, p))
        log("  %r raw      %s" % (p, tok.decode(g)))
        log("  %r generate %s%s" % (p, tok.decode(g2), "" if g2 == g else "   (differs from raw)"))
    ref["greedy_fp32"] = greedy
    ref["generate"] = generate
    ref["greedy_seconds"] = round(time.time() - t0, 2)
    if args.tp:
        return ref, problems

    ev = evaluate(model, tok, bos, args, device)
    ref.update(ev)
    log("  ppl %.6f over %d windows (%d tokens) in %.1f s" % (
        ev["eval_ppl"], ev["windows"], ev["eval_scored_tokens"], ev["eval_seconds"]))
    del model
    torch.cuda.empty_cache()
    if fp8_note is None:
        ref["variants"] = variants(model_dir, desc["quant_method"], tok, bos, args, device, ev)
    return ref, problems


def compare_tp(ref, one_gpu_path, tie_gap):
    with open(one_gpu_path) as f:
        one = json.load(f)
    out = {}
    ok = True
    for kind, idkey in (("greedy_fp32", "greedy_ids"), ("generate", "ids")):
        for p, r in one.get(kind, {}).items():
            got = ref[kind][p][idkey]
            want = r[idkey]
            match = 0
            for a, b in zip(got, want):
                if a != b:
                    break
                match += 1
            gaps = r["top2_gap"]
            tie = next((k for k, g in enumerate(gaps) if g is not None and g < tie_gap), None)
            need = min(len(want), tie if tie is not None else len(want))
            good = match >= need
            ok = ok and good
            out["%s %s" % (kind, p)] = {"equal": match, "need": need, "ok": good}
            log("  tp vs 1 GPU, %s %r: %d equal (need %d)%s" % (
                kind, p, match, need, "" if good else "  FAILED"))
    return ok, out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dirs", nargs="+", help="exported checkpoint directories")
    ap.add_argument("--eval", required=True, help="eval text (shared/data/kjv-eval.txt)")
    ap.add_argument("--out", required=True, help="directory for the JSON files")
    ap.add_argument("--prompts", action="append", default=[],
                    help="a reference JSON whose greedy_fp32 prompts are used (repeatable)")
    ap.add_argument("--ctx", type=int, default=256)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--tp", action="store_true", help="tensor parallel (under torchrun)")
    ap.add_argument("--tie-gap", type=float, default=1e-2)
    args = ap.parse_args()

    import torch
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    rank, world = 0, 1
    if args.tp:
        rank = int(os.environ.get("RANK", "0"))
        world = int(os.environ.get("WORLD_SIZE", "1"))
        local = int(os.environ.get("LOCAL_RANK", "0"))
        torch.cuda.set_device(local)
        device = torch.device("cuda", local)
    else:
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    os.makedirs(args.out, exist_ok=True)
    env = {"versions": versions(), "device": torch.cuda.get_device_name(device)
           if device.type == "cuda" else "cpu", "world_size": world,
           "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
    if rank == 0:
        log("environment: %s" % json.dumps(env))
    failed = []
    for d in args.dirs:
        name = os.path.basename(os.path.normpath(d))
        try:
            ref, problems = reference(d, args, device)
        except Exception as e:
            import traceback
            traceback.print_exc()
            failed.append("%s: %s: %s" % (name, type(e).__name__, e))
            continue
        ref["environment"] = env
        if args.tp:
            one = os.path.join(args.out, name + ".gpu-ref.json")
            if os.path.exists(one):
                ok, cmp = compare_tp(ref, one, args.tie_gap)
                ref["tp_vs_one_gpu"] = cmp
                if not ok:
                    problems.append("tensor-parallel greedy differs from 1 GPU")
        if problems:
            failed.append("%s: %s" % (name, "; ".join(problems)))
        if rank == 0:
            path = os.path.join(args.out, name + (".tp%d.json" % world if args.tp
                                                  else ".gpu-ref.json"))
            with open(path, "w") as f:
                json.dump(ref, f, indent=1, sort_keys=True)
                f.write("\n")
            log("wrote %s" % path)
    if args.tp and torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()
    if failed:
        for m in failed:
            log("FAILED " + m)
        sys.exit(1)
    log("ok: %d directories" % len(args.dirs))


if __name__ == "__main__":
    main()
