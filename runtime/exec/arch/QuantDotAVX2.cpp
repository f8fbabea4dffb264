//===- QuantDotAVX2.cpp - AVX2 integer dot products -----------------------===//
//
// Compiled with -mavx2 -mfma and only used after a CPU check. A register tile
// is one group of 16 rows (two ymm halves of 8 lanes, one per row) x a few
// tokens. Each step takes 4 columns: vpmaddubsw multiplies the rows' unsigned
// codes with the token's 4 signed codes broadcast (pairs summed to int16,
// never saturating for these ranges) and vpmaddwd sums the pairs to int32.
// q4_K: vpmaddwd multiplies by the sub-block's scale at once (the scale in
// both int16 halves), so S accumulates directly. q8_0: the weights are
// signed, so |w| meets sign(x, w) (ggml's trick) and vpmaddwd multiplies by 1.
//
//===----------------------------------------------------------------------===//

#include "runtime/exec/arch/QuantDot.h"

#include <immintrin.h>

#include <array>
#include <cstring>
#include <utility>

using namespace llmq::runtime;

namespace {
constexpr int kQ4KTokenTile = 4, kQ8_0TokenTile = 3;
} // namespace

// No standard-library templates below: their instantiations, compiled for
// this instruction set, could be picked by the linker for other files.
static inline int64_t minOf(int64_t a, int64_t b) { return a < b ? a : b; }

static inline __m256i broadcast4(const int8_t *p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm256_set1_epi32(v);
}

static inline __m256i load(const void *p) {
  return _mm256_load_si256(static_cast<const __m256i *>(p));
}

/// The first `rows` (<= 16) lanes of the two halves to out.
static inline void storeRows(const __m256 acc[2], int64_t rows, float *out) {
  if (rows >= 16) {
    _mm256_storeu_ps(out, acc[0]);
    _mm256_storeu_ps(out + 8, acc[1]);
    return;
  }
  alignas(32) float lanes[16];
  _mm256_store_ps(lanes, acc[0]);
  _mm256_store_ps(lanes + 8, acc[1]);
  std::memcpy(out, lanes, rows * sizeof(float));
}

template <int Tokens>
static void q4KTile(const Q4KGroupBlock *w, int64_t rows,
                    const QuantActivations &x, int64_t t0, float *out,
                    int64_t ldo) {
  const int64_t blocks = x.blocks;
  __m256 acc[Tokens][2];
  for (int t = 0; t < Tokens; ++t)
    acc[t][0] = acc[t][1] = _mm256_setzero_ps();
  const int8_t *codes[Tokens];
  for (int t = 0; t < Tokens; ++t)
    codes[t] = x.codes + (t0 + t) * x.cols;
  for (int64_t b = 0; b < blocks; ++b, ++w) {
    __m256i s[Tokens][2];
    for (int t = 0; t < Tokens; ++t)
      s[t][0] = s[t][1] = _mm256_setzero_si256();
    for (int j = 0; j < 8; ++j) {
      __m256i scale[2];
      for (int h = 0; h < 2; ++h) {
        __m256i sc = load(w->scales[j] + 8 * h);
        scale[h] = _mm256_or_si256(sc, _mm256_slli_epi32(sc, 16));
      }
      for (int step = 8 * j; step < 8 * j + 8; ++step) {
        __m256i wv[2] = {load(w->q[step][0]), load(w->q[step][8])};
        for (int t = 0; t < Tokens; ++t) {
          __m256i xv = broadcast4(codes[t] + b * 256 + 4 * step);
          for (int h = 0; h < 2; ++h)
            s[t][h] = _mm256_add_epi32(
                s[t][h], _mm256_madd_epi16(_mm256_maddubs_epi16(wv[h], xv),
                                           scale[h]));
        }
      }
    }
    for (int t = 0; t < Tokens; ++t) {
      int64_t at = (t0 + t) * blocks + b;
      const int8_t *sums = reinterpret_cast<const int8_t *>(x.sums + at * 8);
      __m256 dx = _mm256_set1_ps(x.scales[at]);
      for (int h = 0; h < 2; ++h) {
        __m256i m = _mm256_setzero_si256();
        for (int p = 0; p < 4; ++p)
          m = _mm256_add_epi32(m, _mm256_madd_epi16(load(w->mins[p][8 * h]),
                                                    broadcast4(sums + 4 * p)));
        __m256 d = _mm256_mul_ps(dx, _mm256_load_ps(w->d + 8 * h));
        __m256 dmin = _mm256_mul_ps(dx, _mm256_load_ps(w->dmin + 8 * h));
        acc[t][h] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(s[t][h]), acc[t][h]);
        acc[t][h] = _mm256_fnmadd_ps(dmin, _mm256_cvtepi32_ps(m), acc[t][h]);
      }
    }
  }
  for (int t = 0; t < Tokens; ++t)
    storeRows(acc[t], rows, out + t * ldo);
}

