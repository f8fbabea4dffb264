//===- Gptq.cpp - GPTQ: rounding with error compensation ------------------===//

#include "formats/quant/Gptq.h"

#include "formats/Float.h"
#include "formats/Formats.h"
#include "formats/quant/GptqBlocks.h"
#include "formats/quant/GptqKernels.h"
#include "formats/quant/KQuantsImpl.h"
#include "formats/quant/LegacyQuants.h"

#include "llvm/ADT/ArrayRef.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

using namespace llmq;
using namespace llmq::gptq;

void llmq::gptq::serialFor(int64_t n,
                           const std::function<void(int64_t, int64_t)> &fn) {
  if (n > 0)
    fn(0, n);
}

std::string llmq::gptq::unsupportedReason(const TensorFormat &format) {
  if (format.kind == FormatKind::Int)
    return format.invalidReason();
  if (format.kind == FormatKind::FP8Block)
    return "GPTQ quantizes int4/int8 groups and ggml's q4_0, q5_0, q5_1, "
           "q8_0 and "
           "q2_K..q6_K, not fp8 blocks";
  switch (format.ggml) {
  case Format::Q4_0:
  case Format::Q5_0:
  case Format::Q5_1:
  case Format::Q8_0:
  case Format::Q2_K:
  case Format::Q3_K:
  case Format::Q4_K:
  case Format::Q5_K:
  case Format::Q6_K:
    return "";
  default:
    return "GPTQ quantizes int4/int8 groups and ggml's q4_0, q5_0, q5_1, "
           "q8_0 and "
           "q2_K..q6_K, not " +
           format.name();
  }
}

//===----------------------------------------------------------------------===//
// Hessians
//===----------------------------------------------------------------------===//

/// Runs fn over the rows [begin, end) of a lower triangle in pairs (i, the
/// mirror row) so that every piece of work costs about the same.
static void balancedRows(int64_t begin, int64_t end, const ParallelFor &pf,
                         const std::function<void(int64_t)> &fn) {
  int64_t n = end - begin, pairs = (n + 1) / 2;
  pf(pairs, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      fn(begin + p);
      if (n - 1 - p != p)
        fn(end - 1 - p);
    }
  });
}

HessianAccumulator::HessianAccumulator(int64_t cols)
    : n(cols), sums(size_t(cols) * size_t(cols), 0.0) {}

void HessianAccumulator::add(const float *x, int64_t count,
                             const ParallelFor &parallelFor) {
  // Blocks of rows, in pairs (b, the mirror block) so that each piece of
  // work costs about the same; the sums' order is fixed by `count` alone,
  // never by the threads (GptqKernels.h).
  int64_t blocks = (n + kernels::kBlockRows - 1) / kernels::kBlockRows;
  balancedRows(0, blocks, parallelFor, [&](int64_t b) {
    int64_t i0 = b * kernels::kBlockRows;
    kernels::accumulateHessianRows(sums.data(), x, n, count, i0,
                                   std::min(n, i0 + kernels::kBlockRows));
  });
  samples += count;
}

std::vector<double> HessianAccumulator::matrix() const {
  std::vector<double> h(sums);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < i; ++k)
      h[i * n + k] = h[k * n + i];
  return h;
}

std::vector<float> HessianAccumulator::meanSquares() const {
  std::vector<float> m(n);
  for (int64_t i = 0; i < n; ++i)
    m[i] = samples ? float(sums[i * n + i] / double(samples)) : 0.0f;
  return m;
}

//===----------------------------------------------------------------------===//
// The inverse Hessian's Cholesky factor
//===----------------------------------------------------------------------===//

/// Columns per panel of the blocked factorization and inverse: a panel of
/// a 8192-column matrix (8192 x 64 doubles, 4 MiB) stays in cache while it
/// updates everything right of it.
static constexpr int64_t kPanel = 64;

/// Lower Cholesky factor of the n x n matrix `a` in place (its lower
/// triangle; the upper is cleared). False if not positive definite.
/// Right-looking, in panels of kPanel columns: the panel is factored, then
/// every entry right of it and below the diagonal loses the panel's
/// contribution (a dot product of two rows' panel parts), rows in
/// parallel. Every entry receives its updates panel by panel in the same
/// order at any thread count.
static bool choleskyLower(std::vector<double> &a, int64_t n,
                          const ParallelFor &parallelFor) {
  for (int64_t k0 = 0; k0 < n; k0 += kPanel) {
    int64_t k1 = std::min(n, k0 + kPanel);
    // The diagonal block, then the panel's rows below it.
    for (int64_t j = k0; j < k1; ++j) {
      double *rj = a.data() + j * n;
      double d = rj[j] - kernels::dot4(rj + k0, rj + k0, j - k0);
      if (!(d > 0) || !std::isfinite(d))
        return false;
      double ljj = std::sqrt(d);
      rj[j] = ljj;
      for (int64_t i = j + 1; i < k1; ++i) {
        double *ri = a.data() + i * n;
        ri[j] = (ri[j] - kernels::dot4(ri + k0, rj + k0, j - k0)) / ljj;
      }
    }
    parallelFor(n - k1, [&](int64_t begin, int64_t end) {
      for (int64_t i = k1 + begin; i < k1 + end; ++i) {
        double *ri = a.data() + i * n;
        for (int64_t j = k0; j < k1; ++j) {
          const double *rj = a.data() + j * n;
          ri[j] = (ri[j] - kernels::dot4(ri + k0, rj + k0, j - k0)) / rj[j];
        }
      }
    });
    // The trailing update of the lower triangle, from a contiguous copy of
    // the panel, kRowBlock rows at a time so that each panel row read
    // serves several dot products.
    int64_t width = k1 - k0;
    std::vector<double> panel(size_t(n - k1) * size_t(width));
    for (int64_t i = k1; i < n; ++i)
      std::copy(a.begin() + i * n + k0, a.begin() + i * n + k1,
                panel.begin() + (i - k1) * width);
    constexpr int64_t kRowBlock = kernels::kBlockRows;
    int64_t blocks = (n - k1 + kRowBlock - 1) / kRowBlock;
    balancedRows(0, blocks, parallelFor, [&](int64_t blk) {
      int64_t i0 = k1 + blk * kRowBlock, i1 = std::min(n, i0 + kRowBlock);
      const double *p = panel.data();
      // Every entry gets one update per panel, so the order over entries
      // is free: whole rows left of the block in the tiled kernel, the
      // rest (a short last block, the block's own triangle) one by one.
      int64_t j = k1;
      if (i1 - i0 == kRowBlock) {
        kernels::choleskyUpdateBlock(a.data(), n, p, width, k1, i0, k1, i0);
        j = i0;
      }
      for (; j < i1; ++j) {
        const double *pj = p + (j - k1) * width;
        for (int64_t i = std::max(i0, j); i < i1; ++i)
          a[i * n + j] -= kernels::dot4(p + (i - k1) * width, pj, width);
      }
    });
  }
  for (int64_t i = 0; i < n; ++i)
    std::fill(a.begin() + i * n + i + 1, a.begin() + (i + 1) * n, 0.0);
  return true;
}

