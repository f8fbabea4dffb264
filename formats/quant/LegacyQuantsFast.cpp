//===- LegacyQuantsFast.cpp - Vectorized Q8_0, Q4/Q5 and IQ4 quantizers ---===//
//
// The registry's quantizeRowQ8_0, quantizeRowQ4_0 / Q4_1 / Q5_0 / Q5_1 and
// quantizeRowIQ4_NL / IQ4_XS. Each writes exactly the bytes of its scalar
// reference (quantizeRow*Ref in Q8_0.cpp, LegacyQuants.cpp and IQ4.cpp) for
// every input; LegacyQuantsFastTest checks that on random and degenerate
// data for every instruction set the CPU runs.
//
// Q8_0 and Q4_0..Q5_1 without an importance vector have no search: a block's
// scale comes from its extreme values and every level from one multiply-add.
// Those are vectorized across the 32 weights of a block:
//
//  - The extremes are reductions, which are exact in any order for values
//    that are not NaN. Two things depend on the reference's order anyway,
//    and are recovered: Q4_0 / Q5_0 take the signed weight of largest
//    magnitude that comes first (found from a mask of the lanes equal to
//    the maximum), and Q4_1 / Q5_1 keep the sign of the first zero when the
//    minimum or maximum is zero. A block holding a NaN, where the order of
//    ggml's comparisons decides what happens, is handed to the reference.
//  - Scale, inverse and fp16 conversion are the reference's scalar code.
//  - Levels: the same multiply and add per weight, then the same
//    conversion. cvttps2dq is what the references' conversions are defined
//    to do (see truncToInt and roundToInt8 there), and Q8_0's roundf
//    (halves away from zero) is rebuilt exactly from truncation: t =
//    trunc(v), plus the sign of v where |v - t| >= 0.5.
//
// With an importance vector Q4_0..Q5_1 search for the scale; those paths run
// the references.
//
// IQ4_NL and IQ4_XS always search (quantize_row_iq4_nl_impl): 16 candidate
// scales per run of 32 weights, each a weighted sum over the run in order.
// Those sums are sequential chains, so as in KQuantsFast.cpp each SIMD lane
// runs the search of one run (an IQ4_NL block, or one eighth of an IQ4_XS
// super-block) with exactly the scalar code's float operations, and the
// choices become per-lane selects. The nearest-level lookup is the
// reference's binary search with table permutes (AVX2, AVX-512), or a count
// of the midpoints below the value, which gives the same index (SSE2).
//
// The kernels (LegacyQuantsFastKernels.inc) are compiled three times, for
// SSE2, AVX2 and AVX-512, each under a `#pragma clang attribute` that sets
// the target of every function, so that they can use that instruction set's
// intrinsics; the entry points pick one at run time.
//
//===----------------------------------------------------------------------===//

#include "formats/quant/LegacyQuantsFast.h"

#include "formats/Float.h"
#include "formats/quant/IQ4.h"
#include "formats/quant/LegacyQuants.h"
#include "formats/quant/QuantKernels.h"

#include <atomic>
#include <cfloat>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

// Never fuse a*b+c: the AVX-512 variant enables FMA instructions, and the
// references' arithmetic has none.
#pragma STDC FP_CONTRACT OFF

#if defined(__clang__) && defined(__x86_64__)
#define LLMQ_LEGACY_FAST 1
#include <immintrin.h>
#else
#define LLMQ_LEGACY_FAST 0
#endif

