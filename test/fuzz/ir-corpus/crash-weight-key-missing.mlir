module {
  llmq.model @"kjv-tiny" attributes {arch = "llama", context_length = 512 : i64, ffn_size = 384 : i64, head_dim = 32 : i64, hidden_size = 128 : i64, norm_eps = 1.000000e-05 : f64, num_heads = 4 : i64, num_kv_heads = 2 : i64, num_layers = 4 : i64, rope_theta = 1.000000e+04 : f64, tied_embeddings = false, tokenizer = #llmq.tokenizer<file = "kjv-tiny/tokenizer.json", bos = 0, eos = 1, add_bos = true>, vocab_size = 2048 : i64} {
    llmq.weight @token_embd : tensor<2048x128xbf16> {source = #llmq.source<file = "kjv-tiny/model.safetensors", key = "model.embed_tokens.weight", offset = 528456>}
    llmq.weight @blk.0.attn_norm : tensor<128xbf16> {source = #llmq.source<file = "kjv-tiny/model.safetensors", key = "model.layers.0.no_such.weight", offset = 1052744>}
    llmq.weight @blk.0.attn_q : tensor<128x128xbf16> {source = #llmq.source<file = "kjv-tiny/model.safetensors", key = "model.layers.0.self_attn.q_proj.weight", offset = 1397320>}
    llmq.weight @blk.0.attn_k : tensor<64x128xbf16> {source = #llmq.source<file = "kjv-tiny/model.safetensors", key = "model.layers.0.self_attn.k_proj.weight", offset = 1348168>}
    llmq.weight @blk.0.attn_v : tensor<64x128xbf16> {source = #llmq.source<file = "kjv-tiny/model.safetensors", key = "model.layers.0.self_attn.v_proj.weight", offset = 1430088>}
    llmq.weight @blk.0.attn_output : tensor<128x128xbf16> {source = #llmq.source<file = "kjv-tiny/model.safetensors", key = "model.layers.0.self_attn.o_proj.weight", offset = 1364552>}
    llmq.weight @blk.0.ffn_norm : tensor<128xbf16> {source = #llmq.source<file = "kjv-tiny/model.safetensors", key = "model.layers.0.post_attention_layernorm.weight", offset = 1347912>}
    llmq.weight @blk.0.ffn_gate : tensor<384x128xbf16> {source = #llmq.source<file = "kjv-tiny/model.safetensors", key = "model.layers.0.mlp.gate_proj.weight", offset = 1151304>}
    llmq.weight @blk.0.ffn_up : tensor<384x128xbf16> {source = #llmq.source<file = "kjv-tiny/model.safetensors", key = "model.layers.0.mlp.up_proj.weight", offset = 1249608>}
    llmq.weight @blk.0.ffn_down : tensor<128x384xbf16> {source = #llmq.source<file = "kjv-tiny/model.safetensors", key = "model.layers.0.mlp.down_proj.weight", offset = 1053000>}
    llmq.weight @blk.1.attn_norm : tensor<128xbf16> {source = #llmq.source<file = "kjv-tiny/model.safetensors", key = "model.layers.1.input_layernorm.weight", offset = 1446472>}
    llmq.weight @blk.1.attn_q : tensor<128x128xbf16> {source = #llmq.source<file = "kjv-tiny/model.safetensors", key = "model.layers.1.self_attn.q_proj.weight", offset = 1791048>}
    llmq.weight @blk.1.attn_k : tensor<64x128xbf16> {source = #llmq.source<file = "kjv-tiny/model.safetensors", key = "model.layers.1.self_attn.k_proj.weight", offset = 1741896>}
    llmq.weight @blk.1.attn_v : tensor<64x128xbf16> {source = #llmq.source<file = "kjv-tiny/model.safetensors", key = "model.layers.1.self_attn.v_proj.weight", offset = 1823816>}
    llmq.weight @blk.1.attn_output : tensor<128x128xbf16> {source = #llmq.source<file = "kjv-tiny/model.safetensors", key = "model.layers.1.self_attn.o_proj.weight", offset = 1758280>}
    llmq.weight @blk.1.ffn_norm : tensor<128xbf16> {source = #llmq.source<file = "kjv-tiny/model.safetensors", key = "model.layers.1.post_attention_layernorm.weight", offset = 1741640>}
    llmq.weight @blk.1.ffn_gate : tensor<384x128xbf16> {source = #llmq.source<file = "kjv-tiny/model.safetensors", key = "model.layers.1.mlp.gate_proj.weight", offset = 1545032>}
    llmq.weight @blk.1.ffn_up : tensor<384x128xbf16> {source = #llmq.source<file = "kjv-tiny/model.safetensors", key = "model.layers.1.mlp.up_proj.weight", offset = 1643336>}
    llmq.weight @blk.1.ffn_down : tensor<128x384xbf16> {source = #llmq.source<file = "kjv-tiny/model.safetensors", key = "model.layers.1.mlp.down_proj.weight", offset = 1446728>}
    llmq.weight @blk.2.attn_norm : tensor<128xbf16> {source = #llmq.source<file = "kjv-tiny/model.safetensors", key = "model.layers.2.input_layernorm.weight", offset = 1840200>}
    llmq.weight @blk.2.attn_q : tensor<128x128xbf16> {source = #llmq.source<file = "kjv-tiny/model.safetensors", key = "model.layers.2.self_attn.q_proj.weight", offset = 2184776>}
    llmq.weight @blk.2.attn_k : tensor<64x128xbf16> {source = #llmq.source<file = "kjv-tiny/model.safetensors", key = "model.layers.2.self_attn.k_proj.weight", offset = 2135624>}
    llmq.weight @blk.2.attn_v : tensor<64x128xbf16> {source = #llmq.source<file = "kjv-tiny/model.safetensors", key = "model.layers.2.self_attn.v_proj.weight", offset = 2217544>}
    llmq.weight @blk.2.attn_output : tensor<128x128xbf16> {source = #llmq.source<file = "kjv-tiny/model.safetensors", key = "model.layers.2.self_attn.o_proj.weight", offset = 2152008>}
    llmq.weight @blk.2.ffn_norm : tensor<128xbf16> {source = #llmq.source<file = "kjv-tiny/model.safetensors", key = "model.layers.2.post_attention_layernorm.weight", offset = 2135368>}
    llmq.weight @blk.2.ffn_gate : tensor<384x128xbf16> {source = #llmq.source<file = "kjv-tiny/model.safetensors", key = "model.layers.2.mlp.gate_proj.weight", offset = 1938760>}
    llmq.weight @blk.2.ffn_up : tensor<384x128xbf16> {source = #llmq.source<file = "kjv-tiny/model.safetensors", key = "model.layers.2.mlp.up_proj.weight", offset = 2037064>}
    llmq.weight @blk.2.ffn_down : tensor<128x384xbf16> {source = #llmq.source<file = "kjv-tiny/model.safetensors", key = "model.layers.2.mlp.down_proj.weight", offset = 1840456>}
    llmq.weight @blk.3.attn_norm : tensor<128xbf16> {source = #llmq.source<file = "kjv-tiny/model.safetensors", key = "model.layers.3.input_layernorm.weight", offset = 2233928>}
    llmq.weight @blk.3.attn_q : tensor<128x128xbf16> {source = #llmq.source<file = "kjv-tiny/model.safetensors", key = "model.layers.3.self_attn.q_proj.weight", offset = 2578504>}
    llmq.weight @blk.3.attn_k : tensor<64x128xbf16> {source = #llmq.source<file = "kjv-tiny/model.safetensors", key = "model.layers.3.self_attn.k_proj.weight", offset = 2529352>}
    llmq.weight @blk.3.attn_v : tensor<64x128xbf16> {source = #llmq.source<file = "kjv-tiny/model.safetensors", key = "model.layers.3.self_attn.v_proj.weight", offset = 2611272>}
    llmq.weight @blk.3.attn_output : tensor<128x128xbf16> {source = #llmq.source<file = "kjv-tiny/model.safetensors", key = "model.layers.3.self_attn.o_proj.weight", offset = 2545736>}
    llmq.weight @blk.3.ffn_norm : tensor<128xbf16> {source = #llmq.source<file = "kjv-tiny/model.safetensors", key = "model.layers.3.post_attention_layernorm.weight", offset = 2529096>}
    llmq.weight @blk.3.ffn_gate : tensor<384x128xbf16> {source = #llmq.source<file = "kjv-tiny/model.safetensors", key = "model.layers.3.mlp.gate_proj.weight", offset = 2332488>}
    llmq.weight @blk.3.ffn_up : tensor<384x128xbf16> {source = #llmq.source<file = "kjv-tiny/model.safetensors", key = "model.layers.3.mlp.up_proj.weight", offset = 2430792>}
    llmq.weight @blk.3.ffn_down : tensor<128x384xbf16> {source = #llmq.source<file = "kjv-tiny/model.safetensors", key = "model.layers.3.mlp.down_proj.weight", offset = 2234184>}
    llmq.weight @output_norm : tensor<128xbf16> {source = #llmq.source<file = "kjv-tiny/model.safetensors", key = "model.norm.weight", offset = 2627656>}
    llmq.weight @output : tensor<2048x128xbf16> {source = #llmq.source<file = "kjv-tiny/model.safetensors", key = "lm_head.weight", offset = 4168>}
    llmq.embedding @token_embd
    llmq.block 0 weights {attn_k = @blk.0.attn_k, attn_norm = @blk.0.attn_norm, attn_output = @blk.0.attn_output, attn_q = @blk.0.attn_q, attn_v = @blk.0.attn_v, ffn_down = @blk.0.ffn_down, ffn_gate = @blk.0.ffn_gate, ffn_norm = @blk.0.ffn_norm, ffn_up = @blk.0.ffn_up}
    llmq.block 1 weights {attn_k = @blk.1.attn_k, attn_norm = @blk.1.attn_norm, attn_output = @blk.1.attn_output, attn_q = @blk.1.attn_q, attn_v = @blk.1.attn_v, ffn_down = @blk.1.ffn_down, ffn_gate = @blk.1.ffn_gate, ffn_norm = @blk.1.ffn_norm, ffn_up = @blk.1.ffn_up}
    llmq.block 2 weights {attn_k = @blk.2.attn_k, attn_norm = @blk.2.attn_norm, attn_output = @blk.2.attn_output, attn_q = @blk.2.attn_q, attn_v = @blk.2.attn_v, ffn_down = @blk.2.ffn_down, ffn_gate = @blk.2.ffn_gate, ffn_norm = @blk.2.ffn_norm, ffn_up = @blk.2.ffn_up}
    llmq.block 3 weights {attn_k = @blk.3.attn_k, attn_norm = @blk.3.attn_norm, attn_output = @blk.3.attn_output, attn_q = @blk.3.attn_q, attn_v = @blk.3.attn_v, ffn_down = @blk.3.ffn_down, ffn_gate = @blk.3.ffn_gate, ffn_norm = @blk.3.ffn_norm, ffn_up = @blk.3.ffn_up}
    llmq.final_norm @output_norm
    llmq.lm_head @output
  }
}

