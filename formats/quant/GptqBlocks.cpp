//===- GptqBlocks.cpp - GPTQ inside ggml blocks: sweep-aware scales -------===//

#include "formats/quant/GptqBlocks.h"

#include "formats/Float.h"
#include "formats/quant/KQuantsImpl.h"
#include "formats/quant/LegacyQuants.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

using namespace llmq;
using namespace llmq::gptq;

int64_t llmq::gptq::scaleCols(Format f) {
  switch (f) {
  case Format::Q2_K:
  case Format::Q3_K:
  case Format::Q6_K:
    return 16;
  default:
    return 32;
  }
}

namespace {
using quant::kq::BlockQ2_K;
using quant::kq::BlockQ3_K;
using quant::kq::BlockQ4_K;
using quant::kq::BlockQ5_K;
using quant::kq::BlockQ6_K;

/// The offset of the fp16 scale `d` in a q4_0, q5_0 or q8_0 block (first).
constexpr size_t kLegacyScaleOffset = 0;
static_assert(offsetof(quant::BlockQ4_0, d) == kLegacyScaleOffset &&
                  offsetof(quant::BlockQ5_0, d) == kLegacyScaleOffset,
              "legacy blocks start with their scale");
/// Steps of the legacy fp16 scale a candidate moves by: 1/64 of it.
constexpr float kLegacyStep = 1.0f / 64.0f;
/// Steps of a q4_1/q5_1 min: 1/16 of the block's scale (a level's width).
constexpr float kMinStep = 1.0f / 16.0f;
static_assert(offsetof(quant::BlockQ4_1, d) == 0 &&
                  offsetof(quant::BlockQ4_1, m) == 2 &&
                  offsetof(quant::BlockQ5_1, d) == 0 &&
                  offsetof(quant::BlockQ5_1, m) == 2,
              "q4_1 and q5_1 blocks start with their scale and min");

/// A sub-block's integer scale (and min) with their ranges, and the
/// super-block multipliers the dequantizer applies to them.
struct SubScale {
  int sc = 0, mn = 0;
  int scLo = 0, scHi = 0, mnLo = 0, mnHi = 0;
  float d = 0, dmin = 0;
};

template <typename Block>
Block load(const uint8_t *p) {
  Block b;
  std::memcpy(&b, p, sizeof b);
  return b;
}
template <typename Block>
void store(const Block &b, uint8_t *p) {
  std::memcpy(p, &b, sizeof b);
}

/// q3_K's 6-bit scale j, stored with +32 (ggml's packing).
int q3Scale(const uint8_t *s, int j) {
  int low = j < 8 ? s[j] & 0xF : s[j - 8] >> 4;
  int high = (s[8 + j % 4] >> (2 * (j / 4))) & 3;
  return (low | high << 4) - 32;
}
void setQ3Scale(uint8_t *s, int j, int sc) {
  int l = sc + 32;
  if (j < 8)
    s[j] = uint8_t((s[j] & 0xF0) | (l & 0xF));
  else
    s[j - 8] = uint8_t((s[j - 8] & 0x0F) | (l & 0xF) << 4);
  int shift = 2 * (j / 4);
  uint8_t &h = s[8 + j % 4];
  h = uint8_t((h & ~(3 << shift)) | (l >> 4) << shift);
}

/// q4_K/q5_K's masked store of sub-block j's 6-bit scale and min (the
/// inverse of unpackScaleMinK4).
void setK4ScaleMin(uint8_t *s, int j, int sc, int mn) {
  if (j < 4) {
    s[j] = uint8_t((s[j] & 0xC0) | sc);
    s[j + 4] = uint8_t((s[j + 4] & 0xC0) | mn);
  } else {
    s[j + 4] = uint8_t((sc & 0xF) | (mn & 0xF) << 4);
    s[j - 4] = uint8_t((s[j - 4] & 0x3F) | (sc >> 4) << 6);
    s[j] = uint8_t((s[j] & 0x3F) | (mn >> 4) << 6);
  }
}

SubScale readK(Format f, const uint8_t *p, int j) {
  SubScale s;
  switch (f) {
  case Format::Q2_K: {
    auto b = load<BlockQ2_K>(p);
    s.sc = b.scales[j] & 0xF, s.mn = b.scales[j] >> 4;
    s.scHi = s.mnHi = 15;
    s.d = fp16ToFp32(b.d), s.dmin = fp16ToFp32(b.dmin);
    return s;
  }
  case Format::Q3_K: {
    auto b = load<BlockQ3_K>(p);
    s.sc = q3Scale(b.scales, j);
    s.scLo = -32, s.scHi = 31;
    s.d = fp16ToFp32(b.d);
    return s;
  }
  case Format::Q4_K:
  case Format::Q5_K: {
    // d, dmin and the 12 scale bytes lead both blocks.
    auto b = load<BlockQ4_K>(p);
    quant::unpackScaleMinK4(j, b.scales, s.sc, s.mn);
    s.scHi = s.mnHi = 63;
    s.d = fp16ToFp32(b.d), s.dmin = fp16ToFp32(b.dmin);
    return s;
  }
  case Format::Q6_K: {
    auto b = load<BlockQ6_K>(p);
    s.sc = b.scales[j];
    s.scLo = -128, s.scHi = 127;
    s.d = fp16ToFp32(b.d);
    return s;
  }
  default:
    return s;
  }
}

void writeK(Format f, uint8_t *p, int j, int sc, int mn) {
  switch (f) {
  case Format::Q2_K: {
    auto b = load<BlockQ2_K>(p);
    b.scales[j] = uint8_t(sc | mn << 4);
    return store(b, p);
  }
  case Format::Q3_K: {
    auto b = load<BlockQ3_K>(p);
    setQ3Scale(b.scales, j, sc);
    return store(b, p);
  }
  case Format::Q4_K:
  case Format::Q5_K: {
    auto b = load<BlockQ4_K>(p);
    setK4ScaleMin(b.scales, j, sc, mn);
    // Only the leading d, dmin and scales change: q5_K's layout agrees.
    std::memcpy(p, &b, offsetof(BlockQ4_K, qs));
    return;
  }
  case Format::Q6_K: {
    auto b = load<BlockQ6_K>(p);
    b.scales[j] = int8_t(sc);
    return store(b, p);
  }
  default:
    return;
  }
}
static_assert(offsetof(BlockQ4_K, scales) == offsetof(BlockQ5_K, scales) &&
                  offsetof(BlockQ4_K, qs) == offsetof(BlockQ5_K, qh),
              "q4_K and q5_K share their leading scale bytes");

/// GPTQ's objective over the span for one grid (a, m): the trial sweep's
/// sum of squared scaled errors, stopped once it reaches `best`. Levels
/// are rounded as the sweep rounds them (Gptq.cpp's RowGrid::nearest).
double trialLoss(const ScaleSpan &s, int64_t n, float a, float m, double best) {
  float y[32];
  std::copy(s.x, s.x + n, y);
  double loss = 0;
  for (int64_t k = 0; k < n; ++k) {
    int level = 0;
    if (a != 0 && std::isfinite(a)) {
      float t = (s.hasMin ? y[k] + m : y[k]) / a;
      if (std::isfinite(t))
        level = int(std::clamp(std::nearbyint(t), float(s.lo), float(s.hi)));
    }
    float v = a * float(level);
    if (s.hasMin)
      v -= m;
    const float *uk = s.u + k * s.ldu;
    float e = (y[k] - v) / uk[k];
    loss += double(e) * double(e);
    if (loss >= best)
      return loss;
    for (int64_t l = k + 1; l < n; ++l)
      y[l] -= e * uk[l];
  }
  return loss;
}
} // namespace

