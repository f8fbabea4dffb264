//===- DotKernelsAVX512.cpp - AVX-512 dot-product kernels -----------------===//
//
// Compiled with -mavx512f -mavx512bw -mavx512vl -mfma -mf16c and only used
// after a CPU check.
// GEMM: a register tile of two packed tiles (64 rows, 4 zmm) x 6 tokens keeps
// 24 accumulators of 16 output elements each; each column step loads 4
// weight vectors and broadcasts 6 activations for 24 fused multiply-adds.
// (One tile x 12 tokens does the same FMAs with 14 loads instead of 10: on
// Zen 4 its broadcasts held the kernel at 88% of the 4 x 6 tile's rate.)
// Fewer than 4 tokens (generation) take 4 tiles (128 rows, 8 zmm) x 1-3
// tokens, so that enough independent chains hide the FMA latency. Packing
// transposes 16 x 16 blocks in registers (f16 and bf16 converted on the way).
// Attention's dotBlock: a register tile of 4 key rows x 6 queries keeps 24
// 16-lane accumulators (DotKernels.h's dot-style lanes); each step loads 4
// key and 6 query vectors for 24 fused multiply-adds.
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
constexpr int kRowTile = 4, kTokenTile = 6;
} // namespace

// No standard-library templates here: their instantiations, compiled for
// this instruction set, could be picked by the linker for other files.
static inline int64_t minOf(int64_t a, int64_t b) { return a < b ? a : b; }

/// The fixed reduction tree of DotKernels.h.
static inline float reduce(__m512 acc) {
  __m256 hi =
      _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(acc), 1));
  __m256 s8 = _mm256_add_ps(_mm512_castps512_ps256(acc), hi);
  __m128 s4 =
      _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
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

using TileFn = void (*)(const float *, int64_t, const float *, int64_t, int64_t,
                        float *, int64_t);

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

//===- GEMM ---------------------------------------------------------------===//

/// The valid rows of 16-row vector `v` when `rows` rows are valid.
static inline __mmask16 rowMask(int64_t rows, int v) {
  int64_t n = rows - 16 * v;
  return n >= 16  ? static_cast<__mmask16>(0xFFFF)
         : n <= 0 ? static_cast<__mmask16>(0)
                  : static_cast<__mmask16>((1u << n) - 1);
}

/// Vecs 16-row vectors (vector v: tile v / 2, rows 16 (v % 2)..) x Tokens.
template <int Vecs, int Tokens>
static void gemmTile(const float *packed, int64_t tileStride, int64_t rows,
                     int64_t cols, const float *x, int64_t ldx, float *out,
                     int64_t ldo, bool accumulate) {
  __m512 acc[Vecs][Tokens];
  __mmask16 mask[Vecs];
  const float *base[Vecs];
  for (int v = 0; v < Vecs; ++v) {
    mask[v] = rowMask(rows, v);
    base[v] = packed + (v / 2) * tileStride + 16 * (v % 2);
    // Masked loads and stores only where rows end: they are slow on some
    // CPUs.
    for (int t = 0; t < Tokens; ++t)
      acc[v][t] = !accumulate ? _mm512_setzero_ps()
                  : mask[v] == 0xFFFF
                      ? _mm512_loadu_ps(out + t * ldo + 16 * v)
                      : _mm512_maskz_loadu_ps(mask[v], out + t * ldo + 16 * v);
  }
  for (int64_t k = 0; k < cols; ++k) {
    __m512 wv[Vecs];
    for (int v = 0; v < Vecs; ++v)
      wv[v] = _mm512_loadu_ps(base[v] + k * 32);
    for (int t = 0; t < Tokens; ++t) {
      __m512 xb = _mm512_set1_ps(x[t * ldx + k]);
      for (int v = 0; v < Vecs; ++v)
        acc[v][t] = _mm512_fmadd_ps(wv[v], xb, acc[v][t]);
    }
  }
  for (int v = 0; v < Vecs; ++v)
    for (int t = 0; t < Tokens; ++t)
      if (mask[v] == 0xFFFF)
        _mm512_storeu_ps(out + t * ldo + 16 * v, acc[v][t]);
      else
        _mm512_mask_storeu_ps(out + t * ldo + 16 * v, mask[v], acc[v][t]);
}

using GemmTileFn = void (*)(const float *, int64_t, int64_t, int64_t,
                            const float *, int64_t, float *, int64_t, bool);

constexpr int kWideTokens = 6, kNarrowTokens = 3, kNarrowTiles = 4;

