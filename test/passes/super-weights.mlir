// --llmq-super-weights over small hand-written llamas whose weights
// test/passes/Inputs/make-tiny-weights.py writes (hidden 32, ffn 64, values
// in [-0.1, 0.1) with two planted outliers: blk.0.ffn_down[3, 5] = 4 and
// blk.1.ffn_down[7, 9] = -2.5) and kjv-tiny's tokenizer. Each scorer finds
// the planted entries, records them on the model and pins them on their
// weights, merged with pins already there. One chunk per model; each RUN
// line is one mode over every chunk.
//
// RUN: rm -rf %t && mkdir -p %t && %python %S/Inputs/make-tiny-weights.py %t/tiny.safetensors
// RUN: cp %models/kjv-tiny/tokenizer.json %t/tokenizer.json
// RUN: cd %t && quant-opt %s -split-input-file --llmq-super-weights="mode=weight-only top-k=2" | FileCheck %s --check-prefix=WO
// RUN: cd %t && quant-opt %s -split-input-file --llmq-super-weights="mode=activation top-k=2" | FileCheck %s --check-prefix=ACT
// RUN: cd %t && quant-opt %s -split-input-file --llmq-super-weights="top-k=2 ctx=64 text=%models/README.md tokens=512 threads=1" | FileCheck %s --check-prefix=CON
// RUN: cd %t && quant-opt %s -split-input-file --llmq-super-weights="top-k=2 ctx=64 text=%models/README.md tokens=512 threads=1" -o %t/con1.mlir
// RUN: cd %t && quant-opt %s -split-input-file --llmq-super-weights="top-k=2 ctx=64 text=%models/README.md tokens=512 threads=3" -o %t/con3.mlir
// RUN: cmp %t/con1.mlir %t/con3.mlir
// RUN: cd %t && quant-opt %s --llmq-super-weights="mode=weight-only top-k=2 json=%t/wo.json" -o /dev/null
// RUN: FileCheck %s --check-prefix=WOJSON < %t/wo.json
// RUN: cd %t && quant-opt %s --llmq-super-weights="mode=activation top-k=1 json=%t/act.json" -o /dev/null
// RUN: FileCheck %s --check-prefix=ACTJSON < %t/act.json
// RUN: cd %t && quant-opt %s --llmq-super-weights="top-k=1 ctx=64 text=%models/README.md tokens=512 json=%t/con.json" -o /dev/null
// RUN: FileCheck %s --check-prefix=CONJSON < %t/con.json

// Two blocks. weight-only: |w| / rms(W_down) ranks the planted entries
// first (4 / 0.10 and 2.5 / 0.08). activation (the probe prompt): the
// spike at blk.0.ffn_down's output runs through the planted column; the
// second entry is where the same spike meets another column. contribution
// (w^2 E[x^2] against its tensor's mean, over the calibration text): both
// planted entries, about 1400 and 700 times their tensor's mean.

// WO-LABEL: llmq.model @two_blocks
// WO-SAME: llmq.super_weights = [#llmq.super_weight<weight = @blk.0.ffn_down, row = 3, col = 5, value = 4.000000e+00 : f64>, #llmq.super_weight<weight = @blk.1.ffn_down, row = 7, col = 9, value = -2.500000e+00 : f64>]
// WO: llmq.weight @blk.0.ffn_down : {{.*}} {llmq.pinned = [#llmq.pin<row = 3, col = 5, value = 4.000000e+00 : f64>], source
// WO: llmq.weight @blk.1.ffn_down : {{.*}} {llmq.pinned = [#llmq.pin<row = 7, col = 9, value = -2.500000e+00 : f64>], source
// WO-NOT: llmq.pinned

