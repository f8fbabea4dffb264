//===- QuantDot.h - Integer dot products on q8-quantized activations -*- C++ -*-===//
//
// The `--ggml-activations` mode's batched path for ggml weights, as ggml's CPU
// backend computes them: activations are quantized once per token to the
// weight's vec_dot_type (q8_K for q4_K and q6_K, q8_0 for q8_0; the codes
// and scales GgmlActivations.cpp rounds to), weights stay in their integer
// codes, and each output element sums integer products exactly, then scales
// them in f32.
//
// Weight panels are repacked once per matmul call into groups of 16 rows
// interleaved 4 columns at a time ([column / 4][row][4 bytes]), so one
// 64-byte vector holds 4 codes of each of 16 rows: AVX-512 VNNI's vpdpbusd
// multiplies it with 4 activation codes of one token broadcast to every lane,
// AVX2's vpmaddubsw + vpmaddwd with its 8-row halves, and no horizontal sum is
// ever needed (each lane is one output row).
//
// Summation order of one output element (row r, token t), the same in every
// variant and for any tile, panel, token block and thread split:
//   q4_K (super-blocks of 256, 8 sub-blocks j of 32 columns, 6-bit scale sc_j
//   and min m_j, f16 d and dmin; q8_K activations: f32 scale dx, codes x,
//   bsum_j = sum of the 32 codes of sub-block j):
//     S = sum_j sc_j * (sum_i q_i * x_i),  M = sum_j m_j * bsum_j  (int32,
//     exact); acc starts at +0 and per super-block in order:
//     acc = fma(dx * d, float(S), acc); acc = fma(-(dx * dmin), float(M), acc)
//   q6_K (super-blocks of 256, 16 sub-blocks j of 16 columns, signed int8
//   scale sc_j, f16 d; stored codes q in 0..63 stand for q - 32; q8_K
//   activations, bsum16_j = sum of the 16 codes of sub-block j):
//     S = sum_j sc_j * (sum_i q_i * x_i) - 32 * sum_j sc_j * bsum16_j
//     (int32, exact); acc starts at +0 and per super-block in order:
//     acc = fma(dx * d, float(S), acc)
//   q8_0 (blocks of 32, f16 scale each; q8_0 activations, f16 scale dx):
//     S = sum_i w_i * x_i (int32, exact); acc starts at +0 and per block in
//     order: acc = fma(dx * d, float(S), acc)
// where `dx * d` is one rounded f32 product and float(S) rounds to nearest.
// The integer sums cannot overflow (|S| < 2^31 for any codes), so the
// portable variant (std::fma) and the vector ones give the same bits
// (test/unittests/runtime/QuantDotTest.cpp). One exception, outside finite
// input: a q8_0 activation code of -128 (only a non-finite activation makes
// one) is multiplied as +128 by the AVX2 variant's sign trick where the
// weight is negative; the result is inf or NaN in every variant then.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_RUNTIME_EXEC_ARCH_QUANTDOT_H
#define LLMQ_RUNTIME_EXEC_ARCH_QUANTDOT_H

#include <cstddef>
#include <cstdint>

