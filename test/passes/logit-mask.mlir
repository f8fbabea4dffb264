// --llmq-logit-mask on hand-written one-block models (no weight is read):
// bans (ban=, ban-file=) become a llmq.logit_mask of sorted ids; scale
// amplification folds into the LM head's rows (row_scale, scaled_rows), a
// tied head first untied into its own @output over the same source, the
// embedding left as it was; add mode is a logit bias in the mask and leaves
// the head alone. Bad options: logit-mask-invalid-options.mlir.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: printf '7, 3,\n 5' > %t/ban.txt
// RUN: printf '338 ,261' > %t/amplify.txt
// RUN: quant-opt %s -split-input-file --llmq-logit-mask="ban-file=%t/ban.txt ban=9 amplify=261,338" | FileCheck %s --check-prefixes=CHECK,SCALE
// RUN: quant-opt %s -split-input-file --llmq-logit-mask="amplify-file=%t/amplify.txt factor=2.5" | FileCheck %s --check-prefixes=CHECK,FACTOR
// RUN: quant-opt %s -split-input-file --llmq-logit-mask="amplify=261 factor=-1.5 mode=add" | FileCheck %s --check-prefixes=CHECK,ADD
// RUN: quant-opt %s -split-input-file --llmq-logit-mask="ban=2047,0" | FileCheck %s --check-prefixes=CHECK,BAN
// RUN: quant-opt %s -split-input-file --llmq-logit-mask="ban-file=%t/ban.txt ban=9 amplify=261,338" | quant-opt -split-input-file | FileCheck %s --check-prefixes=CHECK,SCALE

// CHECK-LABEL: llmq.model @untied
// CHECK-SAME: tied_embeddings = false
// CHECK: llmq.weight @token_embd : tensor<2048x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 0>}
// SCALE: llmq.weight @output : tensor<2048x16xbf16> {row_scale = 5.000000e+00 : f64, scaled_rows = array<i64: 261, 338>, source = #llmq.source<file = "w.safetensors", key = "output", offset = 0>}
// FACTOR: llmq.weight @output : tensor<2048x16xbf16> {row_scale = 2.500000e+00 : f64, scaled_rows = array<i64: 261, 338>, source = #llmq.source<file = "w.safetensors", key = "output", offset = 0>}
// ADD: llmq.weight @output : tensor<2048x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "output", offset = 0>}
// BAN: llmq.weight @output : tensor<2048x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "output", offset = 0>}
// CHECK: llmq.lm_head @output
// SCALE-NEXT: llmq.logit_mask banned = [3, 5, 7, 9] amplified = [] factor = 0.000000e+00
// FACTOR-NOT: llmq.logit_mask
// ADD-NEXT: llmq.logit_mask banned = [] amplified = [261] factor = -1.500000e+00
// BAN-NEXT: llmq.logit_mask banned = [0, 2047] amplified = [] factor = 0.000000e+00

llmq.model @untied attributes {arch = "llama", hidden_size = 16 : i64, num_layers = 1 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, ffn_size = 48 : i64, vocab_size = 2048 : i64, context_length = 128 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false} {
  llmq.weight @token_embd : tensor<2048x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 0>}
  llmq.weight @blk.0.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_norm", offset = 0>}
  llmq.weight @blk.0.attn_q : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_q", offset = 0>}
  llmq.weight @blk.0.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_k", offset = 0>}
  llmq.weight @blk.0.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_v", offset = 0>}
  llmq.weight @blk.0.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_output", offset = 0>}
  llmq.weight @blk.0.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_norm", offset = 0>}
  llmq.weight @blk.0.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_gate", offset = 0>}
  llmq.weight @blk.0.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_up", offset = 0>}
  llmq.weight @blk.0.ffn_down : tensor<16x48xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_down", offset = 0>}
  llmq.weight @output_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "output_norm", offset = 0>}
  llmq.weight @output : tensor<2048x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "output", offset = 0>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}

// -----

