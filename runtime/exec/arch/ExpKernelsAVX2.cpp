//===- ExpKernelsAVX2.cpp - AVX2 exponentials -----------------------------===//
//
// Compiled with -mavx2 -mfma and only used after a CPU check. The
// exponentials of ExpKernels.h, 4 lanes of f64 at a time (f32's computed in
// f64, its table gathered); f64's 2^n is built with integer lanes from n +
// 1.5 * 2^52 (AVX2 has no f64 to int64 conversion). The last partial group
// goes through a zero-padded copy.
//
//===----------------------------------------------------------------------===//

#include "runtime/exec/arch/ExpKernels.h"

#include <immintrin.h>

using namespace llmq::runtime;
using namespace llmq::runtime::expconst;

// No standard-library templates here: their instantiations, compiled for
// AVX2, could be the ones the linker keeps for every caller.

static constexpr int kRound = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;

/// The f32 exponential of 4 lanes, computed in f64.
static inline __m128 expPs4(__m128 x) {
  __m256d xd = _mm256_cvtps_pd(x);
  __m256d kd =
      _mm256_fmadd_pd(_mm256_set1_pd(kInvLn2x32), xd, _mm256_set1_pd(kShift));
  __m256i ki = _mm256_castpd_si256(kd);
  kd = _mm256_sub_pd(kd, _mm256_set1_pd(kShift));
  __m256d r = _mm256_fmsub_pd(_mm256_set1_pd(kInvLn2x32), xd, kd);
  __m256i index = _mm256_and_si256(ki, _mm256_set1_epi64x(31));
  __m256i t = _mm256_add_epi64(
      _mm256_i64gather_epi64(reinterpret_cast<const long long *>(kTable), index,
                             8),
      _mm256_slli_epi64(ki, 47));
  __m256d y = _mm256_fmadd_pd(
      _mm256_fmadd_pd(_mm256_set1_pd(kPoly[0]), r, _mm256_set1_pd(kPoly[1])),
      _mm256_mul_pd(r, r),
      _mm256_fmadd_pd(_mm256_set1_pd(kPoly[2]), r, _mm256_set1_pd(1.0)));
  return _mm256_cvtpd_ps(_mm256_mul_pd(y, _mm256_castsi256_pd(t)));
}

static inline __m256 expPs(__m256 x) {
  // In range first, so that the f64 steps see no infinity or NaN.
  __m256 clamped = _mm256_max_ps(_mm256_min_ps(x, _mm256_set1_ps(kOverflowF)),
                                 _mm256_set1_ps(kUnderflowF));
  __m256 result = _mm256_set_m128(expPs4(_mm256_extractf128_ps(clamped, 1)),
                                  expPs4(_mm256_castps256_ps128(clamped)));
  result = _mm256_blendv_ps(
      result, _mm256_set1_ps(__builtin_inff()),
      _mm256_cmp_ps(x, _mm256_set1_ps(kOverflowF), _CMP_GT_OQ));
  result = _mm256_blendv_ps(
      result, _mm256_setzero_ps(),
      _mm256_cmp_ps(x, _mm256_set1_ps(kUnderflowF), _CMP_LT_OQ));
  return _mm256_blendv_ps(result, _mm256_add_ps(x, x),
                          _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
}

static inline __m256d expPd(__m256d x) {
  __m256d clamped =
      _mm256_max_pd(_mm256_min_pd(x, _mm256_set1_pd(kHi)), _mm256_set1_pd(kLo));
  __m256d n =
      _mm256_round_pd(_mm256_mul_pd(clamped, _mm256_set1_pd(kLog2e)), kRound);
  __m256d r = _mm256_fnmadd_pd(n, _mm256_set1_pd(kLn2Hi), clamped);
  r = _mm256_fnmadd_pd(n, _mm256_set1_pd(kLn2Lo), r);
  __m256d p = _mm256_set1_pd(kInvFactorial[kDegree]);
  for (int k = kDegree - 1; k >= 0; --k)
    p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(kInvFactorial[k]));
  __m256i shifted =
      _mm256_castpd_si256(_mm256_add_pd(n, _mm256_set1_pd(kShift)));
  __m256i exponent = _mm256_add_epi64(
      _mm256_sub_epi64(shifted, _mm256_castpd_si256(_mm256_set1_pd(kShift))),
      _mm256_set1_epi64x(1023));
  __m256d result =
      _mm256_mul_pd(p, _mm256_castsi256_pd(_mm256_slli_epi64(exponent, 52)));
  result = _mm256_blendv_pd(result, _mm256_set1_pd(__builtin_inf()),
                            _mm256_cmp_pd(x, _mm256_set1_pd(kHi), _CMP_GT_OQ));
  result = _mm256_blendv_pd(result, _mm256_setzero_pd(),
                            _mm256_cmp_pd(x, _mm256_set1_pd(kLo), _CMP_LT_OQ));
  return _mm256_blendv_pd(result, x, _mm256_cmp_pd(x, x, _CMP_UNORD_Q));
}

