//===- GgmlActivations.cpp - Activations as ggml's CPU backend sees them --===//

#include "runtime/exec/GgmlActivations.h"

#include "formats/Float.h"

#include <cmath>
#include <cstring>
#include <vector>

using namespace llmq;

/// The block of ggml's q8_K: one f32 scale per 256 values, d = max / -127
/// with `max` the value of largest magnitude (sign kept), codes clamped to
/// 127; rounding to nearest, ties to even, as ggml's nearest_int.
static void roundQ8K(float *x, int64_t cols) {
  for (int64_t b = 0; b < cols; b += 256) {
    float *block = x + b;
    float max = 0, amax = 0;
    for (int j = 0; j < 256; ++j)
      if (std::fabs(block[j]) > amax) {
        amax = std::fabs(block[j]);
        max = block[j];
      }
    if (amax == 0) {
      std::memset(block, 0, 256 * sizeof(float));
      continue;
    }
    float iscale = -127.f / max, d = 1 / iscale;
    for (int j = 0; j < 256; ++j) {
      float q = std::nearbyint(iscale * block[j]); // default mode: ties to even
      block[j] = d * std::min(127.0f, q);
    }
  }
}

/// q8_0 and q8_1 hold the same codes and fp16 scale per 32 values; the
/// registry's q8_0 is ggml's reference quantizer.
static void roundQ8_0(float *x, int64_t cols) {
  const FormatTraits &t = getFormatTraits(Format::Q8_0);
  std::vector<uint8_t> blocks(rowBytes(Format::Q8_0, cols));
  t.quantizeRow(x, blocks.data(), cols, nullptr);
  t.dequantizeRow(blocks.data(), x, cols);
}

bool llmq::runtime::ggmlRoundsActivations(Format weight) {
  return weight != Format::F32;
}

void llmq::runtime::roundActivationsLikeGgml(Format weight, float *row,
                                             int64_t cols) {
  switch (weight) {
  case Format::F32:
    return;
  case Format::F16:
    for (int64_t i = 0; i < cols; ++i)
      row[i] = fp16ToFp32(fp32ToFp16(row[i]));
    return;
  case Format::BF16:
    for (int64_t i = 0; i < cols; ++i)
      row[i] = bf16ToFp32(fp32ToBf16(row[i]));
    return;
  case Format::Q8_0:
  case Format::Q4_0:
  case Format::Q4_1:
  case Format::Q5_0:
  case Format::Q5_1:
  case Format::IQ4_NL:
    roundQ8_0(row, cols);
    return;
  case Format::Q2_K:
  case Format::Q3_K:
  case Format::Q4_K:
  case Format::Q5_K:
  case Format::Q6_K:
  case Format::IQ4_XS:
    roundQ8K(row, cols);
    return;
  }
}
