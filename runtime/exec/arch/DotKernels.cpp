//===- DotKernels.cpp - Portable dot-product kernel and dispatch ----------===//

#include "runtime/exec/arch/DotKernels.h"

#include "formats/Float.h"

#include <cmath>

using namespace llmq;
using namespace llmq::runtime;

namespace {
constexpr int64_t kLanes = 16;
} // namespace

/// One output element in the documented order.
static float dotGeneric(const float *w, const float *x, int64_t cols) {
  float acc[kLanes] = {};
  for (int64_t c = 0; c < cols; c += kLanes)
    for (int64_t l = 0; l < kLanes; ++l) {
      bool inside = c + l < cols;
      acc[l] =
          std::fma(inside ? w[c + l] : 0.0f, inside ? x[c + l] : 0.0f, acc[l]);
    }
  float s8[8], s4[4];
  for (int i = 0; i < 8; ++i)
    s8[i] = acc[i] + acc[i + 8];
  for (int i = 0; i < 4; ++i)
    s4[i] = s8[i] + s8[i + 4];
  float s20 = s4[0] + s4[2], s21 = s4[1] + s4[3];
  return s20 + s21;
}

static void dotBlockGeneric(const float *w, int64_t ldw, int64_t rows,
                            const float *x, int64_t ldx, int64_t tokens,
                            int64_t cols, float *out, int64_t ldo) {
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t r = 0; r < rows; ++r)
      out[t * ldo + r] = dotGeneric(w + r * ldw, x + t * ldx, cols);
}

/// Element (k, r) of a tile, the row-major source converted exactly to f32.
template <typename Convert>
static void packGeneric(const void *w, int64_t ldw, int64_t rows, int64_t cols,
                        float *packed, Convert convert) {
  for (int64_t k = 0; k < cols; ++k)
    for (int64_t r = 0; r < kPackRows; ++r)
      packed[k * kPackRows + r] = r < rows ? convert(w, r * ldw + k) : 0.0f;
}

static void packF32Generic(const void *w, int64_t ldw, int64_t rows,
                           int64_t cols, float *packed) {
  packGeneric(w, ldw, rows, cols, packed, [](const void *p, int64_t i) {
    return static_cast<const float *>(p)[i];
  });
}

static void packF16Generic(const void *w, int64_t ldw, int64_t rows,
                           int64_t cols, float *packed) {
  packGeneric(w, ldw, rows, cols, packed, [](const void *p, int64_t i) {
    return fp16ToFp32(static_cast<const uint16_t *>(p)[i]);
  });
}

static void packBF16Generic(const void *w, int64_t ldw, int64_t rows,
                            int64_t cols, float *packed) {
  packGeneric(w, ldw, rows, cols, packed, [](const void *p, int64_t i) {
    return bf16ToFp32(static_cast<const uint16_t *>(p)[i]);
  });
}

/// DotKernels.h's GEMM order: one fma chain per output element.
static void gemmGeneric(const float *packed, int64_t tileStride, int64_t rows,
                        int64_t cols, const float *x, int64_t ldx,
                        int64_t tokens, float *out, int64_t ldo,
                        bool accumulate) {
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t r = 0; r < rows; ++r) {
      const float *tile = packed + r / kPackRows * tileStride + r % kPackRows;
      float acc = accumulate ? out[t * ldo + r] : 0.0f;
      for (int64_t k = 0; k < cols; ++k)
        acc = std::fma(tile[k * kPackRows], x[t * ldx + k], acc);
      out[t * ldo + r] = acc;
    }
}

/// GemvFn's chain, element by element.
template <typename Convert>
static void gemvGeneric(const void *w, int64_t ldw, int64_t rows, int64_t cols,
                        const float *x, int64_t ldx, int64_t tokens, float *out,
                        int64_t ldo, bool accumulate, Convert convert) {
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t r = 0; r < rows; ++r) {
      float acc = accumulate ? out[t * ldo + r] : 0.0f;
      for (int64_t k = 0; k < cols; ++k)
        acc = std::fma(convert(w, r * ldw + k), x[t * ldx + k], acc);
      out[t * ldo + r] = acc;
    }
}

static void gemvF32Generic(const void *w, int64_t ldw, int64_t rows,
                           int64_t cols, const float *x, int64_t ldx,
                           int64_t tokens, float *out, int64_t ldo,
                           bool accumulate) {
  gemvGeneric(w, ldw, rows, cols, x, ldx, tokens, out, ldo, accumulate,
              [](const void *p, int64_t i) {
                return static_cast<const float *>(p)[i];
              });
}

static void gemvF16Generic(const void *w, int64_t ldw, int64_t rows,
                           int64_t cols, const float *x, int64_t ldx,
                           int64_t tokens, float *out, int64_t ldo,
                           bool accumulate) {
  gemvGeneric(w, ldw, rows, cols, x, ldx, tokens, out, ldo, accumulate,
              [](const void *p, int64_t i) {
                return fp16ToFp32(static_cast<const uint16_t *>(p)[i]);
              });
}

static void gemvBF16Generic(const void *w, int64_t ldw, int64_t rows,
                            int64_t cols, const float *x, int64_t ldx,
                            int64_t tokens, float *out, int64_t ldo,
                            bool accumulate) {
  gemvGeneric(w, ldw, rows, cols, x, ldx, tokens, out, ldo, accumulate,
              [](const void *p, int64_t i) {
                return bf16ToFp32(static_cast<const uint16_t *>(p)[i]);
              });
}

static void f16ToF32Generic(const uint16_t *in, float *out, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    out[i] = fp16ToFp32(in[i]);
}

static void bf16ToF32Generic(const uint16_t *in, float *out, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    out[i] = bf16ToFp32(in[i]);
}

static void weightedSumGeneric(const float *p, const float *v, int64_t ldv,
                               int64_t count, int64_t dim, float *out) {
  for (int64_t d = 0; d < dim; ++d)
    out[d] = 0.0f;
  for (int64_t j = 0; j < count; ++j) {
    const float *row = v + j * ldv;
    for (int64_t d = 0; d < dim; ++d) {
      // Spelled as two statements: a contracting compiler must not fuse them.
      float product = p[j] * row[d];
      out[d] = out[d] + product;
    }
  }
}

const DotKernels &llmq::runtime::genericDotKernels() {
  static const DotKernels kernels = {
      "generic",      dotBlockGeneric, gemmGeneric,     packF32Generic,
      packF16Generic, packBF16Generic, f16ToF32Generic, bf16ToF32Generic,
      gemvF32Generic, gemvF16Generic,  gemvBF16Generic,
      /*packQ8_0=*/nullptr, /*packQ4_K=*/nullptr, weightedSumGeneric};
  return kernels;
}

#if !(defined(__x86_64__) && defined(LLMQ_HAVE_AVX2_KERNELS))
const DotKernels *llmq::runtime::avx2DotKernels() { return nullptr; }
#endif
#if !(defined(__x86_64__) && defined(LLMQ_HAVE_AVX512_KERNELS))
const DotKernels *llmq::runtime::avx512DotKernels() { return nullptr; }
#endif

const DotKernels &llmq::runtime::selectDotKernels() {
  if (const DotKernels *k = avx512DotKernels())
    return *k;
  if (const DotKernels *k = avx2DotKernels())
    return *k;
  return genericDotKernels();
}
