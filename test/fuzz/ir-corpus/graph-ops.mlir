// RUN: quant-opt %s | FileCheck %s
// RUN: quant-opt %s --emit-bytecode | quant-opt | FileCheck %s

// One decoder block of a rank at tp=2 (2 of 4 heads, 1 of 2 kv heads),
// decode bucket 1x8, with the embedding and LM head of a 64-token vocabulary.
// CHECK-LABEL: func.func @decode_b1_c8
func.func @decode_b1_c8(%ids: tensor<1x1xi32>, %pos: tensor<1xi32>,
                        %kc: tensor<1x8x4xf32>, %vc: tensor<1x8x4xf32>)
    -> (tensor<1x1x64xf32>, tensor<1x8x4xf32>, tensor<1x8x4xf32>) {
  // CHECK: llmq_graph.embedding %{{.*}} {format = "bf16", weight = "token_embd", weight_shape = array<i64: 32, 16>} : tensor<1x1xi32> -> tensor<1x1x16xf32>
  %e = llmq_graph.embedding %ids {weight = "token_embd", weight_shape = array<i64: 32, 16>, format = "bf16"} : tensor<1x1xi32> -> tensor<1x1x16xf32>
  // CHECK: llmq_graph.all_reduce
  %x = llmq_graph.all_reduce %e {ranks = 2} : tensor<1x1x16xf32>
  %h = llmq_graph.rms_norm %x {weight = "blk.0.attn_norm", weight_shape = array<i64: 16>, format = "f32", eps = 1.0e-5} : tensor<1x1x16xf32>
  // CHECK: llmq_graph.matmul %{{.*}} {format = "fp8_block"
  %q = llmq_graph.matmul %h {weight = "blk.0.attn_q", weight_shape = array<i64: 8, 16>, format = "fp8_block"} : tensor<1x1x16xf32> -> tensor<1x1x8xf32>
  %k = llmq_graph.matmul %h {weight = "blk.0.attn_k", weight_shape = array<i64: 4, 16>, format = "bf16"} : tensor<1x1x16xf32> -> tensor<1x1x4xf32>
  %v = llmq_graph.matmul %h {weight = "blk.0.attn_v", weight_shape = array<i64: 4, 16>, format = "bf16"} : tensor<1x1x16xf32> -> tensor<1x1x4xf32>
  // CHECK: llmq_graph.rope %{{.*}}, %{{.*}} {head_dim = 4 : i64, interleaved, inv_freq = array<f32: 1.000000e+00, 0.00999999977>}
  %qr = llmq_graph.rope %q, %pos {head_dim = 4, inv_freq = array<f32: 1.0, 0.01>, interleaved} : tensor<1x1x8xf32>, tensor<1xi32>
  %kr = llmq_graph.rope %k, %pos {head_dim = 4, inv_freq = array<f32: 1.0, 0.01>} : tensor<1x1x4xf32>, tensor<1xi32>
  %kc2 = llmq_graph.kv_cache_write %kc, %kr, %pos : tensor<1x8x4xf32>, tensor<1x1x4xf32>, tensor<1xi32>
  %vc2 = llmq_graph.kv_cache_write %vc, %v, %pos : tensor<1x8x4xf32>, tensor<1x1x4xf32>, tensor<1xi32>
  // CHECK: llmq_graph.attention {{.*}} {head_dim = 4 : i64, num_heads = 2 : i64, num_kv_heads = 1 : i64, sliding_window = 0 : i64}
  %a = llmq_graph.attention %qr, %kc2, %vc2, %pos {num_heads = 2, num_kv_heads = 1, head_dim = 4, sliding_window = 0} : tensor<1x1x8xf32>, tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1xi32>
  %o = llmq_graph.matmul %a {weight = "blk.0.attn_output", weight_shape = array<i64: 16, 8>, format = "bf16"} : tensor<1x1x8xf32> -> tensor<1x1x16xf32>
  %os = llmq_graph.all_reduce %o {ranks = 2} : tensor<1x1x16xf32>
  %x1 = llmq_graph.add %x, %os : tensor<1x1x16xf32>
  %g = llmq_graph.matmul %x1 {weight = "blk.0.ffn_gate", weight_shape = array<i64: 24, 16>, format = "int4_g128"} : tensor<1x1x16xf32> -> tensor<1x1x24xf32>
  %u = llmq_graph.matmul %x1 {weight = "blk.0.ffn_up", weight_shape = array<i64: 24, 16>, format = "int8"} : tensor<1x1x16xf32> -> tensor<1x1x24xf32>
  // CHECK: llmq_graph.swiglu
  %s = llmq_graph.swiglu %g, %u : tensor<1x1x24xf32>
  %logits = llmq_graph.matmul %s {weight = "output", weight_shape = array<i64: 32, 24>, format = "bf16"} : tensor<1x1x24xf32> -> tensor<1x1x32xf32>
  // CHECK: llmq_graph.all_gather %{{.*}} {ranks = 2 : i64} : tensor<1x1x32xf32> -> tensor<1x1x64xf32>
  %all = llmq_graph.all_gather %logits {ranks = 2} : tensor<1x1x32xf32> -> tensor<1x1x64xf32>
  // CHECK: llmq_graph.slice %{{.*}} {size = 60 : i64} : tensor<1x1x64xf32> -> tensor<1x1x60xf32>
  %sl = llmq_graph.slice %all {size = 60} : tensor<1x1x64xf32> -> tensor<1x1x60xf32>
  // CHECK: llmq_graph.logit_mask %{{.*}} {banned = array<i64: 3, 7>, bias = 5.000000e+00 : f64, biased = array<i64: 9>, scale = 1.000000e+00 : f64, scaled = array<i64>}
  %m = llmq_graph.logit_mask %all {banned = array<i64: 3, 7>, biased = array<i64: 9>, bias = 5.0, scaled = array<i64>, scale = 1.0} : tensor<1x1x64xf32>
  return %m, %kc2, %vc2 : tensor<1x1x64xf32>, tensor<1x8x4xf32>, tensor<1x8x4xf32>
}

// CHECK-LABEL: func.func @stage1
func.func @stage1() {
  // CHECK: %[[H:.*]] = llmq_graph.recv {stage = 0 : i64} : tensor<1x4x16xf32>
  %h = llmq_graph.recv {stage = 0} : tensor<1x4x16xf32>
  // CHECK: llmq_graph.send %[[H]] {stage = 2 : i64} : tensor<1x4x16xf32>
  llmq_graph.send %h {stage = 2} : tensor<1x4x16xf32>
  return
}
