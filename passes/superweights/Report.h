//===- Report.h - --llmq-super-weights' JSON report -------------*- C++ -*-===//
//
// The file `json=FILE` asks for: the super weights found, with how each
// mode scored them, and per mode its context (the calibration text and the
// best entry of each tensor; the probe prompt and each block's spikes).
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_PASSES_SUPERWEIGHTS_REPORT_H
#define LLMQ_PASSES_SUPERWEIGHTS_REPORT_H

#include "passes/PassOptions.h"
#include "passes/superweights/Scorers.h"

#include "llvm/Support/JSON.h"

#include <string>
#include <vector>

namespace mlir::llmq::superweights {

/// The name `mode=` gives `mode`.
llvm::StringRef modeName(SuperWeightsMode mode);

/// Everything the report holds; names come from the pass.
struct Report {
  std::string model;
  SuperWeightsMode mode = SuperWeightsMode::Contribution;
  std::vector<Candidate> found;
  /// Per found entry: its weight symbol and (empty if none) source key.
  std::vector<std::string> weights, sourceKeys;
  /// Contribution: the text file (empty: the prompt was used) and the
  /// tokens; activation: the prompt and its tokens.
  std::string prompt, text;
  int64_t tokens = 0;
  /// Contribution: the best entry of each tensor, and the tensors' symbols
  /// (by TensorSummary::tensor).
  std::vector<TensorSummary> tensors;
  std::vector<std::string> tensorNames;
  /// Activation: the spikes of each block.
  std::vector<LayerSpikes> spikes;
};

/// The report as JSON (printed with llvm::formatv("{0:2}")).
llvm::json::Value toJSON(const Report &report);

} // namespace mlir::llmq::superweights

#endif // LLMQ_PASSES_SUPERWEIGHTS_REPORT_H
