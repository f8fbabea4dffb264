//===- IQ4.cpp - ggml's IQ4_NL and IQ4_XS ---------------------------------===//
//
// Both formats come from one quantizer in ggml, quantize_row_iq4_nl_impl,
// run over a "super-block" of 32 weights (IQ4_NL) or 256 (IQ4_XS):
//
//  1. Each run of 32 gets its own float scale from a small search: start from
//     the scale that maps the weight of largest magnitude x_max to +127 (so
//     onto the top level, 113), then try the 15 inverse scales
//     (itry - 127) / x_max for itry in -7..7, which put it near the bottom
//     level -127 instead; for each, take every weight's nearest level and
//     the weighted least-squares scale for those levels, keeping the fit
//     that explains the most weighted energy.
//  2. IQ4_NL stores that scale as fp16 and picks the levels again with it.
//     IQ4_XS quantizes the 8 run scales to 6-bit multiples of one fp16 scale
//     d = -max_scale / 32 and picks the levels of each run again with its
//     quantized scale.
//
// ggml_quantize_chunk runs this search whether or not an importance vector is
// given (there is no plain reference path as for Q4_0); without one the error
// weights are x^2, with one importance * sqrt(sigma2 + x^2), sigma2 being
// twice the mean square of the super-block.
//
// Every floating-point step is ggml's, in ggml's order and precision.
//
//===----------------------------------------------------------------------===//

#include "formats/quant/IQ4.h"

#include "formats/Float.h"

#include <cmath>
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

/// Weights sharing one float scale during the search.
constexpr int kRun = 32;
/// Half the search width: inverse scales (itry + level[0]) / max for itry in
/// -kTries..kTries. ggml passes ntry = 7 for both formats.
constexpr int kTries = 7;
/// ggml's GROUP_MAX_EPS: runs whose largest magnitude is below this are
/// treated as all zeros.
constexpr float kGroupMaxEps = 1e-15f;

/// ggml's nearest_int: round to nearest, ties to even, via the FPU.
inline int nearestInt(float v) {
  const float shifted = v + 12582912.0f;
  int32_t bits;
  std::memcpy(&bits, &shifted, sizeof(bits));
  return (bits & 0x007fffff) - 0x00400000;
}

/// Index of the level nearest to x (ggml's best_index_int8). Level i wins
/// once x reaches the midpoint of levels i-1 and i, so a tie goes up. The
/// comparison is made on 2x against the sum of the two levels, both exact in
/// float, rather than on rounded distances; a branch-free binary search over
/// the 16 sorted levels.
inline int nearestLevel(float x) {
  const float x2 = x + x;
  int idx = 0;
  for (int step = 8; step > 0; step >>= 1) {
    const int j = idx + step;
    const float midpoint2 =
        static_cast<float>(kIQ4NLValues[j - 1] + kIQ4NLValues[j]);
    idx = x2 >= midpoint2 ? j : idx;
  }
  return idx;
}

/// Step 1 for one run of 32 weights: the best float scale, or 0 for a run
/// of (near) zeros. The levels found on the way are not kept; both callers
/// pick them again from the final scale.
float searchRunScale(const float *x, const float *weight) {
  float amax = 0.0f;
  float max = 0.0f;
  for (int j = 0; j < kRun; ++j) {
    const float ax = std::fabs(x[j]);
    if (ax > amax) {
      amax = ax;
      max = x[j];
    }
  }
  if (amax < kGroupMaxEps)
    return 0.0f;

  const float level0 = static_cast<float>(kIQ4NLValues[0]);
  // First guess: max * id = +127, past the top level 113 (ggml writes
  // -max / values[0]); the tries below aim max at the bottom level instead.
  float d = -max / level0;
  float id = 1.0f / d;
  float sumqx = 0.0f;
  float sumq2 = 0.0f;
  for (int j = 0; j < kRun; ++j) {
    const float q = static_cast<float>(kIQ4NLValues[nearestLevel(id * x[j])]);
    sumqx += weight[j] * q * x[j];
    sumq2 += weight[j] * q * q;
  }
  d = sumq2 > 0.0f ? sumqx / sumq2 : 0.0f;
  float best = d * sumqx;
  for (int itry = -kTries; itry <= kTries; ++itry) {
    // The numerator is an integer (itry + -127), converted exactly.
    id = static_cast<float>(itry + kIQ4NLValues[0]) / max;
    sumqx = 0.0f;
    sumq2 = 0.0f;
    for (int j = 0; j < kRun; ++j) {
      const float q = static_cast<float>(kIQ4NLValues[nearestLevel(id * x[j])]);
      sumqx += weight[j] * q * x[j];
      sumq2 += weight[j] * q * q;
    }
    // Least-squares fit explaining the most weighted energy, compared
    // cross-multiplied as ggml does.
    if (sumq2 > 0.0f && sumqx * sumqx > best * sumq2) {
      d = sumqx / sumq2;
      best = d * sumqx;
    }
  }
  return d;
}

