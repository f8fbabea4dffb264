//===- DotKernels.h - Dot-product micro-kernels -----------------*- C++ -*-===//
//
// The inner loop of matmul and attention: a block of weight rows (f32, in a
// small cache-resident buffer or mapped directly) times a block of activation
// rows, each output element a dot product over `cols` columns.
//
// Summation order (the same in every variant, for every tile, panel, token
// block and thread count, so that a token's result does not depend on how it
// was batched or split):
//   1. 16 lane accumulators, all starting at +0. Lane l takes the columns
//      c = l, l + 16, l + 32, ... in increasing order, each step one fused
//      multiply-add acc[l] = fma(w[c], x[c], acc[l]). Columns past `cols` in
//      the last group of 16 count as w = x = +0 (fma(0, 0, acc)).
//   2. A fixed reduction tree: s8[i] = acc[i] + acc[i + 8] (i < 8),
//      s4[i] = s8[i] + s8[i + 4], s2[i] = s4[i] + s4[i + 2],
//      result = s2[0] + s2[1].
// The portable variant computes exactly these bits with std::fma; the AVX2
// (two 8-lane halves) and AVX-512 (one 16-lane vector) variants equal it
// (test/unittests/runtime/DotKernelsTest.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_RUNTIME_EXEC_ARCH_DOTKERNELS_H
#define LLMQ_RUNTIME_EXEC_ARCH_DOTKERNELS_H

#include <cstdint>

namespace llmq::runtime {

/// out[t * ldo + r] = dot(w + r * ldw, x + t * ldx) over `cols` columns, for
/// r < rows, t < tokens, summed in the order above.
using DotBlockFn = void (*)(const float *w, int64_t ldw, int64_t rows,
                            const float *x, int64_t ldx, int64_t tokens,
                            int64_t cols, float *out, int64_t ldo);
/// n f16 (bf16) values, not necessarily aligned, to f32 (exact conversions).
using HalfToFloatFn = void (*)(const uint16_t *in, float *out, int64_t n);

/// One instruction-set variant.
struct DotKernels {
  const char *name;
  DotBlockFn dotBlock;
  HalfToFloatFn f16ToF32;
  HalfToFloatFn bf16ToF32;
};

/// Portable C++; the reference every variant must equal bit for bit.
const DotKernels &genericDotKernels();
/// AVX2 + FMA + F16C; null when not compiled in or the CPU lacks them.
const DotKernels *avx2DotKernels();
/// AVX-512 F/BW/VL + FMA + F16C; null when not compiled in or unsupported.
const DotKernels *avx512DotKernels();

/// The best variant this CPU runs.
const DotKernels &selectDotKernels();

} // namespace llmq::runtime

#endif // LLMQ_RUNTIME_EXEC_ARCH_DOTKERNELS_H