/// U (upper, positive diagonal) with U^T U = (a + diagonalAdd I)^-1, or
/// empty if that is not
/// positive definite. With J the reversal, J a J = L L^T gives a = R R^T
/// for the upper R = J L J, so a^-1 = (R^-1)^T R^-1 and U = R^-1.
static std::vector<float> upperCholeskyOfInverse(const std::vector<double> &a,
                                                 int64_t n, double diagonalAdd,
                                                 const ParallelFor &pf) {
  // J (a + diagonalAdd I) J, read straight from `a`, which stays intact
  // for another attempt with more damping (no copy of an n x n matrix).
  std::vector<double> b(size_t(n) * size_t(n));
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j)
      b[i * n + j] = a[(n - 1 - i) * n + (n - 1 - j)];
    b[i * n + i] += diagonalAdd;
  }
  if (!choleskyLower(b, n, pf))
    return {};
  // inv(L) by panels of kPanel columns, each panel on its own (the columns
  // of an inverse are independent): row i of the panel is
  // -(sum over k < i of L_ik X_k) / L_ii, an update of the panel's width
  // that reads contiguous memory. Written straight into U = J inv(L)^T J.
  std::vector<float> u(size_t(n) * size_t(n), 0.0f);
  int64_t panels = (n + kPanel - 1) / kPanel;
  pf(panels, [&](int64_t begin, int64_t end) {
    std::vector<double> x;
    for (int64_t p = begin; p < end; ++p) {
      int64_t c0 = p * kPanel, width = std::min(kPanel, n - c0);
      x.assign(size_t(n - c0) * kPanel, 0.0);
      // Rows in blocks of kRows: the sums over rows before the block are
      // shared (each panel row read once for kRows rows), then the block's
      // own triangle in row order. Each entry's sum runs over k in order.
      constexpr int64_t kRows = kernels::kBlockRows;
      static_assert(kPanel == kernels::kInversePanel, "one panel width");
      double acc[kRows][kPanel];
      for (int64_t i0 = c0; i0 < n; i0 += kRows) {
        int64_t i1 = std::min(n, i0 + kRows);
        for (int64_t r = 0; r < i1 - i0; ++r)
          std::fill(acc[r], acc[r] + kPanel, 0.0);
        kernels::inverseAccumulate(acc, i1 - i0, b.data() + i0 * n, n,
                                   x.data(), c0, i0);
        for (int64_t i = i0; i < i1; ++i) {
          const double *li = b.data() + i * n;
          double *a = acc[i - i0];
          for (int64_t k = i0; k < i; ++k) {
            double l = li[k];
            const double *xk = x.data() + (k - c0) * kPanel;
            for (int64_t c = 0; c < kPanel; ++c)
              a[c] += l * xk[c];
          }
          double *xi = x.data() + (i - c0) * kPanel;
          double lii = li[i];
          for (int64_t c = 0; c < width; ++c)
            xi[c] = c0 + c == i ? 1.0 / lii : c0 + c > i ? 0.0 : -a[c] / lii;
          // U[n-1-i][n-1-j] = X[i][j].
          for (int64_t c = 0; c < width && c0 + c <= i; ++c)
            u[(n - 1 - i) * n + (n - 1 - (c0 + c))] = float(xi[c]);
        }
      }
    }
  });
  return u;
}

