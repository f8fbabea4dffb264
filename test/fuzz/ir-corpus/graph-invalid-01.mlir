func.func @matmul_result(%x: tensor<1x4x16xf32>) {
  %q = llmq_graph.matmul %x {weight = "w", weight_shape = array<i64: 8, 16>, format = "bf16"} : tensor<1x4x16xf32> -> tensor<1x4x9xf32>
  return
}
