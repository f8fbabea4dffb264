// --llmq-block-influence: no text, tokens= below 1, ctx= outside [2,
// context_length], a text that cannot be read or holds no tokens (an empty
// one gave influence NaN before), a json= file that is an input; and, from
// the IR, a model without a tokenizer, a tokenizer or a weight file that
// cannot be read. Each is one line at the model's location, exit 1, nothing
// written. The option errors come from the first model (the pass stops
// there); the IR's from the chunks after it, each a run of its own
// (-split-input-file), as is the json= case (written after all models).
//
// RUN: rm -rf %t && mkdir -p %t && cd %t
// RUN: %python %S/Inputs/make-weights.py %s --only w.safetensors
// RUN: cp %models/kjv-tiny/tokenizer.json tok.json
// RUN: head -n 200 %S/../../test/models/README.md > calib.txt
// RUN: : > empty.txt
// RUN: not quant-opt %s --llmq-block-influence -o %t/NOTEXT.mlir 2>&1 | FileCheck %s --check-prefix=NOTEXT --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-block-influence="text=calib.txt tokens=0" -o %t/TOKENS0.mlir 2>&1 | FileCheck %s --check-prefix=TOKENS0 --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-block-influence="text=calib.txt tokens=-3" -o %t/TOKENSNEG.mlir 2>&1 | FileCheck %s --check-prefix=TOKENSNEG --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-block-influence="text=calib.txt ctx=1" -o %t/CTX1.mlir 2>&1 | FileCheck %s --check-prefix=CTX1 --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-block-influence="text=calib.txt ctx=513" -o %t/CTXBIG.mlir 2>&1 | FileCheck %s --check-prefix=CTXBIG --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-block-influence="text=%t/empty.txt" -o %t/EMPTY.mlir 2>&1 | FileCheck %s --check-prefix=EMPTY --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-block-influence="text=missing.txt" -o %t/NOFILE.mlir 2>&1 | FileCheck %s --check-prefix=NOFILE --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s -split-input-file --llmq-block-influence="text=calib.txt tokens=64 ctx=32 json=tok.json" -o %t/JSON.mlir 2>&1 | FileCheck %s --check-prefixes=JSON,IR --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s -split-input-file --llmq-block-influence="text=calib.txt tokens=64 ctx=32" -o %t/IR.mlir 2>&1 | FileCheck %s --check-prefix=IR --match-full-lines --implicit-check-not="{{.}}"
// RUN: not ls %t/*.mlir
// RUN: cmp tok.json %models/kjv-tiny/tokenizer.json

// NOTEXT: {{.*}}.mlir:[[# @LINE + 9]]:1: error: llmq-block-influence: needs text=FILE (calibration text)
// TOKENS0: {{.*}}.mlir:[[# @LINE + 8]]:1: error: llmq-block-influence: tokens=0 must be >= 1
// TOKENSNEG: {{.*}}.mlir:{{[0-9]+}}:{{[0-9]+}}: error: llmq-block-influence: tokens=-3 must be >= 1
// CTX1: {{.*}}.mlir:{{[0-9]+}}:{{[0-9]+}}: error: llmq-block-influence: ctx=1 is outside [2, 512]
// CTXBIG: {{.*}}.mlir:{{[0-9]+}}:{{[0-9]+}}: error: llmq-block-influence: ctx=513 is outside [2, 512]
// EMPTY: {{.*}}.mlir:{{[0-9]+}}:{{[0-9]+}}: error: llmq-block-influence: {{.*}}empty.txt: the text has no tokens (it is empty or only blank lines)
// NOFILE: {{.*}}.mlir:{{[0-9]+}}:{{[0-9]+}}: error: llmq-block-influence: missing.txt: cannot read: No such file or directory
// JSON: {{.*}}: error: llmq-block-influence: tok.json: is an input of this run (the tokenizer 'tok.json'); refusing to overwrite it

