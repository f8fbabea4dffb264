
// Each chunk breaks one invariant of a llmq_graph op.

func.func @matmul_columns(%x: tensor<1x4x16xf32>) {
  %q = llmq_graph.matmul %x {weight = "blk.0.attn_q", weight_shape = array<i64: 8, 32>, format = "bf16"} : tensor<1x4x16xf32> -> tensor<1x4x8xf32>
  return
}
