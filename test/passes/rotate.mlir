// --llmq-rotate on hand-written one-block models (generated weights,
// Inputs/make-weights.py; kjv-tiny's tokenizer): every weight on the
// residual stream (embedding, norms, q/k/v/o, gate/up/down, final norm,
// head) is written as f32 to the parameter file and points there, formats
// kept; the norms folded into the linears become 1; analyses measured on
// the weights before (here llmq.stats) are removed with a warning; a head
// tied to the embedding is untied first (a remark says what it costs). Each
// rotated model computes what the original computes (quant-run compare,
// f32 rounding only). The same bytes for the same seed, other bytes for
// another. Real checkpoints, llama.cpp reading the result and refused
// layouts: rotate.test; bad options: rotate-invalid.mlir.
//
// RUN: rm -rf %t && mkdir -p %t && cd %t
// RUN: %python %S/Inputs/make-weights.py %s
// RUN: cp %models/kjv-tiny/tokenizer.json tok.json
// RUN: head -n 100 %S/../../test/models/README.md > calib.txt
// RUN: quant-opt %s -split-input-file --llmq-rotate="out=p.safetensors" 2> diag.txt | FileCheck %s
// RUN: FileCheck %s --check-prefix=DIAG < diag.txt
// RUN: %python -c "import sys; print(open(sys.argv[1]).read().split('// ' + 5 * '-')[int(sys.argv[2])])" %s 0 > untied.mlir
// RUN: %python -c "import sys; print(open(sys.argv[1]).read().split('// ' + 5 * '-')[int(sys.argv[2])])" %s 1 > tied.mlir
// RUN: quant-opt untied.mlir --llmq-rotate="out=%t/u1.safetensors" -o u1.mlir 2> /dev/null
// RUN: quant-opt untied.mlir --llmq-rotate="out=%t/u2.safetensors" -o u2.mlir 2> /dev/null
// RUN: quant-opt untied.mlir --llmq-rotate="out=%t/u3.safetensors seed=1" -o u3.mlir 2> /dev/null
// RUN: quant-opt tied.mlir --llmq-rotate="out=%t/t1.safetensors heads=false" -o t1.mlir 2> /dev/null
// RUN: cmp u1.safetensors u2.safetensors
// RUN: not cmp -s u1.safetensors u3.safetensors
// RUN: %python %S/Inputs/check-rotated-norms.py u1.safetensors blk.0.attn_norm blk.0.ffn_norm output_norm | FileCheck %s --check-prefix=NORMS
// RUN: quant-run compare untied.mlir u1.mlir --ignore-formats --text calib.txt --tokens 64 > u1.json
// RUN: quant-run compare untied.mlir u3.mlir --ignore-formats --text calib.txt --tokens 64 > u3.json
// RUN: quant-run compare tied.mlir t1.mlir --ignore-formats --text calib.txt --tokens 64 > t1.json
// RUN: %python -c "import json,sys; [print(p, d['max_rel_diff'] < 1e-5, d['max_abs_diff'] > 0, d['top1_agreement']) for p in sys.argv[1:] for d in [json.load(open(p))]]" u1.json u3.json t1.json | FileCheck %s --check-prefix=EXACT

// NORMS: blk.0.attn_norm 64 values, all 1: True
// NORMS: blk.0.ffn_norm 64 values, all 1: True
// NORMS: output_norm 64 values, all 1: True
// EXACT: u1.json True True 1
// EXACT: u3.json True True 1
// EXACT: t1.json True True 1

