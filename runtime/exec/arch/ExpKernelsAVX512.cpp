//===- ExpKernelsAVX512.cpp - AVX-512 exponentials ------------------------===//
//
// Compiled with -mavx512f -mfma and only used after a CPU check. The
// exponentials of ExpKernels.h, 8 lanes of f64 at a time (f32's computed in
// f64, its table read with two-source permutes); f64's 2^n is built with
// integer lanes from n + 1.5 * 2^52 (AVX-512 F has no f64 to int64
// conversion).
//
//===----------------------------------------------------------------------===//

#include "runtime/exec/arch/ExpKernels.h"

#include <immintrin.h>

using namespace llmq::runtime;
using namespace llmq::runtime::expconst;

// No standard-library templates here: their instantiations, compiled for
// AVX-512, could be the ones the linker keeps for every caller.

static constexpr int kRound = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;

/// The f32 exponential of 8 lanes, computed in f64.
static inline __m256 expPs8(__m256 x) {
  __m512d xd = _mm512_cvtps_pd(x);
  __m512d kd =
      _mm512_fmadd_pd(_mm512_set1_pd(kInvLn2x32), xd, _mm512_set1_pd(kShift));
  __m512i ki = _mm512_castpd_si512(kd);
  kd = _mm512_sub_pd(kd, _mm512_set1_pd(kShift));
  __m512d r = _mm512_fmsub_pd(_mm512_set1_pd(kInvLn2x32), xd, kd);
  // kTable[ki % 32]: bit 4 of the index picks the half.
  const __m512i *table = reinterpret_cast<const __m512i *>(kTable);
  __m512i lo = _mm512_permutex2var_epi64(_mm512_loadu_si512(table), ki,
                                         _mm512_loadu_si512(table + 1));
  __m512i hi = _mm512_permutex2var_epi64(_mm512_loadu_si512(table + 2), ki,
                                         _mm512_loadu_si512(table + 3));
  __mmask8 upper = _mm512_test_epi64_mask(ki, _mm512_set1_epi64(16));
  __m512i t = _mm512_add_epi64(_mm512_mask_blend_epi64(upper, lo, hi),
                               _mm512_slli_epi64(ki, 47));
  __m512d y = _mm512_fmadd_pd(
      _mm512_fmadd_pd(_mm512_set1_pd(kPoly[0]), r, _mm512_set1_pd(kPoly[1])),
      _mm512_mul_pd(r, r),
      _mm512_fmadd_pd(_mm512_set1_pd(kPoly[2]), r, _mm512_set1_pd(1.0)));
  return _mm512_cvtpd_ps(_mm512_mul_pd(y, _mm512_castsi512_pd(t)));
}

static inline __m512 expPs(__m512 x) {
  // In range first, so that the f64 steps see no infinity or NaN.
  __m512 clamped = _mm512_max_ps(_mm512_min_ps(x, _mm512_set1_ps(kOverflowF)),
                                 _mm512_set1_ps(kUnderflowF));
  __m256 lo = expPs8(_mm512_castps512_ps256(clamped));
  __m256 hi = expPs8(
      _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(clamped), 1)));
  __m512 result = _mm512_castpd_ps(_mm512_insertf64x4(
      _mm512_castpd256_pd512(_mm256_castps_pd(lo)), _mm256_castps_pd(hi), 1));
  result = _mm512_mask_blend_ps(
      _mm512_cmp_ps_mask(x, _mm512_set1_ps(kOverflowF), _CMP_GT_OQ), result,
      _mm512_set1_ps(__builtin_inff()));
  result = _mm512_mask_blend_ps(
      _mm512_cmp_ps_mask(x, _mm512_set1_ps(kUnderflowF), _CMP_LT_OQ), result,
      _mm512_setzero_ps());
  return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), result,
                              _mm512_add_ps(x, x));
}

static inline __m512d expPd(__m512d x) {
  __m512d clamped =
      _mm512_max_pd(_mm512_min_pd(x, _mm512_set1_pd(kHi)), _mm512_set1_pd(kLo));
  __m512d n = _mm512_roundscale_pd(
      _mm512_mul_pd(clamped, _mm512_set1_pd(kLog2e)), kRound);
  __m512d r = _mm512_fnmadd_pd(n, _mm512_set1_pd(kLn2Hi), clamped);
  r = _mm512_fnmadd_pd(n, _mm512_set1_pd(kLn2Lo), r);
  __m512d p = _mm512_set1_pd(kInvFactorial[kDegree]);
  for (int k = kDegree - 1; k >= 0; --k)
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(kInvFactorial[k]));
  __m512i shifted =
      _mm512_castpd_si512(_mm512_add_pd(n, _mm512_set1_pd(kShift)));
  __m512i exponent = _mm512_add_epi64(
      _mm512_sub_epi64(shifted, _mm512_castpd_si512(_mm512_set1_pd(kShift))),
      _mm512_set1_epi64(1023));
  __m512d result =
      _mm512_mul_pd(p, _mm512_castsi512_pd(_mm512_slli_epi64(exponent, 52)));
  result = _mm512_mask_blend_pd(
      _mm512_cmp_pd_mask(x, _mm512_set1_pd(kHi), _CMP_GT_OQ), result,
      _mm512_set1_pd(__builtin_inf()));
  result = _mm512_mask_blend_pd(
      _mm512_cmp_pd_mask(x, _mm512_set1_pd(kLo), _CMP_LT_OQ), result,
      _mm512_setzero_pd());
  return _mm512_mask_blend_pd(_mm512_cmp_pd_mask(x, x, _CMP_UNORD_Q), result,
                              x);
}

