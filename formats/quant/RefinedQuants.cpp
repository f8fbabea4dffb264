//===- RefinedQuants.cpp - A wider scale search for 32-element blocks -----===//

#include "formats/quant/RefinedQuants.h"

#include "formats/Float.h"
#include "formats/quant/LegacyQuants.h"

#include <cmath>
#include <cstring>

using namespace llmq;
using namespace llmq::quant;

namespace {

constexpr int kBlock = 32;

/// A block's levels and range as the search sees them.
struct Shape {
  int lo, hi;  ///< levels: value = d * l (+ m), l in [lo, hi]
  bool hasMin; ///< the "_1" formats: value = d * l + m
};

bool shapeOf(Format f, Shape &s) {
  switch (f) {
  case Format::Q4_0:
    s = {-8, 7, false};
    return true;
  case Format::Q5_0:
    s = {-16, 15, false};
    return true;
  case Format::Q8_0:
    s = {-127, 127, false};
    return true;
  case Format::Q4_1:
    s = {0, 15, true};
    return true;
  case Format::Q5_1:
    s = {0, 31, true};
    return true;
  default:
    return false;
  }
}

int roundLevel(float v, const Shape &s) {
  if (!(v > static_cast<float>(s.lo)))
    return s.lo;
  if (!(v < static_cast<float>(s.hi)))
    return s.hi;
  return static_cast<int>(std::lround(v));
}

/// The candidate's value of level l, computed as the dequantizers do.
inline float decode(float d, float m, int l, bool hasMin) {
  return hasMin ? d * static_cast<float>(l) + m : static_cast<float>(l) * d;
}

/// One candidate: fp16 scale and min and its levels.
struct Candidate {
  uint16_t d = 0, m = 0;
  int l[kBlock];
  double error = 0;
};

double blockError(const float *x, const double *w, const Candidate &c,
                  bool hasMin) {
  float d = fp16ToFp32(c.d), m = fp16ToFp32(c.m);
  double e = 0;
  for (int j = 0; j < kBlock; ++j) {
    double diff = static_cast<double>(x[j]) - decode(d, m, c.l[j], hasMin);
    e += w[j] * diff * diff;
  }
  return e;
}

/// Fits the scale (and min) of levels `l` by weighted least squares, rounds
/// them to fp16; false when the fit is degenerate or not representable.
bool fit(const float *x, const double *w, const int *l, const Shape &s,
         uint16_t &dOut, uint16_t &mOut) {
  double sw = 0, sl = 0, sll = 0, sx = 0, slx = 0;
  for (int j = 0; j < kBlock; ++j) {
    double fl = l[j];
    sw += w[j];
    sl += w[j] * fl;
    sll += w[j] * fl * fl;
    sx += w[j] * x[j];
    slx += w[j] * fl * x[j];
  }
  double d, m = 0;
  if (s.hasMin) {
    double det = sw * sll - sl * sl;
    if (!(det > 0))
      return false;
    d = (sw * slx - sx * sl) / det;
    m = (sll * sx - sl * slx) / det;
  } else {
    if (!(sll > 0))
      return false;
    d = slx / sll;
  }
  if (!std::isfinite(d) || !std::isfinite(m) || d == 0)
    return false;
  dOut = fp32ToFp16(static_cast<float>(d));
  mOut = fp32ToFp16(static_cast<float>(m));
  float df = fp16ToFp32(dOut), mf = fp16ToFp32(mOut);
  return std::isfinite(df) && std::isfinite(mf) && df != 0.0f;
}

/// Levels nearest to x for the stored scale and min of `c`.
void reround(const float *x, const Shape &s, Candidate &c) {
  float d = fp16ToFp32(c.d), m = fp16ToFp32(c.m);
  float id = 1.0f / d;
  for (int j = 0; j < kBlock; ++j)
    c.l[j] = roundLevel((x[j] - (s.hasMin ? m : 0.0f)) * id, s);
}

/// Starts from levels `c.l`, alternates least-squares fit and re-rounding
/// twice, and keeps the best state seen in `best`.
void improve(const float *x, const double *w, const Shape &s, Candidate &c,
             Candidate &best) {
  for (int round = 0; round < 2; ++round) {
    if (!fit(x, w, c.l, s, c.d, c.m))
      return;
    c.error = blockError(x, w, c, s.hasMin);
    if (c.error < best.error)
      best = c;
    reround(x, s, c);
    c.error = blockError(x, w, c, s.hasMin);
    if (c.error < best.error)
      best = c;
  }
}

/// Greedy rounding: flips single levels to the value's other neighbour on
/// the stored grid, refitting the scale (and min) after each flip, as long
/// as the weighted error falls (at most `passes` sweeps over the block).
void flipLevels(const float *x, const double *w, const Shape &s,
                Candidate &best, int passes) {
  Candidate c = best;
  for (int pass = 0; pass < passes; ++pass) {
    bool changed = false;
    for (int j = 0; j < kBlock; ++j) {
      float d = fp16ToFp32(c.d), m = s.hasMin ? fp16ToFp32(c.m) : 0.0f;
      float v = (x[j] - m) / d;
      int other = static_cast<float>(c.l[j]) < v ? c.l[j] + 1 : c.l[j] - 1;
      if (other < s.lo || other > s.hi)
        continue;
      Candidate t = c;
      t.l[j] = other;
      if (!fit(x, w, t.l, s, t.d, t.m))
        continue;
      t.error = blockError(x, w, t, s.hasMin);
      if (t.error < c.error) {
        c = t;
        changed = true;
      }
    }
    if (!changed)
      break;
  }
  if (c.error < best.error)
    best = c;
}

/// Searches one block starting from ggml's `start`; returns whether a
/// strictly better candidate was found (in `best`).
bool searchBlock(const float *x, const double *w, const Shape &s,
                 Candidate &best) {
  float lo = x[0], hi = x[0], amax = 0, signedMax = 0;
  for (int j = 0; j < kBlock; ++j) {
    if (!std::isfinite(x[j]))
      return false;
    lo = std::min(lo, x[j]);
    hi = std::max(hi, x[j]);
    if (std::fabs(x[j]) > amax) {
      amax = std::fabs(x[j]);
      signedMax = x[j];
    }
  }
  if (amax == 0.0f)
    return false;
  double start = best.error;
  Candidate c;
  // Inverse scales around the range's natural one, in steps of 1/16 level.
  constexpr int kSteps = 48;
  for (int side = 0; side < (s.hasMin ? 1 : 2); ++side) {
    for (int k = 0; k <= kSteps; ++k) {
      float delta = -2.0f + 3.0f * static_cast<float>(k) / kSteps;
      if (s.hasMin) {
        if (!(hi > lo))
          return false;
        float iscale = (static_cast<float>(s.hi) + delta) / (hi - lo);
        for (int j = 0; j < kBlock; ++j)
          c.l[j] = roundLevel((x[j] - lo) * iscale, s);
      } else {
        // side 0 maps the largest magnitude to the long end (lo), side 1
        // to the short end (hi), as a positive or negative scale.
        float end = side == 0 ? static_cast<float>(-s.lo) + delta
                              : static_cast<float>(s.hi) + delta;
        if (!(end > 0.5f))
          continue;
        float iscale = (side == 0 ? -end : end) / signedMax;
        for (int j = 0; j < kBlock; ++j)
          c.l[j] = roundLevel(x[j] * iscale, s);
      }
      improve(x, w, s, c, best);
    }
  }
  if (best.error < start)
    flipLevels(x, w, s, best, 2);
  return best.error < start;
}

/// Writes levels and fp16 scale (and min) as block `b` of format `f`.
void storeBlock(Format f, const Candidate &c, uint8_t *dst) {
  uint8_t q[kBlock];
  switch (f) {
  case Format::Q8_0: {
    std::memcpy(dst, &c.d, 2);
    for (int j = 0; j < kBlock; ++j)
      dst[2 + j] = static_cast<uint8_t>(static_cast<int8_t>(c.l[j]));
    return;
  }
  case Format::Q4_0:
  case Format::Q5_0:
    for (int j = 0; j < kBlock; ++j)
      q[j] = static_cast<uint8_t>(c.l[j] + (f == Format::Q4_0 ? 8 : 16));
    break;
  default:
    for (int j = 0; j < kBlock; ++j)
      q[j] = static_cast<uint8_t>(c.l[j]);
    break;
  }
  size_t at = 0;
  std::memcpy(dst, &c.d, 2);
  at = 2;
  if (f == Format::Q4_1 || f == Format::Q5_1) {
    std::memcpy(dst + at, &c.m, 2);
    at += 2;
  }
  if (f == Format::Q5_0 || f == Format::Q5_1) {
    uint32_t mask = 0;
    for (int j = 0; j < kBlock; ++j)
      mask |= static_cast<uint32_t>((q[j] >> 4) & 1u) << j;
    for (int b = 0; b < 4; ++b)
      dst[at + b] = static_cast<uint8_t>(mask >> (8 * b));
    at += 4;
  }
  for (int j = 0; j < kBlock / 2; ++j)
    dst[at + j] = static_cast<uint8_t>((q[j] & 0x0f) |
                                       ((q[j + kBlock / 2] & 0x0f) << 4));
}

} // namespace

