//===- GptqKernels.cpp - GPTQ's inner loops, vectorized per CPU ----------===//
//
// Register-tiled forms of GPTQ's hot loops. Every output element receives
// the same operations in the same order as in the plain loops (GptqKernels.h
// says which), so tiling, vector width and instruction set change speed
// only. Contraction is off: an AVX2 or AVX-512 variant must not fuse a
// multiply and an add that the baseline build rounds separately.
//
//===----------------------------------------------------------------------===//

#include "formats/quant/GptqKernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#pragma clang fp contract(off)

// One variant per instruction set, chosen by the loader (an ifunc); only
// on x86-64 ELF, where the ifunc exists.
#if defined(__x86_64__) && defined(__ELF__) && defined(__clang__)
#define LLMQ_GPTQ_CLONES                                                       \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3",           \
                               "default")))
#else
#define LLMQ_GPTQ_CLONES
#endif
#define LLMQ_INLINE inline __attribute__((always_inline))

using namespace llmq::gptq;

namespace {
typedef double V4d __attribute__((ext_vector_type(4)));
typedef double V8d __attribute__((ext_vector_type(8)));
typedef float V8f __attribute__((ext_vector_type(8)));
// Unaligned, aliasing views of memory as those vectors (loads and stores
// through these are plain moves; no function returns a vector, so the
// baseline variant's calling convention is untouched).
typedef double V4dMem
    __attribute__((ext_vector_type(4), aligned(1), may_alias));
typedef double V8dMem
    __attribute__((ext_vector_type(8), aligned(1), may_alias));
typedef float V8fMem __attribute__((ext_vector_type(8), aligned(1), may_alias));
} // namespace

#define LOAD4D(p) (*reinterpret_cast<const V4dMem *>(p))
#define LOAD8D(p) (*reinterpret_cast<const V8dMem *>(p))
#define STORE8D(p, v) (*reinterpret_cast<V8dMem *>(p) = (v))
#define WIDEN8(p)                                                              \
  __builtin_convertvector(*reinterpret_cast<const V8fMem *>(p), V8d)

double kernels::dot4(const double *a, const double *b, int64_t n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t k = 0;
  for (; k + 4 <= n; k += 4) {
    s0 += a[k] * b[k];
    s1 += a[k + 1] * b[k + 1];
    s2 += a[k + 2] * b[k + 2];
    s3 += a[k + 3] * b[k + 3];
  }
  for (; k < n; ++k)
    s0 += a[k] * b[k];
  return (s0 + s1) + (s2 + s3);
}

//===----------------------------------------------------------------------===//
// Hessian accumulation
//===----------------------------------------------------------------------===//

/// Tokens per block: a block's inputs (256 x cols floats, 8 MiB at 8192
/// columns) are reused by every row block before the next block is read,
/// and each sum is loaded and stored once per block.
static constexpr int64_t kHessianTokens = 256;
/// Columns per register tile (two 8-lane vectors per row).
static constexpr int64_t kHessianCols = 16;

/// The four-token update of one sum, as the plain loop writes it.
LLMQ_INLINE static double fourTerms(double acc, double a0, double a1,
                                    double a2, double a3, const float *x0,
                                    const float *x1, const float *x2,
                                    const float *x3, int64_t k) {
  return acc + ((a0 * double(x0[k]) + a1 * double(x1[k])) +
                (a2 * double(x2[k]) + a3 * double(x3[k])));
}

