// --llmq-weight-stats on hand-written models whose tensors are made by
// Inputs/make-weights.py (the key says the values): every weight gets
// llmq.stats, exact where the values make it so: +-1 alternating (mean 0,
// rms 1, excess kurtosis -2), all equal (std 0, kurtosis 0), one spike of 1
// in 768 zeros (one outlier beyond 6 std: 1/768), and the head's amplified
// row 1 read scaled by its row_scale 3 (max_abs 3, rms sqrt(2), kurtosis
// -1/4). A tied head is measured once, as the embedding. json=FILE writes
// the same numbers, one list per model. Bad input:
// weight-stats-invalid-options.mlir; real weights: weight-stats.test.
//
// RUN: rm -rf %t && mkdir -p %t && cd %t
// RUN: %python %S/Inputs/make-weights.py %s
// RUN: quant-opt %s -split-input-file --llmq-weight-stats | FileCheck %s
// RUN: quant-opt %s --llmq-weight-stats="json=%t/stats.json" -o /dev/null
// RUN: FileCheck %s --check-prefix=JSON < %t/stats.json

// CHECK-LABEL: llmq.model @stats
// CHECK-NEXT: llmq.weight @token_embd : tensor<8x16xbf16> {llmq.stats = {count = 128 : i64, kurtosis = -2.000000e+00 : f64, log2_histogram = array<i64: {{[0-9, ]+}}>, max_abs = 1.000000e+00 : f64, mean = 0.000000e+00 : f64, outliers = 0.000000e+00 : f64, rms = 1.000000e+00 : f64, std = 1.000000e+00 : f64}, source = #llmq.source<file = "w.safetensors", key = "alt:token_embd", offset = 4096>}
// CHECK-NEXT: llmq.weight @blk.0.attn_norm : tensor<16xbf16> {llmq.stats = {count = 16 : i64, kurtosis = 0.000000e+00 : f64, log2_histogram = array<i64: {{[0-9, ]+}}>, max_abs = 1.000000e+00 : f64, mean = 1.000000e+00 : f64, outliers = 0.000000e+00 : f64, rms = 1.000000e+00 : f64, std = 0.000000e+00 : f64}, source
// CHECK-NEXT: llmq.weight @blk.0.attn_q : tensor<16x16xbf16> {llmq.stats = {count = 256 : i64, kurtosis = 0.000000e+00 : f64, log2_histogram = array<i64: {{[0-9, ]+}}>, max_abs = 5.000000e-01 : f64, mean = 5.000000e-01 : f64, outliers = 0.000000e+00 : f64, rms = 5.000000e-01 : f64, std = 0.000000e+00 : f64}, source
// CHECK-NEXT: llmq.weight @blk.0.attn_k : tensor<8x16xbf16> {llmq.stats = {count = 128 : i64, kurtosis = {{-?[0-9.e-]+}} : f64, log2_histogram = array<i64: {{[0-9, ]+}}>, max_abs = {{[0-9.e-]+}} : f64, mean = {{-?[0-9.eE-]+}} : f64, outliers = 0.000000e+00 : f64, rms = {{[0-9.e-]+}} : f64, std = {{[0-9.e-]+}} : f64}, source
// CHECK-COUNT-5: llmq.weight @blk.0.{{[a-z_]+}} : tensor<{{[0-9x]+}}xbf16> {llmq.stats = {count = {{[0-9]+}} : i64,
// CHECK-NEXT: llmq.weight @blk.0.ffn_down : tensor<16x48xbf16> {llmq.stats = {count = 768 : i64, kurtosis = 763.00{{[0-9]+}} : f64, log2_histogram = array<i64: {{[0-9, ]+}}>, max_abs = 1.000000e+00 : f64, mean = 0.0013020833333333333 : f64, outliers = 0.0013020833333333333 : f64, rms = 0.0360843918243516{{[0-9]*}} : f64, std = {{[0-9.]+}} : f64}, source
// CHECK-NEXT: llmq.weight @output_norm : tensor<16xbf16> {llmq.stats = {count = 16 : i64,
// CHECK-NEXT: llmq.weight @output : tensor<8x16xbf16> {llmq.stats = {count = 128 : i64, kurtosis = -2.500000e-01 : f64, log2_histogram = array<i64: {{[0-9, ]+}}>, max_abs = 3.000000e+00 : f64, mean = 0.000000e+00 : f64, outliers = 0.000000e+00 : f64, rms = 1.4142135623730951 : f64, std = 1.4142135623730951 : f64}, row_scale = 3.000000e+00 : f64, scaled_rows = array<i64: 1>, source
// CHECK-NEXT: llmq.embedding @token_embd

