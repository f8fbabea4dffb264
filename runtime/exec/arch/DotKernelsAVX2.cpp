//===- DotKernelsAVX2.cpp - AVX2/FMA dot-product kernels ------------------===//
//
// Compiled with -mavx2 -mfma -mf16c and only used after a CPU check. Each
// output element keeps DotKernels.h's 16 lanes in two ymm halves (lanes 0-7
// and 8-15); a register tile of 2 weight rows x 3 tokens uses 12 of the 16
// ymm registers for accumulators.
//
//===----------------------------------------------------------------------===//

#include "runtime/exec/arch/DotKernels.h"

#include <immintrin.h>

#include <array>
#include <utility>

using namespace llmq::runtime;

namespace {
constexpr int kRowTile = 2, kTokenTile = 3;
} // namespace

// No standard-library templates here: their instantiations, compiled for
// this instruction set, could be picked by the linker for other files.
static inline int64_t minOf(int64_t a, int64_t b) { return a < b ? a : b; }

/// The fixed reduction tree of DotKernels.h; `lo` holds lanes 0-7, `hi` 8-15.
static inline float reduce(__m256 lo, __m256 hi) {
  __m256 s8 = _mm256_add_ps(lo, hi);
  __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s8),
                         _mm256_extractf128_ps(s8, 1));
  __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
  return _mm_cvtss_f32(_mm_add_ss(s2, _mm_shuffle_ps(s2, s2, 1)));
}

/// A mask of the first `count` (0..8) lanes for maskload.
static inline __m256i firstLanes(int64_t count) {
  __m256i index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(count)), index);
}

template <int Rows, int Tokens>
static void tile(const float *w, int64_t ldw, const float *x, int64_t ldx,
                 int64_t cols, float *out, int64_t ldo) {
  __m256 acc[Rows][Tokens][2];
  for (int r = 0; r < Rows; ++r)
    for (int t = 0; t < Tokens; ++t)
      acc[r][t][0] = acc[r][t][1] = _mm256_setzero_ps();
  int64_t c = 0;
  for (; c + 16 <= cols; c += 16)
    for (int h = 0; h < 2; ++h) {
      __m256 wv[Rows];
      for (int r = 0; r < Rows; ++r)
        wv[r] = _mm256_loadu_ps(w + r * ldw + c + 8 * h);
      for (int t = 0; t < Tokens; ++t) {
        __m256 xv = _mm256_loadu_ps(x + t * ldx + c + 8 * h);
        for (int r = 0; r < Rows; ++r)
          acc[r][t][h] = _mm256_fmadd_ps(wv[r], xv, acc[r][t][h]);
      }
    }
  if (c < cols)
    for (int h = 0; h < 2; ++h) {
      __m256i m = firstLanes(minOf(cols - c - 8 * h < 0 ? 0 : cols - c - 8 * h, 8));
      __m256 wv[Rows];
      for (int r = 0; r < Rows; ++r)
        wv[r] = _mm256_maskload_ps(w + r * ldw + c + 8 * h, m);
      for (int t = 0; t < Tokens; ++t) {
        __m256 xv = _mm256_maskload_ps(x + t * ldx + c + 8 * h, m);
        for (int r = 0; r < Rows; ++r)
          acc[r][t][h] = _mm256_fmadd_ps(wv[r], xv, acc[r][t][h]);
      }
    }
  for (int t = 0; t < Tokens; ++t)
    for (int r = 0; r < Rows; ++r)
      out[t * ldo + r] = reduce(acc[r][t][0], acc[r][t][1]);
}

using TileFn = void (*)(const float *, int64_t, const float *, int64_t,
                        int64_t, float *, int64_t);

template <int Rows, int... Tokens>
static constexpr auto tileRow(std::integer_sequence<int, Tokens...>) {
  return std::array<TileFn, sizeof...(Tokens)>{tile<Rows, Tokens + 1>...};
}

static const std::array<std::array<TileFn, kTokenTile>, kRowTile> kTiles = {
    tileRow<1>(std::make_integer_sequence<int, kTokenTile>()),
    tileRow<2>(std::make_integer_sequence<int, kTokenTile>())};

static void dotBlockAVX2(const float *w, int64_t ldw, int64_t rows,
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

static void f16ToF32AVX2(const uint16_t *in, float *out, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(out + i, _mm256_cvtph_ps(_mm_loadu_si128(
                                  reinterpret_cast<const __m128i *>(in + i))));
  for (; i < n; ++i)
    out[i] = _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(in[i])));
}

static void bf16ToF32AVX2(const uint16_t *in, float *out, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256i v = _mm256_cvtepu16_epi32(
        _mm_loadu_si128(reinterpret_cast<const __m128i *>(in + i)));
    _mm256_storeu_ps(out + i, _mm256_castsi256_ps(_mm256_slli_epi32(v, 16)));
  }
  for (; i < n; ++i) {
    uint32_t bits = static_cast<uint32_t>(in[i]) << 16;
    float f;
    __builtin_memcpy(&f, &bits, sizeof f);
    out[i] = f;
  }
}

const DotKernels *llmq::runtime::avx2DotKernels() {
  static const DotKernels kernels = {"avx2", dotBlockAVX2, f16ToF32AVX2,
                                     bf16ToF32AVX2};
  static const bool supported = __builtin_cpu_supports("avx2") &&
                                __builtin_cpu_supports("fma") &&
                                __builtin_cpu_supports("f16c");
  return supported ? &kernels : nullptr;
}
