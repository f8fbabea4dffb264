// RUN: quant-opt %s | FileCheck %s
// RUN: quant-opt %s | quant-opt | FileCheck %s

// A two-block llama model with untied head: parses, verifies and prints back.
// CHECK-LABEL: llmq.model @tiny
// CHECK-SAME: arch = "llama"
// CHECK-SAME: tokenizer = #llmq.tokenizer<file = "tok.json", bos = 1, eos = 2, add_bos = true>
// CHECK: llmq.weight @token_embd : tensor<64x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "model.embed_tokens.weight", offset = 100>}
// CHECK: llmq.weight @blk.1.ffn_down : tensor<16x48xf16> {format = #llmq.format<q8_0>
// CHECK: llmq.embedding @token_embd
// CHECK: llmq.block 0 weights {attn_k = @blk.0.attn_k
// CHECK: llmq.block 1 weights
// CHECK: llmq.final_norm @output_norm
// CHECK: llmq.lm_head @output
// CHECK: llmq.logit_mask banned = [3, 5] amplified = [7] factor = 2.000000e+00
llmq.model @tiny attributes {arch = "llama", hidden_size = 16 : i64, num_layers = 2 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, ffn_size = 48 : i64, vocab_size = 64 : i64, context_length = 128 : i64, rope_theta = 10000.0 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false, tokenizer = #llmq.tokenizer<file = "tok.json", bos = 1, eos = 2, add_bos = true>} {
  llmq.weight @token_embd : tensor<64x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "model.embed_tokens.weight", offset = 100>}
  llmq.weight @blk.0.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "a", offset = 0>}
  llmq.weight @blk.0.attn_q : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "b", offset = 0>}
  llmq.weight @blk.0.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "c", offset = 0>}
  llmq.weight @blk.0.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "d", offset = 0>}
  llmq.weight @blk.0.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "e", offset = 0>}
  llmq.weight @blk.0.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "f", offset = 0>}
  llmq.weight @blk.0.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "g", offset = 0>}
  llmq.weight @blk.0.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "h", offset = 0>}
  llmq.weight @blk.0.ffn_down : tensor<16x48xbf16> {source = #llmq.source<file = "w.safetensors", key = "i", offset = 0>}
  llmq.weight @blk.1.attn_norm : tensor<16xf32> {source = #llmq.source<file = "w.safetensors", key = "a1", offset = 0>}
  llmq.weight @blk.1.attn_q : tensor<16x16xf16> {source = #llmq.source<file = "w.safetensors", key = "b1", offset = 0>}
  llmq.weight @blk.1.attn_k : tensor<8x16xf16> {source = #llmq.source<file = "w.safetensors", key = "c1", offset = 0>}
  llmq.weight @blk.1.attn_v : tensor<8x16xf16> {source = #llmq.source<file = "w.safetensors", key = "d1", offset = 0>}
  llmq.weight @blk.1.attn_output : tensor<16x16xf16> {source = #llmq.source<file = "w.safetensors", key = "e1", offset = 0>}
  llmq.weight @blk.1.ffn_norm : tensor<16xf32> {source = #llmq.source<file = "w.safetensors", key = "f1", offset = 0>}
  llmq.weight @blk.1.ffn_gate : tensor<48x16xf16> {source = #llmq.source<file = "w.safetensors", key = "g1", offset = 0>}
  llmq.weight @blk.1.ffn_up : tensor<48x16xf16> {source = #llmq.source<file = "w.safetensors", key = "h1", offset = 0>}
  llmq.weight @blk.1.ffn_down : tensor<16x48xf16> {format = #llmq.format<q8_0>, source = #llmq.source<file = "w.safetensors", key = "i1", offset = 0>}
  llmq.weight @output_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "n", offset = 0>}
  llmq.weight @output : tensor<64x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "o", offset = 0>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.block 1 weights {attn_norm = @blk.1.attn_norm, attn_q = @blk.1.attn_q, attn_k = @blk.1.attn_k, attn_v = @blk.1.attn_v, attn_output = @blk.1.attn_output, ffn_norm = @blk.1.ffn_norm, ffn_gate = @blk.1.ffn_gate, ffn_up = @blk.1.ffn_up, ffn_down = @blk.1.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
  llmq.logit_mask banned = [3, 5] amplified = [7] factor = 2.0
}
