// -split-input-file exports each chunk on its own, as mlir-translate
// translates them: a chunk that fails does not stop the next, and each
// error or warning is one line at its op (a location within the chunk; the
// op's text only with --mlir-print-op-on-diagnostic). --strict turns the
// fallback into an error at the weight, before any source is read.
// RUN: rm -rf %t && mkdir -p %t
// RUN: sed 's|@MODELS@|%models|g' %s | not quant-translate --export-gguf -split-input-file -o %t/out.gguf 2> %t/err
// RUN: FileCheck %s --check-prefix=LAX --match-full-lines < %t/err
// RUN: sed 's|@MODELS@|%models|g' %s | not quant-translate --export-gguf --strict -split-input-file -o %t/out.gguf 2> %t/strict
// RUN: FileCheck %s --check-prefix=STRICT --match-full-lines < %t/strict
// RUN: not test -e %t/out.gguf
// RUN: sed 's|@MODELS@|%models|g' %s | not quant-translate --export-gguf --strict -split-input-file --mlir-print-op-on-diagnostic -o %t/out.gguf 2>&1 | FileCheck %s --check-prefix=OP

// LAX: within split at <stdin>:1 offset :29:1: error: export-gguf: model 'notok' has no tokenizer; llama.cpp needs one
// LAX-NEXT: within split at <stdin>:{{[0-9]+}} offset :16:3: error: export-gguf: 'output' has format int4_g16, which GGUF cannot hold (a ggml type is needed)
// LAX-NEXT: within split at <stdin>:{{[0-9]+}} offset :18:3: warning: 'output' has 16 columns, not a multiple of 32 as q8_0 needs; writing f16
// LAX-NEXT: within split at <stdin>:{{[0-9]+}} offset :7:3: error: missing.safetensors: cannot open: No such file or directory
// LAX-EMPTY:

// STRICT: within split at <stdin>:1 offset :29:1: error: export-gguf: model 'notok' has no tokenizer; llama.cpp needs one
// STRICT-NEXT: within split at <stdin>:{{[0-9]+}} offset :16:3: error: export-gguf: 'output' has format int4_g16, which GGUF cannot hold (a ggml type is needed)
// STRICT-NEXT: within split at <stdin>:{{[0-9]+}} offset :18:3: error: export-gguf: 'output' has 16 columns, not a multiple of 32 as q8_0 needs (--strict)
// STRICT-EMPTY:

// OP: error: export-gguf: 'output' has 16 columns, not a multiple of 32 as q8_0 needs (--strict)
// OP-NEXT: {{.*}}note: see current operation: "llmq.weight"() <{format = #llmq.format<q8_0>

