//===- QuantDotAVX512.cpp - AVX-512 VNNI integer dot products -------------===//
//
// Compiled with -mavx512f -mavx512bw -mavx512vl -mavx512vnni -mfma and only
// used after a CPU check. A register tile is 2 groups of 16 rows (one zmm
// each: 16 lanes, one per row) x up to 6 tokens. Each step takes 4 columns:
// one 64-byte load per group and, per token, vpdpbusd with the token's 4
// codes broadcast from memory. q4_K: the codes are unsigned nibbles, the
// activations signed; 8 steps fill a sub-block's int32 sums, multiplied by
// the rows' scales into the super-block's S; the mins meet the q8_K sums by
// vpdpwssd. q8_0: the weights' codes + 128 (xor 0x80) as unsigned bytes, the
// sums starting at the token's -128 * sum(codes).
//
//===----------------------------------------------------------------------===//

#include "runtime/exec/arch/QuantDot.h"

#include <immintrin.h>

#include <array>
#include <cstring>
#include <utility>

using namespace llmq::runtime;

namespace {
constexpr int kGroupTile = 2, kTokenTile = 6;
} // namespace

// No standard-library templates below: their instantiations, compiled for
// this instruction set, could be picked by the linker for other files.
static inline int64_t minOf(int64_t a, int64_t b) { return a < b ? a : b; }

static inline __m512i broadcast4(const int8_t *p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm512_set1_epi32(v);
}

static inline __mmask16 rowMask(int64_t rows) {
  return rows >= 16 ? static_cast<__mmask16>(0xFFFF)
                    : static_cast<__mmask16>((1u << rows) - 1);
}

template <int Groups, int Tokens>
static void q4KTile(const Q4KGroupBlock *groups, int64_t stride, int64_t rows,
                    const QuantActivations &x, int64_t t0, float *out,
                    int64_t ldo) {
  const int64_t blocks = x.blocks;
  __m512 acc[Groups][Tokens];
  for (int g = 0; g < Groups; ++g)
    for (int t = 0; t < Tokens; ++t)
      acc[g][t] = _mm512_setzero_ps();
  const int8_t *codes[Tokens];
  for (int t = 0; t < Tokens; ++t)
    codes[t] = x.codes + (t0 + t) * x.cols;
  for (int64_t b = 0; b < blocks; ++b) {
    const Q4KGroupBlock *w[Groups];
    for (int g = 0; g < Groups; ++g)
      w[g] = groups + g * stride + b;
    __m512i s[Groups][Tokens];
    for (int g = 0; g < Groups; ++g)
      for (int t = 0; t < Tokens; ++t)
        s[g][t] = _mm512_setzero_si512();
    for (int j = 0; j < 8; ++j) {
      __m512i sub[Groups][Tokens];
      for (int g = 0; g < Groups; ++g)
        for (int t = 0; t < Tokens; ++t)
          sub[g][t] = _mm512_setzero_si512();
      for (int step = 8 * j; step < 8 * j + 8; ++step) {
        __m512i wv[Groups];
        for (int g = 0; g < Groups; ++g)
          wv[g] = _mm512_load_si512(w[g]->q[step]);
        for (int t = 0; t < Tokens; ++t) {
          __m512i xv = broadcast4(codes[t] + b * 256 + 4 * step);
          for (int g = 0; g < Groups; ++g)
            sub[g][t] = _mm512_dpbusd_epi32(sub[g][t], wv[g], xv);
        }
      }
      for (int g = 0; g < Groups; ++g) {
        __m512i scale = _mm512_load_si512(w[g]->scales[j]);
        for (int t = 0; t < Tokens; ++t)
          s[g][t] = _mm512_add_epi32(s[g][t],
                                     _mm512_mullo_epi32(sub[g][t], scale));
      }
    }
    for (int t = 0; t < Tokens; ++t) {
      int64_t at = (t0 + t) * blocks + b;
      const int8_t *sums = reinterpret_cast<const int8_t *>(x.sums + at * 8);
      __m512 dx = _mm512_set1_ps(x.scales[at]);
      for (int g = 0; g < Groups; ++g) {
        __m512i m = _mm512_setzero_si512();
        for (int p = 0; p < 4; ++p)
          m = _mm512_dpwssd_epi32(m, _mm512_load_si512(w[g]->mins[p]),
                                  broadcast4(sums + 4 * p));
        __m512 d = _mm512_mul_ps(dx, _mm512_load_ps(w[g]->d));
        __m512 dmin = _mm512_mul_ps(dx, _mm512_load_ps(w[g]->dmin));
        acc[g][t] = _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(s[g][t]), acc[g][t]);
        acc[g][t] = _mm512_fnmadd_ps(dmin, _mm512_cvtepi32_ps(m), acc[g][t]);
      }
    }
  }
  for (int t = 0; t < Tokens; ++t)
    for (int g = 0; g < Groups; ++g)
      _mm512_mask_storeu_ps(out + t * ldo + g * 16, rowMask(rows - g * 16),
                            acc[g][t]);
}

