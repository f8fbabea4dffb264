//===- KQuantsRef.cpp - Scalar reference K-quant quantizers ---------------===//
//
// quantize_row_{q2..q6}_K_ref and their importance-weighted _impl twins as
// ggml_quantize_chunk calls them: without an importance vector every K type
// uses its _ref quantizer, which for q2_K, q3_K and q6_K is a different
// search (make_qkx2_quants, make_q3_quants) than the weighted path uses,
// not the weighted search with flat weights. These are slow and obviously
// right; the vectorized quantizers in KQuantsFast.cpp must match them byte
// for byte.
//
//===----------------------------------------------------------------------===//

#include "formats/quant/KQuants.h"
#include "formats/quant/KQuantsImpl.h"

#include <cmath>
#include <cstring>

#pragma STDC FP_CONTRACT OFF

namespace llmq {
namespace quant {

using namespace kq;

namespace {

/// Sum of squares in index order, as every weighted path starts with.
float sumOfSquares(const float *x, int n) {
  float sum = 0.0f;
  for (int i = 0; i < n; ++i)
    sum += x[i] * x[i];
  return sum;
}

/// Sum in index order.
float sequentialSum(const float *x, int n) {
  float sum = 0.0f;
  for (int i = 0; i < n; ++i)
    sum += x[i];
  return sum;
}

template <typename Block>
void storeBlock(void *dst, int64_t index, const Block &block) {
  std::memcpy(static_cast<unsigned char *>(dst) + index * sizeof(Block), &block,
              sizeof(Block));
}

} // namespace

void quantizeRowQ2_KRef(const float *src, void *dst, int64_t n,
                        const float *importance) {
  for (int64_t b = 0; b < n / kSuperBlock; ++b) {
    const float *x = src + b * kSuperBlock;
    uint8_t L[kSuperBlock];
    uint8_t Laux[16];
    float weights[16], scales[16], mins[16];
    BlockQ2_K block;
    if (!importance) {
      for (int j = 0; j < 16; ++j) {
        for (int l = 0; l < 16; ++l)
          weights[l] = std::fabs(x[16 * j + l]);
        scales[j] = makeQkx2Quants(16, 3, x + 16 * j, weights, L + 16 * j,
                                   &mins[j], Laux, -0.5f, 0.1f, 15, true);
      }
      finishQ2_K(x, scales, mins, L, block);
    } else {
      const float *qwBlock = importance + b * kSuperBlock;
      const float sigma2 = sumOfSquares(x, kSuperBlock) / kSuperBlock;
      float sw[16];
      for (int j = 0; j < 16; ++j) {
        for (int l = 0; l < 16; ++l)
          weights[l] = qwBlock[16 * j + l] *
                       std::sqrt(sigma2 + x[16 * j + l] * x[16 * j + l]);
        sw[j] = sequentialSum(weights, 16);
        scales[j] = makeQkx3Quants(16, 3, x + 16 * j, weights, L + 16 * j,
                                   &mins[j], Laux, -0.9f, 0.05f, 36, false);
      }
      finishQ2_KWeighted(x, scales, mins, sw, L, block);
    }
    storeBlock(dst, b, block);
  }
}

void quantizeRowQ3_KRef(const float *src, void *dst, int64_t n,
                        const float *importance) {
  for (int64_t b = 0; b < n / kSuperBlock; ++b) {
    const float *x = src + b * kSuperBlock;
    int8_t L[kSuperBlock];
    float scales[16];
    BlockQ3_K block;
    if (!importance) {
      for (int j = 0; j < 16; ++j)
        scales[j] = makeQ3Quants(16, 4, x + 16 * j, L + 16 * j);
      finishQ3_K(x, scales, L, block);
    } else {
      const float *qwBlock = importance + b * kSuperBlock;
      // Twice the mean square here (q2_K uses once).
      const float sigma2 = 2 * sumOfSquares(x, kSuperBlock) / kSuperBlock;
      float weights[16], sw[16];
      for (int j = 0; j < 16; ++j) {
        for (int l = 0; l < 16; ++l)
          weights[l] = qwBlock[16 * j + l] *
                       std::sqrt(sigma2 + x[16 * j + l] * x[16 * j + l]);
        sw[j] = sequentialSum(weights, 16);
        scales[j] = makeQxQuants(16, 4, x + 16 * j, L + 16 * j, weights);
      }
      finishQ3_KWeighted(x, scales, sw, L, block);
    }
    storeBlock(dst, b, block);
  }
}

namespace {

/// q4_K and q5_K differ only in nmax, the search constants and the packing
/// of the levels; `Block` is BlockQ4_K or BlockQ5_K.
template <typename Block>
void quantizeQ45_KRef(const float *src, void *dst, int64_t n,
                      const float *importance, int nmax, float rmin,
                      float rdelta, int nstep) {
  for (int64_t b = 0; b < n / kSuperBlock; ++b) {
    const float *x = src + b * kSuperBlock;
    uint8_t L[kSuperBlock];
    uint8_t Laux[32];
    float weights[32], scales[8], mins[8];
    Block block;
    if (!importance) {
      for (int j = 0; j < 8; ++j) {
        // Weight each value by the sub-block's RMS plus its own magnitude.
        const float avX = std::sqrt(sumOfSquares(x + 32 * j, 32) / 32);
        for (int l = 0; l < 32; ++l)
          weights[l] = avX + std::fabs(x[32 * j + l]);
        scales[j] = makeQkx2Quants(32, nmax, x + 32 * j, weights, L + 32 * j,
                                   &mins[j], Laux, rmin, rdelta, nstep, false);
      }
      finishQ45_K(x, scales, mins, nmax, L, block.d, block.dmin, block.scales);
    } else {
      const float *qwBlock = importance + b * kSuperBlock;
      const float sigma2 = 2 * sumOfSquares(x, kSuperBlock) / kSuperBlock;
      float sw[8];
      for (int j = 0; j < 8; ++j) {
        for (int l = 0; l < 32; ++l)
          weights[l] = qwBlock[32 * j + l] *
                       std::sqrt(sigma2 + x[32 * j + l] * x[32 * j + l]);
        sw[j] = sequentialSum(weights, 32);
        scales[j] = makeQkx3Quants(32, nmax, x + 32 * j, weights, L + 32 * j,
                                   &mins[j], Laux, -0.9f, 0.05f, 36, false);
      }
      finishQ45_KWeighted(x, scales, mins, sw, nmax,
                          /*clampLevels=*/nmax == 31, L, block.d, block.dmin,
                          block.scales);
    }
    if constexpr (sizeof(Block) == sizeof(BlockQ4_K))
      packQ4_K(L, block.qs);
    else
      packQ5_K(L, block.qs, block.qh);
    storeBlock(dst, b, block);
  }
}

} // namespace

void quantizeRowQ4_KRef(const float *src, void *dst, int64_t n,
                        const float *importance) {
  quantizeQ45_KRef<BlockQ4_K>(src, dst, n, importance, 15, -1.0f, 0.1f, 20);
}

void quantizeRowQ5_KRef(const float *src, void *dst, int64_t n,
                        const float *importance) {
  quantizeQ45_KRef<BlockQ5_K>(src, dst, n, importance, 31, -0.5f, 0.1f, 15);
}

void quantizeRowQ6_KRef(const float *src, void *dst, int64_t n,
                        const float *importance) {
  for (int64_t b = 0; b < n / kSuperBlock; ++b) {
    const float *x = src + b * kSuperBlock;
    int8_t L[kSuperBlock];
    float scales[16];
    // The weighted path passes the importance straight through as the
    // search weights (no sigma2 term), the plain one weights by x^2.
    const float *qwBlock = importance ? importance + b * kSuperBlock : nullptr;
    for (int j = 0; j < 16; ++j)
      scales[j] = makeQxQuants(16, 32, x + 16 * j, L + 16 * j,
                               qwBlock ? qwBlock + 16 * j : nullptr);
    BlockQ6_K block;
    finishQ6_K(x, scales, L, block);
    storeBlock(dst, b, block);
  }
}

} // namespace quant
} // namespace llmq
