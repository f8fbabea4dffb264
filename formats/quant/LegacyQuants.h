//===- LegacyQuants.h - ggml's Q4_0, Q4_1, Q5_0 and Q5_1 --------*- C++ -*-===//
//
// ggml's first block formats: 32 weights per block, one fp16 scale d (and,
// for the "_1" kinds, an fp16 offset m), 4 or 5 bits per weight.
//
//   Q4_0: w = (q - 8) * d,   q in 0..15
//   Q4_1: w = q * d + m,     q in 0..15
//   Q5_0: w = (q - 16) * d,  q in 0..31
//   Q5_1: w = q * d + m,     q in 0..31
//
// The quantizers are bit-exact with ggml's ggml_quantize_chunk: without an
// importance vector they follow the quantize_row_*_ref references, with one
// they follow the weighted scale searches (quantize_row_*_impl).
//
// The block structs are the on-disk layout (little-endian, no padding) and
// are read and written through memcpy, so callers' buffers need no alignment.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_FORMATS_QUANT_LEGACYQUANTS_H
#define LLMQ_FORMATS_QUANT_LEGACYQUANTS_H

#include <cstdint>

namespace llmq {
namespace quant {

/// Weights per block of every format in this header.
inline constexpr int64_t kLegacyBlockElems = 32;

/// Weight j of a block sits in the low nibble of qs[j] for j < 16 and in the
/// high nibble of qs[j - 16] otherwise (ggml's order, not interleaved pairs).
struct BlockQ4_0 {
  uint16_t d; ///< fp16 scale
  uint8_t qs[16];
};
static_assert(sizeof(BlockQ4_0) == 18, "Q4_0 block must match ggml's");

struct BlockQ4_1 {
  uint16_t d; ///< fp16 scale
  uint16_t m; ///< fp16 offset, the value of q = 0
  uint8_t qs[16];
};
static_assert(sizeof(BlockQ4_1) == 20, "Q4_1 block must match ggml's");

/// The low four bits of each q are packed as in Q4_0; bit j of the
/// little-endian word qh is the fifth bit of weight j.
struct BlockQ5_0 {
  uint16_t d; ///< fp16 scale
  uint8_t qh[4];
  uint8_t qs[16];
};
static_assert(sizeof(BlockQ5_0) == 22, "Q5_0 block must match ggml's");

struct BlockQ5_1 {
  uint16_t d; ///< fp16 scale
  uint16_t m; ///< fp16 offset, the value of q = 0
  uint8_t qh[4];
  uint8_t qs[16];
};
static_assert(sizeof(BlockQ5_1) == 24, "Q5_1 block must match ggml's");

// Row kernels with the QuantizeRowFn / DequantizeRowFn signatures of
// Formats.h. `n` is a multiple of 32; `importance`, when not null, holds one
// weight per element of the row (llama.cpp's imatrix entries for its
// columns).
//
// quantizeRow*Ref are the scalar references (LegacyQuants.cpp);
// quantizeRow* are the vectorized versions (LegacyQuantsFast.cpp), which
// write the same bytes for every input. Only the paths without an importance
// vector are vectorized; with one, quantizeRow* runs the reference.
void quantizeRowQ4_0(const float *src, void *dst, int64_t n,
                     const float *importance);
void quantizeRowQ4_0Ref(const float *src, void *dst, int64_t n,
                        const float *importance);
void dequantizeRowQ4_0(const void *src, float *dst, int64_t n);
void quantizeRowQ4_1(const float *src, void *dst, int64_t n,
                     const float *importance);
void quantizeRowQ4_1Ref(const float *src, void *dst, int64_t n,
                        const float *importance);
void dequantizeRowQ4_1(const void *src, float *dst, int64_t n);
void quantizeRowQ5_0(const float *src, void *dst, int64_t n,
                     const float *importance);
void quantizeRowQ5_0Ref(const float *src, void *dst, int64_t n,
                        const float *importance);
void dequantizeRowQ5_0(const void *src, float *dst, int64_t n);
void quantizeRowQ5_1(const float *src, void *dst, int64_t n,
                     const float *importance);
void quantizeRowQ5_1Ref(const float *src, void *dst, int64_t n,
                        const float *importance);
void dequantizeRowQ5_1(const void *src, float *dst, int64_t n);

} // namespace quant
} // namespace llmq

#endif // LLMQ_FORMATS_QUANT_LEGACYQUANTS_H
