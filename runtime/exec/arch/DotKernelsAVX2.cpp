//===- DotKernelsAVX2.cpp - AVX2/FMA dot-product kernels ------------------===//
//
// Compiled with -mavx2 -mfma -mf16c and only used after a CPU check.
// GEMM: a register tile of 16 packed rows (2 ymm) x 6 tokens keeps 12
// accumulators of 8 output elements each; a single token takes 64 rows (8
// ymm). Packing transposes 8 x 8 blocks in registers.
// Attention's dotBlock: each output element keeps DotKernels.h's 16 lanes in
// two ymm halves (lanes 0-7 and 8-15); a register tile of 2 key rows x 3
// queries uses 12 of the 16 ymm registers for accumulators.
//
//===----------------------------------------------------------------------===//

#include "runtime/exec/arch/DotKernels.h"

#include "formats/quant/KQuantScales.h"

#include <immintrin.h>

#include <array>
#include <cstring>
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

//===- GEMM ---------------------------------------------------------------===//

/// Vecs 8-row vectors (vector v: tile v / 4, rows 8 (v % 4)..) x Tokens.
template <int Vecs, int Tokens>
static void gemmTile(const float *packed, int64_t tileStride, int64_t rows,
                     int64_t cols, const float *x, int64_t ldx, float *out,
                     int64_t ldo, bool accumulate) {
  __m256 acc[Vecs][Tokens];
  __m256i mask[Vecs];
  bool full[Vecs];
  const float *base[Vecs];
  for (int v = 0; v < Vecs; ++v) {
    int64_t valid = rows - 8 * v;
    full[v] = valid >= 8;
    mask[v] = firstLanes(valid < 0 ? 0 : minOf(valid, 8));
    base[v] = packed + (v / 4) * tileStride + 8 * (v % 4);
    // Masked loads and stores only where rows end: they are slow.
    for (int t = 0; t < Tokens; ++t)
      acc[v][t] = !accumulate ? _mm256_setzero_ps()
                  : full[v] ? _mm256_loadu_ps(out + t * ldo + 8 * v)
                            : _mm256_maskload_ps(out + t * ldo + 8 * v, mask[v]);
  }
  for (int64_t k = 0; k < cols; ++k) {
    __m256 wv[Vecs];
    for (int v = 0; v < Vecs; ++v)
      wv[v] = _mm256_loadu_ps(base[v] + k * 32);
    for (int t = 0; t < Tokens; ++t) {
      __m256 xb = _mm256_set1_ps(x[t * ldx + k]);
      for (int v = 0; v < Vecs; ++v)
        acc[v][t] = _mm256_fmadd_ps(wv[v], xb, acc[v][t]);
    }
  }
  for (int v = 0; v < Vecs; ++v)
    for (int t = 0; t < Tokens; ++t)
      if (full[v])
        _mm256_storeu_ps(out + t * ldo + 8 * v, acc[v][t]);
      else
        _mm256_maskstore_ps(out + t * ldo + 8 * v, mask[v], acc[v][t]);
}

using GemmTileFn = void (*)(const float *, int64_t, int64_t, int64_t,
                            const float *, int64_t, float *, int64_t, bool);

constexpr int kWideTokens = 6;

template <int Vecs, int... Tokens>
static constexpr auto gemmRow(std::integer_sequence<int, Tokens...>) {
  return std::array<GemmTileFn, sizeof...(Tokens)>{
      gemmTile<Vecs, Tokens + 1>...};
}

/// 16 rows x 1..6 tokens.
static const std::array<GemmTileFn, kWideTokens> kWide =
    gemmRow<2>(std::make_integer_sequence<int, kWideTokens>());
/// 8, 16, ..., 64 rows x 1 token.
static const std::array<GemmTileFn, 8> kSingle = {
    gemmTile<1, 1>, gemmTile<2, 1>, gemmTile<3, 1>, gemmTile<4, 1>,
    gemmTile<5, 1>, gemmTile<6, 1>, gemmTile<7, 1>, gemmTile<8, 1>};

static void gemmAVX2(const float *packed, int64_t tileStride, int64_t rows,
                     int64_t cols, const float *x, int64_t ldx, int64_t tokens,
                     float *out, int64_t ldo, bool accumulate) {
  int64_t t = 0;
  for (; tokens - t > 1; t += kWideTokens) {
    int64_t nt = minOf(kWideTokens, tokens - t);
    // Rows r.. of tile r / 32 start at its offset r % 32 (0 or 16).
    for (int64_t r = 0; r < rows; r += 16)
      kWide[nt - 1](packed + r / 32 * tileStride + r % 32, tileStride,
                    minOf(16, rows - r), cols, x + t * ldx, ldx,
                    out + t * ldo + r, ldo, accumulate);
  }
  if (t >= tokens)
    return;
  for (int64_t r = 0; r < rows; r += 64) {
    int64_t nr = minOf(64, rows - r);
    kSingle[(nr + 7) / 8 - 1](packed + r / 32 * tileStride, tileStride, nr,
                              cols, x + t * ldx, ldx, out + t * ldo + r, ldo,
                              accumulate);
  }
}