namespace llmq {
namespace quant {

namespace {

std::atomic<LegacyQuantIsa> &isaSetting() {
  static std::atomic<LegacyQuantIsa> isa{bestLegacyQuantIsa()};
  return isa;
}

} // namespace

LegacyQuantIsa bestLegacyQuantIsa() {
#if LLMQ_LEGACY_FAST
  return detectQuantIsa();
#else
  return LegacyQuantIsa::Generic;
#endif
}

LegacyQuantIsa currentLegacyQuantIsa() { return isaSetting().load(); }

void setLegacyQuantIsa(LegacyQuantIsa isa) { isaSetting().store(isa); }

#if LLMQ_LEGACY_FAST

namespace {

#define LQ_INLINE inline __attribute__((always_inline))

template <int N> using VF = float __attribute__((vector_size(4 * N)));
template <int N> using VI = int32_t __attribute__((vector_size(4 * N)));
template <int N> using VU8 = uint8_t __attribute__((vector_size(N)));

//===----------------------------------------------------------------------===//
// Shared constants and scalar steps (the references' own)
//===----------------------------------------------------------------------===//

constexpr int64_t kBlock = kLegacyBlockElems;
static_assert(kBlock == 32 && kIQ4NLBlockElems == 32, "one block, 32 weights");
constexpr size_t kBytesQ8_0 = 34;

/// IQ4: weights sharing one float scale in the search, the search's half
/// width and ggml's GROUP_MAX_EPS, as in IQ4.cpp.
constexpr int kRun = 32;
constexpr int kIQ4Tries = 7;
constexpr float kIQ4GroupMaxEps = 1e-15f;

/// ggml's nearest_int (IQ4.cpp's nearestInt).
inline int iq4NearestInt(float v) {
  const float shifted = v + 12582912.0f;
  int32_t bits;
  std::memcpy(&bits, &shifted, sizeof(bits));
  return (bits & 0x007fffff) - 0x00400000;
}

/// Twice the midpoint between IQ4 levels j - 1 and j, for j = 1..15: level j
/// is nearest once 2x reaches it (IQ4.cpp's nearestLevel). Entry 0 is never
/// read.
struct IQ4Tables {
  alignas(64) float mid2[16];
  alignas(64) float level[16];
  constexpr IQ4Tables() : mid2(), level() {
    for (int j = 0; j < 16; ++j) {
      level[j] = static_cast<float>(kIQ4NLValues[j]);
      mid2[j] = j == 0
                    ? 0.0f
                    : static_cast<float>(kIQ4NLValues[j - 1] + kIQ4NLValues[j]);
    }
  }
};
constexpr IQ4Tables kIQ4 = IQ4Tables();

/// Packs one run's 32 IQ4 indices like an IQ4_NL block.
inline void packRun(const uint8_t *l, uint8_t *qs) {
  for (int j = 0; j < kRun / 2; ++j)
    qs[j] = static_cast<uint8_t>(l[j] | (l[j + kRun / 2] << 4));
}

//===----------------------------------------------------------------------===//
// SSE2 (the x86-64 baseline)
//===----------------------------------------------------------------------===//

namespace sse2 {

constexpr int W = 4;
// Lanes (runs) per IQ4 group, here two vectors: an IQ4_XS super-block has
// 8 runs, and two chains per step measured a little faster than one.
constexpr int kNLLanes = 8;
constexpr int kXSLanes = 8;

LQ_INLINE VI<4> cvttNative(VF<4> v) {
  return reinterpret_cast<VI<4>>(_mm_cvttps_epi32(reinterpret_cast<__m128>(v)));
}

LQ_INLINE uint32_t maskBitsNative(VI<4> m) {
  return static_cast<uint32_t>(_mm_movemask_ps(reinterpret_cast<__m128>(m)));
}

/// No variable permutes in SSE2: the index is the number of midpoints at or
/// below 2x (the binary search's answer, as they are sorted; 0 for NaN),
/// and the level is built from the steps between levels, all small
/// integers and exact.
LQ_INLINE void nearestLevelNative(VF<4> x, VI<4> &index, VF<4> &level) {
  const VF<4> x2 = x + x;
  VI<4> i = VI<4>{};
  VF<4> l = VF<4>{} + kIQ4.level[0];
  for (int j = 1; j < 16; ++j) {
    const VI<4> reached = x2 >= kIQ4.mid2[j];
    i -= reached;
    l += reached ? VF<4>{} + (kIQ4.level[j] - kIQ4.level[j - 1]) : VF<4>{};
  }
  index = i;
  level = l;
}

#include "formats/quant/LegacyQuantsFastKernels.inc"

} // namespace sse2

//===----------------------------------------------------------------------===//
// AVX2
//===----------------------------------------------------------------------===//

#pragma clang attribute push(__attribute__((target("avx2"))),                  \
                             apply_to = function)
namespace avx2 {

constexpr int W = 8;
// Lanes per IQ4 group: two vectors, measured ~10% faster than one.
constexpr int kNLLanes = 16;
constexpr int kXSLanes = 16;

LQ_INLINE VI<8> cvttNative(VF<8> v) {
  return reinterpret_cast<VI<8>>(
      _mm256_cvttps_epi32(reinterpret_cast<__m256>(v)));
}

LQ_INLINE uint32_t maskBitsNative(VI<8> m) {
  return static_cast<uint32_t>(_mm256_movemask_ps(reinterpret_cast<__m256>(m)));
}

/// table[index] for 8-entry tables (vpermps reads the low 3 bits).
LQ_INLINE VF<8> permute8(const float *table, VI<8> index) {
  return reinterpret_cast<VF<8>>(_mm256_permutevar8x32_ps(
      _mm256_load_ps(table), reinterpret_cast<__m256i>(index)));
}

/// IQ4.cpp's binary search. At the step of size s, index is a multiple of
/// 2s and the midpoint to test is j = index + s, entry index / 2s of the
/// table of those midpoints.
LQ_INLINE void nearestLevelNative(VF<8> x, VI<8> &index, VF<8> &level) {
  alignas(32) static constexpr float mid4[8] = {kIQ4.mid2[4], kIQ4.mid2[12]};
  alignas(32) static constexpr float mid2[8] = {kIQ4.mid2[2], kIQ4.mid2[6],
                                                kIQ4.mid2[10], kIQ4.mid2[14]};
  alignas(32) static constexpr float mid1[8] = {
      kIQ4.mid2[1], kIQ4.mid2[3],  kIQ4.mid2[5],  kIQ4.mid2[7],
      kIQ4.mid2[9], kIQ4.mid2[11], kIQ4.mid2[13], kIQ4.mid2[15]};
  const VF<8> x2 = x + x;
  VI<8> i = x2 >= kIQ4.mid2[8] ? VI<8>{} + 8 : VI<8>{};
  i = x2 >= permute8(mid4, i >> 3) ? i + 4 : i;
  i = x2 >= permute8(mid2, i >> 2) ? i + 2 : i;
  i = x2 >= permute8(mid1, i >> 1) ? i + 1 : i;
  index = i;
  level = i >= 8 ? permute8(kIQ4.level + 8, i) : permute8(kIQ4.level, i);
}

#include "formats/quant/LegacyQuantsFastKernels.inc"

} // namespace avx2
#pragma clang attribute pop

//===----------------------------------------------------------------------===//
// AVX-512
//===----------------------------------------------------------------------===//

#pragma clang attribute push(                                                  \
    __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq"))),             \
    apply_to = function)
namespace avx512 {

constexpr int W = 16;
// Lanes per IQ4 group: two vectors, measured ~10% faster than one.
constexpr int kNLLanes = 32;
constexpr int kXSLanes = 32;

LQ_INLINE VI<16> cvttNative(VF<16> v) {
  return reinterpret_cast<VI<16>>(
      _mm512_cvttps_epi32(reinterpret_cast<__m512>(v)));
}

LQ_INLINE uint32_t maskBitsNative(VI<16> m) {
  return _mm512_movepi32_mask(reinterpret_cast<__m512i>(m));
}

/// IQ4's level search in buckets of x (not 2x) 8 wide: 32 buckets cover
/// [-128, 128), values beyond fall into the end ones. The boundaries
/// between levels are x = (level[j-1] + level[j]) / 2, half-integers at
/// least 11.5 apart, so a bucket holds at most one. Per bucket b (from x =
/// 8b - 128): the index and level below its boundary, the boundary and the
/// level at and above it. A bucket without a boundary gets NaN, which no x
/// reaches (+inf, which lands in the last bucket, would reach +inf).
struct IQ4Buckets {
  alignas(64) float boundary[32];
  alignas(64) float below[32];
  alignas(64) float above[32];
  alignas(64) int32_t index[32];
  bool oneBoundaryPerBucket;
  constexpr IQ4Buckets()
      : boundary(), below(), above(), index(), oneBoundaryPerBucket(true) {
    for (int b = 0; b < 32; ++b) {
      const float start = static_cast<float>(8 * b - 128);
      int lo = 0; // boundaries before the bucket
      int in = 0; // boundaries inside it
      boundary[b] = __builtin_nanf("");
      for (int j = 1; j < 16; ++j) {
        const float h = kIQ4.mid2[j] / 2.0f;
        if (h < start)
          ++lo;
        else if (h < start + 8.0f) {
          ++in;
          boundary[b] = h;
        }
      }
      oneBoundaryPerBucket = oneBoundaryPerBucket && in <= 1;
      index[b] = lo;
      below[b] = kIQ4.level[lo];
      above[b] = kIQ4.level[lo + in < 16 ? lo + in : 15];
    }
  }
};
constexpr IQ4Buckets kIQ4Buckets = IQ4Buckets();
static_assert(kIQ4Buckets.oneBoundaryPerBucket,
              "the bucket search needs buckets narrower than level gaps");

/// table[index] for 32-entry tables (vpermt2ps reads the low 5 bits).
LQ_INLINE VF<16> permute32(const float *table, VI<16> index) {
  return reinterpret_cast<VF<16>>(_mm512_permutex2var_ps(
      _mm512_load_ps(table), reinterpret_cast<__m512i>(index),
      _mm512_load_ps(table + 16)));
}
LQ_INLINE VI<16> permute32(const int32_t *table, VI<16> index) {
  return reinterpret_cast<VI<16>>(_mm512_permutex2var_epi32(
      _mm512_load_si512(table), reinterpret_cast<__m512i>(index),
      _mm512_load_si512(table + 16)));
}

/// IQ4.cpp's nearest level, through the buckets. x + x >= mid2[j], the
/// reference's test, is x >= mid2[j] / 2 exactly (doubling is exact, also
/// into infinity). The bucket computed for x is never below its true one:
/// x + 128 rounds monotonically and the bucket starts are exact floats. It
/// can be one above, for x less than 2^-16 below the next start s; that
/// bucket's index counts the boundaries below s, which are those up to x
/// (boundaries are multiples of 0.5, so none lies in (x, s)), and its own
/// boundary is at least s > x and does not count: the same answer. NaN
/// goes to bucket 0 and compares false (index 0, as in the reference);
/// infinities go to the end buckets.
LQ_INLINE void nearestLevelNative(VF<16> x, VI<16> &index, VF<16> &level) {
  VF<16> f = (x + 128.0f) * 0.125f;
  f = f > 0.0f ? f : VF<16>{};
  f = f < 31.0f ? f : VF<16>{} + 31.0f;
  const VI<16> b = cvttNative(f);
  const VI<16> reached = x >= permute32(kIQ4Buckets.boundary, b);
  index = permute32(kIQ4Buckets.index, b) - reached;
  level = reached ? permute32(kIQ4Buckets.above, b)
                  : permute32(kIQ4Buckets.below, b);
}

#include "formats/quant/LegacyQuantsFastKernels.inc"

} // namespace avx512
#pragma clang attribute pop

} // namespace

#define LLMQ_LEGACY_DISPATCH(ROW, ...)                                         \
  switch (currentLegacyQuantIsa()) {                                           \
  case LegacyQuantIsa::Avx512:                                                 \
    return avx512::ROW(__VA_ARGS__);                                           \
  case LegacyQuantIsa::Avx2:                                                   \
    return avx2::ROW(__VA_ARGS__);                                             \
  case LegacyQuantIsa::Generic:                                                \
    break;                                                                     \
  }                                                                            \
  return sse2::ROW(__VA_ARGS__)

// Q8_0 ignores the importance vector, as ggml's quantize_q8_0 does.
void quantizeRowQ8_0(const float *src, void *dst, int64_t n,
                     const float * /*importance*/) {
  LLMQ_LEGACY_DISPATCH(rowQ8_0, src, dst, n);
}

void quantizeRowQ4_0(const float *src, void *dst, int64_t n,
                     const float *importance) {
  if (importance)
    return quantizeRowQ4_0Ref(src, dst, n, importance);
  LLMQ_LEGACY_DISPATCH(rowQ4_0, src, dst, n);
}

void quantizeRowQ4_1(const float *src, void *dst, int64_t n,
                     const float *importance) {
  if (importance)
    return quantizeRowQ4_1Ref(src, dst, n, importance);
  LLMQ_LEGACY_DISPATCH(rowQ4_1, src, dst, n);
}

void quantizeRowQ5_0(const float *src, void *dst, int64_t n,
                     const float *importance) {
  if (importance)
    return quantizeRowQ5_0Ref(src, dst, n, importance);
  LLMQ_LEGACY_DISPATCH(rowQ5_0, src, dst, n);
}

void quantizeRowQ5_1(const float *src, void *dst, int64_t n,
                     const float *importance) {
  if (importance)
    return quantizeRowQ5_1Ref(src, dst, n, importance);
  LLMQ_LEGACY_DISPATCH(rowQ5_1, src, dst, n);
}

void quantizeRowIQ4_NL(const float *src, void *dst, int64_t n,
                       const float *importance) {
  LLMQ_LEGACY_DISPATCH(rowIQ4_NL, src, dst, n, importance);
}

void quantizeRowIQ4_XS(const float *src, void *dst, int64_t n,
                       const float *importance) {
  LLMQ_LEGACY_DISPATCH(rowIQ4_XS, src, dst, n, importance);
}

void nearestIQ4LevelsFast(const float *x, int64_t n, uint8_t *index,
                          float *level) {
  LLMQ_LEGACY_DISPATCH(iq4Levels, x, n, index, level);
}

#else // !LLMQ_LEGACY_FAST

// Without clang on x86-64 the scalar references are the quantizers.
void quantizeRowQ8_0(const float *src, void *dst, int64_t n,
                     const float *importance) {
  quantizeRowQ8_0Ref(src, dst, n, importance);
}
void quantizeRowQ4_0(const float *src, void *dst, int64_t n,
                     const float *importance) {
  quantizeRowQ4_0Ref(src, dst, n, importance);
}
void quantizeRowQ4_1(const float *src, void *dst, int64_t n,
                     const float *importance) {
  quantizeRowQ4_1Ref(src, dst, n, importance);
}
void quantizeRowQ5_0(const float *src, void *dst, int64_t n,
                     const float *importance) {
  quantizeRowQ5_0Ref(src, dst, n, importance);
}
void quantizeRowQ5_1(const float *src, void *dst, int64_t n,
                     const float *importance) {
  quantizeRowQ5_1Ref(src, dst, n, importance);
}
void quantizeRowIQ4_NL(const float *src, void *dst, int64_t n,
                       const float *importance) {
  quantizeRowIQ4_NLRef(src, dst, n, importance);
}
void quantizeRowIQ4_XS(const float *src, void *dst, int64_t n,
                       const float *importance) {
  quantizeRowIQ4_XSRef(src, dst, n, importance);
}

void nearestIQ4LevelsFast(const float *x, int64_t n, uint8_t *index,
                          float *level) {
  // IQ4.cpp's nearestLevel, which the references use.
  for (int64_t i = 0; i < n; ++i) {
    const float x2 = x[i] + x[i];
    int idx = 0;
    for (int step = 8; step > 0; step >>= 1) {
      const int j = idx + step;
      idx = x2 >= static_cast<float>(kIQ4NLValues[j - 1] + kIQ4NLValues[j])
                ? j
                : idx;
    }
    index[i] = static_cast<uint8_t>(idx);
    level[i] = static_cast<float>(kIQ4NLValues[idx]);
  }
}

#endif // LLMQ_LEGACY_FAST

} // namespace quant
} // namespace llmq
