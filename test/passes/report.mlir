// --llmq-report on hand-written models carrying every analysis's attributes
// (no weight is read: their file need not exist): the JSON has the model's
// totals, per layer its influence, bits, largest kurtosis and outlier share,
// quantization error and super-weight count, the super weights with their
// layer, and per tensor its format, bits and statistics, each the value in
// the IR (a layer with no quantization error has none); what is missing is
// named with the pass that computes it. The IR is left as it was; the same
// bytes twice; a module of two models reports both. The page checked mark
// by mark against the IR and imatrix: report.test; bad options:
// report-invalid-options.mlir.
//
// RUN: rm -rf %t && mkdir -p %t && cd %t
// RUN: quant-opt %s -split-input-file -o plain.mlir
// RUN: quant-opt %s -split-input-file --llmq-report="html=r.html json=r.json" -o reported.mlir
// RUN: cmp plain.mlir reported.mlir
// RUN: FileCheck %s --check-prefix=IR < reported.mlir
// RUN: quant-opt %s --llmq-report="html=both.html json=both.json" -o /dev/null
// RUN: quant-opt %s --llmq-report="html=again.html json=again.json" -o /dev/null
// RUN: cmp both.json again.json
// RUN: cmp both.html again.html
// RUN: FileCheck %s < both.json
// RUN: FileCheck %s --check-prefix=PAGE < both.html

// CHECK: "models": [
// CHECK-NEXT: {
// CHECK-NEXT: "arch": "llama",
// CHECK-NEXT: "assigned_bpw": 4.5,
// CHECK-NEXT: "assigned_bytes": 9000,
// CHECK-NEXT: "assigned_error": 0.25,
// CHECK-NEXT: "bits_per_weight": {{[0-9.]+}},
// CHECK-NEXT: "formats_assigned": true,
// CHECK-NEXT: "layers": [
// CHECK-NEXT: {
// CHECK-NEXT: "angular_distance": 0.25,
// CHECK-NEXT: "bits": 16,
// CHECK-NEXT: "influence": 0.125,
// CHECK-NEXT: "layer": 0,
// CHECK-NEXT: "super_weights": 0
// CHECK-NEXT: },
// CHECK-NEXT: {
// CHECK-NEXT: "angular_distance": 0.5,
// The q8_0 blk.1.ffn_down (768 values at 8.5 bits) among 2336 bf16 values.
// CHECK-NEXT: "bits": 14.1443298969072{{[0-9]*}},
// CHECK-NEXT: "influence": 0.75,
// CHECK-NEXT: "layer": 1,
// CHECK-NEXT: "max_kurtosis": 12.5,
// CHECK-NEXT: "max_outliers": 0.0025{{0*[0-9]?}},
// CHECK-NEXT: "quant_error": 0.0015,
// CHECK-NEXT: "super_weights": 1
// CHECK-NEXT: }
// CHECK-NEXT: ],
// CHECK-NEXT: "model": "rep",
// CHECK-NEXT: "not_computed": {
// CHECK-NEXT: "importance": "--llmq-imatrix"
// CHECK-NEXT: },
// CHECK-NEXT: "num_layers": 2,
// CHECK-NEXT: "super_weights": [
// CHECK-NEXT: {
// CHECK-NEXT: "col": 4,
// CHECK-NEXT: "layer": 1,
// CHECK-NEXT: "row": 3,
// CHECK-NEXT: "value": -2,
// CHECK-NEXT: "weight": "blk.1.ffn_down"
// CHECK-NEXT: }
// CHECK-NEXT: ],
// CHECK-NEXT: "tensors": [
// CHECK-NEXT: {
// CHECK-NEXT: "bits": 16,
// CHECK-NEXT: "elements": 1024,
// CHECK-NEXT: "format": "bf16",
// CHECK-NEXT: "name": "token_embd",
// CHECK: "bits": 8.5,
// CHECK-NEXT: "elements": 768,
// CHECK-NEXT: "format": "q8_0",
// CHECK-NEXT: "kurtosis": 12.5,
// CHECK-NEXT: "layer": 1,
// CHECK-NEXT: "max_abs": 2,
// CHECK-NEXT: "name": "blk.1.ffn_down",
// CHECK-NEXT: "outliers": 0.0025{{0*[0-9]?}},
// CHECK-NEXT: "pinned": 1,
// CHECK-NEXT: "quant_error": 0.0015,
// CHECK-NEXT: "rms": 0.25,
// CHECK-NEXT: "shape": [
// CHECK-NEXT: 16,
// CHECK-NEXT: 48
// CHECK-NEXT: ]
// CHECK-NEXT: },
// CHECK: "name": "output",

