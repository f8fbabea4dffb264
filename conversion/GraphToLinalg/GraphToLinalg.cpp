//===- GraphToLinalg.cpp - --llmq-graph-to-linalg -------------------------===//
//
// Adds the weight and rank arguments to every graph function, then converts
// each llmq_graph op with the patterns of this directory; any op left over
// is an error at its location (the dialect is illegal in the result).
//
//===----------------------------------------------------------------------===//

#include "conversion/GraphToLinalg/GraphToLinalg.h"
#include "conversion/Passes.h"

#include "dialects/Graph/GraphOps.h"

namespace mlir::llmq {
#define GEN_PASS_DEF_GRAPHTOLINALG
#include "conversion/Passes.h.inc"
} // namespace mlir::llmq

using namespace mlir;
using namespace mlir::llmq;

namespace {
struct GraphToLinalgPass
    : public mlir::llmq::impl::GraphToLinalgBase<GraphToLinalgPass> {
  void runOnOperation() override;
};
} // namespace

void GraphToLinalgPass::runOnOperation() {
  ModuleOp module = getOperation();
  for (auto func : llvm::to_vector(module.getOps<func::FuncOp>())) {
    if (func.isExternal())
      continue;
    bool hasGraphOps = false;
    func.walk([&](Operation *op) {
      hasGraphOps |= isa<llmq_graph::GraphDialect>(op->getDialect());
    });
    if (!hasGraphOps)
      continue;
    if (failed(graph_to_linalg::addWeightArguments(func)))
      return signalPassFailure();
  }
  ConversionTarget target(getContext());
  target.addIllegalDialect<llmq_graph::GraphDialect>();
  target.addLegalDialect<arith::ArithDialect, func::FuncDialect,
                         linalg::LinalgDialect, math::MathDialect,
                         tensor::TensorDialect>();
  target.addLegalOp<ModuleOp>();
  RewritePatternSet patterns(&getContext());
  graph_to_linalg::populateElementwisePatterns(patterns);
  graph_to_linalg::populateMatmulPatterns(patterns);
  graph_to_linalg::populateAttentionPatterns(patterns);
  graph_to_linalg::populateCollectivePatterns(patterns);
  if (failed(applyPartialConversion(module, target, std::move(patterns))))
    signalPassFailure();
}
