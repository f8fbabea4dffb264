//===- Kernels.cpp - CPU kernels of the reference runtime -----------------===//

#include "runtime/exec/Kernels.h"

#include "runtime/exec/GgmlActivations.h"
#include "runtime/exec/QuantMatmul.h"
#include "runtime/exec/ThreadPool.h"
#include "runtime/exec/arch/DotKernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace llmq;
using namespace llmq::runtime;

void WeightView::dequantizeRow(int64_t r, float *out) const {
  if (grouped)
    return grouped->dequantizeRow(r, out);
  getFormatTraits(format).dequantizeRow(data + r * rowBytes(), out, cols);
}

std::vector<float> WeightView::toFloat() const {
  std::vector<float> values(rows * cols);
  for (int64_t r = 0; r < rows; ++r)
    dequantizeRow(r, values.data() + r * cols);
  return values;
}

/// Weight rows converted to f32 together (a panel): about this many bytes of
/// f32, so that a panel stays in the L2 cache while every token of the call
/// streams past it.
static constexpr int64_t kPanelBytes = 256 * 1024;
/// Tokens of activations that pass a panel together (their rows stay in L1/L2
/// while the panel's row tiles go by).
static constexpr int64_t kTokenBlock = 24;

/// Rows per panel for `cols` columns: a multiple of 4 from 4 to 64.
static int64_t panelRows(int64_t cols) {
  int64_t rows = kPanelBytes / (4 * std::max<int64_t>(cols, 1));
  return std::clamp<int64_t>(rows / 4 * 4, 4, 64);
}

/// The stored bytes of rows [r0, r0 + count) of `w` (null for a grouped
/// format, whose rows the view assembles).
static std::pair<const char *, size_t> storedRows(const WeightView &w,
                                                  int64_t r0, int64_t count) {
  if (w.grouped || count <= 0)
    return {nullptr, 0};
  size_t bytes = w.rowBytes();
  return {reinterpret_cast<const char *>(w.data) + r0 * bytes, count * bytes};
}

/// Asks for part `part` of `parts` of [begin, begin + size) to be brought into
/// the L2 cache, so that the next panel's conversion does not wait on memory.
static void prefetchPart(std::pair<const char *, size_t> range, int64_t part,
                         int64_t parts) {
  if (!range.first)
    return;
  size_t from = range.second * part / parts,
         to = range.second * (part + 1) / parts;
  for (size_t offset = from / 64 * 64; offset < to; offset += 64)
    __builtin_prefetch(range.first + offset, /*rw=*/0, /*locality=*/2);
}

/// Rows [r0, r0 + count) of `w` as f32 into `panel` (row stride w.cols).
static void convertRows(const WeightView &w, const DotKernels &kernels,
                        int64_t r0, int64_t count, float *panel) {
  int64_t cols = w.cols;
  if (!w.grouped && (w.format == Format::F16 || w.format == Format::BF16)) {
    HalfToFloatFn convert =
        w.format == Format::F16 ? kernels.f16ToF32 : kernels.bf16ToF32;
    for (int64_t k = 0; k < count; ++k)
      convert(reinterpret_cast<const uint16_t *>(w.data) + (r0 + k) * cols,
              panel + k * cols, cols);
    return;
  }
  for (int64_t k = 0; k < count; ++k)
    w.dequantizeRow(r0 + k, panel + k * cols);
}

