//===- Report.h - The analysis report of a model ----------------*- C++ -*-===//
//
// What --llmq-report collects from the IR, free of MLIR types so the writers
// (JSON, HTML with SVG charts) only see plain numbers. A value an analysis
// did not compute is std::nullopt; the writers leave it out (JSON) or show
// which pass computes it (HTML).
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_PASSES_REPORT_REPORT_H
#define LLMQ_PASSES_REPORT_REPORT_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace llmq::report {

/// One llmq.weight.
struct TensorInfo {
  std::string name;   ///< the weight's symbol ("blk.0.attn_q")
  int64_t layer = -1; ///< the block using it, -1 for none
  std::vector<int64_t> shape;
  int64_t elements = 0;
  std::string format; ///< `format` if set, else the source's storage format
  double bits = 0;    ///< storage bits per weight of `format`
  std::optional<double> quantError; ///< --llmq-assign-bits (measured mode)
  std::optional<double> rms, maxAbs, kurtosis,
      outliers;                     ///< --llmq-weight-stats
  std::optional<double> importance; ///< mean imatrix in_sum2/count
  int64_t pinned = 0;               ///< entries pinned by --llmq-super-weights
  /// Values per bin of MagnitudeHistogram.h (--llmq-weight-stats).
  std::optional<std::vector<int64_t>> histogram;
};

/// One llmq.block, with aggregates over the weights it uses.
struct LayerInfo {
  int64_t index = 0;
  std::optional<double> influence, angularDistance; ///< --llmq-block-influence
  std::optional<double> importance; ///< channel-weighted mean of in_sum2/count
  double bits = 0;                  ///< element-weighted mean bits per weight
  std::optional<double> quantError; ///< sum over the block's weights
  std::optional<double> maxKurtosis, maxOutliers; ///< max over its matrices
  int64_t superWeights = 0;
};

struct SuperWeight {
  std::string weight; ///< the weight's symbol
  int64_t layer = -1; ///< its block; -1 outside the blocks (embedding)
  int64_t row = 0, col = 0;
  double value = 0;
};

struct ModelReport {
  std::string name, arch;
  int64_t numLayers = 0;
  std::string imatrix;          ///< the imatrix file, empty if none
  bool formatsAssigned = false; ///< some weight carries a `format`
  bool hasInfluence = false, hasStats = false, hasQuantError = false;
  std::optional<int64_t> assignedBytes;
  std::optional<double> assignedBpw, assignedError;
  std::optional<double> estimatedKld; ///< the optimizer's estimate
  std::optional<std::vector<SuperWeight>> superWeights;
  std::vector<LayerInfo> layers;   ///< by block index
  std::vector<TensorInfo> tensors; ///< in IR order
};

/// What a plan comes to: the storage bytes of every tensor in its format
/// (assigned, else as stored), and bits per weight over all of them.
struct PlanTotals {
  int64_t bytes = 0, elements = 0;
  double bitsPerWeight = 0;
};
PlanTotals planTotals(const ModelReport &m);

/// A tensor's family: its name without the block prefix ("blk.3.attn_q" ->
/// "attn_q"); names outside the blocks are their own family.
std::string tensorFamily(llvm::StringRef name);

/// Summed magnitude histograms per family, families in first-seen order
/// (tensors without a histogram are left out).
std::vector<std::pair<std::string, std::vector<int64_t>>>
familyHistograms(const ModelReport &m);

/// Writes the JSON report: one model's object, or {"models": [...]}.
void writeJsonReport(llvm::ArrayRef<ModelReport> models, llvm::raw_ostream &os);

/// Writes one self-contained HTML page (inline CSS and SVG, no script, no
/// external resource) with a chart per analysis, layer and tensor. With
/// `other`, the first model's plan is also shown side by side with it.
void writeHtmlReport(llvm::ArrayRef<ModelReport> models, llvm::raw_ostream &os,
                     const ModelReport *other = nullptr);

/// Reads back a model from a JSON report writeJsonReport wrote (the first
/// model of a multi-model one): what a side-by-side view needs (name, totals,
/// layers' bits, tensors' formats and bits, estimated KLD). `what` names the
/// file in errors.
llvm::Expected<ModelReport> readJsonReport(llvm::StringRef text,
                                           llvm::StringRef what);

} // namespace llmq::report

#endif // LLMQ_PASSES_REPORT_REPORT_H