/// Transposes the 8 x 8 block in r (r[i] lane j = element (i, j)).
static inline void transpose8(__m256 r[8]) {
  __m256 t[8], u[8];
  for (int p = 0; p < 4; ++p) {
    t[2 * p] = _mm256_unpacklo_ps(r[2 * p], r[2 * p + 1]);
    t[2 * p + 1] = _mm256_unpackhi_ps(r[2 * p], r[2 * p + 1]);
  }
  // u[4g + m], 128-bit lane L: rows 4g..4g+3 of column 4L + m.
  for (int g = 0; g < 2; ++g) {
    u[4 * g] = _mm256_shuffle_ps(t[4 * g], t[4 * g + 2], 0x44);
    u[4 * g + 1] = _mm256_shuffle_ps(t[4 * g], t[4 * g + 2], 0xEE);
    u[4 * g + 2] = _mm256_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0x44);
    u[4 * g + 3] = _mm256_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0xEE);
  }
  for (int m = 0; m < 4; ++m) {
    r[m] = _mm256_permute2f128_ps(u[m], u[4 + m], 0x20);
    r[4 + m] = _mm256_permute2f128_ps(u[m], u[4 + m], 0x31);
  }
}

/// Eight consecutive source values from index i as f32; `count` < 8 reads
/// only that many and zeroes the rest.
struct LoadF32 {
  static __m256 load(const void *w, int64_t i, int64_t count) {
    const float *p = static_cast<const float *>(w) + i;
    return count == 8 ? _mm256_loadu_ps(p)
                      : _mm256_maskload_ps(p, firstLanes(count));
  }
};
struct LoadF16 {
  static __m256 load(const void *w, int64_t i, int64_t count) {
    const uint16_t *p = static_cast<const uint16_t *>(w) + i;
    uint16_t part[8] = {};
    if (count < 8)
      for (int64_t j = 0; j < count; ++j)
        part[j] = p[j];
    return _mm256_cvtph_ps(_mm_loadu_si128(
        reinterpret_cast<const __m128i *>(count == 8 ? p : part)));
  }
};
struct LoadBF16 {
  static __m256 load(const void *w, int64_t i, int64_t count) {
    const uint16_t *p = static_cast<const uint16_t *>(w) + i;
    uint16_t part[8] = {};
    if (count < 8)
      for (int64_t j = 0; j < count; ++j)
        part[j] = p[j];
    __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128(
        reinterpret_cast<const __m128i *>(count == 8 ? p : part)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
  }
};

/// Eight values of a q8_0 row from element i (i a multiple of 8: one block
/// holds them), d times each int8 as dequantizeRowQ8_0 rounds them. `w` is
/// the first byte of a block; element i of row r is w's element r * ldw + i
/// (ldw a multiple of 32). Block packers are only given whole groups of 8.
struct LoadQ8_0 {
  static __m256 load(const void *w, int64_t i, int64_t) {
    const auto *block = static_cast<const uint8_t *>(w) + i / 32 * 34;
    uint16_t d;
    std::memcpy(&d, block, 2);
    __m128i q =
        _mm_loadl_epi64(reinterpret_cast<const __m128i *>(block + 2 + i % 32));
    return _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q)),
                         _mm256_set1_ps(_cvtsh_ss(d)));
  }
};

template <typename Load>
static void packAVX2(const void *w, int64_t ldw, int64_t rows, int64_t cols,
                     float *packed) {
  for (int64_t r0 = 0; r0 < 32; r0 += 8)
    for (int64_t k0 = 0; k0 < cols; k0 += 8) {
      int64_t nk = minOf(8, cols - k0);
      __m256 r[8];
      for (int i = 0; i < 8; ++i)
        r[i] = r0 + i < rows ? Load::load(w, (r0 + i) * ldw + k0, nk)
                             : _mm256_setzero_ps();
      transpose8(r);
      for (int64_t j = 0; j < nk; ++j)
        _mm256_storeu_ps(packed + (k0 + j) * 32 + r0, r[j]);
    }
}

