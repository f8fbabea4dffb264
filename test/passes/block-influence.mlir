// --llmq-block-influence on hand-written models with generated weights
// (Inputs/make-weights.py) and kjv-tiny's tokenizer: every block gets
// llmq.influence (1 - mean cos(x_in, x_out)) and llmq.angular_distance
// (mean arccos / pi). A block whose attention output and FFN down
// projection are zero passes its input through: exactly 0 for both, first
// or last; a block with weights does not; values already there are
// replaced. The same numbers at 1 and 2 threads; json= writes them with the
// token count. Bad options: block-influence-invalid-options.mlir; on a
// trained model: block-influence.test.
//
// RUN: rm -rf %t && mkdir -p %t && cd %t
// RUN: %python %S/Inputs/make-weights.py %s
// RUN: cp %models/kjv-tiny/tokenizer.json tok.json
// RUN: head -n 200 %S/../../test/models/README.md > calib.txt
// RUN: quant-opt %s -split-input-file --llmq-block-influence="text=calib.txt tokens=256 ctx=64 threads=1" -o t1.mlir
// RUN: quant-opt %s -split-input-file --llmq-block-influence="text=calib.txt tokens=256 ctx=64 threads=2" -o t2.mlir
// RUN: cmp t1.mlir t2.mlir
// RUN: FileCheck %s < t1.mlir
// RUN: quant-opt %s --llmq-block-influence="text=calib.txt tokens=100 ctx=32 json=influence.json" -o /dev/null
// RUN: FileCheck %s --check-prefix=JSON < influence.json

// CHECK-LABEL: llmq.model @influence
// CHECK: llmq.block 0 weights {{{[^}]*}}} {llmq.angular_distance = 0.000000e+00 : f64, llmq.influence = 0.000000e+00 : f64}
// CHECK-NEXT: llmq.block 1 weights {{{[^}]*}}} {llmq.angular_distance = {{0\.0*[1-9][0-9]*|[1-9][0-9.]*E-[0-9]+}} : f64, llmq.influence = {{0\.0*[1-9][0-9]*|[1-9][0-9.]*E-[0-9]+}} : f64}

// Without split the file is one module of two models: json= writes a
// "models" list, each model with its blocks and the tokens it ran (100,
// in windows of 32).
// JSON: "models": [
// JSON-NEXT: {
// JSON-NEXT: "blocks": [
// JSON-NEXT: {
// JSON-NEXT: "angular_distance": 0,
// JSON-NEXT: "block": 0,
// JSON-NEXT: "influence": 0
// JSON-NEXT: },
// JSON-NEXT: {
// JSON-NEXT: "angular_distance": {{0\.[0-9]+}},
// JSON-NEXT: "block": 1,
// JSON-NEXT: "influence": {{0\.[0-9]+}}
// JSON-NEXT: }
// JSON-NEXT: ],
// JSON-NEXT: "calibration_tokens": 100,
// JSON-NEXT: "model": "influence"
// JSON: "block": 2,
// JSON-NEXT: "influence": 0
// JSON: "calibration_tokens": 100,
// JSON-NEXT: "model": "stale"

