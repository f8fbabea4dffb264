//===- GuidedHessians.cpp - GPTQ Hessians weighted by end-loss gradients --===//

#include "passes/tune/GuidedHessians.h"

#include "formats/files/Progress.h"
#include "runtime/exec/Model.h"
#include "runtime/exec/ThreadPool.h"

#include <cmath>
#include <map>

using namespace llmq;
using namespace llmq::tune;
using runtime::grad::Linear;

namespace {
/// The model's own matrices, and the targets' weighted inputs summed.
class Accumulate : public runtime::grad::MatrixSource {
public:
  Accumulate(const runtime::Model &model, llvm::ArrayRef<GuidedTarget> targets,
             int64_t groups, std::vector<GroupHessians> &hessians,
             runtime::ThreadPool &pool)
      : model(model), groups(groups), hessians(hessians), pool(pool) {
    for (size_t i = 0; i < targets.size(); ++i)
      index[{targets[i].block, int(targets[i].linear)}] = i;
  }

  void dense(int64_t block, Linear linear, float *out) override {
    runtime::grad::denseMatrix(model, block, linear, out, pool);
  }
  void gradient(int64_t, Linear, const float *) override {}
  bool needsGradient(int64_t, Linear) override { return false; }
  void embeddingRow(int32_t token, float *out) override {
    model.embedding.dequantizeRow(token, out);
  }

  void outputGradient(int64_t block, Linear linear, const float *x,
                      const float *dy, int64_t n) override {
    auto it = index.find({block, int(linear)});
    if (it == index.end())
      return;
    const runtime::WeightView &view = runtime::grad::matrixView(model, block, linear);
    int64_t rows = view.rows, cols = view.cols;
    gptq::ParallelFor parallelFor =
        [&](int64_t count, const std::function<void(int64_t, int64_t)> &fn) {
          pool.parallelFor(count, fn);
        };
    scaled.resize(size_t(n) * size_t(cols));
    for (int64_t k = 0; k < groups; ++k) {
      int64_t r0 = groupBegin(rows, groups, k),
              r1 = groupBegin(rows, groups, k + 1);
      // dy carries the loss's 1/n; n dy is the position's own gradient.
      for (int64_t t = 0; t < n; ++t) {
        double sum = 0;
        for (int64_t r = r0; r < r1; ++r) {
          double g = double(dy[t * rows + r]) * double(n);
          sum += g * g;
        }
        float w = float(std::sqrt(sum / double(r1 - r0)));
        for (int64_t c = 0; c < cols; ++c)
          scaled[t * cols + c] = w * x[t * cols + c];
      }
      hessians[it->second][k]->add(scaled.data(), n, parallelFor);
    }
  }

private:
  const runtime::Model &model;
  int64_t groups;
  std::vector<GroupHessians> &hessians;
  runtime::ThreadPool &pool;
  std::map<std::pair<int64_t, int>, size_t> index;
  std::vector<float> scaled;
};
} // namespace

llvm::Expected<std::vector<GroupHessians>>
llmq::tune::guidedHessians(const runtime::Model &model,
                           llvm::ArrayRef<int32_t> stream, int64_t ctx,
                           llvm::ArrayRef<GuidedTarget> targets, int64_t groups,
                           runtime::ThreadPool &pool) {
  std::string reason = runtime::grad::unsupportedReason(model);
  if (!reason.empty())
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "gradient-weighted Hessians need a pre-norm decoder, but " + reason);
  std::vector<GroupHessians> hessians(targets.size());
  for (size_t i = 0; i < targets.size(); ++i) {
    if (targets[i].rows < groups)
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "a matrix of %lld rows has fewer than "
                                     "%lld groups",
                                     (long long)targets[i].rows,
                                     (long long)groups);
    for (int64_t k = 0; k < groups; ++k)
      hessians[i].push_back(
          std::make_unique<gptq::HessianAccumulator>(targets[i].cols));
  }
  Accumulate source(model, targets, groups, hessians, pool);
  runtime::grad::Backprop backprop(model);
  int64_t windows = ctx > 1 ? int64_t(stream.size()) / ctx : 0;
  Progress progress("llmq-gptq guided", uint64_t(windows));
  for (int64_t w = 0; w < windows; ++w) {
    progress.step(uint64_t(w), "window");
    runtime::grad::NormWeights unused = backprop.zeroGradients();
    auto loss = backprop.windowNextToken(stream.slice(w * ctx, ctx), 0, source,
                                         unused, pool);
    if (!loss)
      return loss.takeError();
  }
  return hessians;
}
