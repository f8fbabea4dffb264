//===- KQuantsFast.cpp - K-quant quantizers vectorized across sub-blocks --===//
//
// The public quantizeRow*_K. Almost all of a K-quant's time goes into the
// sub-block searches (make_qkx2_quants and friends), which sweep a few
// dozen candidate scales and accumulate weighted sums over the sub-block
// for each. Those sums are sequential chains, and reassociating them would
// change the result, so the elements of one sub-block cannot be processed
// in parallel. The sub-blocks of a super-block, though, are independent:
// here each SIMD lane runs one sub-block's search, executing exactly the
// float operations of the scalar search in KQuantsSearch.cpp in the same
// order. Per-lane control flow becomes masks:
//
//  - an `if` that updates the best candidate becomes a select on the lanes
//    where it holds, its condition computed as in ggml (NaN compares false
//    in both);
//  - a data-dependent `break` (make_q3_quants' sweeps) runs until every
//    lane would have stopped: a sweep that changed nothing leaves the
//    state as it was, so repeating it changes nothing either;
//  - lanes ggml would have returned early from (all-zero or constant
//    groups) run the search on garbage and are overwritten at the end.
//
// Division, square root and the int conversions are correctly rounded in
// SIMD as in scalar code, so every lane's result is bit-identical to the
// scalar search; KQuantsTest checks it on random and degenerate data. The
// per-block steps after the search are KQuantsFinish.cpp's, shared with
// the reference.
//
// The kernels are written once with clang vector extensions and inlined
// into an entry point per instruction set (SSE2 baseline, AVX2, AVX-512),
// picked at run time.
//
//===----------------------------------------------------------------------===//

#include "formats/quant/KQuants.h"
#include "formats/quant/KQuantsImpl.h"

#include <atomic>
#include <cmath>
#include <cstring>

// Never fuse a*b+c: the AVX-512 entry points enable FMA instructions, and
// ggml's arithmetic has none.
#pragma STDC FP_CONTRACT OFF

#if defined(__clang__)
#define LLMQ_KQUANTS_VECTORIZED 1
#else
#define LLMQ_KQUANTS_VECTORIZED 0
#endif

#if LLMQ_KQUANTS_VECTORIZED && (defined(__x86_64__) || defined(__i386__))
#define LLMQ_KQUANTS_X86 1
#else
#define LLMQ_KQUANTS_X86 0
#endif

