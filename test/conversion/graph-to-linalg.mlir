// --llmq-graph-to-linalg, one case per op family: what each llmq_graph op
// becomes, and that upstream mlir-opt (unmodified) parses and verifies the
// result, with no llmq_graph op left.
// RUN: quant-opt %s -split-input-file --llmq-graph-to-linalg | FileCheck %s
// RUN: quant-opt %s -split-input-file --llmq-graph-to-linalg | %mlir-opt -split-input-file -o - | FileCheck %s --check-prefix=UPSTREAM
// RUN: quant-opt %s -split-input-file --llmq-graph-to-linalg | not grep -E "llmq_graph\.[a-z_]+ %"
// UPSTREAM-LABEL: func.func @norm

// A row norm and a per-head norm: a sum-of-squares reduction per run of
// `dim` values, then x * rsqrt(mean + eps) * w; the weight is an argument.
// CHECK-LABEL: func.func @norm(
// CHECK-SAME: %[[X:.*]]: tensor<2x3x8xf32> {llmq_graph.port = "x"}
// CHECK-SAME: %[[W:.*]]: tensor<8xf32> {llmq_graph.component = "weight", llmq_graph.format = "f32", llmq_graph.weight = "n"}
// CHECK-SAME: %[[WH:.*]]: tensor<4xf32> {{{.*}}llmq_graph.weight = "qn"}
// CHECK-SAME: %{{.*}}: i64 {llmq_graph.port = "rank"}
// CHECK: %[[SUMS:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]{{.*}} ins(%[[X]], %[[W]] : tensor<2x3x8xf32>, tensor<8xf32>) outs({{.*}} : tensor<2x3x1xf32>)
// CHECK: math.sqrt
// CHECK: linalg.generic {{.*}} outs({{.*}} : tensor<2x3x2xf32>)
func.func @norm(%x: tensor<2x3x8xf32> {llmq_graph.port = "x"}) -> tensor<2x3x8xf32> {
  %0 = llmq_graph.rms_norm %x {eps = 1.0e-5 : f64, format = "f32", weight = "n", weight_shape = array<i64: 8>} : tensor<2x3x8xf32>
  %1 = llmq_graph.rms_norm %0 {eps = 1.0e-6 : f64, format = "f32", weight = "qn", weight_shape = array<i64: 4>} : tensor<2x3x8xf32>
  return %1 : tensor<2x3x8xf32>
}

// -----

// bf16 weights are read in place and widened inside the product; no f32
// copy of the weight exists.
// CHECK-LABEL: func.func @matmul_bf16(
// CHECK-SAME: %{{.*}}: tensor<5x8xbf16> {llmq_graph.component = "weight", llmq_graph.format = "bf16", llmq_graph.weight = "w"}
// CHECK: linalg.fill
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]{{.*}} ins({{.*}} : tensor<1x2x8xf32>, tensor<5x8xbf16>)
// CHECK: arith.extf {{.*}} : bf16 to f32
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK-NOT: tensor<5x8xf32>
func.func @matmul_bf16(%x: tensor<1x2x8xf32> {llmq_graph.port = "x"}) -> tensor<1x2x5xf32> {
  %0 = llmq_graph.matmul %x {format = "bf16", weight = "w", weight_shape = array<i64: 5, 8>} : tensor<1x2x8xf32> -> tensor<1x2x5xf32>
  return %0 : tensor<1x2x5xf32>
}

// -----

// fp8 blocks: codes and one scale per 128x128 block as two arguments,
// dequantized by a generic that reads the scale at (r / 128, c / 128).
// CHECK-LABEL: func.func @matmul_fp8(
// CHECK-SAME: tensor<200x256xf8E4M3FN> {llmq_graph.component = "weight", llmq_graph.format = "fp8_block", llmq_graph.weight = "w"}
// CHECK-SAME: tensor<2x2xf32> {llmq_graph.component = "scale_inv", llmq_graph.format = "fp8_block", llmq_graph.weight = "w"}
// CHECK: linalg.generic {{.*}} outs({{.*}} : tensor<200x256xf32>)
// CHECK: arith.extf {{.*}} : f8E4M3FN to f32
// CHECK: arith.mulf
func.func @matmul_fp8(%x: tensor<1x1x256xf32> {llmq_graph.port = "x"}) -> tensor<1x1x200xf32> {
  %0 = llmq_graph.matmul %x {format = "fp8_block", weight = "w", weight_shape = array<i64: 200, 256>} : tensor<1x1x256xf32> -> tensor<1x1x200xf32>
  return %0 : tensor<1x1x200xf32>
}

// -----