llvm::Expected<Factor> llmq::gptq::factorHessian(std::vector<double> h,
                                                 int64_t cols,
                                                 const Options &options,
                                                 const ParallelFor &pf) {
  Factor f;
  f.cols = cols;
  f.dead.assign(cols, 0);
  for (int64_t i = 0; i < cols; ++i)
    if (h[i * cols + i] == 0) {
      f.dead[i] = 1;
      h[i * cols + i] = 1;
    }
  f.order.resize(cols);
  std::iota(f.order.begin(), f.order.end(), 0);
  if (options.actOrder)
    std::sort(f.order.begin(), f.order.end(), [&](int64_t x, int64_t y) {
      double hx = h[x * cols + x], hy = h[y * cols + y];
      return hx != hy ? hx > hy : x < y; // ties in column order
    });
  // H in the sweep's column order (H itself without act-order: an n x n
  // copy less, 512 MiB at 8192 columns).
  std::vector<double> p;
  if (options.actOrder) {
    p.resize(size_t(cols) * size_t(cols));
    for (int64_t i = 0; i < cols; ++i)
      for (int64_t j = 0; j < cols; ++j)
        p[i * cols + j] = h[f.order[i] * cols + f.order[j]];
    h.clear();
    h.shrink_to_fit();
  } else {
    p = std::move(h);
  }
  double meanDiag = 0;
  for (int64_t i = 0; i < cols; ++i)
    meanDiag += p[i * cols + i];
  meanDiag /= double(cols);
  double damp = options.damp;
  for (int attempt = 0; attempt < 4; ++attempt, damp *= 10) {
    f.upper = upperCholeskyOfInverse(p, cols, damp * meanDiag, pf);
    if (!f.upper.empty()) {
      f.damp = damp;
      if (options.refine > 0) {
        // The damped H the sweep minimised, back in column order.
        std::vector<int64_t> position(cols);
        for (int64_t j = 0; j < cols; ++j)
          position[f.order[j]] = j;
        f.hessian.resize(size_t(cols) * size_t(cols));
        for (int64_t i = 0; i < cols; ++i)
          for (int64_t j = 0; j < cols; ++j)
            f.hessian[i * cols + j] =
                float(p[position[i] * cols + position[j]] +
                      (i == j ? damp * meanDiag : 0.0));
      }
      return f;
    }
  }
  return llvm::createStringError(
      llvm::inconvertibleErrorCode(),
      "the Hessian (%lld columns) is not positive definite even with "
      "damp=%g",
      static_cast<long long>(cols), damp / 10);
}

//===----------------------------------------------------------------------===//
// Grids: the levels a group's scales allow
//===----------------------------------------------------------------------===//

namespace {
/// Per column of a row: value(q) = a * (q - z) - m for a level q in
/// [lo, hi], computed as the format's dequantizer computes it (ggml
/// formats: z = 0 and q signed where the format is; int groups: q is the
/// stored level and z the group's zero level).
struct RowGrid {
  std::vector<float> a, m;
  std::vector<int> q, z;
  int lo = 0, hi = 0;
  bool hasMin = false;

