// --llmq-imatrix on hand-written two-block models with generated weights
// (Inputs/make-weights.py) and kjv-tiny's tokenizer: each of the 7 matrices
// of every block gets llmq.importance naming the file written (out=) and
// its own entry (blk.N.<role>.weight); norms, the embedding and the head
// (tied or not) get none; an importance already there is replaced. The
// same file at 1 and 2 threads; read back (in=) the weights name that file,
// and written again (in= out=) it has the same bytes. Bad options:
// imatrix-invalid-options.mlir; the file's contents against a Python
// reference on a trained model: imatrix.test; with drop-layers after it:
// drop-layers-pass-order.mlir and imatrix-drop-layers.test.
//
// RUN: rm -rf %t && mkdir -p %t && cd %t
// RUN: %python %S/Inputs/make-weights.py %s
// RUN: cp %models/kjv-tiny/tokenizer.json tok.json
// RUN: head -n 200 %S/../../test/models/README.md > calib.txt
// RUN: quant-opt %s -split-input-file --llmq-imatrix="text=calib.txt tokens=256 ctx=64 out=imatrix.gguf threads=1" -o t1.mlir
// RUN: cp imatrix.gguf t1.gguf
// RUN: quant-opt %s -split-input-file --llmq-imatrix="text=calib.txt tokens=256 ctx=64 out=imatrix.gguf threads=2" -o t2.mlir
// RUN: cmp imatrix.gguf t1.gguf
// RUN: cmp t1.mlir t2.mlir
// RUN: FileCheck %s --check-prefixes=CHECK,OUT < t1.mlir
// RUN: quant-opt %s -split-input-file --llmq-imatrix="in=t1.gguf" | FileCheck %s --check-prefixes=CHECK,IN
// RUN: quant-opt %s -split-input-file --llmq-imatrix="in=t1.gguf out=again.gguf" | FileCheck %s --check-prefixes=CHECK,AGAIN
// RUN: cmp again.gguf t1.gguf

// CHECK-LABEL: llmq.model @imat
// CHECK-NEXT: llmq.weight @token_embd : tensor<2048x64xbf16> {source
// CHECK-NEXT: llmq.weight @blk.0.attn_norm : tensor<64xbf16> {source
// OUT-NEXT: llmq.weight @blk.0.attn_q : tensor<64x64xbf16> {llmq.importance = #llmq.importance<file = "imatrix.gguf", key = "blk.0.attn_q.weight">, source
// IN-NEXT: llmq.weight @blk.0.attn_q : tensor<64x64xbf16> {llmq.importance = #llmq.importance<file = "t1.gguf", key = "blk.0.attn_q.weight">, source
// AGAIN-NEXT: llmq.weight @blk.0.attn_q : tensor<64x64xbf16> {llmq.importance = #llmq.importance<file = "again.gguf", key = "blk.0.attn_q.weight">, source
// CHECK-NEXT: llmq.weight @blk.0.attn_k : {{.*}}key = "blk.0.attn_k.weight">, source
// CHECK-NEXT: llmq.weight @blk.0.attn_v : {{.*}}key = "blk.0.attn_v.weight">, source
// CHECK-NEXT: llmq.weight @blk.0.attn_output : {{.*}}key = "blk.0.attn_output.weight">, source
// CHECK-NEXT: llmq.weight @blk.0.ffn_norm : tensor<64xbf16> {source
// CHECK-NEXT: llmq.weight @blk.0.ffn_gate : {{.*}}key = "blk.0.ffn_gate.weight">, source
// CHECK-NEXT: llmq.weight @blk.0.ffn_up : {{.*}}key = "blk.0.ffn_up.weight">, source
// CHECK-NEXT: llmq.weight @blk.0.ffn_down : {{.*}}key = "blk.0.ffn_down.weight">, source
// CHECK-NEXT: llmq.weight @blk.1.attn_norm : tensor<64xbf16> {source
// CHECK-NEXT: llmq.weight @blk.1.attn_q : {{.*}}key = "blk.1.attn_q.weight">, source
// CHECK-NEXT: llmq.weight @blk.1.attn_k : {{.*}}key = "blk.1.attn_k.weight">, source
// CHECK-NEXT: llmq.weight @blk.1.attn_v : {{.*}}key = "blk.1.attn_v.weight">, source
// CHECK-NEXT: llmq.weight @blk.1.attn_output : {{.*}}key = "blk.1.attn_output.weight">, source
// CHECK-NEXT: llmq.weight @blk.1.ffn_norm : tensor<64xbf16> {source
// CHECK-NEXT: llmq.weight @blk.1.ffn_gate : {{.*}}key = "blk.1.ffn_gate.weight">, source
// CHECK-NEXT: llmq.weight @blk.1.ffn_up : {{.*}}key = "blk.1.ffn_up.weight">, source
// CHECK-NEXT: llmq.weight @blk.1.ffn_down : {{.*}}key = "blk.1.ffn_down.weight">, source
// CHECK-NEXT: llmq.weight @output_norm : tensor<64xbf16> {source
// CHECK-NEXT: llmq.weight @output : tensor<2048x64xbf16> {source
// CHECK-NEXT: llmq.embedding @token_embd

