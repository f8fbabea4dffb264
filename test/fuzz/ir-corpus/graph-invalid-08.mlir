func.func @slice(%x: tensor<1x1x32xf32>) {
  %s = llmq_graph.slice %x {size = 40} : tensor<1x1x32xf32> -> tensor<1x1x40xf32>
  return
}
