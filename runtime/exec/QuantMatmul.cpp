//===- QuantMatmul.cpp - Integer matmul of the --ggml-activations mode ----===//

#include "runtime/exec/QuantMatmul.h"

#include "runtime/exec/ThreadPool.h"
#include "runtime/exec/arch/QuantDot.h"

#include <algorithm>
#include <vector>

using namespace llmq;
using namespace llmq::runtime;

/// About this many bytes of repacked weights per panel, so that a panel stays
/// in the L2 cache while every token of the call goes past it.
static constexpr int64_t kPanelBytes = 320 * 1024;
/// Tokens per kernel call (a multiple of every variant's token tile), between
/// which the next panel's bytes are prefetched.
static constexpr int64_t kTokenBlock = 24;

bool llmq::runtime::quantMatmulApplies(const WeightView &w) {
  return w.ggmlActivations && !w.grouped &&
         (w.format == Format::Q4_K || w.format == Format::Q6_K ||
          w.format == Format::Q8_0);
}

namespace {
/// Every token's quantized activations, computed once per call.
struct Activations {
  std::vector<int8_t> codes;
  std::vector<float> scales;
  std::vector<int16_t> sums, sums16;
  std::vector<int32_t> correction;
  QuantActivations view;
};
} // namespace

static void quantizeActivations(Format format, const float *x, int64_t n,
                                int64_t cols, Activations &a,
                                ThreadPool &pool) {
  bool kQuant = format != Format::Q8_0;
  int64_t blocks = cols / (kQuant ? 256 : 32);
  a.codes.resize(n * cols);
  a.scales.resize(n * blocks);
  if (kQuant) {
    a.sums.resize(n * blocks * 8);
    a.sums16.resize(n * blocks * 16);
  } else {
    a.correction.resize(n * blocks);
  }
  pool.parallelFor(n, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      if (kQuant)
        quantizeQ8K(x + t * cols, cols, a.codes.data() + t * cols,
                    a.scales.data() + t * blocks,
                    a.sums.data() + t * blocks * 8,
                    a.sums16.data() + t * blocks * 16);
      else
        quantizeQ8_0(x + t * cols, cols, a.codes.data() + t * cols,
                     a.scales.data() + t * blocks,
                     a.correction.data() + t * blocks);
    }
  });
  a.view.codes = a.codes.data();
  a.view.scales = a.scales.data();
  a.view.sums = kQuant ? a.sums.data() : nullptr;
  a.view.sums16 = kQuant ? a.sums16.data() : nullptr;
  a.view.correction = kQuant ? nullptr : a.correction.data();
  a.view.cols = cols;
  a.view.blocks = blocks;
}

template <typename Block, typename Repack, typename Gemm>
static void run(const WeightView &w, const QuantActivations &x, int64_t n,
                float *out, ThreadPool &pool, Repack repack, Gemm gemm) {
  int64_t rows = w.rows, cols = w.cols;
  int64_t groupBytes = static_cast<int64_t>(sizeof(Block)) * x.blocks;
  // Rows per panel: a multiple of 32 (two groups, the AVX-512 tile).
  int64_t panel = std::clamp<int64_t>(
      kPanelBytes / std::max<int64_t>(groupBytes, 1) * kQuantGroupRows / 32 *
          32,
      32, 256);
  int64_t panels = (rows + panel - 1) / panel;
  size_t rowBytes = w.rowBytes();
  // Each thread owns whole panels; every output element is computed by one
  // kernel call in QuantDot.h's fixed order, whatever the split.
  pool.parallelFor(panels, [&](int64_t begin, int64_t end) {
    thread_local std::vector<Block> buffer;
    size_t need = panel / kQuantGroupRows * x.blocks;
    if (buffer.size() < need)
      buffer.resize(need);
    for (int64_t p = begin; p < end; ++p) {
      int64_t r0 = p * panel, count = std::min(panel, rows - r0);
      repack(w.data, rowBytes, r0, count, cols, buffer.data());
      // While this panel computes, the next one's stored bytes come from
      // memory (the repacking reads 16 rows at a time: too many streams
      // for the hardware prefetcher).
      const char *next = p + 1 < end ? reinterpret_cast<const char *>(w.data) +
                                           (r0 + panel) * rowBytes
                                     : nullptr;
      size_t nextBytes =
          next ? std::min(panel, rows - r0 - panel) * rowBytes : 0;
      int64_t blocks = (n + kTokenBlock - 1) / kTokenBlock;
      for (int64_t b = 0; b < blocks; ++b) {
        int64_t t = b * kTokenBlock;
        size_t from = nextBytes * b / blocks, to = nextBytes * (b + 1) / blocks;
        for (size_t offset = from / 64 * 64; offset < to; offset += 64)
          __builtin_prefetch(next + offset, /*rw=*/0, /*locality=*/2);
        gemm(buffer.data(), count, x, t, std::min(kTokenBlock, n - t),
             out + t * rows + r0, rows);
      }
    }
  });
}

void llmq::runtime::quantMatmul(const WeightView &w, const float *x, int64_t n,
                                float *out, ThreadPool &pool,
                                const QuantDotKernels *kernels) {
  static const QuantDotKernels &best = selectQuantDotKernels();
  const QuantDotKernels &k = kernels ? *kernels : best;
  Activations a;
  quantizeActivations(w.format, x, n, w.cols, a, pool);
  if (w.format == Format::Q4_K)
    run<Q4KGroupBlock>(w, a.view, n, out, pool, k.repackQ4K, k.q4K);
  else if (w.format == Format::Q6_K)
    run<Q6KGroupBlock>(w, a.view, n, out, pool, k.repackQ6K, k.q6K);
  else
    run<Q8_0GroupBlock>(w, a.view, n, out, pool, k.repackQ8_0, k.q8_0);
}
