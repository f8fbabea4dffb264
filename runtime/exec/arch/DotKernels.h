//===- DotKernels.h - Matrix-product micro-kernels --------------*- C++ -*-===//
//
// The inner loops of matmul and attention.
//
// matmul (weights times activations) runs a BLIS-style GEMM: weight rows are
// converted to f32 and packed, a tile of kPackRows rows interleaved per
// column ([k][kPackRows]), so that one column step of a tile is kPackRows
// consecutive floats; the tokens' activations are broadcast one value at a
// time against them. Summation order of every output element (the same in
// every variant, tile, panel, column block, token count and thread count, so
// that a token's result does not depend on how it was batched or split):
//   ONE sequential chain over the columns: acc = +0, then for k = 0, 1, ...,
//   cols - 1: acc = fma(w[k], x[k], acc). A column block of a longer product
//   continues the chain from the partial sum stored in `out` (an f32 stored
//   and loaded back exactly), so blocking over columns leaves the bits alone.
//
// Attention's scores (dotBlock) keep the dot style: a block of key rows
// times a block of queries, each element summed as
//   1. 16 lane accumulators, all starting at +0. Lane l takes the columns
//      c = l, l + 16, l + 32, ... in increasing order, each step one fused
//      multiply-add acc[l] = fma(w[c], x[c], acc[l]). Columns past `cols` in
//      the last group of 16 count as w = x = +0 (fma(0, 0, acc)).
//   2. A fixed reduction tree: s8[i] = acc[i] + acc[i + 8] (i < 8),
//      s4[i] = s8[i] + s8[i + 4], s2[i] = s4[i] + s4[i + 2],
//      result = s2[0] + s2[1].
// The portable variant computes exactly these bits with std::fma; the AVX2
// and AVX-512 variants equal it (test/unittests/runtime/DotKernelsTest.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_RUNTIME_EXEC_ARCH_DOTKERNELS_H
#define LLMQ_RUNTIME_EXEC_ARCH_DOTKERNELS_H

#include <cstdint>

namespace llmq::runtime {

/// Weight rows per packed tile: 2 zmm or 4 ymm registers per column.
constexpr int64_t kPackRows = 32;

/// The packed form of rows [0, rows) (rows <= kPackRows) and columns [0,
/// cols) of a row-major matrix `w` of stride `ldw` elements (f32, f16 or bf16
/// as named by the function): packed[k * kPackRows + r] = w[r][k] as f32;
/// rows past `rows` are +0.
using PackFn = void (*)(const void *w, int64_t ldw, int64_t rows, int64_t cols,
                        float *packed);

/// A column block of the GEMM. `packed` holds ceil(rows / kPackRows) tiles,
/// tile i at packed + i * tileStride, each `cols` steps of kPackRows floats
/// (padding rows +0). For r < rows, t < tokens:
///   acc = accumulate ? out[t * ldo + r] : +0;
///   for k < cols: acc = fma(tile[k][r], x[t * ldx + k], acc);
///   out[t * ldo + r] = acc.
using GemmFn = void (*)(const float *packed, int64_t tileStride, int64_t rows,
                        int64_t cols, const float *x, int64_t ldx,
                        int64_t tokens, float *out, int64_t ldo,
                        bool accumulate);

/// The GEMM's product for a few tokens (generation), read straight from the
/// stored rows without packing: rows [0, rows) of a row-major matrix `w` of
/// stride `ldw` elements (f32, f16 or bf16 as named by the member), columns
/// [0, cols). For r < rows, t < tokens (tokens <= kGemvTokens), the same
/// chain as GemmFn, so a token's bits do not depend on the path:
///   acc = accumulate ? out[t * ldo + r] : +0;
///   for k < cols: acc = fma(w[r][k], x[t * ldx + k], acc);
///   out[t * ldo + r] = acc.
using GemvFn = void (*)(const void *w, int64_t ldw, int64_t rows, int64_t cols,
                        const float *x, int64_t ldx, int64_t tokens, float *out,
                        int64_t ldo, bool accumulate);
/// The most tokens a GemvFn takes.
constexpr int64_t kGemvTokens = 3;

/// out[t * ldo + r] = dot(w + r * ldw, x + t * ldx) over `cols` columns, for
/// r < rows, t < tokens, summed in the dot-style order above.
using DotBlockFn = void (*)(const float *w, int64_t ldw, int64_t rows,
                            const float *x, int64_t ldx, int64_t tokens,
                            int64_t cols, float *out, int64_t ldo);
/// Attention's P . V: out[d] for d < dim, from +0, adds p[j] * v[j * ldv + d]
/// for j = 0 .. count - 1 in order, each step a multiply and then an add (two
/// roundings, no fma), as the portable loop `out[d] += p[j] * v[j][d]` does.
using WeightedSumFn = void (*)(const float *p, const float *v, int64_t ldv,
                               int64_t count, int64_t dim, float *out);
/// n f16 (bf16) values, not necessarily aligned, to f32 (exact conversions).
using HalfToFloatFn = void (*)(const uint16_t *in, float *out, int64_t n);

/// One instruction-set variant.
struct DotKernels {
  const char *name;
  DotBlockFn dotBlock;
  GemmFn gemm;
  PackFn packF32, packF16, packBF16;
  HalfToFloatFn f16ToF32;
  HalfToFloatFn bf16ToF32;
  /// Null where the variant has none (matmul then packs as for a window).
  GemvFn gemvF32 = nullptr, gemvF16 = nullptr, gemvBF16 = nullptr;
  /// PackFn straight from q8_0 (q4_K) blocks, null where the variant has
  /// none (matmul then dequantizes rows and packs f32). `w` is the first
  /// byte of the block holding row 0's column 0, ldw the row stride in
  /// elements (a multiple of the block size), cols a multiple of 16; the
  /// values are the format's reference dequantizer's bits.
  PackFn packQ8_0 = nullptr, packQ4_K = nullptr;
  /// Attention's P . V; every variant has one.
  WeightedSumFn weightedSum;
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
