// --llmq-assign-bits refuses, in one line naming the option and its value,
// budgets that are not finite positive numbers (NaN compared unequal to 0
// and became a budget of floor(NaN) bytes), a preset it does not know (the
// pipeline parser's error, which names the option and the value), a
// negative sensitivity-tokens, a probe window longer than the model's
// context, and calibration text it cannot use: empty text, or a model
// without a tokenizer to read it with (one error per chunk, at its model);
// error= other than rtn or gptq, and error=gptq without text or with
// gptq-* options out of range. Exit 1, nothing written.
//
// RUN: rm -rf %t && mkdir -p %t && %python %S/Inputs/make-tiny-weights.py %t/tiny.safetensors
// RUN: cp %models/kjv-tiny/tokenizer.json %t/tokenizer.json && : > %t/empty.txt
// RUN: not quant-opt %s --llmq-assign-bits="target-bpw=nan" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=BPWNAN --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-assign-bits="target-bpw=inf" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=BPWINF --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-assign-bits="target-bpw=-1" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=BPWNEG --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-assign-bits="target-bytes=-1" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=BYTESNEG --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-assign-bits="preset=q4_k_x" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=PRESET --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-assign-bits="preset=" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=NOPRESET --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-assign-bits="preset=none" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=NONE --match-full-lines --implicit-check-not="{{.}}"
// RUN: cd %t && not quant-opt %s --llmq-assign-bits="target-bytes=100000 sensitivity-tokens=-1 text=empty.txt" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=TOKENS --match-full-lines --implicit-check-not="{{.}}"
// RUN: cd %t && not quant-opt %s -split-input-file --llmq-assign-bits="target-bytes=100000 text=empty.txt ctx=32" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=TEXT --match-full-lines --implicit-check-not="{{.}}"
// RUN: cd %t && not quant-opt %s -split-input-file --llmq-assign-bits="target-bytes=100000 text=empty.txt" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=CTX --match-full-lines --implicit-check-not="{{.}}"
// RUN: cd %t && not quant-opt %s --llmq-assign-bits="target-bytes=100000 error=obs text=empty.txt" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=ERRMETHOD --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-assign-bits="target-bytes=100000 error=gptq" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=GPTQTEXT --match-full-lines --implicit-check-not="{{.}}"
// RUN: cd %t && not quant-opt %s --llmq-assign-bits="target-bytes=100000 error=gptq text=empty.txt gptq-tokens=0" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=GPTQTOKENS --match-full-lines --implicit-check-not="{{.}}"
// RUN: cd %t && not quant-opt %s --llmq-assign-bits="target-bytes=100000 error=gptq text=empty.txt gptq-damp=2" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=GPTQDAMP --match-full-lines --implicit-check-not="{{.}}"
// RUN: cd %t && not quant-opt %s --llmq-assign-bits="target-bytes=100000 error=gptq text=empty.txt gptq-scale-search=65" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=GPTQSEARCH --match-full-lines --implicit-check-not="{{.}}"
// RUN: cd %t && not quant-opt %s --llmq-assign-bits="target-bytes=100000 error=gptq text=empty.txt gptq-hessian-mib=0" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=GPTQMIB --match-full-lines --implicit-check-not="{{.}}"
// RUN: cd %t && not quant-opt %s --llmq-assign-bits="target-bytes=100000 error=gptq text=empty.txt gptq-refine=65" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=GPTQREFINE --match-full-lines --implicit-check-not="{{.}}"
// RUN: not test -e %t/out.mlir

// BPWNAN: {{.*}}assign-bits-invalid-options.mlir:{{[0-9]+}}:{{[0-9]+}}: error: llmq-assign-bits: target-bpw=nan is outside (0, 32]
// BPWINF: {{.*}}assign-bits-invalid-options.mlir:{{[0-9]+}}:{{[0-9]+}}: error: llmq-assign-bits: target-bpw=inf is outside (0, 32]
// BPWNEG: {{.*}}assign-bits-invalid-options.mlir:{{[0-9]+}}:{{[0-9]+}}: error: llmq-assign-bits: target-bpw=-1 is outside (0, 32]
// BYTESNEG: {{.*}}assign-bits-invalid-options.mlir:{{[0-9]+}}:{{[0-9]+}}: error: llmq-assign-bits: target-bytes=-1 must be > 0
// PRESET: quant-opt: for the --preset option: Cannot find option named 'q4_k_x'!
// NOPRESET: quant-opt: for the --preset option: Cannot find option named ''!
// NONE: {{.*}}assign-bits-invalid-options.mlir:{{[0-9]+}}:{{[0-9]+}}: error: llmq-assign-bits: give exactly one of preset, type, target-bpw and target-bytes
// TOKENS: {{.*}}assign-bits-invalid-options.mlir:[[# @LINE + 13]]:1: error: llmq-assign-bits: sensitivity-tokens=-1 is negative
// ERRMETHOD: {{.*}}assign-bits-invalid-options.mlir:[[# @LINE + 12]]:1: error: llmq-assign-bits: error='obs' is not rtn, gptq or gptq-factor
// GPTQTEXT: {{.*}}assign-bits-invalid-options.mlir:[[# @LINE + 11]]:1: error: llmq-assign-bits: error=gptq needs text=FILE (calibration text)
// GPTQTOKENS: {{.*}}assign-bits-invalid-options.mlir:[[# @LINE + 10]]:1: error: llmq-assign-bits: gptq-tokens=0 must be >= 1
// GPTQDAMP: {{.*}}assign-bits-invalid-options.mlir:[[# @LINE + 9]]:1: error: llmq-assign-bits: gptq-damp=2 is outside [0, 1]
// GPTQSEARCH: {{.*}}assign-bits-invalid-options.mlir:[[# @LINE + 8]]:1: error: llmq-assign-bits: gptq-scale-search=65 is outside [0, 64]
// GPTQMIB: {{.*}}assign-bits-invalid-options.mlir:[[# @LINE + 7]]:1: error: llmq-assign-bits: gptq-hessian-mib=0 must be >= 1
// GPTQREFINE: {{.*}}assign-bits-invalid-options.mlir:[[# @LINE + 6]]:1: error: llmq-assign-bits: gptq-refine=65 is outside [0, 64]

// A model with a tokenizer: the empty text is named.
// TEXT: {{.*}}assign-bits-invalid-options.mlir:[[# @LINE + 3]]:1: error: llmq-assign-bits: {{.*}}empty.txt: the text has no tokens (it is empty or only blank lines)
// CTX: {{.*}}assign-bits-invalid-options.mlir:[[# @LINE + 2]]:1: error: llmq-assign-bits: ctx=256 is outside [1, 64]

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

// No tokenizer to read the text with.
// TEXT: {{.*}}assign-bits-invalid-options.mlir:[[# @LINE + 3]]:1: error: llmq-assign-bits: model 'untokenized' has no tokenizer to read the calibration text with
// CTX: {{.*}}assign-bits-invalid-options.mlir:[[# @LINE + 2]]:1: error: llmq-assign-bits: ctx=256 is outside [1, 64]

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
