//===- ErrorMeasure.cpp - A weight's quantization error per format --------===//

#include "passes/assign/ErrorMeasure.h"

#include "formats/quant/RefinedQuants.h"
#include "runtime/exec/ThreadPool.h"

using namespace mlir::llmq::assign;
using ::llmq::Format;

/// One row of `weight` in `format`, by ggml's quantizer or the refined search.
static void quantizeRowAs(const WeightRows &weight, Format format,
                          const float *x, uint8_t *out, int64_t cols,
                          const float *imp) {
  if (weight.refined && ::llmq::quant::hasRefinedSearch(format))
    return ::llmq::quant::quantizeRowRefined(format, x, out, cols, imp);
  ::llmq::getFormatTraits(format).quantizeRow(x, out, cols, imp);
}

std::vector<double>
mlir::llmq::assign::measureErrors(const WeightRows &weight,
                                  llvm::ArrayRef<Format> formats,
                                  ::llmq::runtime::ThreadPool &pool) {
  const ::llmq::runtime::WeightView &view = weight.view;
  const llvm::DenseSet<int64_t> &scaled = weight.scaled;
  float rowScale = weight.rowScale;
  size_t k = formats.size();
  int64_t rows = view.rows, cols = view.cols;
  std::vector<double> rowError(k * rows, 0.0);
  const float *imp =
      weight.importance.empty() ? nullptr : weight.importance.data();
  pool.parallelFor(rows, [&](int64_t begin, int64_t end) {
    std::vector<float> x(cols), y(cols);
    std::vector<uint8_t> packed(cols * sizeof(float) + 64);
    for (int64_t r = begin; r < end; ++r) {
      view.dequantizeRow(r, x.data());
      if (scaled.contains(r))
        for (float &v : x)
          v *= rowScale;
      for (size_t i = 0; i < k; ++i) {
        const ::llmq::FormatTraits &t = ::llmq::getFormatTraits(formats[i]);
        quantizeRowAs(weight, formats[i], x.data(), packed.data(), cols, imp);
        t.dequantizeRow(packed.data(), y.data(), cols);
        double e = 0;
        for (int64_t c = 0; c < cols; ++c) {
          double d = static_cast<double>(x[c]) - y[c];
          e += (imp ? imp[c] : 1.0) * d * d;
        }
        rowError[i * rows + r] = e;
      }
    }
  });
  std::vector<double> errors(k);
  for (size_t i = 0; i < k; ++i) {
    double sum = 0;
    for (int64_t r = 0; r < rows; ++r)
      sum += rowError[i * rows + r];
    errors[i] = sum;
  }
  return errors;
}

std::vector<uint8_t>
mlir::llmq::assign::quantizeRows(const WeightRows &weight, Format format,
                                 ::llmq::runtime::ThreadPool &pool,
                                 double &error) {
  const ::llmq::FormatTraits &t = ::llmq::getFormatTraits(format);
  const ::llmq::runtime::WeightView &view = weight.view;
  int64_t rows = view.rows, cols = view.cols;
  size_t rowBytes = ::llmq::rowBytes(format, cols);
  std::vector<uint8_t> packed(rowBytes * rows);
  std::vector<double> rowError(rows, 0.0);
  const float *imp =
      weight.importance.empty() ? nullptr : weight.importance.data();
  pool.parallelFor(rows, [&](int64_t begin, int64_t end) {
    std::vector<float> x(cols), y(cols);
    for (int64_t r = begin; r < end; ++r) {
      view.dequantizeRow(r, x.data());
      uint8_t *out = packed.data() + r * rowBytes;
      quantizeRowAs(weight, format, x.data(), out, cols, imp);
      t.dequantizeRow(out, y.data(), cols);
      double e = 0;
      for (int64_t c = 0; c < cols; ++c) {
        double d = static_cast<double>(x[c]) - y[c];
        e += (imp ? imp[c] : 1.0) * d * d;
      }
      rowError[r] = e;
    }
  });
  error = 0;
  for (double e : rowError)
    error += e;
  return packed;
}
