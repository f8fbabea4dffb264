// Pass order: --llmq-drop-layers after each analysis, on hand-written
// three-block models carrying what that analysis writes (no weight is
// read). Every model has block influences with block 1 the lowest, so
// count=1 by=influence (after --llmq-block-influence) drops the same block
// as indices=1. What lives on a weight or a block travels with it under
// its new name; what names weights from outside (super weights) follows
// the renames; totals over all weights are removed; nothing of block 1
// stays (--implicit-check-not). The output parses and verifies again.
// drop-layers-analyses.mlir checks them all on one model; imatrix then
// drop-layers on a real model, byte for byte: imatrix-drop-layers.test.
//
// RUN: quant-opt %s -split-input-file --llmq-drop-layers="indices=1" | FileCheck %s --implicit-check-not=layer1. --implicit-check-not='key = "blk.1.' --implicit-check-not=@blk.2. --implicit-check-not='row = 3, col = 4' --implicit-check-not=llmq.assigned_ --implicit-check-not=llmq.estimated_kld --implicit-check-not='influence = 1.0' --implicit-check-not='rms = 2.5' --implicit-check-not='quant_error = 2.5'
// RUN: quant-opt %s -split-input-file --llmq-drop-layers="count=1 by=influence" | FileCheck %s --implicit-check-not=layer1. --implicit-check-not='key = "blk.1.' --implicit-check-not=@blk.2. --implicit-check-not='row = 3, col = 4' --implicit-check-not=llmq.assigned_ --implicit-check-not=llmq.estimated_kld --implicit-check-not='influence = 1.0' --implicit-check-not='rms = 2.5' --implicit-check-not='quant_error = 2.5'
// RUN: quant-opt %s -split-input-file --llmq-drop-layers="count=1 by=influence" | quant-opt -split-input-file | FileCheck %s --implicit-check-not=layer1. --implicit-check-not=@blk.2.

// --llmq-block-influence: each block keeps its influence and angular
// distance.
// CHECK-LABEL: llmq.model @influence
// CHECK-SAME: num_layers = 2 : i64
// CHECK: llmq.block 0 weights {{{[^}]*}}} {llmq.influence = 5.000000e-01 : f64}
// CHECK-NEXT: llmq.block 1 weights {{{[^}]*}}} {llmq.angular_distance = 3.000000e-01 : f64, llmq.influence = 4.000000e-01 : f64}

llmq.model @influence attributes {arch = "llama", hidden_size = 16 : i64, num_layers = 3 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, ffn_size = 48 : i64, vocab_size = 64 : i64, context_length = 128 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false} {
  llmq.weight @token_embd : tensor<64x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 0>}
  llmq.weight @blk.0.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_norm", offset = 0>}
  llmq.weight @blk.0.attn_q : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_q", offset = 0>}
  llmq.weight @blk.0.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_k", offset = 0>}
  llmq.weight @blk.0.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_v", offset = 0>}
  llmq.weight @blk.0.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_output", offset = 0>}
  llmq.weight @blk.0.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_norm", offset = 0>}
  llmq.weight @blk.0.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_gate", offset = 0>}
  llmq.weight @blk.0.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_up", offset = 0>}
  llmq.weight @blk.0.ffn_down : tensor<16x48xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_down", offset = 0>}
  llmq.weight @blk.1.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.attn_norm", offset = 0>}
  llmq.weight @blk.1.attn_q : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.attn_q", offset = 0>}
  llmq.weight @blk.1.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.attn_k", offset = 0>}
  llmq.weight @blk.1.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.attn_v", offset = 0>}
  llmq.weight @blk.1.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.attn_output", offset = 0>}
  llmq.weight @blk.1.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_norm", offset = 0>}
  llmq.weight @blk.1.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_gate", offset = 0>}
  llmq.weight @blk.1.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_up", offset = 0>}
  llmq.weight @blk.1.ffn_down : tensor<16x48xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_down", offset = 0>}
  llmq.weight @blk.2.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.attn_norm", offset = 0>}
  llmq.weight @blk.2.attn_q : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.attn_q", offset = 0>}
  llmq.weight @blk.2.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.attn_k", offset = 0>}
  llmq.weight @blk.2.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.attn_v", offset = 0>}
  llmq.weight @blk.2.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.attn_output", offset = 0>}
  llmq.weight @blk.2.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.ffn_norm", offset = 0>}
  llmq.weight @blk.2.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.ffn_gate", offset = 0>}
  llmq.weight @blk.2.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.ffn_up", offset = 0>}
  llmq.weight @blk.2.ffn_down : tensor<16x48xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.ffn_down", offset = 0>}
  llmq.weight @output_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "output_norm", offset = 0>}
  llmq.weight @output : tensor<64x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "output", offset = 0>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down} {llmq.influence = 5.0e-01 : f64}
  llmq.block 1 weights {attn_norm = @blk.1.attn_norm, attn_q = @blk.1.attn_q, attn_k = @blk.1.attn_k, attn_v = @blk.1.attn_v, attn_output = @blk.1.attn_output, ffn_norm = @blk.1.ffn_norm, ffn_gate = @blk.1.ffn_gate, ffn_up = @blk.1.ffn_up, ffn_down = @blk.1.ffn_down} {llmq.angular_distance = 2.0e-02 : f64, llmq.influence = 1.0e-01 : f64}
  llmq.block 2 weights {attn_norm = @blk.2.attn_norm, attn_q = @blk.2.attn_q, attn_k = @blk.2.attn_k, attn_v = @blk.2.attn_v, attn_output = @blk.2.attn_output, ffn_norm = @blk.2.ffn_norm, ffn_gate = @blk.2.ffn_gate, ffn_up = @blk.2.ffn_up, ffn_down = @blk.2.ffn_down} {llmq.angular_distance = 3.0e-01 : f64, llmq.influence = 4.0e-01 : f64}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}


// -----

