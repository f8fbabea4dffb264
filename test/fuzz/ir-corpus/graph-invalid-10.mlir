func.func @norm(%x: tensor<1x1x30xf32>) {
  %n = llmq_graph.rms_norm %x {weight = "n", weight_shape = array<i64: 8>, format = "f32", eps = 1.0e-5} : tensor<1x1x30xf32>
  return
}