namespace {
/// Searches a q4_1/q5_1 block's fp16 scale and min together (searchScale).
void searchMinBlock(uint8_t *block, const ScaleSpan &span, int64_t n,
                    int radius, float *a, float *m) {
  uint16_t storedD, storedM;
  std::memcpy(&storedD, block + offsetof(quant::BlockQ4_1, d), 2);
  std::memcpy(&storedM, block + offsetof(quant::BlockQ4_1, m), 2);
  float d0 = fp16ToFp32(storedD), m0 = fp16ToFp32(storedM);
  uint16_t bestD = storedD, bestM = storedM;
  // The sweep's grid subtracts its min: value = d * q - (-m).
  double best = trialLoss(span, n, d0, -m0, INFINITY);
  for (int k = -radius; k <= radius; ++k)
    for (int l = -radius; l <= radius; ++l) {
      uint16_t d16 = k ? fp32ToFp16(d0 * (1.0f + kLegacyStep * float(k)))
                       : storedD;
      uint16_t m16 = l ? fp32ToFp16(m0 + d0 * kMinStep * float(l)) : storedM;
      float d = fp16ToFp32(d16), mn = fp16ToFp32(m16);
      if ((d16 == storedD && m16 == storedM) || !std::isfinite(d) ||
          !std::isfinite(mn))
        continue;
      double loss = trialLoss(span, n, d, -mn, best);
      if (loss < best)
        best = loss, bestD = d16, bestM = m16;
    }
  std::memcpy(block + offsetof(quant::BlockQ4_1, d), &bestD, 2);
  std::memcpy(block + offsetof(quant::BlockQ4_1, m), &bestM, 2);
  std::fill(a, a + n, fp16ToFp32(bestD));
  std::fill(m, m + n, -fp16ToFp32(bestM));
}
} // namespace

