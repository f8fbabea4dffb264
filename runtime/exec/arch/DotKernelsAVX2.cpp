//===- DotKernelsAVX2.cpp - AVX2/FMA dot-product kernel -------------------===//
//
// Compiled with -mavx2 -mfma and only called after a CPU check. Two tokens
// share each weight load; eight accumulators fit the 16 ymm registers.
//
//===----------------------------------------------------------------------===//

#include "runtime/exec/arch/DotKernels.h"

#include <immintrin.h>

using namespace llmq::runtime;

/// Sums the 8 lanes in a fixed order: (0+4, 1+5, 2+6, 3+7), then pairs.
static inline float reduce(__m256 v) {
  __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
  __m128 s = _mm_add_ps(lo, hi);                // 0+4 1+5 2+6 3+7
  __m128 pairs = _mm_add_ps(s, _mm_movehl_ps(s, s)); // (0+4)+(2+6), (1+5)+(3+7)
  return _mm_cvtss_f32(pairs) + _mm_cvtss_f32(_mm_shuffle_ps(pairs, pairs, 1));
}

template <int Tokens>
static inline void tile(const float *const *w, int64_t rows, const float *x,
                        int64_t cols, float *out, int64_t outStride) {
  __m256 acc[4][Tokens];
  for (int k = 0; k < 4; ++k)
    for (int t = 0; t < Tokens; ++t)
      acc[k][t] = _mm256_setzero_ps();
  int64_t c = 0;
  for (; c + 8 <= cols; c += 8) {
    __m256 xv[Tokens];
    for (int t = 0; t < Tokens; ++t)
      xv[t] = _mm256_loadu_ps(x + t * cols + c);
    for (int k = 0; k < 4; ++k) {
      if (k >= rows)
        break;
      __m256 wv = _mm256_loadu_ps(w[k] + c);
      for (int t = 0; t < Tokens; ++t)
        acc[k][t] = _mm256_fmadd_ps(wv, xv[t], acc[k][t]);
    }
  }
  for (int k = 0; k < rows; ++k)
    for (int t = 0; t < Tokens; ++t) {
      float sum = reduce(acc[k][t]);
      for (int64_t i = c; i < cols; ++i)
        sum = _mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(w[k][i]),
                                         _mm_set_ss(x[t * cols + i]),
                                         _mm_set_ss(sum)));
      out[t * outStride + k] = sum;
    }
}

void llmq::runtime::dotTileAVX2(const float *const *w, int64_t rows,
                                const float *x, int64_t tokens, int64_t cols,
                                float *out, int64_t outStride) {
  int64_t t = 0;
  for (; t + 2 <= tokens; t += 2)
    tile<2>(w, rows, x + t * cols, cols, out + t * outStride, outStride);
  for (; t < tokens; ++t)
    tile<1>(w, rows, x + t * cols, cols, out + t * outStride, outStride);
}