// A model without a tokenizer: llama.cpp cannot use the file.
llmq.model @notok attributes {arch = "llama", hidden_size = 16 : i64, num_layers = 1 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, ffn_size = 48 : i64, vocab_size = 2048 : i64, context_length = 64 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false} {
  llmq.weight @token_embd : tensor<2048x16xbf16> {source = #llmq.source<file = "missing.safetensors", key = "embed", offset = 0>}
  llmq.weight @blk.0.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "missing.safetensors", key = "attn_norm", offset = 0>}
  llmq.weight @blk.0.attn_q : tensor<16x16xbf16> {source = #llmq.source<file = "missing.safetensors", key = "attn_q", offset = 0>}
  llmq.weight @blk.0.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "missing.safetensors", key = "attn_k", offset = 0>}
  llmq.weight @blk.0.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "missing.safetensors", key = "attn_v", offset = 0>}
  llmq.weight @blk.0.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "missing.safetensors", key = "attn_output", offset = 0>}
  llmq.weight @blk.0.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "missing.safetensors", key = "ffn_norm", offset = 0>}
  llmq.weight @blk.0.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "missing.safetensors", key = "ffn_gate", offset = 0>}
  llmq.weight @blk.0.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "missing.safetensors", key = "ffn_up", offset = 0>}
  llmq.weight @blk.0.ffn_down : tensor<16x48xbf16> {source = #llmq.source<file = "missing.safetensors", key = "ffn_down", offset = 0>}
  llmq.weight @output_norm : tensor<16xbf16> {source = #llmq.source<file = "missing.safetensors", key = "norm", offset = 0>}
  llmq.weight @output : tensor<2048x16xbf16> {source = #llmq.source<file = "missing.safetensors", key = "head", offset = 0>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}

// -----

// A format GGUF has no type for: refused at the weight that has it.
llmq.model @int4 attributes {arch = "llama", hidden_size = 16 : i64, num_layers = 1 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, ffn_size = 48 : i64, vocab_size = 2048 : i64, context_length = 64 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false, tokenizer = #llmq.tokenizer<file = "@MODELS@/kjv-tiny/tokenizer.json", bos = 0, eos = 1, add_bos = true>} {
  llmq.weight @token_embd : tensor<2048x16xbf16> {source = #llmq.source<file = "missing.safetensors", key = "embed", offset = 0>}
  llmq.weight @blk.0.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "missing.safetensors", key = "attn_norm", offset = 0>}
  llmq.weight @blk.0.attn_q : tensor<16x16xbf16> {source = #llmq.source<file = "missing.safetensors", key = "attn_q", offset = 0>}
  llmq.weight @blk.0.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "missing.safetensors", key = "attn_k", offset = 0>}
  llmq.weight @blk.0.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "missing.safetensors", key = "attn_v", offset = 0>}
  llmq.weight @blk.0.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "missing.safetensors", key = "attn_output", offset = 0>}
  llmq.weight @blk.0.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "missing.safetensors", key = "ffn_norm", offset = 0>}
  llmq.weight @blk.0.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "missing.safetensors", key = "ffn_gate", offset = 0>}
  llmq.weight @blk.0.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "missing.safetensors", key = "ffn_up", offset = 0>}
  llmq.weight @blk.0.ffn_down : tensor<16x48xbf16> {source = #llmq.source<file = "missing.safetensors", key = "ffn_down", offset = 0>}
  llmq.weight @output_norm : tensor<16xbf16> {source = #llmq.source<file = "missing.safetensors", key = "norm", offset = 0>}
  llmq.weight @output : tensor<2048x16xbf16> {format = #llmq.format<int4, group = 16>, source = #llmq.source<file = "missing.safetensors", key = "head", offset = 0>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}

// -----

// Rows that do not split into the chosen format's blocks: llama.cpp's
// fallback, with a warning at the weight; then the first weight read from
// its (missing) source stops the export, at that weight.
llmq.model @fallback attributes {arch = "llama", hidden_size = 16 : i64, num_layers = 1 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, ffn_size = 48 : i64, vocab_size = 2048 : i64, context_length = 64 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false, tokenizer = #llmq.tokenizer<file = "@MODELS@/kjv-tiny/tokenizer.json", bos = 0, eos = 1, add_bos = true>} {
  llmq.weight @token_embd : tensor<2048x16xbf16> {source = #llmq.source<file = "missing.safetensors", key = "embed", offset = 0>}
  llmq.weight @blk.0.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "missing.safetensors", key = "attn_norm", offset = 0>}
  llmq.weight @blk.0.attn_q : tensor<16x16xbf16> {source = #llmq.source<file = "missing.safetensors", key = "attn_q", offset = 0>}
  llmq.weight @blk.0.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "missing.safetensors", key = "attn_k", offset = 0>}
  llmq.weight @blk.0.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "missing.safetensors", key = "attn_v", offset = 0>}
  llmq.weight @blk.0.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "missing.safetensors", key = "attn_output", offset = 0>}
  llmq.weight @blk.0.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "missing.safetensors", key = "ffn_norm", offset = 0>}
  llmq.weight @blk.0.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "missing.safetensors", key = "ffn_gate", offset = 0>}
  llmq.weight @blk.0.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "missing.safetensors", key = "ffn_up", offset = 0>}
  llmq.weight @blk.0.ffn_down : tensor<16x48xbf16> {source = #llmq.source<file = "missing.safetensors", key = "ffn_down", offset = 0>}
  llmq.weight @output_norm : tensor<16xbf16> {source = #llmq.source<file = "missing.safetensors", key = "norm", offset = 0>}
  llmq.weight @output : tensor<2048x16xbf16> {format = #llmq.format<q8_0>, source = #llmq.source<file = "missing.safetensors", key = "head", offset = 0>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}
