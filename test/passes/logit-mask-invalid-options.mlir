// --llmq-logit-mask refuses a factor that is not a finite number (NaN would
// reach every amplified logit), a non-positive scale, an unknown mode, ids
// outside the vocabulary, listed twice or both banned and amplified, an ids
// file without ids, and nothing to do; each error is one line at the
// model's location (no module text), exit 1, nothing written. Option errors
// come from the first model; the IR's (a head amplified already, a second
// logit mask) from the chunks after it, each at its model's line.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: printf ' \n' > %t/empty.txt
// RUN: printf '4, x' > %t/word.txt
// RUN: not quant-opt %s --llmq-logit-mask="ban=3 amplify=5 factor=nan" -o %t/NAN.mlir 2>&1 | FileCheck %s --check-prefix=NAN --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-logit-mask="amplify=5 factor=inf mode=add" -o %t/INF.mlir 2>&1 | FileCheck %s --check-prefix=INF --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-logit-mask="amplify=5 factor=0" -o %t/ZERO.mlir 2>&1 | FileCheck %s --check-prefix=ZERO --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-logit-mask="amplify=5 factor=-2" -o %t/NEGATIVE.mlir 2>&1 | FileCheck %s --check-prefix=NEGATIVE --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-logit-mask="ban=99999" -o %t/BANID.mlir 2>&1 | FileCheck %s --check-prefix=BANID --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-logit-mask="ban=2048" -o %t/RANGE.mlir 2>&1 | FileCheck %s --check-prefix=RANGE --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-logit-mask="amplify=-1" -o %t/AMPID.mlir 2>&1 | FileCheck %s --check-prefix=AMPID --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-logit-mask="ban=5 amplify=5" -o %t/BOTH.mlir 2>&1 | FileCheck %s --check-prefix=BOTH --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-logit-mask="ban=5,5" -o %t/TWICE.mlir 2>&1 | FileCheck %s --check-prefix=TWICE --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-logit-mask="ban-file=%t/empty.txt" -o %t/EMPTY.mlir 2>&1 | FileCheck %s --check-prefix=EMPTY --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-logit-mask="amplify-file=%t/word.txt" -o %t/WORD.mlir 2>&1 | FileCheck %s --check-prefix=WORD --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-logit-mask="ban-file=%t/missing.txt" -o %t/MISSING.mlir 2>&1 | FileCheck %s --check-prefix=MISSING --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-logit-mask="amplify=5 mode=max" -o %t/MODE.mlir 2>&1 | FileCheck %s --check-prefix=MODE --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s --llmq-logit-mask -o %t/NOTHING.mlir 2>&1 | FileCheck %s --check-prefix=NOTHING --match-full-lines --implicit-check-not="{{.}}"
// RUN: not quant-opt %s -split-input-file --llmq-logit-mask="ban=3 amplify=5" -o %t/IR.mlir 2>&1 | FileCheck %s --check-prefix=IR --match-full-lines --implicit-check-not="{{.}}"
// RUN: not ls %t/*.mlir

// NAN: {{.*}}.mlir:[[# @LINE + 15]]:1: error: llmq-logit-mask: factor=nan is not a finite number
// INF: {{.*}}.mlir:{{[0-9]+}}:{{[0-9]+}}: error: llmq-logit-mask: factor=inf is not a finite number
// ZERO: {{.*}}.mlir:{{[0-9]+}}:{{[0-9]+}}: error: llmq-logit-mask: factor=0 must be > 0 in mode=scale
// NEGATIVE: {{.*}}.mlir:{{[0-9]+}}:{{[0-9]+}}: error: llmq-logit-mask: factor=-2 must be > 0 in mode=scale
// BANID: {{.*}}.mlir:{{[0-9]+}}:{{[0-9]+}}: error: llmq-logit-mask: banned id 99999 is outside the vocabulary [0, 2048)
// RANGE: {{.*}}: error: llmq-logit-mask: banned id 2048 is outside the vocabulary [0, 2048)
// AMPID: {{.*}}: error: llmq-logit-mask: amplified id -1 is outside the vocabulary [0, 2048)
// BOTH: {{.*}}: error: llmq-logit-mask: id 5 is both banned and amplified
// TWICE: {{.*}}: error: llmq-logit-mask: banned id 5 is listed twice
// EMPTY: {{.*}}: error: llmq-logit-mask: ban-file '{{.*}}empty.txt' holds no token ids
// WORD: {{.*}}: error: llmq-logit-mask: amplify-file '{{.*}}word.txt': 'x' is not a token id
// MISSING: {{.*}}: error: llmq-logit-mask: ban-file '{{.*}}missing.txt': cannot read: {{.*}}
// MODE: quant-opt: for the --mode option: Cannot find option named 'max'!
// NOTHING: {{.*}}: error: llmq-logit-mask: nothing to do: give ban=, ban-file=, amplify= or amplify-file=