namespace llmq {
namespace quant {
namespace kq {

namespace {

std::atomic<KQuantIsa> &isaOverride() {
  static std::atomic<KQuantIsa> isa{bestKQuantIsa()};
  return isa;
}

} // namespace

KQuantIsa bestKQuantIsa() {
#if LLMQ_KQUANTS_X86
  return detectQuantIsa();
#else
  return KQuantIsa::Generic;
#endif
}

void setKQuantIsa(KQuantIsa isa) { isaOverride().store(isa); }

KQuantIsa currentKQuantIsa() { return isaOverride().load(); }

} // namespace kq

#if LLMQ_KQUANTS_VECTORIZED

using namespace kq;

namespace {

#define KQ_INLINE inline __attribute__((always_inline))

/// N lanes of float or int32; lane j works on sub-block j.
template <int N> using VF = float __attribute__((vector_size(4 * N)));
template <int N> using VI = int32_t __attribute__((vector_size(4 * N)));

template <int N> KQ_INLINE VF<N> splat(float f) { return VF<N>{} + f; }
template <int N> KQ_INLINE VI<N> splatI(int i) { return VI<N>{} + i; }

template <int N> KQ_INLINE VF<N> toFloat(VI<N> v) {
  return __builtin_convertvector(v, VF<N>);
}

template <int N> KQ_INLINE VF<N> vabs(VF<N> v) {
  return __builtin_elementwise_abs(v);
}

template <int N> KQ_INLINE bool any(VI<N> mask) {
  return __builtin_reduce_or(mask) != 0;
}

/// nearestInt per lane, bit trick included (see KQuantsImpl.h).
template <int N> KQ_INLINE VI<N> nearestIntV(VF<N> f) {
  const VF<N> v = f + 12582912.0f;
  return (__builtin_bit_cast(VI<N>, v) & 0x007fffff) - 0x00400000;
}

/// nearestInt per lane as a float, for lanes where |f| < 2^22: adding and
/// removing 1.5 * 2^23 rounds to the nearest integer, ties to even, as the
/// bit trick does in that range (outside it the two differ, so callers
/// check the range first, see rangeSafe).
template <int N> KQ_INLINE VF<N> nearestF(VF<N> f) {
  return (f + 12582912.0f) - 12582912.0f;
}

/// Lanes where scale * v is within nearestF's exact range for every v with
/// |v| <= maxAbs (the rounded product is monotonic in |v|); false for NaN.
template <int N> KQ_INLINE VI<N> rangeSafe(VF<N> scale, VF<N> maxAbs) {
  return __builtin_elementwise_abs(scale) * maxAbs < 2097152.0f; // 2^21
}

template <int N> KQ_INLINE bool all(VI<N> mask) {
  return __builtin_reduce_and(mask) != 0;
}

/// Selects rather than fminf/fmaxf, whose NaN rules cost extra
/// instructions on x86; the lanes that use it hold no NaN.
template <int N> KQ_INLINE VF<N> maxF(VF<N> a, VF<N> b) { return a > b ? a : b; }

template <int N> KQ_INLINE VF<N> clampF(VF<N> v, float lo, float hi) {
  const VF<N> l = VF<N>{} + lo, h = VF<N>{} + hi;
  v = v > l ? v : l;
  return v < h ? v : h;
}

/// Lanes whose values are all finite (no inf, no NaN).
template <int N, int n> KQ_INLINE VI<N> allFinite(const VF<N> *xT) {
  VI<N> finite = VI<N>{} - 1;
  for (int i = 0; i < n; ++i)
    finite &= __builtin_elementwise_abs(xT[i]) <= 3.40282347e+38f;
  return finite;
}

template <int N> KQ_INLINE VI<N> clampI(VI<N> v, int lo, int hi) {
  return __builtin_elementwise_max(__builtin_elementwise_min(v, splatI<N>(hi)),
                                   splatI<N>(lo));
}

/// xT[i] lane j = x[j * n + i]: one vector per position in the sub-block.
template <int N, int n> KQ_INLINE void transposeIn(const float *x, VF<N> *xT) {
  alignas(64) float t[n][N];
  for (int j = 0; j < N; ++j)
    for (int i = 0; i < n; ++i)
      t[i][j] = x[j * n + i];
  for (int i = 0; i < n; ++i)
    std::memcpy(&xT[i], t[i], sizeof(VF<N>));
}

/// The inverse of transposeIn for levels, narrowed to LevelT.
template <int N, int n, typename LevelT>
KQ_INLINE void transposeOut(const VI<N> *LT, LevelT *L) {
  alignas(64) int32_t t[n][N];
  for (int i = 0; i < n; ++i)
    std::memcpy(t[i], &LT[i], sizeof(VI<N>));
  for (int j = 0; j < N; ++j)
    for (int i = 0; i < n; ++i)
      L[j * n + i] = static_cast<LevelT>(t[i][j]);
}

template <int N> KQ_INLINE void storeLanes(VF<N> v, float *out) {
  std::memcpy(out, &v, sizeof(v));
}

//===----------------------------------------------------------------------===//
// Searches, one sub-block per lane
//===----------------------------------------------------------------------===//

/// make_qkx2_quants (Qkx3 false) or make_qkx3_quants (Qkx3 true) on N
/// sub-blocks of n weights. Writes the levels to LT (transposed), the
/// scales to `scales` and -min to `theMins`.
///
/// Two values are kept across candidates instead of being recomputed, which
/// changes no result: x - min (min only moves when a lane improves) and the
/// levels as floats (small integers, exact either way).
template <int N, int n, bool Qkx3>
KQ_INLINE void searchQkx(const VF<N> *xT, const VF<N> *wT, int nmax, float rmin,
                         float rdelta, int nstep, bool useMad, VI<N> *LT,
                         float *scales, float *theMins) {
  using F = VF<N>;
  using I = VI<N>;
  const F zero = F{};
  F min = xT[0];
  F max = xT[0];
  F sumW = wT[0];
  F sumX = sumW * xT[0];
  for (int i = 1; i < n; ++i) {
    min = xT[i] < min ? xT[i] : min;
    max = xT[i] > max ? xT[i] : max;
    sumW += wT[i];
    sumX += wT[i] * xT[i];
  }
  min = min > zero ? zero : min;
  const I degenerate = Qkx3 ? (max <= min) : (max == min);
  const F min0 = min;

  F xm[n]; // x - min
  for (int i = 0; i < n; ++i)
    xm[i] = xT[i] - min;

  const float fnmax = static_cast<float>(nmax);
  const F vnmax = splat<N>(fnmax);
  F iscale = vnmax / (max - min);
  F scale = 1.0f / iscale;
  F bestError = zero;
  F best[n]; // the levels of the best candidate so far
  for (int i = 0; i < n; ++i) {
    const F fl = toFloat<N>(clampI<N>(nearestIntV<N>(iscale * xm[i]), 0, nmax));
    best[i] = fl;
    F diff = scale * fl + min - xT[i];
    diff = useMad ? vabs<N>(diff) : diff * diff;
    bestError += wT[i] * diff;
  }

  // Lanes whose levels may take the float rounding (nearestF) at a step:
  // finite data, |iscale * (x - min)| in range. Degenerate lanes are
  // overwritten at the end, so whatever they compute is fine.
  // (A scalar, so that the compiler cannot recompute it at every step.)
  const bool finite = all<N>(allFinite<N, n>(xT) | degenerate);
  F maxAbsXm = zero;
  for (int i = 0; i < n; ++i)
    maxAbsXm = maxF<N>(vabs<N>(xm[i]), maxAbsXm);

  F aux[n];
  for (int is = 0; is <= nstep; ++is) {
    // The lane-independent part of ggml's (rmin + rdelta*is + nmax) is the
    // same scalar arithmetic; only the division is per lane.
    const float numerator = rmin + rdelta * static_cast<float>(is) + fnmax;
    iscale = splat<N>(numerator) / (max - min);
    F sumL = zero, sumL2 = zero, sumXL = zero;
    // Both branches give the same levels: in range, rounding in float
    // (two adds and a clamp) equals ggml's integer trick and clamp, which
    // also needs two conversions; out of range only the trick is ggml's.
    if (finite && all<N>(rangeSafe<N>(iscale, maxAbsXm) | degenerate)) {
      for (int i = 0; i < n; ++i) {
        const F v = iscale * xm[i];
        F fl;
        if constexpr (Qkx3) {
          const F clamped = v < vnmax ? v : vnmax;
          fl = v > zero ? nearestF<N>(clamped) : zero;
        } else {
          fl = clampF<N>(nearestF<N>(v), 0.0f, fnmax);
        }
        aux[i] = fl;
        const F wl = wT[i] * fl;
        sumL += wl;
        sumL2 += wl * fl;
        sumXL += wl * xT[i];
      }
    } else {
      for (int i = 0; i < n; ++i) {
        const F v = iscale * xm[i];
        I l;
        if constexpr (Qkx3) {
          const F clamped = v < vnmax ? v : vnmax;
          l = v > zero ? nearestIntV<N>(clamped) : I{};
        } else {
          l = clampI<N>(nearestIntV<N>(v), 0, nmax);
        }
        const F fl = toFloat<N>(l);
        aux[i] = fl;
        const F wl = wT[i] * fl;
        sumL += wl;
        sumL2 += wl * fl;
        sumXL += wl * xT[i];
      }
    }
    const F D = sumW * sumL2 - sumL * sumL;
    const I positiveD = D > zero;
    if (!any<N>(positiveD))
      continue;
    F thisScale = (sumW * sumXL - sumX * sumL) / D;
    F thisMin = (sumL2 * sumX - sumL * sumXL) / D;
    const I minAboveZero = thisMin > zero;
    thisMin = minAboveZero ? zero : thisMin;
    thisScale = minAboveZero ? sumXL / sumL2 : thisScale;
    F curError = zero;
    for (int i = 0; i < n; ++i) {
      F diff = thisScale * aux[i] + thisMin - xT[i];
      diff = useMad ? vabs<N>(diff) : diff * diff;
      curError += wT[i] * diff;
    }
    const I better = positiveD & (curError < bestError);
    if (!any<N>(better))
      continue;
    bestError = better ? curError : bestError;
    scale = better ? thisScale : scale;
    min = better ? thisMin : min;
    maxAbsXm = zero;
    for (int i = 0; i < n; ++i) {
      best[i] = better ? aux[i] : best[i];
      xm[i] = xT[i] - min;
      maxAbsXm = maxF<N>(vabs<N>(xm[i]), maxAbsXm);
    }
  }

  // Lanes ggml returns from before searching.
  for (int i = 0; i < n; ++i)
    LT[i] = degenerate ? I{} : __builtin_convertvector(best[i], I);
  storeLanes<N>(degenerate ? zero : scale, scales);
  storeLanes<N>(-(degenerate ? min0 : min), theMins);
}

/// make_qx_quants with rmse_type 1 on N sub-blocks of n, weights wT.
template <int N, int n>
KQ_INLINE void searchQx(const VF<N> *xT, const VF<N> *wT, int nmax, VI<N> *LT,
                        float *scales) {
  using F = VF<N>;
  using I = VI<N>;
  const F zero = F{};
  F max = zero, amax = zero;
  for (int i = 0; i < n; ++i) {
    const F ax = vabs<N>(xT[i]);
    const I larger = ax > amax;
    amax = larger ? ax : amax;
    max = larger ? xT[i] : max;
  }
  const I allZero = amax < splat<N>(kGroupMaxEps);

  const float fnmax = static_cast<float>(nmax);
  F iscale = splat<N>(static_cast<float>(-nmax)) / max;
  F sumlx = zero, suml2 = zero;
  for (int i = 0; i < n; ++i) {
    const I l = clampI<N>(nearestIntV<N>(iscale * xT[i]), -nmax, nmax - 1);
    LT[i] = l + nmax;
    const F fl = toFloat<N>(l);
    sumlx += wT[i] * xT[i] * fl;
    suml2 += wT[i] * fl * fl;
  }
  F scale = suml2 != zero ? sumlx / suml2 : zero;
  F best = scale * sumlx;

  I Laux[n];
  for (int is = -9; is <= 9; ++is) {
    if (is == 0)
      continue;
    iscale = splat<N>(-(fnmax + 0.1f * static_cast<float>(is))) / max;
    sumlx = suml2 = zero;
    for (int i = 0; i < n; ++i) {
      const I l = clampI<N>(nearestIntV<N>(iscale * xT[i]), -nmax, nmax - 1);
      Laux[i] = l + nmax;
      const F fl = toFloat<N>(l);
      sumlx += wT[i] * xT[i] * fl;
      suml2 += wT[i] * fl * fl;
    }
    const I better = (suml2 > zero) & (sumlx * sumlx > best * suml2);
    if (!any<N>(better))
      continue;
    for (int i = 0; i < n; ++i)
      LT[i] = better ? Laux[i] : LT[i];
    const F newScale = sumlx / suml2;
    scale = better ? newScale : scale;
    best = better ? newScale * sumlx : best;
  }

  for (int i = 0; i < n; ++i)
    LT[i] = allZero ? I{} : LT[i];
  storeLanes<N>(allZero ? zero : scale, scales);
}

/// make_q3_quants with do_rmse on N sub-blocks of n.
template <int N, int n>
KQ_INLINE void searchQ3(const VF<N> *xT, int nmax, VI<N> *LT, float *scales) {
  using F = VF<N>;
  using I = VI<N>;
  const F zero = F{};
  F max = zero, amax = zero;
  for (int i = 0; i < n; ++i) {
    const F ax = vabs<N>(xT[i]);
    const I larger = ax > amax;
    amax = larger ? ax : amax;
    max = larger ? xT[i] : max;
  }
  const I allZero = amax < splat<N>(kGroupMaxEps);

  const F iscale = splat<N>(static_cast<float>(-nmax)) / max;
  F sumlx = zero, suml2 = zero;
  for (int i = 0; i < n; ++i) {
    const I l = clampI<N>(nearestIntV<N>(iscale * xT[i]), -nmax, nmax - 1);
    LT[i] = l;
    const F w = xT[i] * xT[i];
    const F fl = toFloat<N>(l);
    sumlx += w * xT[i] * fl;
    suml2 += w * fl * fl;
  }
  for (int itry = 0; itry < 5; ++itry) {
    I changed = I{};
    for (int i = 0; i < n; ++i) {
      const F w = xT[i] * xT[i];
      const F li = toFloat<N>(LT[i]);
      F slx = sumlx - w * xT[i] * li;
      const I slxPositive = slx > zero;
      F sl2 = suml2 - w * li * li;
      const I newL =
          clampI<N>(nearestIntV<N>(xT[i] * sl2 / slx), -nmax, nmax - 1);
      const I moved = slxPositive & (newL != LT[i]);
      const F fl = toFloat<N>(newL);
      slx += w * xT[i] * fl;
      sl2 += w * fl * fl;
      const I take =
          moved & (sl2 > zero) & (slx * slx * suml2 > sumlx * sumlx * sl2);
      LT[i] = take ? newL : LT[i];
      sumlx = take ? slx : sumlx;
      suml2 = take ? sl2 : suml2;
      changed |= take;
    }
    if (!any<N>(changed))
      break;
  }
  for (int i = 0; i < n; ++i)
    LT[i] = allZero ? I{} : LT[i] + nmax;
  storeLanes<N>(allZero ? zero : (suml2 > zero ? sumlx / suml2 : zero), scales);
}

/// make_qp_quants on M problems of n non-negative values at once (lane p
/// is problem p; xT[i] and qT[i] hold value i and its weight of every
/// problem). Writes the levels to LT as ggml's uint8_t array holds them
/// (wrapped to 0..255) and the scales to `scales`.
template <int M, int n>
KQ_INLINE void searchQp(const VF<M> *xT, const VF<M> *qT, int nmax, VI<M> *LT,
                        float *scales) {
  using F = VF<M>;
  using I = VI<M>;
  const F zero = F{};
  F max = zero;
  for (int i = 0; i < n; ++i)
    max = max > xT[i] ? max : xT[i]; // ggml's MAX, NaN included
  const I allZero = max < splat<M>(kGroupMaxEps);

  const float fnmax = static_cast<float>(nmax);
  F iscale = splat<M>(fnmax) / max;
  {
    // The first levels land unclamped in uint8_t, and the error sees them
    // wrapped.
    const F scale = 1.0f / iscale;
    F bestMse = zero;
    for (int i = 0; i < n; ++i) {
      const F fl = toFloat<M>(nearestIntV<M>(iscale * xT[i]) & 0xff);
      const F diff = xT[i] - scale * fl;
      bestMse += qT[i] * diff * diff;
    }
    for (int is = -4; is <= 4; ++is) {
      if (is == 0)
        continue;
      const F iscaleIs =
          splat<M>(0.1f * static_cast<float>(is) + fnmax) / max;
      const F scaleIs = 1.0f / iscaleIs;
      F mse = zero;
      for (int i = 0; i < n; ++i) {
        const I l = __builtin_elementwise_min(nearestIntV<M>(iscaleIs * xT[i]),
                                              splatI<M>(nmax));
        const F diff = xT[i] - scaleIs * toFloat<M>(l);
        mse += qT[i] * diff * diff;
      }
      const I better = mse < bestMse;
      bestMse = better ? mse : bestMse;
      iscale = better ? iscaleIs : iscale;
    }
  }
  F sumlx = zero, suml2 = zero;
  for (int i = 0; i < n; ++i) {
    const I l = __builtin_elementwise_min(nearestIntV<M>(iscale * xT[i]),
                                          splatI<M>(nmax));
    LT[i] = l & 0xff;
    const F fl = toFloat<M>(l);
    sumlx += qT[i] * xT[i] * fl;
    suml2 += qT[i] * fl * fl;
  }
  // Coordinate descent as in searchQ3: a lane that changed nothing in a
  // sweep would change nothing in the next, so sweeping on until no lane
  // changes is ggml's early exit per lane.
  for (int itry = 0; itry < 5; ++itry) {
    I changed = I{};
    for (int i = 0; i < n; ++i) {
      const F w = qT[i];
      const F li = toFloat<M>(LT[i]);
      F slx = sumlx - w * xT[i] * li;
      F sl2 = suml2 - w * li * li;
      const I valid = (slx > zero) & (sl2 > zero);
      const I newL = __builtin_elementwise_min(
          nearestIntV<M>(xT[i] * sl2 / slx), splatI<M>(nmax));
      const I moved = valid & (newL != LT[i]);
      const F fl = toFloat<M>(newL);
      slx += w * xT[i] * fl;
      sl2 += w * fl * fl;
      const I take = moved & (slx * slx * suml2 > sumlx * sumlx * sl2);
      LT[i] = take ? (newL & 0xff) : LT[i];
      sumlx = take ? slx : sumlx;
      suml2 = take ? sl2 : suml2;
      changed |= take;
    }
    if (!any<M>(changed))
      break;
  }
  for (int i = 0; i < n; ++i)
    LT[i] = allZero ? I{} : LT[i];
  storeLanes<M>(allZero ? zero : (suml2 > zero ? sumlx / suml2 : zero), scales);
}

//===----------------------------------------------------------------------===//
// Per-type drivers: transposes, weights, search, shared finish
//===----------------------------------------------------------------------===//
//
// A driver handles a group of B consecutive super-blocks at once, one lane
// per sub-block of the group. Several blocks per vector give the
// latency-bound chains (the sums, make_q3_quants' descent) independent
// work to overlap; the best B depends on the type and the vector width.

template <typename Block>
KQ_INLINE void storeBlock(void *dst, int64_t index, const Block &block) {
  std::memcpy(static_cast<unsigned char *>(dst) + index * sizeof(Block), &block,
              sizeof(Block));
}

/// Sum of squares in index order (a sequential chain, as in ggml).
KQ_INLINE float sumOfSquares(const float *x, int n) {
  float sum = 0.0f;
  for (int i = 0; i < n; ++i)
    sum += x[i] * x[i];
  return sum;
}

/// The weighted paths' sigma2 for each of the B super-blocks at x,
/// spread over the lanes of its sub-blocks: factor * sum(x^2) / 256.
template <int N, int B>
KQ_INLINE VF<N> blockSigma2(const float *x, float factor) {
  alignas(64) float lanes[N];
  for (int k = 0; k < B; ++k) {
    const float sigma2 =
        factor * sumOfSquares(x + k * kSuperBlock, kSuperBlock) / kSuperBlock;
    for (int j = 0; j < N / B; ++j)
      lanes[k * (N / B) + j] = sigma2;
  }
  VF<N> v;
  std::memcpy(&v, lanes, sizeof(v));
  return v;
}

/// The weighted paths' search weights qw * sqrt(sigma2 + x^2), transposed
/// like xT, and their per-sub-block sums in index order.
template <int N, int n>
KQ_INLINE void importanceWeights(const VF<N> *xT, const float *qw, VF<N> sigma2,
                                 VF<N> *wT, float *sw) {
  VF<N> qwT[n];
  transposeIn<N, n>(qw, qwT);
  VF<N> sum = VF<N>{};
  for (int i = 0; i < n; ++i) {
    wT[i] = qwT[i] * __builtin_elementwise_sqrt(sigma2 + xT[i] * xT[i]);
    sum += wT[i];
  }
  storeLanes<N>(sum, sw);
}

//===----------------------------------------------------------------------===//
// Per-weight finish steps, 16 weights a vector
//===----------------------------------------------------------------------===//
//
// requantizeQ45_K, requantizeQ6_K and the packing of KQuantsFinish.cpp,
// written with vectors: every weight's arithmetic is the scalar one
// (division included), so the levels are the same.

using U8x32 = uint8_t __attribute__((vector_size(32)));
using I8x16 = int8_t __attribute__((vector_size(16)));
using U8x16 = uint8_t __attribute__((vector_size(16)));

KQ_INLINE void requantizeQ45_KFast(const float *x, int nmax, uint16_t d16,
                                   uint16_t dmin16, const uint8_t *packed,
                                   uint8_t *L) {
  const float dAll = fp16ToFp32(d16);
  const float mAll = fp16ToFp32(dmin16);
  for (int j = 0; j < 8; ++j) {
    int sc, m;
    unpackScaleMinK4(j, packed, sc, m);
    const float d = dAll * static_cast<float>(sc);
    if (d == 0.0f)
      continue;
    const float dm = mAll * static_cast<float>(m);
    for (int h = 0; h < 32; h += 16) {
      VF<16> xv;
      std::memcpy(&xv, x + 32 * j + h, sizeof(xv));
      const VI<16> l = clampI<16>(nearestIntV<16>((xv + dm) / d), 0, nmax);
      const U8x16 b = __builtin_convertvector(l, U8x16);
      std::memcpy(L + 32 * j + h, &b, sizeof(b));
    }
  }
}

KQ_INLINE void packQ4_KFast(const uint8_t *L, uint8_t *qs) {
  for (int j = 0; j < kSuperBlock; j += 64) {
    U8x32 lo, hi;
    std::memcpy(&lo, L + j, 32);
    std::memcpy(&hi, L + j + 32, 32);
    const U8x32 q = lo | (hi << 4);
    std::memcpy(qs + j / 2, &q, 32);
  }
}

/// finishQ6_K: scalar scales, then vector re-quantization and packing.
KQ_INLINE void finishQ6_KFast(const float *x, const float *scales, int8_t *L,
                              BlockQ6_K &block) {
  if (!scalesQ6_K(scales, block))
    return;
  const float dAll = fp16ToFp32(block.d);
  for (int j = 0; j < 16; ++j) {
    const float d = dAll * static_cast<float>(block.scales[j]);
    if (d == 0.0f)
      continue;
    VF<16> xv;
    std::memcpy(&xv, x + 16 * j, sizeof(xv));
    const VI<16> l = clampI<16>(nearestIntV<16>(xv / d), -32, 31) + 32;
    const I8x16 b = __builtin_convertvector(l, I8x16);
    std::memcpy(L + 16 * j, &b, sizeof(b));
  }
  // Levels are 0..63 here (re-quantized, or the search's l + 32), so the
  // unsigned shifts see what ggml's signed ones see.
  for (int half = 0; half < 2; ++half) {
    U8x32 a, b, c, d;
    std::memcpy(&a, L + 128 * half, 32);
    std::memcpy(&b, L + 128 * half + 32, 32);
    std::memcpy(&c, L + 128 * half + 64, 32);
    std::memcpy(&d, L + 128 * half + 96, 32);
    const U8x32 ql0 = (a & 0xF) | ((c & 0xF) << 4);
    const U8x32 ql1 = (b & 0xF) | ((d & 0xF) << 4);
    const U8x32 qh = (a >> 4) | ((b >> 4) << 2) | ((c >> 4) << 4) | ((d >> 4) << 6);
    std::memcpy(block.ql + 64 * half, &ql0, 32);
    std::memcpy(block.ql + 64 * half + 32, &ql1, 32);
    std::memcpy(block.qh + 32 * half, &qh, 32);
  }
}

/// q2_K on super-blocks b .. b+B-1 of a row.
template <int B>
KQ_INLINE void groupQ2_K(const float *src, void *dst, int64_t b,
                         const float *importance) {
  constexpr int N = 16 * B, Sub = 16;
  const float *x = src + b * kSuperBlock;
  VF<N> xT[Sub], wT[Sub];
  VI<N> LT[Sub];
  alignas(64) float scales[N], mins[N], sw[N];
  uint8_t L[B * kSuperBlock];
  transposeIn<N, Sub>(x, xT);
  if (!importance) {
    for (int i = 0; i < Sub; ++i)
      wT[i] = vabs<N>(xT[i]);
    searchQkx<N, Sub, false>(xT, wT, 3, -0.5f, 0.1f, 15, true, LT, scales,
                             mins);
  } else {
    importanceWeights<N, Sub>(xT, importance + b * kSuperBlock,
                              blockSigma2<N, B>(x, 1.0f), wT, sw);
    searchQkx<N, Sub, true>(xT, wT, 3, -0.9f, 0.05f, 36, false, LT, scales,
                            mins);
  }
  transposeOut<N, Sub>(LT, L);
  for (int k = 0; k < B; ++k) {
    BlockQ2_K block;
    const float *xk = x + k * kSuperBlock;
    if (!importance)
      finishQ2_K(xk, scales + 16 * k, mins + 16 * k, L + k * kSuperBlock,
                 block);
    else
      finishQ2_KWeighted(xk, scales + 16 * k, mins + 16 * k, sw + 16 * k,
                         L + k * kSuperBlock, block);
    storeBlock(dst, b + k, block);
  }
}

/// q3_K on super-blocks b .. b+B-1 of a row.
template <int B>
KQ_INLINE void groupQ3_K(const float *src, void *dst, int64_t b,
                         const float *importance) {
  constexpr int N = 16 * B, Sub = 16;
  const float *x = src + b * kSuperBlock;
  VF<N> xT[Sub];
  VI<N> LT[Sub];
  alignas(64) float scales[N], sw[N];
  int8_t L[B * kSuperBlock];
  transposeIn<N, Sub>(x, xT);
  if (!importance) {
    searchQ3<N, Sub>(xT, 4, LT, scales);
  } else {
    VF<N> wT[Sub];
    importanceWeights<N, Sub>(xT, importance + b * kSuperBlock,
                              blockSigma2<N, B>(x, 2.0f), wT, sw);
    searchQx<N, Sub>(xT, wT, 4, LT, scales);
  }
  transposeOut<N, Sub>(LT, L);
  for (int k = 0; k < B; ++k) {
    BlockQ3_K block;
    const float *xk = x + k * kSuperBlock;
    if (!importance)
      finishQ3_K(xk, scales + 16 * k, L + k * kSuperBlock, block);
    else
      finishQ3_KWeighted(xk, scales + 16 * k, sw + 16 * k, L + k * kSuperBlock,
                         block);
    storeBlock(dst, b + k, block);
  }
}

/// q4_K (Nmax 15) or q5_K (Nmax 31) on super-blocks b .. b+B-1 of a row.
template <typename Block, int Nmax, int B>
KQ_INLINE void groupQ45_K(const float *src, void *dst, int64_t b,
                          const float *importance) {
  constexpr int N = 8 * B, Sub = 32;
  // quantize_row_q4_K_ref and _q5_K_ref differ in their sweeps.
  constexpr float RMin = Nmax == 15 ? -1.0f : -0.5f;
  constexpr int NStep = Nmax == 15 ? 20 : 15;
  const float *x = src + b * kSuperBlock;
  VF<N> xT[Sub], wT[Sub];
  VI<N> LT[Sub];
  alignas(64) float scales[N], mins[N], sw[N];
  uint8_t L[B * kSuperBlock];
  transposeIn<N, Sub>(x, xT);
  if (!importance) {
    // av_x = sqrt(sum_x2 / 32) per sub-block, then av_x + |x|.
    VF<N> sumX2 = VF<N>{};
    for (int i = 0; i < Sub; ++i)
      sumX2 += xT[i] * xT[i];
    const VF<N> avX = __builtin_elementwise_sqrt(sumX2 / 32.0f);
    for (int i = 0; i < Sub; ++i)
      wT[i] = avX + vabs<N>(xT[i]);
    searchQkx<N, Sub, false>(xT, wT, Nmax, RMin, 0.1f, NStep, false, LT, scales,
                             mins);
  } else {
    importanceWeights<N, Sub>(xT, importance + b * kSuperBlock,
                              blockSigma2<N, B>(x, 2.0f), wT, sw);
    searchQkx<N, Sub, true>(xT, wT, Nmax, -0.9f, 0.05f, 36, false, LT, scales,
                            mins);
  }
  transposeOut<N, Sub>(LT, L);
  // The weighted path quantizes each block's 8 scales and 8 mins with
  // make_qp_quants: 2B problems, one lane each (scales of block k in lane
  // k, its mins in lane B + k, both weighted by the block's sw).
  constexpr int M = 2 * B;
  uint8_t qpLevels[M][8];
  alignas(64) float qpScales[M];
  if (importance) {
    alignas(64) float vx[8][M], vq[8][M];
    for (int k = 0; k < B; ++k)
      for (int j = 0; j < 8; ++j) {
        vx[j][k] = scales[8 * k + j];
        vx[j][B + k] = mins[8 * k + j];
        vq[j][k] = vq[j][B + k] = sw[8 * k + j];
      }
    VF<M> xq[8], qq[8];
    VI<M> Lq[8];
    std::memcpy(xq, vx, sizeof(xq));
    std::memcpy(qq, vq, sizeof(qq));
    searchQp<M, 8>(xq, qq, 63, Lq, qpScales);
    alignas(64) int32_t lq[8][M];
    std::memcpy(lq, Lq, sizeof(lq));
    for (int p = 0; p < M; ++p)
      for (int j = 0; j < 8; ++j)
        qpLevels[p][j] = static_cast<uint8_t>(lq[j][p]);
  }
  for (int k = 0; k < B; ++k) {
    Block block;
    const float *xk = x + k * kSuperBlock;
    uint8_t *Lk = L + k * kSuperBlock;
    if (!importance)
      scalesQ45_K(scales + 8 * k, mins + 8 * k, block.d, block.dmin,
                  block.scales);
    else
      scalesQ45_KWeighted(qpLevels[k], qpLevels[B + k], qpScales[k],
                          qpScales[B + k], /*clampLevels=*/Nmax == 31, block.d,
                          block.dmin, block.scales);
    requantizeQ45_KFast(xk, Nmax, block.d, block.dmin, block.scales, Lk);
    if constexpr (Nmax == 15)
      packQ4_KFast(Lk, block.qs);
    else
      packQ5_K(Lk, block.qs, block.qh);
    storeBlock(dst, b + k, block);
  }
}

template <int B>
KQ_INLINE void groupQ4_K(const float *src, void *dst, int64_t b,
                         const float *importance) {
  groupQ45_K<BlockQ4_K, 15, B>(src, dst, b, importance);
}

template <int B>
KQ_INLINE void groupQ5_K(const float *src, void *dst, int64_t b,
                         const float *importance) {
  groupQ45_K<BlockQ5_K, 31, B>(src, dst, b, importance);
}

/// q6_K on super-blocks b .. b+B-1 of a row.
template <int B>
KQ_INLINE void groupQ6_K(const float *src, void *dst, int64_t b,
                         const float *importance) {
  constexpr int N = 16 * B, Sub = 16;
  const float *x = src + b * kSuperBlock;
  VF<N> xT[Sub], wT[Sub];
  VI<N> LT[Sub];
  alignas(64) float scales[N];
  int8_t L[B * kSuperBlock];
  transposeIn<N, Sub>(x, xT);
  // The weighted path searches with the importance itself (no sigma2),
  // the plain one with x^2.
  if (importance)
    transposeIn<N, Sub>(importance + b * kSuperBlock, wT);
  else
    for (int i = 0; i < Sub; ++i)
      wT[i] = xT[i] * xT[i];
  searchQx<N, Sub>(xT, wT, 32, LT, scales);
  transposeOut<N, Sub>(LT, L);
  for (int k = 0; k < B; ++k) {
    BlockQ6_K block;
    finishQ6_KFast(x + k * kSuperBlock, scales + 16 * k, L + k * kSuperBlock,
                   block);
    storeBlock(dst, b + k, block);
  }
}

/// A row in groups of B super-blocks, the remainder one at a time.
#define LLMQ_KQUANT_ROW(TYPE, B)                                               \
  do {                                                                         \
    const int64_t nb = n / kSuperBlock;                                        \
    int64_t b = 0;                                                             \
    for (; b + (B) <= nb; b += (B))                                            \
      group##TYPE<B>(src, dst, b, importance);                                 \
    for (; b < nb; ++b)                                                        \
      group##TYPE<1>(src, dst, b, importance);                                 \
  } while (false)

// One entry point per type and instruction set, with the group size that
// measured best there. Everything they call is always_inline, so each entry
// point is compiled whole for its target (and the finish steps, which live
// in KQuantsFinish.cpp, stay baseline code: they are not the hot part).
#define LLMQ_KQUANT_ENTRIES(TYPE, BGeneric, BAvx2, BAvx512)                    \
  void row##TYPE##Generic(const float *src, void *dst, int64_t n,              \
                          const float *importance) {                           \
    LLMQ_KQUANT_ROW(TYPE, BGeneric);                                           \
  }                                                                            \
  LLMQ_KQUANT_X86_ENTRIES(TYPE, BAvx2, BAvx512)

#if LLMQ_KQUANTS_X86
#define LLMQ_KQUANT_X86_ENTRIES(TYPE, BAvx2, BAvx512)                          \
  __attribute__((target("avx2"))) void row##TYPE##Avx2(                        \
      const float *src, void *dst, int64_t n, const float *importance) {       \
    LLMQ_KQUANT_ROW(TYPE, BAvx2);                                              \
  }                                                                            \
  __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq"))) void           \
      row##TYPE##Avx512(const float *src, void *dst, int64_t n,                \
                        const float *importance) {                             \
    LLMQ_KQUANT_ROW(TYPE, BAvx512);                                            \
  }
#else
#define LLMQ_KQUANT_X86_ENTRIES(TYPE, BAvx2, BAvx512)
#endif

// Super-blocks per group for the generic, AVX2 and AVX-512 builds, the
// fastest of 1, 2 and 4 on Zen 4. With 16 ymm registers a second group
// mostly spills; with 32 zmm registers four groups still fit and give the
// dependency chains enough independent work. q4_K and q5_K have only 8
// sub-blocks a block, so even one AVX-512 vector wants two blocks.
LLMQ_KQUANT_ENTRIES(Q2_K, 1, 1, 4)
LLMQ_KQUANT_ENTRIES(Q3_K, 1, 1, 4)
LLMQ_KQUANT_ENTRIES(Q4_K, 1, 2, 4)
LLMQ_KQUANT_ENTRIES(Q5_K, 1, 2, 4)
LLMQ_KQUANT_ENTRIES(Q6_K, 1, 1, 2)

#if LLMQ_KQUANTS_X86
#define LLMQ_KQUANT_DISPATCH(TYPE)                                             \
  switch (currentKQuantIsa()) {                                                \
  case KQuantIsa::Avx512:                                                      \
    return row##TYPE##Avx512(src, dst, n, importance);                         \
  case KQuantIsa::Avx2:                                                        \
    return row##TYPE##Avx2(src, dst, n, importance);                           \
  case KQuantIsa::Generic:                                                     \
    break;                                                                     \
  }                                                                            \
  return row##TYPE##Generic(src, dst, n, importance)
#else
#define LLMQ_KQUANT_DISPATCH(TYPE)                                             \
  return row##TYPE##Generic(src, dst, n, importance)
#endif

} // namespace