// IR-LABEL: llmq.model @rep
// IR-SAME: llmq.assigned_bpw = 4.500000e+00 : f64, llmq.assigned_bytes = 9000 : i64, llmq.assigned_error = 2.500000e-01 : f64, llmq.super_weights = [#llmq.super_weight<weight = @blk.1.ffn_down, row = 3, col = 4, value = -2.000000e+00 : f64>]
// IR: llmq.weight @blk.1.ffn_down : tensor<16x48xbf16> {format = #llmq.format<q8_0>, llmq.pinned = [#llmq.pin<row = 3, col = 4, value = -2.000000e+00 : f64>], llmq.quant_error = 1.500000e-03 : f64, llmq.stats = {count = 768 : i64,
// IR: llmq.block 1 weights {{{[^}]*}}} {llmq.angular_distance = 5.000000e-01 : f64, llmq.influence = 7.500000e-01 : f64}

// PAGE: <title>llmq report: rep, bare</title>
// PAGE: class="mark" data-layer="1" data-value="0.75"
// PAGE: class="mark missing" data-layer="0" data-value=""

llmq.model @rep attributes {arch = "llama", hidden_size = 16 : i64, num_layers = 2 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, ffn_size = 48 : i64, vocab_size = 64 : i64, context_length = 128 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false, llmq.assigned_bytes = 9000 : i64, llmq.assigned_bpw = 4.5 : f64, llmq.assigned_error = 0.25 : f64, llmq.super_weights = [#llmq.super_weight<weight = @blk.1.ffn_down, row = 3, col = 4, value = -2.0>]} {
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
  llmq.weight @blk.1.ffn_down : tensor<16x48xbf16> {format = #llmq.format<q8_0>, llmq.pinned = [#llmq.pin<row = 3, col = 4, value = -2.0>], llmq.quant_error = 1.5e-03 : f64, llmq.stats = {count = 768 : i64, kurtosis = 12.5 : f64, max_abs = 2.0 : f64, mean = 0.0 : f64, outliers = 0.0025 : f64, rms = 0.25 : f64, std = 0.25 : f64}, source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_down", offset = 0>}
  llmq.weight @output_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "output_norm", offset = 0>}
  llmq.weight @output : tensor<64x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "output", offset = 0>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down} {llmq.angular_distance = 2.5e-01 : f64, llmq.influence = 1.25e-01 : f64}
  llmq.block 1 weights {attn_norm = @blk.1.attn_norm, attn_q = @blk.1.attn_q, attn_k = @blk.1.attn_k, attn_v = @blk.1.attn_v, attn_output = @blk.1.attn_output, ffn_norm = @blk.1.ffn_norm, ffn_gate = @blk.1.ffn_gate, ffn_up = @blk.1.ffn_up, ffn_down = @blk.1.ffn_down} {llmq.angular_distance = 5.0e-01 : f64, llmq.influence = 7.5e-01 : f64}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}

// -----

// Nothing computed yet: only the formats (none assigned) are reported.
// IR-LABEL: llmq.model @bare
// IR-NOT: {{[{ ]}}llmq.{{[a-z_]+}} =
// IR: llmq.lm_head @output
// CHECK: "formats_assigned": false,
// CHECK: "model": "bare",
// CHECK-NEXT: "not_computed": {
// CHECK-NEXT: "importance": "--llmq-imatrix",
// CHECK-NEXT: "influence": "--llmq-block-influence",
// CHECK-NEXT: "quant_error": "--llmq-assign-bits target-bpw=X",
// CHECK-NEXT: "super_weights": "--llmq-super-weights",
// CHECK-NEXT: "weight_stats": "--llmq-weight-stats"
// CHECK-NEXT: },
// CHECK-NEXT: "num_layers": 2,
// CHECK-NEXT: "tensors": [
// CHECK-COUNT-21: "name": "{{[a-z_.0-9]+}}",
// CHECK-NOT: "name":

llmq.model @bare attributes {arch = "llama", hidden_size = 16 : i64, num_layers = 2 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, ffn_size = 48 : i64, vocab_size = 64 : i64, context_length = 128 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false} {
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
  llmq.weight @output_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "output_norm", offset = 0>}
  llmq.weight @output : tensor<64x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "output", offset = 0>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.block 1 weights {attn_norm = @blk.1.attn_norm, attn_q = @blk.1.attn_q, attn_k = @blk.1.attn_k, attn_v = @blk.1.attn_v, attn_output = @blk.1.attn_output, ffn_norm = @blk.1.ffn_norm, ffn_gate = @blk.1.ffn_gate, ffn_up = @blk.1.ffn_up, ffn_down = @blk.1.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}