template <int Vecs, int... Tokens>
static constexpr auto gemmRow(std::integer_sequence<int, Tokens...>) {
  return std::array<GemmTileFn, sizeof...(Tokens)>{
      gemmTile<Vecs, Tokens + 1>...};
}

/// Two tiles x 1..6 tokens, and one tile x 1..6 tokens where 32 or fewer
/// rows are left (the second tile is not there to be read).
static const std::array<GemmTileFn, kWideTokens> kWide =
    gemmRow<4>(std::make_integer_sequence<int, kWideTokens>());
static const std::array<GemmTileFn, kWideTokens> kWideLast =
    gemmRow<2>(std::make_integer_sequence<int, kWideTokens>());
/// 1..4 tiles x 1..3 tokens.
static const std::array<std::array<GemmTileFn, kNarrowTokens>, kNarrowTiles>
    kNarrow = {gemmRow<2>(std::make_integer_sequence<int, kNarrowTokens>()),
               gemmRow<4>(std::make_integer_sequence<int, kNarrowTokens>()),
               gemmRow<6>(std::make_integer_sequence<int, kNarrowTokens>()),
               gemmRow<8>(std::make_integer_sequence<int, kNarrowTokens>())};

static void gemmAVX512(const float *packed, int64_t tileStride, int64_t rows,
                       int64_t cols, const float *x, int64_t ldx,
                       int64_t tokens, float *out, int64_t ldo,
                       bool accumulate) {
  int64_t t = 0;
  for (; tokens - t > kNarrowTokens; t += kWideTokens) {
    int64_t nt = minOf(kWideTokens, tokens - t);
    for (int64_t r = 0; r < rows; r += 64) {
      int64_t nr = minOf(64, rows - r);
      (nr > 32 ? kWide : kWideLast)[nt - 1](
          packed + r / 32 * tileStride, tileStride, nr, cols, x + t * ldx, ldx,
          out + t * ldo + r, ldo, accumulate);
    }
  }
  if (t >= tokens)
    return;
  int64_t nt = tokens - t;
  for (int64_t r = 0; r < rows; r += 32 * kNarrowTiles) {
    int64_t nr = minOf(32 * kNarrowTiles, rows - r);
    kNarrow[(nr + 31) / 32 - 1][nt - 1](packed + r / 32 * tileStride,
                                        tileStride, nr, cols, x + t * ldx, ldx,
                                        out + t * ldo + r, ldo, accumulate);
  }
}

/// Transposes the 16 x 16 block in r (r[i] lane j = element (i, j)).
static inline void transpose16(__m512 r[16]) {
  __m512 t[16], u[16];
  for (int p = 0; p < 8; ++p) {
    t[2 * p] = _mm512_unpacklo_ps(r[2 * p], r[2 * p + 1]);
    t[2 * p + 1] = _mm512_unpackhi_ps(r[2 * p], r[2 * p + 1]);
  }
  // u[4g + m], 128-bit lane L: rows 4g..4g+3 of column 4L + m.
  for (int g = 0; g < 4; ++g) {
    u[4 * g] = _mm512_shuffle_ps(t[4 * g], t[4 * g + 2], 0x44);
    u[4 * g + 1] = _mm512_shuffle_ps(t[4 * g], t[4 * g + 2], 0xEE);
    u[4 * g + 2] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0x44);
    u[4 * g + 3] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0xEE);
  }
  // Column 4L + m gathers lane L of u[m], u[4 + m], u[8 + m], u[12 + m].
  for (int m = 0; m < 4; ++m) {
    __m512 v0 = _mm512_shuffle_f32x4(u[m], u[4 + m], 0x44);
    __m512 v1 = _mm512_shuffle_f32x4(u[m], u[4 + m], 0xEE);
    __m512 v2 = _mm512_shuffle_f32x4(u[8 + m], u[12 + m], 0x44);
    __m512 v3 = _mm512_shuffle_f32x4(u[8 + m], u[12 + m], 0xEE);
    r[m] = _mm512_shuffle_f32x4(v0, v2, 0x88);
    r[4 + m] = _mm512_shuffle_f32x4(v0, v2, 0xDD);
    r[8 + m] = _mm512_shuffle_f32x4(v1, v3, 0x88);
    r[12 + m] = _mm512_shuffle_f32x4(v1, v3, 0xDD);
  }
}

