//===- ErrorMeasure.h - A weight's quantization error per format -*- C++ -*-===//
//
// The error --llmq-assign-bits=target-bpw minimises: for a weight and a ggml
// format, sum over rows r and columns c of imp[c] * (x - x')^2, x the source
// value and x' its round trip through the format's reference quantizer (with
// the importance as its quant weights). Rows stream from the mapped source,
// split over a thread pool; per-row errors are summed in row order, so the
// result does not depend on the thread count.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_PASSES_ASSIGN_ERRORMEASURE_H
#define LLMQ_PASSES_ASSIGN_ERRORMEASURE_H

#include "formats/Formats.h"
#include "runtime/exec/Kernels.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/DenseSet.h"

#include <cstdint>
#include <vector>

namespace llmq::runtime {
class ThreadPool;
} // namespace llmq::runtime

namespace mlir::llmq::assign {

/// The rows of one weight as they are quantized: as stored, importance per
/// column (empty: 1) and the logit mask's row scale on `scaled` rows.
struct WeightRows {
  ::llmq::runtime::WeightView view;
  std::vector<float> importance;
  llvm::DenseSet<int64_t> scaled;
  float rowScale = 1.0f;
  /// Quantize with the refined scale search (formats/quant/RefinedQuants.h)
  /// where the format has one, instead of ggml's quantizer.
  bool refined = false;
};

/// The weighted squared error of `rows` in each of `formats` (ggml types
/// whose blocks split a row), with the row scale applied.
std::vector<double> measureErrors(const WeightRows &rows,
                                  llvm::ArrayRef<::llmq::Format> formats,
                                  ::llmq::runtime::ThreadPool &pool);

/// `rows` quantized to `format` in memory, for the runtime to run: rows as
/// the runtime reads them (the LM head's row scale is applied by the runtime
/// itself, so it is left out here); `error` receives the weighted squared
/// error of exactly these rows.
std::vector<uint8_t> quantizeRows(const WeightRows &rows, ::llmq::Format format,
                                  ::llmq::runtime::ThreadPool &pool,
                                  double &error);

} // namespace mlir::llmq::assign

#endif // LLMQ_PASSES_ASSIGN_ERRORMEASURE_H