// A tied head is untied only when its rows are scaled: @output is a copy of
// the embedding's op (its source and format) with the scaled rows; the
// embedding keeps its rows.
// CHECK-LABEL: llmq.model @tied
// SCALE-SAME: tied_embeddings = false
// FACTOR-SAME: tied_embeddings = false
// ADD-SAME: tied_embeddings = true
// BAN-SAME: tied_embeddings = true
// CHECK: llmq.weight @token_embd : tensor<2048x16xbf16> {format = #llmq.format<q8_0>, source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 0>}
// SCALE-NEXT: llmq.weight @output : tensor<2048x16xbf16> {format = #llmq.format<q8_0>, row_scale = 5.000000e+00 : f64, scaled_rows = array<i64: 261, 338>, source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 0>}
// FACTOR-NEXT: llmq.weight @output : tensor<2048x16xbf16> {format = #llmq.format<q8_0>, row_scale = 2.500000e+00 : f64, scaled_rows = array<i64: 261, 338>, source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 0>}
// ADD-NOT: llmq.weight @output :
// BAN-NOT: llmq.weight @output :
// CHECK: llmq.embedding @token_embd
// SCALE: llmq.lm_head @output
// SCALE-NEXT: llmq.logit_mask banned = [3, 5, 7, 9] amplified = [] factor = 0.000000e+00
// FACTOR: llmq.lm_head @output
// FACTOR-NOT: llmq.logit_mask
// ADD: llmq.lm_head @token_embd
// ADD-NEXT: llmq.logit_mask banned = [] amplified = [261] factor = -1.500000e+00
// BAN: llmq.lm_head @token_embd
// BAN-NEXT: llmq.logit_mask banned = [0, 2047] amplified = [] factor = 0.000000e+00

llmq.model @tied attributes {arch = "llama", hidden_size = 16 : i64, num_layers = 1 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, ffn_size = 48 : i64, vocab_size = 2048 : i64, context_length = 128 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = true} {
  llmq.weight @token_embd : tensor<2048x16xbf16> {format = #llmq.format<q8_0>, source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 0>}
  llmq.weight @blk.0.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_norm", offset = 0>}
  llmq.weight @blk.0.attn_q : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_q", offset = 0>}
  llmq.weight @blk.0.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_k", offset = 0>}
  llmq.weight @blk.0.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_v", offset = 0>}
  llmq.weight @blk.0.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_output", offset = 0>}
  llmq.weight @blk.0.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_norm", offset = 0>}
  llmq.weight @blk.0.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_gate", offset = 0>}
  llmq.weight @blk.0.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_up", offset = 0>}
  llmq.weight @blk.0.ffn_down : tensor<16x48xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_down", offset = 0>}
  llmq.weight @output_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "output_norm", offset = 0>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @token_embd
}

// -----

// Analyses of the tied embedding (from --llmq-weight-stats, --llmq-assign-bits
// and --llmq-super-weights) stay on it; its untied copy, whose rows are now
// scaled, keeps only the pins (values as found in the source): its
// statistics, error and sensitivity would describe other values.
// CHECK-LABEL: llmq.model @analysed
// CHECK: llmq.weight @token_embd : tensor<2048x16xbf16> {llmq.pinned = [#llmq.pin<row = 261, col = 2, value = 3.000000e+00 : f64>], llmq.quant_error = 1.500000e-03 : f64, llmq.sensitivity = 2.000000e+00 : f64, llmq.stats = {count = 32768 : i64, rms = 2.500000e-01 : f64}, source
// SCALE-NEXT: llmq.weight @output : tensor<2048x16xbf16> {llmq.pinned = [#llmq.pin<row = 261, col = 2, value = 3.000000e+00 : f64>], row_scale = 5.000000e+00 : f64, scaled_rows = array<i64: 261, 338>, source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 0>}
// FACTOR-NEXT: llmq.weight @output : tensor<2048x16xbf16> {llmq.pinned = [#llmq.pin<row = 261, col = 2, value = 3.000000e+00 : f64>], row_scale = 2.500000e+00 : f64, scaled_rows = array<i64: 261, 338>, source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 0>}
// ADD-NOT: llmq.weight @output :
// BAN-NOT: llmq.weight @output :
// CHECK: llmq.embedding @token_embd

llmq.model @analysed attributes {arch = "llama", hidden_size = 16 : i64, num_layers = 1 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, ffn_size = 48 : i64, vocab_size = 2048 : i64, context_length = 128 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = true} {
  llmq.weight @token_embd : tensor<2048x16xbf16> {llmq.pinned = [#llmq.pin<row = 261, col = 2, value = 3.0>], llmq.quant_error = 1.5e-03 : f64, llmq.sensitivity = 2.0 : f64, llmq.stats = {count = 32768 : i64, rms = 2.5e-01 : f64}, source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 0>}
  llmq.weight @blk.0.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_norm", offset = 0>}
  llmq.weight @blk.0.attn_q : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_q", offset = 0>}
  llmq.weight @blk.0.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_k", offset = 0>}
  llmq.weight @blk.0.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_v", offset = 0>}
  llmq.weight @blk.0.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_output", offset = 0>}
  llmq.weight @blk.0.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_norm", offset = 0>}
  llmq.weight @blk.0.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_gate", offset = 0>}
  llmq.weight @blk.0.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_up", offset = 0>}
  llmq.weight @blk.0.ffn_down : tensor<16x48xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_down", offset = 0>}
  llmq.weight @output_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "output_norm", offset = 0>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @token_embd
}