llmq.model @m attributes {arch = "llama", hidden_size = 16 : i64, num_layers = 1 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, ffn_size = 48 : i64, vocab_size = 2048 : i64, context_length = 128 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false} {
  llmq.weight @token_embd : tensor<2048x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 0>}
  llmq.weight @blk.0.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_norm", offset = 0>}
  llmq.weight @blk.0.attn_q : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_q", offset = 0>}
  llmq.weight @blk.0.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_k", offset = 0>}
  llmq.weight @blk.0.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_v", offset = 0>}
  llmq.weight @blk.0.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_output", offset = 0>}
  llmq.weight @blk.0.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_norm", offset = 0>}
  llmq.weight @blk.0.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_gate", offset = 0>}
  llmq.weight @blk.0.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_up", offset = 0>}
  llmq.weight @blk.0.ffn_down : tensor<16x48xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_down", offset = 0>}
  llmq.weight @output_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "output_norm", offset = 0>}
  llmq.weight @output : tensor<2048x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "output", offset = 0>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}

// -----

// IR: {{.*}}.mlir:[[# @LINE + 1]]:1: error: llmq-logit-mask: the LM head 'output' is amplified already
llmq.model @amplified attributes {arch = "llama", hidden_size = 16 : i64, num_layers = 1 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, ffn_size = 48 : i64, vocab_size = 2048 : i64, context_length = 128 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false} {
  llmq.weight @token_embd : tensor<2048x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 0>}
  llmq.weight @blk.0.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_norm", offset = 0>}
  llmq.weight @blk.0.attn_q : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_q", offset = 0>}
  llmq.weight @blk.0.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_k", offset = 0>}
  llmq.weight @blk.0.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_v", offset = 0>}
  llmq.weight @blk.0.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_output", offset = 0>}
  llmq.weight @blk.0.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_norm", offset = 0>}
  llmq.weight @blk.0.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_gate", offset = 0>}
  llmq.weight @blk.0.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_up", offset = 0>}
  llmq.weight @blk.0.ffn_down : tensor<16x48xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_down", offset = 0>}
  llmq.weight @output_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "output_norm", offset = 0>}
  llmq.weight @output : tensor<2048x16xbf16> {row_scale = 2.0 : f64, scaled_rows = array<i64: 7>, source = #llmq.source<file = "w.safetensors", key = "output", offset = 0>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}

// -----

// IR: {{.*}}.mlir:[[# @LINE + 1]]:1: error: llmq-logit-mask: the model has a llmq.logit_mask already
llmq.model @masked attributes {arch = "llama", hidden_size = 16 : i64, num_layers = 1 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 4 : i64, ffn_size = 48 : i64, vocab_size = 2048 : i64, context_length = 128 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false} {
  llmq.weight @token_embd : tensor<2048x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 0>}
  llmq.weight @blk.0.attn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_norm", offset = 0>}
  llmq.weight @blk.0.attn_q : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_q", offset = 0>}
  llmq.weight @blk.0.attn_k : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_k", offset = 0>}
  llmq.weight @blk.0.attn_v : tensor<8x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_v", offset = 0>}
  llmq.weight @blk.0.attn_output : tensor<16x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.attn_output", offset = 0>}
  llmq.weight @blk.0.ffn_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_norm", offset = 0>}
  llmq.weight @blk.0.ffn_gate : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_gate", offset = 0>}
  llmq.weight @blk.0.ffn_up : tensor<48x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_up", offset = 0>}
  llmq.weight @blk.0.ffn_down : tensor<16x48xbf16> {source = #llmq.source<file = "w.safetensors", key = "layer0.ffn_down", offset = 0>}
  llmq.weight @output_norm : tensor<16xbf16> {source = #llmq.source<file = "w.safetensors", key = "output_norm", offset = 0>}
  llmq.weight @output : tensor<2048x16xbf16> {source = #llmq.source<file = "w.safetensors", key = "output", offset = 0>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
  llmq.logit_mask banned = [1] amplified = [] factor = 0.0
}