// --llmq-weight-stats: the statistics stay on their weights.
// CHECK-LABEL: llmq.model @stats
// CHECK: llmq.weight @blk.0.ffn_down : tensor<16x48xbf16> {llmq.stats = {count = 768 : i64, {{.*}}, rms = 1.250000e-01 : f64, {{.*}} key = "layer0.ffn_down"
// CHECK-NEXT: llmq.weight @blk.1.attn_norm : tensor<16xbf16> {llmq.stats = {count = 16 : i64, {{.*}}, rms = 1.000000e+00 : f64, {{.*}} key = "layer2.attn_norm"
// CHECK: llmq.weight @blk.1.ffn_down : tensor<16x48xbf16> {llmq.stats = {count = 768 : i64, {{.*}}, rms = 5.000000e-01 : f64, {{.*}} key = "layer2.ffn_down"
// CHECK: llmq.weight @output : tensor<64x16xbf16> {llmq.stats = {count = 1024 : i64, {{.*}}, rms = 6.250000e-02 : f64,

llmq.model @stats attributes {arch = "llama", hidden_size = 16 : i64, num_layers = 3 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, ffn_size = 48 : i64, vocab_size = 64 : i64, context_length = 128 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false} {
  llmq.weight @token_embd : tensor<64x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 0>}
  llmq.weight @blk.0.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_norm", offset = 0>}
  llmq.weight @blk.0.attn_q : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_q", offset = 0>}
  llmq.weight @blk.0.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_k", offset = 0>}
  llmq.weight @blk.0.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_v", offset = 0>}
  llmq.weight @blk.0.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_output", offset = 0>}
  llmq.weight @blk.0.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_norm", offset = 0>}
  llmq.weight @blk.0.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_gate", offset = 0>}
  llmq.weight @blk.0.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_up", offset = 0>}
  llmq.weight @blk.0.ffn_down : tensor<16x48xbf16> {llmq.stats = {count = 768 : i64, kurtosis = 1.0 : f64, max_abs = 2.0 : f64, mean = 0.0 : f64, outliers = 0.0 : f64, rms = 0.125 : f64, std = 0.125 : f64}, source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_down", offset = 0>}
  llmq.weight @blk.1.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.attn_norm", offset = 0>}
  llmq.weight @blk.1.attn_q : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.attn_q", offset = 0>}
  llmq.weight @blk.1.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.attn_k", offset = 0>}
  llmq.weight @blk.1.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.attn_v", offset = 0>}
  llmq.weight @blk.1.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.attn_output", offset = 0>}
  llmq.weight @blk.1.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_norm", offset = 0>}
  llmq.weight @blk.1.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_gate", offset = 0>}
  llmq.weight @blk.1.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_up", offset = 0>}
  llmq.weight @blk.1.ffn_down : tensor<16x48xbf16> {llmq.stats = {count = 768 : i64, kurtosis = 1.0 : f64, max_abs = 2.0 : f64, mean = 0.0 : f64, outliers = 0.0 : f64, rms = 2.5e-01 : f64, std = 0.25 : f64}, source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_down", offset = 0>}
  llmq.weight @blk.2.attn_norm : tensor<16xbf16> {llmq.stats = {count = 16 : i64, kurtosis = 1.0 : f64, max_abs = 2.0 : f64, mean = 0.0 : f64, outliers = 0.0 : f64, rms = 1.0 : f64, std = 1.0 : f64}, source = #llmq.source<file = "w.safetensors", key = "layer2.attn_norm", offset = 0>}
  llmq.weight @blk.2.attn_q : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.attn_q", offset = 0>}
  llmq.weight @blk.2.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.attn_k", offset = 0>}
  llmq.weight @blk.2.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.attn_v", offset = 0>}
  llmq.weight @blk.2.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.attn_output", offset = 0>}
  llmq.weight @blk.2.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.ffn_norm", offset = 0>}
  llmq.weight @blk.2.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.ffn_gate", offset = 0>}
  llmq.weight @blk.2.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.ffn_up", offset = 0>}
  llmq.weight @blk.2.ffn_down : tensor<16x48xbf16> {llmq.stats = {count = 768 : i64, kurtosis = 1.0 : f64, max_abs = 2.0 : f64, mean = 0.0 : f64, outliers = 0.0 : f64, rms = 0.5 : f64, std = 0.5 : f64}, source = #llmq.source<file = "w.safetensors", key = "layer2.ffn_down", offset = 0>}
  llmq.weight @output_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "output_norm", offset = 0>}
  llmq.weight @output : tensor<64x16xbf16> {llmq.stats = {count = 1024 : i64, kurtosis = 1.0 : f64, max_abs = 2.0 : f64, mean = 0.0 : f64, outliers = 0.0 : f64, rms = 0.0625 : f64, std = 0.0625 : f64}, source = #llmq.source<file = "w.safetensors", key = "output", offset = 0>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down} {llmq.influence = 5.0e-01 : f64}
  llmq.block 1 weights {attn_norm = @blk.1.attn_norm, attn_q = @blk.1.attn_q, attn_k = @blk.1.attn_k, attn_v = @blk.1.attn_v, attn_output = @blk.1.attn_output, ffn_norm = @blk.1.ffn_norm, ffn_gate = @blk.1.ffn_gate, ffn_up = @blk.1.ffn_up, ffn_down = @blk.1.ffn_down} {llmq.influence = 1.0e-01 : f64}
  llmq.block 2 weights {attn_norm = @blk.2.attn_norm, attn_q = @blk.2.attn_q, attn_k = @blk.2.attn_k, attn_v = @blk.2.attn_v, attn_output = @blk.2.attn_output, ffn_norm = @blk.2.ffn_norm, ffn_gate = @blk.2.ffn_gate, ffn_up = @blk.2.ffn_up, ffn_down = @blk.2.ffn_down} {llmq.influence = 4.0e-01 : f64}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}


// -----

// --llmq-imatrix: each weight keeps the entry measured for it (its old
// name), not the entry of its new name.
// CHECK-LABEL: llmq.model @importance
// CHECK: llmq.weight @blk.0.attn_q : {{.*}}llmq.importance = #llmq.importance<file = "imatrix.gguf", key = "blk.0.attn_q.weight">
// CHECK: llmq.weight @blk.1.attn_q : {{.*}}llmq.importance = #llmq.importance<file = "imatrix.gguf", key = "blk.2.attn_q.weight">
// CHECK: llmq.weight @blk.1.ffn_down : {{.*}}llmq.importance = #llmq.importance<file = "imatrix.gguf", key = "blk.2.ffn_down.weight">

llmq.model @importance attributes {arch = "llama", hidden_size = 16 : i64, num_layers = 3 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, ffn_size = 48 : i64, vocab_size = 64 : i64, context_length = 128 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false} {
  llmq.weight @token_embd : tensor<64x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 0>}
  llmq.weight @blk.0.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_norm", offset = 0>}
  llmq.weight @blk.0.attn_q : tensor<16x16xbf16> {llmq.importance = #llmq.importance<file = "imatrix.gguf", key = "blk.0.attn_q.weight">, source = #llmq.source<file = "w.safetensors", key = "layer0.attn_q", offset = 0>}
  llmq.weight @blk.0.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_k", offset = 0>}
  llmq.weight @blk.0.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_v", offset = 0>}
  llmq.weight @blk.0.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_output", offset = 0>}
  llmq.weight @blk.0.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_norm", offset = 0>}
  llmq.weight @blk.0.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_gate", offset = 0>}
  llmq.weight @blk.0.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_up", offset = 0>}
  llmq.weight @blk.0.ffn_down : tensor<16x48xbf16> {llmq.importance = #llmq.importance<file = "imatrix.gguf", key = "blk.0.ffn_down.weight">, source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_down", offset = 0>}
  llmq.weight @blk.1.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.attn_norm", offset = 0>}
  llmq.weight @blk.1.attn_q : tensor<16x16xbf16> {llmq.importance = #llmq.importance<file = "imatrix.gguf", key = "blk.1.attn_q.weight">, source = #llmq.source<file = "w.safetensors", key = "layer1.attn_q", offset = 0>}
  llmq.weight @blk.1.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.attn_k", offset = 0>}
  llmq.weight @blk.1.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.attn_v", offset = 0>}
  llmq.weight @blk.1.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.attn_output", offset = 0>}
  llmq.weight @blk.1.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_norm", offset = 0>}
  llmq.weight @blk.1.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_gate", offset = 0>}
  llmq.weight @blk.1.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_up", offset = 0>}
  llmq.weight @blk.1.ffn_down : tensor<16x48xbf16> {llmq.importance = #llmq.importance<file = "imatrix.gguf", key = "blk.1.ffn_down.weight">, source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_down", offset = 0>}
  llmq.weight @blk.2.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.attn_norm", offset = 0>}
  llmq.weight @blk.2.attn_q : tensor<16x16xbf16> {llmq.importance = #llmq.importance<file = "imatrix.gguf", key = "blk.2.attn_q.weight">, source = #llmq.source<file = "w.safetensors", key = "layer2.attn_q", offset = 0>}
  llmq.weight @blk.2.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.attn_k", offset = 0>}
  llmq.weight @blk.2.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.attn_v", offset = 0>}
  llmq.weight @blk.2.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.attn_output", offset = 0>}
  llmq.weight @blk.2.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.ffn_norm", offset = 0>}
  llmq.weight @blk.2.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.ffn_gate", offset = 0>}
  llmq.weight @blk.2.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.ffn_up", offset = 0>}
  llmq.weight @blk.2.ffn_down : tensor<16x48xbf16> {llmq.importance = #llmq.importance<file = "imatrix.gguf", key = "blk.2.ffn_down.weight">, source = #llmq.source<file = "w.safetensors", key = "layer2.ffn_down", offset = 0>}
  llmq.weight @output_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "output_norm", offset = 0>}
  llmq.weight @output : tensor<64x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "output", offset = 0>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down} {llmq.influence = 5.0e-01 : f64}
  llmq.block 1 weights {attn_norm = @blk.1.attn_norm, attn_q = @blk.1.attn_q, attn_k = @blk.1.attn_k, attn_v = @blk.1.attn_v, attn_output = @blk.1.attn_output, ffn_norm = @blk.1.ffn_norm, ffn_gate = @blk.1.ffn_gate, ffn_up = @blk.1.ffn_up, ffn_down = @blk.1.ffn_down} {llmq.influence = 1.0e-01 : f64}
  llmq.block 2 weights {attn_norm = @blk.2.attn_norm, attn_q = @blk.2.attn_q, attn_k = @blk.2.attn_k, attn_v = @blk.2.attn_v, attn_output = @blk.2.attn_output, ffn_norm = @blk.2.ffn_norm, ffn_gate = @blk.2.ffn_gate, ffn_up = @blk.2.ffn_up, ffn_down = @blk.2.ffn_down} {llmq.influence = 4.0e-01 : f64}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}


// -----

// --llmq-super-weights: the dropped block's entry goes, the later one
// follows its weight's new name with its coordinates; pins stay on their
// weights.
// CHECK-LABEL: llmq.model @super
// CHECK-SAME: llmq.super_weights = [#llmq.super_weight<weight = @blk.1.ffn_down, row = 5, col = 6, value = 7.000000e+00 : f64>, #llmq.super_weight<weight = @token_embd, row = 7, col = 8, value = 1.000000e+00 : f64>]
// CHECK: llmq.weight @token_embd : {{.*}}llmq.pinned = [#llmq.pin<row = 7, col = 8, value = 1.000000e+00 : f64>]
// CHECK: llmq.weight @blk.1.ffn_down : {{.*}}llmq.pinned = [#llmq.pin<row = 5, col = 6, value = 7.000000e+00 : f64>], source = #llmq.source<{{.*}}key = "layer2.ffn_down"

llmq.model @super attributes {arch = "llama", hidden_size = 16 : i64, num_layers = 3 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, ffn_size = 48 : i64, vocab_size = 64 : i64, context_length = 128 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false, llmq.super_weights = [#llmq.super_weight<weight = @blk.1.ffn_down, row = 3, col = 4, value = -2.0>, #llmq.super_weight<weight = @blk.2.ffn_down, row = 5, col = 6, value = 7.0>, #llmq.super_weight<weight = @token_embd, row = 7, col = 8, value = 1.0>]} {
  llmq.weight @token_embd : tensor<64x16xbf16> {llmq.pinned = [#llmq.pin<row = 7, col = 8, value = 1.0>], source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 0>}
  llmq.weight @blk.0.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_norm", offset = 0>}
  llmq.weight @blk.0.attn_q : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_q", offset = 0>}
  llmq.weight @blk.0.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_k", offset = 0>}
  llmq.weight @blk.0.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_v", offset = 0>}
  llmq.weight @blk.0.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_output", offset = 0>}
  llmq.weight @blk.0.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_norm", offset = 0>}
  llmq.weight @blk.0.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_gate", offset = 0>}
  llmq.weight @blk.0.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_up", offset = 0>}
  llmq.weight @blk.0.ffn_down : tensor<16x48xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_down", offset = 0>}
  llmq.weight @blk.1.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.attn_norm", offset = 0>}
  llmq.weight @blk.1.attn_q : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.attn_q", offset = 0>}
  llmq.weight @blk.1.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.attn_k", offset = 0>}
  llmq.weight @blk.1.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.attn_v", offset = 0>}
  llmq.weight @blk.1.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.attn_output", offset = 0>}
  llmq.weight @blk.1.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_norm", offset = 0>}
  llmq.weight @blk.1.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_gate", offset = 0>}
  llmq.weight @blk.1.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_up", offset = 0>}
  llmq.weight @blk.1.ffn_down : tensor<16x48xbf16> {llmq.pinned = [#llmq.pin<row = 3, col = 4, value = -2.0>], source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_down", offset = 0>}
  llmq.weight @blk.2.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.attn_norm", offset = 0>}
  llmq.weight @blk.2.attn_q : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.attn_q", offset = 0>}
  llmq.weight @blk.2.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.attn_k", offset = 0>}
  llmq.weight @blk.2.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.attn_v", offset = 0>}
  llmq.weight @blk.2.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.attn_output", offset = 0>}
  llmq.weight @blk.2.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.ffn_norm", offset = 0>}
  llmq.weight @blk.2.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.ffn_gate", offset = 0>}
  llmq.weight @blk.2.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.ffn_up", offset = 0>}
  llmq.weight @blk.2.ffn_down : tensor<16x48xbf16> {llmq.pinned = [#llmq.pin<row = 5, col = 6, value = 7.0>], source = #llmq.source<file = "w.safetensors", key = "layer2.ffn_down", offset = 0>}
  llmq.weight @output_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "output_norm", offset = 0>}
  llmq.weight @output : tensor<64x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "output", offset = 0>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down} {llmq.influence = 5.0e-01 : f64}
  llmq.block 1 weights {attn_norm = @blk.1.attn_norm, attn_q = @blk.1.attn_q, attn_k = @blk.1.attn_k, attn_v = @blk.1.attn_v, attn_output = @blk.1.attn_output, ffn_norm = @blk.1.ffn_norm, ffn_gate = @blk.1.ffn_gate, ffn_up = @blk.1.ffn_up, ffn_down = @blk.1.ffn_down} {llmq.influence = 1.0e-01 : f64}
  llmq.block 2 weights {attn_norm = @blk.2.attn_norm, attn_q = @blk.2.attn_q, attn_k = @blk.2.attn_k, attn_v = @blk.2.attn_v, attn_output = @blk.2.attn_output, ffn_norm = @blk.2.ffn_norm, ffn_gate = @blk.2.ffn_gate, ffn_up = @blk.2.ffn_up, ffn_down = @blk.2.ffn_down} {llmq.influence = 4.0e-01 : f64}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}


// -----

// --llmq-assign-bits: formats, errors and sensitivities stay on their
// weights; the model's totals (bytes, bits per weight, error, estimated
// KLD) no longer describe it and are removed.
// CHECK-LABEL: llmq.model @assign
// CHECK-NOT: llmq.assigned
// CHECK: llmq.weight @token_embd : tensor<64x16xbf16> {format = #llmq.format<q4_K>,
// CHECK: llmq.weight @blk.0.ffn_down : tensor<16x48xbf16> {format = #llmq.format<q8_0>, llmq.quant_error = 1.500000e-03 : f64, llmq.sensitivity = 2.000000e+00 : f64, source = #llmq.source<{{.*}}key = "layer0.ffn_down"
// CHECK-NEXT: llmq.weight @blk.1.attn_norm : tensor<16xbf16> {format = #llmq.format<f32>, source = #llmq.source<{{.*}}key = "layer2.attn_norm"
// CHECK-NEXT: llmq.weight @blk.1.attn_q : tensor<16x16xbf16> {format = #llmq.format<q5_0>, llmq.quant_error = 3.500000e-03 : f64, llmq.sensitivity = 4.000000e+00 : f64, source = #llmq.source<{{.*}}key = "layer2.attn_q"
// CHECK: llmq.weight @output : tensor<64x16xbf16> {format = #llmq.format<q6_K>,

llmq.model @assign attributes {arch = "llama", hidden_size = 16 : i64, num_layers = 3 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, ffn_size = 48 : i64, vocab_size = 64 : i64, context_length = 128 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false, llmq.assigned_bytes = 9000 : i64, llmq.assigned_bpw = 4.5 : f64, llmq.assigned_error = 0.25 : f64, llmq.estimated_kld = 0.01 : f64} {
  llmq.weight @token_embd : tensor<64x16xbf16> {format = #llmq.format<q4_K>, source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 0>}
  llmq.weight @blk.0.attn_norm : tensor<16xbf16> {format = #llmq.format<f32>, source = #llmq.source<file = "w.safetensors", key = "layer0.attn_norm", offset = 0>}
  llmq.weight @blk.0.attn_q : tensor<16x16xbf16> {format = #llmq.format<q8_0>, llmq.quant_error = 1.5e-03 : f64, llmq.sensitivity = 2.0 : f64, source = #llmq.source<file = "w.safetensors", key = "layer0.attn_q", offset = 0>}
  llmq.weight @blk.0.attn_k : tensor<8x16xbf16> {format = #llmq.format<q8_0>, llmq.quant_error = 1.5e-03 : f64, llmq.sensitivity = 2.0 : f64, source = #llmq.source<file = "w.safetensors", key = "layer0.attn_k", offset = 0>}
  llmq.weight @blk.0.attn_v : tensor<8x16xbf16> {format = #llmq.format<q8_0>, llmq.quant_error = 1.5e-03 : f64, llmq.sensitivity = 2.0 : f64, source = #llmq.source<file = "w.safetensors", key = "layer0.attn_v", offset = 0>}
  llmq.weight @blk.0.attn_output : tensor<16x16xbf16> {format = #llmq.format<q8_0>, llmq.quant_error = 1.5e-03 : f64, llmq.sensitivity = 2.0 : f64, source = #llmq.source<file = "w.safetensors", key = "layer0.attn_output", offset = 0>}
  llmq.weight @blk.0.ffn_norm : tensor<16xbf16> {format = #llmq.format<f32>, source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_norm", offset = 0>}
  llmq.weight @blk.0.ffn_gate : tensor<48x16xbf16> {format = #llmq.format<q8_0>, llmq.quant_error = 1.5e-03 : f64, llmq.sensitivity = 2.0 : f64, source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_gate", offset = 0>}
  llmq.weight @blk.0.ffn_up : tensor<48x16xbf16> {format = #llmq.format<q8_0>, llmq.quant_error = 1.5e-03 : f64, llmq.sensitivity = 2.0 : f64, source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_up", offset = 0>}
  llmq.weight @blk.0.ffn_down : tensor<16x48xbf16> {format = #llmq.format<q8_0>, llmq.quant_error = 1.5e-03 : f64, llmq.sensitivity = 2.0 : f64, source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_down", offset = 0>}
  llmq.weight @blk.1.attn_norm : tensor<16xbf16> {format = #llmq.format<f32>, source = #llmq.source<file = "w.safetensors", key = "layer1.attn_norm", offset = 0>}
  llmq.weight @blk.1.attn_q : tensor<16x16xbf16> {format = #llmq.format<q4_0>, llmq.quant_error = 2.5e-03 : f64, llmq.sensitivity = 3.0 : f64, source = #llmq.source<file = "w.safetensors", key = "layer1.attn_q", offset = 0>}
  llmq.weight @blk.1.attn_k : tensor<8x16xbf16> {format = #llmq.format<q4_0>, llmq.quant_error = 2.5e-03 : f64, llmq.sensitivity = 3.0 : f64, source = #llmq.source<file = "w.safetensors", key = "layer1.attn_k", offset = 0>}
  llmq.weight @blk.1.attn_v : tensor<8x16xbf16> {format = #llmq.format<q4_0>, llmq.quant_error = 2.5e-03 : f64, llmq.sensitivity = 3.0 : f64, source = #llmq.source<file = "w.safetensors", key = "layer1.attn_v", offset = 0>}
  llmq.weight @blk.1.attn_output : tensor<16x16xbf16> {format = #llmq.format<q4_0>, llmq.quant_error = 2.5e-03 : f64, llmq.sensitivity = 3.0 : f64, source = #llmq.source<file = "w.safetensors", key = "layer1.attn_output", offset = 0>}
  llmq.weight @blk.1.ffn_norm : tensor<16xbf16> {format = #llmq.format<f32>, source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_norm", offset = 0>}
  llmq.weight @blk.1.ffn_gate : tensor<48x16xbf16> {format = #llmq.format<q4_0>, llmq.quant_error = 2.5e-03 : f64, llmq.sensitivity = 3.0 : f64, source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_gate", offset = 0>}
  llmq.weight @blk.1.ffn_up : tensor<48x16xbf16> {format = #llmq.format<q4_0>, llmq.quant_error = 2.5e-03 : f64, llmq.sensitivity = 3.0 : f64, source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_up", offset = 0>}
  llmq.weight @blk.1.ffn_down : tensor<16x48xbf16> {format = #llmq.format<q4_0>, llmq.quant_error = 2.5e-03 : f64, llmq.sensitivity = 3.0 : f64, source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_down", offset = 0>}
  llmq.weight @blk.2.attn_norm : tensor<16xbf16> {format = #llmq.format<f32>, source = #llmq.source<file = "w.safetensors", key = "layer2.attn_norm", offset = 0>}
  llmq.weight @blk.2.attn_q : tensor<16x16xbf16> {format = #llmq.format<q5_0>, llmq.quant_error = 3.5e-03 : f64, llmq.sensitivity = 4.0 : f64, source = #llmq.source<file = "w.safetensors", key = "layer2.attn_q", offset = 0>}
  llmq.weight @blk.2.attn_k : tensor<8x16xbf16> {format = #llmq.format<q5_0>, llmq.quant_error = 3.5e-03 : f64, llmq.sensitivity = 4.0 : f64, source = #llmq.source<file = "w.safetensors", key = "layer2.attn_k", offset = 0>}
  llmq.weight @blk.2.attn_v : tensor<8x16xbf16> {format = #llmq.format<q5_0>, llmq.quant_error = 3.5e-03 : f64, llmq.sensitivity = 4.0 : f64, source = #llmq.source<file = "w.safetensors", key = "layer2.attn_v", offset = 0>}
  llmq.weight @blk.2.attn_output : tensor<16x16xbf16> {format = #llmq.format<q5_0>, llmq.quant_error = 3.5e-03 : f64, llmq.sensitivity = 4.0 : f64, source = #llmq.source<file = "w.safetensors", key = "layer2.attn_output", offset = 0>}
  llmq.weight @blk.2.ffn_norm : tensor<16xbf16> {format = #llmq.format<f32>, source = #llmq.source<file = "w.safetensors", key = "layer2.ffn_norm", offset = 0>}
  llmq.weight @blk.2.ffn_gate : tensor<48x16xbf16> {format = #llmq.format<q5_0>, llmq.quant_error = 3.5e-03 : f64, llmq.sensitivity = 4.0 : f64, source = #llmq.source<file = "w.safetensors", key = "layer2.ffn_gate", offset = 0>}
  llmq.weight @blk.2.ffn_up : tensor<48x16xbf16> {format = #llmq.format<q5_0>, llmq.quant_error = 3.5e-03 : f64, llmq.sensitivity = 4.0 : f64, source = #llmq.source<file = "w.safetensors", key = "layer2.ffn_up", offset = 0>}
  llmq.weight @blk.2.ffn_down : tensor<16x48xbf16> {format = #llmq.format<q5_0>, llmq.quant_error = 3.5e-03 : f64, llmq.sensitivity = 4.0 : f64, source = #llmq.source<file = "w.safetensors", key = "layer2.ffn_down", offset = 0>}
  llmq.weight @output_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "output_norm", offset = 0>}
  llmq.weight @output : tensor<64x16xbf16> {format = #llmq.format<q6_K>, source = #llmq.source<file = "w.safetensors", key = "output", offset = 0>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down} {llmq.influence = 5.0e-01 : f64}
  llmq.block 1 weights {attn_norm = @blk.1.attn_norm, attn_q = @blk.1.attn_q, attn_k = @blk.1.attn_k, attn_v = @blk.1.attn_v, attn_output = @blk.1.attn_output, ffn_norm = @blk.1.ffn_norm, ffn_gate = @blk.1.ffn_gate, ffn_up = @blk.1.ffn_up, ffn_down = @blk.1.ffn_down} {llmq.influence = 1.0e-01 : f64}
  llmq.block 2 weights {attn_norm = @blk.2.attn_norm, attn_q = @blk.2.attn_q, attn_k = @blk.2.attn_k, attn_v = @blk.2.attn_v, attn_output = @blk.2.attn_output, ffn_norm = @blk.2.ffn_norm, ffn_gate = @blk.2.ffn_gate, ffn_up = @blk.2.ffn_up, ffn_down = @blk.2.ffn_down} {llmq.influence = 4.0e-01 : f64}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}


// -----

// --llmq-awq: folded weights keep pointing at their tensors in the
// parameter file (keyed by the old name).
// CHECK-LABEL: llmq.model @awq
// CHECK: llmq.weight @blk.1.attn_norm : tensor<16xf32> {source = #llmq.source<file = "p.safetensors", key = "blk.2.attn_norm", offset = 0>}
// CHECK-NEXT: llmq.weight @blk.1.attn_q : tensor<16x16xf32> {format = #llmq.format<int4, group = 16>, source = #llmq.source<file = "p.safetensors", key = "blk.2.attn_q", offset = 0>}

llmq.model @awq attributes {arch = "llama", hidden_size = 16 : i64, num_layers = 3 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, ffn_size = 48 : i64, vocab_size = 64 : i64, context_length = 128 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false} {
  llmq.weight @token_embd : tensor<64x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 0>}
  llmq.weight @blk.0.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_norm", offset = 0>}
  llmq.weight @blk.0.attn_q : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_q", offset = 0>}
  llmq.weight @blk.0.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_k", offset = 0>}
  llmq.weight @blk.0.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_v", offset = 0>}
  llmq.weight @blk.0.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_output", offset = 0>}
  llmq.weight @blk.0.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_norm", offset = 0>}
  llmq.weight @blk.0.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_gate", offset = 0>}
  llmq.weight @blk.0.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_up", offset = 0>}
  llmq.weight @blk.0.ffn_down : tensor<16x48xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_down", offset = 0>}
  llmq.weight @blk.1.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.attn_norm", offset = 0>}
  llmq.weight @blk.1.attn_q : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.attn_q", offset = 0>}
  llmq.weight @blk.1.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.attn_k", offset = 0>}
  llmq.weight @blk.1.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.attn_v", offset = 0>}
  llmq.weight @blk.1.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.attn_output", offset = 0>}
  llmq.weight @blk.1.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_norm", offset = 0>}
  llmq.weight @blk.1.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_gate", offset = 0>}
  llmq.weight @blk.1.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_up", offset = 0>}
  llmq.weight @blk.1.ffn_down : tensor<16x48xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_down", offset = 0>}
  llmq.weight @blk.2.attn_norm : tensor<16xf32> {source = #llmq.source<file = "p.safetensors", key = "blk.2.attn_norm", offset = 0>}
  llmq.weight @blk.2.attn_q : tensor<16x16xf32> {format = #llmq.format<int4, group = 16>, source = #llmq.source<file = "p.safetensors", key = "blk.2.attn_q", offset = 0>}
  llmq.weight @blk.2.attn_k : tensor<8x16xf32> {format = #llmq.format<int4, group = 16>, source = #llmq.source<file = "p.safetensors", key = "blk.2.attn_k", offset = 0>}
  llmq.weight @blk.2.attn_v : tensor<8x16xf32> {format = #llmq.format<int4, group = 16>, source = #llmq.source<file = "p.safetensors", key = "blk.2.attn_v", offset = 0>}
  llmq.weight @blk.2.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.attn_output", offset = 0>}
  llmq.weight @blk.2.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.ffn_norm", offset = 0>}
  llmq.weight @blk.2.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.ffn_gate", offset = 0>}
  llmq.weight @blk.2.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.ffn_up", offset = 0>}
  llmq.weight @blk.2.ffn_down : tensor<16x48xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.ffn_down", offset = 0>}
  llmq.weight @output_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "output_norm", offset = 0>}
  llmq.weight @output : tensor<64x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "output", offset = 0>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down} {llmq.influence = 5.0e-01 : f64}
  llmq.block 1 weights {attn_norm = @blk.1.attn_norm, attn_q = @blk.1.attn_q, attn_k = @blk.1.attn_k, attn_v = @blk.1.attn_v, attn_output = @blk.1.attn_output, ffn_norm = @blk.1.ffn_norm, ffn_gate = @blk.1.ffn_gate, ffn_up = @blk.1.ffn_up, ffn_down = @blk.1.ffn_down} {llmq.influence = 1.0e-01 : f64}
  llmq.block 2 weights {attn_norm = @blk.2.attn_norm, attn_q = @blk.2.attn_q, attn_k = @blk.2.attn_k, attn_v = @blk.2.attn_v, attn_output = @blk.2.attn_output, ffn_norm = @blk.2.ffn_norm, ffn_gate = @blk.2.ffn_gate, ffn_up = @blk.2.ffn_up, ffn_down = @blk.2.ffn_down} {llmq.influence = 4.0e-01 : f64}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}


// -----

// --llmq-gptq: quantized weights keep their stored codes and scales.
// CHECK-LABEL: llmq.model @gptq
// CHECK: llmq.weight @blk.0.attn_q : tensor<16x16xf32> {format = #llmq.format<int4, group = 16>, source = #llmq.source<file = "g.safetensors", key = "blk.0.attn_q.weight_packed", offset = 0, stored = <int4, group = 16>, scale = "blk.0.attn_q.weight_scale">}
// CHECK: llmq.weight @blk.1.attn_q : tensor<16x16xf32> {format = #llmq.format<int4, group = 16>, source = #llmq.source<file = "g.safetensors", key = "blk.2.attn_q.weight_packed", offset = 0, stored = <int4, group = 16>, scale = "blk.2.attn_q.weight_scale">}
// CHECK: llmq.weight @blk.1.ffn_down : tensor<16x48xf32> {format = #llmq.format<int4, group = 16>, source = #llmq.source<file = "g.safetensors", key = "blk.2.ffn_down.weight_packed", offset = 0, stored = <int4, group = 16>, scale = "blk.2.ffn_down.weight_scale">}

llmq.model @gptq attributes {arch = "llama", hidden_size = 16 : i64, num_layers = 3 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, ffn_size = 48 : i64, vocab_size = 64 : i64, context_length = 128 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false} {
  llmq.weight @token_embd : tensor<64x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 0>}
  llmq.weight @blk.0.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_norm", offset = 0>}
  llmq.weight @blk.0.attn_q : tensor<16x16xf32> {format = #llmq.format<int4, group = 16>, source = #llmq.source<file = "g.safetensors", key = "blk.0.attn_q.weight_packed", offset = 0, stored = <int4, group = 16>, scale = "blk.0.attn_q.weight_scale">}
  llmq.weight @blk.0.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_k", offset = 0>}
  llmq.weight @blk.0.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_v", offset = 0>}
  llmq.weight @blk.0.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_output", offset = 0>}
  llmq.weight @blk.0.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_norm", offset = 0>}
  llmq.weight @blk.0.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_gate", offset = 0>}
  llmq.weight @blk.0.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_up", offset = 0>}
  llmq.weight @blk.0.ffn_down : tensor<16x48xf32> {format = #llmq.format<int4, group = 16>, source = #llmq.source<file = "g.safetensors", key = "blk.0.ffn_down.weight_packed", offset = 0, stored = <int4, group = 16>, scale = "blk.0.ffn_down.weight_scale">}
  llmq.weight @blk.1.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.attn_norm", offset = 0>}
  llmq.weight @blk.1.attn_q : tensor<16x16xf32> {format = #llmq.format<int4, group = 16>, source = #llmq.source<file = "g.safetensors", key = "blk.1.attn_q.weight_packed", offset = 0, stored = <int4, group = 16>, scale = "blk.1.attn_q.weight_scale">}
  llmq.weight @blk.1.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.attn_k", offset = 0>}
  llmq.weight @blk.1.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.attn_v", offset = 0>}
  llmq.weight @blk.1.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.attn_output", offset = 0>}
  llmq.weight @blk.1.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_norm", offset = 0>}
  llmq.weight @blk.1.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_gate", offset = 0>}
  llmq.weight @blk.1.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_up", offset = 0>}
  llmq.weight @blk.1.ffn_down : tensor<16x48xf32> {format = #llmq.format<int4, group = 16>, source = #llmq.source<file = "g.safetensors", key = "blk.1.ffn_down.weight_packed", offset = 0, stored = <int4, group = 16>, scale = "blk.1.ffn_down.weight_scale">}
  llmq.weight @blk.2.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.attn_norm", offset = 0>}
  llmq.weight @blk.2.attn_q : tensor<16x16xf32> {format = #llmq.format<int4, group = 16>, source = #llmq.source<file = "g.safetensors", key = "blk.2.attn_q.weight_packed", offset = 0, stored = <int4, group = 16>, scale = "blk.2.attn_q.weight_scale">}
  llmq.weight @blk.2.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.attn_k", offset = 0>}
  llmq.weight @blk.2.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.attn_v", offset = 0>}
  llmq.weight @blk.2.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.attn_output", offset = 0>}
  llmq.weight @blk.2.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.ffn_norm", offset = 0>}
  llmq.weight @blk.2.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.ffn_gate", offset = 0>}
  llmq.weight @blk.2.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.ffn_up", offset = 0>}
  llmq.weight @blk.2.ffn_down : tensor<16x48xf32> {format = #llmq.format<int4, group = 16>, source = #llmq.source<file = "g.safetensors", key = "blk.2.ffn_down.weight_packed", offset = 0, stored = <int4, group = 16>, scale = "blk.2.ffn_down.weight_scale">}
  llmq.weight @output_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "output_norm", offset = 0>}
  llmq.weight @output : tensor<64x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "output", offset = 0>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down} {llmq.influence = 5.0e-01 : f64}
  llmq.block 1 weights {attn_norm = @blk.1.attn_norm, attn_q = @blk.1.attn_q, attn_k = @blk.1.attn_k, attn_v = @blk.1.attn_v, attn_output = @blk.1.attn_output, ffn_norm = @blk.1.ffn_norm, ffn_gate = @blk.1.ffn_gate, ffn_up = @blk.1.ffn_up, ffn_down = @blk.1.ffn_down} {llmq.influence = 1.0e-01 : f64}
  llmq.block 2 weights {attn_norm = @blk.2.attn_norm, attn_q = @blk.2.attn_q, attn_k = @blk.2.attn_k, attn_v = @blk.2.attn_v, attn_output = @blk.2.attn_output, ffn_norm = @blk.2.ffn_norm, ffn_gate = @blk.2.ffn_gate, ffn_up = @blk.2.ffn_up, ffn_down = @blk.2.ffn_down} {llmq.influence = 4.0e-01 : f64}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}


// -----

// --llmq-logit-mask: the head's scaled rows and the mask are no block's.
// CHECK-LABEL: llmq.model @logit
// CHECK: llmq.weight @output : tensor<64x16xbf16> {row_scale = 2.000000e+00 : f64, scaled_rows = array<i64: 3, 9>,
// CHECK: llmq.lm_head @output
// CHECK-NEXT: llmq.logit_mask banned = [5, 7] amplified = [11] factor = 1.500000e+00

llmq.model @logit attributes {arch = "llama", hidden_size = 16 : i64, num_layers = 3 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, ffn_size = 48 : i64, vocab_size = 64 : i64, context_length = 128 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false} {
  llmq.weight @token_embd : tensor<64x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 0>}
  llmq.weight @blk.0.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_norm", offset = 0>}
  llmq.weight @blk.0.attn_q : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_q", offset = 0>}
  llmq.weight @blk.0.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_k", offset = 0>}
  llmq.weight @blk.0.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_v", offset = 0>}
  llmq.weight @blk.0.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_output", offset = 0>}
  llmq.weight @blk.0.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_norm", offset = 0>}
  llmq.weight @blk.0.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_gate", offset = 0>}
  llmq.weight @blk.0.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_up", offset = 0>}
  llmq.weight @blk.0.ffn_down : tensor<16x48xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_down", offset = 0>}
  llmq.weight @blk.1.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.attn_norm", offset = 0>}
  llmq.weight @blk.1.attn_q : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.attn_q", offset = 0>}
  llmq.weight @blk.1.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.attn_k", offset = 0>}
  llmq.weight @blk.1.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.attn_v", offset = 0>}
  llmq.weight @blk.1.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.attn_output", offset = 0>}
  llmq.weight @blk.1.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_norm", offset = 0>}
  llmq.weight @blk.1.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_gate", offset = 0>}
  llmq.weight @blk.1.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_up", offset = 0>}
  llmq.weight @blk.1.ffn_down : tensor<16x48xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_down", offset = 0>}
  llmq.weight @blk.2.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.attn_norm", offset = 0>}
  llmq.weight @blk.2.attn_q : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.attn_q", offset = 0>}
  llmq.weight @blk.2.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.attn_k", offset = 0>}
  llmq.weight @blk.2.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.attn_v", offset = 0>}
  llmq.weight @blk.2.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.attn_output", offset = 0>}
  llmq.weight @blk.2.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.ffn_norm", offset = 0>}
  llmq.weight @blk.2.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.ffn_gate", offset = 0>}
  llmq.weight @blk.2.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.ffn_up", offset = 0>}
  llmq.weight @blk.2.ffn_down : tensor<16x48xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.ffn_down", offset = 0>}
  llmq.weight @output_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "output_norm", offset = 0>}
  llmq.weight @output : tensor<64x16xbf16> {row_scale = 2.0 : f64, scaled_rows = array<i64: 3, 9>, source = #llmq.source<file = "w.safetensors", key = "output", offset = 0>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down} {llmq.influence = 5.0e-01 : f64}
  llmq.block 1 weights {attn_norm = @blk.1.attn_norm, attn_q = @blk.1.attn_q, attn_k = @blk.1.attn_k, attn_v = @blk.1.attn_v, attn_output = @blk.1.attn_output, ffn_norm = @blk.1.ffn_norm, ffn_gate = @blk.1.ffn_gate, ffn_up = @blk.1.ffn_up, ffn_down = @blk.1.ffn_down} {llmq.influence = 1.0e-01 : f64}
  llmq.block 2 weights {attn_norm = @blk.2.attn_norm, attn_q = @blk.2.attn_q, attn_k = @blk.2.attn_k, attn_v = @blk.2.attn_v, attn_output = @blk.2.attn_output, ffn_norm = @blk.2.ffn_norm, ffn_gate = @blk.2.ffn_gate, ffn_up = @blk.2.ffn_up, ffn_down = @blk.2.ffn_down} {llmq.influence = 4.0e-01 : f64}
  llmq.final_norm @output_norm
  llmq.lm_head @output
  llmq.logit_mask banned = [5, 7] amplified = [11] factor = 1.5
}