/// Rows [i0, i0 + 8) x columns [k0, k0 + 16) over the four-token groups
/// starting at rows [t0, t1) of x.
LLMQ_INLINE static void hessianTile(double *sums, const float *x, int64_t n,
                                    int64_t t0, int64_t t1, int64_t i0,
                                    int64_t k0) {
  constexpr int R = kernels::kBlockRows;
  V8d acc[R][2];
  for (int r = 0; r < R; ++r)
    for (int h = 0; h < 2; ++h)
      acc[r][h] = LOAD8D(sums + (i0 + r) * n + k0 + 8 * h);
  for (int64_t t = t0; t < t1; t += 4) {
    const float *x0 = x + t * n, *x1 = x0 + n, *x2 = x1 + n, *x3 = x2 + n;
    V8d b0[2], b1[2], b2[2], b3[2];
    for (int h = 0; h < 2; ++h) {
      b0[h] = WIDEN8(x0 + k0 + 8 * h);
      b1[h] = WIDEN8(x1 + k0 + 8 * h);
      b2[h] = WIDEN8(x2 + k0 + 8 * h);
      b3[h] = WIDEN8(x3 + k0 + 8 * h);
    }
    for (int r = 0; r < R; ++r) {
      V8d a0 = double(x0[i0 + r]), a1 = double(x1[i0 + r]),
          a2 = double(x2[i0 + r]), a3 = double(x3[i0 + r]);
      for (int h = 0; h < 2; ++h)
        acc[r][h] = acc[r][h] + ((a0 * b0[h] + a1 * b1[h]) +
                                 (a2 * b2[h] + a3 * b3[h]));
    }
  }
  for (int r = 0; r < R; ++r)
    for (int h = 0; h < 2; ++h)
      STORE8D(sums + (i0 + r) * n + k0 + 8 * h, acc[r][h]);
}

LLMQ_GPTQ_CLONES
void kernels::accumulateHessianRows(double *sums, const float *x, int64_t n,
                                    int64_t count, int64_t i0, int64_t i1) {
  int64_t fours = count / 4 * 4;
  bool fullBlock = i1 - i0 == kBlockRows;
  for (int64_t t0 = 0; t0 < fours; t0 += kHessianTokens) {
    int64_t t1 = std::min(fours, t0 + kHessianTokens);
    // Whole tiles from the block's first column (entries left of the
    // diagonal inside the block are computed too and never read), then
    // every remaining sum on its own.
    int64_t tiled = i0;
    if (fullBlock)
      for (; tiled + kHessianCols <= n; tiled += kHessianCols)
        hessianTile(sums, x, n, t0, t1, i0, tiled);
    for (int64_t i = i0; i < i1; ++i) {
      double *row = sums + i * n;
      for (int64_t k = std::max(i, tiled); k < n; ++k) {
        double acc = row[k];
        for (int64_t t = t0; t < t1; t += 4) {
          const float *x0 = x + t * n, *x1 = x0 + n, *x2 = x1 + n,
                      *x3 = x2 + n;
          acc = fourTerms(acc, x0[i], x1[i], x2[i], x3[i], x0, x1, x2, x3, k);
        }
        row[k] = acc;
      }
    }
  }
  for (int64_t t = fours; t < count; ++t) {
    const float *xt = x + t * n;
    for (int64_t i = i0; i < i1; ++i) {
      double *row = sums + i * n;
      double xi = xt[i];
      for (int64_t k = i; k < n; ++k)
        row[k] += xi * double(xt[k]);
    }
  }
}

//===----------------------------------------------------------------------===//
// Cholesky trailing update
//===----------------------------------------------------------------------===//

