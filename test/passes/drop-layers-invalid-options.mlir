// --llmq-drop-layers refuses options it cannot honour with one line naming
// the option and its value, exit 1 (--implicit-check-not: nothing else is
// printed). The option errors come from the first model (the pass stops at
// it); those that come from the IR (a block without influence) are checked
// per chunk (-split-input-file), each at its block's line.
//
// RUN: not quant-opt %s --llmq-drop-layers="indices=7" 2>&1 | FileCheck %s --check-prefix=RANGE --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-drop-layers="indices=-1" 2>&1 | FileCheck %s --check-prefix=NEGATIVE --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-drop-layers="indices=0" 2>&1 | FileCheck %s --check-prefix=ENDS --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-drop-layers="indices=5" 2>&1 | FileCheck %s --check-prefix=ENDS --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-drop-layers="keep=1 by=uniform" 2>&1 | FileCheck %s --check-prefix=KEEP --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-drop-layers="keep=7 by=uniform" 2>&1 | FileCheck %s --check-prefix=KEEPBIG --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-drop-layers="indices=2 keep=3 by=uniform" 2>&1 | FileCheck %s --check-prefix=BOTH --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-drop-layers="count=2" 2>&1 | FileCheck %s --check-prefix=BOTH --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-drop-layers="indices=2,2" 2>&1 | FileCheck %s --check-prefix=TWICE --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-drop-layers="count=5 by=influence" 2>&1 | FileCheck %s --check-prefix=COUNT --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-drop-layers="count=0 by=influence" 2>&1 | FileCheck %s --check-prefix=COUNT0 --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-drop-layers="count=1 by=size" 2>&1 | FileCheck %s --check-prefix=BY --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s -split-input-file --llmq-drop-layers="count=1 by=influence" -o %t.mlir 2>&1 | FileCheck %s --check-prefix=NOINFL --match-full-lines --implicit-check-not="{{.}}"
// RUN: not test -e %t.mlir

// RANGE: {{.*}}.mlir:{{[0-9]+}}:1: error: llmq-drop-layers: block 7 does not exist (the model has 6)
// NEGATIVE: {{.*}}: error: llmq-drop-layers: block -1 does not exist (the model has 6)
// ENDS: {{.*}}: error: llmq-drop-layers: dropping the first or last block needs allow-ends=true
// KEEP: {{.*}}: error: llmq-drop-layers: keep=1 is outside [2, 6]
// KEEPBIG: {{.*}}: error: llmq-drop-layers: keep=7 is outside [2, 6]
// BOTH: {{.*}}: error: llmq-drop-layers: give exactly one of indices=..., count=N by=influence, keep=K by=uniform
// TWICE: {{.*}}: error: llmq-drop-layers: block 2 named twice
// COUNT: {{.*}}: error: llmq-drop-layers: count=5 is not a number of blocks that can go
// COUNT0: {{.*}}: error: llmq-drop-layers: count=0 is not a number of blocks that can go
// An unknown `by`: today the pass's own line; once `by` is an enum option,
// the option parser's line naming the option and the value.
// BY: quant-opt: for the --by option: Cannot find option named 'size'!

