//===- QuantKernels.h - Row kernels behind the format registry --*- C++ -*-===//
//
// Private to formats/: the per-format row functions that Formats.cpp puts
// into the registry. Everyone else reaches them through FormatTraits, so
// adding a format means one declaration pair here and one registry row.
// Each has the QuantizeRowFn / DequantizeRowFn signature of Formats.h.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_FORMATS_QUANT_QUANTKERNELS_H
#define LLMQ_FORMATS_QUANT_QUANTKERNELS_H

#include <cstdint>

namespace llmq {
namespace quant {

// Float formats (FloatFormats.cpp). They ignore the importance vector: a
// float conversion has no choices for it to steer.
void quantizeRowF32(const float *src, void *dst, int64_t n,
                    const float *importance);
void dequantizeRowF32(const void *src, float *dst, int64_t n);
void quantizeRowF16(const float *src, void *dst, int64_t n,
                    const float *importance);
void dequantizeRowF16(const void *src, float *dst, int64_t n);
void quantizeRowBF16(const float *src, void *dst, int64_t n,
                     const float *importance);
void dequantizeRowBF16(const void *src, float *dst, int64_t n);

// Q8_0: blocks of 32 int8 with one fp16 scale. quantizeRowQ8_0 is the
// vectorized quantizer (LegacyQuantsFast.cpp), quantizeRowQ8_0Ref the scalar
// reference it is tested against (Q8_0.cpp); both write the same bytes.
void quantizeRowQ8_0(const float *src, void *dst, int64_t n,
                     const float *importance);
void quantizeRowQ8_0Ref(const float *src, void *dst, int64_t n,
                        const float *importance);
void dequantizeRowQ8_0(const void *src, float *dst, int64_t n);

} // namespace quant
} // namespace llmq

#endif // LLMQ_FORMATS_QUANT_QUANTKERNELS_H