  float value(int64_t c, int level) const {
    float s = a[c] * float(level - z[c]);
    return hasMin ? s - m[c] : s;
  }
  /// The level nearest to `x` in column c; the searched one where the
  /// scale is 0.
  int nearest(int64_t c, float x) const {
    float s = a[c];
    if (s == 0 || !std::isfinite(s))
      return q[c];
    float t = (hasMin ? x + m[c] : x) / s;
    if (!std::isfinite(t))
      return q[c];
    t = std::nearbyint(t) + float(z[c]);
    return int(std::clamp(t, float(lo), float(hi)));
  }
};

using quant::kq::BlockQ2_K;
using quant::kq::BlockQ3_K;
using quant::kq::BlockQ4_K;
using quant::kq::BlockQ5_K;
using quant::kq::BlockQ6_K;
using quant::BlockQ4_0;
using quant::BlockQ5_0;

/// q8_0's block (ggml's block_q8_0).
struct BlockQ8_0 {
  uint16_t d;
  int8_t qs[32];
};
static_assert(sizeof(BlockQ8_0) == 34, "q8_0 block must match ggml's");

template <typename Block> Block load(const uint8_t *p) {
  Block b;
  std::memcpy(&b, p, sizeof b);
  return b;
}
template <typename Block> void store(const Block &b, uint8_t *p) {
  std::memcpy(p, &b, sizeof b);
}

void levelRange(Format f, RowGrid &g) {
  switch (f) {
  case Format::Q4_0: g.lo = -8, g.hi = 7; break;
  case Format::Q5_0: g.lo = -16, g.hi = 15; break;
  case Format::Q4_1: g.lo = 0, g.hi = 15, g.hasMin = true; break;
  case Format::Q5_1: g.lo = 0, g.hi = 31, g.hasMin = true; break;
  case Format::Q8_0: g.lo = -127, g.hi = 127; break;
  case Format::Q2_K: g.lo = 0, g.hi = 3, g.hasMin = true; break;
  case Format::Q3_K: g.lo = -4, g.hi = 3; break;
  case Format::Q4_K: g.lo = 0, g.hi = 15, g.hasMin = true; break;
  case Format::Q5_K: g.lo = 0, g.hi = 31, g.hasMin = true; break;
  case Format::Q6_K: g.lo = -32, g.hi = 31; break;
  default: break;
  }
}

/// Reads block `p` of format `f` (columns c0..) into the grid: scales and
/// the levels ggml's search chose.
void decodeBlock(Format f, const uint8_t *p, int64_t c0, RowGrid &g) {
  float *a = g.a.data() + c0, *m = g.m.data() + c0;
  int *q = g.q.data() + c0;
  switch (f) {
  case Format::Q4_0: {
    auto b = load<BlockQ4_0>(p);
    float d = fp16ToFp32(b.d);
    for (int j = 0; j < 16; ++j) {
      q[j] = (b.qs[j] & 0xF) - 8;
      q[j + 16] = (b.qs[j] >> 4) - 8;
    }
    std::fill(a, a + 32, d);
    return;
  }
  case Format::Q5_0: {
    auto b = load<BlockQ5_0>(p);
    float d = fp16ToFp32(b.d);
    uint32_t qh;
    std::memcpy(&qh, b.qh, 4); // little-endian, as ggml stores it
    for (int j = 0; j < 16; ++j) {
      q[j] = ((b.qs[j] & 0xF) | ((qh >> j) & 1) << 4) - 16;
      q[j + 16] = ((b.qs[j] >> 4) | ((qh >> (j + 16)) & 1) << 4) - 16;
    }
    std::fill(a, a + 32, d);
    return;
  }
  case Format::Q8_0: {
    auto b = load<BlockQ8_0>(p);
    float d = fp16ToFp32(b.d);
    for (int j = 0; j < 32; ++j)
      q[j] = b.qs[j];
    std::fill(a, a + 32, d);
    return;
  }
  case Format::Q2_K: {
    auto b = load<BlockQ2_K>(p);
    float d = fp16ToFp32(b.d), dmin = fp16ToFp32(b.dmin);
    for (int j = 0; j < 256; ++j) {
      int r = j % 128, byte = 32 * (j / 128) + r % 32, shift = 2 * (r / 32);
      uint8_t sc = b.scales[j / 16];
      q[j] = (b.qs[byte] >> shift) & 3;
      a[j] = d * float(sc & 0xF);
      m[j] = dmin * float(sc >> 4);
    }
    return;
  }
  case Format::Q3_K: {
    auto b = load<BlockQ3_K>(p);
    float d = fp16ToFp32(b.d);
    int scales[16];
    for (int j = 0; j < 16; ++j) {
      int low = j < 8 ? b.scales[j] & 0xF : b.scales[j - 8] >> 4;
      int high = (b.scales[8 + j % 4] >> (2 * (j / 4))) & 3;
      scales[j] = (low | (high << 4)) - 32;
    }
    for (int j = 0; j < 256; ++j) {
      int r = j % 128, byte = 32 * (j / 128) + r % 32, shift = 2 * (r / 32);
      bool high = b.hmask[j % 32] & (1 << (j / 32));
      q[j] = ((b.qs[byte] >> shift) & 3) - (high ? 0 : 4);
      a[j] = d * float(scales[j / 16]);
    }
    return;
  }
  case Format::Q4_K:
  case Format::Q5_K: {
    bool five = f == Format::Q5_K;
    uint16_t dBits, minBits;
    const uint8_t *scales, *qs, *qh = nullptr;
    BlockQ4_K b4;
    BlockQ5_K b5;
    if (five) {
      b5 = load<BlockQ5_K>(p);
      dBits = b5.d, minBits = b5.dmin, scales = b5.scales, qs = b5.qs,
      qh = b5.qh;
    } else {
      b4 = load<BlockQ4_K>(p);
      dBits = b4.d, minBits = b4.dmin, scales = b4.scales, qs = b4.qs;
    }
    float d = fp16ToFp32(dBits), dmin = fp16ToFp32(minBits);
    for (int j = 0; j < 256; ++j) {
      int sub = j / 32, byte = 32 * (j / 64) + j % 32;
      int sc, mn;
      quant::unpackScaleMinK4(sub, scales, sc, mn);
      int level = (sub % 2 ? qs[byte] >> 4 : qs[byte] & 0xF);
      if (five && (qh[j % 32] & (1 << sub)))
        level += 16;
      q[j] = level;
      a[j] = d * float(sc);
      m[j] = dmin * float(mn);
    }
    return;
  }
  case Format::Q6_K: {
    auto b = load<BlockQ6_K>(p);
    float d = fp16ToFp32(b.d);
    for (int j = 0; j < 256; ++j) {
      int h = j / 128, r = j % 128, qd = r / 32, l = r % 32;
      int byte = 64 * h + l + 32 * (qd & 1);
      int low = qd >> 1 ? b.ql[byte] >> 4 : b.ql[byte] & 0xF;
      int high = (b.qh[32 * h + l] >> (2 * qd)) & 3;
      q[j] = (low | high << 4) - 32;
      a[j] = d * float(b.scales[8 * h + l / 16 + 2 * qd]);
    }
    return;
  }
  default:
    if (isMinBlock(f))
      decodeMinBlock(f, p, a, m, q);
    return;
  }
}

/// Writes the grid's levels for columns c0.. into block `p`, keeping its
/// scales.
void encodeBlock(Format f, const RowGrid &g, int64_t c0, uint8_t *p) {
  const int *q = g.q.data() + c0;
  switch (f) {
  case Format::Q4_0: {
    auto b = load<BlockQ4_0>(p);
    for (int j = 0; j < 16; ++j)
      b.qs[j] = uint8_t((q[j] + 8) | (q[j + 16] + 8) << 4);
    return store(b, p);
  }
  case Format::Q5_0: {
    auto b = load<BlockQ5_0>(p);
    uint32_t qh = 0;
    for (int j = 0; j < 16; ++j) {
      int l0 = q[j] + 16, l1 = q[j + 16] + 16;
      b.qs[j] = uint8_t((l0 & 0xF) | (l1 & 0xF) << 4);
      qh |= uint32_t(l0 >> 4) << j | uint32_t(l1 >> 4) << (j + 16);
    }
    for (int i = 0; i < 4; ++i)
      b.qh[i] = uint8_t(qh >> (8 * i));
    return store(b, p);
  }
  case Format::Q8_0: {
    auto b = load<BlockQ8_0>(p);
    for (int j = 0; j < 32; ++j)
      b.qs[j] = int8_t(q[j]);
    return store(b, p);
  }
  case Format::Q2_K:
  case Format::Q3_K: {
    bool three = f == Format::Q3_K;
    uint8_t qs[64] = {}, hmask[32] = {};
    for (int j = 0; j < 256; ++j) {
      int level = three ? q[j] + 4 : q[j];
      int r = j % 128, byte = 32 * (j / 128) + r % 32, shift = 2 * (r / 32);
      qs[byte] |= uint8_t((level & 3) << shift);
      if (three && level > 3)
        hmask[j % 32] |= uint8_t(1 << (j / 32));
    }
    if (three) {
      auto b = load<BlockQ3_K>(p);
      std::memcpy(b.qs, qs, 64);
      std::memcpy(b.hmask, hmask, 32);
      return store(b, p);
    }
    auto b = load<BlockQ2_K>(p);
    std::memcpy(b.qs, qs, 64);
    return store(b, p);
  }
  case Format::Q4_K:
  case Format::Q5_K: {
    uint8_t qs[128] = {}, qh[32] = {};
    for (int j = 0; j < 256; ++j) {
      int sub = j / 32, byte = 32 * (j / 64) + j % 32;
      qs[byte] |= uint8_t((q[j] & 0xF) << (sub % 2 ? 4 : 0));
      if (q[j] > 15)
        qh[j % 32] |= uint8_t(1 << sub);
    }
    if (f == Format::Q5_K) {
      auto b = load<BlockQ5_K>(p);
      std::memcpy(b.qs, qs, 128);
      std::memcpy(b.qh, qh, 32);
      return store(b, p);
    }
    auto b = load<BlockQ4_K>(p);
    std::memcpy(b.qs, qs, 128);
    return store(b, p);
  }
  case Format::Q6_K: {
    auto b = load<BlockQ6_K>(p);
    std::memset(b.ql, 0, sizeof b.ql);
    std::memset(b.qh, 0, sizeof b.qh);
    for (int j = 0; j < 256; ++j) {
      int level = q[j] + 32;
      int h = j / 128, r = j % 128, qd = r / 32, l = r % 32;
      int byte = 64 * h + l + 32 * (qd & 1);
      b.ql[byte] |= uint8_t((level & 0xF) << (qd >> 1 ? 4 : 0));
      b.qh[32 * h + l] |= uint8_t((level >> 4) << (2 * qd));
    }
    return store(b, p);
  }
  default:
    if (isMinBlock(f))
      encodeMinBlock(f, q, p);
    return;
  }
}

/// Quantizes one strip of rows: the sweep for rows [r0, r0 + n).
class StripQuantizer {
public:
  StripQuantizer(const TensorFormat &format, const Factor &factor,
                 const float *importance, const Options &options)
      : format(format), factor(factor), importance(importance),
        cols(factor.cols) {
    if (format.isGgml()) {
      const FormatTraits &t = getFormatTraits(format.ggml);
      groupCols = t.blockElems;
      blockBytes = t.blockBytes;
    } else {
      groupCols = format.group ? format.group : cols;
    }
    staticGroups = options.actOrder;
    refinements = options.refinements;
    // Sweep-aware scales (GptqBlocks.h): ggml formats, columns in order.
    if (format.isGgml() && !staticGroups && options.scaleSearch > 0) {
      scaleSearch = options.scaleSearch;
      scaleSpan = gptq::scaleCols(format.ggml);
    }
    // Coordinate descent after the sweep (refineRow): ggml formats.
    if (format.isGgml() && !factor.hessian.empty())
      refinePasses = std::max(options.refine, 0);
    groupScales = options.groupScales;
    scaleGrid = std::max(options.scaleGrid, 1);
    maxShrink = options.maxShrink;
    // Lazy batches hold whole groups, so a group's scales are chosen from
    // columns that have received every earlier update. (The result does
    // not depend on the width: each weight is updated in column order.)
    batch = std::max<int64_t>(options.block, 1);
    batch = (batch + groupCols - 1) / groupCols * groupCols;
  }