template <int Groups, int Tokens>
static void q8_0Tile(const Q8_0GroupBlock *groups, int64_t stride,
                     int64_t rows, const QuantActivations &x, int64_t t0,
                     float *out, int64_t ldo) {
  const int64_t blocks = x.blocks;
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  __m512 acc[Groups][Tokens];
  for (int g = 0; g < Groups; ++g)
    for (int t = 0; t < Tokens; ++t)
      acc[g][t] = _mm512_setzero_ps();
  const int8_t *codes[Tokens];
  for (int t = 0; t < Tokens; ++t)
    codes[t] = x.codes + (t0 + t) * x.cols;
  for (int64_t b = 0; b < blocks; ++b) {
    const Q8_0GroupBlock *w[Groups];
    for (int g = 0; g < Groups; ++g)
      w[g] = groups + g * stride + b;
    __m512i s[Groups][Tokens];
    for (int t = 0; t < Tokens; ++t) {
      __m512i init = _mm512_set1_epi32(x.correction[(t0 + t) * blocks + b]);
      for (int g = 0; g < Groups; ++g)
        s[g][t] = init;
    }
    for (int step = 0; step < 8; ++step) {
      __m512i wv[Groups];
      for (int g = 0; g < Groups; ++g)
        wv[g] = _mm512_xor_si512(_mm512_load_si512(w[g]->q[step]), flip);
      for (int t = 0; t < Tokens; ++t) {
        __m512i xv = broadcast4(codes[t] + b * 32 + 4 * step);
        for (int g = 0; g < Groups; ++g)
          s[g][t] = _mm512_dpbusd_epi32(s[g][t], wv[g], xv);
      }
    }
    for (int t = 0; t < Tokens; ++t) {
      __m512 dx = _mm512_set1_ps(x.scales[(t0 + t) * blocks + b]);
      for (int g = 0; g < Groups; ++g)
        acc[g][t] =
            _mm512_fmadd_ps(_mm512_mul_ps(dx, _mm512_load_ps(w[g]->d)),
                            _mm512_cvtepi32_ps(s[g][t]), acc[g][t]);
    }
  }
  for (int t = 0; t < Tokens; ++t)
    for (int g = 0; g < Groups; ++g)
      _mm512_mask_storeu_ps(out + t * ldo + g * 16, rowMask(rows - g * 16),
                            acc[g][t]);
}

template <typename Block>
using TileFn = void (*)(const Block *, int64_t, int64_t,
                        const QuantActivations &, int64_t, float *, int64_t);

template <typename Block, template <int, int> class Kernel, int Groups,
          int... Tokens>
static constexpr auto tileRow(std::integer_sequence<int, Tokens...>) {
  return std::array<TileFn<Block>, sizeof...(Tokens)>{
      Kernel<Groups, Tokens + 1>::fn...};
}

template <int G, int T> struct Q4KKernel {
  static constexpr TileFn<Q4KGroupBlock> fn = q4KTile<G, T>;
};
template <int G, int T> struct Q8_0Kernel {
  static constexpr TileFn<Q8_0GroupBlock> fn = q8_0Tile<G, T>;
};

template <typename Block, template <int, int> class Kernel>
static void gemm(const Block *groups, int64_t rows, const QuantActivations &x,
                 int64_t t0, int64_t tokens, float *out, int64_t ldo) {
  static const std::array<std::array<TileFn<Block>, kTokenTile>, kGroupTile>
      tiles = {tileRow<Block, Kernel, 1>(
                   std::make_integer_sequence<int, kTokenTile>()),
               tileRow<Block, Kernel, 2>(
                   std::make_integer_sequence<int, kTokenTile>())};
  int64_t stride = x.blocks;
  for (int64_t t = 0; t < tokens; t += kTokenTile) {
    int64_t nt = minOf(kTokenTile, tokens - t);
    for (int64_t r = 0; r < rows; r += 16 * kGroupTile) {
      int64_t nr = minOf(16 * kGroupTile, rows - r);
      int64_t ng = (nr + 15) / 16;
      tiles[ng - 1][nt - 1](groups + r / 16 * stride, stride, nr, x, t0 + t,
                            out + t * ldo + r, ldo);
    }
  }
}

const QuantDotKernels *llmq::runtime::avx512QuantDotKernels() {
  static const QuantDotKernels kernels = {
      "avx512-vnni", gemm<Q4KGroupBlock, Q4KKernel>,
      gemm<Q8_0GroupBlock, Q8_0Kernel>};
  static const bool supported =
      __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("fma");
  return supported ? &kernels : nullptr;
}
