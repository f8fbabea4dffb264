func.func @rope_positions(%x: tensor<2x4x16xf32>, %p: tensor<1xi32>) {
  %r = llmq_graph.rope %x, %p {head_dim = 2, inv_freq = array<f32: 1.0>} : tensor<2x4x16xf32>, tensor<1xi32>
  return
}
