//===- KQuantsSearch.cpp - ggml's scalar sub-block scale searches ---------===//
//
// The five searches ggml's K-quants use to pick a sub-block's scale (and
// min) and levels, as scalar code that follows ggml-quants.c operation for
// operation. Bit-exactness hinges on details that look incidental:
//
//  - float expressions keep C's left-to-right evaluation, e.g. w*x*l is
//    (w*x)*l and w*l*l is (w*l)*l, with int levels converted to float at
//    the multiply;
//  - every sum is accumulated sequentially in index order;
//  - no multiply-add is fused (the pragma below), as ggml's build of these
//    functions (ggml-base, no -march) cannot fuse either;
//  - levels that ggml keeps in uint8_t or int8_t arrays wrap when stored,
//    while the same level held in an int does not, and later arithmetic
//    sees whichever ggml would see;
//  - state that looks loop-invariant is not: make_qkx2/3_quants move `min`
//    inside their sweep, and later steps of the sweep use the moved value.
//
//===----------------------------------------------------------------------===//

#include "formats/quant/KQuantsImpl.h"

#include <cmath>
#include <cstring>

#pragma STDC FP_CONTRACT OFF

namespace llmq {
namespace quant {
namespace kq {

float makeQxQuants(int n, int nmax, const float *x, int8_t *L,
                   const float *qw) {
  // The signed value of largest magnitude; the first one wins ties.
  float max = 0.0f;
  float amax = 0.0f;
  for (int i = 0; i < n; ++i) {
    const float ax = std::fabs(x[i]);
    if (ax > amax) {
      amax = ax;
      max = x[i];
    }
  }
  if (amax < kGroupMaxEps) {
    std::memset(L, 0, n);
    return 0.0f;
  }
  // Map that value to -nmax, so the asymmetric range [-nmax, nmax-1] spends
  // its extra negative level on the largest weight.
  const float fnmax = static_cast<float>(nmax);
  float iscale = static_cast<float>(-nmax) / max;
  float sumlx = 0.0f;
  float suml2 = 0.0f;
  for (int i = 0; i < n; ++i) {
    int l = nearestInt(iscale * x[i]);
    l = l < nmax - 1 ? l : nmax - 1;
    l = -nmax > l ? -nmax : l;
    L[i] = static_cast<int8_t>(l + nmax);
    const float w = qw ? qw[i] : x[i] * x[i];
    sumlx += w * x[i] * static_cast<float>(l);
    suml2 += w * static_cast<float>(l) * static_cast<float>(l);
  }
  float scale = suml2 != 0.0f ? sumlx / suml2 : 0.0f;
  float best = scale * sumlx;
  // Try 18 nearby inverse scales; keep one when it explains more of the
  // weighted energy (sumlx^2 / suml2), compared without dividing.
  for (int is = -9; is <= 9; ++is) {
    if (is == 0)
      continue;
    iscale = -(fnmax + 0.1f * static_cast<float>(is)) / max;
    sumlx = suml2 = 0.0f;
    for (int i = 0; i < n; ++i) {
      int l = nearestInt(iscale * x[i]);
      l = l < nmax - 1 ? l : nmax - 1;
      l = -nmax > l ? -nmax : l;
      const float w = qw ? qw[i] : x[i] * x[i];
      sumlx += w * x[i] * static_cast<float>(l);
      suml2 += w * static_cast<float>(l) * static_cast<float>(l);
    }
    if (suml2 > 0.0f && sumlx * sumlx > best * suml2) {
      for (int i = 0; i < n; ++i) {
        int l = nearestInt(iscale * x[i]);
        l = l < nmax - 1 ? l : nmax - 1;
        l = -nmax > l ? -nmax : l;
        L[i] = static_cast<int8_t>(l + nmax);
      }
      scale = sumlx / suml2;
      best = scale * sumlx;
    }
  }
  return scale;
}

float makeQ3Quants(int n, int nmax, const float *x, int8_t *L) {
  float max = 0.0f;
  float amax = 0.0f;
  for (int i = 0; i < n; ++i) {
    const float ax = std::fabs(x[i]);
    if (ax > amax) {
      amax = ax;
      max = x[i];
    }
  }
  if (amax < kGroupMaxEps) {
    std::memset(L, 0, n);
    return 0.0f;
  }
  const float iscale = static_cast<float>(-nmax) / max;
  float sumlx = 0.0f;
  float suml2 = 0.0f;
  // L holds the signed level during the descent and is offset at the end.
  for (int i = 0; i < n; ++i) {
    int l = nearestInt(iscale * x[i]);
    l = l < nmax - 1 ? l : nmax - 1;
    l = -nmax > l ? -nmax : l;
    L[i] = static_cast<int8_t>(l);
    const float w = x[i] * x[i];
    sumlx += w * x[i] * static_cast<float>(l);
    suml2 += w * static_cast<float>(l) * static_cast<float>(l);
  }
  // Coordinate descent: move one level to the best value for the scale the
  // others imply, keep it if the fit improves, at most five sweeps.
  for (int itry = 0; itry < 5; ++itry) {
    int nChanged = 0;
    for (int i = 0; i < n; ++i) {
      const float w = x[i] * x[i];
      float slx = sumlx - w * x[i] * static_cast<float>(L[i]);
      if (slx > 0.0f) {
        float sl2 =
            suml2 - w * static_cast<float>(L[i]) * static_cast<float>(L[i]);
        int newL = nearestInt(x[i] * sl2 / slx);
        newL = newL < nmax - 1 ? newL : nmax - 1;
        newL = -nmax > newL ? -nmax : newL;
        if (newL != L[i]) {
          slx += w * x[i] * static_cast<float>(newL);
          sl2 += w * static_cast<float>(newL) * static_cast<float>(newL);
          if (sl2 > 0.0f && slx * slx * suml2 > sumlx * sumlx * sl2) {
            L[i] = static_cast<int8_t>(newL);
            sumlx = slx;
            suml2 = sl2;
            ++nChanged;
          }
        }
      }
    }
    if (!nChanged)
      break;
  }
  for (int i = 0; i < n; ++i)
    L[i] = static_cast<int8_t>(L[i] + nmax);
  return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}

float makeQkx2Quants(int n, int nmax, const float *x, const float *weights,
                     uint8_t *L, float *theMin, uint8_t *Laux, float rmin,
                     float rdelta, int nstep, bool useMad) {
  float min = x[0];
  float max = x[0];
  float sumW = weights[0];
  float sumX = sumW * x[0];
  for (int i = 1; i < n; ++i) {
    if (x[i] < min)
      min = x[i];
    if (x[i] > max)
      max = x[i];
    const float w = weights[i];
    sumW += w;
    sumX += w * x[i];
  }
  // The min is an offset subtracted from every weight; it never goes above
  // zero, so an all-positive group still decodes 0 exactly.
  if (min > 0.0f)
    min = 0.0f;
  if (max == min) {
    std::memset(L, 0, n);
    *theMin = -min;
    return 0.0f;
  }
  const float fnmax = static_cast<float>(nmax);
  float iscale = fnmax / (max - min);
  float scale = 1.0f / iscale;
  float bestError = 0.0f;
  for (int i = 0; i < n; ++i) {
    int l = nearestInt(iscale * (x[i] - min));
    l = nmax < l ? nmax : l;
    L[i] = static_cast<uint8_t>(0 > l ? 0 : l);
    float diff = scale * static_cast<float>(L[i]) + min - x[i];
    diff = useMad ? std::fabs(diff) : diff * diff;
    bestError += weights[i] * diff;
  }
  if (nstep < 1) {
    *theMin = -min;
    return scale;
  }
  // Sweep the inverse scale; at each step solve the weighted least-squares
  // scale and min for the levels that step picks.
  for (int is = 0; is <= nstep; ++is) {
    iscale = (rmin + rdelta * static_cast<float>(is) + fnmax) / (max - min);
    float sumL = 0.0f, sumL2 = 0.0f, sumXL = 0.0f;
    for (int i = 0; i < n; ++i) {
      int l = nearestInt(iscale * (x[i] - min));
      l = nmax < l ? nmax : l;
      l = 0 > l ? 0 : l;
      Laux[i] = static_cast<uint8_t>(l);
      const float w = weights[i];
      const float fl = static_cast<float>(l);
      sumL += w * fl;
      sumL2 += w * fl * fl;
      sumXL += w * fl * x[i];
    }
    const float D = sumW * sumL2 - sumL * sumL;
    if (D > 0.0f) {
      float thisScale = (sumW * sumXL - sumX * sumL) / D;
      float thisMin = (sumL2 * sumX - sumL * sumXL) / D;
      if (thisMin > 0.0f) {
        thisMin = 0.0f;
        thisScale = sumXL / sumL2;
      }
      float curError = 0.0f;
      for (int i = 0; i < n; ++i) {
        float diff = thisScale * static_cast<float>(Laux[i]) + thisMin - x[i];
        diff = useMad ? std::fabs(diff) : diff * diff;
        curError += weights[i] * diff;
      }
      if (curError < bestError) {
        std::memcpy(L, Laux, n);
        bestError = curError;
        scale = thisScale;
        // Later steps measure from this min (and its max - min).
        min = thisMin;
      }
    }
  }
  *theMin = -min;
  return scale;
}

float makeQkx3Quants(int n, int nmax, const float *x, const float *weights,
                     uint8_t *L, float *theMin, uint8_t *Laux, float rmin,
                     float rdelta, int nstep, bool useMad) {
  float min = x[0];
  float max = x[0];
  float sumW = weights[0];
  float sumX = sumW * x[0];
  for (int i = 1; i < n; ++i) {
    if (x[i] < min)
      min = x[i];
    if (x[i] > max)
      max = x[i];
    const float w = weights[i];
    sumW += w;
    sumX += w * x[i];
  }
  if (min > 0.0f)
    min = 0.0f;
  // ggml writes <= here and == in make_qkx2_quants; max < min cannot
  // happen, so both only catch constant groups.
  if (max <= min) {
    std::memset(L, 0, n);
    *theMin = -min;
    return 0.0f;
  }
  const float fnmax = static_cast<float>(nmax);
  float iscale = fnmax / (max - min);
  float scale = 1.0f / iscale;
  float bestMad = 0.0f;
  for (int i = 0; i < n; ++i) {
    int l = nearestInt(iscale * (x[i] - min));
    l = nmax < l ? nmax : l;
    L[i] = static_cast<uint8_t>(0 > l ? 0 : l);
    float diff = scale * static_cast<float>(L[i]) + min - x[i];
    diff = useMad ? std::fabs(diff) : diff * diff;
    bestMad += weights[i] * diff;
  }
  if (nstep < 1) {
    *theMin = -min;
    return scale;
  }
  for (int is = 0; is <= nstep; ++is) {
    iscale = (rmin + rdelta * static_cast<float>(is) + fnmax) / (max - min);
    float sumL = 0.0f, sumL2 = 0.0f, sumXL = 0.0f;
    for (int i = 0; i < n; ++i) {
      // Unlike the first pass, the sweep clamps before rounding and maps
      // anything not above 0 (NaN included) to 0: once min has moved close
      // to max, v can be huge, infinite or NaN.
      const float v = iscale * (x[i] - min);
      const int l = v > 0.0f ? nearestInt(v < fnmax ? v : fnmax) : 0;
      Laux[i] = static_cast<uint8_t>(l);
      const float w = weights[i];
      const float fl = static_cast<float>(l);
      sumL += w * fl;
      sumL2 += w * fl * fl;
      sumXL += w * fl * x[i];
    }
    const float D = sumW * sumL2 - sumL * sumL;
    if (D > 0.0f) {
      float thisScale = (sumW * sumXL - sumX * sumL) / D;
      float thisMin = (sumL2 * sumX - sumL * sumXL) / D;
      if (thisMin > 0.0f) {
        thisMin = 0.0f;
        thisScale = sumXL / sumL2;
      }
      float mad = 0.0f;
      for (int i = 0; i < n; ++i) {
        float diff = thisScale * static_cast<float>(Laux[i]) + thisMin - x[i];
        diff = useMad ? std::fabs(diff) : diff * diff;
        mad += weights[i] * diff;
      }
      if (mad < bestMad) {
        std::memcpy(L, Laux, n);
        bestMad = mad;
        scale = thisScale;
        min = thisMin;
      }
    }
  }
  *theMin = -min;
  return scale;
}

float makeQpQuants(int n, int nmax, const float *x, uint8_t *L,
                   const float *qw) {
  float max = 0.0f;
  for (int i = 0; i < n; ++i)
    max = max > x[i] ? max : x[i];
  if (max < kGroupMaxEps) {
    std::memset(L, 0, n);
    return 0.0f;
  }
  const float fnmax = static_cast<float>(nmax);
  float iscale = fnmax / max;
  // ggml stores these first levels unclamped into uint8_t: a negative
  // input wraps, and the error below sees the wrapped level.
  for (int i = 0; i < n; ++i)
    L[i] = static_cast<uint8_t>(nearestInt(iscale * x[i]));
  const float scale = 1.0f / iscale;
  float bestMse = 0.0f;
  for (int i = 0; i < n; ++i) {
    const float diff = x[i] - scale * static_cast<float>(L[i]);
    bestMse += qw[i] * diff * diff;
  }
  for (int is = -4; is <= 4; ++is) {
    if (is == 0)
      continue;
    const float iscaleIs = (0.1f * static_cast<float>(is) + fnmax) / max;
    const float scaleIs = 1.0f / iscaleIs;
    float mse = 0.0f;
    for (int i = 0; i < n; ++i) {
      int l = nearestInt(iscaleIs * x[i]);
      l = nmax < l ? nmax : l; // an int here: no wrap
      const float diff = x[i] - scaleIs * static_cast<float>(l);
      mse += qw[i] * diff * diff;
    }
    if (mse < bestMse) {
      bestMse = mse;
      iscale = iscaleIs;
    }
  }
  float sumlx = 0.0f;
  float suml2 = 0.0f;
  for (int i = 0; i < n; ++i) {
    int l = nearestInt(iscale * x[i]);
    l = nmax < l ? nmax : l;
    L[i] = static_cast<uint8_t>(l);
    const float w = qw[i];
    sumlx += w * x[i] * static_cast<float>(l);
    suml2 += w * static_cast<float>(l) * static_cast<float>(l);
  }
  for (int itry = 0; itry < 5; ++itry) {
    int nChanged = 0;
    for (int i = 0; i < n; ++i) {
      const float w = qw[i];
      const float li = static_cast<float>(L[i]);
      float slx = sumlx - w * x[i] * li;
      float sl2 = suml2 - w * li * li;
      if (slx > 0.0f && sl2 > 0.0f) {
        int newL = nearestInt(x[i] * sl2 / slx);
        newL = nmax < newL ? nmax : newL;
        if (newL != static_cast<int>(L[i])) {
          slx += w * x[i] * static_cast<float>(newL);
          sl2 += w * static_cast<float>(newL) * static_cast<float>(newL);
          if (slx * slx * suml2 > sumlx * sumlx * sl2) {
            L[i] = static_cast<uint8_t>(newL);
            sumlx = slx;
            suml2 = sl2;
            ++nChanged;
          }
        }
      }
    }
    if (!nChanged)
      break;
  }
  return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}

} // namespace kq
} // namespace quant
} // namespace llmq
