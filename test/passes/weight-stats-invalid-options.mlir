// --llmq-weight-stats: a weight it cannot read (a missing file, a key not
// in the file, an offset or a size outside its tensor) and a json= file it
// may not or cannot write are one line naming the file, the tensor and the
// weight, exit 1, nothing written. Option errors come from the first
// model; the IR's from the chunks after it, each at its model's line (in
// every run: each chunk is a run of its own). The weight source is refused
// as json= although the file holds several models (quant-opt used to parse
// such a file as one op, fail quietly, and protect none of its sources:
// the JSON replaced w.safetensors). (The
// verifier's checks of llmq.stats: test/dialects/Llmq/invalid.mlir.)
//
// RUN: rm -rf %t && mkdir -p %t && cd %t
// RUN: %python %S/Inputs/make-weights.py %s --only w.safetensors
// RUN: cp w.safetensors copy.safetensors
// RUN: not quant-opt %s --llmq-weight-stats="json=%s" -split-input-file -o %t/INPUT.mlir 2>&1 | FileCheck %s --check-prefixes=INPUT,IR --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-weight-stats="json=w.safetensors" -split-input-file -o %t/SOURCE.mlir 2>&1 | FileCheck %s --check-prefixes=SOURCE,IR --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-weight-stats="json=%t/no/such/dir/stats.json" -split-input-file -o %t/NODIR.mlir 2>&1 | FileCheck %s --check-prefixes=NODIR,IR --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s -split-input-file --llmq-weight-stats -o %t/IR.mlir 2>&1 | FileCheck %s --check-prefix=IR --match-full-lines --implicit-check-not="{{.}}"
// RUN: not ls %t/*.mlir
// RUN: cmp w.safetensors copy.safetensors

// INPUT: {{.*}}: error: llmq-weight-stats: {{.*}}weight-stats-invalid-options.mlir: is an input of this run (the input '{{.*}}weight-stats-invalid-options.mlir'); refusing to overwrite it
// SOURCE: {{.*}}: error: llmq-weight-stats: w.safetensors: is an input of this run (a weight source 'w.safetensors'); refusing to overwrite it
// NODIR: {{.*}}: error: llmq-weight-stats: {{.*}}no/such/dir/stats.json: cannot create output: No such file or directory

llmq.model @m attributes {arch = "llama", hidden_size = 16 : i64, num_layers = 1 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, ffn_size = 48 : i64, vocab_size = 8 : i64, context_length = 128 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false} {
  llmq.weight @token_embd : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 4096>}
  llmq.weight @blk.0.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.0.attn_norm", offset = 4352>}
  llmq.weight @blk.0.attn_q : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_q", offset = 4384>}
  llmq.weight @blk.0.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_k", offset = 4896>}
  llmq.weight @blk.0.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_v", offset = 5152>}
  llmq.weight @blk.0.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_output", offset = 5408>}
  llmq.weight @blk.0.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.0.ffn_norm", offset = 5920>}
  llmq.weight @blk.0.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_gate", offset = 5952>}
  llmq.weight @blk.0.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_up", offset = 7488>}
  llmq.weight @blk.0.ffn_down : tensor<16x48xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_down", offset = 9024>}
  llmq.weight @output_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:output_norm", offset = 10560>}
  llmq.weight @output : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "output", offset = 10592>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}

// -----

