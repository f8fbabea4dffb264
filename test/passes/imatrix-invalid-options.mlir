// --llmq-imatrix: tokens= below 1 (tokens=0 used to say the text was too
// short), ctx= outside [1, 512], a text without tokens or shorter than one
// window, no text and no in=, both, no out=, an in= file that is not an
// imatrix GGUF or missing, an out= file that is an input; and, from the IR,
// an imatrix whose entries are not the model's matrices. Each is one line
// at the model's location, exit 1, neither the IR nor an imatrix written.
// Option errors come from first.mlir, the first chunk (a file of two models
// with out= is an error of its own); the IR's from the chunk after it
// (-split-input-file).
//
// RUN: rm -rf %t && mkdir -p %t && cd %t
// RUN: %python %S/Inputs/make-weights.py %s
// RUN: cp %models/kjv-tiny/tokenizer.json tok.json
// RUN: head -n 200 %S/../../test/models/README.md > calib.txt
// RUN: : > empty.txt
// RUN: sed '/^\/\/ -----$/,$d' %s > first.mlir
// RUN: quant-opt first.mlir --llmq-imatrix="text=calib.txt tokens=128 ctx=64 out=two-blocks.gguf" -o /dev/null
// RUN: not quant-opt first.mlir --llmq-imatrix="text=%t/calib.txt tokens=0 out=%t/x.gguf" -o %t/TOKENS0.mlir 2>&1 | FileCheck %s --check-prefix=TOKENS0 --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt first.mlir --llmq-imatrix="text=%t/calib.txt tokens=-1 out=%t/x.gguf" -o %t/TOKENSNEG.mlir 2>&1 | FileCheck %s --check-prefix=TOKENSNEG --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt first.mlir --llmq-imatrix="text=%t/empty.txt out=%t/x.gguf" -o %t/EMPTY.mlir 2>&1 | FileCheck %s --check-prefix=EMPTY --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt first.mlir --llmq-imatrix="text=%t/calib.txt ctx=0 out=%t/x.gguf" -o %t/CTX0.mlir 2>&1 | FileCheck %s --check-prefix=CTX0 --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt first.mlir --llmq-imatrix="text=%t/calib.txt ctx=513 out=%t/x.gguf" -o %t/CTXBIG.mlir 2>&1 | FileCheck %s --check-prefix=CTXBIG --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt first.mlir --llmq-imatrix -o %t/NOTEXT.mlir 2>&1 | FileCheck %s --check-prefix=NOTEXT --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt first.mlir --llmq-imatrix="text=calib.txt in=two-blocks.gguf" -o %t/BOTH.mlir 2>&1 | FileCheck %s --check-prefix=BOTH --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt first.mlir --llmq-imatrix="text=calib.txt" -o %t/NOOUT.mlir 2>&1 | FileCheck %s --check-prefix=NOOUT --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt first.mlir --llmq-imatrix="text=calib.txt out=%t/x.gguf tokens=100 ctx=128" -o %t/SHORT.mlir 2>&1 | FileCheck %s --check-prefix=SHORT --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt first.mlir --llmq-imatrix="in=calib.txt" -o %t/NOTGGUF.mlir 2>&1 | FileCheck %s --check-prefix=NOTGGUF --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt first.mlir --llmq-imatrix="in=missing.gguf" -o %t/MISSING.mlir 2>&1 | FileCheck %s --check-prefix=MISSING --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt first.mlir --llmq-imatrix="text=calib.txt tokens=128 ctx=64 out=tok.json" -o %t/CLOBBER.mlir 2>&1 | FileCheck %s --check-prefix=CLOBBER --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s -split-input-file --llmq-imatrix="in=two-blocks.gguf" -o %t/IR.mlir 2>&1 | FileCheck %s --check-prefix=IR --match-full-lines --implicit-check-not="{{.}}"
// RUN: not ls %t/[A-Z]*.mlir
// RUN: not test -e %t/x.gguf
// RUN: cmp tok.json %models/kjv-tiny/tokenizer.json

// TOKENS0: {{.*}}first.mlir:[[# @LINE + 13]]:1: error: llmq-imatrix: tokens=0 must be >= 1
// TOKENSNEG: {{.*}}.mlir:{{[0-9]+}}:{{[0-9]+}}: error: llmq-imatrix: tokens=-1 must be >= 1
// EMPTY: {{.*}}.mlir:{{[0-9]+}}:{{[0-9]+}}: error: llmq-imatrix: {{.*}}empty.txt: the text has no tokens (it is empty or only blank lines)
// CTX0: {{.*}}.mlir:{{[0-9]+}}:{{[0-9]+}}: error: llmq-imatrix: ctx=0 is outside [1, 512]
// CTXBIG: {{.*}}: error: llmq-imatrix: ctx=513 is outside [1, 512]
// NOTEXT: {{.*}}: error: llmq-imatrix: needs text=FILE (calibration text) or in=FILE
// BOTH: {{.*}}: error: llmq-imatrix: give either in=FILE or text=FILE, not both
// NOOUT: {{.*}}: error: llmq-imatrix: needs out=FILE to write the imatrix to
// SHORT: {{.*}}: error: llmq-imatrix: '{{.*}}calib.txt' holds {{[0-9]+}} tokens, fewer than one window of ctx=128
// NOTGGUF: {{.*}}: error: llmq-imatrix: {{.*}}calib.txt{{.*}}
// MISSING: {{.*}}: error: llmq-imatrix: missing.gguf: cannot open: No such file or directory
// CLOBBER: {{.*}}: error: llmq-imatrix: tok.json: is an input of this run (the tokenizer 'tok.json'); refusing to overwrite it

