// --llmq-gptq on hand-written two-block models (generated weights,
// Inputs/make-weights.py; kjv-tiny's tokenizer): every block matrix whose
// format GPTQ produces (int4/int8 groups, q4_0, q5_0, q8_0) is written to
// the parameter file out= and its source points there with its stored
// format (int groups: the packed codes and their scale tensor; ggml types:
// the blocks), its format kept; other formats (q4_1, bf16), unplanned
// weights, norms, the embedding and the head keep their sources. Options
// that change the numbers (act-order, sequential, block, damp) do not
// change which weights move. The same bytes at 1 and 2 threads. Bad
// options: gptq-invalid-options.mlir; KLD against round-to-nearest on a
// trained model and the exports that copy the blocks: gptq.test.
//
// RUN: rm -rf %t && mkdir -p %t && cd %t
// RUN: %python %S/Inputs/make-weights.py %s
// RUN: cp %models/kjv-tiny/tokenizer.json tok.json
// RUN: head -n 200 %S/../../test/models/README.md > calib.txt
// RUN: quant-opt %s -split-input-file --llmq-gptq="text=calib.txt tokens=256 ctx=64 out=g.safetensors" | FileCheck %s
// RUN: quant-opt %s -split-input-file --llmq-gptq="text=calib.txt tokens=256 ctx=64 out=g.safetensors act-order=true sequential=true block=16 damp=0.1" | FileCheck %s
// RUN: %python -c "import sys; print(open(sys.argv[1]).read().split('// ' + 5 * '-')[int(sys.argv[2])])" %s 0 > int4.mlir
// RUN: quant-opt int4.mlir --llmq-gptq="text=calib.txt tokens=256 ctx=64 out=t1.safetensors threads=1" -o t1.mlir
// RUN: quant-opt int4.mlir --llmq-gptq="text=calib.txt tokens=256 ctx=64 out=t2.safetensors threads=2" -o t2.mlir
// RUN: cmp t1.safetensors t2.safetensors
// RUN: %python %S/Inputs/check-gptq.py header t1.safetensors | FileCheck %s --check-prefix=HEADER

// CHECK-LABEL: llmq.model @gptq
// CHECK-NEXT: llmq.weight @token_embd : tensor<2048x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 4096>}
// CHECK-NEXT: llmq.weight @blk.0.attn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.0.attn_norm", offset = 266240>}
// CHECK-NEXT: llmq.weight @blk.0.attn_q : tensor<64x64xf32> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "{{.*}}/g.safetensors", key = "blk.0.attn_q.weight_packed", offset = {{[0-9]+}}, stored = <int4, group = 32>, scale = "blk.0.attn_q.weight_scale">}
// CHECK-NEXT: llmq.weight @blk.0.attn_k : tensor<32x64xf32> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "{{.*}}/g.safetensors", key = "blk.0.attn_k.weight_packed", offset = {{[0-9]+}}, stored = <int4, group = 32>, scale = "blk.0.attn_k.weight_scale">}
// CHECK-NEXT: llmq.weight @blk.0.attn_v : tensor<32x64xf32> {{.*}}key = "blk.0.attn_v.weight_packed"
// CHECK-NEXT: llmq.weight @blk.0.attn_output : tensor<64x64xf32> {{.*}}key = "blk.0.attn_output.weight_packed"
// CHECK-NEXT: llmq.weight @blk.0.ffn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors"
// CHECK-NEXT: llmq.weight @blk.0.ffn_gate : tensor<128x64xf32> {{.*}}key = "blk.0.ffn_gate.weight_packed"
// CHECK-NEXT: llmq.weight @blk.0.ffn_up : tensor<128x64xf32> {{.*}}key = "blk.0.ffn_up.weight_packed"
// CHECK-NEXT: llmq.weight @blk.0.ffn_down : tensor<64x128xf32> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "{{.*}}/g.safetensors", key = "blk.0.ffn_down.weight_packed", offset = {{[0-9]+}}, stored = <int4, group = 32>, scale = "blk.0.ffn_down.weight_scale">}
// CHECK-NEXT: llmq.weight @blk.1.attn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors"
// CHECK-COUNT-4: llmq.weight @blk.1.{{attn_[qkvo][a-z_]*}} : tensor<{{[0-9x]+}}xf32> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "{{.*}}/g.safetensors", key = "blk.1.{{[a-z_]+}}.weight_packed"
// CHECK-NEXT: llmq.weight @blk.1.ffn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors"
// CHECK-COUNT-3: llmq.weight @blk.1.ffn_{{[a-z]+}} : tensor<{{[0-9x]+}}xf32> {format = #llmq.format<int4, group = 32>, source = #llmq.source<file = "{{.*}}/g.safetensors", key = "blk.1.ffn_{{[a-z]+}}.weight_packed"
// CHECK-NEXT: llmq.weight @output_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:output_norm", offset = 414208>}
// CHECK-NEXT: llmq.weight @output : tensor<2048x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "output", offset = 414336>}