// DIAG: warning: llmq-rotate: removed llmq.stats: measured on the weights before the rotation (run analyses after --llmq-rotate)
// CHECK-LABEL: llmq.model @rotate
// CHECK-NEXT: llmq.weight @token_embd : tensor<2048x64xf32> {source = #llmq.source<file = "{{.*}}p.safetensors", key = "token_embd"
// CHECK-NEXT: llmq.weight @blk.0.attn_norm : tensor<64xf32> {source = #llmq.source<file = "{{.*}}p.safetensors", key = "blk.0.attn_norm"
// CHECK-NEXT: llmq.weight @blk.0.attn_q : tensor<64x64xf32> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "{{.*}}p.safetensors", key = "blk.0.attn_q"
// CHECK-COUNT-6: llmq.weight @blk.0.{{[a-z_]+}} : tensor<{{[0-9x]+}}xf32> {source = #llmq.source<file = "{{.*}}p.safetensors", key = "blk.0.{{[a-z_]+}}"
// CHECK-NEXT: llmq.weight @blk.0.ffn_down : tensor<64x128xf32> {source = #llmq.source<file = "{{.*}}p.safetensors", key = "blk.0.ffn_down"
// CHECK-NEXT: llmq.weight @output_norm : tensor<64xf32> {source = #llmq.source<file = "{{.*}}p.safetensors", key = "output_norm"
// CHECK-NEXT: llmq.weight @output : tensor<2048x64xf32> {source = #llmq.source<file = "{{.*}}p.safetensors", key = "output"
// CHECK: llmq.lm_head @output

// DIAG: remark: llmq-rotate: the head was tied to the embedding and is now a weight of its own ('output', 2048 x 64 more values to store)
// CHECK-LABEL: llmq.model @tied
// CHECK-SAME: tied_embeddings = false
// CHECK-NEXT: llmq.weight @token_embd : tensor<2048x64xf32> {source = #llmq.source<file = "{{.*}}p.safetensors", key = "token_embd"
// CHECK-NEXT: llmq.weight @output : tensor<2048x64xf32> {source = #llmq.source<file = "{{.*}}p.safetensors", key = "output"
// CHECK: llmq.embedding @token_embd
// CHECK: llmq.lm_head @output

llmq.model @rotate attributes {arch = "llama", hidden_size = 64 : i64, num_layers = 1 : i64, num_heads = 2 : i64, num_kv_heads = 1 : i64, head_dim = 32 : i64, ffn_size = 128 : i64, vocab_size = 2048 : i64, context_length = 512 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false, tokenizer = #llmq.tokenizer<file = "tok.json", bos = 0, eos = 1, add_bos = true>} {
  llmq.weight @token_embd : tensor<2048x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 4096>}
  llmq.weight @blk.0.attn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_norm", offset = 266240>}
  llmq.weight @blk.0.attn_q : tensor<64x64xbf16> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_q", offset = 266368>}
  llmq.weight @blk.0.attn_k : tensor<32x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_k", offset = 274560>}
  llmq.weight @blk.0.attn_v : tensor<32x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_v", offset = 278656>}
  llmq.weight @blk.0.attn_output : tensor<64x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_output", offset = 282752>}
  llmq.weight @blk.0.ffn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_norm", offset = 290944>}
  llmq.weight @blk.0.ffn_gate : tensor<128x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_gate", offset = 291072>}
  llmq.weight @blk.0.ffn_up : tensor<128x64xbf16> {llmq.stats = {count = 768 : i64, rms = 2.500000e-01 : f64}, source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_up", offset = 307456>}
  llmq.weight @blk.0.ffn_down : tensor<64x128xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_down", offset = 323840>}
  llmq.weight @output_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "output_norm", offset = 340224>}
  llmq.weight @output : tensor<2048x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "output", offset = 340352>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}

// -----

llmq.model @tied attributes {arch = "llama", hidden_size = 64 : i64, num_layers = 1 : i64, num_heads = 2 : i64, num_kv_heads = 1 : i64, head_dim = 32 : i64, ffn_size = 128 : i64, vocab_size = 2048 : i64, context_length = 512 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = true, tokenizer = #llmq.tokenizer<file = "tok.json", bos = 0, eos = 1, add_bos = true>} {
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
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @token_embd
}
