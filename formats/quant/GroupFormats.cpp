//===- GroupFormats.cpp - FP8 block and integer group formats -------------===//

#include "formats/GroupFormats.h"

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace llmq;

uint8_t llmq::fp32ToFp8E4M3(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, 4);
  uint8_t sign = (bits >> 24) & 0x80;
  if (std::isnan(x))
    return sign | 0x7f;
  float a = std::fabs(x);
  if (a >= 464.0f) // past the rounding midpoint above 448: no infinity
    return sign | 0x7f;
  // Smallest normal is 2^-6; below it the step is 2^-9 (subnormals).
  if (a < 0.015625f) {
    // Round a / 2^-9 to the nearest integer, ties to even (0..8).
    float q = std::nearbyint(a * 512.0f); // default rounding mode: RNE
    return sign | static_cast<uint8_t>(q); // q == 8 is the smallest normal
  }
  int exponent;
  std::frexp(a, &exponent); // a = m * 2^exponent, m in [0.5, 1)
  int e = exponent - 1;     // a in [2^e, 2^(e+1))
  // 3 mantissa bits: step 2^(e-3); rounding may carry into the exponent.
  float step = std::ldexp(1.0f, e - 3);
  float q = std::nearbyint(a / step); // 8..16
  if (q == 16.0f) {
    q = 8.0f;
    ++e;
  }
  int biased = e + 7;
  uint8_t mantissa = static_cast<uint8_t>(q) - 8;
  uint8_t code = static_cast<uint8_t>((biased << 3) | mantissa);
  if (code >= 0x7f) // 0x7f would be NaN: 448 is the largest finite value
    code = 0x7e;
  return sign | code;
}

float llmq::fp8E4M3ToFp32(uint8_t v) {
  float sign = (v & 0x80) ? -1.0f : 1.0f;
  int exponent = (v >> 3) & 0xf, mantissa = v & 7;
  if (exponent == 0xf && mantissa == 7)
    return NAN;
  if (exponent == 0)
    return sign * std::ldexp(static_cast<float>(mantissa), -9);
  return sign * std::ldexp(1.0f + mantissa / 8.0f, exponent - 7);
}

FP8BlockTensor llmq::quantizeFP8Block(const float *src, int64_t rows,
                                      int64_t cols) {
  int64_t blockRows = (rows + kFP8BlockSize - 1) / kFP8BlockSize;
  int64_t blockCols = (cols + kFP8BlockSize - 1) / kFP8BlockSize;
  FP8BlockTensor q;
  q.weight.resize(rows * cols);
  q.scaleInv.resize(blockRows * blockCols);
  for (int64_t br = 0; br < blockRows; ++br)
    for (int64_t bc = 0; bc < blockCols; ++bc) {
      int64_t r0 = br * kFP8BlockSize, r1 = std::min(rows, r0 + kFP8BlockSize);
      int64_t c0 = bc * kFP8BlockSize, c1 = std::min(cols, c0 + kFP8BlockSize);
      float amax = 0;
      for (int64_t r = r0; r < r1; ++r)
        for (int64_t c = c0; c < c1; ++c)
          amax = std::max(amax, std::fabs(src[r * cols + c]));
      // An all-zero block keeps scale 1 rather than dividing by zero.
      float scale = amax > 0 ? amax / kFP8Max : 1.0f;
      q.scaleInv[br * blockCols + bc] = scale;
      for (int64_t r = r0; r < r1; ++r)
        for (int64_t c = c0; c < c1; ++c) {
          float v = std::clamp(src[r * cols + c] / scale, -kFP8Max, kFP8Max);
          q.weight[r * cols + c] = fp32ToFp8E4M3(v);
        }
    }
  return q;
}

void llmq::dequantizeFP8Block(const FP8BlockTensor &q, int64_t rows,
                              int64_t cols, float *dst) {
  int64_t blockCols = (cols + kFP8BlockSize - 1) / kFP8BlockSize;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      dst[r * cols + c] =
          fp8E4M3ToFp32(q.weight[r * cols + c]) *
          q.scaleInv[(r / kFP8BlockSize) * blockCols + c / kFP8BlockSize];
}

Int8ChannelTensor llmq::quantizeInt8Channel(const float *src, int64_t rows,
                                            int64_t cols) {
  Int8ChannelTensor q;
  q.weight.resize(rows * cols);
  q.scale.resize(rows);
  for (int64_t r = 0; r < rows; ++r) {
    const float *row = src + r * cols;
    float amax = 0;
    for (int64_t c = 0; c < cols; ++c)
      amax = std::max(amax, std::fabs(row[c]));
    float scale = amax > 0 ? amax / 127.0f : 1.0f;
    q.scale[r] = scale;
    for (int64_t c = 0; c < cols; ++c)
      q.weight[r * cols + c] = static_cast<int8_t>(
          std::clamp(std::nearbyint(row[c] / scale), -127.0f, 127.0f));
  }
  return q;
}

void llmq::dequantizeInt8Channel(const Int8ChannelTensor &q, int64_t rows,
                                 int64_t cols, float *dst) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      dst[r * cols + c] = q.weight[r * cols + c] * q.scale[r];
}

Int4GroupTensor llmq::quantizeInt4Group(const float *src, int64_t rows,
                                        int64_t cols, int64_t group,
                                        bool symmetric) {
  int64_t groups = cols / group;
  Int4GroupTensor q;
  q.packed.assign(rows * cols / 8, 0);
  q.scale.resize(rows * groups);
  if (!symmetric)
    q.zeroPoint.resize(rows * groups);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t g = 0; g < groups; ++g) {
      const float *x = src + r * cols + g * group;
      float lo = x[0], hi = x[0];
      for (int64_t i = 1; i < group; ++i) {
        lo = std::min(lo, x[i]);
        hi = std::max(hi, x[i]);
      }
      float scale;
      int zero = 0;
      if (symmetric) {
        float amax = std::max(std::fabs(lo), std::fabs(hi));
        scale = amax > 0 ? amax / 7.0f : 1.0f;
      } else {
        // The range must hold 0 exactly, so zero is an integer.
        lo = std::min(lo, 0.0f);
        hi = std::max(hi, 0.0f);
        scale = hi > lo ? (hi - lo) / 15.0f : 1.0f;
        zero = static_cast<int>(
            std::clamp(std::nearbyint(-lo / scale), 0.0f, 15.0f));
        q.zeroPoint[r * groups + g] = static_cast<int8_t>(zero);
      }
      q.scale[r * groups + g] = scale;
      for (int64_t i = 0; i < group; ++i) {
        float v = std::nearbyint(x[i] / scale) + zero;
        int level = symmetric ? static_cast<int>(std::clamp(v, -8.0f, 7.0f)) + 8
                              : static_cast<int>(std::clamp(v, 0.0f, 15.0f));
        int64_t index = r * cols + g * group + i;
        q.packed[index / 8] |= static_cast<int32_t>(
            static_cast<uint32_t>(level) << (4 * (index % 8)));
      }
    }
  return q;
}

void llmq::dequantizeInt4Group(const Int4GroupTensor &q, int64_t rows,
                               int64_t cols, int64_t group, float *dst) {
  int64_t groups = cols / group;
  bool symmetric = q.zeroPoint.empty();
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      int64_t index = r * cols + c;
      int level = (static_cast<uint32_t>(q.packed[index / 8]) >>
                   (4 * (index % 8))) & 0xf;
      int64_t g = r * groups + c / group;
      int value = symmetric ? level - 8 : level - q.zeroPoint[g];
      dst[index] = value * q.scale[g];
    }
}
