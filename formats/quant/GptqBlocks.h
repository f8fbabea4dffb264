//===- GptqBlocks.h - GPTQ in ggml blocks: sweep-aware scales ---*- C++ -*-===//
//
// GPTQ's sweep (Gptq.h) rounds each column to the grid of its block's
// scales and spreads the error over the later columns. ggml's own search
// chooses those scales for plain rounding: it minimises the importance-
// weighted error of rounding the block's values as they are when the sweep
// reaches it. With error compensation the values a block is rounded from
// change as its own earlier columns are rounded, so the scale that is best
// for rounding alone is not the best for the sweep.
//
// Here each scale of a block (a K-quant sub-block's 6/4/8-bit scale and
// min, a q4_0/q5_0/q8_0 block's fp16 scale, a q4_1/q5_1 block's fp16
// scale and min) is chosen again when the sweep reaches its first column:
// every candidate near ggml's choice is tried by a trial sweep over the
// scale's columns alone (later columns do not change them), and the one whose trial adds the least to GPTQ's objective,
// sum_k ((x_k - q_k) / U_kk)^2 (the exact increase of ||(W - Q) X||^2 when
// the rest of the row is compensated optimally), is kept. The super-block
// scales (d, dmin) stay ggml's. The block bytes stay ordinary ggml blocks.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_FORMATS_QUANT_GPTQBLOCKS_H
#define LLMQ_FORMATS_QUANT_GPTQBLOCKS_H

#include "formats/Formats.h"

#include <cstdint>

namespace llmq::gptq {

/// Columns that share one scale in ggml format `f` that GPTQ produces:
/// the block (32) for q4_0, q5_0, q5_1, q8_0 (and q4_1), the sub-block for K-quants (16 for
/// q2_K, q3_K, q6_K; 32 for q4_K, q5_K).
int64_t scaleCols(Format f);

/// Whether `f` is one of ggml's 32-value blocks with a min, q4_1 or q5_1
/// (value = d * q + m, q in [0, 15] or [0, 31]; fp16 d and m).
bool isMinBlock(Format f);

/// Reads q4_1/q5_1 block `p` in the sweep's terms, value = a * q - m: the
/// 32 columns' scale `a` (= d), min `m` (= -ggml's m, so the value is
/// computed as the dequantizer computes it) and levels `q`.
void decodeMinBlock(Format f, const uint8_t *p, float *a, float *m, int *q);

/// Writes 32 levels `q` into q4_1/q5_1 block `p` (ggml's packing: low
/// nibbles of j and j + 16 in byte j; q5_1's fifth bits in qh), keeping its
/// d and m.
void encodeMinBlock(Format f, const int *q, uint8_t *p);

/// One scale's columns, as the sweep sees them when it reaches the first.
struct ScaleSpan {
  const float *x; ///< the current weights of the span (scaleCols values)
  const float *u; ///< U from the span's first position: U[j+k][j+l]
  int64_t ldu;    ///< = u[k * ldu + l]
  int lo, hi;     ///< the format's levels
  bool hasMin;    ///< value = a * q - m (else a * q)
};

/// Chooses the scale (and min) of sub-block `sub` of `block` (format `f`)
/// among candidates within `radius` steps of the one stored (integer steps
/// of a K-quant scale or min; steps of 1/64 of the fp16 scale of q4_0,
/// q5_0, q8_0; for q4_1 and q5_1 both at once, the scale by 1/64 of itself
/// and the min by 1/16 of the scale), by the trial sweep's objective (ties
/// keep the stored one);
/// stores it in `block` and writes the span's per-column scale `a` and min
/// `m` exactly as the format's dequantizer computes them.
void searchScale(Format f, uint8_t *block, int sub, const ScaleSpan &span,
                 int radius, float *a, float *m);

/// One choice of a scale (and min) of a block or sub-block, with the
/// per-column scale `a` and min `m` the sweep's grid uses (value =
/// a * q - m), computed as the format's dequantizer computes them.
struct ScaleChoice {
  int sc = 0, mn = 0;          ///< K-quants: the sub-block's integer scale, min
  uint16_t d16 = 0, m16 = 0;   ///< q4_0/q5_0/q8_0, q4_1/q5_1: fp16 scale, min
  float a = 0, m = 0;
};

/// The choices one step from the stored scale of sub-block `sub` of
/// `block` (K-quants: the integer scale +-1, and the min +-1; q4_0, q5_0,
/// q8_0: the fp16 scale times 1 +- 1/64; q4_1, q5_1: that, and the min
/// +- 1/16 of the scale), in a fixed order; at most kMaxNeighbours.
constexpr int kMaxNeighbours = 4;
int neighbourScales(Format f, const uint8_t *block, int sub,
                    ScaleChoice *out);

/// Stores `choice` as the scale (and min) of sub-block `sub` of `block`.
void storeScale(Format f, uint8_t *block, int sub, const ScaleChoice &choice);

} // namespace llmq::gptq

#endif // LLMQ_FORMATS_QUANT_GPTQBLOCKS_H
