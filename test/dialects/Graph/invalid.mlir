// RUN: quant-opt %s -split-input-file -verify-diagnostics

// Each chunk breaks one invariant of a llmq_graph op.

func.func @matmul_columns(%x: tensor<1x4x16xf32>) {
  // expected-error @+1 {{input has 16 features but weight 'blk.0.attn_q' has 32 columns}}
  %q = llmq_graph.matmul %x {weight = "blk.0.attn_q", weight_shape = array<i64: 8, 32>, format = "bf16"} : tensor<1x4x16xf32> -> tensor<1x4x8xf32>
  return
}

// -----

func.func @matmul_result(%x: tensor<1x4x16xf32>) {
  // expected-error @+1 {{result must be tensor<1x4x8xf32>}}
  %q = llmq_graph.matmul %x {weight = "w", weight_shape = array<i64: 8, 16>, format = "bf16"} : tensor<1x4x16xf32> -> tensor<1x4x9xf32>
  return
}

// -----

func.func @dynamic(%x: tensor<?x4x16xf32>) {
  // expected-error @+1 {{input must be a static tensor<BxSxN>}}
  %q = llmq_graph.matmul %x {weight = "w", weight_shape = array<i64: 8, 16>, format = "bf16"} : tensor<?x4x16xf32> -> tensor<1x4x8xf32>
  return
}

// -----

func.func @rope_freqs(%x: tensor<1x4x16xf32>, %p: tensor<1xi32>) {
  // expected-error @+1 {{inv_freq needs head_dim / 2 = 4 values}}
  %r = llmq_graph.rope %x, %p {head_dim = 8, inv_freq = array<f32: 1.0>} : tensor<1x4x16xf32>, tensor<1xi32>
  return
}

// -----

func.func @rope_positions(%x: tensor<2x4x16xf32>, %p: tensor<1xi32>) {
  // expected-error @+1 {{positions must be tensor<2xi32>}}
  %r = llmq_graph.rope %x, %p {head_dim = 2, inv_freq = array<f32: 1.0>} : tensor<2x4x16xf32>, tensor<1xi32>
  return
}

// -----

func.func @cache_too_small(%c: tensor<1x2x8xf32>, %k: tensor<1x4x8xf32>, %p: tensor<1xi32>) {
  // expected-error @+1 {{writes 4 positions into a cache of 2}}
  %c2 = llmq_graph.kv_cache_write %c, %k, %p : tensor<1x2x8xf32>, tensor<1x4x8xf32>, tensor<1xi32>
  return
}

// -----

func.func @attention_groups(%q: tensor<1x1x12xf32>, %c: tensor<1x8x8xf32>, %p: tensor<1xi32>) {
  // expected-error @+1 {{num_heads 3 must be a positive multiple of num_kv_heads 2}}
  %a = llmq_graph.attention %q, %c, %c, %p {num_heads = 3, num_kv_heads = 2, head_dim = 4, sliding_window = 0} : tensor<1x1x12xf32>, tensor<1x8x8xf32>, tensor<1x8x8xf32>, tensor<1xi32>
  return
}

// -----

func.func @gather(%x: tensor<1x1x32xf32>) {
  // expected-error @+1 {{result must be the input with its last axis times 2}}
  %g = llmq_graph.all_gather %x {ranks = 2} : tensor<1x1x32xf32> -> tensor<1x1x32xf32>
  return
}

// -----

func.func @slice(%x: tensor<1x1x32xf32>) {
  // expected-error @+1 {{result must keep the first 40 of 32 elements of the last axis}}
  %s = llmq_graph.slice %x {size = 40} : tensor<1x1x32xf32> -> tensor<1x1x40xf32>
  return
}

// -----

func.func @mask(%x: tensor<1x1x32xf32>) {
  // expected-error @+1 {{token id 32 is outside the vocabulary [0, 32)}}
  %m = llmq_graph.logit_mask %x {banned = array<i64: 32>, biased = array<i64>, bias = 0.0, scaled = array<i64>, scale = 1.0} : tensor<1x1x32xf32>
  return
}

// -----

func.func @norm(%x: tensor<1x1x30xf32>) {
  // expected-error @+1 {{rows of 30 do not split into runs of 8}}
  %n = llmq_graph.rms_norm %x {weight = "n", weight_shape = array<i64: 8>, format = "f32", eps = 1.0e-5} : tensor<1x1x30xf32>
  return
}