/// The error weights of the super-block `x` of `n` weights, run by run:
/// weight[j] for element j of the super-block.
void superBlockWeights(const float *x, int n, const float *importance,
                       float *weight) {
  if (!importance) {
    for (int j = 0; j < n; ++j)
      weight[j] = x[j] * x[j];
    return;
  }
  float sigma2 = 0.0f;
  for (int j = 0; j < n; ++j)
    sigma2 += x[j] * x[j];
  sigma2 *= 2.0f / static_cast<float>(n);
  for (int j = 0; j < n; ++j)
    weight[j] = importance[j] * std::sqrt(sigma2 + x[j] * x[j]);
}

/// Packs the 4-bit indices of runs of 32 the IQ4_NL way: index j of a run in
/// the low nibble of byte j for j < 16, in the high nibble of byte j - 16
/// otherwise.
void packRuns(const uint8_t *l, int n, uint8_t *qs) {
  for (int r = 0; r < n / kRun; ++r)
    for (int j = 0; j < kRun / 2; ++j)
      qs[16 * r + j] =
          static_cast<uint8_t>(l[kRun * r + j] | (l[kRun * r + 16 + j] << 4));
}

} // namespace

//===----------------------------------------------------------------------===//
// IQ4_NL
//===----------------------------------------------------------------------===//

void quantizeRowIQ4_NLRef(const float *src, void *dst, int64_t n,
                          const float *importance) {
  auto *out = static_cast<unsigned char *>(dst);
  float weight[kRun];
  uint8_t l[kRun];
  for (int64_t b = 0; b < n / kIQ4NLBlockElems; ++b) {
    const float *x = src + b * kIQ4NLBlockElems;
    superBlockWeights(x, kRun,
                      importance ? importance + b * kIQ4NLBlockElems : nullptr,
                      weight);
    const float d = searchRunScale(x, weight);
    // The levels come from the float scale, not its fp16 rounding. A zero
    // run gets id = 0 and so the level nearest 0 (index 8, value 1).
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    for (int j = 0; j < kRun; ++j)
      l[j] = static_cast<uint8_t>(nearestLevel(id * x[j]));

    BlockIQ4_NL block;
    block.d = fp32ToFp16(d);
    packRuns(l, kRun, block.qs);
    std::memcpy(out + b * sizeof(BlockIQ4_NL), &block, sizeof(block));
  }
}

void dequantizeRowIQ4_NL(const void *src, float *dst, int64_t n) {
  const auto *in = static_cast<const unsigned char *>(src);
  for (int64_t b = 0; b < n / kIQ4NLBlockElems; ++b) {
    BlockIQ4_NL block;
    std::memcpy(&block, in + b * sizeof(BlockIQ4_NL), sizeof(block));
    const float d = fp16ToFp32(block.d);
    float *y = dst + b * kIQ4NLBlockElems;
    for (int j = 0; j < 16; ++j) {
      y[j] = d * static_cast<float>(kIQ4NLValues[block.qs[j] & 0x0f]);
      y[j + 16] = d * static_cast<float>(kIQ4NLValues[block.qs[j] >> 4]);
    }
  }
}

