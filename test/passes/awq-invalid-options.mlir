// --llmq-awq: options that mean nothing are one line naming the option and
// its value, exit 1, neither the IR nor the parameter file written: no
// text or out=, grid or clip-grid outside [1, 1000], clip-shrink outside
// [0, 1), clip-grow outside [0, 1], an unknown clip-inputs, samples, tokens below 1, ctx
// outside [1, context_length], a text without tokens or shorter than one
// window, an out= or json= file the run reads (a weight source, the
// tokenizer); and, in the IR, a model without a tokenizer and two models
// for one parameter file. Option errors come from the first model (the pass
// stops there: first.mlir is the first chunk, as several models with one
// out= are an error of their own); the IR's from the chunks after it
// (-split-input-file).
//
// RUN: rm -rf %t && mkdir -p %t && cd %t
// RUN: %python %S/Inputs/make-weights.py %s
// RUN: cp %models/kjv-tiny/tokenizer.json tok.json
// RUN: head -n 200 %S/../../test/models/README.md > calib.txt
// RUN: : > empty.txt
// RUN: sed '/^\/\/ -----$/,$d' %s > first.mlir
// RUN: not quant-opt first.mlir --llmq-awq="out=%t/p.safetensors" -o %t/o.mlir 2>&1 | FileCheck %s --check-prefix=NOTEXT --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt first.mlir --llmq-awq="text=%t/calib.txt" -o %t/o.mlir 2>&1 | FileCheck %s --check-prefix=NOOUT --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt first.mlir --llmq-awq="text=%t/calib.txt out=%t/p.safetensors grid=0" -o %t/o.mlir 2>&1 | FileCheck %s --check-prefix=GRID --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt first.mlir --llmq-awq="text=%t/calib.txt out=%t/p.safetensors grid=1001" -o %t/o.mlir 2>&1 | FileCheck %s --check-prefix=GRIDBIG --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt first.mlir --llmq-awq="text=%t/calib.txt out=%t/p.safetensors clip-passes=-1" -o %t/o.mlir 2>&1 | FileCheck %s --check-prefix=PASSES --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt first.mlir --llmq-awq="text=%t/calib.txt out=%t/p.safetensors clip-grid=0" -o %t/o.mlir 2>&1 | FileCheck %s --check-prefix=CLIPGRID --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt first.mlir --llmq-awq="text=%t/calib.txt out=%t/p.safetensors clip-shrink=1" -o %t/o.mlir 2>&1 | FileCheck %s --check-prefix=SHRINK --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt first.mlir --llmq-awq="text=%t/calib.txt out=%t/p.safetensors clip-grow=-0.5" -o %t/o.mlir 2>&1 | FileCheck %s --check-prefix=GROW --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt first.mlir --llmq-awq="text=%t/calib.txt out=%t/p.safetensors clip-inputs=rtn" -o %t/o.mlir 2>&1 | FileCheck %s --check-prefix=INPUTS --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt first.mlir --llmq-awq="text=%t/calib.txt out=%t/p.safetensors samples=0" -o %t/o.mlir 2>&1 | FileCheck %s --check-prefix=SAMPLES --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt first.mlir --llmq-awq="text=%t/calib.txt out=%t/p.safetensors tokens=0" -o %t/o.mlir 2>&1 | FileCheck %s --check-prefix=TOKENS --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt first.mlir --llmq-awq="text=%t/calib.txt out=%t/p.safetensors ctx=100000" -o %t/o.mlir 2>&1 | FileCheck %s --check-prefix=CTX --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt first.mlir --llmq-awq="text=%t/empty.txt out=%t/p.safetensors" -o %t/o.mlir 2>&1 | FileCheck %s --check-prefix=EMPTY --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt first.mlir --llmq-awq="text=%t/calib.txt tokens=10 out=%t/p.safetensors" -o %t/o.mlir 2>&1 | FileCheck %s --check-prefix=SHORT --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt first.mlir --llmq-awq="text=%t/calib.txt out=w.safetensors" -o %t/o.mlir 2>&1 | FileCheck %s --check-prefix=SOURCE --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt first.mlir --llmq-awq="text=%t/calib.txt out=%t/p.safetensors json=tok.json" -o %t/o.mlir 2>&1 | FileCheck %s --check-prefix=JSON --match-full-lines --implicit-check-not="{{.}}"
// RUN: not test -e %t/p.safetensors
// RUN: not quant-opt %s -split-input-file --llmq-awq="text=%t/calib.txt tokens=128 ctx=64 samples=32 out=%t/p.safetensors" -o %t/o.mlir 2>&1 | FileCheck %s --check-prefix=IR --match-full-lines --implicit-check-not="{{.}}"
// RUN: not test -e %t/o.mlir
// RUN: cmp tok.json %models/kjv-tiny/tokenizer.json

