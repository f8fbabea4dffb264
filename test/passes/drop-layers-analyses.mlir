// --llmq-drop-layers keeps every analysis right: the model's super weights
// lose the dropped block's entries and follow the renames with the same
// coordinates; pins, importance (still keyed by the entry measured for the
// weight) and stats travel with their weight ops; a block's influence goes
// with it; assign-bits' totals over all weights are removed. The output
// verifies (the verifier rejects a super weight naming a missing weight), so
// it is also parsed again.
// RUN: quant-opt %s --llmq-drop-layers="indices=1" | FileCheck %s --check-prefix=MIDDLE
// RUN: quant-opt %s --llmq-drop-layers="count=1 by=influence" | FileCheck %s --check-prefix=MIDDLE
// RUN: quant-opt %s --llmq-drop-layers="indices=1" | quant-opt | FileCheck %s --check-prefix=MIDDLE
// RUN: quant-opt %s --llmq-drop-layers="indices=2 allow-ends=true" | FileCheck %s --check-prefix=LAST
// RUN: quant-opt %s --llmq-drop-layers="indices=1" | not grep -E "@blk\.2\.|layer1\.|row = 3|llmq\.assigned_|llmq\.estimated_kld"

// MIDDLE-LABEL: llmq.model @m
// MIDDLE-SAME: llmq.super_weights = [#llmq.super_weight<weight = @blk.0.ffn_down, row = 1, col = 2, value = 5.000000e-01 : f64>, #llmq.super_weight<weight = @blk.1.ffn_down, row = 5, col = 6, value = 7.000000e+00 : f64>, #llmq.super_weight<weight = @token_embd, row = 7, col = 8, value = 1.000000e+00 : f64>]
// MIDDLE-SAME: num_layers = 2
// MIDDLE: llmq.weight @blk.0.ffn_down : tensor<16x48xbf16> {llmq.importance = #llmq.importance<file = "imatrix.gguf", key = "blk.0.ffn_down.weight">, source = #llmq.source<{{.*}}key = "layer0.ffn_down"
// MIDDLE: llmq.weight @blk.1.ffn_down : tensor<16x48xbf16> {llmq.importance = #llmq.importance<file = "imatrix.gguf", key = "blk.2.ffn_down.weight">, llmq.pinned = [#llmq.pin<row = 5, col = 6, value = 7.000000e+00 : f64>], llmq.stats = {count = 768 : i64, rms = 2.500000e-01 : f64}, source = #llmq.source<{{.*}}key = "layer2.ffn_down"
// MIDDLE-NOT: @blk.2.
// MIDDLE-NOT: row = 3
// MIDDLE: llmq.block 0 weights {{.*}} {llmq.influence = 3.000000e-01 : f64}
// MIDDLE-NEXT: llmq.block 1 weights {{.*}} {llmq.influence = 2.000000e-01 : f64}
// MIDDLE-NOT: llmq.influence = 1.000000e-02

// LAST-LABEL: llmq.model @m
// LAST-SAME: llmq.super_weights = [#llmq.super_weight<weight = @blk.0.ffn_down, row = 1, col = 2, value = 5.000000e-01 : f64>, #llmq.super_weight<weight = @blk.1.ffn_down, row = 3, col = 4, value = -2.000000e+00 : f64>, #llmq.super_weight<weight = @token_embd, row = 7, col = 8, value = 1.000000e+00 : f64>]
// LAST: llmq.weight @blk.1.ffn_down : tensor<16x48xbf16> {llmq.importance = #llmq.importance<file = "imatrix.gguf", key = "blk.1.ffn_down.weight">, llmq.pinned = [#llmq.pin<row = 3, col = 4, value = -2.000000e+00 : f64>], source = #llmq.source<{{.*}}key = "layer1.ffn_down"
// LAST-NOT: blk.2.
// LAST-NOT: layer2.

