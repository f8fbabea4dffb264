//===- KQuantScales.h - The packed sub-block scales of q4_K and q5_K -*- C++ -*-===//
//
// q4_K and q5_K store each super-block's eight 6-bit sub-block scales and
// eight 6-bit mins in 12 bytes (ggml's get_scale_min_k4 reads them). Every
// reader of those blocks shares this one decoder: the reference
// dequantizers, GPTQ's block writers and the runtime's integer and packing
// kernels.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_FORMATS_QUANT_KQUANTSCALES_H
#define LLMQ_FORMATS_QUANT_KQUANTSCALES_H

#include <cstdint>

namespace llmq {
namespace quant {

/// Sub-block j's (0..7) 6-bit scale and min from the 12 packed bytes `q`.
/// `static`: the runtime's instruction-set files include it, and an inline
/// function with external linkage compiled for AVX-512 there could be the
/// copy the linker keeps for every other file.
static inline void unpackScaleMinK4(int j, const uint8_t *q, int &scale,
                                    int &min) {
  if (j < 4) {
    scale = q[j] & 63;
    min = q[j + 4] & 63;
  } else {
    scale = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
    min = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

} // namespace quant
} // namespace llmq

#endif // LLMQ_FORMATS_QUANT_KQUANTSCALES_H