// The parameter file: per weight its format in the metadata, int32 codes
// (8 per word) and one f32 scale per group of 32.
// HEADER: metadata format = pt
// HEADER-NEXT: metadata llmq.format.blk.0.attn_k = int4_g32
// HEADER-COUNT-13: metadata llmq.format.blk.{{[01]}}.{{[a-z_]+}} = int4_g32
// HEADER-NEXT: blk.0.attn_k.weight_packed I32 [32, 8]
// HEADER-NEXT: blk.0.attn_k.weight_scale F32 [32, 2]
// HEADER-NEXT: blk.0.attn_output.weight_packed I32 [64, 8]
// HEADER-NEXT: blk.0.attn_output.weight_scale F32 [64, 2]
// HEADER-NEXT: blk.0.attn_q.weight_packed I32 [64, 8]
// HEADER-NEXT: blk.0.attn_q.weight_scale F32 [64, 2]
// HEADER-NEXT: blk.0.attn_v.weight_packed I32 [32, 8]
// HEADER-NEXT: blk.0.attn_v.weight_scale F32 [32, 2]
// HEADER-NEXT: blk.0.ffn_down.weight_packed I32 [64, 16]
// HEADER-NEXT: blk.0.ffn_down.weight_scale F32 [64, 4]
// HEADER-NEXT: blk.0.ffn_gate.weight_packed I32 [128, 8]
// HEADER-NEXT: blk.0.ffn_gate.weight_scale F32 [128, 2]
// HEADER-NEXT: blk.0.ffn_up.weight_packed I32 [128, 8]
// HEADER-NEXT: blk.0.ffn_up.weight_scale F32 [128, 2]
// HEADER-NEXT: blk.1.attn_k.weight_packed I32 [32, 8]
// HEADER-NEXT: blk.1.attn_k.weight_scale F32 [32, 2]
// HEADER-NEXT: blk.1.attn_output.weight_packed I32 [64, 8]
// HEADER-NEXT: blk.1.attn_output.weight_scale F32 [64, 2]
// HEADER-NEXT: blk.1.attn_q.weight_packed I32 [64, 8]
// HEADER-NEXT: blk.1.attn_q.weight_scale F32 [64, 2]
// HEADER-NEXT: blk.1.attn_v.weight_packed I32 [32, 8]
// HEADER-NEXT: blk.1.attn_v.weight_scale F32 [32, 2]
// HEADER-NEXT: blk.1.ffn_down.weight_packed I32 [64, 16]
// HEADER-NEXT: blk.1.ffn_down.weight_scale F32 [64, 4]
// HEADER-NEXT: blk.1.ffn_gate.weight_packed I32 [128, 8]
// HEADER-NEXT: blk.1.ffn_gate.weight_scale F32 [128, 2]
// HEADER-NEXT: blk.1.ffn_up.weight_packed I32 [128, 8]
// HEADER-NEXT: blk.1.ffn_up.weight_scale F32 [128, 2]
// HEADER-NOT: {{.}}