// ACT-LABEL: llmq.model @two_blocks
// ACT-SAME: llmq.super_weights = [#llmq.super_weight<weight = @blk.0.ffn_down, row = 3, col = 5, value = 4.000000e+00 : f64>, #llmq.super_weight<weight = @blk.0.ffn_down, row = 3, col = [[COL:[0-9]+]], value = {{[-0-9.e+]+}} : f64>]
// ACT: llmq.weight @blk.0.ffn_down : {{.*}} {llmq.pinned = [#llmq.pin<row = 3, col = 5, value = 4.000000e+00 : f64>, #llmq.pin<row = 3, col = [[COL]], value = {{[-0-9.e+]+}} : f64>], source

// CON-LABEL: llmq.model @two_blocks
// CON-SAME: llmq.super_weights = [#llmq.super_weight<weight = @blk.0.ffn_down, row = 3, col = 5, value = 4.000000e+00 : f64>, #llmq.super_weight<weight = @blk.1.ffn_down, row = 7, col = 9, value = -2.500000e+00 : f64>]

// WOJSON: "mode": "weight-only",
// WOJSON-NEXT: "model": "pinned",
// WOJSON-NEXT: "super_weights": [
// WOJSON-NEXT: {
// WOJSON-NEXT: "col": 5,
// WOJSON-NEXT: "layer": 0,
// WOJSON-NEXT: "row": 3,
// WOJSON-NEXT: "score": {{[0-9.]+}},
// WOJSON-NEXT: "source_key": "blk.0.ffn_down",
// WOJSON-NEXT: "value": 4,
// WOJSON-NEXT: "weight": "blk.0.ffn_down"
// WOJSON-NEXT: },
// WOJSON-NEXT: {
// WOJSON-NEXT: "col": 9,
// WOJSON-NEXT: "layer": 1,
// WOJSON: "value": -2.5,
// WOJSON-NEXT: "weight": "blk.1.ffn_down"
// WOJSON-NEXT: }
// WOJSON-NEXT: ]
// WOJSON-NEXT: }

// ACTJSON: "layers": [
// ACTJSON-NEXT: {
// ACTJSON-NEXT: "in_channel": {{[0-9]+}},
// ACTJSON-NEXT: "in_token": {{[0-9]+}},
// ACTJSON-NEXT: "layer": 0,
// ACTJSON: "layer": 1,
// ACTJSON: "mode": "activation",
// ACTJSON-NEXT: "model": "pinned",
// ACTJSON-NEXT: "prompt": "Apple Inc. is a worldwide tech company.",
// ACTJSON-NEXT: "prompt_tokens": {{[1-9][0-9]*}},
// ACTJSON-NEXT: "super_weights": [
// ACTJSON-NEXT: {
// ACTJSON-NEXT: "activation_in": {{[-0-9.e]+}},
// ACTJSON-NEXT: "activation_out": {{[-0-9.e]+}},
// ACTJSON-NEXT: "col": 5,
// ACTJSON-NEXT: "layer": 0,
// ACTJSON-NEXT: "row": 3,
// ACTJSON-NEXT: "score": {{[0-9.e]+}},
// ACTJSON-NEXT: "source_key": "blk.0.ffn_down",
// ACTJSON-NEXT: "token": {{[0-9]+}},
// ACTJSON-NEXT: "value": 4,

// json= is written for each model in turn: the last one's report stays.
// CONJSON: "mode": "contribution",
// CONJSON-NEXT: "model": "pinned",
// CONJSON: "super_weights": [
// CONJSON-NEXT: {
// CONJSON-NEXT: "col": 5,
// CONJSON-NEXT: "layer": 0,
// CONJSON-NEXT: "mean_square_input": {{[0-9.e-]+}},
// CONJSON-NEXT: "ratio": {{1[0-9][0-9][0-9]\.[0-9]+}},
// CONJSON-NEXT: "row": 3,
// CONJSON: "tensors": [
// CONJSON-NEXT: {
// CONJSON-NEXT: "mean_score": {{[0-9.e-]+}},
// CONJSON-NEXT: "top_col": {{[0-9]+}},
// CONJSON-NEXT: "top_ratio": {{[0-9.e+]+}},
// CONJSON-NEXT: "top_row": {{[0-9]+}},
// CONJSON-NEXT: "top_score": {{[0-9.e-]+}},
// CONJSON-NEXT: "weight": "token_embd"
// CONJSON: "weight": "blk.0.attn_q"
// CONJSON: "weight": "blk.1.ffn_down"
// CONJSON: "text": "{{.*}}README.md",
// CONJSON-NEXT: "tokens": 512

