//===- DotKernelsAVX512.cpp - AVX-512 dot-product kernels -----------------===//
//
// Compiled with -mavx512f -mavx512bw -mavx512vl -mfma -mf16c and only used
// after a CPU check. A register tile of 4 weight rows x 6 tokens keeps 24
// 16-lane accumulators (one per output element, the lanes of DotKernels.h's
// order) in the 32 zmm registers; each step loads 4 weight and 6 activation
// vectors for 24 fused multiply-adds.
//
//===----------------------------------------------------------------------===//

#include "runtime/exec/arch/DotKernels.h"

#include <immintrin.h>

#include <array>
#include <utility>

using namespace llmq::runtime;

namespace {
constexpr int kRowTile = 4, kTokenTile = 6;
} // namespace

// No standard-library templates here: their instantiations, compiled for
// this instruction set, could be picked by the linker for other files.
static inline int64_t minOf(int64_t a, int64_t b) { return a < b ? a : b; }

/// The fixed reduction tree of DotKernels.h.
static inline float reduce(__m512 acc) {
  __m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(acc), 1));
  __m256 s8 = _mm256_add_ps(_mm512_castps512_ps256(acc), hi);
  __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s8),
                         _mm256_extractf128_ps(s8, 1));
  __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
  return _mm_cvtss_f32(_mm_add_ss(s2, _mm_shuffle_ps(s2, s2, 1)));
}

template <int Rows, int Tokens>
static void tile(const float *w, int64_t ldw, const float *x, int64_t ldx,
                 int64_t cols, float *out, int64_t ldo) {
  __m512 acc[Rows][Tokens];
  for (int r = 0; r < Rows; ++r)
    for (int t = 0; t < Tokens; ++t)
      acc[r][t] = _mm512_setzero_ps();
  int64_t c = 0;
  for (; c + 16 <= cols; c += 16) {
    __m512 wv[Rows];
    for (int r = 0; r < Rows; ++r)
      wv[r] = _mm512_loadu_ps(w + r * ldw + c);
    for (int t = 0; t < Tokens; ++t) {
      __m512 xv = _mm512_loadu_ps(x + t * ldx + c);
      for (int r = 0; r < Rows; ++r)
        acc[r][t] = _mm512_fmadd_ps(wv[r], xv, acc[r][t]);
    }
  }
  if (c < cols) {
    __mmask16 m = static_cast<__mmask16>((1u << (cols - c)) - 1);
    __m512 wv[Rows];
    for (int r = 0; r < Rows; ++r)
      wv[r] = _mm512_maskz_loadu_ps(m, w + r * ldw + c);
    for (int t = 0; t < Tokens; ++t) {
      __m512 xv = _mm512_maskz_loadu_ps(m, x + t * ldx + c);
      for (int r = 0; r < Rows; ++r)
        acc[r][t] = _mm512_fmadd_ps(wv[r], xv, acc[r][t]);
    }
  }
  for (int t = 0; t < Tokens; ++t)
    for (int r = 0; r < Rows; ++r)
      out[t * ldo + r] = reduce(acc[r][t]);
}

using TileFn = void (*)(const float *, int64_t, const float *, int64_t,
                        int64_t, float *, int64_t);

template <int Rows, int... Tokens>
static constexpr auto tileRow(std::integer_sequence<int, Tokens...>) {
  return std::array<TileFn, sizeof...(Tokens)>{tile<Rows, Tokens + 1>...};
}

static const std::array<std::array<TileFn, kTokenTile>, kRowTile> kTiles = {
    tileRow<1>(std::make_integer_sequence<int, kTokenTile>()),
    tileRow<2>(std::make_integer_sequence<int, kTokenTile>()),
    tileRow<3>(std::make_integer_sequence<int, kTokenTile>()),
    tileRow<4>(std::make_integer_sequence<int, kTokenTile>())};

static void dotBlockAVX512(const float *w, int64_t ldw, int64_t rows,
                           const float *x, int64_t ldx, int64_t tokens,
                           int64_t cols, float *out, int64_t ldo) {
  for (int64_t t = 0; t < tokens; t += kTokenTile) {
    int64_t nt = minOf(kTokenTile, tokens - t);
    for (int64_t r = 0; r < rows; r += kRowTile) {
      int64_t nr = minOf(kRowTile, rows - r);
      kTiles[nr - 1][nt - 1](w + r * ldw, ldw, x + t * ldx, ldx, cols,
                             out + t * ldo + r, ldo);
    }
  }
}

static void f16ToF32AVX512(const uint16_t *in, float *out, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps(out + i, _mm512_cvtph_ps(_mm256_loadu_si256(
                                  reinterpret_cast<const __m256i *>(in + i))));
  if (i < n) {
    __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1);
    _mm512_mask_storeu_ps(out + i, m,
                          _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, in + i)));
  }
}

static void bf16ToF32AVX512(const uint16_t *in, float *out, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512i v = _mm512_cvtepu16_epi32(
        _mm256_loadu_si256(reinterpret_cast<const __m256i *>(in + i)));
    _mm512_storeu_ps(out + i, _mm512_castsi512_ps(_mm512_slli_epi32(v, 16)));
  }
  if (i < n) {
    __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1);
    __m512i v = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, in + i));
    _mm512_mask_storeu_ps(out + i, m,
                          _mm512_castsi512_ps(_mm512_slli_epi32(v, 16)));
  }
}

const DotKernels *llmq::runtime::avx512DotKernels() {
  static const DotKernels kernels = {"avx512", dotBlockAVX512, f16ToF32AVX512,
                                     bf16ToF32AVX512};
  static const bool supported =
      __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma") &&
      __builtin_cpu_supports("f16c");
  return supported ? &kernels : nullptr;
}
