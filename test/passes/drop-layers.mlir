// --llmq-drop-layers on hand-written three-block models (weights are never
// read, so their file need not exist): the blocks left are renumbered from
// 0, their weights renamed blk.<new>.* with their sources (the old layer's
// key), formats and attributes unchanged; a block's own attributes
// (sliding_window, llmq.influence, llmq.angular_distance) move with it; the
// embedding, the head (its scaled rows), a tied head and the logit mask are
// untouched; dropped weights are gone (--implicit-check-not). keep=2 by=uniform of 3 keeps blocks
// 0 and 2, the same as indices=1. The output parses and verifies again.
// Drop by influence and every analysis's attributes:
// drop-layers-pass-order.mlir; bad options: drop-layers-invalid-options.mlir.
//
// RUN: quant-opt %s -split-input-file --llmq-drop-layers="indices=1" | FileCheck %s --check-prefixes=CHECK,MIDDLE --implicit-check-not=layer1. --implicit-check-not=@blk.2.
// RUN: quant-opt %s -split-input-file --llmq-drop-layers="keep=2 by=uniform" | FileCheck %s --check-prefixes=CHECK,MIDDLE --implicit-check-not=layer1. --implicit-check-not=@blk.2.
// RUN: quant-opt %s -split-input-file --llmq-drop-layers="indices=1" | quant-opt -split-input-file | FileCheck %s --check-prefixes=CHECK,MIDDLE --implicit-check-not=layer1. --implicit-check-not=@blk.2.
// RUN: quant-opt %s -split-input-file --llmq-drop-layers="indices=2 allow-ends=true" | FileCheck %s --check-prefixes=CHECK,LAST --implicit-check-not=layer2. --implicit-check-not=@blk.2.
// RUN: quant-opt %s -split-input-file --llmq-drop-layers="indices=0 allow-ends=true" | FileCheck %s --check-prefixes=CHECK,FIRST --implicit-check-not=layer0. --implicit-check-not=@blk.2.
// RUN: quant-opt %s -split-input-file --llmq-drop-layers="indices=2,0 allow-ends=true" | FileCheck %s --check-prefixes=CHECK,ENDS --implicit-check-not=layer0. --implicit-check-not=layer2. --implicit-check-not=@blk.1. --implicit-check-not=@blk.2.

// CHECK-LABEL: llmq.model @three
// MIDDLE-SAME: num_layers = 2 : i64
// MIDDLE: llmq.weight @token_embd : {{.*}} key = "token_embd"
// MIDDLE-NEXT: llmq.weight @blk.0.attn_norm : tensor<16xbf16> {{.*}} key = "layer0.attn_norm"
// MIDDLE: llmq.weight @blk.0.ffn_down : tensor<16x48xbf16> {{.*}} key = "layer0.ffn_down"
// MIDDLE-NEXT: llmq.weight @blk.1.attn_norm : tensor<16xbf16> {{.*}} key = "layer2.attn_norm"
// MIDDLE-NEXT: llmq.weight @blk.1.attn_q : tensor<16x16xbf16> {{.*}} key = "layer2.attn_q"
// MIDDLE: llmq.weight @blk.1.ffn_down : tensor<16x48xbf16> {{.*}} key = "layer2.ffn_down"
// MIDDLE-NEXT: llmq.weight @output_norm
// MIDDLE-NEXT: llmq.weight @output
// MIDDLE-NEXT: llmq.embedding @token_embd
// MIDDLE-NEXT: llmq.block 0 weights {attn_k = @blk.0.attn_k, attn_norm = @blk.0.attn_norm, attn_output = @blk.0.attn_output, attn_q = @blk.0.attn_q, attn_v = @blk.0.attn_v, ffn_down = @blk.0.ffn_down, ffn_gate = @blk.0.ffn_gate, ffn_norm = @blk.0.ffn_norm, ffn_up = @blk.0.ffn_up}{{$}}
// MIDDLE-NEXT: llmq.block 1 weights {attn_k = @blk.1.attn_k, attn_norm = @blk.1.attn_norm, attn_output = @blk.1.attn_output, attn_q = @blk.1.attn_q, attn_v = @blk.1.attn_v, ffn_down = @blk.1.ffn_down, ffn_gate = @blk.1.ffn_gate, ffn_norm = @blk.1.ffn_norm, ffn_up = @blk.1.ffn_up}{{$}}
// MIDDLE-NEXT: llmq.final_norm @output_norm
// MIDDLE-NEXT: llmq.lm_head @output

// LAST-SAME: num_layers = 2 : i64
// LAST: llmq.weight @blk.1.attn_q : {{.*}} key = "layer1.attn_q"
// LAST: llmq.weight @blk.1.ffn_down : {{.*}} key = "layer1.ffn_down"
// LAST-NEXT: llmq.weight @output_norm
// LAST: llmq.block 1 weights {attn_k = @blk.1.attn_k,
// LAST-NEXT: llmq.final_norm