llmq.model @m attributes {arch = "llama", hidden_size = 16 : i64, num_layers = 3 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, ffn_size = 48 : i64, vocab_size = 64 : i64, context_length = 64 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false, llmq.assigned_bytes = 9000 : i64, llmq.assigned_bpw = 4.5 : f64, llmq.assigned_error = 0.25 : f64, llmq.estimated_kld = 0.01 : f64, llmq.super_weights = [#llmq.super_weight<weight = @blk.0.ffn_down, row = 1, col = 2, value = 0.5>, #llmq.super_weight<weight = @blk.1.ffn_down, row = 3, col = 4, value = -2.0>, #llmq.super_weight<weight = @blk.2.ffn_down, row = 5, col = 6, value = 7.0>, #llmq.super_weight<weight = @token_embd, row = 7, col = 8, value = 1.0>]} {
  llmq.weight @token_embd : tensor<64x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "embed", offset = 0>}
  llmq.weight @blk.0.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_norm", offset = 0>}
  llmq.weight @blk.0.attn_q : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_q", offset = 0>}
  llmq.weight @blk.0.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_k", offset = 0>}
  llmq.weight @blk.0.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_v", offset = 0>}
  llmq.weight @blk.0.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_output", offset = 0>}
  llmq.weight @blk.0.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_norm", offset = 0>}
  llmq.weight @blk.0.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_gate", offset = 0>}
  llmq.weight @blk.0.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_up", offset = 0>}
  llmq.weight @blk.0.ffn_down : tensor<16x48xbf16> {llmq.importance = #llmq.importance<file = "imatrix.gguf", key = "blk.0.ffn_down.weight">, source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_down", offset = 0>}
  llmq.weight @blk.1.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.attn_norm", offset = 0>}
  llmq.weight @blk.1.attn_q : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.attn_q", offset = 0>}
  llmq.weight @blk.1.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.attn_k", offset = 0>}
  llmq.weight @blk.1.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.attn_v", offset = 0>}
  llmq.weight @blk.1.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.attn_output", offset = 0>}
  llmq.weight @blk.1.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_norm", offset = 0>}
  llmq.weight @blk.1.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_gate", offset = 0>}
  llmq.weight @blk.1.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_up", offset = 0>}
  llmq.weight @blk.1.ffn_down : tensor<16x48xbf16> {llmq.pinned = [#llmq.pin<row = 3, col = 4, value = -2.0>], llmq.importance = #llmq.importance<file = "imatrix.gguf", key = "blk.1.ffn_down.weight">, source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_down", offset = 0>}
  llmq.weight @blk.2.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.attn_norm", offset = 0>}
  llmq.weight @blk.2.attn_q : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.attn_q", offset = 0>}
  llmq.weight @blk.2.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.attn_k", offset = 0>}
  llmq.weight @blk.2.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.attn_v", offset = 0>}
  llmq.weight @blk.2.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.attn_output", offset = 0>}
  llmq.weight @blk.2.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.ffn_norm", offset = 0>}
  llmq.weight @blk.2.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.ffn_gate", offset = 0>}
  llmq.weight @blk.2.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.ffn_up", offset = 0>}
  llmq.weight @blk.2.ffn_down : tensor<16x48xbf16> {llmq.pinned = [#llmq.pin<row = 5, col = 6, value = 7.0>], llmq.importance = #llmq.importance<file = "imatrix.gguf", key = "blk.2.ffn_down.weight">, llmq.stats = {count = 768 : i64, rms = 0.25}, source = #llmq.source<file = "w.safetensors", key = "layer2.ffn_down", offset = 0>}
  llmq.weight @output_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "norm", offset = 0>}
  llmq.weight @output : tensor<64x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "head", offset = 0>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down} {llmq.influence = 0.3 : f64}
  llmq.block 1 weights {attn_norm = @blk.1.attn_norm, attn_q = @blk.1.attn_q, attn_k = @blk.1.attn_k, attn_v = @blk.1.attn_v, attn_output = @blk.1.attn_output, ffn_norm = @blk.1.ffn_norm, ffn_gate = @blk.1.ffn_gate, ffn_up = @blk.1.ffn_up, ffn_down = @blk.1.ffn_down} {llmq.influence = 0.01 : f64}
  llmq.block 2 weights {attn_norm = @blk.2.attn_norm, attn_q = @blk.2.attn_q, attn_k = @blk.2.attn_k, attn_v = @blk.2.attn_v, attn_output = @blk.2.attn_output, ffn_norm = @blk.2.ffn_norm, ffn_gate = @blk.2.ffn_gate, ffn_up = @blk.2.ffn_up, ffn_down = @blk.2.ffn_down} {llmq.influence = 0.2 : f64}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}
