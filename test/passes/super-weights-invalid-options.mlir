// --llmq-super-weights refuses, in one line naming the option and its
// value, a mode it does not know (the pipeline parser's error), tokens= and
// top-k= below 1, a window longer than the model's context, an empty prompt,
// calibration text without tokens, and (in a chunk of its own) a model
// without a tokenizer where a mode needs one. Exit 1, nothing written.
//
// RUN: rm -rf %t && mkdir -p %t && %python %S/Inputs/make-tiny-weights.py %t/tiny.safetensors
// RUN: cp %models/kjv-tiny/tokenizer.json %t/tokenizer.json && : > %t/empty.txt
// RUN: not quant-opt %s --llmq-super-weights="mode=bogus" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=MODE --match-full-lines --implicit-check-not="{{.}}"
// RUN: cd %t && not quant-opt %s -split-input-file --llmq-super-weights="text=empty.txt tokens=0 ctx=64" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=TOKENS0 --match-full-lines --implicit-check-not="{{.}}"
// RUN: cd %t && not quant-opt %s -split-input-file --llmq-super-weights="top-k=-1 mode=weight-only" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=TOPK --match-full-lines --implicit-check-not="{{.}}"
// RUN: cd %t && not quant-opt %s -split-input-file --llmq-super-weights="text=empty.txt" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=CTX --match-full-lines --implicit-check-not="{{.}}"
// RUN: cd %t && not quant-opt %s -split-input-file --llmq-super-weights="text=empty.txt ctx=64" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=EMPTY --match-full-lines --implicit-check-not="{{.}}"
// RUN: cd %t && not quant-opt %s -split-input-file --llmq-super-weights="mode=activation prompt=" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=PROMPT --match-full-lines --implicit-check-not="{{.}}"
// RUN: cd %t && not quant-opt %s -split-input-file --llmq-super-weights="mode=activation" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=ACT --match-full-lines --implicit-check-not="{{.}}"
// RUN: not test -e %t/out.mlir

// MODE: quant-opt: for the --mode option: Cannot find option named 'bogus'!

// TOKENS0: {{.*}}super-weights-invalid-options.mlir:[[# @LINE + 7]]:1: error: llmq-super-weights: tokens=0 must be >= 1
// TOPK: {{.*}}super-weights-invalid-options.mlir:[[# @LINE + 6]]:1: error: llmq-super-weights: top-k=-1 must be >= 1
// CTX: {{.*}}super-weights-invalid-options.mlir:[[# @LINE + 5]]:1: error: llmq-super-weights: ctx=256 is outside [1, 64]
// EMPTY: {{.*}}super-weights-invalid-options.mlir:[[# @LINE + 4]]:1: error: llmq-super-weights: {{.*}}empty.txt: the text has no tokens (it is empty or only blank lines)
// PROMPT: {{.*}}super-weights-invalid-options.mlir:[[# @LINE + 3]]:1: error: llmq-super-weights: prompt= is empty
// ACT-NOT: error

llmq.model @m attributes {arch = "llama", hidden_size = 32 : i64, num_layers = 1 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 8 : i64, ffn_size = 64 : i64, vocab_size = 2048 : i64, context_length = 64 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false, tokenizer = #llmq.tokenizer<file = "tokenizer.json", bos = 0, eos = 1, add_bos = true>} {
  llmq.weight @token_embd : tensor<2048x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "token_embd", offset = 2056>}
  llmq.weight @blk.0.attn_norm : tensor<32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.0.attn_norm", offset = 264200>}
  llmq.weight @blk.0.attn_q : tensor<32x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.0.attn_q", offset = 264328>}
  llmq.weight @blk.0.attn_k : tensor<16x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.0.attn_k", offset = 268424>}
  llmq.weight @blk.0.attn_v : tensor<16x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.0.attn_v", offset = 270472>}
  llmq.weight @blk.0.attn_output : tensor<32x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.0.attn_output", offset = 272520>}
  llmq.weight @blk.0.ffn_norm : tensor<32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.0.ffn_norm", offset = 276616>}
  llmq.weight @blk.0.ffn_gate : tensor<64x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.0.ffn_gate", offset = 276744>}
  llmq.weight @blk.0.ffn_up : tensor<64x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.0.ffn_up", offset = 284936>}
  llmq.weight @blk.0.ffn_down : tensor<32x64xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.0.ffn_down", offset = 293128>}
  llmq.weight @output_norm : tensor<32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "output_norm", offset = 338440>}
  llmq.weight @output : tensor<2048x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "output", offset = 338568>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}

// -----

// No tokenizer: weight-only needs none; contribution and activation do.
// TOKENS0: {{.*}}super-weights-invalid-options.mlir:[[# @LINE + 7]]:1: error: llmq-super-weights: tokens=0 must be >= 1
// TOPK: {{.*}}super-weights-invalid-options.mlir:[[# @LINE + 6]]:1: error: llmq-super-weights: top-k=-1 must be >= 1
// CTX: {{.*}}super-weights-invalid-options.mlir:[[# @LINE + 5]]:1: error: llmq-super-weights: ctx=256 is outside [1, 64]
// EMPTY: {{.*}}super-weights-invalid-options.mlir:[[# @LINE + 4]]:1: error: llmq-super-weights: model 'untokenized' has no tokenizer
// PROMPT: {{.*}}super-weights-invalid-options.mlir:[[# @LINE + 3]]:1: error: llmq-super-weights: prompt= is empty
// ACT: {{.*}}super-weights-invalid-options.mlir:[[# @LINE + 2]]:1: error: llmq-super-weights: model 'untokenized' has no tokenizer

llmq.model @untokenized attributes {arch = "llama", hidden_size = 32 : i64, num_layers = 1 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 8 : i64, ffn_size = 64 : i64, vocab_size = 2048 : i64, context_length = 64 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false} {
  llmq.weight @token_embd : tensor<2048x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "token_embd", offset = 2056>}
  llmq.weight @blk.0.attn_norm : tensor<32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.0.attn_norm", offset = 264200>}
  llmq.weight @blk.0.attn_q : tensor<32x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.0.attn_q", offset = 264328>}
  llmq.weight @blk.0.attn_k : tensor<16x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.0.attn_k", offset = 268424>}
  llmq.weight @blk.0.attn_v : tensor<16x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.0.attn_v", offset = 270472>}
  llmq.weight @blk.0.attn_output : tensor<32x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.0.attn_output", offset = 272520>}
  llmq.weight @blk.0.ffn_norm : tensor<32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.0.ffn_norm", offset = 276616>}
  llmq.weight @blk.0.ffn_gate : tensor<64x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.0.ffn_gate", offset = 276744>}
  llmq.weight @blk.0.ffn_up : tensor<64x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.0.ffn_up", offset = 284936>}
  llmq.weight @blk.0.ffn_down : tensor<32x64xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.0.ffn_down", offset = 293128>}
  llmq.weight @output_norm : tensor<32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "output_norm", offset = 338440>}
  llmq.weight @output : tensor<2048x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "output", offset = 338568>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}
