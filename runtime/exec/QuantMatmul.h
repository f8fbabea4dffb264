//===- QuantMatmul.h - Integer matmul of the --ggml-activations mode -*- C++ -*-===//
//
// For q4_K, q6_K and q8_0 weights under `--ggml-activations` (WeightView::
// ggmlActivations), matmul quantizes each token's activations once to the
// weight's vec_dot_type and takes integer dot products with the weights'
// own codes, as ggml's CPU backend does (arch/QuantDot.h: layouts, kernels
// and the fixed summation order). Other formats keep the rounding + f32 path.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_RUNTIME_EXEC_QUANTMATMUL_H
#define LLMQ_RUNTIME_EXEC_QUANTMATMUL_H

#include "runtime/exec/Kernels.h"

namespace llmq::runtime {
struct QuantDotKernels;

/// Whether quantMatmul computes `w`'s products.
bool quantMatmulApplies(const WeightView &w);

/// out[t][r] = the integer dot product of token t's quantized activations
/// with row r of `w`, for t < n, r < w.rows; the same bits at any thread
/// count and for a token alone or in a window. `kernels` picks the variant
/// (null: the best this CPU runs).
void quantMatmul(const WeightView &w, const float *x, int64_t n, float *out,
                 ThreadPool &pool, const QuantDotKernels *kernels = nullptr);

} // namespace llmq::runtime

#endif // LLMQ_RUNTIME_EXEC_QUANTMATMUL_H