void quantizeRowQ2_K(const float *src, void *dst, int64_t n,
                     const float *importance) {
  LLMQ_KQUANT_DISPATCH(Q2_K);
}

void quantizeRowQ3_K(const float *src, void *dst, int64_t n,
                     const float *importance) {
  LLMQ_KQUANT_DISPATCH(Q3_K);
}

void quantizeRowQ4_K(const float *src, void *dst, int64_t n,
                     const float *importance) {
  LLMQ_KQUANT_DISPATCH(Q4_K);
}

void quantizeRowQ5_K(const float *src, void *dst, int64_t n,
                     const float *importance) {
  LLMQ_KQUANT_DISPATCH(Q5_K);
}

void quantizeRowQ6_K(const float *src, void *dst, int64_t n,
                     const float *importance) {
  LLMQ_KQUANT_DISPATCH(Q6_K);
}

#else // !LLMQ_KQUANTS_VECTORIZED

// Without clang's vector extensions the scalar references are the
// quantizers.
void quantizeRowQ2_K(const float *src, void *dst, int64_t n,
                     const float *importance) {
  quantizeRowQ2_KRef(src, dst, n, importance);
}
void quantizeRowQ3_K(const float *src, void *dst, int64_t n,
                     const float *importance) {
  quantizeRowQ3_KRef(src, dst, n, importance);
}
void quantizeRowQ4_K(const float *src, void *dst, int64_t n,
                     const float *importance) {
  quantizeRowQ4_KRef(src, dst, n, importance);
}
void quantizeRowQ5_K(const float *src, void *dst, int64_t n,
                     const float *importance) {
  quantizeRowQ5_KRef(src, dst, n, importance);
}
void quantizeRowQ6_K(const float *src, void *dst, int64_t n,
                     const float *importance) {
  quantizeRowQ6_KRef(src, dst, n, importance);
}

#endif // LLMQ_KQUANTS_VECTORIZED

} // namespace quant
} // namespace llmq
