//===- GuidedHessians.h - Hessians weighted by end-loss gradients -*- C++ -*-===//
//
// GuidedQuant (Kim et al., 2025): GPTQ's objective ||(W - Q) X||^2 treats
// every output channel of a layer and every token alike, but the model's
// loss does not: an error in output channel j at token t costs about
// g_tj^2 (dW_j x_t)^2, g = dL/dz the loss's gradient at that output. So
// the output channels are split into groups of contiguous rows, and group k
// gets its own Hessian
//   H_k = sum_t (mean_{j in k} g_tj^2) x_t x_t^T,
// with GPTQ run on each group's rows with its H_k. The gradients are those
// of the next-token cross-entropy of the original model (Backprop's
// windowNextToken): on text the model generated itself the labels are
// draws from its own distributions, and their squared gradients estimate
// the Fisher information, the curvature of the KL divergence that
// llama-perplexity judges.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_PASSES_TUNE_GUIDEDHESSIANS_H
#define LLMQ_PASSES_TUNE_GUIDEDHESSIANS_H

#include "formats/quant/Gptq.h"
#include "runtime/grad/Backprop.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <vector>

namespace llmq::runtime {
class Model;
class ThreadPool;
} // namespace llmq::runtime

namespace llmq::tune {

/// A matrix to weight: its place in the model and its shape.
struct GuidedTarget {
  int64_t block; ///< the model's block count for the head
  runtime::grad::Linear linear;
  int64_t rows, cols;
};

/// Rows [groupBegin(rows, groups, k), groupBegin(rows, groups, k + 1)) form
/// group k.
inline int64_t groupBegin(int64_t rows, int64_t groups, int64_t k) {
  return rows * k / groups;
}

using GroupHessians = std::vector<std::unique_ptr<gptq::HessianAccumulator>>;

/// Per target, `groups` gradient-weighted Hessians over the windows of
/// `stream` (ctx tokens each), from `model` (the original weights).
llvm::Expected<std::vector<GroupHessians>>
guidedHessians(const runtime::Model &model, llvm::ArrayRef<int32_t> stream,
               int64_t ctx, llvm::ArrayRef<GuidedTarget> targets,
               int64_t groups, runtime::ThreadPool &pool);

} // namespace llmq::tune

#endif // LLMQ_PASSES_TUNE_GUIDEDHESSIANS_H