// Sixteen consecutive source values from index i as f32: `load` reads all
// of them (plain loads: masked ones are slow on some CPUs when the source is
// not aligned, as mapped tensors need not be), `loadSome` those in `m`.
struct LoadF32 {
  static const void *address(const void *w, int64_t i) {
    return static_cast<const float *>(w) + i;
  }
  static __m512 load(const void *w, int64_t i) {
    return _mm512_loadu_ps(static_cast<const float *>(w) + i);
  }
  static __m512 loadSome(const void *w, int64_t i, __mmask16 m) {
    return _mm512_maskz_loadu_ps(m, static_cast<const float *>(w) + i);
  }
};
struct LoadF16 {
  static const void *address(const void *w, int64_t i) {
    return static_cast<const uint16_t *>(w) + i;
  }
  static __m512 load(const void *w, int64_t i) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i *>(
        static_cast<const uint16_t *>(w) + i)));
  }
  static __m512 loadSome(const void *w, int64_t i, __mmask16 m) {
    return _mm512_cvtph_ps(
        _mm256_maskz_loadu_epi16(m, static_cast<const uint16_t *>(w) + i));
  }
};
struct LoadBF16 {
  static const void *address(const void *w, int64_t i) {
    return static_cast<const uint16_t *>(w) + i;
  }
  static __m512 widen(__m256i v) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(v), 16));
  }
  static __m512 load(const void *w, int64_t i) {
    return widen(_mm256_loadu_si256(reinterpret_cast<const __m256i *>(
        static_cast<const uint16_t *>(w) + i)));
  }
  static __m512 loadSome(const void *w, int64_t i, __mmask16 m) {
    return widen(
        _mm256_maskz_loadu_epi16(m, static_cast<const uint16_t *>(w) + i));
  }
};

// Sixteen values of a q8_0 row from element i (i a multiple of 16, so that
// they lie in one block): d times each int8, as dequantizeRowQ8_0 rounds
// them. `w` is the first byte of a block; with a row stride of ldw elements
// (a multiple of 32) element i of row r is w's element r * ldw + i.
struct LoadQ8_0 {
  static constexpr int64_t kElems = 32, kBytes = 34;
  static __m512 load(const void *w, int64_t i) {
    const auto *block = static_cast<const uint8_t *>(w) + i / kElems * kBytes;
    uint16_t d;
    std::memcpy(&d, block, 2);
    __m128i q = _mm_loadu_si128(
        reinterpret_cast<const __m128i *>(block + 2 + i % kElems));
    return _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(q)),
                         _mm512_set1_ps(_cvtsh_ss(d)));
  }
  static __m512 loadSome(const void *w, int64_t i, __mmask16 m) {
    return _mm512_maskz_mov_ps(m, load(w, i));
  }
};

template <typename Load>
static void packAVX512(const void *w, int64_t ldw, int64_t rows, int64_t cols,
                       float *packed) {
  for (int64_t r0 = 0; r0 < 32; r0 += 16) {
    int64_t offset[16];
    __mmask16 valid[16];
    for (int i = 0; i < 16; ++i) {
      bool inside = r0 + i < rows;
      offset[i] = inside ? (r0 + i) * ldw : 0;
      valid[i] = static_cast<__mmask16>(inside ? 0xFFFF : 0);
    }
    bool allRows = r0 + 16 <= rows;
    int64_t k0 = 0;
    for (; k0 + 16 <= cols; k0 += 16) {
      __m512 r[16];
      if (allRows)
        for (int i = 0; i < 16; ++i)
          r[i] = Load::load(w, offset[i] + k0);
      else
        for (int i = 0; i < 16; ++i)
          r[i] = r0 + i < rows ? Load::load(w, offset[i] + k0)
                               : _mm512_setzero_ps();
      transpose16(r);
      for (int j = 0; j < 16; ++j)
        _mm512_storeu_ps(packed + (k0 + j) * 32 + r0, r[j]);
    }
    if (k0 < cols) {
      int64_t nk = cols - k0;
      __mmask16 m = static_cast<__mmask16>((1u << nk) - 1);
      __m512 r[16];
      for (int i = 0; i < 16; ++i)
        r[i] = Load::loadSome(w, offset[i] + k0, valid[i] & m);
      transpose16(r);
      for (int64_t j = 0; j < nk; ++j)
        _mm512_storeu_ps(packed + (k0 + j) * 32 + r0, r[j]);
    }
  }
}