llmq.model @two_blocks attributes {arch = "llama", hidden_size = 32 : i64, num_layers = 2 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 8 : i64, ffn_size = 64 : i64, vocab_size = 2048 : i64, context_length = 64 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false, tokenizer = #llmq.tokenizer<file = "tokenizer.json", bos = 0, eos = 1, add_bos = true>} {
  llmq.weight @token_embd : tensor<2048x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "token_embd", offset = 2056>}
  llmq.weight @blk.0.attn_norm : tensor<32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.0.attn_norm", offset = 264200>}
  llmq.weight @blk.0.attn_q : tensor<32x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.0.attn_q", offset = 264328>}
  llmq.weight @blk.0.attn_k : tensor<16x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.0.attn_k", offset = 268424>}
  llmq.weight @blk.0.attn_v : tensor<16x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.0.attn_v", offset = 270472>}
  llmq.weight @blk.0.attn_output : tensor<32x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.0.attn_output", offset = 272520>}
  llmq.weight @blk.0.ffn_norm : tensor<32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.0.ffn_norm", offset = 276616>}
  llmq.weight @blk.0.ffn_gate : tensor<64x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.0.ffn_gate", offset = 276744>}
  llmq.weight @blk.0.ffn_up : tensor<64x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.0.ffn_up", offset = 284936>}
  llmq.weight @blk.0.ffn_down : tensor<32x64xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.0.ffn_down", offset = 293128>}
  llmq.weight @blk.1.attn_norm : tensor<32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.1.attn_norm", offset = 301320>}
  llmq.weight @blk.1.attn_q : tensor<32x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.1.attn_q", offset = 301448>}
  llmq.weight @blk.1.attn_k : tensor<16x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.1.attn_k", offset = 305544>}
  llmq.weight @blk.1.attn_v : tensor<16x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.1.attn_v", offset = 307592>}
  llmq.weight @blk.1.attn_output : tensor<32x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.1.attn_output", offset = 309640>}
  llmq.weight @blk.1.ffn_norm : tensor<32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.1.ffn_norm", offset = 313736>}
  llmq.weight @blk.1.ffn_gate : tensor<64x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.1.ffn_gate", offset = 313864>}
  llmq.weight @blk.1.ffn_up : tensor<64x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.1.ffn_up", offset = 322056>}
  llmq.weight @blk.1.ffn_down : tensor<32x64xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.1.ffn_down", offset = 330248>}
  llmq.weight @output_norm : tensor<32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "output_norm", offset = 338440>}
  llmq.weight @output : tensor<2048x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "output", offset = 338568>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.block 1 weights {attn_norm = @blk.1.attn_norm, attn_q = @blk.1.attn_q, attn_k = @blk.1.attn_k, attn_v = @blk.1.attn_v, attn_output = @blk.1.attn_output, ffn_norm = @blk.1.ffn_norm, ffn_gate = @blk.1.ffn_gate, ffn_up = @blk.1.ffn_up, ffn_down = @blk.1.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}

// -----

// Pins already there stay and merge, by (row, col); an entry pinned again
// takes the value found now (here an old 1.0 at blk.1.ffn_down[7, 9]).