// PASSES: {{.*}}: error: llmq-awq: clip-passes=-1 is outside [0, 100]
// CLIPGRID: {{.*}}: error: llmq-awq: clip-grid=0 is outside [1, 1000]
// SHRINK: {{.*}}: error: llmq-awq: clip-shrink=1 is outside [0, 1)
// GROW: {{.*}}: error: llmq-awq: clip-grow=-0.5 is outside [0, 1]
// INPUTS: {{.*}}: error: llmq-awq: clip-inputs='rtn' is not one of original, quantized, compensate
// NOTEXT: {{.*}}first.mlir:[[# @LINE + 13]]:1: error: llmq-awq: needs text=FILE (calibration text)
// NOOUT: {{.*}}: error: llmq-awq: needs out=FILE to write the folded tensors to
// GRID: {{.*}}: error: llmq-awq: grid=0 is outside [1, 1000]
// GRIDBIG: {{.*}}: error: llmq-awq: grid=1001 is outside [1, 1000]
// SAMPLES: {{.*}}: error: llmq-awq: samples=0 must be >= 1
// TOKENS: {{.*}}: error: llmq-awq: tokens=0 must be >= 1
// CTX: {{.*}}: error: llmq-awq: ctx=100000 is outside [1, {{[0-9]+}}]
// EMPTY: {{.*}}: error: llmq-awq: {{.*}}empty.txt{{.*}}
// SHORT: {{.*}}: error: llmq-awq: '{{.*}}calib.txt' holds {{[0-9]+}} tokens, fewer than one window of ctx=256
// The parameter file may not replace the model's own source.
// SOURCE: {{.*}}: error: llmq-awq: {{.*}}w.safetensors{{.*}}
// JSON: {{.*}}: error: llmq-awq: tok.json: is an input of this run (the tokenizer 'tok.json'); refusing to overwrite it

llmq.model @awq attributes {arch = "llama", hidden_size = 64 : i64, num_layers = 2 : i64, num_heads = 2 : i64, num_kv_heads = 1 : i64, head_dim = 32 : i64, ffn_size = 128 : i64, vocab_size = 2048 : i64, context_length = 512 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false, tokenizer = #llmq.tokenizer<file = "tok.json", bos = 0, eos = 1, add_bos = true>} {
  llmq.weight @token_embd : tensor<2048x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 4096>}
  llmq.weight @blk.0.attn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.0.attn_norm", offset = 266240>}
  llmq.weight @blk.0.attn_q : tensor<64x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_q", offset = 266368>}
  llmq.weight @blk.0.attn_k : tensor<32x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_k", offset = 274560>}
  llmq.weight @blk.0.attn_v : tensor<32x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_v", offset = 278656>}
  llmq.weight @blk.0.attn_output : tensor<64x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_output", offset = 282752>}
  llmq.weight @blk.0.ffn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.0.ffn_norm", offset = 290944>}
  llmq.weight @blk.0.ffn_gate : tensor<128x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_gate", offset = 291072>}
  llmq.weight @blk.0.ffn_up : tensor<128x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_up", offset = 307456>}
  llmq.weight @blk.0.ffn_down : tensor<64x128xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_down", offset = 323840>}
  llmq.weight @blk.1.attn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.1.attn_norm", offset = 340224>}
  llmq.weight @blk.1.attn_q : tensor<64x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.1.attn_q", offset = 340352>}
  llmq.weight @blk.1.attn_k : tensor<32x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.1.attn_k", offset = 348544>}
  llmq.weight @blk.1.attn_v : tensor<32x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.1.attn_v", offset = 352640>}
  llmq.weight @blk.1.attn_output : tensor<64x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.1.attn_output", offset = 356736>}
  llmq.weight @blk.1.ffn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.1.ffn_norm", offset = 364928>}
  llmq.weight @blk.1.ffn_gate : tensor<128x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.1.ffn_gate", offset = 365056>}
  llmq.weight @blk.1.ffn_up : tensor<128x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.1.ffn_up", offset = 381440>}
  llmq.weight @blk.1.ffn_down : tensor<64x128xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.1.ffn_down", offset = 397824>}
  llmq.weight @output_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:output_norm", offset = 414208>}
  llmq.weight @output : tensor<2048x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "output", offset = 414336>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.block 1 weights {attn_norm = @blk.1.attn_norm, attn_q = @blk.1.attn_q, attn_k = @blk.1.attn_k, attn_v = @blk.1.attn_v, attn_output = @blk.1.attn_output, ffn_norm = @blk.1.ffn_norm, ffn_gate = @blk.1.ffn_gate, ffn_up = @blk.1.ffn_up, ffn_down = @blk.1.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}