// int4 groups of 128: eight 4-bit levels per i32 word, (level - 8) * scale.
// CHECK-LABEL: func.func @matmul_int4(
// CHECK-SAME: tensor<4x32xi32> {llmq_graph.component = "weight", llmq_graph.format = "int4_g128", llmq_graph.weight = "w"}
// CHECK-SAME: tensor<4x2xf32> {llmq_graph.component = "scale", llmq_graph.format = "int4_g128", llmq_graph.weight = "w"}
// CHECK: linalg.generic {{.*}} outs({{.*}} : tensor<4x256xf32>)
// CHECK: linalg.index 1
// CHECK: arith.shrui
// CHECK: arith.andi
// CHECK: arith.subi
// CHECK: arith.sitofp
func.func @matmul_int4(%x: tensor<1x1x256xf32> {llmq_graph.port = "x"}) -> tensor<1x1x4xf32> {
  %0 = llmq_graph.matmul %x {format = "int4_g128", weight = "w", weight_shape = array<i64: 4, 256>} : tensor<1x1x256xf32> -> tensor<1x1x4xf32>
  return %0 : tensor<1x1x4xf32>
}

// -----

// A ggml block format: the stored rows as bytes (q4_K: 144 bytes per 256
// values) and the runtime ABI's dequantizer, declared once.
// CHECK-LABEL: func.func private @llmq_rt_dequantize_q4_K(tensor<?x?xi8>, i64) -> tensor<?x?xf32>
// CHECK-LABEL: func.func @matmul_q4k(
// CHECK-SAME: tensor<3x144xi8> {llmq_graph.component = "weight", llmq_graph.format = "q4_K", llmq_graph.weight = "w"}
// CHECK: call @llmq_rt_dequantize_q4_K
// CHECK: tensor.cast {{.*}} : tensor<?x?xf32> to tensor<3x256xf32>
func.func @matmul_q4k(%x: tensor<1x1x256xf32> {llmq_graph.port = "x"}) -> tensor<1x1x3xf32> {
  %0 = llmq_graph.matmul %x {format = "q4_K", weight = "w", weight_shape = array<i64: 3, 256>} : tensor<1x1x256xf32> -> tensor<1x1x3xf32>
  return %0 : tensor<1x1x3xf32>
}

// -----

// The embedding: rows of this rank's vocabulary slice (rank * rows ..),
// zeros outside it; the rank is the last argument.
// CHECK-LABEL: func.func @embedding(
// CHECK-SAME: %[[RANK:[^:]*]]: i64 {llmq_graph.port = "rank"}
// CHECK: arith.muli %[[RANK]]
// CHECK: linalg.generic
// CHECK: arith.cmpi sge
// CHECK: arith.cmpi slt
// CHECK: tensor.extract
// CHECK: arith.select
func.func @embedding(%ids: tensor<1x4xi32> {llmq_graph.port = "ids"}) -> tensor<1x4x8xf32> {
  %0 = llmq_graph.embedding %ids {format = "bf16", weight = "emb", weight_shape = array<i64: 16, 8>} : tensor<1x4xi32> -> tensor<1x4x8xf32>
  return %0 : tensor<1x4x8xf32>
}

// -----

// RoPE, half-split and interleaved pairs: angle (position + s) * inv_freq.
// CHECK-LABEL: func.func @rope(
// CHECK: arith.constant dense<[1.000000e+00, 1.000000e-01]> : tensor<2xf32>
// CHECK: linalg.generic
// CHECK: arith.cmpi ult
// CHECK: math.cos
// CHECK: math.sin
// CHECK: linalg.generic
// CHECK: arith.remui
// CHECK: math.cos
func.func @rope(%x: tensor<1x2x8xf32> {llmq_graph.port = "x"}, %pos: tensor<1xi32> {llmq_graph.port = "positions"}) -> (tensor<1x2x8xf32>, tensor<1x2x8xf32>) {
  %0 = llmq_graph.rope %x, %pos {head_dim = 4 : i64, inv_freq = array<f32: 1.0, 0.1>} : tensor<1x2x8xf32>, tensor<1xi32>
  %1 = llmq_graph.rope %x, %pos {head_dim = 4 : i64, inv_freq = array<f32: 1.0, 0.1>, interleaved} : tensor<1x2x8xf32>, tensor<1xi32>
  return %0, %1 : tensor<1x2x8xf32>, tensor<1x2x8xf32>
}

// -----

