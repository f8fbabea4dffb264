//===- GptqErrors.h - Candidate errors as GPTQ would leave them -*- C++ -*-===//
//
// --llmq-assign-bits=target-bytes ... error=gptq: the optimizer's per-format
// error and sensitivity probes with every block linear (and an untied LM
// head) quantized by GPTQ (formats/quant/Gptq.h) instead of rounded to
// nearest, so that the knapsack sees what --llmq-gptq will really write:
// GPTQ lowers the output error more at fewer bits, which round-to-nearest
// errors do not show.
//
// For each chunk of layers whose Hessians fit `hessianMiB`, the model runs
// over the calibration text once with the runtime's matmul observer (the
// hook --llmq-gptq uses, the same Hessians bit for bit when text, tokens and
// ctx match); each Hessian is factored once for the weights that share its
// input; each candidate format of each weight is then quantized by GPTQ
// with the pass's options, and its error is the output error
// sum_r (w_r - q_r)^T H (w_r - q_r) / N (N the calibration inputs), whose
// diagonal part is the round-to-nearest measure's sum imp (w - q)^2. The
// smallest candidate's bytes go to the KLD probe right away, so nothing of
// a weight outlives its turn. Weights GPTQ leaves to rounding (the token
// embedding, a tied head, rows the logit mask scaled) keep the round-to-
// nearest error and probe. The defaults are --llmq-gptq's, so that with the
// same text, tokens and ctx a weight's candidate in the chosen format has
// the bytes --llmq-gptq would write for it. Rows go to a thread pool; every sum is taken in
// row order, so the result does not depend on the thread count.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_PASSES_ASSIGN_GPTQERRORS_H
#define LLMQ_PASSES_ASSIGN_GPTQERRORS_H

#include "passes/assign/Optimizer.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <functional>
#include <vector>

namespace llmq::runtime {
class ThreadPool;
} // namespace llmq::runtime

namespace mlir::llmq {
class ModelOp;

namespace assign {

/// How the candidates are quantized and on what text (--llmq-gptq's
/// options of the same names).
struct GptqErrorOptions {
  std::string textFile;
  int64_t tokens = 16384;
  int64_t ctx = 256;
  /// Negative: --llmq-gptq's default, ::llmq::gptq::kGgmlDamp for a
  /// Hessian a ggml candidate reads, kIntDamp for the rest.
  double damp = -1;
  int scaleSearch = 4;
  /// ggml formats: --llmq-gptq's refine= (coordinate descent after the
  /// sweep).
  int refine = 4;
  int64_t block = 128;
  int64_t hessianMiB = 1024;
  /// When set, receives every ggml candidate's GPTQ bytes as soon as they
  /// are made (item and candidate indices): out= keeps them on disk until
  /// the knapsack has chosen. An error stops the measurement.
  std::function<llvm::Error(size_t item, size_t candidate,
                            llvm::ArrayRef<uint8_t> bytes)>
      keep;
  /// error=gptq-factor: each candidate keeps its round-to-nearest error
  /// scaled by GPTQ's reduction of the output error for that format,
  /// (w - q_gptq)^T H (w - q_gptq) / (w - q_rtn)^T H (w - q_rtn), and the
  /// probes stay round-to-nearest (the caller runs them after).
  bool factorOnly = false;
};

/// What the measurement did, for the pass's statistics and remark.
struct GptqErrorStats {
  uint64_t weights = 0;    ///< items measured by GPTQ
  uint64_t quantized = 0;  ///< GPTQ runs (weights x candidates)
  uint64_t calibrations = 0; ///< calibration runs (chunks of layers)
};

/// Re-measures every quantizable item of `items` (their sources bound,
/// already measured by round-to-nearest) that GPTQ quantizes: each
/// candidate's error becomes its GPTQ output error. With `probe`, every
/// quantizable item's sensitivity is measured too (GPTQ bytes for those,
/// round-to-nearest for the rest) and its costs set as
/// weighBySensitivity does; without (a null probe), its costs are the
/// errors. Errors are one line without a prefix.
llvm::Error measureGptqErrors(ModelOp model, std::vector<Item> &items,
                              const GptqErrorOptions &options, KldProbe probe,
                              ::llmq::runtime::ThreadPool &pool,
                              GptqErrorStats &stats);

} // namespace assign
} // namespace mlir::llmq

#endif // LLMQ_PASSES_ASSIGN_GPTQERRORS_H