// WO-LABEL: llmq.model @pinned
// WO: llmq.weight @blk.0.ffn_down : {{.*}} {llmq.pinned = [#llmq.pin<row = 0, col = 1, value = 2.500000e-01 : f64>, #llmq.pin<row = 3, col = 5, value = 4.000000e+00 : f64>], source
// WO: llmq.weight @blk.1.ffn_down : {{.*}} {llmq.pinned = [#llmq.pin<row = 7, col = 9, value = -2.500000e+00 : f64>, #llmq.pin<row = 20, col = 0, value = 5.000000e-01 : f64>], source
// CON-LABEL: llmq.model @pinned
// CON: llmq.weight @blk.0.ffn_down : {{.*}} {llmq.pinned = [#llmq.pin<row = 0, col = 1, value = 2.500000e-01 : f64>, #llmq.pin<row = 3, col = 5, value = 4.000000e+00 : f64>], source

llmq.model @pinned attributes {arch = "llama", hidden_size = 32 : i64, num_layers = 2 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 8 : i64, ffn_size = 64 : i64, vocab_size = 2048 : i64, context_length = 64 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false, tokenizer = #llmq.tokenizer<file = "tokenizer.json", bos = 0, eos = 1, add_bos = true>} {
  llmq.weight @token_embd : tensor<2048x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "token_embd", offset = 2056>}
  llmq.weight @blk.0.attn_norm : tensor<32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.0.attn_norm", offset = 264200>}
  llmq.weight @blk.0.attn_q : tensor<32x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.0.attn_q", offset = 264328>}
  llmq.weight @blk.0.attn_k : tensor<16x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.0.attn_k", offset = 268424>}
  llmq.weight @blk.0.attn_v : tensor<16x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.0.attn_v", offset = 270472>}
  llmq.weight @blk.0.attn_output : tensor<32x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.0.attn_output", offset = 272520>}
  llmq.weight @blk.0.ffn_norm : tensor<32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.0.ffn_norm", offset = 276616>}
  llmq.weight @blk.0.ffn_gate : tensor<64x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.0.ffn_gate", offset = 276744>}
  llmq.weight @blk.0.ffn_up : tensor<64x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.0.ffn_up", offset = 284936>}
  llmq.weight @blk.0.ffn_down : tensor<32x64xf32> {llmq.pinned = [#llmq.pin<row = 0, col = 1, value = 0.25>], source = #llmq.source<file = "tiny.safetensors", key = "blk.0.ffn_down", offset = 293128>}
  llmq.weight @blk.1.attn_norm : tensor<32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.1.attn_norm", offset = 301320>}
  llmq.weight @blk.1.attn_q : tensor<32x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.1.attn_q", offset = 301448>}
  llmq.weight @blk.1.attn_k : tensor<16x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.1.attn_k", offset = 305544>}
  llmq.weight @blk.1.attn_v : tensor<16x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.1.attn_v", offset = 307592>}
  llmq.weight @blk.1.attn_output : tensor<32x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.1.attn_output", offset = 309640>}
  llmq.weight @blk.1.ffn_norm : tensor<32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.1.ffn_norm", offset = 313736>}
  llmq.weight @blk.1.ffn_gate : tensor<64x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.1.ffn_gate", offset = 313864>}
  llmq.weight @blk.1.ffn_up : tensor<64x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "blk.1.ffn_up", offset = 322056>}
  llmq.weight @blk.1.ffn_down : tensor<32x64xf32> {llmq.pinned = [#llmq.pin<row = 20, col = 0, value = 0.5>, #llmq.pin<row = 7, col = 9, value = 1.0>], source = #llmq.source<file = "tiny.safetensors", key = "blk.1.ffn_down", offset = 330248>}
  llmq.weight @output_norm : tensor<32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "output_norm", offset = 338440>}
  llmq.weight @output : tensor<2048x32xf32> {source = #llmq.source<file = "tiny.safetensors", key = "output", offset = 338568>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.block 1 weights {attn_norm = @blk.1.attn_norm, attn_q = @blk.1.attn_q, attn_k = @blk.1.attn_k, attn_v = @blk.1.attn_v, attn_output = @blk.1.attn_output, ffn_norm = @blk.1.ffn_norm, ffn_gate = @blk.1.ffn_gate, ffn_up = @blk.1.ffn_up, ffn_down = @blk.1.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}