// The cache write is an insert_slice per sequence at its position (in
// place after bufferization); attention: scores with the GQA head map
// h floordiv 2, the causal and 3-slot window mask, softmax, then P.V.
// CHECK-LABEL: func.func @attention(
// CHECK: tensor.extract %{{.*}}[%c0] : tensor<2xi32>
// CHECK: tensor.insert_slice {{.*}} into %{{.*}}[0, %{{.*}}, 0] [1, 3, 4] [1, 1, 1] : tensor<1x3x4xf32> into tensor<2x8x4xf32>
// CHECK: tensor.extract %{{.*}}[%c1] : tensor<2xi32>
// CHECK: tensor.insert_slice {{.*}} into %{{.*}}[1, %{{.*}}, 0]
// CHECK: tensor.expand_shape {{.*}} : tensor<2x3x8xf32> into tensor<2x3x4x2xf32>
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
// CHECK: arith.cmpi ule
// CHECK: arith.cmpi ugt
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: tensor.collapse_shape {{.*}} : tensor<2x3x4x2xf32> into tensor<2x3x8xf32>
func.func @attention(%q: tensor<2x3x8xf32> {llmq_graph.port = "q"}, %k: tensor<2x3x4xf32> {llmq_graph.port = "k"}, %cache: tensor<2x8x4xf32> {llmq_graph.port = "k_cache.0"}, %pos: tensor<2xi32> {llmq_graph.port = "positions"}) -> (tensor<2x3x8xf32>, tensor<2x8x4xf32>) {
  %0 = llmq_graph.kv_cache_write %cache, %k, %pos : tensor<2x8x4xf32>, tensor<2x3x4xf32>, tensor<2xi32>
  %1 = llmq_graph.attention %q, %0, %0, %pos {head_dim = 2 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, sliding_window = 3 : i64} : tensor<2x3x8xf32>, tensor<2x8x4xf32>, tensor<2x8x4xf32>, tensor<2xi32>
  return %1, %0 : tensor<2x3x8xf32>, tensor<2x8x4xf32>
}

// -----

// Elementwise ops, the padded head's slice and the logit mask (scale, then
// bias, then ban, in the reference runtime's order).
// CHECK-LABEL: func.func @elementwise(
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: arith.addf
// CHECK: tensor.extract_slice {{.*}}[0, 0, 0] [1, 2, 10] [1, 1, 1] : tensor<1x2x12xf32> to tensor<1x2x10xf32>
// CHECK: linalg.index 2
// CHECK: arith.mulf {{.*}}, %cst
// CHECK: arith.addf
// CHECK: arith.constant 0xFF800000 : f32
func.func @elementwise(%g: tensor<1x2x12xf32> {llmq_graph.port = "g"}, %u: tensor<1x2x12xf32> {llmq_graph.port = "u"}) -> tensor<1x2x10xf32> {
  %0 = llmq_graph.swiglu %g, %u : tensor<1x2x12xf32>
  %1 = llmq_graph.add %0, %u : tensor<1x2x12xf32>
  %2 = llmq_graph.add_bias %1 {format = "f32", weight = "bias", weight_shape = array<i64: 12>} : tensor<1x2x12xf32>
  %3 = llmq_graph.slice %2 {size = 10 : i64} : tensor<1x2x12xf32> -> tensor<1x2x10xf32>
  %4 = llmq_graph.logit_mask %3 {banned = array<i64: 3>, bias = 0.5 : f64, biased = array<i64: 4, 5>, scale = 1.1 : f64, scaled = array<i64: 7>} : tensor<1x2x10xf32>
  return %4 : tensor<1x2x10xf32>
}

// -----

// Collectives and stage transfers: calls into the runtime ABI on flat,
// dynamically sized tensors.
// CHECK-LABEL: func.func private @llmq_rt_send(tensor<?xf32>, i64)
// CHECK-NEXT: func.func private @llmq_rt_all_gather(tensor<?xf32>, i64, i64) -> tensor<?xf32>
// CHECK-NEXT: func.func private @llmq_rt_all_reduce(tensor<?xf32>, i64) -> tensor<?xf32>
// CHECK-NEXT: func.func private @llmq_rt_recv(i64, i64) -> tensor<?xf32>
// CHECK-LABEL: func.func @collectives(
// CHECK: call @llmq_rt_recv(%{{.*}}, %{{.*}}) : (i64, i64) -> tensor<?xf32>
// CHECK: call @llmq_rt_all_reduce
// CHECK: call @llmq_rt_all_gather
// CHECK: call @llmq_rt_send
func.func @collectives() -> tensor<1x2x8xf32> {
  %0 = llmq_graph.recv {stage = 1 : i64} : tensor<1x2x4xf32>
  %1 = llmq_graph.all_reduce %0 {ranks = 2 : i64} : tensor<1x2x4xf32>
  %2 = llmq_graph.all_gather %1 {ranks = 2 : i64} : tensor<1x2x4xf32> -> tensor<1x2x8xf32>
  llmq_graph.send %1 {stage = 2 : i64} : tensor<1x2x4xf32>
  return %2 : tensor<1x2x8xf32>
}