bool llmq::gptq::isMinBlock(Format f) {
  return f == Format::Q4_1 || f == Format::Q5_1;
}

void llmq::gptq::decodeMinBlock(Format f, const uint8_t *p, float *a,
                                float *m, int *q) {
  // q4_1 and q5_1 share d, m and ggml's nibble order; q5_1 adds qh.
  uint16_t d16, m16;
  std::memcpy(&d16, p + offsetof(quant::BlockQ4_1, d), 2);
  std::memcpy(&m16, p + offsetof(quant::BlockQ4_1, m), 2);
  uint32_t qh = 0;
  const uint8_t *qs;
  if (f == Format::Q5_1) {
    auto b = load<quant::BlockQ5_1>(p);
    qh = uint32_t(b.qh[0]) | uint32_t(b.qh[1]) << 8 |
         uint32_t(b.qh[2]) << 16 | uint32_t(b.qh[3]) << 24;
    qs = p + offsetof(quant::BlockQ5_1, qs);
  } else {
    qs = p + offsetof(quant::BlockQ4_1, qs);
  }
  for (int j = 0; j < 16; ++j) {
    q[j] = (qs[j] & 0xF) | int((qh >> j) & 1) << 4;
    q[j + 16] = (qs[j] >> 4) | int((qh >> (j + 16)) & 1) << 4;
  }
  std::fill(a, a + 32, fp16ToFp32(d16));
  std::fill(m, m + 32, -fp16ToFp32(m16));
}

void llmq::gptq::encodeMinBlock(Format f, const int *q, uint8_t *p) {
  uint8_t qs[16];
  uint32_t qh = 0;
  for (int j = 0; j < 16; ++j) {
    qs[j] = uint8_t((q[j] & 0xF) | (q[j + 16] & 0xF) << 4);
    qh |= uint32_t(q[j] >> 4 & 1) << j | uint32_t(q[j + 16] >> 4 & 1)
                                             << (j + 16);
  }
  if (f == Format::Q5_1) {
    uint8_t bytes[4] = {uint8_t(qh), uint8_t(qh >> 8), uint8_t(qh >> 16),
                        uint8_t(qh >> 24)};
    std::memcpy(p + offsetof(quant::BlockQ5_1, qh), bytes, 4);
    std::memcpy(p + offsetof(quant::BlockQ5_1, qs), qs, 16);
    return;
  }
  std::memcpy(p + offsetof(quant::BlockQ4_1, qs), qs, 16);
}