// -----

// IR: {{.*}}.mlir:[[# @LINE + 1]]:1: error: llmq-awq: model 'notok' has no tokenizer to read the calibration text with
llmq.model @notok attributes {arch = "llama", hidden_size = 64 : i64, num_layers = 2 : i64, num_heads = 2 : i64, num_kv_heads = 1 : i64, head_dim = 32 : i64, ffn_size = 128 : i64, vocab_size = 2048 : i64, context_length = 512 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false} {
  llmq.weight @token_embd : tensor<2048x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 4096>}
  llmq.weight @blk.0.attn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.0.attn_norm", offset = 266240>}
  llmq.weight @blk.0.attn_q : tensor<64x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_q", offset = 266368>}
  llmq.weight @blk.0.attn_k : tensor<32x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_k", offset = 274560>}
  llmq.weight @blk.0.attn_v : tensor<32x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_v", offset = 278656>}
  llmq.weight @blk.0.attn_output : tensor<64x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_output", offset = 282752>}
  llmq.weight @blk.0.ffn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.0.ffn_norm", offset = 290944>}
  llmq.weight @blk.0.ffn_gate : tensor<128x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_gate", offset = 291072>}
  llmq.weight @blk.0.ffn_up : tensor<128x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_up", offset = 307456>}
  llmq.weight @blk.0.ffn_down : tensor<64x128xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_down", offset = 323840>}
  llmq.weight @blk.1.attn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.1.attn_norm", offset = 340224>}
  llmq.weight @blk.1.attn_q : tensor<64x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.1.attn_q", offset = 340352>}
  llmq.weight @blk.1.attn_k : tensor<32x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.1.attn_k", offset = 348544>}
  llmq.weight @blk.1.attn_v : tensor<32x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.1.attn_v", offset = 352640>}
  llmq.weight @blk.1.attn_output : tensor<64x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.1.attn_output", offset = 356736>}
  llmq.weight @blk.1.ffn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.1.ffn_norm", offset = 364928>}
  llmq.weight @blk.1.ffn_gate : tensor<128x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.1.ffn_gate", offset = 365056>}
  llmq.weight @blk.1.ffn_up : tensor<128x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.1.ffn_up", offset = 381440>}
  llmq.weight @blk.1.ffn_down : tensor<64x128xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.1.ffn_down", offset = 397824>}
  llmq.weight @output_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:output_norm", offset = 414208>}
  llmq.weight @output : tensor<2048x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "output", offset = 414336>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.block 1 weights {attn_norm = @blk.1.attn_norm, attn_q = @blk.1.attn_q, attn_k = @blk.1.attn_k, attn_v = @blk.1.attn_v, attn_output = @blk.1.attn_output, ffn_norm = @blk.1.ffn_norm, ffn_gate = @blk.1.ffn_gate, ffn_up = @blk.1.ffn_up, ffn_down = @blk.1.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}

// -----

