// A weight format the lowering has no dequantization for is one error at
// the op, naming the weight and the format.
// RUN: not quant-opt %s --llmq-graph-to-linalg 2>&1 | FileCheck %s
// CHECK: graph-to-linalg-invalid.mlir:[[@LINE+3]]:8: error: 'llmq_graph.matmul' op weight 'w' is stored as int4_g64, which --llmq-graph-to-linalg cannot lower
// CHECK-NOT: error
func.func @bad(%x: tensor<1x1x256xf32> {llmq_graph.port = "x"}) -> tensor<1x1x4xf32> {
  %0 = llmq_graph.matmul %x {format = "int4_g64", weight = "w", weight_shape = array<i64: 4, 256>} : tensor<1x1x256xf32> -> tensor<1x1x4xf32>
  return %0 : tensor<1x1x4xf32>
}
