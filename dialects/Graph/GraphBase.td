//===- GraphBase.td - llmq_graph dialect definition --------*- tablegen -*-===//
//
// The llmq_graph dialect holds what the NPU backend lowers a llmq.model to:
// one static-shape dataflow graph per pipeline stage, bucket and phase, run by
// every tensor-parallel rank of the stage on its own weight shard (SPMD).
// Weights are named, never inlined: each rank binds the names to tensors in
// its shard file, so one graph text serves every rank.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_GRAPH_BASE_TD
#define LLMQ_GRAPH_BASE_TD

include "mlir/IR/OpBase.td"

def Graph_Dialect : Dialect {
  let name = "llmq_graph";
  let cppNamespace = "::mlir::llmq_graph";
  let summary = "Static-shape, tensor-parallel inference graphs";
  let description = [{
    Graphs are `func.func`s whose arguments and results are statically shaped
    tensors (activations f32, token ids and positions i32). Ops that read a
    weight name it (`weight = "blk.0.attn_q"`) together with the shard's
    shape and storage format; a rank resolves the name in its own shard file.
    Collectives (`all_reduce`, `all_gather`) combine the ranks of one stage
    in rank order; `send` / `recv` move the residual stream between pipeline
    stages. KV caches are graph arguments that `kv_cache_write` updates and
    the graph returns.
  }];
}

#endif // LLMQ_GRAPH_BASE_TD
