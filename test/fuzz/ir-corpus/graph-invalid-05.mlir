func.func @cache_too_small(%c: tensor<1x2x8xf32>, %k: tensor<1x4x8xf32>, %p: tensor<1xi32>) {
  %c2 = llmq_graph.kv_cache_write %c, %k, %p : tensor<1x2x8xf32>, tensor<1x4x8xf32>, tensor<1xi32>
  return
}
