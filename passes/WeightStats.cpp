//===- WeightStats.cpp - Per-tensor weight statistics ---------------------===//
//
// Streams every weight from its mapped source, one row at a time, and
// records the statistics a bit assignment looks at: RMS, largest magnitude,
// excess kurtosis, the share of values beyond 6 standard deviations, and
// how many values fall in each octave of |w| (MagnitudeHistogram.h). Two passes
// over the rows: the first for the mean, the second for the central moments and
// the outliers, so nothing is held but one row.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "passes/JsonOutput.h"

#include "dialects/Llmq/LlmqOps.h"
#include "dialects/Llmq/MagnitudeHistogram.h"
#include "dialects/Llmq/WeightFormats.h"
#include "dialects/Llmq/WeightSources.h"
#include "formats/files/AtomicOutputFile.h"
#include "runtime/exec/Kernels.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

#include <cmath>

#define DEBUG_TYPE "llmq-weight-stats"

namespace mlir::llmq {
#define GEN_PASS_DEF_WEIGHTSTATS
#include "passes/Passes.h.inc"
} // namespace mlir::llmq

using namespace mlir;
using namespace mlir::llmq;

namespace {
struct Stats {
  int64_t count = 0;
  double rms = 0, maxAbs = 0, mean = 0, std = 0, kurtosis = 0, outliers = 0;
  std::vector<int64_t> histogram = std::vector<int64_t>(::llmq::kMagnitudeBins);
};

struct WeightStatsPass
    : public mlir::llmq::impl::WeightStatsBase<WeightStatsPass> {
  using WeightStatsBase::WeightStatsBase;
  void runOnOperation() override;

private:
  LogicalResult measure(ModelOp model, WeightSources &sources,
                        llvm::json::Array &report);
};
} // namespace

/// The statistics of `view`'s rows, scaled by `scale` where `scaled` says.
static Stats computeStats(const ::llmq::runtime::WeightView &view,
                          const llvm::DenseSet<int64_t> &scaled, double scale) {
  Stats s;
  std::vector<float> row(view.cols);
  auto forEachRow = [&](auto &&body) {
    for (int64_t r = 0; r < view.rows; ++r) {
      view.dequantizeRow(r, row.data());
      double rowScale = scaled.contains(r) ? scale : 1.0;
      body(rowScale);
    }
  };
  double sum = 0, sumSquares = 0;
  forEachRow([&](double rowScale) {
    for (float f : row) {
      double w = f * rowScale;
      sum += w;
      sumSquares += w * w;
      s.maxAbs = std::max(s.maxAbs, std::fabs(w));
      ++s.histogram[::llmq::magnitudeBin(w)];
    }
  });
  s.count = view.rows * view.cols;
  if (s.count == 0)
    return s;
  s.mean = sum / s.count;
  s.rms = std::sqrt(sumSquares / s.count);
  double m2 = 0, m4 = 0;
  forEachRow([&](double rowScale) {
    for (float f : row) {
      double d = f * rowScale - s.mean, d2 = d * d;
      m2 += d2;
      m4 += d2 * d2;
    }
  });
  m2 /= s.count;
  m4 /= s.count;
  s.std = std::sqrt(m2);
  s.kurtosis = m2 > 0 ? m4 / (m2 * m2) - 3.0 : 0.0;
  if (s.std > 0) {
    int64_t beyond = 0;
    double limit = 6 * s.std;
    forEachRow([&](double rowScale) {
      for (float f : row)
        beyond += std::fabs(f * rowScale - s.mean) > limit;
    });
    s.outliers = static_cast<double>(beyond) / s.count;
  }
  return s;
}

LogicalResult WeightStatsPass::measure(ModelOp model, WeightSources &sources,
                                       llvm::json::Array &report) {
  auto fail = [&](const llvm::Twine &message) {
    model.emitError("llmq-weight-stats: ") << message;
    return failure();
  };
  Builder builder(model.getContext());
  for (WeightOp weight : model.getBody().getOps<WeightOp>()) {
    auto source = sources.resolve(weight);
    if (!source)
      return fail(llvm::toString(source.takeError()));
    ::llmq::runtime::WeightView view;
    view.format = source->format;
    view.rows = source->rows;
    view.cols = source->cols;
    view.data = source->data;
    view.grouped = source->grouped;

    llvm::DenseSet<int64_t> scaled;
    double scale = 1.0;
    if (auto rows = weight.getScaledRowsAttr()) {
      scaled.insert(rows.asArrayRef().begin(), rows.asArrayRef().end());
      if (auto rowScale = weight.getRowScaleAttr())
        scale = rowScale.getValueAsDouble();
    }
    Stats s = computeStats(view, scaled, scale);
    sources.release(*source);
    NamedAttribute entries[] = {
        builder.getNamedAttr("count", builder.getI64IntegerAttr(s.count)),
        builder.getNamedAttr("kurtosis", builder.getF64FloatAttr(s.kurtosis)),
        builder.getNamedAttr("log2_histogram",
                             builder.getDenseI64ArrayAttr(s.histogram)),
        builder.getNamedAttr("max_abs", builder.getF64FloatAttr(s.maxAbs)),
        builder.getNamedAttr("mean", builder.getF64FloatAttr(s.mean)),
        builder.getNamedAttr("outliers", builder.getF64FloatAttr(s.outliers)),
        builder.getNamedAttr("rms", builder.getF64FloatAttr(s.rms)),
        builder.getNamedAttr("std", builder.getF64FloatAttr(s.std)),
    };
    weight.getContext()
        ->getLoadedDialect<LlmqDialect>()
        ->getStatsAttrHelper()
        .setAttr(weight, builder.getDictionaryAttr(entries));
    report.push_back(
        llvm::json::Object{{"name", weight.getSymName()},
                           {"rows", view.rows},
                           {"cols", view.cols},
                           {"count", s.count},
                           {"rms", s.rms},
                           {"max_abs", s.maxAbs},
                           {"mean", s.mean},
                           {"std", s.std},
                           {"kurtosis", s.kurtosis},
                           {"outliers", s.outliers},
                           {"log2_histogram", llvm::json::Array(s.histogram)}});
    ++numWeights;
  }
  return success();
}

void WeightStatsPass::runOnOperation() {
  llvm::json::Array models;
  {
    WeightSources sources;
    for (ModelOp model : getOperation().getOps<ModelOp>()) {
      llvm::json::Array weights;
      if (failed(measure(model, sources, weights)))
        return signalPassFailure();
      models.push_back(llvm::json::Object{{"model", model.getSymName()},
                                          {"weights", std::move(weights)}});
    }
  }
  if (jsonFile.empty())
    return;
  llvm::Error err = ::llmq::writeModelsJson(jsonFile, std::move(models));
  if (err) {
    getOperation().emitError("llmq-weight-stats: ")
        << llvm::toString(std::move(err));
    signalPassFailure();
  }
}
