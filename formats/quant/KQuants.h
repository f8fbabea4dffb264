//===- KQuants.h - ggml's K-quant formats q2_K..q6_K ------------*- C++ -*-===//
//
// Row kernels for the K-quants, with the QuantizeRowFn / DequantizeRowFn
// signatures of Formats.h. Rows are whole super-blocks of 256 weights:
//
//   q2_K  84 bytes   q3_K 110 bytes   q4_K 144 bytes
//   q5_K 176 bytes   q6_K 210 bytes
//
// Quantizers are bit-exact with ggml_quantize_chunk: with a null
// `importance` they reproduce quantize_row_*_K_ref, otherwise the
// importance-weighted quantize_row_*_K_impl, `importance` holding one
// weight per column of the row.
//
// quantizeRow*_K are the fast versions, vectorized across sub-blocks;
// quantizeRow*_KRef are the scalar references they are tested against. Both
// produce the same bytes for every input.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_FORMATS_QUANT_KQUANTS_H
#define LLMQ_FORMATS_QUANT_KQUANTS_H

#include <cstdint>

namespace llmq {
namespace quant {

void quantizeRowQ2_K(const float *src, void *dst, int64_t n,
                     const float *importance);
void quantizeRowQ3_K(const float *src, void *dst, int64_t n,
                     const float *importance);
void quantizeRowQ4_K(const float *src, void *dst, int64_t n,
                     const float *importance);
void quantizeRowQ5_K(const float *src, void *dst, int64_t n,
                     const float *importance);
void quantizeRowQ6_K(const float *src, void *dst, int64_t n,
                     const float *importance);

void quantizeRowQ2_KRef(const float *src, void *dst, int64_t n,
                        const float *importance);
void quantizeRowQ3_KRef(const float *src, void *dst, int64_t n,
                        const float *importance);
void quantizeRowQ4_KRef(const float *src, void *dst, int64_t n,
                        const float *importance);
void quantizeRowQ5_KRef(const float *src, void *dst, int64_t n,
                        const float *importance);
void quantizeRowQ6_KRef(const float *src, void *dst, int64_t n,
                        const float *importance);

void dequantizeRowQ2_K(const void *src, float *dst, int64_t n);
void dequantizeRowQ3_K(const void *src, float *dst, int64_t n);
void dequantizeRowQ4_K(const void *src, float *dst, int64_t n);
void dequantizeRowQ5_K(const void *src, float *dst, int64_t n);
void dequantizeRowQ6_K(const void *src, float *dst, int64_t n);

} // namespace quant
} // namespace llmq

#endif // LLMQ_FORMATS_QUANT_KQUANTS_H
