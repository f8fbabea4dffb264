func.func @attention_groups(%q: tensor<1x1x12xf32>, %c: tensor<1x8x8xf32>, %p: tensor<1xi32>) {
  %a = llmq_graph.attention %q, %c, %c, %p {num_heads = 3, num_kv_heads = 2, head_dim = 4, sliding_window = 0} : tensor<1x1x12xf32>, tensor<1x8x8xf32>, tensor<1x8x8xf32>, tensor<1xi32>
  return
}
