//===- KQuantsFinish.cpp - From sub-block scales to K-quant bytes ---------===//
//
// The second half of each ggml K-quant quantizer: quantize the sub-block
// scales (and mins) against one fp16 super-block scale, re-quantize every
// weight against the scale it will actually decode with, and pack. Both
// llmq's scalar reference and its vectorized quantizers end here, so these
// steps are written once.
//
// Two ggml behaviours are easy to "fix" by accident and must stay:
//  - a sub-block whose decoded scale is exactly 0 is skipped by the
//    re-quantization and keeps the levels its search picked (they still
//    decode to -min, or to 0);
//  - the super-block scales are rounded to fp16 first, and the
//    re-quantization divides by the rounded value times the integer
//    sub-block scale, not by the searched float scale.
//
//===----------------------------------------------------------------------===//

#include "formats/quant/KQuantsImpl.h"

#include <cmath>
#include <cstring>

#pragma STDC FP_CONTRACT OFF

namespace llmq {
namespace quant {
namespace kq {
namespace {

/// Packs 256 2-bit levels as q2_K and q3_K do: byte l of each 32-byte group
/// holds levels l, l+32, l+64 and l+96 of a 128-weight half, low bits first.
template <typename LevelT> void pack2Bit(const LevelT *L, uint8_t *qs) {
  for (int j = 0; j < kSuperBlock; j += 128)
    for (int l = 0; l < 32; ++l)
      qs[j / 4 + l] =
          static_cast<uint8_t>(L[j + l] | (L[j + l + 32] << 2) |
                               (L[j + l + 64] << 4) | (L[j + l + 96] << 6));
}

/// Largest value in `v`, or 0 when none is positive (ggml's max_scale and
/// max_min start at 0 and only grow on a strict >).
float positiveMax(const float *v, int n) {
  float max = 0.0f;
  for (int j = 0; j < n; ++j)
    if (v[j] > max)
      max = v[j];
  return max;
}

/// q2_K's last step: re-quantize against the stored 4-bit scale and min
/// and pack.
void requantizeQ2_K(const float *x, uint8_t *L, BlockQ2_K &block) {
  const float dAll = fp16ToFp32(block.d);
  const float mAll = fp16ToFp32(block.dmin);
  for (int j = 0; j < 16; ++j) {
    const float d = dAll * static_cast<float>(block.scales[j] & 0xF);
    if (d == 0.0f)
      continue;
    const float m = mAll * static_cast<float>(block.scales[j] >> 4);
    for (int ii = 0; ii < 16; ++ii) {
      int l = nearestInt((x[16 * j + ii] + m) / d);
      l = 3 < l ? 3 : l;
      L[16 * j + ii] = static_cast<uint8_t>(0 > l ? 0 : l);
    }
  }
  pack2Bit(L, block.qs);
}

/// Stores sub-block j's 6-bit level (0..63) into q3_K's 12 scale bytes:
/// low nibbles of 0-7 in bytes 0-7, of 8-15 in their high nibbles, and the
/// top two bits of all 16 in bytes 8-11, two bits per sub-block. `scales`
/// must start zeroed.
void packScaleQ3_K(int j, int l, uint8_t *scales) {
  if (j < 8)
    scales[j] = static_cast<uint8_t>(l & 0xF);
  else
    scales[j - 8] |= static_cast<uint8_t>((l & 0xF) << 4);
  l >>= 4;
  scales[j % 4 + 8] |= static_cast<uint8_t>(l << (2 * (j / 4)));
}

/// q3_K's last step: decode each 6-bit signed sub-block scale, re-quantize
/// to [-4, 3] and split levels into 2 low bits and a high-bit mask.
void requantizeQ3_K(const float *x, int8_t *L, BlockQ3_K &block) {
  const float dAll = fp16ToFp32(block.d);
  for (int j = 0; j < 16; ++j) {
    int8_t sc = static_cast<int8_t>(j < 8 ? block.scales[j] & 0xF
                                          : block.scales[j - 8] >> 4);
    sc = static_cast<int8_t>(
        (sc | (((block.scales[8 + j % 4] >> (2 * (j / 4))) & 3) << 4)) - 32);
    const float d = dAll * static_cast<float>(sc);
    if (d == 0.0f)
      continue;
    for (int ii = 0; ii < 16; ++ii) {
      int l = nearestInt(x[16 * j + ii] / d);
      l = 3 < l ? 3 : l;
      l = -4 > l ? -4 : l;
      L[16 * j + ii] = static_cast<int8_t>(l + 4);
    }
  }
  // The high bit of weight j goes to bit j/32 of hmask[j%32]. Branch-free
  // (the bit is close to random) but the same values as ggml's
  // `if (L[j] > 3) { set the bit; L[j] -= 4; }`.
  std::memset(block.hmask, 0, sizeof(block.hmask));
  for (int bit = 0; bit < 8; ++bit) {
    for (int m = 0; m < 32; ++m) {
      const int j = 32 * bit + m;
      const int high = L[j] > 3;
      block.hmask[m] |= static_cast<uint8_t>(high << bit);
      L[j] = static_cast<int8_t>(L[j] - 4 * high);
    }
  }
  pack2Bit(L, block.qs);
}

/// Stores sub-block j's 6-bit scale and min into the 12 bytes q4_K and q5_K
/// share (ggml reads them back with get_scale_min_k4): sub-blocks 0-3 whole
/// in bytes 0-3 and 4-7, sub-blocks 4-7 as nibbles in bytes 8-11 with their
/// top two bits in the spare top bits of bytes 0-7. Levels are uint8_t as
/// in ggml, so out-of-range ones are truncated the same way.
void packScaleMinK4(int j, uint8_t ls, uint8_t lm, uint8_t *scales) {
  if (j < 4) {
    scales[j] = ls;
    scales[j + 4] = lm;
  } else {
    scales[j + 4] = static_cast<uint8_t>((ls & 0xF) | ((lm & 0xF) << 4));
    scales[j - 4] |= static_cast<uint8_t>((ls >> 4) << 6);
    scales[j - 0] |= static_cast<uint8_t>((lm >> 4) << 6);
  }
}

} // namespace

/// q4_K/q5_K's re-quantization to [0, nmax] against the stored scales.
void requantizeQ45_K(const float *x, int nmax, uint16_t d16, uint16_t dmin16,
                     const uint8_t *packedScales, uint8_t *L) {
  const float dAll = fp16ToFp32(d16);
  const float mAll = fp16ToFp32(dmin16);
  for (int j = 0; j < 8; ++j) {
    int sc, m;
    unpackScaleMinK4(j, packedScales, sc, m);
    const float d = dAll * static_cast<float>(sc);
    if (d == 0.0f)
      continue;
    const float dm = mAll * static_cast<float>(m);
    for (int ii = 0; ii < 32; ++ii) {
      int l = nearestInt((x[32 * j + ii] + dm) / d);
      l = nmax < l ? nmax : l;
      L[32 * j + ii] = static_cast<uint8_t>(0 > l ? 0 : l);
    }
  }
}


void finishQ2_K(const float *x, const float *scales, const float *mins,
                uint8_t *L, BlockQ2_K &block) {
  const float q4scale = 15.0f;
  const float maxScale = positiveMax(scales, 16);
  const float maxMin = positiveMax(mins, 16);
  if (maxScale > 0.0f) {
    const float iscale = q4scale / maxScale;
    for (int j = 0; j < 16; ++j)
      block.scales[j] = static_cast<uint8_t>(nearestInt(iscale * scales[j]));
    block.d = fp32ToFp16(maxScale / q4scale);
  } else {
    std::memset(block.scales, 0, sizeof(block.scales));
    block.d = fp32ToFp16(0.0f);
  }
  if (maxMin > 0.0f) {
    const float iscale = q4scale / maxMin;
    for (int j = 0; j < 16; ++j) {
      const int l = nearestInt(iscale * mins[j]);
      block.scales[j] |= static_cast<uint8_t>(static_cast<unsigned>(l) << 4);
    }
    block.dmin = fp32ToFp16(maxMin / q4scale);
  } else {
    block.dmin = fp32ToFp16(0.0f);
  }
  requantizeQ2_K(x, L, block);
}

void finishQ2_KWeighted(const float *x, const float *scales, const float *mins,
                        const float *sw, uint8_t *L, BlockQ2_K &block) {
  uint8_t Ls[16], Lm[16];
  const float dm = makeQpQuants(16, 15, scales, Ls, sw);
  const float mm = makeQpQuants(16, 15, mins, Lm, sw);
  block.d = fp32ToFp16(dm);
  block.dmin = fp32ToFp16(mm);
  for (int j = 0; j < 16; ++j)
    block.scales[j] = static_cast<uint8_t>(Ls[j] | (Lm[j] << 4));
  requantizeQ2_K(x, L, block);
}

void finishQ3_K(const float *x, const float *scales, int8_t *L,
                BlockQ3_K &block) {
  // The signed scale of largest magnitude becomes -32, the one level the
  // 6-bit range [-32, 31] has to spare.
  float maxScale = 0.0f;
  float amax = 0.0f;
  for (int j = 0; j < 16; ++j) {
    const float scale = std::fabs(scales[j]);
    if (scale > amax) {
      amax = scale;
      maxScale = scales[j];
    }
  }
  std::memset(block.scales, 0, sizeof(block.scales));
  if (maxScale != 0.0f) {
    const float iscale = -32.0f / maxScale;
    for (int j = 0; j < 16; ++j) {
      // ggml lands the rounded level in an int8_t before clamping.
      int l = static_cast<int8_t>(nearestInt(iscale * scales[j]));
      l = 31 < l ? 31 : l;
      l = (-32 > l ? -32 : l) + 32;
      packScaleQ3_K(j, l, block.scales);
    }
    block.d = fp32ToFp16(1.0f / iscale);
  } else {
    block.d = fp32ToFp16(0.0f);
  }
  requantizeQ3_K(x, L, block);
}

void finishQ3_KWeighted(const float *x, const float *scales, const float *sw,
                        int8_t *L, BlockQ3_K &block) {
  std::memset(block.scales, 0, sizeof(block.scales));
  int8_t Ls[16];
  const float dBlock = makeQxQuants(16, 32, scales, Ls, sw);
  for (int j = 0; j < 16; ++j)
    packScaleQ3_K(j, Ls[j], block.scales);
  block.d = fp32ToFp16(dBlock);
  requantizeQ3_K(x, L, block);
}

void finishQ45_K(const float *x, const float *scales, const float *mins,
                 int nmax, uint8_t *L, uint16_t &d, uint16_t &dmin,
                 uint8_t *packedScales) {
  scalesQ45_K(scales, mins, d, dmin, packedScales);
  requantizeQ45_K(x, nmax, d, dmin, packedScales, L);
}

void scalesQ45_K(const float *scales, const float *mins, uint16_t &d,
                 uint16_t &dmin, uint8_t *packedScales) {
  const float maxScale = positiveMax(scales, 8);
  const float maxMin = positiveMax(mins, 8);
  const float invScale = maxScale > 0.0f ? 63.0f / maxScale : 0.0f;
  const float invMin = maxMin > 0.0f ? 63.0f / maxMin : 0.0f;
  for (int j = 0; j < 8; ++j) {
    uint8_t ls = static_cast<uint8_t>(nearestInt(invScale * scales[j]));
    uint8_t lm = static_cast<uint8_t>(nearestInt(invMin * mins[j]));
    ls = ls < 63 ? ls : 63;
    lm = lm < 63 ? lm : 63;
    packScaleMinK4(j, ls, lm, packedScales);
  }
  d = fp32ToFp16(maxScale / 63.0f);
  dmin = fp32ToFp16(maxMin / 63.0f);
}

void finishQ45_KWeighted(const float *x, const float *scales, const float *mins,
                         const float *sw, int nmax, bool clampLevels,
                         uint8_t *L, uint16_t &d, uint16_t &dmin,
                         uint8_t *packedScales) {
  uint8_t Ls[8], Lm[8];
  const float dBlock = makeQpQuants(8, 63, scales, Ls, sw);
  const float mBlock = makeQpQuants(8, 63, mins, Lm, sw);
  scalesQ45_KWeighted(Ls, Lm, dBlock, mBlock, clampLevels, d, dmin,
                      packedScales);
  requantizeQ45_K(x, nmax, d, dmin, packedScales, L);
}

void scalesQ45_KWeighted(const uint8_t *Ls, const uint8_t *Lm, float dBlock,
                         float mBlock, bool clampLevels, uint16_t &d,
                         uint16_t &dmin, uint8_t *packedScales) {
  for (int j = 0; j < 8; ++j) {
    uint8_t ls = Ls[j];
    uint8_t lm = Lm[j];
    if (clampLevels) {
      ls = ls < 63 ? ls : 63;
      lm = lm < 63 ? lm : 63;
    }
    packScaleMinK4(j, ls, lm, packedScales);
  }
  d = fp32ToFp16(dBlock);
  dmin = fp32ToFp16(mBlock);
}

void finishQ6_K(const float *x, const float *scales, int8_t *L,
                BlockQ6_K &block) {
  if (!scalesQ6_K(scales, block))
    return;
  requantizeQ6_K(x, block, L);
  packQ6_K(L, block);
}

bool scalesQ6_K(const float *scales, BlockQ6_K &block) {
  float maxScale = 0.0f;
  float maxAbsScale = 0.0f;
  for (int ib = 0; ib < 16; ++ib) {
    const float absScale = std::fabs(scales[ib]);
    if (absScale > maxAbsScale) {
      maxAbsScale = absScale;
      maxScale = scales[ib];
    }
  }
  if (maxAbsScale < kGroupMaxEps) {
    std::memset(&block, 0, sizeof(block));
    return false;
  }
  // As in q3_K, the largest-magnitude scale maps to -128; levels stop at
  // 127 on the other side.
  const float iscale = -128.0f / maxScale;
  block.d = fp32ToFp16(1.0f / iscale);
  for (int ib = 0; ib < 16; ++ib) {
    const int l = nearestInt(iscale * scales[ib]);
    block.scales[ib] = static_cast<int8_t>(127 < l ? 127 : l);
  }
  return true;
}

void requantizeQ6_K(const float *x, const BlockQ6_K &block, int8_t *L) {
  const float dAll = fp16ToFp32(block.d);
  for (int j = 0; j < 16; ++j) {
    const float d = dAll * static_cast<float>(block.scales[j]);
    if (d == 0.0f)
      continue;
    for (int ii = 0; ii < 16; ++ii) {
      int l = nearestInt(x[16 * j + ii] / d);
      l = 31 < l ? 31 : l;
      l = -32 > l ? -32 : l;
      L[16 * j + ii] = static_cast<int8_t>(l + 32);
    }
  }
}

void packQ6_K(const int8_t *L, BlockQ6_K &block) {
  // Weights l, l+32, l+64, l+96 of each 128-weight half share: ql[l] (low
  // nibbles of the 1st and 3rd), ql[l+32] (2nd and 4th), qh[l] (top bits).
  uint8_t *ql = block.ql;
  uint8_t *qh = block.qh;
  for (int j = 0; j < kSuperBlock; j += 128) {
    for (int l = 0; l < 32; ++l) {
      const int q1 = L[j + l + 0] & 0xF;
      const int q2 = L[j + l + 32] & 0xF;
      const int q3 = L[j + l + 64] & 0xF;
      const int q4 = L[j + l + 96] & 0xF;
      ql[l + 0] = static_cast<uint8_t>(q1 | (q3 << 4));
      ql[l + 32] = static_cast<uint8_t>(q2 | (q4 << 4));
      qh[l] = static_cast<uint8_t>(
          (L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) |
          ((L[j + l + 64] >> 4) << 4) | ((L[j + l + 96] >> 4) << 6));
    }
    ql += 64;
    qh += 32;
  }
}

void packQ4_K(const uint8_t *L, uint8_t *qs) {
  for (int j = 0; j < kSuperBlock; j += 64) {
    for (int l = 0; l < 32; ++l)
      qs[l] = static_cast<uint8_t>(L[j + l] | (L[j + l + 32] << 4));
    qs += 32;
  }
}

void packQ5_K(const uint8_t *L, uint8_t *qs, uint8_t *qh) {
  // Levels 2k and 2k+1 of each 64-weight group put their fifth bit into
  // bits 2k and 2k+1 of qh. Branch-free, with the values of ggml's
  // `if (l > 15) { l -= 16; set the bit; }`.
  std::memset(qh, 0, 32);
  for (int n = 0, shift = 0; n < kSuperBlock; n += 64, shift += 2) {
    for (int j = 0; j < 32; ++j) {
      int l1 = L[n + j];
      int l2 = L[n + j + 32];
      const int high1 = l1 > 15;
      const int high2 = l2 > 15;
      l1 -= 16 * high1;
      l2 -= 16 * high2;
      qh[j] |= static_cast<uint8_t>((high1 | (high2 << 1)) << shift);
      qs[j] = static_cast<uint8_t>(l1 | (l2 << 4));
    }
    qs += 32;
  }
}

} // namespace kq
} // namespace quant
} // namespace llmq