/// PackFn from q4_K blocks. Each row's 8 sub-block scales and mins are
/// decoded once per super-block (d * scale, dmin * min, as the reference
/// dequantizer rounds them) into vectors whose lane i is row i; the 4-bit
/// levels of 16 rows x 16 columns are transposed as floats, then scaled:
/// level * (d * scale) - dmin * min per element, the reference's two
/// roundings. Rows past `rows` read a zero block with zero scales: +0.
static void packQ4_KAVX512(const void *w, int64_t ldw, int64_t rows,
                           int64_t cols, float *packed) {
  constexpr int64_t kElems = 256, kBytes = 144;
  static const uint8_t kZeroBlock[kBytes] = {};
  const auto *base = static_cast<const uint8_t *>(w);
  int64_t rowBytes = ldw / kElems * kBytes;
  for (int64_t r0 = 0; r0 < 32; r0 += 16) {
    for (int64_t b0 = 0; b0 < cols; b0 += kElems) {
      alignas(64) float scale[8][16], min[8][16];
      const uint8_t *qs[16];
      for (int i = 0; i < 16; ++i) {
        const uint8_t *block = r0 + i < rows
                                   ? base + (r0 + i) * rowBytes +
                                         b0 / kElems * kBytes
                                   : kZeroBlock;
        uint16_t d, dmin;
        std::memcpy(&d, block, 2);
        std::memcpy(&dmin, block + 2, 2);
        llmq::quant::scaledScaleMinK4(block + 4, _cvtsh_ss(d), _cvtsh_ss(dmin),
                                      &scale[0][i], &min[0][i], 16);
        qs[i] = block + 16;
      }
      for (int64_t k = 0; k < minOf(kElems, cols - b0); k += 16) {
        // Sub-blocks 2j and 2j + 1 share the 32 bytes qs[32j..]: low
        // nibbles for the first, high for the second.
        int64_t sub = k / 32, at = 32 * (sub / 2) + k % 32;
        __m128i shift = _mm_cvtsi32_si128(static_cast<int>(4 * (sub % 2)));
        __m512i nibble = _mm512_set1_epi32(0xF);
        __m512 r[16];
        for (int i = 0; i < 16; ++i)
          r[i] = _mm512_cvtepi32_ps(_mm512_and_si512(
              _mm512_srl_epi32(
                  _mm512_cvtepu8_epi32(_mm_loadu_si128(
                      reinterpret_cast<const __m128i *>(qs[i] + at))),
                  shift),
              nibble));
        transpose16(r);
        __m512 s = _mm512_load_ps(scale[sub]), m = _mm512_load_ps(min[sub]);
        for (int j = 0; j < 16; ++j)
          _mm512_storeu_ps(packed + (b0 + k + j) * 32 + r0,
                           _mm512_sub_ps(_mm512_mul_ps(r[j], s), m));
      }
    }
  }
}

/// Elements ahead of the current column that gemv asks each row's stream
/// for (1 KiB of f16): more concurrent streams than the hardware
/// prefetcher tracks well.
constexpr int64_t kGemvAhead = 512;

/// GemvFn on at most 16 rows: 16 x 16 blocks of the stored rows converted
/// and transposed in registers (no packed copy), then one fma per column and
/// token on all rows at once, columns in order (the GEMM's chain).
template <typename Load, int Tokens>
static void gemvRows(const void *w, int64_t ldw, int64_t rows, int64_t cols,
                     const float *x, int64_t ldx, float *out, int64_t ldo,
                     bool accumulate) {
  __mmask16 rows16 = rowMask(rows, 0);
  bool allRows = rows >= 16;
  int64_t offset[16];
  __mmask16 valid[16];
  for (int i = 0; i < 16; ++i) {
    bool inside = i < rows;
    offset[i] = inside ? i * ldw : 0;
    valid[i] = static_cast<__mmask16>(inside ? 0xFFFF : 0);
  }
  __m512 acc[Tokens];
  for (int t = 0; t < Tokens; ++t)
    acc[t] = !accumulate ? _mm512_setzero_ps()
             : allRows   ? _mm512_loadu_ps(out + t * ldo)
                         : _mm512_maskz_loadu_ps(rows16, out + t * ldo);
  int64_t k0 = 0;
  for (; k0 + 16 <= cols; k0 += 16) {
    __m512 r[16];
    if (k0 + kGemvAhead < cols)
      for (int i = 0; i < 16; ++i)
        __builtin_prefetch(Load::address(w, offset[i] + k0 + kGemvAhead),
                           /*rw=*/0, /*locality=*/0);
    if (allRows)
      for (int i = 0; i < 16; ++i)
        r[i] = Load::load(w, offset[i] + k0);
    else
      for (int i = 0; i < 16; ++i)
        r[i] = i < rows ? Load::load(w, offset[i] + k0) : _mm512_setzero_ps();
    transpose16(r);
    for (int j = 0; j < 16; ++j)
      for (int t = 0; t < Tokens; ++t)
        acc[t] =
            _mm512_fmadd_ps(r[j], _mm512_set1_ps(x[t * ldx + k0 + j]), acc[t]);
  }
  if (k0 < cols) {
    int64_t nk = cols - k0;
    __mmask16 m = static_cast<__mmask16>((1u << nk) - 1);
    __m512 r[16];
    for (int i = 0; i < 16; ++i)
      r[i] = Load::loadSome(w, offset[i] + k0, valid[i] & m);
    transpose16(r);
    for (int64_t j = 0; j < nk; ++j)
      for (int t = 0; t < Tokens; ++t)
        acc[t] =
            _mm512_fmadd_ps(r[j], _mm512_set1_ps(x[t * ldx + k0 + j]), acc[t]);
  }
  for (int t = 0; t < Tokens; ++t)
    if (allRows)
      _mm512_storeu_ps(out + t * ldo, acc[t]);
    else
      _mm512_mask_storeu_ps(out + t * ldo, rows16, acc[t]);
}

