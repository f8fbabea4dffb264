// --llmq-assign-bits refuses, in one line naming the option or the weight,
// each option it cannot honour and each format a weight cannot hold: an
// unknown preset or type (int5, a group of 100), two modes at once, a
// tensor-type that is not REGEX=FORMAT, names no format, or has a regex that
// does not compile or uses an escape whose ECMAScript and POSIX meanings
// differ; a group format whose groups do not split a weight's rows (ffn_down
// here has rows of 324 values: not a multiple of 128, nor of the 8 int4
// codes packed per int32), from a preset, type= or an override, with the
// optimizer too (checked before any weight data is read). Exit 1, nothing
// written; --implicit-check-not says the error is the only line.
// RUN: rm -rf %t && mkdir -p %t
// RUN: not quant-opt %s --llmq-assign-bits="preset=fp9" -o %t/PRESET.mlir 2>&1 | FileCheck %s --check-prefix=PRESET --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-assign-bits="type=int5" -o %t/TYPE.mlir 2>&1 | FileCheck %s --check-prefix=TYPE --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-assign-bits="type=int4_g100" -o %t/GROUP.mlir 2>&1 | FileCheck %s --check-prefix=GROUP --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-assign-bits="preset=fp8 type=q8_0" -o %t/MODES.mlir 2>&1 | FileCheck %s --check-prefix=MODES --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-assign-bits="preset=q8_0 tensor-type=attn_v" -o %t/SPEC.mlir 2>&1 | FileCheck %s --check-prefix=SPEC --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-assign-bits="preset=q8_0 tensor-type=attn_v=q9_K" -o %t/FORMAT.mlir 2>&1 | FileCheck %s --check-prefix=FORMAT --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-assign-bits="preset=q8_0 tensor-type=(attn=q8_0" -o %t/REGEX.mlir 2>&1 | FileCheck %s --check-prefix=REGEX --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-assign-bits="preset=q8_0 tensor-type=attn\b=q8_0" -o %t/ESCAPE.mlir 2>&1 | FileCheck %s --check-prefix=ESCAPE --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-assign-bits="preset=w4a16" -o %t/W4A16.mlir 2>&1 | FileCheck %s --check-prefix=W4A16 --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-assign-bits="type=int4" -o %t/PACK.mlir 2>&1 | FileCheck %s --check-prefix=PACK --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-assign-bits="preset=q8_0 tensor-type=ffn_gate=int8_g512" -o %t/OVERRIDE.mlir 2>&1 | FileCheck %s --check-prefix=OVERRIDE --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-assign-bits="target-bytes=400000 tensor-type=ffn_gate=int8_g512" -o %t/BUDGET.mlir 2>&1 | FileCheck %s --check-prefix=BUDGET --match-full-lines --implicit-check-not="{{.}}"
// RUN: not ls %t/*.mlir

// PRESET: quant-opt: for the --preset option: Cannot find option named 'fp9'!
// TYPE: {{.*}}: error: llmq-assign-bits: type='int5' names no storage format (a ggml type such as q4_K or q8_0, fp8_block, fp8_block_64x128, int4_g128, int4_g128_asym, int8_g32 or int8)
// GROUP: {{.*}}: error: llmq-assign-bits: type='int4_g100' names no storage format (a ggml type such as q4_K or q8_0, fp8_block, fp8_block_64x128, int4_g128, int4_g128_asym, int8_g32 or int8)
// MODES: {{.*}}: error: llmq-assign-bits: give exactly one of preset, type, target-bpw and target-bytes
// SPEC: {{.*}}: error: llmq-assign-bits: tensor-type 'attn_v' is not REGEX=FORMAT
// FORMAT: {{.*}}: error: llmq-assign-bits: tensor-type 'attn_v=q9_K' names no storage format 'q9_K' (a ggml type such as q4_K or q8_0, fp8_block, fp8_block_64x128, int4_g128, int4_g128_asym, int8_g32 or int8)
// REGEX: {{.*}}: error: llmq-assign-bits: tensor-type '(attn=q8_0' has an invalid regex '(attn': parentheses not balanced
// ESCAPE: {{.*}}: error: llmq-assign-bits: tensor-type 'attn\b=q8_0' has an invalid regex 'attn\b': escape '\b' is not supported
// W4A16: {{.*}}.mlir:[[# @LINE + 15]]:3: error: llmq-assign-bits: cannot store 'blk.0.ffn_down' (256x324) as int4_g128 (preset=w4a16): rows of 324 values do not split into groups of 128
// PACK: {{.*}}: error: llmq-assign-bits: cannot store 'blk.0.ffn_down' (256x324) as int4 (type=int4): rows of 324 values do not pack into int32 words of 8 codes
// OVERRIDE: {{.*}}: error: llmq-assign-bits: cannot store 'blk.0.ffn_gate' (324x256) as int8_g512 (tensor-type 'ffn_gate=int8_g512'): rows of 256 values do not split into groups of 512
// BUDGET: {{.*}}: error: llmq-assign-bits: cannot store 'blk.0.ffn_gate' (324x256) as int8_g512 (tensor-type 'ffn_gate=int8_g512'): rows of 256 values do not split into groups of 512

llmq.model @m attributes {arch = "llama", hidden_size = 256 : i64, num_layers = 1 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 64 : i64, ffn_size = 324 : i64, vocab_size = 64 : i64, context_length = 64 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false} {
  llmq.weight @token_embd : tensor<64x256xbf16> {source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 0>}
  llmq.weight @blk.0.attn_norm : tensor<256xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_norm", offset = 0>}
  llmq.weight @blk.0.attn_q : tensor<256x256xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_q", offset = 0>}
  llmq.weight @blk.0.attn_k : tensor<128x256xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_k", offset = 0>}
  llmq.weight @blk.0.attn_v : tensor<128x256xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_v", offset = 0>}
  llmq.weight @blk.0.attn_output : tensor<256x256xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_output", offset = 0>}
  llmq.weight @blk.0.ffn_norm : tensor<256xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_norm", offset = 0>}
  llmq.weight @blk.0.ffn_gate : tensor<324x256xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_gate", offset = 0>}
  llmq.weight @blk.0.ffn_up : tensor<324x256xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_up", offset = 0>}
  llmq.weight @blk.0.ffn_down : tensor<256x324xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_down", offset = 0>}
  llmq.weight @output_norm : tensor<256xbf16> {source = #llmq.source<file = "w.safetensors", key = "output_norm", offset = 0>}
  llmq.weight @output : tensor<64x256xbf16> {source = #llmq.source<file = "w.safetensors", key = "output", offset = 0>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}
