//===- DotKernels.h - Dot-product micro-kernels -----------------*- C++ -*-===//
//
// The inner loop of matmul: dot products of a few weight rows with a few
// activation rows. Each (row, token) product is always summed in the same
// order, whichever kernel variant or tile shape computes it, so results do not
// depend on how work is split across threads.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_RUNTIME_EXEC_ARCH_DOTKERNELS_H
#define LLMQ_RUNTIME_EXEC_ARCH_DOTKERNELS_H

#include <cstdint>

namespace llmq::runtime {

/// out[t * outStride + k] = dot(w[k], x + t * cols) for k < rows (at most 4),
/// t < tokens.
using DotTileFn = void (*)(const float *const *w, int64_t rows,
                           const float *x, int64_t tokens, int64_t cols,
                           float *out, int64_t outStride);

/// Portable C++; the reference every variant must equal on its machine.
void dotTileGeneric(const float *const *w, int64_t rows, const float *x,
                    int64_t tokens, int64_t cols, float *out,
                    int64_t outStride);
/// AVX2 + FMA (x86-64 only; compiled separately with those flags).
void dotTileAVX2(const float *const *w, int64_t rows, const float *x,
                 int64_t tokens, int64_t cols, float *out, int64_t outStride);

/// The best variant this CPU runs.
DotTileFn selectDotTile();

} // namespace llmq::runtime

#endif // LLMQ_RUNTIME_EXEC_ARCH_DOTKERNELS_H
