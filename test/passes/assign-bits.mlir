// --llmq-assign-bits over small hand-written llamas (hidden 32, vocab 2048:
// test/passes/Inputs/make-tiny-weights.py writes their f32 weights, which
// only the optimizer reads). Rows of 32 values split into no 256-element K
// block, so llama.cpp's fallbacks show: q4_K -> q5_0, q6_K -> q8_0. One
// chunk per model; each RUN line is one mode over every chunk.
//
// RUN: rm -rf %t && mkdir -p %t && %python %S/Inputs/make-tiny-weights.py %t/tiny.safetensors
// RUN: cd %t && quant-opt %s -split-input-file --llmq-assign-bits=preset=q4_k_m | FileCheck %s --check-prefix=Q4KM
// RUN: cd %t && quant-opt %s -split-input-file --llmq-assign-bits=preset=Q4_K_M | FileCheck %s --check-prefix=Q4KM
// RUN: cd %t && quant-opt %s -split-input-file --llmq-assign-bits=type=q8_0 | FileCheck %s --check-prefix=Q80
// RUN: cd %t && quant-opt %s -split-input-file --llmq-assign-bits=preset=q4_k_m -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK --implicit-check-not=remark:
// RUN: cd %t && quant-opt %s -split-input-file --llmq-assign-bits="target-bpw=8.3 threads=1" | FileCheck %s --check-prefix=BPW
// RUN: cd %t && quant-opt %s -split-input-file --llmq-assign-bits="target-bpw=8.3 threads=3" > %t/bpw3.mlir
// RUN: cd %t && quant-opt %s -split-input-file --llmq-assign-bits="target-bpw=8.3 threads=1" > %t/bpw1.mlir
// RUN: cmp %t/bpw1.mlir %t/bpw3.mlir
// RUN: cd %t && quant-opt %s -split-input-file --llmq-assign-bits=target-bpw=8.3 -o /dev/null 2>&1 | FileCheck %s --check-prefix=BPWREMARK --implicit-check-not=remark:

// One block, untied head. q4_k_m: use_more_bits(0, 1) holds, so attn_v and
// ffn_down get q6_K (q8_0 after the fallback); the head q6_K (q8_0); the
// rest q4_K (q5_0); norms f32. Bytes, in 32-value blocks of 22 (q5_0) or
// 34 (q8_0): token_embd 2048 x 22 + output 2048 x 34 + the block's matrices
// 208 x 22 + 80 x 34 + norms 3 x 128 = 122368 over 140384 values: 6.9733
// bpw. type=q8_0 (--pure): q8_0
// everywhere but the norms. target-bpw=8.3: the knapsack keeps within
// floor(8.3 x 140384 / 8) = 145648 bytes; the head is held at q8_0 (no
// probes), every measured weight gets its quant_error, norms none.

// Q4KM-LABEL: llmq.model @untied
// Q4KM-SAME: llmq.assigned_bpw = 6.9733{{[0-9]*}} : f64, llmq.assigned_bytes = 122368 : i64
// Q4KM-NEXT: llmq.weight @token_embd : {{.*}} {format = #llmq.format<q5_0>
// Q4KM-NEXT: llmq.weight @blk.0.attn_norm : {{.*}} {format = #llmq.format<f32>
// Q4KM-NEXT: llmq.weight @blk.0.attn_q : {{.*}} {format = #llmq.format<q5_0>
// Q4KM-NEXT: llmq.weight @blk.0.attn_k : {{.*}} {format = #llmq.format<q5_0>
// Q4KM-NEXT: llmq.weight @blk.0.attn_v : {{.*}} {format = #llmq.format<q8_0>
// Q4KM-NEXT: llmq.weight @blk.0.attn_output : {{.*}} {format = #llmq.format<q5_0>
// Q4KM-NEXT: llmq.weight @blk.0.ffn_norm : {{.*}} {format = #llmq.format<f32>
// Q4KM-NEXT: llmq.weight @blk.0.ffn_gate : {{.*}} {format = #llmq.format<q5_0>
// Q4KM-NEXT: llmq.weight @blk.0.ffn_up : {{.*}} {format = #llmq.format<q5_0>
// Q4KM-NEXT: llmq.weight @blk.0.ffn_down : {{.*}} {format = #llmq.format<q8_0>
// Q4KM-NEXT: llmq.weight @output_norm : {{.*}} {format = #llmq.format<f32>
// Q4KM-NEXT: llmq.weight @output : {{.*}} {format = #llmq.format<q8_0>

