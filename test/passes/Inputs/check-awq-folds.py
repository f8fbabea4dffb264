#!/usr/bin/env python3
"""Checks --llmq-awq's IR against its JSON report (stdlib only):

    check-awq-folds.py OUT.mlir AWQ.json PARAMS

A group whose search found scales (alpha >= 0) must have every linear, and
the norm before it (or v / up, whose rows absorb the scales of o / down),
pointing at the parameter file PARAMS as f32, its format kept; a group
left alone (alpha -1 or skipped) keeps the source of every linear that no
scaled group changes. Prints one line per group and a summary."""
import json, re, sys

ir, report, params = open(sys.argv[1]).read(), json.load(open(sys.argv[2])), sys.argv[3]
weights = {m.group(1): m.group(0) for m in re.finditer(
    r'llmq\.weight @([\w.]+) : tensor<[^>]*> \{.*', ir)}
absorber = {"attn_qkv": "attn_norm", "attn_output": "attn_v",
            "ffn_gate_up": "ffn_norm", "ffn_down": "ffn_up"}


def folded(name):
    line = weights[name]
    return f'file = "{params}"' in line or re.search(
        r'file = "[^"]*/' + re.escape(params) + '"', line) is not None


ROLES = {"attn_qkv": ["attn_q", "attn_k", "attn_v"], "attn_output": ["attn_output"],
         "ffn_gate_up": ["ffn_gate", "ffn_up"], "ffn_down": ["ffn_down"]}
groups = []
for g in report["groups"]:
    block, kind = g["block"], g["group"]
    linears = [f"blk.{block}.{r}" for r in ROLES[kind]]
    groups.append((block, kind, linears, f"blk.{block}.{absorber[kind]}",
                   "skipped" not in g and g["alpha"] >= 0))
# What a scaled group changes: its linears and what absorbs its scales.
must = {n for _, _, linears, prev, searched in groups if searched
        for n in linears + [prev]}
ok, scaled, alone = True, 0, 0
for block, kind, linears, prev, searched in groups:
    names = linears + [prev]
    good = all(folded(n) == (n in must) for n in names)
    if searched:
        scaled += 1
        good &= all("xf32>" in weights[n] and "format = " in weights[n] for n in linears)
    else:
        alone += 1
    ok &= good
    print(f"block {block} {kind}: {'scaled' if searched else 'left alone'}",
          "ok" if good else "WRONG")
print(f"groups {len(groups)}, scaled {scaled}, left alone {alone}, consistent: {ok}")