  void run(const float *weights, int64_t r0, int64_t n, Quantized &out) {
    std::vector<float> w(size_t(n) * cols), err(size_t(n) * batch);
    std::vector<RowGrid> grids(n);
    std::vector<std::vector<uint8_t>> rowBlocks(n);
    std::vector<float> original(cols);
    for (int64_t r = 0; r < n; ++r) {
      RowGrid &g = grids[r];
      g.a.assign(cols, 0);
      g.m.assign(cols, 0);
      g.q.assign(cols, 0);
      g.z.assign(cols, 0);
      if (format.isGgml()) {
        levelRange(format.ggml, g);
        rowBlocks[r].resize(cols / groupCols * blockBytes);
      } else {
        g.lo = 0;
        g.hi = (1 << format.bits) - 1;
      }
      const float *src = weights + (r0 + r) * cols;
      for (int64_t c = 0; c < cols; ++c)
        original[c] = factor.dead[c] ? 0.0f : src[c];
      for (int64_t j = 0; j < cols; ++j)
        w[r * cols + j] = original[factor.order[j]];
      if (staticGroups)
        for (int64_t c0 = 0; c0 < cols; c0 += groupCols)
          chooseGroup(original.data() + c0, c0, g, rowBlocks[r], nullptr);
    }

    const float *u = factor.upper.data();
    std::vector<float> trial(groupCols);
    for (int64_t b0 = 0; b0 < cols; b0 += batch) {
      int64_t b1 = std::min(cols, b0 + batch);
      for (int64_t j = b0; j < b1; ++j) {
        int64_t c = factor.order[j];
        const float *uj = u + j * cols;
        float ujj = uj[j];
        for (int64_t r = 0; r < n; ++r) {
          float *wr = w.data() + r * cols;
          RowGrid &g = grids[r];
          if (!staticGroups && c % groupCols == 0) {
            chooseGroup(wr + j, c, g, rowBlocks[r], u + j * cols + j);
            for (int pass = 0; pass < refinements; ++pass) {
              compensatedGroup(wr + j, j, g, u, trial);
              chooseGroup(trial.data(), c, g, rowBlocks[r], nullptr);
            }
          }
          if (scaleSearch && c % scaleSpan == 0)
            searchScale(format.ggml,
                        rowBlocks[r].data() + c / groupCols * blockBytes,
                        int(c % groupCols / scaleSpan),
                        {wr + j, uj + j, cols, g.lo, g.hi, g.hasMin},
                        scaleSearch, g.a.data() + c, g.m.data() + c);
          float x = wr[j];
          int level = g.nearest(c, x);
          g.q[c] = level;
          float v = g.value(c, level);
          out.values[(r0 + r) * cols + c] = v;
          float e = (x - v) / ujj;
          err[r * batch + (j - b0)] = e;
          kernels::subtractScaled(wr + j + 1, uj + j + 1, e, b1 - j - 1);
        }
      }
      // The rest of each row, once per batch, each weight receiving the
      // batch's columns in order. Chunks of columns, then U's rows, then
      // the strip's rows: a chunk of U's row is read once for all rows.
      constexpr int64_t kChunk = 2048;
      for (int64_t c0 = b1; c0 < cols; c0 += kChunk) {
        int64_t len = std::min(kChunk, cols - c0);
        for (int64_t j = b0; j < b1; ++j) {
          const float *uj = u + j * cols + c0;
          for (int64_t r = 0; r < n; ++r)
            kernels::subtractScaled(w.data() + r * cols + c0, uj,
                                    err[r * batch + (j - b0)], len);
        }
      }
    }

    if (refinePasses > 0)
      for (int64_t r = 0; r < n; ++r)
        refineRow(weights + (r0 + r) * cols, grids[r], rowBlocks[r].data(),
                  out.values.data() + (r0 + r) * cols);

    for (int64_t r = 0; r < n; ++r) {
      const RowGrid &g = grids[r];
      if (format.isGgml()) {
        for (int64_t c0 = 0; c0 < cols; c0 += groupCols)
          encodeBlock(format.ggml, g, c0,
                      rowBlocks[r].data() + c0 / groupCols * blockBytes);
        std::memcpy(out.bytes.data() + (r0 + r) * rowBlocks[r].size(),
                    rowBlocks[r].data(), rowBlocks[r].size());
        continue;
      }
      int64_t groups = cols / groupCols;
      for (int64_t c = 0; c < cols; ++c)
        out.grouped.codes[(r0 + r) * cols + c] = uint8_t(g.q[c]);
      for (int64_t gi = 0; gi < groups; ++gi) {
        out.grouped.scales[(r0 + r) * groups + gi] = g.a[gi * groupCols];
        if (!format.symmetric)
          out.grouped.zeros[(r0 + r) * groups + gi] =
              uint8_t(g.z[gi * groupCols]);
      }
    }
  }

private:
  /// Coordinate descent on GPTQ's objective for one row, after the sweep:
  /// L = (w - v)^T H (w - v), w the original row, v its quantized values,
  /// H damped (Factor::hessian). With e = v - w and g = H e, moving the
  /// values by a vector d changes L by 2 d.g + d^T H d. Each pass tries,
  /// column by column, the levels one above and one below (the better
  /// one kept if it lowers L), then, scale by scale, the block or
  /// sub-block scale (and min) one step each way with the levels kept
  /// (GptqBlocks.h's neighbourScales). The blocks stay ordinary ggml
  /// blocks whose dequantization is `values`. The row is visited in a
  /// fixed order, so the result depends on nothing but the row and H.
  void refineRow(const float *src, RowGrid &g, uint8_t *blocks,
                 float *values) {
    const float *h = factor.hessian.data();
    std::vector<double> &e = refineError, &grad = refineGradient;
    e.resize(cols);
    grad.assign(cols, 0.0);
    for (int64_t c = 0; c < cols; ++c)
      e[c] = double(values[c]) - double(factor.dead[c] ? 0.0f : src[c]);
    for (int64_t c = 0; c < cols; ++c) {
      const float *hc = h + c * cols;
      double s = 0;
      for (int64_t k = 0; k < cols; ++k)
        s += double(hc[k]) * e[k];
      grad[c] = s;
    }
    auto move = [&](int64_t c, float v) {
      double d = double(v) - double(values[c]);
      values[c] = v;
      e[c] += d;
      const float *hc = h + c * cols;
      for (int64_t k = 0; k < cols; ++k)
        grad[k] += d * double(hc[k]);
    };
    Format f = format.ggml;
    int64_t span = gptq::scaleCols(f);
    std::vector<double> trial(span);
    for (int pass = 0; pass < refinePasses; ++pass) {
      bool changed = false;
      for (int64_t c = 0; c < cols; ++c) {
        int cur = g.q[c], bestLevel = cur;
        double hcc = h[c * cols + c], best = 0;
        for (int step : {-1, 1}) {
          int level = cur + step;
          if (level < g.lo || level > g.hi)
            continue;
          double d = double(g.value(c, level)) - double(values[c]);
          double delta = d * (2 * grad[c] + d * hcc);
          if (delta < best)
            best = delta, bestLevel = level;
        }
        if (bestLevel != cur) {
          g.q[c] = bestLevel;
          move(c, g.value(c, bestLevel));
          changed = true;
        }
      }
      for (int64_t c0 = 0; c0 < cols; c0 += span) {
        uint8_t *block = blocks + c0 / groupCols * blockBytes;
        int sub = int(c0 % groupCols / span);
        ScaleChoice choices[kMaxNeighbours];
        int count = neighbourScales(f, block, sub, choices);
        int bestChoice = -1;
        double best = 0;
        for (int i = 0; i < count; ++i) {
          double delta = 0;
          for (int64_t k = 0; k < span; ++k) {
            float v = choices[i].a * float(g.q[c0 + k]);
            if (g.hasMin)
              v -= choices[i].m;
            trial[k] = double(v) - double(values[c0 + k]);
          }
          for (int64_t k = 0; k < span; ++k) {
            const float *hk = h + (c0 + k) * cols + c0;
            double s = 0;
            for (int64_t l = 0; l < span; ++l)
              s += double(hk[l]) * trial[l];
            delta += trial[k] * (2 * grad[c0 + k] + s);
          }
          if (delta < best)
            best = delta, bestChoice = i;
        }
        if (bestChoice < 0)
          continue;
        const ScaleChoice &choice = choices[bestChoice];
        storeScale(f, block, sub, choice);
        for (int64_t k = 0; k < span; ++k) {
          g.a[c0 + k] = choice.a;
          g.m[c0 + k] = choice.m;
          move(c0 + k, g.value(c0 + k, g.q[c0 + k]));
        }
        changed = true;
      }
      if (!changed)
        break;
    }
  }