llmq.model @m attributes {arch = "llama", hidden_size = 64 : i64, num_layers = 2 : i64, num_heads = 2 : i64, num_kv_heads = 1 : i64, head_dim = 32 : i64, ffn_size = 128 : i64, vocab_size = 2048 : i64, context_length = 512 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false, tokenizer = #llmq.tokenizer<file = "tok.json", bos = 0, eos = 1, add_bos = true>} {
  llmq.weight @token_embd : tensor<2048x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 4096>}
  llmq.weight @blk.0.attn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.0.attn_norm", offset = 266240>}
  llmq.weight @blk.0.attn_q : tensor<64x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_q", offset = 266368>}
  llmq.weight @blk.0.attn_k : tensor<32x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_k", offset = 274560>}
  llmq.weight @blk.0.attn_v : tensor<32x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_v", offset = 278656>}
  llmq.weight @blk.0.attn_output : tensor<64x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_output", offset = 282752>}
  llmq.weight @blk.0.ffn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.0.ffn_norm", offset = 290944>}
  llmq.weight @blk.0.ffn_gate : tensor<128x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_gate", offset = 291072>}
  llmq.weight @blk.0.ffn_up : tensor<128x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_up", offset = 307456>}
  llmq.weight @blk.0.ffn_down : tensor<64x128xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_down", offset = 323840>}
  llmq.weight @blk.1.attn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.1.attn_norm", offset = 340224>}
  llmq.weight @blk.1.attn_q : tensor<64x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.1.attn_q", offset = 340352>}
  llmq.weight @blk.1.attn_k : tensor<32x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.1.attn_k", offset = 348544>}
  llmq.weight @blk.1.attn_v : tensor<32x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.1.attn_v", offset = 352640>}
  llmq.weight @blk.1.attn_output : tensor<64x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.1.attn_output", offset = 356736>}
  llmq.weight @blk.1.ffn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.1.ffn_norm", offset = 364928>}
  llmq.weight @blk.1.ffn_gate : tensor<128x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.1.ffn_gate", offset = 365056>}
  llmq.weight @blk.1.ffn_up : tensor<128x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.1.ffn_up", offset = 381440>}
  llmq.weight @blk.1.ffn_down : tensor<64x128xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.1.ffn_down", offset = 397824>}
  llmq.weight @output_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:output_norm", offset = 414208>}
  llmq.weight @output : tensor<2048x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "output", offset = 414336>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.block 1 weights {attn_norm = @blk.1.attn_norm, attn_q = @blk.1.attn_q, attn_k = @blk.1.attn_k, attn_v = @blk.1.attn_v, attn_output = @blk.1.attn_output, ffn_norm = @blk.1.ffn_norm, ffn_gate = @blk.1.ffn_gate, ffn_up = @blk.1.ffn_up, ffn_down = @blk.1.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}

// -----

// An imatrix of two blocks does not fit a model of one.
// IR: {{.*}}.mlir:[[# @LINE + 1]]:1: error: llmq-imatrix: two-blocks.gguf: 'blk.1.attn_k.weight' is no matrix of model 'one'
llmq.model @one attributes {arch = "llama", hidden_size = 64 : i64, num_layers = 1 : i64, num_heads = 2 : i64, num_kv_heads = 1 : i64, head_dim = 32 : i64, ffn_size = 128 : i64, vocab_size = 2048 : i64, context_length = 512 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false, tokenizer = #llmq.tokenizer<file = "tok.json", bos = 0, eos = 1, add_bos = true>} {
  llmq.weight @token_embd : tensor<2048x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 4096>}
  llmq.weight @blk.0.attn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.0.attn_norm", offset = 266240>}
  llmq.weight @blk.0.attn_q : tensor<64x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_q", offset = 266368>}
  llmq.weight @blk.0.attn_k : tensor<32x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_k", offset = 274560>}
  llmq.weight @blk.0.attn_v : tensor<32x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_v", offset = 278656>}
  llmq.weight @blk.0.attn_output : tensor<64x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_output", offset = 282752>}
  llmq.weight @blk.0.ffn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.0.ffn_norm", offset = 290944>}
  llmq.weight @blk.0.ffn_gate : tensor<128x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_gate", offset = 291072>}
  llmq.weight @blk.0.ffn_up : tensor<128x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_up", offset = 307456>}
  llmq.weight @blk.0.ffn_down : tensor<64x128xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_down", offset = 323840>}
  llmq.weight @output_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:output_norm", offset = 414208>}
  llmq.weight @output : tensor<2048x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "output", offset = 414336>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}