// Q80-LABEL: llmq.model @untied
// Q80-SAME: llmq.assigned_bytes = 149440 : i64
// Q80-NEXT: llmq.weight @token_embd : {{.*}} {format = #llmq.format<q8_0>
// Q80-NEXT: llmq.weight @blk.0.attn_norm : {{.*}} {format = #llmq.format<f32>
// Q80-NEXT: llmq.weight @blk.0.attn_q : {{.*}} {format = #llmq.format<q8_0>
// Q80-NEXT: llmq.weight @blk.0.attn_k : {{.*}} {format = #llmq.format<q8_0>
// Q80-NEXT: llmq.weight @blk.0.attn_v : {{.*}} {format = #llmq.format<q8_0>
// Q80-NEXT: llmq.weight @blk.0.attn_output : {{.*}} {format = #llmq.format<q8_0>
// Q80-NEXT: llmq.weight @blk.0.ffn_norm : {{.*}} {format = #llmq.format<f32>
// Q80-NEXT: llmq.weight @blk.0.ffn_gate : {{.*}} {format = #llmq.format<q8_0>
// Q80-NEXT: llmq.weight @blk.0.ffn_up : {{.*}} {format = #llmq.format<q8_0>
// Q80-NEXT: llmq.weight @blk.0.ffn_down : {{.*}} {format = #llmq.format<q8_0>
// Q80-NEXT: llmq.weight @output_norm : {{.*}} {format = #llmq.format<f32>
// Q80-NEXT: llmq.weight @output : {{.*}} {format = #llmq.format<q8_0>

// BPW-LABEL: llmq.model @untied
// BPW-SAME: llmq.assigned_bpw = 8.299{{[0-9]*}} : f64, llmq.assigned_bytes = 145632 : i64, llmq.assigned_error = {{[0-9.eE+-]+}} : f64
// BPW-NEXT: llmq.weight @token_embd : {{.*}} {format = #llmq.format<{{q4_0|q5_0|q5_1|q8_0}}>, llmq.quant_error = {{[0-9.eE+-]+}} : f64, source
// BPW-NEXT: llmq.weight @blk.0.attn_norm : {{.*}} {format = #llmq.format<f32>, source
// BPW-NEXT: llmq.weight @blk.0.attn_q : {{.*}} {format = #llmq.format<{{q4_0|q5_0|q5_1|q8_0}}>, llmq.quant_error = {{[0-9.eE+-]+}} : f64, source
// BPW: llmq.weight @output : {{.*}} {format = #llmq.format<q8_0>, llmq.quant_error = {{[0-9.eE+-]+}} : f64, source

// REMARK: assign-bits.mlir:[[# @LINE + 3]]:1: remark: llmq-assign-bits: untied: preset=q4_k_m, assigned 122368 bytes (6.9733 bpw)
// BPWREMARK: assign-bits.mlir:[[# @LINE + 2]]:1: remark: llmq-assign-bits: untied: budget 145648 bytes, assigned 145632 bytes (8.2991 bpw), error {{[0-9.]+E[+-][0-9]+$}}