llmq.model @influence attributes {arch = "llama", hidden_size = 64 : i64, num_layers = 2 : i64, num_heads = 2 : i64, num_kv_heads = 1 : i64, head_dim = 32 : i64, ffn_size = 128 : i64, vocab_size = 2048 : i64, context_length = 128 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false, tokenizer = #llmq.tokenizer<file = "tok.json", bos = 0, eos = 1, add_bos = true>} {
  llmq.weight @token_embd : tensor<2048x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 4096>}
  llmq.weight @blk.0.attn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.0.attn_norm", offset = 266240>}
  llmq.weight @blk.0.attn_q : tensor<64x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_q", offset = 266368>}
  llmq.weight @blk.0.attn_k : tensor<32x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_k", offset = 274560>}
  llmq.weight @blk.0.attn_v : tensor<32x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_v", offset = 278656>}
  llmq.weight @blk.0.attn_output : tensor<64x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "zero:blk.0.attn_output", offset = 282752>}
  llmq.weight @blk.0.ffn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.0.ffn_norm", offset = 290944>}
  llmq.weight @blk.0.ffn_gate : tensor<128x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_gate", offset = 291072>}
  llmq.weight @blk.0.ffn_up : tensor<128x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_up", offset = 307456>}
  llmq.weight @blk.0.ffn_down : tensor<64x128xbf16> {source = #llmq.source<file = "w.safetensors", key = "zero:blk.0.ffn_down", offset = 323840>}
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

// Three blocks, the last one passing its input through; the stale values
// are replaced.
// CHECK-LABEL: llmq.model @stale
// CHECK: llmq.block 0 weights {{{[^}]*}}} {llmq.angular_distance = {{0\.0*[1-9][0-9]*|[1-9][0-9.]*E-[0-9]+}} : f64, llmq.influence = {{0\.0*[1-9][0-9]*|[1-9][0-9.]*E-[0-9]+}} : f64}
// CHECK-NEXT: llmq.block 1 weights {{{[^}]*}}} {llmq.angular_distance = {{0\.0*[1-9][0-9]*|[1-9][0-9.]*E-[0-9]+}} : f64, llmq.influence = {{0\.0*[1-9][0-9]*|[1-9][0-9.]*E-[0-9]+}} : f64}
// CHECK-NEXT: llmq.block 2 weights {{{[^}]*}}} {llmq.angular_distance = 0.000000e+00 : f64, llmq.influence = 0.000000e+00 : f64}

llmq.model @stale attributes {arch = "llama", hidden_size = 64 : i64, num_layers = 3 : i64, num_heads = 2 : i64, num_kv_heads = 1 : i64, head_dim = 32 : i64, ffn_size = 128 : i64, vocab_size = 2048 : i64, context_length = 128 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false, tokenizer = #llmq.tokenizer<file = "tok.json", bos = 0, eos = 1, add_bos = true>} {
  llmq.weight @token_embd : tensor<2048x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 4096>}
  llmq.weight @blk.0.attn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.0.attn_norm", offset = 266240>}
  llmq.weight @blk.0.attn_q : tensor<64x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_q", offset = 266368>}
  llmq.weight @blk.0.attn_k : tensor<32x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_k", offset = 274560>}
  llmq.weight @blk.0.attn_v : tensor<32x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_v", offset = 278656>}
  llmq.weight @blk.0.attn_output : tensor<64x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_output", offset = 676480>}
  llmq.weight @blk.0.ffn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.0.ffn_norm", offset = 290944>}
  llmq.weight @blk.0.ffn_gate : tensor<128x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_gate", offset = 291072>}
  llmq.weight @blk.0.ffn_up : tensor<128x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_up", offset = 307456>}
  llmq.weight @blk.0.ffn_down : tensor<64x128xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_down", offset = 684672>}
  llmq.weight @blk.1.attn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.1.attn_norm", offset = 340224>}
  llmq.weight @blk.1.attn_q : tensor<64x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.1.attn_q", offset = 340352>}
  llmq.weight @blk.1.attn_k : tensor<32x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.1.attn_k", offset = 348544>}
  llmq.weight @blk.1.attn_v : tensor<32x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.1.attn_v", offset = 352640>}
  llmq.weight @blk.1.attn_output : tensor<64x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.1.attn_output", offset = 356736>}
  llmq.weight @blk.1.ffn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.1.ffn_norm", offset = 364928>}
  llmq.weight @blk.1.ffn_gate : tensor<128x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.1.ffn_gate", offset = 365056>}
  llmq.weight @blk.1.ffn_up : tensor<128x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.1.ffn_up", offset = 381440>}
  llmq.weight @blk.1.ffn_down : tensor<64x128xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.1.ffn_down", offset = 397824>}
  llmq.weight @blk.2.attn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.2.attn_norm", offset = 701056>}
  llmq.weight @blk.2.attn_q : tensor<64x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.2.attn_q", offset = 701184>}
  llmq.weight @blk.2.attn_k : tensor<32x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.2.attn_k", offset = 709376>}
  llmq.weight @blk.2.attn_v : tensor<32x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.2.attn_v", offset = 713472>}
  llmq.weight @blk.2.attn_output : tensor<64x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "zero:blk.2.attn_output", offset = 717568>}
  llmq.weight @blk.2.ffn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.2.ffn_norm", offset = 725760>}
  llmq.weight @blk.2.ffn_gate : tensor<128x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.2.ffn_gate", offset = 725888>}
  llmq.weight @blk.2.ffn_up : tensor<128x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.2.ffn_up", offset = 742272>}
  llmq.weight @blk.2.ffn_down : tensor<64x128xbf16> {source = #llmq.source<file = "w.safetensors", key = "zero:blk.2.ffn_down", offset = 758656>}
  llmq.weight @output_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:output_norm", offset = 414208>}
  llmq.weight @output : tensor<2048x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "output", offset = 414336>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down} {llmq.influence = 5.0e-01 : f64}
  llmq.block 1 weights {attn_norm = @blk.1.attn_norm, attn_q = @blk.1.attn_q, attn_k = @blk.1.attn_k, attn_v = @blk.1.attn_v, attn_output = @blk.1.attn_output, ffn_norm = @blk.1.ffn_norm, ffn_gate = @blk.1.ffn_gate, ffn_up = @blk.1.ffn_up, ffn_down = @blk.1.ffn_down}
  llmq.block 2 weights {attn_norm = @blk.2.attn_norm, attn_q = @blk.2.attn_q, attn_k = @blk.2.attn_k, attn_v = @blk.2.attn_v, attn_output = @blk.2.attn_output, ffn_norm = @blk.2.ffn_norm, ffn_gate = @blk.2.ffn_gate, ffn_up = @blk.2.ffn_up, ffn_down = @blk.2.ffn_down} {llmq.angular_distance = 5.0e-01 : f64, llmq.influence = 5.0e-01 : f64}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}
