//===- ScaleTuning.h - End-to-end tuning of ggml block scales ---*- C++ -*-===//
//
// After GPTQ has chosen every block's integer levels (and sub-block scales),
// the f16 block scales d and dmin and the RMS norm weights are still free:
// moving them keeps the file an ordinary ggml file of the same size. This
// tunes them by Adam on the KL divergence between the original model's
// next-token distributions and the quantized model's over calibration
// windows, the gradients from runtime/grad/Backprop.h: the end loss that
// GPTQ's per-layer objective only stands in for (cf. the end-to-end phase
// of EfficientQAT, Chen et al. 2024, which trains only step sizes, and
// norm tweaking, Li et al. 2023).
//
// Each parameter p moves multiplicatively, p = p0 (1 + s), and Adam runs on
// s, so the rate is a relative step and means the same for every tensor.
// Windows are visited in a seeded order; every sum has a fixed order, so the
// result is the same bits at any thread count.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_PASSES_TUNE_SCALETUNING_H
#define LLMQ_PASSES_TUNE_SCALETUNING_H

#include "formats/Formats.h"
#include "runtime/grad/Backprop.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <vector>

namespace llmq::runtime {
class Model;
class ThreadPool;
} // namespace llmq::runtime

namespace llmq::tune {

/// A matrix whose block scales are tuned: ggml blocks, changed in place.
struct TunedMatrix {
  int64_t block; ///< the model's block count for the head
  runtime::grad::Linear linear;
  Format format;
  int64_t rows, cols;
  std::vector<uint8_t> *bytes;
};

struct Options {
  int64_t epochs = 1;
  /// Windows whose gradients are averaged per step.
  int64_t batch = 4;
  /// Adam's step size, relative to each parameter's starting value.
  double rate = 1e-3;
  /// Tune the norm weights too.
  bool norms = true;
  uint64_t seed = 0;
};

struct Result {
  /// Mean KL per position over the first and the last epoch's windows.
  double firstEpochLoss = 0, lastEpochLoss = 0;
  int64_t steps = 0;
};

/// Tunes `matrices` (their other matrices, the embedding and the norms read
/// from `student`, the quantized model as the exporter will write it)
/// against `teacher` over the windows of `stream` (ctx tokens each).
/// `norms` receives the tuned norm weights. Fails on a model Backprop does
/// not differentiate or a matrix whose format has no block scales.
llvm::Expected<Result> tuneScales(const runtime::Model &teacher,
                                  const runtime::Model &student,
                                  llvm::ArrayRef<int32_t> stream, int64_t ctx,
                                  std::vector<TunedMatrix> &matrices,
                                  runtime::grad::NormWeights &norms,
                                  const Options &options,
                                  runtime::ThreadPool &pool);

} // namespace llmq::tune

#endif // LLMQ_PASSES_TUNE_SCALETUNING_H
