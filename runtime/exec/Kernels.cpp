//===- Kernels.cpp - CPU kernels of the reference runtime -----------------===//

#include "runtime/exec/Kernels.h"

#include "runtime/exec/GgmlActivations.h"
#include "runtime/exec/QuantMatmul.h"
#include "runtime/exec/ThreadPool.h"
#include "runtime/exec/arch/DotKernels.h"
#include "runtime/exec/arch/ExpKernels.h"

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

/// Columns of one GEMM block (BLIS's kc): a packed tile's block (32 rows x
/// 256 columns, 32 KiB) stays in L1 while the tokens stream past it.
static constexpr int64_t kColumnBlock = 256;
/// For a few tokens (generation) the panel's packed block is used once, right
/// after packing: narrower blocks keep all of it in L1.
static constexpr int64_t kFewTokens = 3, kFewTokensColumnBlock = 64;
/// Packed tiles of a panel: the rows a thread converts and computes together.
static constexpr int64_t kPanelTiles = 4;
static constexpr int64_t kPanelRows = kPanelTiles * kPackRows;

/// Asks for the stored bytes of rows [r0, r0 + count) of `w`, columns [k0,
/// k0 + width), to be brought into the L2 cache (nothing for grouped formats
/// or past the matrix). Each panel visits its rows one column block at a
/// time: more streams than the hardware prefetcher follows.
static void prefetchColumnBlock(const WeightView &w, int64_t r0, int64_t count,
                                int64_t k0, int64_t width) {
  if (w.grouped || r0 >= w.rows || k0 >= w.cols)
    return;
  count = std::min(count, w.rows - r0);
  const FormatTraits &traits = getFormatTraits(w.format);
  size_t from = k0 / traits.blockElems * traits.blockBytes;
  size_t to =
      std::min(k0 + width, w.cols) / traits.blockElems * traits.blockBytes;
  size_t stride = w.rowBytes();
  const char *base = reinterpret_cast<const char *>(w.data);
  for (int64_t r = r0; r < r0 + count; ++r)
    for (size_t offset = from / 64 * 64; offset < to; offset += 64)
      __builtin_prefetch(base + r * stride + offset, /*rw=*/0,
                         /*locality=*/2);
}

/// The variant's packer straight from `format`'s blocks, or null.
static PackFn blockPacker(const DotKernels &kernels, Format format) {
  switch (format) {
  case Format::Q8_0:
    return kernels.packQ8_0;
  case Format::Q4_K:
    return kernels.packQ4_K;
  default:
    return nullptr;
  }
}

/// Packs rows [r0, r0 + count) (count <= kPanelRows), columns [k0, k0 +
/// width) of `w` into `packed` (tile i at i * kPackRows * width). `scratch`
/// holds f32 rows for formats without a direct packer: `fullRows` says that
/// it already holds the panel's whole rows (grouped formats, or ggml blocks
/// that do not divide a column block); otherwise the column block of each
/// tile's rows is dequantized into it first.
static void packColumnBlock(const WeightView &w, const DotKernels &kernels,
                            int64_t r0, int64_t count, int64_t k0,
                            int64_t width, bool fullRows, FloatBuffer &scratch,
                            float *packed) {
  int64_t cols = w.cols;
  for (int64_t i = 0; i * kPackRows < count; ++i) {
    int64_t row = r0 + i * kPackRows;
    int64_t tileRows = std::min(kPackRows, count - i * kPackRows);
    float *tile = packed + i * kPackRows * width;
    if (!w.grouped && w.format == Format::F32) {
      kernels.packF32(reinterpret_cast<const float *>(w.data) + row * cols + k0,
                      cols, tileRows, width, tile);
    } else if (!w.grouped &&
               (w.format == Format::F16 || w.format == Format::BF16)) {
      PackFn pack =
          w.format == Format::F16 ? kernels.packF16 : kernels.packBF16;
      pack(reinterpret_cast<const uint16_t *>(w.data) + row * cols + k0, cols,
           tileRows, width, tile);
    } else if (fullRows) {
      kernels.packF32(scratch.data() + (row - r0) * cols + k0, cols, tileRows,
                      width, tile);
    } else {
      // The column block holds whole ggml blocks (else fullRows), so k0 and
      // width are multiples of the block size, as the block packers need.
      const FormatTraits &traits = getFormatTraits(w.format);
      size_t offset = k0 / traits.blockElems * traits.blockBytes;
      if (PackFn pack = blockPacker(kernels, w.format)) {
        pack(w.data + row * w.rowBytes() + offset, cols, tileRows, width, tile);
        continue;
      }
      for (int64_t r = 0; r < tileRows; ++r)
        traits.dequantizeRow(w.data + (row + r) * w.rowBytes() + offset,
                             scratch.data() + r * width, width);
      kernels.packF32(scratch.data(), width, tileRows, width, tile);
    }
  }
}