llmq.model @gptq attributes {arch = "llama", hidden_size = 64 : i64, num_layers = 2 : i64, num_heads = 2 : i64, num_kv_heads = 1 : i64, head_dim = 32 : i64, ffn_size = 128 : i64, vocab_size = 2048 : i64, context_length = 512 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false, tokenizer = #llmq.tokenizer<file = "tok.json", bos = 0, eos = 1, add_bos = true>} {
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

// Each format GPTQ produces, and two it leaves to the exporter.
// CHECK-LABEL: llmq.model @mixed
// CHECK: llmq.weight @blk.0.attn_q : tensor<64x64xf32> {format = #llmq.format<q4_0>, source = #llmq.source<file = "{{.*}}/g.safetensors", key = "blk.0.attn_q", offset = {{[0-9]+}}, stored = <q4_0>>}
// CHECK-NEXT: llmq.weight @blk.0.attn_k : tensor<32x64xf32> {format = #llmq.format<q4_0>, source = #llmq.source<file = "{{.*}}/g.safetensors", key = "blk.0.attn_k", offset = {{[0-9]+}}, stored = <q4_0>>}
// CHECK-NEXT: llmq.weight @blk.0.attn_v : tensor<32x64xf32> {format = #llmq.format<q5_0>, source = #llmq.source<file = "{{.*}}/g.safetensors", key = "blk.0.attn_v", offset = {{[0-9]+}}, stored = <q5_0>>}
// CHECK-NEXT: llmq.weight @blk.0.attn_output : tensor<64x64xf32> {format = #llmq.format<q8_0>, source = #llmq.source<file = "{{.*}}/g.safetensors", key = "blk.0.attn_output", offset = {{[0-9]+}}, stored = <q8_0>>}
// CHECK-NEXT: llmq.weight @blk.0.ffn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.0.ffn_norm", offset = 290944>}
// CHECK-NEXT: llmq.weight @blk.0.ffn_gate : tensor<128x64xf32> {format = #llmq.format<int8, group = 32>, source = #llmq.source<file = "{{.*}}/g.safetensors", key = "blk.0.ffn_gate.weight_packed", offset = {{[0-9]+}}, stored = <int8, group = 32>, scale = "blk.0.ffn_gate.weight_scale">}
// CHECK-NEXT: llmq.weight @blk.0.ffn_up : tensor<128x64xbf16> {format = #llmq.format<q4_1>, source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_up", offset = 307456>}
// CHECK-NEXT: llmq.weight @blk.0.ffn_down : tensor<64x128xbf16> {format = #llmq.format<bf16>, source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_down", offset = 323840>}
// CHECK-NEXT: llmq.weight @blk.1.attn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.1.attn_norm", offset = 340224>}
// CHECK-NEXT: llmq.weight @blk.1.attn_q : tensor<64x64xf32> {format = #llmq.format<int4, group = 64>, source = #llmq.source<file = "{{.*}}/g.safetensors", key = "blk.1.attn_q.weight_packed", offset = {{[0-9]+}}, stored = <int4, group = 64>, scale = "blk.1.attn_q.weight_scale">}
// CHECK-NEXT: llmq.weight @blk.1.attn_k : tensor<32x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.1.attn_k", offset = 348544>}
// CHECK-NOT: g.safetensors
// CHECK: llmq.lm_head @output

llmq.model @mixed attributes {arch = "llama", hidden_size = 64 : i64, num_layers = 2 : i64, num_heads = 2 : i64, num_kv_heads = 1 : i64, head_dim = 32 : i64, ffn_size = 128 : i64, vocab_size = 2048 : i64, context_length = 512 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false, tokenizer = #llmq.tokenizer<file = "tok.json", bos = 0, eos = 1, add_bos = true>} {
  llmq.weight @token_embd : tensor<2048x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 4096>}
  llmq.weight @blk.0.attn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.0.attn_norm", offset = 266240>}
  llmq.weight @blk.0.attn_q : tensor<64x64xbf16> {format = #llmq.format<q4_0>, source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_q", offset = 266368>}
  llmq.weight @blk.0.attn_k : tensor<32x64xbf16> {format = #llmq.format<q4_0>, source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_k", offset = 274560>}
  llmq.weight @blk.0.attn_v : tensor<32x64xbf16> {format = #llmq.format<q5_0>, source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_v", offset = 278656>}
  llmq.weight @blk.0.attn_output : tensor<64x64xbf16> {format = #llmq.format<q8_0>, source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_output", offset = 282752>}
  llmq.weight @blk.0.ffn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.0.ffn_norm", offset = 290944>}
  llmq.weight @blk.0.ffn_gate : tensor<128x64xbf16> {format = #llmq.format<int8, group = 32>, source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_gate", offset = 291072>}
  llmq.weight @blk.0.ffn_up : tensor<128x64xbf16> {format = #llmq.format<q4_1>, source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_up", offset = 307456>}
  llmq.weight @blk.0.ffn_down : tensor<64x128xbf16> {format = #llmq.format<bf16>, source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_down", offset = 323840>}
  llmq.weight @blk.1.attn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.1.attn_norm", offset = 340224>}
  llmq.weight @blk.1.attn_q : tensor<64x64xbf16> {format = #llmq.format<int4, group = 64>, source = #llmq.source<file = "w.safetensors", key = "blk.1.attn_q", offset = 340352>}
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