llmq.model @imat attributes {arch = "llama", hidden_size = 64 : i64, num_layers = 2 : i64, num_heads = 2 : i64, num_kv_heads = 1 : i64, head_dim = 32 : i64, ffn_size = 128 : i64, vocab_size = 2048 : i64, context_length = 512 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false, tokenizer = #llmq.tokenizer<file = "tok.json", bos = 0, eos = 1, add_bos = true>} {
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

// A tied head has no entry; blk.0.attn_q's stale importance (another
// file, another weight's entry) is replaced.
// CHECK-LABEL: llmq.model @tiedimat
// CHECK-NEXT: llmq.weight @token_embd : tensor<2048x64xbf16> {source
// CHECK-NEXT: llmq.weight @blk.0.attn_norm : tensor<64xbf16> {source
// OUT-NEXT: llmq.weight @blk.0.attn_q : tensor<64x64xbf16> {llmq.importance = #llmq.importance<file = "imatrix.gguf", key = "blk.0.attn_q.weight">, source
// IN-NEXT: llmq.weight @blk.0.attn_q : tensor<64x64xbf16> {llmq.importance = #llmq.importance<file = "t1.gguf", key = "blk.0.attn_q.weight">, source
// AGAIN-NEXT: llmq.weight @blk.0.attn_q : tensor<64x64xbf16> {llmq.importance = #llmq.importance<file = "again.gguf", key = "blk.0.attn_q.weight">, source
// CHECK-COUNT-13: llmq.importance = #llmq.importance<file = "{{imatrix|t1|again}}.gguf", key = "blk.{{[01]}}.{{[a-z_]+}}.weight">
// CHECK-NOT: old.gguf
// CHECK-NOT: llmq.importance
// CHECK: llmq.lm_head @token_embd

llmq.model @tiedimat attributes {arch = "llama", hidden_size = 64 : i64, num_layers = 2 : i64, num_heads = 2 : i64, num_kv_heads = 1 : i64, head_dim = 32 : i64, ffn_size = 128 : i64, vocab_size = 2048 : i64, context_length = 512 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = true, tokenizer = #llmq.tokenizer<file = "tok.json", bos = 0, eos = 1, add_bos = true>} {
  llmq.weight @token_embd : tensor<2048x64xbf16> {source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 4096>}
  llmq.weight @blk.0.attn_norm : tensor<64xbf16> {source = #llmq.source<file = "w.safetensors", key = "one:blk.0.attn_norm", offset = 266240>}
  llmq.weight @blk.0.attn_q : tensor<64x64xbf16> {llmq.importance = #llmq.importance<file = "old.gguf", key = "blk.1.attn_q.weight">, source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_q", offset = 266368>}
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
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.block 1 weights {attn_norm = @blk.1.attn_norm, attn_q = @blk.1.attn_q, attn_k = @blk.1.attn_k, attn_v = @blk.1.attn_v, attn_output = @blk.1.attn_output, ffn_norm = @blk.1.ffn_norm, ffn_gate = @blk.1.ffn_gate, ffn_up = @blk.1.ffn_up, ffn_down = @blk.1.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @token_embd
}
