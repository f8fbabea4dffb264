// --llmq-report needs a file to write; an output it may not or cannot write
// (the input, a missing directory) and an imatrix file a weight's
// importance names but that cannot be read are reported with their names
// in one line, exit 1, and nothing is written. The option errors come from
// first.mlir (the first chunk: the report reads every model before it
// writes); the IR's from second.mlir (the chunk after it).
//
// RUN: rm -rf %t && mkdir -p %t && cd %t
// RUN: sed '/^\/\/ -----$/,$d' %s > first.mlir
// RUN: not quant-opt %s --llmq-report 2>&1 | FileCheck %s --check-prefix=NOFILE --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt first.mlir --llmq-report="html=first.mlir json=%t/r.json" 2>&1 | FileCheck %s --check-prefix=INPUT --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt first.mlir --llmq-report="json=%t/no/dir/r.json" 2>&1 | FileCheck %s --check-prefix=NODIR --match-full-lines --implicit-check-not="{{.}}"
// RUN: sed -n '/^\/\/ -----$/,$p' %s > second.mlir
// RUN: not quant-opt second.mlir --llmq-report="html=%t/r.html json=%t/r.json" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=NOIMATRIX --match-full-lines --implicit-check-not="{{.}}"
// RUN: echo 'module {}' | not quant-opt --llmq-report="json=%t/r.json" 2>&1 | FileCheck %s --check-prefix=NOMODEL
// RUN: not test -e %t/r.html
// RUN: not test -e %t/r.json
// RUN: not test -e %t/out.mlir
// RUN: not test -e %t/no

// NOFILE: {{.*}}: error: llmq-report: give html=FILE, json=FILE or both
// INPUT: {{.*}}: error: llmq-report: first.mlir: is an input of this run (the input 'first.mlir'); refusing to overwrite it
// NODIR: {{.*}}: error: llmq-report: {{.*}}no/dir/r.json: cannot create output: No such file or directory
// NOMODEL: <stdin>:1:1: error: llmq-report: the module holds no llmq.model

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

// NOIMATRIX: {{.*}}second.mlir:{{[0-9]+}}:1: error: llmq-report: missing.gguf: cannot open: No such file or directory
llmq.model @noimatrix attributes {arch = "llama", hidden_size = 16 : i64, num_layers = 2 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, ffn_size = 48 : i64, vocab_size = 64 : i64, context_length = 128 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false, llmq.assigned_bytes = 9000 : i64, llmq.assigned_bpw = 4.5 : f64, llmq.assigned_error = 0.25 : f64, llmq.super_weights = [#llmq.super_weight<weight = @blk.1.ffn_down, row = 3, col = 4, value = -2.0>]} {
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
  llmq.weight @blk.1.ffn_down : tensor<16x48xbf16> {format = #llmq.format<q8_0>, llmq.importance = #llmq.importance<file = "missing.gguf", key = "blk.1.ffn_down.weight">, llmq.pinned = [#llmq.pin<row = 3, col = 4, value = -2.0>], llmq.quant_error = 1.5e-03 : f64, llmq.stats = {count = 768 : i64, kurtosis = 12.5 : f64, max_abs = 2.0 : f64, mean = 0.0 : f64, outliers = 0.0025 : f64, rms = 0.25 : f64, std = 0.25 : f64}, source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_down", offset = 0>}
  llmq.weight @output_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "output_norm", offset = 0>}
  llmq.weight @output : tensor<64x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "output", offset = 0>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down} {llmq.angular_distance = 2.5e-01 : f64, llmq.influence = 1.25e-01 : f64}
  llmq.block 1 weights {attn_norm = @blk.1.attn_norm, attn_q = @blk.1.attn_q, attn_k = @blk.1.attn_k, attn_v = @blk.1.attn_v, attn_output = @blk.1.attn_output, ffn_norm = @blk.1.ffn_norm, ffn_gate = @blk.1.ffn_gate, ffn_up = @blk.1.ffn_up, ffn_down = @blk.1.ffn_down} {llmq.angular_distance = 5.0e-01 : f64, llmq.influence = 7.5e-01 : f64}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}
