func.func @mask(%x: tensor<1x1x32xf32>) {
  %m = llmq_graph.logit_mask %x {banned = array<i64: 32>, biased = array<i64>, bias = 0.0, scaled = array<i64>, scale = 1.0} : tensor<1x1x32xf32>
  return
}
