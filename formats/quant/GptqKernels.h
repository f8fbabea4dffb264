//===- GptqKernels.h - GPTQ's inner loops, vectorized per CPU --*- C++ -*-===//
//
// The loops that dominate GPTQ at Llama-3.2-1B's size (bench/gptq-1b): the
// Hessian's accumulation, the Cholesky factorization's trailing update, the
// triangular inverse, the sweep's row updates and the int-group scale
// search. Each is compiled for AVX-512, AVX2 and the baseline and chosen
// when the library loads. Floating-point contraction is off in their file,
// so every variant performs the same IEEE operations in the same order as
// the scalar loops they replace, and writes the same bits (GptqTest checks
// them against those loops).
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_FORMATS_QUANT_GPTQKERNELS_H
#define LLMQ_FORMATS_QUANT_GPTQKERNELS_H

#include <cstdint>

namespace llmq::gptq::kernels {

/// Rows a Hessian or Cholesky row block holds.
constexpr int64_t kBlockRows = 8;

/// sum a[k] * b[k] over k < n in four lanes (lane k mod 4 for the whole
/// fours, lane 0 for the rest), returned as (s0 + s1) + (s2 + s3).
double dot4(const double *a, const double *b, int64_t n);

/// For rows i in [i0, i1) of the n x n row-major `sums` and columns k >= i:
/// sums[i][k] += x[t][i] x[t][k] over the `count` rows of `x` (n floats
/// each), four at a time as ((x0i x0k + x1i x1k) + (x2i x2k + x3i x3k)),
/// then the remaining rows one by one. Entries left of the diagonal inside
/// the row block may be written too (callers treat them as unused).
void accumulateHessianRows(double *sums, const float *x, int64_t n,
                           int64_t count, int64_t i0, int64_t i1);

/// The Cholesky trailing update of the full rows [i0, i0 + kBlockRows)
/// and columns [j0, j1), all left of the block: a[i][j] -= dot4(panel
/// row i, panel row j) with panel rows of `width` doubles, numbered from
/// `panelRow0`.
void choleskyUpdateBlock(double *a, int64_t n, const double *panel,
                         int64_t width, int64_t panelRow0, int64_t i0,
                         int64_t j0, int64_t j1);

/// Columns of one panel of the triangular inverse.
constexpr int64_t kInversePanel = 64;

/// acc[r][c] += l[r][k] * x[k - k0][c] for k in [k0, k1), r < rows (at most
/// kBlockRows), c < kInversePanel, the sum over k in order; l[r] is row
/// r of `lower` (stride n), x rows of kInversePanel doubles.
void inverseAccumulate(double (*acc)[kInversePanel], int64_t rows,
                       const double *lower, int64_t n, const double *x,
                       int64_t k0, int64_t k1);

/// w[k] -= e * u[k] for k < count.
void subtractScaled(float *w, const float *u, float e, int64_t count);

/// For each of `steps` int-group candidates (scale s, zero level z): the
/// sum over k < count, in order, of importance[k] (1 if null) times the
/// squared error of rounding x[k] to s * (clamp(nearbyint(x/s) + z, 0,
/// maxLevel) - z), in f64, into loss[i].
void intGroupLosses(const float *x, const float *importance, int64_t count,
                    const float *scales, const float *zeros, int64_t steps,
                    float maxLevel, double *loss);

} // namespace llmq::gptq::kernels

#endif // LLMQ_FORMATS_QUANT_GPTQKERNELS_H