void llmq::gptq::searchScale(Format f, uint8_t *block, int sub,
                             const ScaleSpan &span, int radius, float *a,
                             float *m) {
  int64_t n = scaleCols(f);
  if (isMinBlock(f))
    return searchMinBlock(block, span, n, radius, a, m);
  bool legacy = f == Format::Q4_0 || f == Format::Q5_0 || f == Format::Q8_0;
  if (legacy) {
    uint16_t stored;
    std::memcpy(&stored, block + kLegacyScaleOffset, 2);
    float d0 = fp16ToFp32(stored);
    uint16_t best16 = stored;
    double best = trialLoss(span, n, d0, 0, INFINITY);
    for (int k = -radius; k <= radius; ++k) {
      if (k == 0)
        continue;
      uint16_t d16 = fp32ToFp16(d0 * (1.0f + kLegacyStep * float(k)));
      float d = fp16ToFp32(d16);
      if (d16 == stored || !std::isfinite(d))
        continue;
      double loss = trialLoss(span, n, d, 0, best);
      if (loss < best)
        best = loss, best16 = d16;
    }
    std::memcpy(block + kLegacyScaleOffset, &best16, 2);
    std::fill(a, a + n, fp16ToFp32(best16));
    std::fill(m, m + n, 0.0f);
    return;
  }
  SubScale s = readK(f, block, sub);
  int bestSc = s.sc, bestMn = s.mn;
  auto grid = [&](int sc, int mn, float &ga, float &gm) {
    ga = s.d * float(sc);
    gm = span.hasMin ? s.dmin * float(mn) : 0.0f;
  };
  float ga, gm;
  grid(s.sc, s.mn, ga, gm);
  double best = trialLoss(span, n, ga, gm, INFINITY);
  int mnRadius = span.hasMin ? radius : 0;
  for (int sc = std::max(s.scLo, s.sc - radius);
       sc <= std::min(s.scHi, s.sc + radius); ++sc)
    for (int mn = std::max(s.mnLo, s.mn - mnRadius);
         mn <= std::min(s.mnHi, s.mn + mnRadius); ++mn) {
      if (sc == s.sc && mn == s.mn)
        continue;
      grid(sc, mn, ga, gm);
      double loss = trialLoss(span, n, ga, gm, best);
      if (loss < best)
        best = loss, bestSc = sc, bestMn = mn;
    }
  writeK(f, block, sub, bestSc, bestMn);
  grid(bestSc, bestMn, ga, gm);
  std::fill(a, a + n, ga);
  std::fill(m, m + n, gm);
}

int llmq::gptq::neighbourScales(Format f, const uint8_t *block, int sub,
                                ScaleChoice *out) {
  int count = 0;
  if (isMinBlock(f) || f == Format::Q4_0 || f == Format::Q5_0 ||
      f == Format::Q8_0) {
    bool hasMin = isMinBlock(f);
    uint16_t d16, m16 = 0;
    std::memcpy(&d16, block, 2);
    if (hasMin)
      std::memcpy(&m16, block + offsetof(quant::BlockQ4_1, m), 2);
    float d0 = fp16ToFp32(d16), m0 = fp16ToFp32(m16);
    auto add = [&](uint16_t d, uint16_t m) {
      float a = fp16ToFp32(d), mn = fp16ToFp32(m);
      if ((d == d16 && m == m16) || !std::isfinite(a) || !std::isfinite(mn))
        return;
      ScaleChoice &c = out[count++];
      c.d16 = d, c.m16 = m, c.a = a, c.m = hasMin ? -mn : 0.0f;
    };
    for (int k : {-1, 1})
      add(fp32ToFp16(d0 * (1.0f + kLegacyStep * float(k))), m16);
    if (hasMin)
      for (int k : {-1, 1})
        add(d16, fp32ToFp16(m0 + d0 * kMinStep * float(k)));
    return count;
  }
  SubScale s = readK(f, block, sub);
  bool hasMin = f == Format::Q2_K || f == Format::Q4_K || f == Format::Q5_K;
  auto add = [&](int sc, int mn) {
    if (sc < s.scLo || sc > s.scHi || mn < s.mnLo || mn > s.mnHi)
      return;
    ScaleChoice &c = out[count++];
    c.sc = sc, c.mn = mn;
    c.a = s.d * float(sc);
    c.m = hasMin ? s.dmin * float(mn) : 0.0f;
  };
  add(s.sc - 1, s.mn);
  add(s.sc + 1, s.mn);
  if (hasMin) {
    add(s.sc, s.mn - 1);
    add(s.sc, s.mn + 1);
  }
  return count;
}

void llmq::gptq::storeScale(Format f, uint8_t *block, int sub,
                            const ScaleChoice &c) {
  if (isMinBlock(f)) {
    std::memcpy(block + offsetof(quant::BlockQ4_1, d), &c.d16, 2);
    std::memcpy(block + offsetof(quant::BlockQ4_1, m), &c.m16, 2);
    return;
  }
  if (f == Format::Q4_0 || f == Format::Q5_0 || f == Format::Q8_0) {
    std::memcpy(block + kLegacyScaleOffset, &c.d16, 2);
    return;
  }
  writeK(f, block, sub, c.sc, c.mn);
}