llmq.model @untied attributes {arch = "llama", hidden_size = 32 : i64, num_layers = 1 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 8 : i64, ffn_size = 64 : i64, vocab_size = 2048 : i64, context_length = 64 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false} {
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

// Tied embeddings (no output weight): token_embd serves as the head and
// takes its rule, q6_K (q8_0).

// Q4KM-LABEL: llmq.model @tied
// Q4KM-SAME: llmq.assigned_bytes = 77312 : i64
// Q4KM-NEXT: llmq.weight @token_embd : {{.*}} {format = #llmq.format<q8_0>
// Q4KM-NOT: llmq.weight @output :
// Q4KM: llmq.lm_head @token_embd
// Q80-LABEL: llmq.model @tied
// Q80-NEXT: llmq.weight @token_embd : {{.*}} {format = #llmq.format<q8_0>
// BPW-LABEL: llmq.model @tied
// BPW-NEXT: llmq.weight @token_embd : {{.*}} {format = #llmq.format<q8_0>, llmq.quant_error

// REMARK: assign-bits.mlir:[[# @LINE + 2]]:1: remark: llmq-assign-bits: tied: preset=q4_k_m, assigned 77312 bytes (8.2634 bpw)
// BPWREMARK: assign-bits.mlir:[[# @LINE + 1]]:1: remark: llmq-assign-bits: tied: budget 77654 bytes, assigned 77632 bytes (8.2976 bpw), error {{[0-9.]+E[+-][0-9]+$}}
llmq.model @tied attributes {arch = "llama", hidden_size = 32 : i64, num_layers = 1 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 8 : i64, ffn_size = 64 : i64, vocab_size = 2048 : i64, context_length = 64 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = true} {
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
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @token_embd
}

// -----

// Two blocks: use_more_bits(i, 2) holds for block 1 only (llama.cpp's attn_v
// and ffn_down counters), so only its attn_v and ffn_down get q6_K (q8_0).

// Q4KM-LABEL: llmq.model @two_blocks
// Q4KM: llmq.weight @blk.0.attn_v : {{.*}} {format = #llmq.format<q5_0>
// Q4KM: llmq.weight @blk.0.ffn_down : {{.*}} {format = #llmq.format<q5_0>
// Q4KM: llmq.weight @blk.1.attn_v : {{.*}} {format = #llmq.format<q8_0>
// Q4KM: llmq.weight @blk.1.ffn_down : {{.*}} {format = #llmq.format<q8_0>
// REMARK: assign-bits.mlir:[[# @LINE + 3]]:1: remark: llmq-assign-bits: two_blocks: preset=q4_k_m, assigned 128960 bytes (6.8933 bpw)
// BPWREMARK: assign-bits.mlir:[[# @LINE + 2]]:1: remark: llmq-assign-bits: two_blocks: budget 155276 bytes, assigned 155264 bytes (8.2993 bpw), error {{[0-9.]+E[+-][0-9]+$}}

llmq.model @two_blocks attributes {arch = "llama", hidden_size = 32 : i64, num_layers = 2 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 8 : i64, ffn_size = 64 : i64, vocab_size = 2048 : i64, context_length = 64 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false} {
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
  llmq.weight @blk.1.attn_norm : tensor<32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.1.attn_norm", offset = 301320>}
  llmq.weight @blk.1.attn_q : tensor<32x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.1.attn_q", offset = 301448>}
  llmq.weight @blk.1.attn_k : tensor<16x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.1.attn_k", offset = 305544>}
  llmq.weight @blk.1.attn_v : tensor<16x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.1.attn_v", offset = 307592>}
  llmq.weight @blk.1.attn_output : tensor<32x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.1.attn_output", offset = 309640>}
  llmq.weight @blk.1.ffn_norm : tensor<32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.1.ffn_norm", offset = 313736>}
  llmq.weight @blk.1.ffn_gate : tensor<64x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.1.ffn_gate", offset = 313864>}
  llmq.weight @blk.1.ffn_up : tensor<64x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.1.ffn_up", offset = 322056>}
  llmq.weight @blk.1.ffn_down : tensor<32x64xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.1.ffn_down", offset = 330248>}
  llmq.weight @output_norm : tensor<32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "output_norm", offset = 338440>}
  llmq.weight @output : tensor<2048x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "output", offset = 338568>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.block 1 weights {attn_norm = @blk.1.attn_norm, attn_q = @blk.1.attn_q, attn_k = @blk.1.attn_k, attn_v = @blk.1.attn_v, attn_output = @blk.1.attn_output, ffn_norm = @blk.1.ffn_norm, ffn_gate = @blk.1.ffn_gate, ffn_up = @blk.1.ffn_up, ffn_down = @blk.1.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}

// -----

// Formats already there are overwritten (here a q2_K left by an earlier
// run); the weight's other attributes stay.

// Q4KM-LABEL: llmq.model @formatted
// Q4KM: llmq.weight @blk.0.attn_q : {{.*}} {format = #llmq.format<q5_0>, llmq.pinned = [#llmq.pin<row = 1, col = 2, value = 5.000000e-01 : f64>], source
// Q80-LABEL: llmq.model @formatted
// Q80: llmq.weight @blk.0.attn_q : {{.*}} {format = #llmq.format<q8_0>, llmq.pinned = [#llmq.pin<row = 1, col = 2, value = 5.000000e-01 : f64>], source
// REMARK: assign-bits.mlir:[[# @LINE + 3]]:1: remark: llmq-assign-bits: formatted: preset=q4_k_m, assigned 122368 bytes (6.9733 bpw)
// BPWREMARK: assign-bits.mlir:[[# @LINE + 2]]:1: remark: llmq-assign-bits: formatted: budget 145648 bytes, assigned 145632 bytes (8.2991 bpw), error {{[0-9.]+E[+-][0-9]+$}}

llmq.model @formatted attributes {arch = "llama", hidden_size = 32 : i64, num_layers = 1 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 8 : i64, ffn_size = 64 : i64, vocab_size = 2048 : i64, context_length = 64 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false} {
  llmq.weight @token_embd : tensor<2048x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "token_embd", offset = 2056>}
  llmq.weight @blk.0.attn_norm : tensor<32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.0.attn_norm", offset = 264200>}
  llmq.weight @blk.0.attn_q : tensor<32x32xf32> {format = #llmq.format<q2_K>, llmq.pinned = [#llmq.pin<row = 1, col = 2, value = 0.5>], source = #llmq.source<file = "tiny.safetensors", key = "blk.0.attn_q", offset = 264328>}
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