template <typename Load>
static void gemvAVX512(const void *w, int64_t ldw, int64_t rows, int64_t cols,
                       const float *x, int64_t ldx, int64_t tokens, float *out,
                       int64_t ldo, bool accumulate) {
  using RowsFn = void (*)(const void *, int64_t, int64_t, int64_t,
                          const float *, int64_t, float *, int64_t, bool);
  static constexpr RowsFn kRows[kGemvTokens] = {
      gemvRows<Load, 1>, gemvRows<Load, 2>, gemvRows<Load, 3>};
  for (int64_t t = 0; t < tokens; t += kGemvTokens) {
    int64_t nt = minOf(kGemvTokens, tokens - t);
    for (int64_t r = 0; r < rows; r += 16)
      kRows[nt - 1](Load::address(w, r * ldw), ldw, minOf(16, rows - r), cols,
                    x + t * ldx, ldx, out + t * ldo + r, ldo, accumulate);
  }
}

/// WeightedSumFn: up to 4 vectors of the output (64 floats) stay in
/// registers while the keys pass; masked loads and stores only at the end of
/// `dim` (as in the GEMM).
static void weightedSumAVX512(const float *p, const float *v, int64_t ldv,
                              int64_t count, int64_t dim, float *out) {
  for (int64_t d0 = 0; d0 < dim; d0 += 64) {
    __m512 acc[4];
    __mmask16 mask[4];
    for (int c = 0; c < 4; ++c) {
      acc[c] = _mm512_setzero_ps();
      mask[c] = rowMask(dim - d0, c);
    }
    for (int64_t j = 0; j < count; ++j) {
      __m512 pj = _mm512_set1_ps(p[j]);
      const float *row = v + j * ldv + d0;
      for (int c = 0; c < 4; ++c)
        if (mask[c])
          acc[c] = _mm512_add_ps(
              acc[c],
              _mm512_mul_ps(pj, mask[c] == 0xFFFF
                                    ? _mm512_loadu_ps(row + 16 * c)
                                    : _mm512_maskz_loadu_ps(mask[c],
                                                            row + 16 * c)));
    }
    for (int c = 0; c < 4; ++c)
      if (mask[c] == 0xFFFF)
        _mm512_storeu_ps(out + d0 + 16 * c, acc[c]);
      else
        _mm512_mask_storeu_ps(out + d0 + 16 * c, mask[c], acc[c]);
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
  static const DotKernels kernels = {"avx512",
                                     dotBlockAVX512,
                                     gemmAVX512,
                                     packAVX512<LoadF32>,
                                     packAVX512<LoadF16>,
                                     packAVX512<LoadBF16>,
                                     f16ToF32AVX512,
                                     bf16ToF32AVX512,
                                     gemvAVX512<LoadF32>,
                                     gemvAVX512<LoadF16>,
                                     gemvAVX512<LoadBF16>,
                                     packAVX512<LoadQ8_0>,
                                     packQ4_KAVX512,
                                     weightedSumAVX512};
  static const bool supported =
      __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma") &&
      __builtin_cpu_supports("f16c");
  return supported ? &kernels : nullptr;
}