// The first block dropped: every block moves down one.
// FIRST-SAME: num_layers = 2 : i64
// FIRST: llmq.weight @token_embd
// FIRST-NEXT: llmq.weight @blk.0.attn_norm : {{.*}} key = "layer1.attn_norm"
// FIRST: llmq.weight @blk.0.ffn_down : {{.*}} key = "layer1.ffn_down"
// FIRST-NEXT: llmq.weight @blk.1.attn_norm : {{.*}} key = "layer2.attn_norm"
// FIRST: llmq.weight @blk.1.ffn_down : {{.*}} key = "layer2.ffn_down"
// FIRST: llmq.block 0 weights {attn_k = @blk.0.attn_k,
// FIRST-NEXT: llmq.block 1 weights {attn_k = @blk.1.attn_k,

// Both ends dropped: the middle block is all that is left.
// ENDS-SAME: num_layers = 1 : i64
// ENDS: llmq.weight @token_embd
// ENDS-NEXT: llmq.weight @blk.0.attn_norm : {{.*}} key = "layer1.attn_norm"
// ENDS: llmq.weight @blk.0.ffn_down : {{.*}} key = "layer1.ffn_down"
// ENDS-NEXT: llmq.weight @output_norm
// ENDS: llmq.block 0 weights {attn_k = @blk.0.attn_k,
// ENDS-NEXT: llmq.final_norm
llmq.model @three attributes {arch = "llama", hidden_size = 16 : i64, num_layers = 3 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, ffn_size = 48 : i64, vocab_size = 64 : i64, context_length = 128 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false} {
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
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.block 1 weights {attn_norm = @blk.1.attn_norm, attn_q = @blk.1.attn_q, attn_k = @blk.1.attn_k, attn_v = @blk.1.attn_v, attn_output = @blk.1.attn_output, ffn_norm = @blk.1.ffn_norm, ffn_gate = @blk.1.ffn_gate, ffn_up = @blk.1.ffn_up, ffn_down = @blk.1.ffn_down}
  llmq.block 2 weights {attn_norm = @blk.2.attn_norm, attn_q = @blk.2.attn_q, attn_k = @blk.2.attn_k, attn_v = @blk.2.attn_v, attn_output = @blk.2.attn_output, ffn_norm = @blk.2.ffn_norm, ffn_gate = @blk.2.ffn_gate, ffn_up = @blk.2.ffn_up, ffn_down = @blk.2.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}

// -----

// A block's attributes go with it: old block 2 (influence 0.4) is block 1
// after a middle drop.
// CHECK-LABEL: llmq.model @attrs
// MIDDLE: llmq.block 0 weights {{{[^}]*}}} {sliding_window = 8 : i64}
// MIDDLE-NEXT: llmq.block 1 weights {{{[^}]*}}} {llmq.angular_distance = 3.000000e-01 : f64, llmq.influence = 4.000000e-01 : f64, sliding_window = 8 : i64}
// MIDDLE-NEXT: llmq.final_norm
// LAST: llmq.block 0 weights {{{[^}]*}}} {sliding_window = 8 : i64}
// LAST-NEXT: llmq.block 1 weights {{{[^}]*}}} {llmq.angular_distance = 1.000000e-01 : f64, llmq.influence = 5.000000e-02 : f64}
// LAST-NEXT: llmq.final_norm
// FIRST: llmq.block 0 weights {{{[^}]*}}} {llmq.angular_distance = 1.000000e-01 : f64, llmq.influence = 5.000000e-02 : f64}
// FIRST-NEXT: llmq.block 1 weights {{{[^}]*}}} {llmq.angular_distance = 3.000000e-01 : f64, llmq.influence = 4.000000e-01 : f64, sliding_window = 8 : i64}
// FIRST-NEXT: llmq.final_norm
// ENDS: llmq.block 0 weights {{{[^}]*}}} {llmq.angular_distance = 1.000000e-01 : f64, llmq.influence = 5.000000e-02 : f64}
// ENDS-NEXT: llmq.final_norm

llmq.model @attrs attributes {arch = "llama", hidden_size = 16 : i64, num_layers = 3 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, ffn_size = 48 : i64, vocab_size = 64 : i64, context_length = 128 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false} {
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
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down} {sliding_window = 8 : i64}
  llmq.block 1 weights {attn_norm = @blk.1.attn_norm, attn_q = @blk.1.attn_q, attn_k = @blk.1.attn_k, attn_v = @blk.1.attn_v, attn_output = @blk.1.attn_output, ffn_norm = @blk.1.ffn_norm, ffn_gate = @blk.1.ffn_gate, ffn_up = @blk.1.ffn_up, ffn_down = @blk.1.ffn_down} {llmq.angular_distance = 1.0e-01 : f64, llmq.influence = 5.0e-02 : f64}
  llmq.block 2 weights {attn_norm = @blk.2.attn_norm, attn_q = @blk.2.attn_q, attn_k = @blk.2.attn_k, attn_v = @blk.2.attn_v, attn_output = @blk.2.attn_output, ffn_norm = @blk.2.ffn_norm, ffn_gate = @blk.2.ffn_gate, ffn_up = @blk.2.ffn_up, ffn_down = @blk.2.ffn_down} {llmq.angular_distance = 3.0e-01 : f64, llmq.influence = 4.0e-01 : f64, sliding_window = 8 : i64}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}

