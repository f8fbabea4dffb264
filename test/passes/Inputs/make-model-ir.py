#!/usr/bin/env python3
"""Prints llmq IR of a tiny llama with N blocks (weights reference a file
that need not exist; passes that only restructure never read it).

    make-model-ir.py N [--sliding]     (--sliding: every 4th block global)
"""
import sys

n = int(sys.argv[1])
sliding = "--sliding" in sys.argv
H, F, V = 16, 48, 64
roles = [("attn_norm", [H]), ("attn_q", [16, H]), ("attn_k", [8, H]),
         ("attn_v", [8, H]), ("attn_output", [H, 16]), ("ffn_norm", [H]),
         ("ffn_gate", [F, H]), ("ffn_up", [F, H]), ("ffn_down", [H, F])]


def weight(name, shape, key):
    dims = "x".join(map(str, shape))
    return (f'  llmq.weight @{name} : tensor<{dims}xbf16> '
            f'{{source = #llmq.source<file = "w.safetensors", key = "{key}", offset = 0>}}')


print(f'llmq.model @m attributes {{arch = "llama", hidden_size = {H} : i64, '
      f'num_layers = {n} : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, '
      f'head_dim = 4 : i64, ffn_size = {F} : i64, vocab_size = {V} : i64, '
      f'context_length = 64 : i64, rope_theta = 1.0e4 : f64, '
      f'norm_eps = 1.0e-5 : f64, tied_embeddings = false}} {{')
print(weight("token_embd", [V, H], "embed"))
for i in range(n):
    for role, shape in roles:
        print(weight(f"blk.{i}.{role}", shape, f"layer{i}.{role}"))
print(weight("output_norm", [H], "norm"))
print(weight("output", [V, H], "head"))
print("  llmq.embedding @token_embd")
for i in range(n):
    refs = ", ".join(f"{r} = @blk.{i}.{r}" for r, _ in roles)
    extra = " {sliding_window = 8 : i64}" if sliding and (i + 1) % 4 else ""
    print(f"  llmq.block {i} weights {{{refs}}}{extra}")
print("  llmq.final_norm @output_norm")
print("  llmq.lm_head @output")
print("}")