  /// The values the group starting at sweep position j would be rounded
  /// from with the current grid: a trial sweep over the group alone (later
  /// groups do not change them), for choosing the grid again from them.
  void compensatedGroup(const float *w, int64_t j, const RowGrid &g,
                        const float *u, std::vector<float> &out) const {
    std::vector<float> &x = out;
    x.assign(w, w + groupCols);
    for (int64_t k = 0; k < groupCols; ++k) {
      int64_t c = factor.order[j + k];
      float v = g.value(c, g.nearest(c, x[k]));
      const float *uj = u + (j + k) * cols;
      float e = (x[k] - v) / uj[j + k];
      for (int64_t m = k + 1; m < groupCols; ++m)
        x[m] -= e * uj[j + m];
    }
  }

  /// Chooses the scales of the group at column c0 of row r from `values`
  /// (its groupCols current weights, in column order). `u` is U's diagonal
  /// entry of the group's first column (rows of `cols` floats), or null
  /// where the group is not swept next (static groups, refinements).
  void chooseGroup(const float *values, int64_t c0, RowGrid &g,
                   std::vector<uint8_t> &blocks, const float *u) {
    if (format.isGgml()) {
      uint8_t *block = blocks.data() + c0 / groupCols * blockBytes;
      getFormatTraits(format.ggml)
          .quantizeRow(values, block, groupCols,
                       importance ? importance + c0 : nullptr);
      decodeBlock(format.ggml, block, c0, g);
      return;
    }
    if (groupScales != GroupScales::Max)
      return chooseIntGroup(values, c0, g, u);
    // GroupFormats' rule on the group alone (one row, one group).
    TensorFormat one = TensorFormat::integer(format.bits, 0, format.symmetric);
    GroupedStrip q = quantizeGrouped(one, values, 1, groupCols);
    int zero = format.symmetric ? 1 << (format.bits - 1) : q.zeros[0];
    for (int64_t i = 0; i < groupCols; ++i) {
      g.a[c0 + i] = q.scales[0];
      g.z[c0 + i] = zero;
      g.q[c0 + i] = q.codes[i];
    }
  }