/// PackFn from q4_K blocks, as the AVX-512 variant's (DotKernelsAVX512.cpp):
/// each row's sub-block scales decoded once per super-block into row-lane
/// vectors, the 4-bit levels of 8 rows x 8 columns transposed as floats,
/// then level * (d * scale) - dmin * min, the reference's two roundings.
static void packQ4_KAVX2(const void *w, int64_t ldw, int64_t rows,
                         int64_t cols, float *packed) {
  constexpr int64_t kElems = 256, kBytes = 144;
  static const uint8_t kZeroBlock[kBytes] = {};
  const auto *base = static_cast<const uint8_t *>(w);
  int64_t rowBytes = ldw / kElems * kBytes;
  for (int64_t r0 = 0; r0 < 32; r0 += 8) {
    for (int64_t b0 = 0; b0 < cols; b0 += kElems) {
      alignas(32) float scale[8][8], min[8][8];
      const uint8_t *qs[8];
      for (int i = 0; i < 8; ++i) {
        const uint8_t *block = r0 + i < rows
                                   ? base + (r0 + i) * rowBytes +
                                         b0 / kElems * kBytes
                                   : kZeroBlock;
        uint16_t d, dmin;
        std::memcpy(&d, block, 2);
        std::memcpy(&dmin, block + 2, 2);
        llmq::quant::scaledScaleMinK4(block + 4, _cvtsh_ss(d), _cvtsh_ss(dmin),
                                      &scale[0][i], &min[0][i], 8);
        qs[i] = block + 16;
      }
      for (int64_t k = 0; k < minOf(kElems, cols - b0); k += 8) {
        // Sub-blocks 2j and 2j + 1 share the 32 bytes qs[32j..]: low
        // nibbles for the first, high for the second.
        int64_t sub = k / 32, at = 32 * (sub / 2) + k % 32;
        __m128i shift = _mm_cvtsi32_si128(static_cast<int>(4 * (sub % 2)));
        __m256i nibble = _mm256_set1_epi32(0xF);
        __m256 r[8];
        for (int i = 0; i < 8; ++i)
          r[i] = _mm256_cvtepi32_ps(_mm256_and_si256(
              _mm256_srl_epi32(
                  _mm256_cvtepu8_epi32(_mm_loadl_epi64(
                      reinterpret_cast<const __m128i *>(qs[i] + at))),
                  shift),
              nibble));
        transpose8(r);
        __m256 s = _mm256_load_ps(scale[sub]), m = _mm256_load_ps(min[sub]);
        for (int j = 0; j < 8; ++j)
          _mm256_storeu_ps(packed + (b0 + k + j) * 32 + r0,
                           _mm256_sub_ps(_mm256_mul_ps(r[j], s), m));
      }
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

/// WeightedSumFn: up to 4 vectors of the output (32 floats) stay in
/// registers while the keys pass; masked at the end of `dim`.
static void weightedSumAVX2(const float *p, const float *v, int64_t ldv,
                            int64_t count, int64_t dim, float *out) {
  for (int64_t d0 = 0; d0 < dim; d0 += 32) {
    __m256 acc[4];
    __m256i mask[4];
    int64_t valid[4];
    for (int c = 0; c < 4; ++c) {
      acc[c] = _mm256_setzero_ps();
      int64_t left = dim - d0 - 8 * c;
      valid[c] = left <= 0 ? 0 : minOf(left, 8);
      mask[c] = firstLanes(valid[c]);
    }
    for (int64_t j = 0; j < count; ++j) {
      __m256 pj = _mm256_set1_ps(p[j]);
      const float *row = v + j * ldv + d0;
      for (int c = 0; c < 4; ++c)
        if (valid[c])
          acc[c] = _mm256_add_ps(
              acc[c],
              _mm256_mul_ps(pj, valid[c] == 8
                                    ? _mm256_loadu_ps(row + 8 * c)
                                    : _mm256_maskload_ps(row + 8 * c, mask[c])));
    }
    for (int c = 0; c < 4; ++c)
      if (valid[c])
        _mm256_maskstore_ps(out + d0 + 8 * c, mask[c], acc[c]);
  }
}

const DotKernels *llmq::runtime::avx2DotKernels() {
  static const DotKernels kernels = {"avx2",
                                     dotBlockAVX2,
                                     gemmAVX2,
                                     packAVX2<LoadF32>,
                                     packAVX2<LoadF16>,
                                     packAVX2<LoadBF16>,
                                     f16ToF32AVX2,
                                     bf16ToF32AVX2,
                                     /*gemvF32=*/nullptr,
                                     /*gemvF16=*/nullptr,
                                     /*gemvBF16=*/nullptr,
                                     packAVX2<LoadQ8_0>,
                                     packQ4_KAVX2,
                                     weightedSumAVX2};
  static const bool supported = __builtin_cpu_supports("avx2") &&
                                __builtin_cpu_supports("fma") &&
                                __builtin_cpu_supports("f16c");
  return supported ? &kernels : nullptr;
}
