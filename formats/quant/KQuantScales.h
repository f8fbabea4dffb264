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

/// The eight sub-blocks' scales and mins of one q4_K block as its
/// dequantizer rounds them: scale[j * stride] = d * scale_j and
/// min[j * stride] = dmin * min_j, d and dmin the block's fp16 values as f32.
static inline void scaledScaleMinK4(const uint8_t *q, float d, float dmin,
                                    float *scale, float *min, int stride) {
  for (int j = 0; j < 8; ++j) {
    int sc, m;
    unpackScaleMinK4(j, q, sc, m);
    scale[j * stride] = d * static_cast<float>(sc);
    min[j * stride] = dmin * static_cast<float>(m);
  }
}

} // namespace quant
} // namespace llmq

#endif // LLMQ_FORMATS_QUANT_KQUANTSCALES_H