  /// An int group's scale and zero level for the group's range shrunk by
  /// `shrink` (1: GroupFormats' rule, bit for bit).
  void intCandidate(const float *x, float shrink, float &scale,
                    int &zero) const {
    const int offset = 1 << (format.bits - 1);
    const float maxLevel = float((1 << format.bits) - 1);
    float lo = x[0], hi = x[0];
    for (int64_t i = 1; i < groupCols; ++i) {
      lo = std::min(lo, x[i]);
      hi = std::max(hi, x[i]);
    }
    if (format.symmetric) {
      float amax = shrink * std::max(std::fabs(lo), std::fabs(hi));
      scale = amax > 0 ? amax / float(offset - 1) : 1.0f;
      zero = offset;
      return;
    }
    lo = shrink * std::min(lo, 0.0f);
    hi = shrink * std::max(hi, 0.0f);
    scale = hi > lo ? (hi - lo) / maxLevel : 1.0f;
    zero = int(std::clamp(std::nearbyint(-lo / scale), 0.0f, maxLevel));
  }

  /// Chooses an int group's scale by a search over shrink factors of its
  /// range (Options::groupScales): the candidate whose rounding of `x` has
  /// the least importance-weighted squared error, or, with a sweep to
  /// follow (`u` set), the least GPTQ loss of a trial sweep of the group
  /// alone. Ties keep the wider range.
  void chooseIntGroup(const float *x, int64_t c0, RowGrid &g,
                      const float *u) {
    const float maxLevel = float((1 << format.bits) - 1);
    bool sweep = groupScales == GroupScales::Sweep && u;
    std::vector<float> &trial = scratch;
    trial.resize(groupCols);
    float bestScale = 0;
    int bestZero = 0;
    double bestLoss = INFINITY;
    int steps = std::max(1, int(double(scaleGrid) * maxShrink));
    if (!sweep) {
      // Every candidate's loss in one pass over the group (the vectorized
      // kernel sums each over k in order, as the loop below would).
      candidateScales.resize(steps);
      candidateZeros.resize(steps);
      candidateLosses.resize(steps);
      for (int i = 0; i < steps; ++i) {
        int zero;
        intCandidate(x, 1.0f - float(i) / float(scaleGrid),
                     candidateScales[i], zero);
        candidateZeros[i] = float(zero);
      }
      kernels::intGroupLosses(x, importance ? importance + c0 : nullptr,
                              groupCols, candidateScales.data(),
                              candidateZeros.data(), steps, maxLevel,
                              candidateLosses.data());
      for (int i = 0; i < steps; ++i)
        if (candidateLosses[i] < bestLoss) {
          bestLoss = candidateLosses[i];
          bestScale = candidateScales[i];
          bestZero = int(candidateZeros[i]);
        }
    }
    for (int i = 0; sweep && i < steps; ++i) {
      float scale;
      int zero;
      intCandidate(x, 1.0f - float(i) / float(scaleGrid), scale, zero);
      auto level = [&](float v) {
        return std::clamp(std::nearbyint(v / scale) + float(zero), 0.0f,
                          maxLevel);
      };
      // The GPTQ loss of a trial sweep of the group alone.
      double loss = 0;
      std::copy(x, x + groupCols, trial.begin());
      for (int64_t k = 0; k < groupCols; ++k) {
        const float *uk = u + k * (cols + 1); // U[j + k][j + k...]
        float v = scale * (level(trial[k]) - float(zero));
        float e = (trial[k] - v) / uk[0];
        loss += double(e) * double(e);
        for (int64_t m = k + 1; m < groupCols; ++m)
          trial[m] -= e * uk[m - k];
      }
      if (loss < bestLoss) {
        bestLoss = loss;
        bestScale = scale;
        bestZero = zero;
      }
    }
    for (int64_t k = 0; k < groupCols; ++k) {
      g.a[c0 + k] = bestScale;
      g.z[c0 + k] = bestZero;
      g.q[c0 + k] = int(std::clamp(std::nearbyint(x[k] / bestScale) +
                                       float(bestZero),
                                   0.0f, maxLevel));
    }
  }

public:
  const TensorFormat &format;
  const Factor &factor;
  const float *importance;
  int64_t cols;
  int64_t groupCols = 0, blockBytes = 0, batch = 0;
  bool staticGroups = false;
  int refinements = 0;
  int scaleSearch = 0;    ///< Options::scaleSearch where it applies
  int64_t scaleSpan = 32; ///< columns per scale of the ggml format
  GroupScales groupScales = GroupScales::Max;
  int scaleGrid = 100;
  double maxShrink = 0.8;
  int refinePasses = 0; ///< Options::refine where it applies
  std::vector<double> refineError, refineGradient;
  std::vector<float> scratch;
  std::vector<float> candidateScales, candidateZeros;
  std::vector<double> candidateLosses;
};
} // namespace

