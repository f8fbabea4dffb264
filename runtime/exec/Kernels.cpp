//===- Kernels.cpp - CPU kernels of the reference runtime -----------------===//

#include "runtime/exec/Kernels.h"

#include "runtime/exec/ThreadPool.h"
#include "runtime/exec/arch/DotKernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace llmq;
using namespace llmq::runtime;

void WeightView::dequantizeRow(int64_t r, float *out) const {
  getFormatTraits(format).dequantizeRow(data + r * rowBytes(), out, cols);
}

std::vector<float> WeightView::toFloat() const {
  std::vector<float> values(rows * cols);
  for (int64_t r = 0; r < rows; ++r)
    dequantizeRow(r, values.data() + r * cols);
  return values;
}

/// Rows of weights dequantized together, so each activation row loaded is
/// used for several outputs.
static constexpr int64_t kRowTile = 4;

void llmq::runtime::matmul(const WeightView &w, const float *x, int64_t n,
                           float *out, ThreadPool &pool) {
  static const DotTileFn dotTile = selectDotTile();
  int64_t rows = w.rows, cols = w.cols;
  int64_t tiles = (rows + kRowTile - 1) / kRowTile;
  bool direct = w.format == Format::F32;
  pool.parallelFor(tiles, [&](int64_t begin, int64_t end) {
    std::vector<float> buffer(direct ? 0 : kRowTile * cols);
    for (int64_t t = begin; t < end; ++t) {
      int64_t r0 = t * kRowTile, tile = std::min(kRowTile, rows - r0);
      const float *rowPtr[kRowTile];
      for (int64_t k = 0; k < tile; ++k) {
        if (direct) {
          rowPtr[k] = reinterpret_cast<const float *>(w.data) + (r0 + k) * cols;
        } else {
          w.dequantizeRow(r0 + k, buffer.data() + k * cols);
          rowPtr[k] = buffer.data() + k * cols;
        }
      }
      dotTile(rowPtr, tile, x, n, cols, out + r0, rows);
    }
  });
}

void llmq::runtime::rmsNorm(float *x, int64_t n, int64_t dim,
                            const float *weight, float eps) {
  for (int64_t i = 0; i < n; ++i) {
    float *row = x + i * dim;
    double sum = 0;
    for (int64_t j = 0; j < dim; ++j)
      sum += static_cast<double>(row[j]) * row[j];
    float scale = 1.0f / std::sqrt(static_cast<float>(sum / dim) + eps);
    for (int64_t j = 0; j < dim; ++j)
      row[j] = weight[j] * (row[j] * scale);
  }
}

void llmq::runtime::siluMul(float *gate, const float *up, int64_t count) {
  for (int64_t i = 0; i < count; ++i) {
    float g = gate[i];
    gate[i] = g / (1.0f + std::exp(-g)) * up[i];
  }
}
