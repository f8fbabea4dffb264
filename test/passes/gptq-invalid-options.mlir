// --llmq-gptq refuses bad options and models it cannot quantize with one
// line naming the option or the model, exit 1, and writes neither the IR
// nor the parameter file. No weight is read before these checks, so the
// sources need not exist.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: not quant-opt %s -split-input-file --llmq-gptq="out=%t/p.safetensors" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=TEXT
// RUN: not quant-opt %s -split-input-file --llmq-gptq="text=%s" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=OUT
// RUN: not quant-opt %s -split-input-file --llmq-gptq="text=%s out=%t/p.safetensors tokens=0" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=TOKENS
// RUN: not quant-opt %s -split-input-file --llmq-gptq="text=%s out=%t/p.safetensors ctx=0" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=CTX
// RUN: not quant-opt %s -split-input-file --llmq-gptq="text=%s out=%t/p.safetensors ctx=513" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=CTXBIG
// RUN: not quant-opt %s -split-input-file --llmq-gptq="text=%s out=%t/p.safetensors damp=nan" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=DAMPNAN
// RUN: not quant-opt %s -split-input-file --llmq-gptq="text=%s out=%t/p.safetensors damp=-0.5" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=DAMPNEG
// RUN: not quant-opt %s -split-input-file --llmq-gptq="text=%s out=%t/p.safetensors block=0" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=BLOCK
// RUN: not quant-opt %s -split-input-file --llmq-gptq="text=%s out=%t/p.safetensors hessian-mib=0" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=MIB
// RUN: not quant-opt %s -split-input-file --llmq-gptq="text=%s out=%t/p.safetensors scale-search=-1" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=SEARCHNEG
// RUN: not quant-opt %s -split-input-file --llmq-gptq="text=%s out=%t/p.safetensors scale-search=65" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=SEARCHBIG
// RUN: not quant-opt %s -split-input-file --llmq-gptq="text=%s out=%t/p.safetensors scales=minmax" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=SCALES
// RUN: not quant-opt %s -split-input-file --llmq-gptq="text=%s out=%t/p.safetensors scale-grid=0" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=GRID
// RUN: not quant-opt %s -split-input-file --llmq-gptq="text=%s out=%t/p.safetensors tune=-1" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=TUNE
// RUN: not quant-opt %s -split-input-file --llmq-gptq="text=%s out=%t/p.safetensors tune=1 tune-rate=0" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=RATE
// RUN: not quant-opt %s -split-input-file --llmq-gptq="text=%s out=%t/p.safetensors tune=1 tune-rate=inf" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=RATEINF
// RUN: not quant-opt %s -split-input-file --llmq-gptq="text=%s out=%t/p.safetensors tune=1 tune-batch=0" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=BATCH
// RUN: not quant-opt %s -split-input-file --llmq-gptq="text=%s out=%t/p.safetensors guided=-1" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=GUIDED
// RUN: not quant-opt %s -split-input-file --llmq-gptq="text=%s out=%t/p.safetensors guided=4 sequential" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=GUIDEDSEQ
// RUN: not quant-opt %s -split-input-file --llmq-gptq="text=%s out=%t/p.safetensors" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=MODEL
// RUN: not quant-opt %s -split-input-file --llmq-gptq="text=%s out=%s" -o %t/out.mlir 2>&1 | FileCheck %s --check-prefix=CLOBBER
// RUN: not test -e %t/out.mlir
// RUN: not test -e %t/p.safetensors

// TEXT: error: llmq-gptq: needs text=FILE (calibration text)
// OUT: error: llmq-gptq: needs out=FILE, the parameter file to write the weights to
// TOKENS: error: llmq-gptq: tokens=0 must be >= 1
// CTX: error: llmq-gptq: ctx=0 is outside [1, 512]
// CTXBIG: error: llmq-gptq: ctx=513 is outside [1, 512]
// DAMPNAN: error: llmq-gptq: damp=nan is outside [0, 1]
// DAMPNEG: error: llmq-gptq: damp=-0.5 is outside [0, 1]
// BLOCK: error: llmq-gptq: block=0 must be >= 1
// MIB: error: llmq-gptq: hessian-mib=0 must be >= 1
// SEARCHNEG: error: llmq-gptq: scale-search=-1 is outside [0, 64]
// SEARCHBIG: error: llmq-gptq: scale-search=65 is outside [0, 64]
// SCALES: error: llmq-gptq: scales='minmax' is not max, mse or sweep
// GRID: error: llmq-gptq: scale-grid=0 is outside [1, 1000]
// TUNE: error: llmq-gptq: tune=-1 is outside [0, 1000]
// RATE: error: llmq-gptq: tune-rate=0 is outside (0, 1]
// RATEINF: error: llmq-gptq: tune-rate=inf is outside (0, 1]
// BATCH: error: llmq-gptq: tune-batch=0 must be >= 1
// GUIDED: error: llmq-gptq: guided=-1 is outside [0, 1024]
// GUIDEDSEQ: error: llmq-gptq: guided takes its Hessians from the original model's gradients; it does not combine with sequential or asymmetric

