//===- LegacyQuants.cpp - ggml's Q4_0, Q4_1, Q5_0 and Q5_1 ----------------===//
//
// Each format has two quantizers, chosen the way ggml_quantize_chunk chooses:
//
//  - Without an importance vector, the reference (quantize_row_*_ref): the
//    scale comes straight from the block's extreme values and every q is
//    x / d rounded half up (ggml truncates x * (1/d) + offset + 0.5). No
//    search.
//  - With one, a search for the scale (and offset) that minimizes the
//    importance-weighted squared error of the block, where the weight of
//    x[j] is importance[j] * sqrt(sigma2 + x[j]^2) and sigma2 is the mean
//    square of the whole row (quantize_row_*_impl with make_qx_quants for the
//    symmetric kinds, make_qkx3_quants for the ones with an offset).
//
// Every floating-point step below is ggml's, in ggml's order and precision:
// a different but equally good answer would still be bytes llama.cpp's own
// quantizer never writes.
//
//===----------------------------------------------------------------------===//

#include "formats/quant/LegacyQuants.h"

#include "formats/Float.h"

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>

// ggml's C is compiled without fused multiply-add, so each product and sum
// is rounded on its own. Keep it that way here even when a build enables FMA
// (-march=haswell and later), where contraction would change last bits.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace llmq {
namespace quant {
namespace {

constexpr int64_t kBlock = kLegacyBlockElems;
constexpr int kHalf = kBlock / 2;

/// ggml's GROUP_MAX_EPS: a block whose largest magnitude is below this is
/// treated as all zeros by the weighted searches.
constexpr float kGroupMaxEps = 1e-15f;

/// ggml's nearest_int: adding 1.5 * 2^23 leaves round(v) in the low mantissa
/// bits, rounded by the FPU, i.e. to nearest with ties to even (unlike
/// std::round's ties away from zero). Valid for |v| <= 2^22, which holds for
/// every caller: they scale so that |v| stays near nmax.
inline int nearestInt(float v) {
  const float shifted = v + 12582912.0f;
  int32_t bits;
  std::memcpy(&bits, &shifted, sizeof(bits));
  return (bits & 0x007fffff) - 0x00400000;
}

/// static_cast<int>(v), with x86's answer where C++ leaves it undefined:
/// NaN and values beyond the int range give INT32_MIN, as cvttss2si and
/// cvttps2dq do. (The reference quantizers get there only for blocks with
/// infinities or with a scale that underflows to an fp16 zero; the levels
/// then decode to nothing useful either way, but they must be the same
/// bytes every time, and the same in LegacyQuantsFast.cpp.)
inline int truncToInt(float v) {
  return std::fabs(v) < 2147483648.0f ? static_cast<int>(v) : INT32_MIN;
}

/// Mean square of a whole row; the weighted searches add it under the square
/// root so that small weights still count a little. (One float accumulator
/// over the row in order, then a float division, as ggml does.)
float rowMeanSquare(const float *x, int64_t n) {
  float sum = 0.0f;
  for (int64_t j = 0; j < n; ++j)
    sum += x[j] * x[j];
  return sum / static_cast<float>(n);
}

/// The per-weight error weights of one block for the searches.
void blockWeights(const float *x, const float *importance, float sigma2,
                  float *weight) {
  for (int64_t j = 0; j < kBlock; ++j)
    weight[j] = importance[j] * std::sqrt(sigma2 + x[j] * x[j]);
}

/// All four formats keep the low four bits of the 32 levels in 16 bytes
/// (weights j and j + 16 share byte j); Q5_0 and Q5_1 put the fifth bits
/// into a 32-bit little-endian mask, bit j for weight j.
void packNibbles(const uint8_t *l, uint8_t *qs) {
  for (int j = 0; j < kHalf; ++j)
    qs[j] = static_cast<uint8_t>((l[j] & 0x0f) | ((l[j + kHalf] & 0x0f) << 4));
}
void packFifthBits(const uint8_t *l, uint8_t *qh) {
  uint32_t mask = 0;
  for (int j = 0; j < kBlock; ++j)
    mask |= static_cast<uint32_t>((l[j] >> 4) & 1u) << j;
  for (int b = 0; b < 4; ++b)
    qh[b] = static_cast<uint8_t>(mask >> (8 * b));
}
uint32_t loadFifthBits(const uint8_t *qh) {
  return static_cast<uint32_t>(qh[0]) | static_cast<uint32_t>(qh[1]) << 8 |
         static_cast<uint32_t>(qh[2]) << 16 |
         static_cast<uint32_t>(qh[3]) << 24;
}

//===----------------------------------------------------------------------===//
// Reference quantizers (no importance vector)
//===----------------------------------------------------------------------===//

/// Symmetric reference (Q4_0, Q5_0): d maps the weight of largest magnitude,
/// with its sign, to level -2^(bits-1) exactly, which buys one more level on
/// that side than a plain amax / (2^(bits-1) - 1) would. `levels` is 16 or 32.
/// Writes the scale and the levels 0..levels-1.
uint16_t quantizeSymmetricRef(const float *x, int levels, uint8_t *l) {
  // First weight of largest magnitude wins ties (strict <), keeping its sign.
  float amax = 0.0f;
  float max = 0.0f;
  for (int64_t j = 0; j < kBlock; ++j) {
    if (amax < std::fabs(x[j])) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  const float half = static_cast<float>(levels / 2);
  const float d = max / -half;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  for (int64_t j = 0; j < kBlock; ++j) {
    // x * id lies in [-half, half] up to rounding, so the sum is in
    // [0, levels + 0.5] and truncation (ggml converts to int8_t) rounds half
    // up. Only a weight as large as the extreme one but of the opposite sign
    // reaches `levels`, which is clamped to the top level.
    const int q = truncToInt(x[j] * id + (half + 0.5f));
    l[j] = static_cast<uint8_t>(q < levels - 1 ? q : levels - 1);
  }
  return fp32ToFp16(d);
}

/// Offset reference (Q4_1, Q5_1): m is the block minimum and d spreads
/// [min, max] over all levels. Writes d, m and the levels.
void quantizeOffsetRef(const float *x, int levels, uint16_t &dOut,
                       uint16_t &mOut, uint8_t *l) {
  float min = FLT_MAX;
  float max = -FLT_MAX;
  for (int64_t j = 0; j < kBlock; ++j) {
    if (x[j] < min)
      min = x[j];
    if (x[j] > max)
      max = x[j];
  }
  const float d = (max - min) / static_cast<float>(levels - 1);
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  dOut = fp32ToFp16(d);
  mOut = fp32ToFp16(min);
  for (int64_t j = 0; j < kBlock; ++j) {
    const int q = truncToInt((x[j] - min) * id + 0.5f);
    // ggml clamps Q4_1 to 15 but not Q5_1; (max - min) * id can exceed
    // levels - 1 only by rounding, never by 0.5, so the clamp is a no-op
    // for Q5_1 either way.
    l[j] = static_cast<uint8_t>(q < levels - 1 ? q : levels - 1);
  }
}

//===----------------------------------------------------------------------===//
// Weighted searches (importance vector given)
//===----------------------------------------------------------------------===//

/// ggml's make_qx_quants with rmse_type 1 and explicit weights: levels
/// l in [-nmax, nmax - 1] and the least-squares scale for them, trying the
/// 19 candidate inverse scales (nmax + 0.1 * is) / max for is in -9..9 and
/// keeping the one whose least-squares fit explains the most weighted
/// energy (sumlx^2 / suml2). Stores l + nmax; returns the scale.
float makeSymmetricQuants(const float *x, const float *w, int nmax,
                          uint8_t *levels) {
  float max = 0.0f;
  float amax = 0.0f;
  for (int64_t i = 0; i < kBlock; ++i) {
    const float ax = std::fabs(x[i]);
    if (ax > amax) {
      amax = ax;
      max = x[i];
    }
  }
  if (amax < kGroupMaxEps) {
    // Level 0, not the middle: with d = 0 any level decodes to zero.
    std::memset(levels, 0, kBlock);
    return 0.0f;
  }
  auto clampLevel = [nmax](int l) {
    return l < -nmax ? -nmax : (l > nmax - 1 ? nmax - 1 : l);
  };

  float iscale = static_cast<float>(-nmax) / max;
  float sumlx = 0.0f;
  float suml2 = 0.0f;
  for (int64_t i = 0; i < kBlock; ++i) {
    const int l = clampLevel(nearestInt(iscale * x[i]));
    levels[i] = static_cast<uint8_t>(l + nmax);
    const float fl = static_cast<float>(l);
    sumlx += w[i] * x[i] * fl;
    suml2 += w[i] * fl * fl;
  }
  float scale = suml2 != 0.0f ? sumlx / suml2 : 0.0f;
  float best = scale * sumlx;
  for (int is = -9; is <= 9; ++is) {
    if (is == 0)
      continue;
    // nmax + 0.1f * is is rounded to float before the negation and division.
    iscale = -(static_cast<float>(nmax) + 0.1f * static_cast<float>(is)) / max;
    sumlx = 0.0f;
    suml2 = 0.0f;
    for (int64_t i = 0; i < kBlock; ++i) {
      const float fl =
          static_cast<float>(clampLevel(nearestInt(iscale * x[i])));
      sumlx += w[i] * x[i] * fl;
      suml2 += w[i] * fl * fl;
    }
    // Compared cross-multiplied, as ggml does, not as sumlx^2 / suml2.
    if (suml2 > 0.0f && sumlx * sumlx > best * suml2) {
      for (int64_t i = 0; i < kBlock; ++i)
        levels[i] =
            static_cast<uint8_t>(clampLevel(nearestInt(iscale * x[i])) + nmax);
      scale = sumlx / suml2;
      best = scale * sumlx;
    }
  }
  return scale;
}

/// ggml's make_qkx3_quants with explicit weights and squared error: levels
/// l in [0, nmax] with x ~= scale * l + min, min <= 0. Starts from min =
/// min(x, 0) spread over [min, max], then for is in 0..nstep tries inverse
/// scale (rmin + rdelta * is + nmax) / (max - min), fits scale and min by
/// weighted least squares and keeps the fit if its weighted squared error is
/// smaller. Note that a kept fit's min becomes the offset that later
/// candidates round against. Returns the scale and stores -min in *negMin.
float makeOffsetQuants(const float *x, const float *w, int nmax, float rmin,
                       float rdelta, int nstep, uint8_t *levels,
                       float *negMin) {
  uint8_t trial[kBlock];
  float min = x[0];
  float max = x[0];
  float sumW = w[0];
  float sumX = sumW * x[0];
  for (int64_t i = 1; i < kBlock; ++i) {
    if (x[i] < min)
      min = x[i];
    if (x[i] > max)
      max = x[i];
    sumW += w[i];
    sumX += w[i] * x[i];
  }
  if (min > 0.0f)
    min = 0.0f;
  if (max <= min) {
    std::memset(levels, 0, kBlock);
    *negMin = -min;
    return 0.0f;
  }
  const float fmax = static_cast<float>(nmax);
  float iscale = fmax / (max - min);
  float scale = 1.0f / iscale;
  float bestError = 0.0f;
  for (int64_t i = 0; i < kBlock; ++i) {
    const int l = nearestInt(iscale * (x[i] - min));
    levels[i] = static_cast<uint8_t>(l < 0 ? 0 : (l > nmax ? nmax : l));
    const float diff = scale * static_cast<float>(levels[i]) + min - x[i];
    bestError += w[i] * (diff * diff);
  }
  for (int is = 0; is <= nstep; ++is) {
    iscale = (rmin + rdelta * static_cast<float>(is) + fmax) / (max - min);
    float sumL = 0.0f;
    float sumL2 = 0.0f;
    float sumXL = 0.0f;
    for (int64_t i = 0; i < kBlock; ++i) {
      // Clamped before rounding: once min has moved, v can be far outside
      // [0, nmax] (or not finite), where nearestInt would be meaningless.
      const float v = iscale * (x[i] - min);
      const int l = v > 0.0f ? nearestInt(v < fmax ? v : fmax) : 0;
      trial[i] = static_cast<uint8_t>(l);
      const float fl = static_cast<float>(l);
      sumL += w[i] * fl;
      sumL2 += w[i] * fl * fl;
      sumXL += w[i] * fl * x[i];
    }
    const float det = sumW * sumL2 - sumL * sumL;
    if (det > 0.0f) {
      float thisScale = (sumW * sumXL - sumX * sumL) / det;
      float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
      if (thisMin > 0.0f) {
        // The offset may only lower the levels; refit the scale alone.
        thisMin = 0.0f;
        thisScale = sumXL / sumL2;
      }
      float error = 0.0f;
      for (int64_t i = 0; i < kBlock; ++i) {
        const float diff =
            thisScale * static_cast<float>(trial[i]) + thisMin - x[i];
        error += w[i] * (diff * diff);
      }
      if (error < bestError) {
        std::memcpy(levels, trial, kBlock);
        bestError = error;
        scale = thisScale;
        min = thisMin;
      }
    }
  }
  *negMin = -min;
  return scale;
}

// ggml's parameters for the offset search of Q4_1 and Q5_1.
constexpr float kOffsetRMin = -0.9f;
constexpr float kOffsetRDelta = 0.05f;
constexpr int kOffsetSteps = 36;

//===----------------------------------------------------------------------===//
// Block loops shared by the four formats
//===----------------------------------------------------------------------===//

template <typename Block>
void storeBlock(void *dst, int64_t b, const Block &v) {
  std::memcpy(static_cast<unsigned char *>(dst) + b * sizeof(Block), &v,
              sizeof(Block));
}
template <typename Block> Block loadBlock(const void *src, int64_t b) {
  Block v;
  std::memcpy(&v, static_cast<const unsigned char *>(src) + b * sizeof(Block),
              sizeof(Block));
  return v;
}

/// Quantizes a row of a symmetric format (Q4_0 or Q5_0, `levels` 16 or 32),
/// calling `store(block index, d, levels)` per block.
template <typename Store>
void quantizeSymmetricRow(const float *src, int64_t n, const float *importance,
                          int levels, Store store) {
  uint8_t l[kBlock];
  if (!importance) {
    for (int64_t b = 0; b < n / kBlock; ++b)
      store(b, quantizeSymmetricRef(src + b * kBlock, levels, l), l);
    return;
  }
  const float sigma2 = rowMeanSquare(src, n);
  float weight[kBlock];
  for (int64_t b = 0; b < n / kBlock; ++b) {
    const float *x = src + b * kBlock;
    blockWeights(x, importance + b * kBlock, sigma2, weight);
    const float d = makeSymmetricQuants(x, weight, levels / 2, l);
    store(b, fp32ToFp16(d), l);
  }
}

/// Quantizes a row of an offset format (Q4_1 or Q5_1), calling
/// `store(block index, d, m, levels)` per block.
template <typename Store>
void quantizeOffsetRow(const float *src, int64_t n, const float *importance,
                       int levels, Store store) {
  uint8_t l[kBlock];
  if (!importance) {
    for (int64_t b = 0; b < n / kBlock; ++b) {
      uint16_t d, m;
      quantizeOffsetRef(src + b * kBlock, levels, d, m, l);
      store(b, d, m, l);
    }
    return;
  }
  const float sigma2 = rowMeanSquare(src, n);
  float weight[kBlock];
  for (int64_t b = 0; b < n / kBlock; ++b) {
    const float *x = src + b * kBlock;
    blockWeights(x, importance + b * kBlock, sigma2, weight);
    float negMin;
    const float d = makeOffsetQuants(x, weight, levels - 1, kOffsetRMin,
                                     kOffsetRDelta, kOffsetSteps, l, &negMin);
    store(b, fp32ToFp16(d), fp32ToFp16(-negMin), l);
  }
}

} // namespace

//===----------------------------------------------------------------------===//
// Q4_0
//===----------------------------------------------------------------------===//

void quantizeRowQ4_0Ref(const float *src, void *dst, int64_t n,
                        const float *importance) {
  quantizeSymmetricRow(src, n, importance, 16,
                       [dst](int64_t b, uint16_t d, const uint8_t *l) {
                         BlockQ4_0 block;
                         block.d = d;
                         packNibbles(l, block.qs);
                         storeBlock(dst, b, block);
                       });
}

void dequantizeRowQ4_0(const void *src, float *dst, int64_t n) {
  for (int64_t b = 0; b < n / kBlock; ++b) {
    const auto block = loadBlock<BlockQ4_0>(src, b);
    const float d = fp16ToFp32(block.d);
    float *y = dst + b * kBlock;
    for (int j = 0; j < kHalf; ++j) {
      y[j] = static_cast<float>((block.qs[j] & 0x0f) - 8) * d;
      y[j + kHalf] = static_cast<float>((block.qs[j] >> 4) - 8) * d;
    }
  }
}

//===----------------------------------------------------------------------===//
// Q4_1
//===----------------------------------------------------------------------===//

void quantizeRowQ4_1Ref(const float *src, void *dst, int64_t n,
                        const float *importance) {
  quantizeOffsetRow(src, n, importance, 16,
                    [dst](int64_t b, uint16_t d, uint16_t m, const uint8_t *l) {
                      BlockQ4_1 block;
                      block.d = d;
                      block.m = m;
                      packNibbles(l, block.qs);
                      storeBlock(dst, b, block);
                    });
}

void dequantizeRowQ4_1(const void *src, float *dst, int64_t n) {
  for (int64_t b = 0; b < n / kBlock; ++b) {
    const auto block = loadBlock<BlockQ4_1>(src, b);
    const float d = fp16ToFp32(block.d);
    const float m = fp16ToFp32(block.m);
    float *y = dst + b * kBlock;
    for (int j = 0; j < kHalf; ++j) {
      y[j] = static_cast<float>(block.qs[j] & 0x0f) * d + m;
      y[j + kHalf] = static_cast<float>(block.qs[j] >> 4) * d + m;
    }
  }
}

//===----------------------------------------------------------------------===//
// Q5_0
//===----------------------------------------------------------------------===//

void quantizeRowQ5_0Ref(const float *src, void *dst, int64_t n,
                        const float *importance) {
  quantizeSymmetricRow(src, n, importance, 32,
                       [dst](int64_t b, uint16_t d, const uint8_t *l) {
                         BlockQ5_0 block;
                         block.d = d;
                         packFifthBits(l, block.qh);
                         packNibbles(l, block.qs);
                         storeBlock(dst, b, block);
                       });
}

void dequantizeRowQ5_0(const void *src, float *dst, int64_t n) {
  for (int64_t b = 0; b < n / kBlock; ++b) {
    const auto block = loadBlock<BlockQ5_0>(src, b);
    const float d = fp16ToFp32(block.d);
    const uint32_t qh = loadFifthBits(block.qh);
    float *y = dst + b * kBlock;
    for (int j = 0; j < kHalf; ++j) {
      const int q0 = (block.qs[j] & 0x0f) | ((qh >> j) & 1u) << 4;
      const int q1 = (block.qs[j] >> 4) | ((qh >> (j + kHalf)) & 1u) << 4;
      y[j] = static_cast<float>(q0 - 16) * d;
      y[j + kHalf] = static_cast<float>(q1 - 16) * d;
    }
  }
}

//===----------------------------------------------------------------------===//
// Q5_1
//===----------------------------------------------------------------------===//

void quantizeRowQ5_1Ref(const float *src, void *dst, int64_t n,
                        const float *importance) {
  quantizeOffsetRow(src, n, importance, 32,
                    [dst](int64_t b, uint16_t d, uint16_t m, const uint8_t *l) {
                      BlockQ5_1 block;
                      block.d = d;
                      block.m = m;
                      packFifthBits(l, block.qh);
                      packNibbles(l, block.qs);
                      storeBlock(dst, b, block);
                    });
}

void dequantizeRowQ5_1(const void *src, float *dst, int64_t n) {
  for (int64_t b = 0; b < n / kBlock; ++b) {
    const auto block = loadBlock<BlockQ5_1>(src, b);
    const float d = fp16ToFp32(block.d);
    const float m = fp16ToFp32(block.m);
    const uint32_t qh = loadFifthBits(block.qh);
    float *y = dst + b * kBlock;
    for (int j = 0; j < kHalf; ++j) {
      const int q0 = (block.qs[j] & 0x0f) | ((qh >> j) & 1u) << 4;
      const int q1 = (block.qs[j] >> 4) | ((qh >> (j + kHalf)) & 1u) << 4;
      y[j] = static_cast<float>(q0) * d + m;
      y[j + kHalf] = static_cast<float>(q1) * d + m;
    }
  }
}

} // namespace quant
} // namespace llmq
