//===- IQ4.h - ggml's non-linear IQ4_NL and IQ4_XS formats ------*- C++ -*-===//
//
// Both store 4-bit indices into one fixed table of 16 non-uniform levels
// (kIQ4NLValues); a weight is level[q] times a scale.
//
//   IQ4_NL: 32 weights per block, one fp16 scale d:   w = d * level[q]
//   IQ4_XS: 256 weights per super-block, one fp16 scale d and a 6-bit signed
//           scale s (-32..31) per run of 32:          w = d * s * level[q]
//
// The quantizers are bit-exact with ggml's ggml_quantize_chunk, which runs the
// same weighted scale search (quantize_row_iq4_nl_impl) with or without an
// importance vector; without one the weights are x^2.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_FORMATS_QUANT_IQ4_H
#define LLMQ_FORMATS_QUANT_IQ4_H

#include <cstdint>

namespace llmq {
namespace quant {

/// ggml's kvalues_iq4nl: the 16 levels, sorted ascending (the quantizer's
/// nearest-level search depends on the order).
inline constexpr int8_t kIQ4NLValues[16] = {
    -127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

inline constexpr int64_t kIQ4NLBlockElems = 32;
inline constexpr int64_t kIQ4XSBlockElems = 256;

/// Index of weight j: low nibble of qs[j] for j < 16, high nibble of
/// qs[j - 16] otherwise.
struct BlockIQ4_NL {
  uint16_t d; ///< fp16 scale
  uint8_t qs[16];
};
static_assert(sizeof(BlockIQ4_NL) == 18, "IQ4_NL block must match ggml's");

/// Sub-block b (32 weights) has scale s = (low | high << 4) - 32, where low
/// is nibble b % 2 of scalesL[b / 2] and high is bits 2b..2b+1 of scalesH;
/// its indices are packed like an IQ4_NL block in qs[16b..16b+15].
struct BlockIQ4_XS {
  uint16_t d;       ///< fp16 super-block scale
  uint16_t scalesH; ///< high 2 bits of the 8 sub-block scales
  uint8_t scalesL[4];
  uint8_t qs[128];
};
static_assert(sizeof(BlockIQ4_XS) == 136, "IQ4_XS block must match ggml's");

// Row kernels with the QuantizeRowFn / DequantizeRowFn signatures of
// Formats.h. `n` is a multiple of the block size (32 for IQ4_NL, 256 for
// IQ4_XS); `importance` is null or holds one weight per element of the row.
// quantizeRow*Ref are the scalar references (IQ4.cpp); quantizeRow* are the
// vectorized versions (LegacyQuantsFast.cpp), which write the same bytes for
// every input.
void quantizeRowIQ4_NL(const float *src, void *dst, int64_t n,
                       const float *importance);
void quantizeRowIQ4_NLRef(const float *src, void *dst, int64_t n,
                          const float *importance);
void dequantizeRowIQ4_NL(const void *src, float *dst, int64_t n);
void quantizeRowIQ4_XS(const float *src, void *dst, int64_t n,
                       const float *importance);
void quantizeRowIQ4_XSRef(const float *src, void *dst, int64_t n,
                          const float *importance);
void dequantizeRowIQ4_XS(const void *src, float *dst, int64_t n);

} // namespace quant
} // namespace llmq

#endif // LLMQ_FORMATS_QUANT_IQ4_H
