//===- Q8_0.cpp - ggml's Q8_0 block format --------------------------------===//
//
// Q8_0 stores each run of 32 weights as one fp16 scale d and 32 signed bytes
// q, with weight ~= q * d. quantizeRowQ8_0Ref is the scalar reference of ggml
// (quantize_row_q8_0_ref) step for step, since a different but equally good
// choice of d or q would still give bytes that differ from llama.cpp's. The
// registry's quantizeRowQ8_0 is the vectorized version in
// LegacyQuantsFast.cpp, tested to write the same bytes.
//
// The importance matrix is ignored, as ggml's quantize_q8_0 ignores it: with
// d fixed by the block's largest magnitude and every q the nearest integer,
// there is no choice left for importance weights to steer.
//
//===----------------------------------------------------------------------===//

#include "formats/Float.h"
#include "formats/quant/QuantKernels.h"

#include <cmath>
#include <cstdint>
#include <cstring>

namespace llmq {
namespace quant {
namespace {

constexpr int64_t kBlockElems = 32;

/// One block as ggml lays it out: little-endian fp16 scale, then the quants.
/// Both members have alignment <= 2 and no padding, so 34 bytes.
struct BlockQ8_0 {
  uint16_t d;
  int8_t qs[kBlockElems];
};
static_assert(sizeof(BlockQ8_0) == 34, "Q8_0 block must match ggml's");

/// roundf(v) (halves away from zero, like ggml; not nearbyint's even) as an
/// int8. ggml converts the float with a plain C cast, undefined beyond the
/// int8 range; only blocks whose scale underflows to a float subnormal (and
/// so to an fp16 zero) or that hold infinities get there. For those we fix
/// the answer of x86 vector code, which this function compiled to before:
/// cvttps2dq (NaN, infinities and anything beyond int32 become INT32_MIN),
/// then saturating packs to [-128, 127].
inline int8_t roundToInt8(float v) {
  const float r = std::round(v);
  if (!(std::fabs(r) < 2147483648.0f)) // NaN, inf, beyond int32
    return INT8_MIN;
  const int32_t i = static_cast<int32_t>(r);
  return static_cast<int8_t>(i < INT8_MIN ? INT8_MIN
                                          : (i > INT8_MAX ? INT8_MAX : i));
}

} // namespace

void quantizeRowQ8_0Ref(const float *src, void *dst, int64_t n,
                        const float * /*importance*/) {
  auto *out = static_cast<unsigned char *>(dst);
  for (int64_t b = 0; b < n / kBlockElems; ++b) {
    const float *x = src + b * kBlockElems;
    // ggml compares with MAX(a, b) = a > b ? a : b; keep that operand order
    // so a NaN propagates the same way (std::max would drop it).
    float amax = 0.0f;
    for (int64_t j = 0; j < kBlockElems; ++j) {
      const float v = std::fabs(x[j]);
      amax = amax > v ? amax : v;
    }
    // The quants use the reciprocal of the unrounded float scale; only the
    // stored copy of d is rounded to fp16. 127, not 128: q stays symmetric.
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;

    BlockQ8_0 block;
    block.d = fp32ToFp16(d);
    for (int64_t j = 0; j < kBlockElems; ++j)
      block.qs[j] = roundToInt8(x[j] * id);
    std::memcpy(out + b * sizeof(BlockQ8_0), &block, sizeof(block));
  }
}

void dequantizeRowQ8_0(const void *src, float *dst, int64_t n) {
  const auto *in = static_cast<const unsigned char *>(src);
  for (int64_t b = 0; b < n / kBlockElems; ++b) {
    BlockQ8_0 block;
    std::memcpy(&block, in + b * sizeof(BlockQ8_0), sizeof(block));
    const float d = fp16ToFp32(block.d);
    for (int64_t j = 0; j < kBlockElems; ++j)
      dst[b * kBlockElems + j] = static_cast<float>(block.qs[j]) * d;
  }
}

} // namespace quant
} // namespace llmq