namespace llmq::runtime {

/// Rows interleaved in one repacked group (the lanes of a 512-bit vector).
constexpr int64_t kQuantGroupRows = 16;

//===----------------------------------------------------------------------===//
// Repacked q4_K: per group of 16 rows, per super-block of 256 columns:
//===----------------------------------------------------------------------===//
struct alignas(64) Q4KGroupBlock {
  /// Codes 0..15 (the low or high nibble), [column / 4][row][column % 4].
  uint8_t q[64][kQuantGroupRows][4];
  /// Sub-block scales, [sub-block][row].
  int32_t scales[8][kQuantGroupRows];
  /// Sub-block mins, pairs (m_2p, m_2p+1) per row: [pair][row][2].
  int16_t mins[4][kQuantGroupRows][2];
  /// The rows' f16 d and dmin as f32.
  float d[kQuantGroupRows];
  float dmin[kQuantGroupRows];
};
static_assert(sizeof(Q4KGroupBlock) == 4096 + 512 + 256 + 128,
              "no padding in a repacked q4_K block");

//===----------------------------------------------------------------------===//
// Repacked q6_K: per group of 16 rows, per super-block of 256 columns:
//===----------------------------------------------------------------------===//
struct alignas(64) Q6KGroupBlock {
  /// Unsigned codes 0..63 (the stored value before its -32), [column / 4]
  /// [row][column % 4].
  uint8_t q[64][kQuantGroupRows][4];
  /// The 16 signed sub-block scales, [sub-block][row].
  int32_t scales[16][kQuantGroupRows];
  /// The same in int16 pairs (sc_2p, sc_2p+1) per row: [pair][row][2].
  int16_t scalePairs[8][kQuantGroupRows][2];
  /// The rows' f16 d as f32.
  float d[kQuantGroupRows];
};
static_assert(sizeof(Q6KGroupBlock) == 4096 + 1024 + 512 + 64,
              "no padding in a repacked q6_K block");

//===----------------------------------------------------------------------===//
// Repacked q8_0: per group of 16 rows, per block of 32 columns:
//===----------------------------------------------------------------------===//
struct alignas(64) Q8_0GroupBlock {
  /// Signed codes, [column / 4][row][column % 4].
  int8_t q[8][kQuantGroupRows][4];
  /// The rows' f16 scales as f32.
  float d[kQuantGroupRows];
};
static_assert(sizeof(Q8_0GroupBlock) == 512 + 64,
              "no padding in a repacked q8_0 block");

/// Repacks rows [r0, r0 + count) of a q4_K matrix with `cols` columns (row
/// stride `rowBytes` bytes in `src`) into ceil(count / 16) groups of cols /
/// 256 blocks each; rows past `count` in the last group are zero.
void repackQ4K(const uint8_t *src, size_t rowBytes, int64_t r0, int64_t count,
               int64_t cols, Q4KGroupBlock *out);
/// The same for q6_K.
void repackQ6K(const uint8_t *src, size_t rowBytes, int64_t r0, int64_t count,
               int64_t cols, Q6KGroupBlock *out);
/// The same for q8_0 (cols / 32 blocks per group).
void repackQ8_0(const uint8_t *src, size_t rowBytes, int64_t r0,
                int64_t count, int64_t cols, Q8_0GroupBlock *out);

/// Quantized activations of `tokens` rows of `cols` values. Token t's codes
/// are codes[t * cols, (t + 1) * cols); block b of it has scale
/// scales[t * blocks + b] and, for q8_K, the 8 sub-block sums
/// sums[(t * blocks + b) * 8 + j] (int16 pairs read as one dword), for q8_0
/// correction[t * blocks + b] = -128 * (sum of its codes) (the AVX-512
/// variant multiplies codes + 128 as unsigned bytes).
struct QuantActivations {
  const int8_t *codes = nullptr;
  const float *scales = nullptr;
  const int16_t *sums = nullptr;       ///< q8_K
  /// q8_K: the 16 sums of 16 codes, sums16[(t * blocks + b) * 16 + j].
  const int16_t *sums16 = nullptr;
  const int32_t *correction = nullptr; ///< q8_0
  int64_t cols = 0, blocks = 0;
};

/// q8_K of one row (cols a multiple of 256), as GgmlActivations.cpp rounds
/// it: d * code equals that rounding's value for every element.
void quantizeQ8K(const float *x, int64_t cols, int8_t *codes, float *scales,
                 int16_t *sums, int16_t *sums16);
/// q8_0 of one row (cols a multiple of 32) by the registry's q8_0 quantizer,
/// scales as f32.
void quantizeQ8_0(const float *x, int64_t cols, int8_t *codes, float *scales,
                  int32_t *correction);

/// out[t * ldo + r] for r < rows (the first rows of `groups`), t < tokens
/// (activation rows t0 .. t0 + tokens - 1), in the order above.
using Q4KGemmFn = void (*)(const Q4KGroupBlock *groups, int64_t rows,
                           const QuantActivations &x, int64_t t0,
                           int64_t tokens, float *out, int64_t ldo);
using Q6KGemmFn = void (*)(const Q6KGroupBlock *groups, int64_t rows,
                           const QuantActivations &x, int64_t t0,
                           int64_t tokens, float *out, int64_t ldo);
using Q8_0GemmFn = void (*)(const Q8_0GroupBlock *groups, int64_t rows,
                            const QuantActivations &x, int64_t t0,
                            int64_t tokens, float *out, int64_t ldo);

/// repackQ4K's and repackQ8_0's signatures.
using RepackQ4KFn = void (*)(const uint8_t *src, size_t rowBytes, int64_t r0,
                             int64_t count, int64_t cols, Q4KGroupBlock *out);
using RepackQ6KFn = void (*)(const uint8_t *src, size_t rowBytes, int64_t r0,
                             int64_t count, int64_t cols, Q6KGroupBlock *out);
using RepackQ8_0Fn = void (*)(const uint8_t *src, size_t rowBytes, int64_t r0,
                              int64_t count, int64_t cols,
                              Q8_0GroupBlock *out);

/// One instruction-set variant: its repacking (the same bytes as the
/// portable functions above) and its kernels.
struct QuantDotKernels {
  const char *name;
  Q4KGemmFn q4K;
  Q8_0GemmFn q8_0;
  RepackQ4KFn repackQ4K;
  RepackQ8_0Fn repackQ8_0;
  Q6KGemmFn q6K;
  RepackQ6KFn repackQ6K;
};

/// Portable C++; the reference every variant must equal bit for bit.
const QuantDotKernels &genericQuantDotKernels();
/// AVX2 + FMA; null when not compiled in or the CPU lacks them.
const QuantDotKernels *avx2QuantDotKernels();
/// AVX-512 F/BW/VL/VNNI + FMA; null when not compiled in or unsupported.
const QuantDotKernels *avx512QuantDotKernels();
/// The best variant this CPU runs.
const QuantDotKernels &selectQuantDotKernels();

} // namespace llmq::runtime

#endif // LLMQ_RUNTIME_EXEC_ARCH_QUANTDOT_H
