func.func @rope_freqs(%x: tensor<1x4x16xf32>, %p: tensor<1xi32>) {
  %r = llmq_graph.rope %x, %p {head_dim = 8, inv_freq = array<f32: 1.0>} : tensor<1x4x16xf32>, tensor<1xi32>
  return
}