// The first model plans no format GPTQ produces (bf16, and q4_1, which it
// leaves to the exporter); the second has no tokenizer to read the text with.
// MODEL: error: llmq-gptq: model 'unplanned' has no block weight with a format GPTQ produces (int4/int8 groups, q4_0, q5_0, q5_1, q8_0, q2_K..q6_K); run --llmq-assign-bits first
// MODEL: error: llmq-gptq: model 'untokenized' has no tokenizer to read the calibration text with

// The parameter file may not replace a file the run reads (here the input).
// CLOBBER: error: llmq-gptq: {{.*}}gptq-invalid-options.mlir: is an input of this run (the input {{.*}}); refusing to overwrite it

llmq.model @unplanned attributes {arch = "llama", hidden_size = 32 : i64, num_layers = 1 : i64, num_heads = 1 : i64, num_kv_heads = 1 : i64, head_dim = 32 : i64, ffn_size = 32 : i64, vocab_size = 8 : i64, context_length = 512 : i64, rope_theta = 10000.0 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false, tokenizer = #llmq.tokenizer<file = "tok.json", bos = 1, eos = 2, add_bos = true>} {
  llmq.weight @token_embd : tensor<8x32xbf16> {source = #llmq.source<file = "w.safetensors", key = "e", offset = 0>}
  llmq.weight @blk.0.attn_norm : tensor<32xbf16> {source = #llmq.source<file = "w.safetensors", key = "a", offset = 0>}
  llmq.weight @blk.0.attn_q : tensor<32x32xbf16> {format = #llmq.format<bf16>, source = #llmq.source<file = "w.safetensors", key = "b", offset = 0>}
  llmq.weight @blk.0.attn_k : tensor<32x32xbf16> {format = #llmq.format<q4_1>, source = #llmq.source<file = "w.safetensors", key = "c", offset = 0>}
  llmq.weight @blk.0.attn_v : tensor<32x32xbf16> {source = #llmq.source<file = "w.safetensors", key = "d", offset = 0>}
  llmq.weight @blk.0.attn_output : tensor<32x32xbf16> {source = #llmq.source<file = "w.safetensors", key = "f", offset = 0>}
  llmq.weight @blk.0.ffn_norm : tensor<32xbf16> {source = #llmq.source<file = "w.safetensors", key = "g", offset = 0>}
  llmq.weight @blk.0.ffn_gate : tensor<32x32xbf16> {source = #llmq.source<file = "w.safetensors", key = "h", offset = 0>}
  llmq.weight @blk.0.ffn_up : tensor<32x32xbf16> {source = #llmq.source<file = "w.safetensors", key = "i", offset = 0>}
  llmq.weight @blk.0.ffn_down : tensor<32x32xbf16> {source = #llmq.source<file = "w.safetensors", key = "j", offset = 0>}
  llmq.weight @output_norm : tensor<32xbf16> {source = #llmq.source<file = "w.safetensors", key = "n", offset = 0>}
  llmq.weight @output : tensor<8x32xbf16> {source = #llmq.source<file = "w.safetensors", key = "o", offset = 0>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}

// -----

llmq.model @untokenized attributes {arch = "llama", hidden_size = 32 : i64, num_layers = 1 : i64, num_heads = 1 : i64, num_kv_heads = 1 : i64, head_dim = 32 : i64, ffn_size = 32 : i64, vocab_size = 8 : i64, context_length = 512 : i64, rope_theta = 10000.0 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false} {
  llmq.weight @token_embd : tensor<8x32xbf16> {source = #llmq.source<file = "w.safetensors", key = "e", offset = 0>}
  llmq.weight @blk.0.attn_norm : tensor<32xbf16> {source = #llmq.source<file = "w.safetensors", key = "a", offset = 0>}
  llmq.weight @blk.0.attn_q : tensor<32x32xbf16> {format = #llmq.format<q4_0>, source = #llmq.source<file = "w.safetensors", key = "b", offset = 0>}
  llmq.weight @blk.0.attn_k : tensor<32x32xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "c", offset = 0>}
  llmq.weight @blk.0.attn_v : tensor<32x32xbf16> {source = #llmq.source<file = "w.safetensors", key = "d", offset = 0>}
  llmq.weight @blk.0.attn_output : tensor<32x32xbf16> {source = #llmq.source<file = "w.safetensors", key = "f", offset = 0>}
  llmq.weight @blk.0.ffn_norm : tensor<32xbf16> {source = #llmq.source<file = "w.safetensors", key = "g", offset = 0>}
  llmq.weight @blk.0.ffn_gate : tensor<32x32xbf16> {source = #llmq.source<file = "w.safetensors", key = "h", offset = 0>}
  llmq.weight @blk.0.ffn_up : tensor<32x32xbf16> {source = #llmq.source<file = "w.safetensors", key = "i", offset = 0>}
  llmq.weight @blk.0.ffn_down : tensor<32x32xbf16> {source = #llmq.source<file = "w.safetensors", key = "j", offset = 0>}
  llmq.weight @output_norm : tensor<32xbf16> {source = #llmq.source<file = "w.safetensors", key = "n", offset = 0>}
  llmq.weight @output : tensor<8x32xbf16> {source = #llmq.source<file = "w.safetensors", key = "o", offset = 0>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}