// JSON: "models": [
// JSON-NEXT: {
// JSON-NEXT: "model": "stats",
// JSON-NEXT: "weights": [
// JSON-NEXT: {
// JSON-NEXT: "cols": 16,
// JSON-NEXT: "count": 128,
// JSON-NEXT: "kurtosis": -2,
// JSON-NEXT: "log2_histogram": [
// JSON-COUNT-48: {{^ +[0-9]+,$}}
// JSON-NEXT: {{^ +[0-9]+$}}
// JSON-NEXT: ],
// JSON-NEXT: "max_abs": 1,
// JSON-NEXT: "mean": 0,
// JSON-NEXT: "name": "token_embd",
// JSON-NEXT: "outliers": 0,
// JSON-NEXT: "rms": 1,
// JSON-NEXT: "rows": 8,
// JSON-NEXT: "std": 1
// JSON-NEXT: },
// JSON: "name": "output",
// JSON: "model": "tied",
// JSON-NEXT: "weights": [
// JSON-COUNT-11: "name": "
// JSON-NOT: "name": "

llmq.model @stats attributes {arch = "llama", hidden_size = 16 : i64, num_layers = 1 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, ffn_size = 48 : i64, vocab_size = 8 : i64, context_length = 128 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false} {
  llmq.weight @token_embd : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "alt:token_embd", offset = 4096>}
  llmq.weight @blk.0.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.0.attn_norm", offset = 4352>}
  llmq.weight @blk.0.attn_q : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "half:blk.0.attn_q", offset = 4384>}
  llmq.weight @blk.0.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_k", offset = 4896>}
  llmq.weight @blk.0.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_v", offset = 5152>}
  llmq.weight @blk.0.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_output", offset = 5408>}
  llmq.weight @blk.0.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.0.ffn_norm", offset = 5920>}
  llmq.weight @blk.0.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_gate", offset = 5952>}
  llmq.weight @blk.0.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_up", offset = 7488>}
  llmq.weight @blk.0.ffn_down : tensor<16x48xbf16> {source = #llmq.source<file = "w.safetensors", key = "spike:blk.0.ffn_down", offset = 9024>}
  llmq.weight @output_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:output_norm", offset = 10560>}
  llmq.weight @output : tensor<8x16xbf16> {row_scale = 3.0 : f64, scaled_rows = array<i64: 1>, source = #llmq.source<file = "w.safetensors", key = "alt:output", offset = 10592>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}

// -----

// CHECK-LABEL: llmq.model @tied
// CHECK-SAME: tied_embeddings = true
// CHECK-NEXT: llmq.weight @token_embd : tensor<8x16xbf16> {llmq.stats = {count = 128 : i64, kurtosis = -2.000000e+00 : f64, log2_histogram = array<i64: {{[0-9, ]+}}>, max_abs = 1.000000e+00 : f64,
// CHECK-COUNT-10: llmq.weight @{{.*}} {llmq.stats = {count =
// CHECK-NEXT: llmq.embedding @token_embd
// CHECK: llmq.lm_head @token_embd

llmq.model @tied attributes {arch = "llama", hidden_size = 16 : i64, num_layers = 1 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, ffn_size = 48 : i64, vocab_size = 8 : i64, context_length = 128 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = true} {
  llmq.weight @token_embd : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "alt:token_embd", offset = 4096>}
  llmq.weight @blk.0.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.0.attn_norm", offset = 4352>}
  llmq.weight @blk.0.attn_q : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "half:blk.0.attn_q", offset = 4384>}
  llmq.weight @blk.0.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_k", offset = 4896>}
  llmq.weight @blk.0.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_v", offset = 5152>}
  llmq.weight @blk.0.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_output", offset = 5408>}
  llmq.weight @blk.0.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.0.ffn_norm", offset = 5920>}
  llmq.weight @blk.0.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_gate", offset = 5952>}
  llmq.weight @blk.0.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_up", offset = 7488>}
  llmq.weight @blk.0.ffn_down : tensor<16x48xbf16> {source = #llmq.source<file = "w.safetensors", key = "spike:blk.0.ffn_down", offset = 9024>}
  llmq.weight @output_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:output_norm", offset = 10560>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @token_embd
}