template <int Tokens>
static void q6KTile(const Q6KGroupBlock *w, int64_t rows,
                    const QuantActivations &x, int64_t t0, float *out,
                    int64_t ldo) {
  const int64_t blocks = x.blocks;
  const __m256i lowHalf = _mm256_set1_epi32(0xFFFF);
  __m256 acc[Tokens][2];
  for (int t = 0; t < Tokens; ++t)
    acc[t][0] = acc[t][1] = _mm256_setzero_ps();
  const int8_t *codes[Tokens];
  for (int t = 0; t < Tokens; ++t)
    codes[t] = x.codes + (t0 + t) * x.cols;
  for (int64_t b = 0; b < blocks; ++b, ++w) {
    __m256i s[Tokens][2];
    for (int t = 0; t < Tokens; ++t)
      s[t][0] = s[t][1] = _mm256_setzero_si256();
    for (int j = 0; j < 16; ++j) {
      // The signed scale in both int16 halves of each lane.
      __m256i scale[2];
      for (int h = 0; h < 2; ++h) {
        __m256i sc = load(w->scales[j] + 8 * h);
        scale[h] = _mm256_or_si256(_mm256_and_si256(sc, lowHalf),
                                   _mm256_slli_epi32(sc, 16));
      }
      for (int step = 4 * j; step < 4 * j + 4; ++step) {
        __m256i wv[2] = {load(w->q[step][0]), load(w->q[step][8])};
        for (int t = 0; t < Tokens; ++t) {
          __m256i xv = broadcast4(codes[t] + b * 256 + 4 * step);
          for (int h = 0; h < 2; ++h)
            s[t][h] = _mm256_add_epi32(
                s[t][h], _mm256_madd_epi16(_mm256_maddubs_epi16(wv[h], xv),
                                           scale[h]));
        }
      }
    }
    for (int t = 0; t < Tokens; ++t) {
      int64_t at = (t0 + t) * blocks + b;
      const int8_t *sums =
          reinterpret_cast<const int8_t *>(x.sums16 + at * 16);
      __m256 dx = _mm256_set1_ps(x.scales[at]);
      for (int h = 0; h < 2; ++h) {
        __m256i c = _mm256_setzero_si256();
        for (int p = 0; p < 8; ++p)
          c = _mm256_add_epi32(
              c, _mm256_madd_epi16(load(w->scalePairs[p][8 * h]),
                                   broadcast4(sums + 4 * p)));
        __m256i total = _mm256_sub_epi32(s[t][h], _mm256_slli_epi32(c, 5));
        acc[t][h] =
            _mm256_fmadd_ps(_mm256_mul_ps(dx, _mm256_load_ps(w->d + 8 * h)),
                            _mm256_cvtepi32_ps(total), acc[t][h]);
      }
    }
  }
  for (int t = 0; t < Tokens; ++t)
    storeRows(acc[t], rows, out + t * ldo);
}

