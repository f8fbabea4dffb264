//===- GgmlActivationsTest.cpp - Activation rounding as ggml does ---------===//

#include "runtime/exec/GgmlActivations.h"

#include "formats/Float.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

using namespace llmq;
using namespace llmq::runtime;

static std::vector<float> randomRow(int64_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> row(n);
  for (float &v : row)
    v = dist(rng);
  return row;
}

// q8_K: per 256 values one f32 scale d = max / -127 where max is the value
// of largest magnitude; every value becomes d * q with integer q in
// [-127, 127] (the extreme value itself maps to q = -127 exactly).
TEST(GgmlActivations, Q8KCodesAndScale) {
  std::vector<float> row = randomRow(512, 1), out = row;
  roundActivationsLikeGgml(Format::Q4_K, out.data(), out.size());
  for (int b = 0; b < 2; ++b) {
    float max = 0, amax = 0;
    for (int j = 0; j < 256; ++j)
      if (std::fabs(row[b * 256 + j]) > amax) {
        amax = std::fabs(row[b * 256 + j]);
        max = row[b * 256 + j];
      }
    float iscale = -127.f / max, d = 1 / iscale;
    for (int j = 0; j < 256; ++j) {
      float x = row[b * 256 + j], y = out[b * 256 + j];
      float q = std::nearbyint(iscale * x);
      EXPECT_EQ(y, d * std::min(127.0f, q)) << "value " << b * 256 + j;
      EXPECT_LE(std::fabs(y - x), std::fabs(d) * 0.5f + 1e-6f);
    }
  }
}

TEST(GgmlActivations, Q8KZeroBlockStaysZero) {
  std::vector<float> row(256, 0.0f);
  roundActivationsLikeGgml(Format::Q6_K, row.data(), row.size());
  for (float v : row)
    EXPECT_EQ(v, 0.0f);
}

// The 32-element formats round to q8_0: 32 codes and an fp16 scale.
TEST(GgmlActivations, Q8_0ForLegacyFormats) {
  std::vector<float> row = randomRow(64, 2), out = row;
  roundActivationsLikeGgml(Format::Q4_0, out.data(), out.size());
  for (int b = 0; b < 2; ++b) {
    float amax = 0;
    for (int j = 0; j < 32; ++j)
      amax = std::max(amax, std::fabs(row[b * 32 + j]));
    float d = fp16ToFp32(fp32ToFp16(amax / 127));
    for (int j = 0; j < 32; ++j) {
      float q = out[b * 32 + j] / d;
      EXPECT_NEAR(q, std::round(q), 1e-3) << "value " << b * 32 + j;
      EXPECT_LE(std::fabs(std::round(q)), 127.0f);
    }
  }
}

TEST(GgmlActivations, FloatWeights) {
  std::vector<float> row = randomRow(8, 3);
  std::vector<float> f32 = row, f16 = row, bf16 = row;
  roundActivationsLikeGgml(Format::F32, f32.data(), 8);
  roundActivationsLikeGgml(Format::F16, f16.data(), 8);
  roundActivationsLikeGgml(Format::BF16, bf16.data(), 8);
  EXPECT_FALSE(ggmlRoundsActivations(Format::F32));
  EXPECT_TRUE(ggmlRoundsActivations(Format::Q8_0));
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(f32[i], row[i]);
    EXPECT_EQ(f16[i], fp16ToFp32(fp32ToFp16(row[i])));
    EXPECT_EQ(bf16[i], bf16ToFp32(fp32ToBf16(row[i])));
  }
}