/// Rows of a ggml or grouped weight that gemv dequantizes together: whole
/// rows (the dequantizers' fast case, sequential reads the hardware
/// prefetcher follows), few enough to stay in L2 (8192 columns: 512 KiB).
static constexpr int64_t kGemvRows = 16;

/// matmul for up to kGemvTokens tokens (generation), where packing would
/// cost more than the few products it serves: f32, f16 and bf16 rows go
/// straight from the mapped tensor through the variant's GemvFn; other
/// formats are dequantized kGemvRows whole rows at a time into row-major
/// f32 first. The same chains as the packed GEMM, so the same bits.
static void gemv(const WeightView &w, const DotKernels &kernels,
                 const float *x, int64_t n, float *out, int64_t panels,
                 ThreadPool &pool) {
  int64_t rows = w.rows, cols = w.cols;
  GemvFn direct = w.grouped                  ? nullptr
                  : w.format == Format::F32  ? kernels.gemvF32
                  : w.format == Format::F16  ? kernels.gemvF16
                  : w.format == Format::BF16 ? kernels.gemvBF16
                                             : nullptr;
  pool.parallelFor(panels, [&](int64_t begin, int64_t end) {
    thread_local FloatBuffer scratch;
    size_t scratchSize = direct ? 0 : kGemvRows * cols;
    if (scratch.size() < scratchSize)
      scratch.resize(scratchSize);
    for (int64_t p = begin; p < end; ++p) {
      int64_t r0 = p * kPanelRows, count = std::min(kPanelRows, rows - r0);
      if (direct) {
        size_t elementBytes = w.format == Format::F32 ? 4 : 2;
        direct(w.data + r0 * cols * elementBytes, cols, count, cols, x, cols,
               n, out + r0, rows, /*accumulate=*/false);
        continue;
      }
      for (int64_t g = 0; g < count; g += kGemvRows) {
        int64_t group = std::min(kGemvRows, count - g);
        for (int64_t r = 0; r < group; ++r)
          w.dequantizeRow(r0 + g + r, scratch.data() + r * cols);
        kernels.gemvF32(scratch.data(), cols, group, cols, x, cols, n,
                        out + r0 + g, rows, /*accumulate=*/false);
      }
    }
  });
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
  bool direct =
      !w.grouped && (w.format == Format::F32 || w.format == Format::F16 ||
                     w.format == Format::BF16);
  int64_t blockElems = direct ? 1 : getFormatTraits(w.format).blockElems;
  int64_t block = n <= kFewTokens && kFewTokensColumnBlock % blockElems == 0
                      ? kFewTokensColumnBlock
                      : kColumnBlock;
  // ggml blocks are dequantized per column block when they divide it.
  bool fullRows = !direct && (w.grouped || block % blockElems != 0);
  if (cols == 0) {
    std::fill(out, out + n * rows, 0.0f);
    return;
  }
  int64_t panels = (rows + kPanelRows - 1) / kPanelRows;
  if (n <= kGemvTokens && kernels.gemvF32)
    return gemv(w, kernels, x, n, out, panels, pool);
  // Each thread owns whole panels, and each output element is one fma chain
  // over the columns (DotKernels.h), continued block after block through
  // `out`: the bits do not depend on the split, the blocks or the tokens.
  pool.parallelFor(panels, [&](int64_t begin, int64_t end) {
    thread_local FloatBuffer packed, scratch;
    if (packed.size() < static_cast<size_t>(kPanelRows * block))
      packed.resize(kPanelRows * block);
    size_t scratchSize = fullRows ? kPanelRows * cols
                         : direct ? 0
                                  : kPackRows * block;
    if (scratch.size() < scratchSize)
      scratch.resize(scratchSize);
    for (int64_t p = begin; p < end; ++p) {
      int64_t r0 = p * kPanelRows, count = std::min(kPanelRows, rows - r0);
      if (fullRows)
        for (int64_t r = 0; r < count; ++r)
          w.dequantizeRow(r0 + r, scratch.data() + r * cols);
      for (int64_t k0 = 0; k0 < cols; k0 += block) {
        int64_t width = std::min(block, cols - k0);
        // The next column block's bytes (or the next panel's first) come
        // from memory while this one packs and computes.
        if (!fullRows) {
          if (k0 + block < cols)
            prefetchColumnBlock(w, r0, count, k0 + block, block);
          else if (p + 1 < end)
            prefetchColumnBlock(w, r0 + kPanelRows, kPanelRows, 0, block);
        }
        packColumnBlock(w, kernels, r0, count, k0, width, fullRows, scratch,
                        packed.data());
        kernels.gemm(packed.data(), kPackRows * width, count, width, x + k0,
                     cols, n, out + r0, rows, /*accumulate=*/k0 > 0);
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
  static const ExpKernels &kernels = selectExpKernels();
  kernels.siluMul(gate, up, count);
}

void llmq::runtime::applyRope(float *x, int64_t n, int64_t heads, int64_t dim,
                              int64_t first, const float *invFreq,
                              bool interleaved, bool inverse) {
  int64_t half = dim / 2;
  for (int64_t t = 0; t < n; ++t) {
    float pos = static_cast<float>(first + t);
    for (int64_t i = 0; i < half; ++i) {
      float angle = pos * invFreq[i];
      float c = std::cos(angle), s = std::sin(angle);
      if (inverse)
        s = -s;
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
  static const ExpKernels &expKernels = selectExpKernels();
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
  int64_t half = dim / 2;
  bool pairOrder = shape.halfSplitPairs && dim % 2 == 0;
  /// `count` vectors of `dim` floats (stride `ld`) with their pairs (i, i +
  /// half) moved next to each other, into `out`.
  auto interleavePairs = [&](const float *in, int64_t ld, int64_t count,
                             FloatBuffer &out) {
    out.resize(count * dim);
    for (int64_t r = 0; r < count; ++r)
      for (int64_t i = 0; i < half; ++i) {
        out[r * dim + 2 * i] = in[r * ld + i];
        out[r * dim + 2 * i + 1] = in[r * ld + half + i];
      }
  };
  pool.parallelFor(heads * blocks, [&](int64_t begin, int64_t end) {
    std::vector<float> scores;
    FloatBuffer pairedKeys, pairedQueries;
    for (int64_t job = begin; job < end; ++job) {
      int64_t h = job / blocks, t0 = job % blocks * kQueryBlock;
      int64_t count = std::min(kQueryBlock, n - t0), kvHead = h / group;
      int64_t from = firstKey(first + t0), last = first + t0 + count - 1;
      int64_t span = last + 1 - from;
      scores.resize(count * span);
      const float *k0 = keys + from * kvDim + kvHead * dim;
      const float *q0 = q + (t0 * heads + h) * dim;
      if (pairOrder) {
        interleavePairs(k0, kvDim, span, pairedKeys);
        interleavePairs(q0, heads * dim, count, pairedQueries);
        kernels.dotBlock(pairedKeys.data(), dim, span, pairedQueries.data(),
                         dim, count, dim, scores.data(), span);
      } else {
        kernels.dotBlock(k0, kvDim, span, q0, heads * dim, count, dim,
                         scores.data(), span);
      }
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
        expKernels.expShifted(row + lo, hi + 1 - lo, maxScore);
        float sum = 0;
        for (int64_t j = lo; j <= hi; ++j)
          sum += row[j];
        for (int64_t j = lo; j <= hi; ++j)
          row[j] /= sum;
        // P . V summed in position order.
        kernels.weightedSum(row + lo, values + (from + lo) * kvDim + kvHead * dim,
                            kvDim, hi + 1 - lo, dim,
                            out + (t * heads + h) * dim);
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