bool llmq::quant::hasRefinedSearch(Format format) {
  Shape s;
  return shapeOf(format, s);
}

void llmq::quant::quantizeRowRefined(Format format, const float *src,
                                     void *dst, int64_t n,
                                     const float *importance) {
  const FormatTraits &t = getFormatTraits(format);
  t.quantizeRow(src, dst, n, importance);
  Shape s;
  if (!shapeOf(format, s))
    return;
  uint8_t *out = static_cast<uint8_t *>(dst);
  double w[kBlock];
  float y[kBlock];
  uint8_t trial[64];
  for (int64_t b = 0; b < n / kBlock; ++b) {
    const float *x = src + b * kBlock;
    uint8_t *block = out + b * t.blockBytes;
    for (int j = 0; j < kBlock; ++j)
      w[j] = importance ? importance[b * kBlock + j] : 1.0;
    // ggml's block, decoded by its own dequantizer, is the one to beat.
    t.dequantizeRow(block, y, kBlock);
    Candidate best;
    best.error = 0;
    for (int j = 0; j < kBlock; ++j) {
      double diff = static_cast<double>(x[j]) - y[j];
      best.error += w[j] * diff * diff;
    }
    double ggmlError = best.error;
    if (!searchBlock(x, w, s, best))
      continue;
    // Checked through the format's own dequantizer before it is kept.
    storeBlock(format, best, trial);
    t.dequantizeRow(trial, y, kBlock);
    double e = 0;
    for (int j = 0; j < kBlock; ++j) {
      double diff = static_cast<double>(x[j]) - y[j];
      e += w[j] * diff * diff;
    }
    if (e < ggmlError)
      std::memcpy(block, trial, t.blockBytes);
  }
}