void llmq::runtime::matmul(const WeightView &w, const float *x, int64_t n,
                           float *out, ThreadPool &pool) {
  // ggml's integer products on quantized activations (QuantMatmul.h).
  if (quantMatmulApplies(w))
    return quantMatmul(w, x, n, out, pool);
  static const DotKernels &kernels = selectDotKernels();
  int64_t rows = w.rows, cols = w.cols;
  FloatBuffer rounded;
  if (w.ggmlActivations && !w.grouped && ggmlRoundsActivations(w.format)) {
    rounded.assign(x, x + n * cols);
    for (int64_t t = 0; t < n; ++t)
      roundActivationsLikeGgml(w.format, rounded.data() + t * cols, cols);
    x = rounded.data();
  }
  int64_t panel = panelRows(cols);
  int64_t panels = (rows + panel - 1) / panel;
  bool direct = w.format == Format::F32 && !w.grouped;
  // Each thread owns whole panels: every output element is computed by one
  // dotBlock call in DotKernels.h's fixed order, whatever the split.
  pool.parallelFor(panels, [&](int64_t begin, int64_t end) {
    thread_local FloatBuffer buffer;
    if (!direct && buffer.size() < static_cast<size_t>(panel * cols))
      buffer.resize(panel * cols);
    for (int64_t p = begin; p < end; ++p) {
      int64_t r0 = p * panel, count = std::min(panel, rows - r0);
      const float *weights =
          direct ? reinterpret_cast<const float *>(w.data) + r0 * cols
                 : buffer.data();
      if (!direct)
        convertRows(w, kernels, r0, count, buffer.data());
      // While this panel computes, the next one's bytes come from memory.
      auto next = p + 1 < end ? storedRows(w, r0 + panel,
                                           std::min(panel, rows - r0 - panel))
                              : std::pair<const char *, size_t>{nullptr, 0};
      int64_t blocks = (n + kTokenBlock - 1) / kTokenBlock;
      for (int64_t b = 0; b < blocks; ++b) {
        int64_t t = b * kTokenBlock;
        prefetchPart(next, b, blocks);
        kernels.dotBlock(weights, cols, count, x + t * cols, cols,
                         std::min(kTokenBlock, n - t), cols,
                         out + t * rows + r0, rows);
      }
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

void llmq::runtime::applyRope(float *x, int64_t n, int64_t heads, int64_t dim,
                              int64_t first, const float *invFreq,
                              bool interleaved) {
  int64_t half = dim / 2;
  for (int64_t t = 0; t < n; ++t) {
    float pos = static_cast<float>(first + t);
    for (int64_t i = 0; i < half; ++i) {
      float angle = pos * invFreq[i];
      float c = std::cos(angle), s = std::sin(angle);
      for (int64_t h = 0; h < heads; ++h) {
        float *head = x + (t * heads + h) * dim;
        float *a = interleaved ? head + 2 * i : head + i;
        float *b = interleaved ? head + 2 * i + 1 : head + i + half;
        float x1 = *a, x2 = *b;
        *a = x1 * c - x2 * s;
        *b = x2 * c + x1 * s;
      }
    }
  }
}

/// Queries of one head whose scores against the keys are computed together.
static constexpr int64_t kQueryBlock = 16;

void llmq::runtime::attention(const AttentionShape &shape, const float *q,
                              int64_t n, int64_t first, const float *keys,
                              const float *values, float *out,
                              ThreadPool &pool) {
  int64_t heads = shape.numHeads, dim = shape.headDim;
  int64_t kvDim = shape.numKVHeads * dim, group = heads / shape.numKVHeads;
  float scale = 1.0f / std::sqrt(static_cast<float>(dim));
  static const DotKernels &kernels = selectDotKernels();
  auto firstKey = [&](int64_t pos) {
    return shape.slidingWindow > 0
               ? std::max<int64_t>(0, pos - shape.slidingWindow + 1)
               : 0;
  };
  int64_t blocks = (n + kQueryBlock - 1) / kQueryBlock;
  // One job per (head, block of queries). The scores of a block come from
  // one dotBlock call over the keys any of its queries sees (matmul's
  // summation order, so a score does not depend on the block); each query
  // then uses only its own causal (and sliding-window) range.
  pool.parallelFor(heads * blocks, [&](int64_t begin, int64_t end) {
    std::vector<float> scores;
    for (int64_t job = begin; job < end; ++job) {
      int64_t h = job / blocks, t0 = job % blocks * kQueryBlock;
      int64_t count = std::min(kQueryBlock, n - t0), kvHead = h / group;
      int64_t from = firstKey(first + t0), last = first + t0 + count - 1;
      int64_t span = last + 1 - from;
      scores.resize(count * span);
      kernels.dotBlock(keys + from * kvDim + kvHead * dim, kvDim, span,
                       q + (t0 * heads + h) * dim, heads * dim, count, dim,
                       scores.data(), span);
      for (int64_t i = 0; i < count; ++i) {
        int64_t t = t0 + i, pos = first + t;
        // Keys [lo, hi] of this query, as offsets into its row of scores.
        int64_t lo = firstKey(pos) - from, hi = pos - from;
        float *row = scores.data() + i * span;
        float maxScore = -INFINITY;
        for (int64_t j = lo; j <= hi; ++j) {
          row[j] *= scale;
          maxScore = std::max(maxScore, row[j]);
        }
        float sum = 0;
        for (int64_t j = lo; j <= hi; ++j) {
          row[j] = std::exp(row[j] - maxScore);
          sum += row[j];
        }
        // P . V summed in position order.
        float *oh = out + (t * heads + h) * dim;
        std::fill(oh, oh + dim, 0.0f);
        for (int64_t j = lo; j <= hi; ++j) {
          const float *vj = values + (from + j) * kvDim + kvHead * dim;
          float p = row[j] / sum;
          for (int64_t d = 0; d < dim; ++d)
            oh[d] += p * vj[d];
        }
      }
    }
  });
}

void llmq::runtime::applyLogitMask(const LogitMask &mask, float *logits,
                                   int64_t rows, int64_t vocab) {
  for (int64_t t = 0; t < rows; ++t) {
    float *row = logits + t * vocab;
    for (int64_t id : mask.scaled)
      row[id] *= mask.scale;
    for (int64_t id : mask.biased)
      row[id] += mask.bias;
    for (int64_t id : mask.banned)
      row[id] = -INFINITY;
  }
}