/// dot4 of eight panel rows with two, lane by lane as dot4 sums them.
LLMQ_GPTQ_CLONES
void kernels::choleskyUpdateBlock(double *a, int64_t n, const double *panel,
                                  int64_t width, int64_t panelRow0,
                                  int64_t i0, int64_t j0, int64_t j1) {
  constexpr int R = kBlockRows;
  int64_t whole = width / 4 * 4;
  const double *pi[R];
  for (int r = 0; r < R; ++r)
    pi[r] = panel + (i0 + r - panelRow0) * width;
  int64_t j = j0;
  for (; j + 2 <= j1; j += 2) {
    const double *pj0 = panel + (j - panelRow0) * width, *pj1 = pj0 + width;
    V4d s0[R], s1[R];
    for (int r = 0; r < R; ++r)
      s0[r] = s1[r] = 0.0;
    for (int64_t k = 0; k < whole; k += 4) {
      V4d b0 = LOAD4D(pj0 + k), b1 = LOAD4D(pj1 + k);
      for (int r = 0; r < R; ++r) {
        V4d ai = LOAD4D(pi[r] + k);
        s0[r] = s0[r] + ai * b0;
        s1[r] = s1[r] + ai * b1;
      }
    }
    for (int r = 0; r < R; ++r) {
      for (int64_t k = whole; k < width; ++k) {
        s0[r].x += pi[r][k] * pj0[k];
        s1[r].x += pi[r][k] * pj1[k];
      }
      a[(i0 + r) * n + j] -= (s0[r].x + s0[r].y) + (s0[r].z + s0[r].w);
      a[(i0 + r) * n + j + 1] -= (s1[r].x + s1[r].y) + (s1[r].z + s1[r].w);
    }
  }
  for (; j < j1; ++j)
    for (int r = 0; r < R; ++r)
      a[(i0 + r) * n + j] -=
          dot4(pi[r], panel + (j - panelRow0) * width, width);
}

//===----------------------------------------------------------------------===//
// Triangular inverse
//===----------------------------------------------------------------------===//

/// Panel columns per register tile (two 8-lane vectors per row).
static constexpr int64_t kInverseCols = 16;

LLMQ_GPTQ_CLONES
void kernels::inverseAccumulate(double (*acc)[kInversePanel], int64_t rows,
                                const double *lower, int64_t n,
                                const double *x, int64_t k0, int64_t k1) {
  if (rows != kBlockRows) {
    for (int64_t k = k0; k < k1; ++k) {
      const double *xk = x + (k - k0) * kInversePanel;
      for (int64_t r = 0; r < rows; ++r) {
        double l = lower[r * n + k];
        for (int64_t c = 0; c < kInversePanel; ++c)
          acc[r][c] += l * xk[c];
      }
    }
    return;
  }
  constexpr int R = kBlockRows;
  for (int64_t c0 = 0; c0 < kInversePanel; c0 += kInverseCols) {
    V8d t[R][2];
    for (int r = 0; r < R; ++r)
      for (int h = 0; h < 2; ++h)
        t[r][h] = LOAD8D(acc[r] + c0 + 8 * h);
    for (int64_t k = k0; k < k1; ++k) {
      const double *xk = x + (k - k0) * kInversePanel + c0;
      V8d b0 = LOAD8D(xk), b1 = LOAD8D(xk + 8);
      for (int r = 0; r < R; ++r) {
        V8d l = lower[r * n + k];
        t[r][0] = t[r][0] + l * b0;
        t[r][1] = t[r][1] + l * b1;
      }
    }
    for (int r = 0; r < R; ++r)
      for (int h = 0; h < 2; ++h)
        STORE8D(acc[r] + c0 + 8 * h, t[r][h]);
  }
}

//===----------------------------------------------------------------------===//
// The sweep and the int-group search
//===----------------------------------------------------------------------===//

LLMQ_GPTQ_CLONES
void kernels::subtractScaled(float *w, const float *u, float e,
                             int64_t count) {
  for (int64_t k = 0; k < count; ++k)
    w[k] -= e * u[k];
}

LLMQ_GPTQ_CLONES
void kernels::intGroupLosses(const float *x, const float *importance,
                             int64_t count, const float *scales,
                             const float *zeros, int64_t steps,
                             float maxLevel, double *loss) {
  // Candidates in the inner loop: each candidate's sum still runs over k
  // in order, and the candidates' sums are independent lanes.
  for (int64_t i = 0; i < steps; ++i)
    loss[i] = 0;
  for (int64_t k = 0; k < count; ++k) {
    float v = x[k];
    double w = importance ? double(importance[k]) : 1.0;
    for (int64_t i = 0; i < steps; ++i) {
      float s = scales[i], z = zeros[i];
      float level = std::clamp(std::nearbyint(v / s) + z, 0.0f, maxLevel);
      float d = v - s * (level - z);
      loss[i] += w * double(d) * double(d);
    }
  }
}
