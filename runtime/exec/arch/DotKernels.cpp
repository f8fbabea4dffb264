//===- DotKernels.cpp - Portable dot-product kernel and dispatch ----------===//

#include "runtime/exec/arch/DotKernels.h"

using namespace llmq::runtime;

namespace {
constexpr int64_t kLanes = 8;
} // namespace

void llmq::runtime::dotTileGeneric(const float *const *w, int64_t rows,
                                   const float *x, int64_t tokens,
                                   int64_t cols, float *out,
                                   int64_t outStride) {
  for (int64_t t = 0; t < tokens; ++t) {
    const float *xt = x + t * cols;
    for (int64_t k = 0; k < rows; ++k) {
      float acc[kLanes] = {};
      int64_t c = 0;
      for (; c + kLanes <= cols; c += kLanes)
        for (int64_t l = 0; l < kLanes; ++l)
          acc[l] += w[k][c + l] * xt[c + l];
      float sum = ((acc[0] + acc[4]) + (acc[1] + acc[5])) +
                  ((acc[2] + acc[6]) + (acc[3] + acc[7]));
      for (; c < cols; ++c)
        sum += w[k][c] * xt[c];
      out[t * outStride + k] = sum;
    }
  }
}

DotTileFn llmq::runtime::selectDotTile() {
#if defined(__x86_64__) && defined(LLMQ_HAVE_AVX2_KERNELS)
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return dotTileAVX2;
#endif
  return dotTileGeneric;
}