Quantized llmq::gptq::quantize(const TensorFormat &format, const Factor &factor,
                               const float *weights, int64_t rows,
                               const float *importance, const Options &options,
                               const ParallelFor &parallelFor) {
  int64_t cols = factor.cols;
  Quantized out;
  out.values.assign(size_t(rows) * size_t(cols), 0.0f);
  if (format.isGgml()) {
    out.bytes.assign(rows * rowBytes(format.ggml, cols), 0);
  } else {
    int64_t groups = groupedScaleCols(format, cols);
    out.grouped.codes.assign(size_t(rows) * size_t(cols), 0);
    out.grouped.scales.assign(size_t(rows) * size_t(groups), 0.0f);
    if (!format.symmetric)
      out.grouped.zeros.assign(size_t(rows) * size_t(groups), 0);
  }
  // Strips of rows share each row of U while it is in cache: U (n x n
  // floats, 256 MiB at 8192 columns) is streamed once per strip and lazy
  // batch, so the strip is as tall as the rows' state allows in cache.
  constexpr int64_t kStripRows = 64;
  int64_t strips = (rows + kStripRows - 1) / kStripRows;
  parallelFor(strips, [&](int64_t begin, int64_t end) {
    StripQuantizer quantizer(format, factor, importance, options);
    for (int64_t s = begin; s < end; ++s) {
      int64_t r0 = s * kStripRows;
      quantizer.run(weights, r0, std::min(kStripRows, rows - r0), out);
    }
  });
  return out;
}

void llmq::gptq::correctForInputError(float *weights, int64_t rows,
                                      const std::vector<double> &cross,
                                      const Factor &factor,
                                      const ParallelFor &parallelFor) {
  int64_t n = factor.cols;
  const float *u = factor.upper.data();
  parallelFor(rows, [&](int64_t begin, int64_t end) {
    std::vector<double> a(n), t(n), b(n);
    for (int64_t r = begin; r < end; ++r) {
      float *w = weights + r * n;
      // a = w M, in sweep order.
      std::fill(a.begin(), a.end(), 0.0);
      for (int64_t i = 0; i < n; ++i) {
        double wi = w[i];
        if (wi == 0)
          continue;
        const double *mi = cross.data() + i * n;
        for (int64_t j = 0; j < n; ++j)
          a[j] += wi * mi[j];
      }
      for (int64_t j = 0; j < n; ++j)
        t[j] = a[factor.order[j]];
      // a H^-1 = a U^T U in sweep order: t := U a, then b := U^T t.
      for (int64_t i = 0; i < n; ++i) {
        const float *ui = u + i * n;
        double s = 0;
        for (int64_t j = i; j < n; ++j)
          s += double(ui[j]) * t[j];
        b[i] = s;
      }
      std::fill(t.begin(), t.end(), 0.0);
      for (int64_t i = 0; i < n; ++i) {
        const float *ui = u + i * n;
        for (int64_t j = i; j < n; ++j)
          t[j] += double(ui[j]) * b[i];
      }
      for (int64_t j = 0; j < n; ++j) {
        int64_t c = factor.order[j];
        if (!factor.dead[c])
          w[c] = float(double(w[c]) + t[j]);
      }
    }
  });
}

std::vector<float> llmq::gptq::roundToNearest(const TensorFormat &format,
                                              const float *weights,
                                              int64_t rows, int64_t cols,
                                              const float *importance) {
  std::vector<float> out(size_t(rows) * size_t(cols));
  roundTripRows(format, weights, rows, cols, importance, out.data());
  return out;
}