static inline __m256 siluMul8(__m256 g, __m256 u) {
  __m256 negated = _mm256_castsi256_ps(
      _mm256_xor_si256(_mm256_castps_si256(g), _mm256_set1_epi32(INT32_MIN)));
  __m256 e = expPs(negated);
  return _mm256_mul_ps(_mm256_div_ps(g, _mm256_add_ps(_mm256_set1_ps(1.0f), e)),
                       u);
}

static void siluMulAVX2(float *gate, const float *up, int64_t count) {
  int64_t i = 0;
  for (; i + 8 <= count; i += 8)
    _mm256_storeu_ps(
        gate + i, siluMul8(_mm256_loadu_ps(gate + i), _mm256_loadu_ps(up + i)));
  if (i == count)
    return;
  float g[8] = {}, u[8] = {};
  for (int64_t j = i; j < count; ++j) {
    g[j - i] = gate[j];
    u[j - i] = up[j];
  }
  _mm256_storeu_ps(g, siluMul8(_mm256_loadu_ps(g), _mm256_loadu_ps(u)));
  for (int64_t j = i; j < count; ++j)
    gate[j] = g[j - i];
}

static void expShiftedAVX2(float *x, int64_t n, float shift) {
  const __m256 s = _mm256_set1_ps(shift);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(x + i, expPs(_mm256_sub_ps(_mm256_loadu_ps(x + i), s)));
  if (i == n)
    return;
  float rest[8] = {};
  for (int64_t j = i; j < n; ++j)
    rest[j - i] = x[j];
  _mm256_storeu_ps(rest, expPs(_mm256_sub_ps(_mm256_loadu_ps(rest), s)));
  for (int64_t j = i; j < n; ++j)
    x[j] = rest[j - i];
}

static void expSumsAVX2(const float *x, const float *p, int64_t n, double shift,
                        double sums[2]) {
  // Lanes 4j..4j+3 of the 16 in exps[j] and products[j].
  __m256d exps[4], products[4];
  for (int j = 0; j < 4; ++j)
    exps[j] = products[j] = _mm256_setzero_pd();
  const __m256d s = _mm256_set1_pd(shift);
  auto group = [&](const float *xs, const float *ps, int64_t valid) {
    for (int j = 0; j < 4; ++j) {
      __m256d xj = _mm256_cvtps_pd(_mm_loadu_ps(xs + 4 * j));
      __m256d pj = _mm256_cvtps_pd(_mm_loadu_ps(ps + 4 * j));
      __m256d e = _mm256_add_pd(exps[j], expPd(_mm256_sub_pd(xj, s)));
      __m256d prod = _mm256_fmadd_pd(pj, xj, products[j]);
      if (valid < 16) {
        // Lanes past `valid` keep their sums.
        __m256i lane =
            _mm256_setr_epi64x(4 * j, 4 * j + 1, 4 * j + 2, 4 * j + 3);
        __m256d keep = _mm256_castsi256_pd(
            _mm256_cmpgt_epi64(lane, _mm256_set1_epi64x(valid - 1)));
        e = _mm256_blendv_pd(e, exps[j], keep);
        prod = _mm256_blendv_pd(prod, products[j], keep);
      }
      exps[j] = e;
      products[j] = prod;
    }
  };
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    group(x + i, p + i, 16);
  if (i < n) {
    float xs[16] = {}, ps[16] = {};
    for (int64_t j = i; j < n; ++j) {
      xs[j - i] = x[j];
      ps[j - i] = p[j];
    }
    group(xs, ps, n - i);
  }
  auto reduce = [](const __m256d *acc) {
    __m256d s4 = _mm256_add_pd(_mm256_add_pd(acc[0], acc[2]),
                               _mm256_add_pd(acc[1], acc[3]));
    __m128d s2 =
        _mm_add_pd(_mm256_castpd256_pd128(s4), _mm256_extractf128_pd(s4, 1));
    return _mm_cvtsd_f64(s2) + _mm_cvtsd_f64(_mm_unpackhi_pd(s2, s2));
  };
  sums[0] = reduce(exps);
  sums[1] = reduce(products);
}

const ExpKernels *llmq::runtime::avx2ExpKernels() {
  static const ExpKernels kernels = {"avx2", siluMulAVX2, expShiftedAVX2,
                                     expSumsAVX2};
  static const bool supported =
      __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return supported ? &kernels : nullptr;
}
