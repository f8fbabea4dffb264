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

void dequantizeRowF16(const void *src, float *dst, int64_t n) {
  const auto *in = static_cast<const unsigned char *>(src);
  for (int64_t i = 0; i < n; ++i) {
    uint16_t h;
    std::memcpy(&h, in + 2 * i, sizeof(h));
    dst[i] = fp16ToFp32(h);
  }
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