//===----------------------------------------------------------------------===//
// IQ4_XS
//===----------------------------------------------------------------------===//

void quantizeRowIQ4_XSRef(const float *src, void *dst, int64_t n,
                          const float *importance) {
  constexpr int kSuper = static_cast<int>(kIQ4XSBlockElems);
  constexpr int kRuns = kSuper / kRun;
  auto *out = static_cast<unsigned char *>(dst);
  float weight[kSuper];
  float scales[kRuns];
  uint8_t l[kSuper];
  for (int64_t b = 0; b < n / kIQ4XSBlockElems; ++b) {
    const float *x = src + b * kIQ4XSBlockElems;
    superBlockWeights(x, kSuper,
                      importance ? importance + b * kIQ4XSBlockElems : nullptr,
                      weight);

    // The run scale of largest magnitude, with its sign (first one on ties).
    float maxScale = 0.0f;
    float amaxScale = 0.0f;
    for (int r = 0; r < kRuns; ++r) {
      scales[r] = searchRunScale(x + kRun * r, weight + kRun * r);
      const float a = std::fabs(scales[r]);
      if (a > amaxScale) {
        amaxScale = a;
        maxScale = scales[r];
      }
    }

    BlockIQ4_XS block;
    std::memset(&block, 0, sizeof(block));
    // maxScale becomes the 6-bit scale -32. An all-zero super-block gives
    // d = -0.0, which ggml stores as it is (fp16 0x8000).
    const float d = -maxScale / 32.0f;
    block.d = fp32ToFp16(d);
    // As in IQ4_NL, the float d and not its fp16 rounding picks the levels.
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    for (int r = 0; r < kRuns; ++r) {
      int s = nearestInt(id * scales[r]);
      s = s < -32 ? -32 : (s > 31 ? 31 : s);
      const float dl = d * static_cast<float>(s);
      const float idl = dl != 0.0f ? 1.0f / dl : 0.0f;
      for (int j = 0; j < kRun; ++j)
        l[kRun * r + j] =
            static_cast<uint8_t>(nearestLevel(idl * x[kRun * r + j]));
      const unsigned biased = static_cast<unsigned>(s + 32);
      block.scalesL[r / 2] |=
          static_cast<uint8_t>((biased & 0x0f) << 4 * (r % 2));
      block.scalesH |= static_cast<uint16_t>((biased >> 4) << 2 * r);
    }
    packRuns(l, kSuper, block.qs);
    std::memcpy(out + b * sizeof(BlockIQ4_XS), &block, sizeof(block));
  }
}

void dequantizeRowIQ4_XS(const void *src, float *dst, int64_t n) {
  const auto *in = static_cast<const unsigned char *>(src);
  for (int64_t b = 0; b < n / kIQ4XSBlockElems; ++b) {
    BlockIQ4_XS block;
    std::memcpy(&block, in + b * sizeof(BlockIQ4_XS), sizeof(block));
    const float d = fp16ToFp32(block.d);
    float *y = dst + b * kIQ4XSBlockElems;
    for (int r = 0; r < static_cast<int>(kIQ4XSBlockElems) / kRun; ++r) {
      const int s = ((block.scalesL[r / 2] >> 4 * (r % 2)) & 0x0f) |
                    ((block.scalesH >> 2 * r) & 3) << 4;
      const float dl = d * static_cast<float>(s - 32);
      const uint8_t *qs = block.qs + 16 * r;
      for (int j = 0; j < 16; ++j) {
        y[kRun * r + j] = dl * static_cast<float>(kIQ4NLValues[qs[j] & 0x0f]);
        y[kRun * r + j + 16] =
            dl * static_cast<float>(kIQ4NLValues[qs[j] >> 4]);
      }
    }
  }
}

} // namespace quant
} // namespace llmq