// -----

// Formats stay on the renamed weights; the head's scaled rows and the logit
// mask are no block's and stay.
// CHECK-LABEL: llmq.model @head
// MIDDLE: llmq.weight @blk.1.attn_q : tensor<16x16xbf16> {format = #llmq.format<f16>, source = #llmq.source<file = "w.safetensors", key = "layer2.attn_q", offset = 0>}
// FIRST: llmq.weight @blk.0.attn_q : tensor<16x16xbf16> {format = #llmq.format<f16>, source = #llmq.source<file = "w.safetensors", key = "layer1.attn_q", offset = 0>}
// ENDS: llmq.weight @blk.0.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_norm", offset = 0>}
// ENDS-NEXT: llmq.weight @blk.0.ffn_gate : tensor<48x16xbf16> {format = #llmq.format<f16>, source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_gate", offset = 0>}
// CHECK: llmq.weight @output : tensor<64x16xbf16> {format = #llmq.format<bf16>, row_scale = 2.000000e+00 : f64, scaled_rows = array<i64: 3, 9>, source = #llmq.source<file = "w.safetensors", key = "output", offset = 0>}
// CHECK: llmq.lm_head @output
// CHECK-NEXT: llmq.logit_mask banned = [5, 7] amplified = [] factor = 0.000000e+00