// Two models, one parameter file: refused at the second model.
llmq.model @first attributes {arch = "llama", hidden_size = 64 : i64, num_layers = 2 : i64, num_heads = 2 : i64, num_kv_heads = 1 : i64, head_dim = 32 : i64, ffn_size = 128 : i64, vocab_size = 2048 : i64, context_length = 512 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false, tokenizer = #llmq.tokenizer<file = "tok.json", bos = 0, eos = 1, add_bos = true>} {
  llmq.weight @token_embd : tensor<2048x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 4096>}
  llmq.weight @blk.0.attn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.0.attn_norm", offset = 266240>}
  llmq.weight @blk.0.attn_q : tensor<64x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_q", offset = 266368>}
  llmq.weight @blk.0.attn_k : tensor<32x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_k", offset = 274560>}
  llmq.weight @blk.0.attn_v : tensor<32x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_v", offset = 278656>}
  llmq.weight @blk.0.attn_output : tensor<64x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_output", offset = 282752>}
  llmq.weight @blk.0.ffn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.0.ffn_norm", offset = 290944>}
  llmq.weight @blk.0.ffn_gate : tensor<128x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_gate", offset = 291072>}
  llmq.weight @blk.0.ffn_up : tensor<128x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_up", offset = 307456>}
  llmq.weight @blk.0.ffn_down : tensor<64x128xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_down", offset = 323840>}
  llmq.weight @blk.1.attn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.1.attn_norm", offset = 340224>}
  llmq.weight @blk.1.attn_q : tensor<64x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.1.attn_q", offset = 340352>}
  llmq.weight @blk.1.attn_k : tensor<32x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.1.attn_k", offset = 348544>}
  llmq.weight @blk.1.attn_v : tensor<32x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.1.attn_v", offset = 352640>}
  llmq.weight @blk.1.attn_output : tensor<64x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.1.attn_output", offset = 356736>}
  llmq.weight @blk.1.ffn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.1.ffn_norm", offset = 364928>}
  llmq.weight @blk.1.ffn_gate : tensor<128x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.1.ffn_gate", offset = 365056>}
  llmq.weight @blk.1.ffn_up : tensor<128x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.1.ffn_up", offset = 381440>}
  llmq.weight @blk.1.ffn_down : tensor<64x128xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.1.ffn_down", offset = 397824>}
  llmq.weight @output_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:output_norm", offset = 414208>}
  llmq.weight @output : tensor<2048x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "output", offset = 414336>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.block 1 weights {attn_norm = @blk.1.attn_norm, attn_q = @blk.1.attn_q, attn_k = @blk.1.attn_k, attn_v = @blk.1.attn_v, attn_output = @blk.1.attn_output, ffn_norm = @blk.1.ffn_norm, ffn_gate = @blk.1.ffn_gate, ffn_up = @blk.1.ffn_up, ffn_down = @blk.1.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}

// IR: {{.*}}.mlir:[[# @LINE + 1]]:1: error: llmq-awq: out='{{.*}}p.safetensors' holds the tensors of one model, but the input has 2 (run the pass on each model's IR)
llmq.model @second attributes {arch = "llama", hidden_size = 64 : i64, num_layers = 2 : i64, num_heads = 2 : i64, num_kv_heads = 1 : i64, head_dim = 32 : i64, ffn_size = 128 : i64, vocab_size = 2048 : i64, context_length = 512 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false, tokenizer = #llmq.tokenizer<file = "tok.json", bos = 0, eos = 1, add_bos = true>} {
  llmq.weight @token_embd : tensor<2048x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 4096>}
  llmq.weight @blk.0.attn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.0.attn_norm", offset = 266240>}
  llmq.weight @blk.0.attn_q : tensor<64x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_q", offset = 266368>}
  llmq.weight @blk.0.attn_k : tensor<32x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_k", offset = 274560>}
  llmq.weight @blk.0.attn_v : tensor<32x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_v", offset = 278656>}
  llmq.weight @blk.0.attn_output : tensor<64x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_output", offset = 282752>}
  llmq.weight @blk.0.ffn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.0.ffn_norm", offset = 290944>}
  llmq.weight @blk.0.ffn_gate : tensor<128x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_gate", offset = 291072>}
  llmq.weight @blk.0.ffn_up : tensor<128x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_up", offset = 307456>}
  llmq.weight @blk.0.ffn_down : tensor<64x128xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_down", offset = 323840>}
  llmq.weight @blk.1.attn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.1.attn_norm", offset = 340224>}
  llmq.weight @blk.1.attn_q : tensor<64x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.1.attn_q", offset = 340352>}
  llmq.weight @blk.1.attn_k : tensor<32x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.1.attn_k", offset = 348544>}
  llmq.weight @blk.1.attn_v : tensor<32x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.1.attn_v", offset = 352640>}
  llmq.weight @blk.1.attn_output : tensor<64x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.1.attn_output", offset = 356736>}
  llmq.weight @blk.1.ffn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.1.ffn_norm", offset = 364928>}
  llmq.weight @blk.1.ffn_gate : tensor<128x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.1.ffn_gate", offset = 365056>}
  llmq.weight @blk.1.ffn_up : tensor<128x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.1.ffn_up", offset = 381440>}
  llmq.weight @blk.1.ffn_down : tensor<64x128xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.1.ffn_down", offset = 397824>}
  llmq.weight @output_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:output_norm", offset = 414208>}
  llmq.weight @output : tensor<2048x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "output", offset = 414336>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.block 1 weights {attn_norm = @blk.1.attn_norm, attn_q = @blk.1.attn_q, attn_k = @blk.1.attn_k, attn_v = @blk.1.attn_v, attn_output = @blk.1.attn_output, ffn_norm = @blk.1.ffn_norm, ffn_gate = @blk.1.ffn_gate, ffn_up = @blk.1.ffn_up, ffn_down = @blk.1.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}