// IR: {{.*}}.mlir:[[# @LINE + 1]]:1: error: llmq-weight-stats: missing.safetensors: cannot open: No such file or directory
llmq.model @missing attributes {arch = "llama", hidden_size = 16 : i64, num_layers = 1 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, ffn_size = 48 : i64, vocab_size = 8 : i64, context_length = 128 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false} {
  llmq.weight @token_embd : tensor<8x16xbf16> {source = #llmq.source<file = "missing.safetensors", key = "token_embd", offset = 4096>}
  llmq.weight @blk.0.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.0.attn_norm", offset = 4352>}
  llmq.weight @blk.0.attn_q : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_q", offset = 4384>}
  llmq.weight @blk.0.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_k", offset = 4896>}
  llmq.weight @blk.0.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_v", offset = 5152>}
  llmq.weight @blk.0.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_output", offset = 5408>}
  llmq.weight @blk.0.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.0.ffn_norm", offset = 5920>}
  llmq.weight @blk.0.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_gate", offset = 5952>}
  llmq.weight @blk.0.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_up", offset = 7488>}
  llmq.weight @blk.0.ffn_down : tensor<16x48xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_down", offset = 9024>}
  llmq.weight @output_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:output_norm", offset = 10560>}
  llmq.weight @output : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "output", offset = 10592>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}

// -----

// IR: {{.*}}.mlir:[[# @LINE + 1]]:1: error: llmq-weight-stats: copy.safetensors: tensor 'blk.9.attn_v' (weight 'blk.0.attn_v') is not in the file
llmq.model @nokey attributes {arch = "llama", hidden_size = 16 : i64, num_layers = 1 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, ffn_size = 48 : i64, vocab_size = 8 : i64, context_length = 128 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false} {
  llmq.weight @token_embd : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 4096>}
  llmq.weight @blk.0.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.0.attn_norm", offset = 4352>}
  llmq.weight @blk.0.attn_q : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_q", offset = 4384>}
  llmq.weight @blk.0.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_k", offset = 4896>}
  llmq.weight @blk.0.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "copy.safetensors", key = "blk.9.attn_v", offset = 5152>}
  llmq.weight @blk.0.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_output", offset = 5408>}
  llmq.weight @blk.0.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.0.ffn_norm", offset = 5920>}
  llmq.weight @blk.0.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_gate", offset = 5952>}
  llmq.weight @blk.0.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_up", offset = 7488>}
  llmq.weight @blk.0.ffn_down : tensor<16x48xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_down", offset = 9024>}
  llmq.weight @output_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:output_norm", offset = 10560>}
  llmq.weight @output : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "output", offset = 10592>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}

// -----

// IR: {{.*}}.mlir:[[# @LINE + 1]]:1: error: llmq-weight-stats: copy.safetensors: tensor 'blk.0.attn_v' (weight 'blk.0.attn_v') needs 256 bytes at offset 5153, but the tensor holds 256 bytes at offset 5152
llmq.model @offset attributes {arch = "llama", hidden_size = 16 : i64, num_layers = 1 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, ffn_size = 48 : i64, vocab_size = 8 : i64, context_length = 128 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false} {
  llmq.weight @token_embd : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 4096>}
  llmq.weight @blk.0.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.0.attn_norm", offset = 4352>}
  llmq.weight @blk.0.attn_q : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_q", offset = 4384>}
  llmq.weight @blk.0.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_k", offset = 4896>}
  llmq.weight @blk.0.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "copy.safetensors", key = "blk.0.attn_v", offset = 5153>}
  llmq.weight @blk.0.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_output", offset = 5408>}
  llmq.weight @blk.0.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.0.ffn_norm", offset = 5920>}
  llmq.weight @blk.0.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_gate", offset = 5952>}
  llmq.weight @blk.0.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_up", offset = 7488>}
  llmq.weight @blk.0.ffn_down : tensor<16x48xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_down", offset = 9024>}
  llmq.weight @output_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:output_norm", offset = 10560>}
  llmq.weight @output : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "output", offset = 10592>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}

// -----

// IR: {{.*}}.mlir:[[# @LINE + 1]]:1: error: llmq-weight-stats: copy.safetensors: tensor 'blk.0.attn_v' (weight 'blk.0.attn_v') needs 512 bytes at offset 5152, but the tensor holds 256 bytes at offset 5152
llmq.model @short attributes {arch = "llama", hidden_size = 16 : i64, num_layers = 1 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, ffn_size = 48 : i64, vocab_size = 8 : i64, context_length = 128 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false} {
  llmq.weight @token_embd : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 4096>}
  llmq.weight @blk.0.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.0.attn_norm", offset = 4352>}
  llmq.weight @blk.0.attn_q : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_q", offset = 4384>}
  llmq.weight @blk.0.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_k", offset = 4896>}
  llmq.weight @blk.0.attn_v : tensor<8x16xf32> {source = #llmq.source<file = "copy.safetensors", key = "blk.0.attn_v", offset = 5152>}
  llmq.weight @blk.0.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_output", offset = 5408>}
  llmq.weight @blk.0.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.0.ffn_norm", offset = 5920>}
  llmq.weight @blk.0.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_gate", offset = 5952>}
  llmq.weight @blk.0.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_up", offset = 7488>}
  llmq.weight @blk.0.ffn_down : tensor<16x48xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_down", offset = 9024>}
  llmq.weight @output_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:output_norm", offset = 10560>}
  llmq.weight @output : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "output", offset = 10592>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}

