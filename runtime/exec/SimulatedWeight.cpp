//===- SimulatedWeight.cpp - A weight quantized in memory as exported -----===//

#include "runtime/exec/SimulatedWeight.h"

#include "dialects/Llmq/Importance.h"
#include "dialects/Llmq/LlmqOps.h"
#include "dialects/Llmq/WeightFormats.h"
#include "formats/CheckedArith.h"
#include "formats/GroupFormats.h"
#include "runtime/exec/ThreadPool.h"

#include "llvm/Support/WithColor.h"

#include <algorithm>
#include <cstring>

using namespace llmq;
using namespace llmq::runtime;
using llvm::Twine;

static llvm::Error simulationError(const Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

llvm::Expected<std::optional<SimulationPlan>>
llmq::runtime::planSimulation(mlir::llmq::WeightOp weight,
                              mlir::llmq::ImportanceReader &importance) {
  std::optional<TensorFormat> chosen = mlir::llmq::chosenFormat(weight);
  if (!chosen)
    return std::nullopt;
  SimulationPlan plan;
  if (auto rows = weight.getScaledRowsAttr()) {
    plan.scaledRows.insert(rows.asArrayRef().begin(), rows.asArrayRef().end());
    if (auto scale = weight.getRowScaleAttr())
      plan.rowScale = static_cast<float>(scale.getValueAsDouble());
  }
  // Errors name the model and the weight (the importance reader's name the
  // imatrix file).
  llvm::StringRef symbol = weight.getSymName();
  std::string name = "weight '" + symbol.str();
  if (auto model = weight->getParentOfType<mlir::llmq::ModelOp>())
    name = "model '" + model.getSymName().str() + "': " + name;
  llvm::ArrayRef<int64_t> shape = weight.getTensorType().getShape();
  int64_t cols = shape.back();
  // Every format holds a value in at most 4 bytes plus its scales: a bound
  // on what the quantized copy may take.
  std::optional<uint64_t> values = checkedProduct(shape);
  if (!values || !checkedMul(*values, 8) || *values * 8 > uint64_t(INT64_MAX))
    return simulationError(name + "' is too large to quantize in memory");
  plan.format = *chosen;
  if (chosen->isGrouped()) {
    if (std::string reason = chosen->invalidReason(); !reason.empty())
      return simulationError(name + "' has format " + chosen->name() + ": " +
                             reason);
    if (!chosen->fits(cols))
      return simulationError(
          name + "' has " + Twine(cols) + " columns, which " + chosen->name() +
          " cannot hold (whole groups of " +
          Twine(chosen->group ? chosen->group : 32 / chosen->bits) +
          " and whole int32 words of codes per row)");
  } else {
    // As the GGUF exporter: llama.cpp's fallback where blocks do not split a
    // row, said once per weight.
    Format fallback = ggmlFallback(chosen->ggml, cols);
    if (fallback != chosen->ggml) {
      llvm::WithColor::warning(llvm::errs())
          << "'" << symbol << "' has " << cols << " columns, not a multiple of "
          << getFormatTraits(chosen->ggml).blockElems << " as "
          << getFormatTraits(chosen->ggml).name << " needs; simulating "
          << getFormatTraits(fallback).name << "\n";
      plan.format = TensorFormat::ggmlFormat(fallback);
    }
    if (getFormatTraits(plan.format.ggml).blockElems > 1) {
      llvm::Expected<const ImatrixEntry *> entry = importance.lookup(weight);
      if (!entry)
        return entry.takeError();
      if (*entry)
        for (int64_t c = 0; c < (*entry)->cols; ++c)
          plan.importance.push_back((*entry)->mean2(c));
    }
  }
  // Bytes in the wanted format already are copied by the exporters.
  if (plan.format == mlir::llmq::sourceFormat(weight) &&
      plan.scaledRows.empty())
    return std::nullopt;
  return plan;
}

/// Source rows [first, first + count) as f32 into `out`, scaled rows
/// multiplied as the exporters do.
static void readRows(const WeightView &source, const SimulationPlan &plan,
                     int64_t first, int64_t count, float *out) {
  int64_t cols = source.cols;
  for (int64_t r = 0; r < count; ++r) {
    float *row = out + r * cols;
    source.dequantizeRow(first + r, row);
    if (plan.scaledRows.contains(first + r))
      for (int64_t c = 0; c < cols; ++c)
        row[c] *= plan.rowScale;
  }
}

/// Rows quantized together for the int formats (any split gives the same
/// bytes: each row is its own groups).
static constexpr int64_t kIntStripRows = 16;

std::unique_ptr<SimulatedWeight>
SimulatedWeight::quantize(const WeightView &source, const SimulationPlan &plan,
                          ThreadPool &pool) {
  std::unique_ptr<SimulatedWeight> w(new SimulatedWeight());
  const TensorFormat &f = w->fmt = plan.format;
  int64_t rows = w->rows = source.rows, cols = w->cols = source.cols;

  if (f.isGgml()) {
    const FormatTraits &traits = getFormatTraits(f.ggml);
    size_t rowBytes = llmq::rowBytes(f.ggml, cols);
    w->codes.resize(rowBytes * rows);
    const float *importance =
        plan.importance.empty() ? nullptr : plan.importance.data();
    pool.parallelFor(rows, [&](int64_t begin, int64_t end) {
      std::vector<float> row(cols);
      for (int64_t r = begin; r < end; ++r) {
        readRows(source, plan, r, 1, row.data());
        traits.quantizeRow(row.data(), w->codes.data() + r * rowBytes, cols,
                           importance);
      }
    });
    return w;
  }

  // Grouped: strips of whole fp8 block rows (blocks span rows), or of a few
  // rows for integer groups; each strip's scales and zeros are rows of the
  // whole tensor's.
  int64_t stripRows = f.kind == FormatKind::FP8Block
                          ? static_cast<int64_t>(f.blockRows)
                          : kIntStripRows;
  int64_t strips = (rows + stripRows - 1) / stripRows;
  w->grouped.format = &w->fmt;
  w->grouped.rows = rows;
  w->grouped.cols = cols;
  uint64_t codeRowBytes = w->grouped.codeRowBytes();
  int64_t scaleCols = groupedScaleCols(f, cols);
  int64_t scaleRowsPerStrip = groupedScaleRows(f, stripRows);
  w->codes.resize(codeRowBytes * rows);
  w->scales.resize(groupedScaleRows(f, rows) * scaleCols);
  if (f.kind == FormatKind::Int && !f.symmetric)
    w->zeros.resize(w->scales.size());
  pool.parallelFor(strips, [&](int64_t begin, int64_t end) {
    std::vector<float> values;
    for (int64_t s = begin; s < end; ++s) {
      int64_t first = s * stripRows, count = std::min(stripRows, rows - first);
      values.resize(count * cols);
      readRows(source, plan, first, count, values.data());
      GroupedStrip q = quantizeGrouped(f, values.data(), count, cols);
      uint8_t *codes = w->codes.data() + first * codeRowBytes;
      if (f.kind == FormatKind::FP8Block) {
        std::memcpy(codes, q.codes.data(), q.codes.size());
      } else {
        for (int64_t r = 0; r < count; ++r) {
          std::vector<int32_t> words =
              packLevels(q.codes.data() + r * cols, cols, f.bits);
          std::memcpy(codes + r * codeRowBytes, words.data(), codeRowBytes);
        }
      }
      int64_t scaleOffset = s * scaleRowsPerStrip * scaleCols;
      std::copy(q.scales.begin(), q.scales.end(),
                w->scales.begin() + scaleOffset);
      std::copy(q.zeros.begin(), q.zeros.end(), w->zeros.begin() + scaleOffset);
    }
  });
  w->grouped.codes = w->codes.data();
  w->grouped.scales = w->scales.data();
  w->grouped.zeros = w->zeros.empty() ? nullptr : w->zeros.data();
  return w;
}

WeightView SimulatedWeight::view() const {
  WeightView v;
  v.data = codes.data();
  v.rows = rows;
  v.cols = cols;
  if (fmt.isGgml())
    v.format = fmt.ggml;
  else
    v.grouped = &grouped;
  return v;
}

uint64_t SimulatedWeight::bytes() const {
  return codes.size() + scales.size() * sizeof(float) + zeros.size();
}