llmq.model @m attributes {arch = "llama", hidden_size = 64 : i64, num_layers = 1 : i64, num_heads = 2 : i64, num_kv_heads = 1 : i64, head_dim = 32 : i64, ffn_size = 128 : i64, vocab_size = 2048 : i64, context_length = 512 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false, tokenizer = #llmq.tokenizer<file = "tok.json", bos = 0, eos = 1, add_bos = true>} {
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
  llmq.weight @output_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:output_norm", offset = 340224>}
  llmq.weight @output : tensor<2048x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "output", offset = 340352>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}

// -----

// IR: {{.*}}.mlir:[[# @LINE + 1]]:1: error: llmq-block-influence: model 'notok' has no tokenizer
llmq.model @notok attributes {arch = "llama", hidden_size = 64 : i64, num_layers = 1 : i64, num_heads = 2 : i64, num_kv_heads = 1 : i64, head_dim = 32 : i64, ffn_size = 128 : i64, vocab_size = 2048 : i64, context_length = 512 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false} {
  llmq.weight @token_embd : tensor<2048x64xbf16> {source = #llmq.source<file = "missing.safetensors", key = "token_embd", offset = 0>}
  llmq.weight @blk.0.attn_norm : tensor<64xbf16> {source = #llmq.source<file = "missing.safetensors", key = "one:blk.0.attn_norm", offset = 0>}
  llmq.weight @blk.0.attn_q : tensor<64x64xbf16> {source = #llmq.source<file = "missing.safetensors", key = "blk.0.attn_q", offset = 0>}
  llmq.weight @blk.0.attn_k : tensor<32x64xbf16> {source = #llmq.source<file = "missing.safetensors", key = "blk.0.attn_k", offset = 0>}
  llmq.weight @blk.0.attn_v : tensor<32x64xbf16> {source = #llmq.source<file = "missing.safetensors", key = "blk.0.attn_v", offset = 0>}
  llmq.weight @blk.0.attn_output : tensor<64x64xbf16> {source = #llmq.source<file = "missing.safetensors", key = "blk.0.attn_output", offset = 0>}
  llmq.weight @blk.0.ffn_norm : tensor<64xbf16> {source = #llmq.source<file = "missing.safetensors", key = "one:blk.0.ffn_norm", offset = 0>}
  llmq.weight @blk.0.ffn_gate : tensor<128x64xbf16> {source = #llmq.source<file = "missing.safetensors", key = "blk.0.ffn_gate", offset = 0>}
  llmq.weight @blk.0.ffn_up : tensor<128x64xbf16> {source = #llmq.source<file = "missing.safetensors", key = "blk.0.ffn_up", offset = 0>}
  llmq.weight @blk.0.ffn_down : tensor<64x128xbf16> {source = #llmq.source<file = "missing.safetensors", key = "blk.0.ffn_down", offset = 0>}
  llmq.weight @output_norm : tensor<64xbf16> {source = #llmq.source<file = "missing.safetensors", key = "one:output_norm", offset = 0>}
  llmq.weight @output : tensor<2048x64xbf16> {source = #llmq.source<file = "missing.safetensors", key = "output", offset = 0>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}

// -----

// IR: {{.*}}.mlir:[[# @LINE + 1]]:1: error: llmq-block-influence: missing.json: cannot read: No such file or directory
llmq.model @badtok attributes {arch = "llama", hidden_size = 64 : i64, num_layers = 1 : i64, num_heads = 2 : i64, num_kv_heads = 1 : i64, head_dim = 32 : i64, ffn_size = 128 : i64, vocab_size = 2048 : i64, context_length = 512 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false, tokenizer = #llmq.tokenizer<file = "missing.json", bos = 0, eos = 1, add_bos = true>} {
  llmq.weight @token_embd : tensor<2048x64xbf16> {source = #llmq.source<file = "missing.safetensors", key = "token_embd", offset = 0>}
  llmq.weight @blk.0.attn_norm : tensor<64xbf16> {source = #llmq.source<file = "missing.safetensors", key = "one:blk.0.attn_norm", offset = 0>}
  llmq.weight @blk.0.attn_q : tensor<64x64xbf16> {source = #llmq.source<file = "missing.safetensors", key = "blk.0.attn_q", offset = 0>}
  llmq.weight @blk.0.attn_k : tensor<32x64xbf16> {source = #llmq.source<file = "missing.safetensors", key = "blk.0.attn_k", offset = 0>}
  llmq.weight @blk.0.attn_v : tensor<32x64xbf16> {source = #llmq.source<file = "missing.safetensors", key = "blk.0.attn_v", offset = 0>}
  llmq.weight @blk.0.attn_output : tensor<64x64xbf16> {source = #llmq.source<file = "missing.safetensors", key = "blk.0.attn_output", offset = 0>}
  llmq.weight @blk.0.ffn_norm : tensor<64xbf16> {source = #llmq.source<file = "missing.safetensors", key = "one:blk.0.ffn_norm", offset = 0>}
  llmq.weight @blk.0.ffn_gate : tensor<128x64xbf16> {source = #llmq.source<file = "missing.safetensors", key = "blk.0.ffn_gate", offset = 0>}
  llmq.weight @blk.0.ffn_up : tensor<128x64xbf16> {source = #llmq.source<file = "missing.safetensors", key = "blk.0.ffn_up", offset = 0>}
  llmq.weight @blk.0.ffn_down : tensor<64x128xbf16> {source = #llmq.source<file = "missing.safetensors", key = "blk.0.ffn_down", offset = 0>}
  llmq.weight @output_norm : tensor<64xbf16> {source = #llmq.source<file = "missing.safetensors", key = "one:output_norm", offset = 0>}
  llmq.weight @output : tensor<2048x64xbf16> {source = #llmq.source<file = "missing.safetensors", key = "output", offset = 0>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}

// -----

// IR: {{.*}}.mlir:[[# @LINE + 1]]:1: error: llmq-block-influence: missing.safetensors: cannot open: No such file or directory
llmq.model @noweights attributes {arch = "llama", hidden_size = 64 : i64, num_layers = 1 : i64, num_heads = 2 : i64, num_kv_heads = 1 : i64, head_dim = 32 : i64, ffn_size = 128 : i64, vocab_size = 2048 : i64, context_length = 512 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false, tokenizer = #llmq.tokenizer<file = "tok.json", bos = 0, eos = 1, add_bos = true>} {
  llmq.weight @token_embd : tensor<2048x64xbf16> {source = #llmq.source<file = "missing.safetensors", key = "token_embd", offset = 0>}
  llmq.weight @blk.0.attn_norm : tensor<64xbf16> {source = #llmq.source<file = "missing.safetensors", key = "one:blk.0.attn_norm", offset = 0>}
  llmq.weight @blk.0.attn_q : tensor<64x64xbf16> {source = #llmq.source<file = "missing.safetensors", key = "blk.0.attn_q", offset = 0>}
  llmq.weight @blk.0.attn_k : tensor<32x64xbf16> {source = #llmq.source<file = "missing.safetensors", key = "blk.0.attn_k", offset = 0>}
  llmq.weight @blk.0.attn_v : tensor<32x64xbf16> {source = #llmq.source<file = "missing.safetensors", key = "blk.0.attn_v", offset = 0>}
  llmq.weight @blk.0.attn_output : tensor<64x64xbf16> {source = #llmq.source<file = "missing.safetensors", key = "blk.0.attn_output", offset = 0>}
  llmq.weight @blk.0.ffn_norm : tensor<64xbf16> {source = #llmq.source<file = "missing.safetensors", key = "one:blk.0.ffn_norm", offset = 0>}
  llmq.weight @blk.0.ffn_gate : tensor<128x64xbf16> {source = #llmq.source<file = "missing.safetensors", key = "blk.0.ffn_gate", offset = 0>}
  llmq.weight @blk.0.ffn_up : tensor<128x64xbf16> {source = #llmq.source<file = "missing.safetensors", key = "blk.0.ffn_up", offset = 0>}
  llmq.weight @blk.0.ffn_down : tensor<64x128xbf16> {source = #llmq.source<file = "missing.safetensors", key = "blk.0.ffn_down", offset = 0>}
  llmq.weight @output_norm : tensor<64xbf16> {source = #llmq.source<file = "missing.safetensors", key = "one:output_norm", offset = 0>}
  llmq.weight @output : tensor<2048x64xbf16> {source = #llmq.source<file = "missing.safetensors", key = "output", offset = 0>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}
