// --llmq-rotate: what it cannot do is one line naming the option, block or
// weight, exit 1, neither the IR nor the parameter file written: no out=,
// a dtype= the file cannot hold, an out= the run reads (the model's own source), a block weight with
// scaled rows (the rotation of down's rows would mix them), two models for
// one parameter file. The options are tried on the first chunk, a model the
// pass rotates; the IR's errors on the others (rest.mlir blanks the first
// chunk out, so that lines keep their numbers). Post-norm blocks (EXAONE-4):
// rotate.test.
//
// RUN: rm -rf %t && mkdir -p %t && cd %t
// RUN: %python %S/Inputs/make-weights.py %s
// RUN: cp %models/kjv-tiny/tokenizer.json tok.json
// RUN: sed '/^\/\/ -----$/,$d' %s > first.mlir
// RUN: sed '1,/^\/\/ -----$/s/.*//' %s > rest.mlir
// RUN: not quant-opt first.mlir --llmq-rotate -o %t/o.mlir 2>&1 | FileCheck %s --check-prefix=NOOUT --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt first.mlir --llmq-rotate="out=w.safetensors" -o %t/o.mlir 2>&1 | FileCheck %s --check-prefix=SOURCE --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt first.mlir --llmq-rotate="out=%t/p.safetensors dtype=q4_K" -o %t/o.mlir 2>&1 | FileCheck %s --check-prefix=DTYPE --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt rest.mlir -split-input-file --llmq-rotate="out=%t/p.safetensors" -o %t/o.mlir 2>&1 | FileCheck %s --check-prefix=IR --match-full-lines --implicit-check-not="{{.}}"
// RUN: not test -e %t/o.mlir
// RUN: not test -e %t/p.safetensors

// NOOUT: {{.*}}first.mlir:[[# @LINE + 4]]:1: error: llmq-rotate: needs out=FILE to write the rotated tensors to
// SOURCE: {{.*}}: error: llmq-rotate: {{.*}}w.safetensors{{.*}}
// DTYPE: {{.*}}: error: llmq-rotate: dtype='q4_K' is not one of f32, bf16, f16

llmq.model @valid attributes {arch = "llama", hidden_size = 64 : i64, num_layers = 1 : i64, num_heads = 2 : i64, num_kv_heads = 1 : i64, head_dim = 32 : i64, ffn_size = 128 : i64, vocab_size = 2048 : i64, context_length = 512 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false, tokenizer = #llmq.tokenizer<file = "tok.json", bos = 0, eos = 1, add_bos = true>} {
  llmq.weight @token_embd : tensor<2048x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 4096>}
  llmq.weight @blk.0.attn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_norm", offset = 266240>}
  llmq.weight @blk.0.attn_q : tensor<64x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_q", offset = 266368>}
  llmq.weight @blk.0.attn_k : tensor<32x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_k", offset = 274560>}
  llmq.weight @blk.0.attn_v : tensor<32x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_v", offset = 278656>}
  llmq.weight @blk.0.attn_output : tensor<64x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_output", offset = 282752>}
  llmq.weight @blk.0.ffn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_norm", offset = 290944>}
  llmq.weight @blk.0.ffn_gate : tensor<128x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_gate", offset = 291072>}
  llmq.weight @blk.0.ffn_up : tensor<128x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_up", offset = 307456>}
  llmq.weight @blk.0.ffn_down : tensor<64x128xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_down", offset = 323840>}
  llmq.weight @output_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "output_norm", offset = 340224>}
  llmq.weight @output : tensor<2048x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "output", offset = 340352>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}

// -----