llmq.model @six attributes {arch = "llama", hidden_size = 16 : i64, num_layers = 6 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, ffn_size = 48 : i64, vocab_size = 64 : i64, context_length = 128 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false} {
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
  llmq.weight @blk.3.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer3.attn_norm", offset = 0>}
  llmq.weight @blk.3.attn_q : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer3.attn_q", offset = 0>}
  llmq.weight @blk.3.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer3.attn_k", offset = 0>}
  llmq.weight @blk.3.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer3.attn_v", offset = 0>}
  llmq.weight @blk.3.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer3.attn_output", offset = 0>}
  llmq.weight @blk.3.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer3.ffn_norm", offset = 0>}
  llmq.weight @blk.3.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer3.ffn_gate", offset = 0>}
  llmq.weight @blk.3.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer3.ffn_up", offset = 0>}
  llmq.weight @blk.3.ffn_down : tensor<16x48xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer3.ffn_down", offset = 0>}
  llmq.weight @blk.4.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer4.attn_norm", offset = 0>}
  llmq.weight @blk.4.attn_q : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer4.attn_q", offset = 0>}
  llmq.weight @blk.4.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer4.attn_k", offset = 0>}
  llmq.weight @blk.4.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer4.attn_v", offset = 0>}
  llmq.weight @blk.4.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer4.attn_output", offset = 0>}
  llmq.weight @blk.4.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer4.ffn_norm", offset = 0>}
  llmq.weight @blk.4.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer4.ffn_gate", offset = 0>}
  llmq.weight @blk.4.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer4.ffn_up", offset = 0>}
  llmq.weight @blk.4.ffn_down : tensor<16x48xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer4.ffn_down", offset = 0>}
  llmq.weight @blk.5.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer5.attn_norm", offset = 0>}
  llmq.weight @blk.5.attn_q : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer5.attn_q", offset = 0>}
  llmq.weight @blk.5.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer5.attn_k", offset = 0>}
  llmq.weight @blk.5.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer5.attn_v", offset = 0>}
  llmq.weight @blk.5.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer5.attn_output", offset = 0>}
  llmq.weight @blk.5.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer5.ffn_norm", offset = 0>}
  llmq.weight @blk.5.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer5.ffn_gate", offset = 0>}
  llmq.weight @blk.5.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer5.ffn_up", offset = 0>}
  llmq.weight @blk.5.ffn_down : tensor<16x48xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer5.ffn_down", offset = 0>}
  llmq.weight @output_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "output_norm", offset = 0>}
  llmq.weight @output : tensor<64x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "output", offset = 0>}
  llmq.embedding @token_embd
  // NOINFL: {{.*}}.mlir:[[# @LINE + 1]]:3: error: llmq-drop-layers: block 0 has no influence; run --llmq-block-influence first
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.block 1 weights {attn_norm = @blk.1.attn_norm, attn_q = @blk.1.attn_q, attn_k = @blk.1.attn_k, attn_v = @blk.1.attn_v, attn_output = @blk.1.attn_output, ffn_norm = @blk.1.ffn_norm, ffn_gate = @blk.1.ffn_gate, ffn_up = @blk.1.ffn_up, ffn_down = @blk.1.ffn_down}
  llmq.block 2 weights {attn_norm = @blk.2.attn_norm, attn_q = @blk.2.attn_q, attn_k = @blk.2.attn_k, attn_v = @blk.2.attn_v, attn_output = @blk.2.attn_output, ffn_norm = @blk.2.ffn_norm, ffn_gate = @blk.2.ffn_gate, ffn_up = @blk.2.ffn_up, ffn_down = @blk.2.ffn_down}
  llmq.block 3 weights {attn_norm = @blk.3.attn_norm, attn_q = @blk.3.attn_q, attn_k = @blk.3.attn_k, attn_v = @blk.3.attn_v, attn_output = @blk.3.attn_output, ffn_norm = @blk.3.ffn_norm, ffn_gate = @blk.3.ffn_gate, ffn_up = @blk.3.ffn_up, ffn_down = @blk.3.ffn_down}
  llmq.block 4 weights {attn_norm = @blk.4.attn_norm, attn_q = @blk.4.attn_q, attn_k = @blk.4.attn_k, attn_v = @blk.4.attn_v, attn_output = @blk.4.attn_output, ffn_norm = @blk.4.ffn_norm, ffn_gate = @blk.4.ffn_gate, ffn_up = @blk.4.ffn_up, ffn_down = @blk.4.ffn_down}
  llmq.block 5 weights {attn_norm = @blk.5.attn_norm, attn_q = @blk.5.attn_q, attn_k = @blk.5.attn_k, attn_v = @blk.5.attn_v, attn_output = @blk.5.attn_output, ffn_norm = @blk.5.ffn_norm, ffn_gate = @blk.5.ffn_gate, ffn_up = @blk.5.ffn_up, ffn_down = @blk.5.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}

// -----

// Block 1 of 3 has no influence: no block is dropped by a guess.
llmq.model @partial attributes {arch = "llama", hidden_size = 16 : i64, num_layers = 3 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, ffn_size = 48 : i64, vocab_size = 64 : i64, context_length = 128 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false} {
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
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down} {llmq.influence = 1.0e-01 : f64}
  // NOINFL: {{.*}}.mlir:[[# @LINE + 1]]:3: error: llmq-drop-layers: block 1 has no influence; run --llmq-block-influence first
  llmq.block 1 weights {attn_norm = @blk.1.attn_norm, attn_q = @blk.1.attn_q, attn_k = @blk.1.attn_k, attn_v = @blk.1.attn_v, attn_output = @blk.1.attn_output, ffn_norm = @blk.1.ffn_norm, ffn_gate = @blk.1.ffn_gate, ffn_up = @blk.1.ffn_up, ffn_down = @blk.1.ffn_down}
  llmq.block 2 weights {attn_norm = @blk.2.attn_norm, attn_q = @blk.2.attn_q, attn_k = @blk.2.attn_k, attn_v = @blk.2.attn_v, attn_output = @blk.2.attn_output, ffn_norm = @blk.2.ffn_norm, ffn_gate = @blk.2.ffn_gate, ffn_up = @blk.2.ffn_up, ffn_down = @blk.2.ffn_down} {llmq.influence = 3.0e-01 : f64}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}
