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
#include <climits>
#include <cstdint>
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
static void q6KTile(const Q6KGroupBlock *groups, int64_t stride, int64_t rows,
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
    const Q6KGroupBlock *w[Groups];
    for (int g = 0; g < Groups; ++g)
      w[g] = groups + g * stride + b;
    __m512i s[Groups][Tokens];
    for (int g = 0; g < Groups; ++g)
      for (int t = 0; t < Tokens; ++t)
        s[g][t] = _mm512_setzero_si512();
    for (int j = 0; j < 16; ++j) {
      __m512i sub[Groups][Tokens];
      for (int g = 0; g < Groups; ++g)
        for (int t = 0; t < Tokens; ++t)
          sub[g][t] = _mm512_setzero_si512();
      for (int step = 4 * j; step < 4 * j + 4; ++step) {
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
      const int8_t *sums =
          reinterpret_cast<const int8_t *>(x.sums16 + at * 16);
      __m512 dx = _mm512_set1_ps(x.scales[at]);
      for (int g = 0; g < Groups; ++g) {
        __m512i c = _mm512_setzero_si512();
        for (int p = 0; p < 8; ++p)
          c = _mm512_dpwssd_epi32(c, _mm512_load_si512(w[g]->scalePairs[p]),
                                  broadcast4(sums + 4 * p));
        __m512i total = _mm512_sub_epi32(s[g][t], _mm512_slli_epi32(c, 5));
        acc[g][t] = _mm512_fmadd_ps(_mm512_mul_ps(dx, _mm512_load_ps(w[g]->d)),
                                    _mm512_cvtepi32_ps(total), acc[g][t]);
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
template <int G, int T> struct Q6KKernel {
  static constexpr TileFn<Q6KGroupBlock> fn = q6KTile<G, T>;
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

/// Gathers: lane k reads the 4 bytes at base + k * rowBytes + offset, for
/// the first `count` lanes (0 elsewhere).
static inline __m512i gather(const uint8_t *base, __m512i rowOffsets,
                             __mmask16 valid, int64_t offset) {
  return _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), valid,
                                     rowOffsets, base + offset, 1);
}

/// Rows whose byte offsets from r0's (16 of them) fit gather's int32
/// indices; others take the portable repacking.
static bool gatherable(size_t rowBytes) {
  return rowBytes <= static_cast<size_t>(INT32_MAX) / kQuantGroupRows;
}

static inline __m512i rowOffsets(size_t rowBytes) {
  return _mm512_mullo_epi32(
      _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
      _mm512_set1_epi32(static_cast<int32_t>(rowBytes)));
}

/// Two f16 in each dword (low, high) to f32.
static inline void halves(__m512i v, float *low, float *high) {
  _mm512_store_ps(low, _mm512_cvtph_ps(_mm512_cvtepi32_epi16(v)));
  _mm512_store_ps(high, _mm512_cvtph_ps(
                            _mm512_cvtepi32_epi16(_mm512_srli_epi32(v, 16))));
}

/// The 32 bytes at `offset` of each of the first `count` (<= 16) rows of
/// `base` (0 for the others), transposed by dwords: out[i] holds dword i of
/// row k in lane k. An 8 x 8 transpose in each 256-bit half (rows k and
/// k + 8 share a register): 32-bit and 64-bit interleaves, then 128-bit
/// lanes picked across registers.
static inline void transpose16x8(const uint8_t *base, size_t rowBytes,
                                 int64_t offset, int64_t count,
                                 __m512i out[8]) {
  auto row = [&](int64_t k) {
    return k < count ? _mm256_loadu_si256(reinterpret_cast<const __m256i *>(
                           base + k * rowBytes + offset))
                     : _mm256_setzero_si256();
  };
  __m512i r[8];
  for (int i = 0; i < 8; ++i)
    r[i] = _mm512_inserti64x4(_mm512_castsi256_si512(row(i)), row(i + 8), 1);
  __m512i t[8], u[8];
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm512_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
  }
  // u[0..3]: dwords (0|4), (1|5), (2|6), (3|7) of rows 0-3 (and 8-11) per
  // 128-bit lane; u[4..7] the same of rows 4-7 (12-15).
  for (int h = 0; h < 2; ++h) {
    __m512i a = t[4 * h], b = t[4 * h + 1], c = t[4 * h + 2], d = t[4 * h + 3];
    u[4 * h + 0] = _mm512_unpacklo_epi64(a, c);
    u[4 * h + 1] = _mm512_unpackhi_epi64(a, c);
    u[4 * h + 2] = _mm512_unpacklo_epi64(b, d);
    u[4 * h + 3] = _mm512_unpackhi_epi64(b, d);
  }
  const __m512i low = _mm512_setr_epi64(0, 1, 8, 9, 4, 5, 12, 13);
  const __m512i high = _mm512_setr_epi64(2, 3, 10, 11, 6, 7, 14, 15);
  for (int d = 0; d < 4; ++d) {
    out[d] = _mm512_permutex2var_epi64(u[d], low, u[d + 4]);
    out[d + 4] = _mm512_permutex2var_epi64(u[d], high, u[d + 4]);
  }
}

/// repackQ4K 16 rows at a time: scales and f16 scales by gathers (4 bytes of
/// every row of the group), codes by 16 x 8 dword transposes, which give one
/// step's dword per row once the nibbles are split.
static void repackQ4KAVX512(const uint8_t *src, size_t rowBytes, int64_t r0,
                            int64_t count, int64_t cols, Q4KGroupBlock *out) {
  if (!gatherable(rowBytes))
    return repackQ4K(src, rowBytes, r0, count, cols, out);
  const int64_t blocks = cols / 256;
  const __m512i offsets = rowOffsets(rowBytes);
  const __m512i low4 = _mm512_set1_epi32(0x0F0F0F0F), six = _mm512_set1_epi32(63);
  const __m512i four = _mm512_set1_epi32(0xF), two = _mm512_set1_epi32(3);
  for (int64_t g = 0; g * 16 < count; ++g) {
    __mmask16 valid = rowMask(count - g * 16);
    const uint8_t *rows = src + (r0 + g * 16) * rowBytes;
    for (int64_t b = 0; b < blocks; ++b) {
      Q4KGroupBlock &o = out[g * blocks + b];
      const uint8_t *base = rows + b * 144;
      halves(gather(base, offsets, valid, 0), o.d, o.dmin);
      __m512i s0 = gather(base, offsets, valid, 4),
              s1 = gather(base, offsets, valid, 8),
              s2 = gather(base, offsets, valid, 12);
      __m512i mins[8];
      for (int j = 0; j < 4; ++j) {
        __m512i a = _mm512_srli_epi32(s0, 8 * j), m = _mm512_srli_epi32(s1, 8 * j),
                c = _mm512_srli_epi32(s2, 8 * j);
        _mm512_store_si512(o.scales[j], _mm512_and_si512(a, six));
        mins[j] = _mm512_and_si512(m, six);
        // Sub-block j + 4: low (scale) or high (min) nibble of byte j + 8,
        // top two bits from byte j (scale) or j + 4 (min).
        _mm512_store_si512(
            o.scales[j + 4],
            _mm512_or_si512(_mm512_and_si512(c, four),
                            _mm512_slli_epi32(_mm512_and_si512(
                                                  _mm512_srli_epi32(a, 6), two),
                                              4)));
        mins[j + 4] = _mm512_or_si512(
            _mm512_and_si512(_mm512_srli_epi32(c, 4), four),
            _mm512_slli_epi32(_mm512_and_si512(_mm512_srli_epi32(m, 6), two),
                              4));
      }
      for (int p = 0; p < 4; ++p)
        _mm512_store_si512(o.mins[p],
                           _mm512_or_si512(mins[2 * p],
                                           _mm512_slli_epi32(mins[2 * p + 1],
                                                             16)));
      // Byte 32c + l holds columns 64c + l (low nibble) and 64c + 32 + l.
      for (int c = 0; c < 4; ++c) {
        __m512i v[8];
        transpose16x8(rows, rowBytes, b * 144 + 16 + 32 * c, count - g * 16,
                      v);
        for (int i = 0; i < 8; ++i) {
          _mm512_store_si512(o.q[16 * c + i], _mm512_and_si512(v[i], low4));
          _mm512_store_si512(
              o.q[16 * c + 8 + i],
              _mm512_and_si512(_mm512_srli_epi32(v[i], 4), low4));
        }
      }
    }
  }
}

static void repackQ8_0AVX512(const uint8_t *src, size_t rowBytes, int64_t r0,
                             int64_t count, int64_t cols,
                             Q8_0GroupBlock *out) {
  if (!gatherable(rowBytes))
    return repackQ8_0(src, rowBytes, r0, count, cols, out);
  const int64_t blocks = cols / 32;
  const __m512i offsets = rowOffsets(rowBytes);
  for (int64_t g = 0; g * 16 < count; ++g) {
    __mmask16 valid = rowMask(count - g * 16);
    const uint8_t *rows = src + (r0 + g * 16) * rowBytes;
    for (int64_t b = 0; b < blocks; ++b) {
      Q8_0GroupBlock &o = out[g * blocks + b];
      const uint8_t *base = rows + b * 34;
      __m512i d = gather(base, offsets, valid, 0);
      _mm512_store_ps(o.d, _mm512_cvtph_ps(_mm512_cvtepi32_epi16(d)));
      __m512i v[8];
      transpose16x8(rows, rowBytes, b * 34 + 2, count - g * 16, v);
      for (int s = 0; s < 8; ++s)
        _mm512_store_si512(o.q[s], v[s]);
    }
  }
}

const QuantDotKernels *llmq::runtime::avx512QuantDotKernels() {
  static const QuantDotKernels kernels = {
      "avx512-vnni", gemm<Q4KGroupBlock, Q4KKernel>,
      gemm<Q8_0GroupBlock, Q8_0Kernel>, repackQ4KAVX512, repackQ8_0AVX512,
      gemm<Q6KGroupBlock, Q6KKernel>, repackQ6K};
  static const bool supported =
      __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("fma");
  return supported ? &kernels : nullptr;
}