// IR: {{.*}}.mlir:[[# @LINE + 1]]:1: error: llmq-rotate: block 0 weight 'blk.0.ffn_down' has scaled rows, which a rotation would mix
llmq.model @scaled attributes {arch = "llama", hidden_size = 64 : i64, num_layers = 1 : i64, num_heads = 2 : i64, num_kv_heads = 1 : i64, head_dim = 32 : i64, ffn_size = 128 : i64, vocab_size = 2048 : i64, context_length = 512 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false, tokenizer = #llmq.tokenizer<file = "tok.json", bos = 0, eos = 1, add_bos = true>} {
  llmq.weight @token_embd : tensor<2048x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 4096>}
  llmq.weight @blk.0.attn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_norm", offset = 266240>}
  llmq.weight @blk.0.attn_q : tensor<64x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_q", offset = 266368>}
  llmq.weight @blk.0.attn_k : tensor<32x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_k", offset = 274560>}
  llmq.weight @blk.0.attn_v : tensor<32x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_v", offset = 278656>}
  llmq.weight @blk.0.attn_output : tensor<64x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_output", offset = 282752>}
  llmq.weight @blk.0.ffn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_norm", offset = 290944>}
  llmq.weight @blk.0.ffn_gate : tensor<128x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_gate", offset = 291072>}
  llmq.weight @blk.0.ffn_up : tensor<128x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_up", offset = 307456>}
  llmq.weight @blk.0.ffn_down : tensor<64x128xbf16> {row_scale = 2.0 : f64, scaled_rows = array<i64: 3>, source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_down", offset = 323840>}
  llmq.weight @output_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "output_norm", offset = 340224>}
  llmq.weight @output : tensor<2048x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "output", offset = 340352>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}

// -----

llmq.model @first attributes {arch = "llama", hidden_size = 64 : i64, num_layers = 1 : i64, num_heads = 2 : i64, num_kv_heads = 1 : i64, head_dim = 32 : i64, ffn_size = 128 : i64, vocab_size = 2048 : i64, context_length = 512 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false, tokenizer = #llmq.tokenizer<file = "tok.json", bos = 0, eos = 1, add_bos = true>} {
  llmq.weight @token_embd : tensor<2048x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 4096>}
  llmq.weight @blk.0.attn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_norm", offset = 266240>}
  llmq.weight @blk.0.attn_q : tensor<64x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_q", offset = 266368>}
  llmq.weight @blk.0.attn_k : tensor<32x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_k", offset = 274560>}
  llmq.weight @blk.0.attn_v : tensor<32x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_v", offset = 278656>}
  llmq.weight @blk.0.attn_output : tensor<64x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_output", offset = 282752>}
  llmq.weight @blk.0.ffn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_norm", offset = 290944>}
  llmq.weight @blk.0.ffn_gate : tensor<128x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_gate", offset = 291072>}
  llmq.weight @blk.0.ffn_up : tensor<128x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_up", offset = 307456>}
  llmq.weight @blk.0.ffn_down : tensor<64x128xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_down", offset = 323840>}
  llmq.weight @output_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "output_norm", offset = 340224>}
  llmq.weight @output : tensor<2048x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "output", offset = 340352>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}
// IR: {{.*}}.mlir:[[# @LINE + 1]]:1: error: llmq-rotate: out='{{.*}}p.safetensors' holds the tensors of one model, but the input has 2 (run the pass on each model's IR)
llmq.model @second attributes {arch = "llama", hidden_size = 64 : i64, num_layers = 1 : i64, num_heads = 2 : i64, num_kv_heads = 1 : i64, head_dim = 32 : i64, ffn_size = 128 : i64, vocab_size = 2048 : i64, context_length = 512 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false, tokenizer = #llmq.tokenizer<file = "tok.json", bos = 0, eos = 1, add_bos = true>} {
  llmq.weight @token_embd : tensor<2048x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 4096>}
  llmq.weight @blk.0.attn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_norm", offset = 266240>}
  llmq.weight @blk.0.attn_q : tensor<64x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_q", offset = 266368>}
  llmq.weight @blk.0.attn_k : tensor<32x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_k", offset = 274560>}
  llmq.weight @blk.0.attn_v : tensor<32x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_v", offset = 278656>}
  llmq.weight @blk.0.attn_output : tensor<64x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_output", offset = 282752>}
  llmq.weight @blk.0.ffn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_norm", offset = 290944>}
  llmq.weight @blk.0.ffn_gate : tensor<128x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_gate", offset = 291072>}
  llmq.weight @blk.0.ffn_up : tensor<128x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_up", offset = 307456>}
  llmq.weight @blk.0.ffn_down : tensor<64x128xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_down", offset = 323840>}
  llmq.weight @output_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "output_norm", offset = 340224>}
  llmq.weight @output : tensor<2048x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "output", offset = 340352>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}