llmq.model @head attributes {arch = "llama", hidden_size = 16 : i64, num_layers = 3 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, ffn_size = 48 : i64, vocab_size = 64 : i64, context_length = 128 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false} {
  llmq.weight @token_embd : tensor<64x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 0>}
  llmq.weight @blk.0.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_norm", offset = 0>}
  llmq.weight @blk.0.attn_q : tensor<16x16xbf16> {format = #llmq.format<f16>, source = #llmq.source<file = "w.safetensors", key = "layer0.attn_q", offset = 0>}
  llmq.weight @blk.0.attn_k : tensor<8x16xbf16> {format = #llmq.format<f16>, source = #llmq.source<file = "w.safetensors", key = "layer0.attn_k", offset = 0>}
  llmq.weight @blk.0.attn_v : tensor<8x16xbf16> {format = #llmq.format<f16>, source = #llmq.source<file = "w.safetensors", key = "layer0.attn_v", offset = 0>}
  llmq.weight @blk.0.attn_output : tensor<16x16xbf16> {format = #llmq.format<f16>, source = #llmq.source<file = "w.safetensors", key = "layer0.attn_output", offset = 0>}
  llmq.weight @blk.0.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_norm", offset = 0>}
  llmq.weight @blk.0.ffn_gate : tensor<48x16xbf16> {format = #llmq.format<f16>, source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_gate", offset = 0>}
  llmq.weight @blk.0.ffn_up : tensor<48x16xbf16> {format = #llmq.format<f16>, source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_up", offset = 0>}
  llmq.weight @blk.0.ffn_down : tensor<16x48xbf16> {format = #llmq.format<f16>, source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_down", offset = 0>}
  llmq.weight @blk.1.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.attn_norm", offset = 0>}
  llmq.weight @blk.1.attn_q : tensor<16x16xbf16> {format = #llmq.format<f16>, source = #llmq.source<file = "w.safetensors", key = "layer1.attn_q", offset = 0>}
  llmq.weight @blk.1.attn_k : tensor<8x16xbf16> {format = #llmq.format<f16>, source = #llmq.source<file = "w.safetensors", key = "layer1.attn_k", offset = 0>}
  llmq.weight @blk.1.attn_v : tensor<8x16xbf16> {format = #llmq.format<f16>, source = #llmq.source<file = "w.safetensors", key = "layer1.attn_v", offset = 0>}
  llmq.weight @blk.1.attn_output : tensor<16x16xbf16> {format = #llmq.format<f16>, source = #llmq.source<file = "w.safetensors", key = "layer1.attn_output", offset = 0>}
  llmq.weight @blk.1.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_norm", offset = 0>}
  llmq.weight @blk.1.ffn_gate : tensor<48x16xbf16> {format = #llmq.format<f16>, source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_gate", offset = 0>}
  llmq.weight @blk.1.ffn_up : tensor<48x16xbf16> {format = #llmq.format<f16>, source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_up", offset = 0>}
  llmq.weight @blk.1.ffn_down : tensor<16x48xbf16> {format = #llmq.format<f16>, source = #llmq.source<file = "w.safetensors", key = "layer1.ffn_down", offset = 0>}
  llmq.weight @blk.2.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.attn_norm", offset = 0>}
  llmq.weight @blk.2.attn_q : tensor<16x16xbf16> {format = #llmq.format<f16>, source = #llmq.source<file = "w.safetensors", key = "layer2.attn_q", offset = 0>}
  llmq.weight @blk.2.attn_k : tensor<8x16xbf16> {format = #llmq.format<f16>, source = #llmq.source<file = "w.safetensors", key = "layer2.attn_k", offset = 0>}
  llmq.weight @blk.2.attn_v : tensor<8x16xbf16> {format = #llmq.format<f16>, source = #llmq.source<file = "w.safetensors", key = "layer2.attn_v", offset = 0>}
  llmq.weight @blk.2.attn_output : tensor<16x16xbf16> {format = #llmq.format<f16>, source = #llmq.source<file = "w.safetensors", key = "layer2.attn_output", offset = 0>}
  llmq.weight @blk.2.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer2.ffn_norm", offset = 0>}
  llmq.weight @blk.2.ffn_gate : tensor<48x16xbf16> {format = #llmq.format<f16>, source = #llmq.source<file = "w.safetensors", key = "layer2.ffn_gate", offset = 0>}
  llmq.weight @blk.2.ffn_up : tensor<48x16xbf16> {format = #llmq.format<f16>, source = #llmq.source<file = "w.safetensors", key = "layer2.ffn_up", offset = 0>}
  llmq.weight @blk.2.ffn_down : tensor<16x48xbf16> {format = #llmq.format<f16>, source = #llmq.source<file = "w.safetensors", key = "layer2.ffn_down", offset = 0>}
  llmq.weight @output_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "output_norm", offset = 0>}
  llmq.weight @output : tensor<64x16xbf16> {format = #llmq.format<bf16>, row_scale = 2.0 : f64, scaled_rows = array<i64: 3, 9>, source = #llmq.source<file = "w.safetensors", key = "output", offset = 0>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.block 1 weights {attn_norm = @blk.1.attn_norm, attn_q = @blk.1.attn_q, attn_k = @blk.1.attn_k, attn_v = @blk.1.attn_v, attn_output = @blk.1.attn_output, ffn_norm = @blk.1.ffn_norm, ffn_gate = @blk.1.ffn_gate, ffn_up = @blk.1.ffn_up, ffn_down = @blk.1.ffn_down}
  llmq.block 2 weights {attn_norm = @blk.2.attn_norm, attn_q = @blk.2.attn_q, attn_k = @blk.2.attn_k, attn_v = @blk.2.attn_v, attn_output = @blk.2.attn_output, ffn_norm = @blk.2.ffn_norm, ffn_gate = @blk.2.ffn_gate, ffn_up = @blk.2.ffn_up, ffn_down = @blk.2.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
  llmq.logit_mask banned = [5, 7] amplified = [] factor = 0.0
}

// -----

// A tied head stays tied to the embedding.
// CHECK-LABEL: llmq.model @tied
// CHECK-SAME: tied_embeddings = true
// CHECK: llmq.weight @token_embd
// CHECK-NOT: llmq.weight @output :
// CHECK: llmq.embedding @token_embd
// CHECK: llmq.lm_head @token_embd

llmq.model @tied attributes {arch = "llama", hidden_size = 16 : i64, num_layers = 3 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, ffn_size = 48 : i64, vocab_size = 64 : i64, context_length = 128 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = true} {
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
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.block 1 weights {attn_norm = @blk.1.attn_norm, attn_q = @blk.1.attn_q, attn_k = @blk.1.attn_k, attn_v = @blk.1.attn_v, attn_output = @blk.1.attn_output, ffn_norm = @blk.1.ffn_norm, ffn_gate = @blk.1.ffn_gate, ffn_up = @blk.1.ffn_up, ffn_down = @blk.1.ffn_down}
  llmq.block 2 weights {attn_norm = @blk.2.attn_norm, attn_q = @blk.2.attn_q, attn_k = @blk.2.attn_k, attn_v = @blk.2.attn_v, attn_output = @blk.2.attn_output, ffn_norm = @blk.2.ffn_norm, ffn_gate = @blk.2.ffn_gate, ffn_up = @blk.2.ffn_up, ffn_down = @blk.2.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @token_embd
}