static void siluMulAVX512(float *gate, const float *up, int64_t count) {
  const __m512 one = _mm512_set1_ps(1.0f);
  for (int64_t i = 0; i < count; i += 16) {
    __mmask16 m = count - i >= 16
                      ? static_cast<__mmask16>(0xffff)
                      : static_cast<__mmask16>((1u << (count - i)) - 1);
    __m512 g = _mm512_maskz_loadu_ps(m, gate + i);
    __m512 u = _mm512_maskz_loadu_ps(m, up + i);
    __m512 e = expPs(_mm512_castsi512_ps(_mm512_xor_si512(
        _mm512_castps_si512(g), _mm512_set1_epi32(INT32_MIN))));
    __m512 s = _mm512_mul_ps(_mm512_div_ps(g, _mm512_add_ps(one, e)), u);
    _mm512_mask_storeu_ps(gate + i, m, s);
  }
}

static void expShiftedAVX512(float *x, int64_t n, float shift) {
  const __m512 s = _mm512_set1_ps(shift);
  for (int64_t i = 0; i < n; i += 16) {
    __mmask16 m = n - i >= 16 ? static_cast<__mmask16>(0xffff)
                              : static_cast<__mmask16>((1u << (n - i)) - 1);
    __m512 v = _mm512_maskz_loadu_ps(m, x + i);
    _mm512_mask_storeu_ps(x + i, m, expPs(_mm512_sub_ps(v, s)));
  }
}

/// Lanes 0-7 (lo) and 8-15 (hi) of 16 floats as doubles.
static inline void widen(__m512 v, __m512d &lo, __m512d &hi) {
  lo = _mm512_cvtps_pd(_mm512_castps512_ps256(v));
  hi = _mm512_cvtps_pd(
      _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
}

/// ExpKernels.h's reduction of 16 lanes held as lanes 0-7 and 8-15.
static inline double reduce(__m512d lo, __m512d hi) {
  __m512d s8 = _mm512_add_pd(lo, hi);
  __m256d s4 =
      _mm256_add_pd(_mm512_castpd512_pd256(s8), _mm512_extractf64x4_pd(s8, 1));
  __m128d s2 =
      _mm_add_pd(_mm256_castpd256_pd128(s4), _mm256_extractf128_pd(s4, 1));
  return _mm_cvtsd_f64(s2) + _mm_cvtsd_f64(_mm_unpackhi_pd(s2, s2));
}

static void expSumsAVX512(const float *x, const float *p, int64_t n,
                          double shift, double sums[2]) {
  __m512d expLo = _mm512_setzero_pd(), expHi = _mm512_setzero_pd();
  __m512d prodLo = _mm512_setzero_pd(), prodHi = _mm512_setzero_pd();
  const __m512d s = _mm512_set1_pd(shift);
  for (int64_t i = 0; i < n; i += 16) {
    __mmask16 m = n - i >= 16 ? static_cast<__mmask16>(0xffff)
                              : static_cast<__mmask16>((1u << (n - i)) - 1);
    __mmask8 mLo = static_cast<__mmask8>(m),
             mHi = static_cast<__mmask8>(m >> 8);
    __m512d xLo, xHi, pLo, pHi;
    widen(_mm512_maskz_loadu_ps(m, x + i), xLo, xHi);
    widen(_mm512_maskz_loadu_ps(m, p + i), pLo, pHi);
    expLo = _mm512_mask_add_pd(expLo, mLo, expLo, expPd(_mm512_sub_pd(xLo, s)));
    expHi = _mm512_mask_add_pd(expHi, mHi, expHi, expPd(_mm512_sub_pd(xHi, s)));
    prodLo = _mm512_mask3_fmadd_pd(pLo, xLo, prodLo, mLo);
    prodHi = _mm512_mask3_fmadd_pd(pHi, xHi, prodHi, mHi);
  }
  sums[0] = reduce(expLo, expHi);
  sums[1] = reduce(prodLo, prodHi);
}

const ExpKernels *llmq::runtime::avx512ExpKernels() {
  static const ExpKernels kernels = {"avx512", siluMulAVX512, expShiftedAVX512,
                                     expSumsAVX512};
  static const bool supported =
      __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma");
  return supported ? &kernels : nullptr;
}
