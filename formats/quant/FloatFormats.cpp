//===- FloatFormats.cpp - F32, F16 and BF16 rows --------------------------===//
//
// The float "quantizers": element-wise conversions through Float.h. ggml's
// ggml_quantize_chunk converts f16 and bf16 rows the same way, one element
// at a time with round-to-nearest-even, and never looks at an importance
// matrix for them.
//
//===----------------------------------------------------------------------===//

#include "formats/Float.h"
#include "formats/quant/QuantKernels.h"

#include <cstring>

#if defined(__clang__) && (defined(__x86_64__) || defined(__i386__))
#define LLMQ_FLOAT_F16C 1
#include <immintrin.h>
#else
#define LLMQ_FLOAT_F16C 0
#endif

namespace llmq {
namespace quant {

// The rows are written through memcpy on 16-bit values rather than through a
// uint16_t pointer cast, so `dst`/`src` need no particular alignment (GGUF
// tensor data is only 32-byte aligned as a whole, not per row we are handed).

void quantizeRowF32(const float *src, void *dst, int64_t n,
                    const float * /*importance*/) {
  std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
}

void dequantizeRowF32(const void *src, float *dst, int64_t n) {
  std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
}

void quantizeRowF16(const float *src, void *dst, int64_t n,
                    const float * /*importance*/) {
  auto *out = static_cast<unsigned char *>(dst);
  for (int64_t i = 0; i < n; ++i) {
    const uint16_t h = fp32ToFp16(src[i]);
    std::memcpy(out + 2 * i, &h, sizeof(h));
  }
}

namespace {
/// The portable f16 -> f32 conversion (fp16ToFp32 per element); FormatsTest
/// checks the F16C one against it on every f16 pattern.
void dequantizeRowF16Ref(const void *src, float *dst, int64_t n) {
  const auto *in = static_cast<const unsigned char *>(src);
  for (int64_t i = 0; i < n; ++i) {
    uint16_t h;
    std::memcpy(&h, in + 2 * i, sizeof(h));
    dst[i] = fp16ToFp32(h);
  }
}

} // namespace

#if LLMQ_FLOAT_F16C
namespace {
/// vcvtph2ps converts every f16 exactly, subnormals included, and quiets a
/// signalling NaN by setting the same bit fp16ToFp32 sets; MXCSR's DAZ does
/// not apply to it. (Reading f16 sources is a tenth of a K-quant export's
/// time with the scalar loop.)
__attribute__((target("avx2,f16c"))) void
dequantizeRowF16F16c(const void *src, float *dst, int64_t n) {
  const auto *in = static_cast<const unsigned char *>(src);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i *>(in + 2 * i));
    _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(h));
  }
  dequantizeRowF16Ref(in + 2 * i, dst + i, n - i);
}

bool hasF16c() {
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("f16c");
  }();
  return has;
}
} // namespace
#endif

void dequantizeRowF16(const void *src, float *dst, int64_t n) {
#if LLMQ_FLOAT_F16C
  if (hasF16c())
    return dequantizeRowF16F16c(src, dst, n);
#endif
  dequantizeRowF16Ref(src, dst, n);
}

void quantizeRowBF16(const float *src, void *dst, int64_t n,
                     const float * /*importance*/) {
  auto *out = static_cast<unsigned char *>(dst);
  for (int64_t i = 0; i < n; ++i) {
    const uint16_t h = fp32ToBf16(src[i]);
    std::memcpy(out + 2 * i, &h, sizeof(h));
  }
}

void dequantizeRowBF16(const void *src, float *dst, int64_t n) {
  const auto *in = static_cast<const unsigned char *>(src);
  for (int64_t i = 0; i < n; ++i) {
    uint16_t h;
    std::memcpy(&h, in + 2 * i, sizeof(h));
    dst[i] = bf16ToFp32(h);
  }
}

} // namespace quant
} // namespace llmq
