//===- Passes.td - llmq's conversions to upstream dialects -*- tablegen -*-===//

#ifndef LLMQ_CONVERSION_PASSES_TD
#define LLMQ_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def GraphToLinalg : Pass<"llmq-graph-to-linalg", "::mlir::ModuleOp"> {
  let summary = "Lowers llmq_graph ops to func/linalg/tensor/arith/math";
  let description = [{
    Rewrites every `llmq_graph` op of the NPU graphs into upstream dialects on
    static shapes, so any MLIR-based compiler can take a graph without llmq
    (docs/backends/npu-artifact.md, "Lowered graphs").

    Weights become function arguments, appended after the graph's ports in
    first-use order, each marked `{llmq_graph.weight = "name",
    llmq_graph.component = "..."}`: a runtime binds them to the rank's shard
    file at load; nothing is inlined. Float, fp8-block, int8-channel and
    int4-g128 weights are dequantized in the IR (`arith.extf`, shifts,
    scales); ggml block formats by a call to
    `@llmq_rt_dequantize_<format>`. The rank's index is a last `i64`
    argument (port "rank": the vocabulary-parallel embedding needs it).
    Collectives and pipeline transfers are calls into the runtime ABI
    (`@llmq_rt_all_reduce`, `@llmq_rt_all_gather`, `@llmq_rt_send`,
    `@llmq_rt_recv`), declared as private functions on dynamically shaped
    tensors.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::func::FuncDialect",
    "::mlir::linalg::LinalgDialect", "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

#endif // LLMQ_CONVERSION_PASSES_TD