template <int Tokens>
static void q8_0Tile(const Q8_0GroupBlock *w, int64_t rows,
                     const QuantActivations &x, int64_t t0, float *out,
                     int64_t ldo) {
  const int64_t blocks = x.blocks;
  const __m256i ones = _mm256_set1_epi16(1);
  __m256 acc[Tokens][2];
  for (int t = 0; t < Tokens; ++t)
    acc[t][0] = acc[t][1] = _mm256_setzero_ps();
  const int8_t *codes[Tokens];
  for (int t = 0; t < Tokens; ++t)
    codes[t] = x.codes + (t0 + t) * x.cols;
  for (int64_t b = 0; b < blocks; ++b, ++w) {
    __m256i s[Tokens][2];
    for (int t = 0; t < Tokens; ++t)
      s[t][0] = s[t][1] = _mm256_setzero_si256();
    for (int step = 0; step < 8; ++step) {
      __m256i wv[2] = {load(w->q[step][0]), load(w->q[step][8])};
      __m256i aw[2] = {_mm256_abs_epi8(wv[0]), _mm256_abs_epi8(wv[1])};
      for (int t = 0; t < Tokens; ++t) {
        __m256i xv = broadcast4(codes[t] + b * 32 + 4 * step);
        for (int h = 0; h < 2; ++h)
          s[t][h] = _mm256_add_epi32(
              s[t][h],
              _mm256_madd_epi16(
                  _mm256_maddubs_epi16(aw[h], _mm256_sign_epi8(xv, wv[h])),
                  ones));
      }
    }
    for (int t = 0; t < Tokens; ++t) {
      __m256 dx = _mm256_set1_ps(x.scales[(t0 + t) * blocks + b]);
      for (int h = 0; h < 2; ++h)
        acc[t][h] =
            _mm256_fmadd_ps(_mm256_mul_ps(dx, _mm256_load_ps(w->d + 8 * h)),
                            _mm256_cvtepi32_ps(s[t][h]), acc[t][h]);
    }
  }
  for (int t = 0; t < Tokens; ++t)
    storeRows(acc[t], rows, out + t * ldo);
}

template <typename Block>
using TileFn = void (*)(const Block *, int64_t, const QuantActivations &,
                        int64_t, float *, int64_t);

template <typename Block, int TokenTile, template <int> class Kernel,
          int... Tokens>
static constexpr auto tiles(std::integer_sequence<int, Tokens...>) {
  return std::array<TileFn<Block>, sizeof...(Tokens)>{
      Kernel<Tokens + 1>::fn...};
}

template <int T> struct Q4KKernel {
  static constexpr TileFn<Q4KGroupBlock> fn = q4KTile<T>;
};
template <int T> struct Q6KKernel {
  static constexpr TileFn<Q6KGroupBlock> fn = q6KTile<T>;
};
template <int T> struct Q8_0Kernel {
  static constexpr TileFn<Q8_0GroupBlock> fn = q8_0Tile<T>;
};

template <typename Block, int TokenTile, template <int> class Kernel>
static void gemm(const Block *groups, int64_t rows, const QuantActivations &x,
                 int64_t t0, int64_t tokens, float *out, int64_t ldo) {
  static const std::array<TileFn<Block>, TokenTile> table =
      tiles<Block, TokenTile, Kernel>(
          std::make_integer_sequence<int, TokenTile>());
  for (int64_t t = 0; t < tokens; t += TokenTile) {
    int64_t nt = minOf(TokenTile, tokens - t);
    for (int64_t r = 0; r < rows; r += 16)
      table[nt - 1](groups + r / 16 * x.blocks, minOf(16, rows - r), x,
                    t0 + t, out + t * ldo + r, ldo);
  }
}

const QuantDotKernels *llmq::runtime::avx2QuantDotKernels() {
  static const QuantDotKernels kernels = {
      "avx2", gemm<Q4KGroupBlock, kQ4KTokenTile, Q4KKernel>,
      gemm<Q8_0GroupBlock, kQ8_0TokenTile, Q8_0Kernel>, repackQ4K,
      repackQ8_0, gemm<Q6KGroupBlock, kQ4KTokenTile, Q6KKernel>, repackQ6K};
  static const bool supported =
      __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return supported ? &kernels : nullptr;
}
