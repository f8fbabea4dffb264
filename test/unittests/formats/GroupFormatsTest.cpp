//===- GroupFormatsTest.cpp - FP8 block and integer group formats ---------===//
//
// Each format is checked against a reference computed independently here
// (brute force over the FP8 code table; plain formulas for the integer
// formats), for its round-trip error bound, and on the edge cases the
// recipes define (clamping beyond +-448, zero blocks).
//
//===----------------------------------------------------------------------===//

#include "formats/GroupFormats.h"

#include "GoldenData.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <random>
#include <vector>

using namespace llmq;

namespace {

/// The finite e4m3fn value nearest to x, ties to the even code: a brute-force
/// search over all codes, independent of fp32ToFp8E4M3's arithmetic.
uint8_t nearestFp8(float x) {
  uint8_t best = 0;
  double bestDist = INFINITY;
  for (int code = 0; code < 256; ++code) {
    float v = fp8E4M3ToFp32(static_cast<uint8_t>(code));
    if (std::isnan(v) || std::signbit(v) != std::signbit(x))
      continue;
    double dist = std::fabs(static_cast<double>(v) - x);
    if (dist < bestDist || (dist == bestDist && (code & 1) == 0 && (best & 1))) {
      best = static_cast<uint8_t>(code);
      bestDist = dist;
    }
  }
  return best;
}

std::vector<float> randomTensor(int64_t n, float stddev, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, stddev);
  std::vector<float> v(n);
  for (float &x : v)
    x = dist(rng);
  return v;
}

TEST(FP8E4M3, DecodesTheCodeTable) {
  EXPECT_EQ(fp8E4M3ToFp32(0x38), 1.0f);
  EXPECT_EQ(fp8E4M3ToFp32(0x7e), 448.0f);
  EXPECT_EQ(fp8E4M3ToFp32(0xfe), -448.0f);
  EXPECT_EQ(fp8E4M3ToFp32(0x08), 0.015625f); // smallest normal, 2^-6
  EXPECT_EQ(fp8E4M3ToFp32(0x01), 0.001953125f); // smallest subnormal, 2^-9
  EXPECT_TRUE(std::isnan(fp8E4M3ToFp32(0x7f)));
  EXPECT_TRUE(std::isnan(fp8E4M3ToFp32(0xff)));
}

TEST(FP8E4M3, EveryCodeRoundTrips) {
  for (int code = 0; code < 256; ++code) {
    float v = fp8E4M3ToFp32(static_cast<uint8_t>(code));
    if (std::isnan(v))
      continue;
    EXPECT_EQ(fp32ToFp8E4M3(v), code) << "code " << code;
  }
}

TEST(FP8E4M3, RoundsToNearestEvenLikeBruteForce) {
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> mag(-12.0f, 9.0f);
  for (int i = 0; i < 20000; ++i) {
    float x = std::ldexp(1.0f, static_cast<int>(std::floor(mag(rng)))) *
              std::uniform_real_distribution<float>(1.0f, 2.0f)(rng);
    x = std::min(x, 448.0f);
    if (i % 2)
      x = -x;
    EXPECT_EQ(fp32ToFp8E4M3(x), nearestFp8(x)) << "x = " << x;
  }
  // Exact midpoints between neighbours go to the even code.
  for (int code = 0; code < 0x7e; ++code) {
    float lo = fp8E4M3ToFp32(code), hi = fp8E4M3ToFp32(code + 1);
    float mid = (lo + hi) / 2;
    EXPECT_EQ(fp32ToFp8E4M3(mid), (code & 1) ? code + 1 : code) << mid;
  }
}

TEST(FP8Block, MatchesIndependentReferenceAndBound) {
  const int64_t rows = 200, cols = 300; // partial blocks at both edges
  std::vector<float> w = randomTensor(rows * cols, 0.02f, 2);
  w[5 * cols + 7] = 3.0f; // an outlier sets its block's scale
  FP8BlockTensor q = quantizeFP8Block(w.data(), rows, cols);
  ASSERT_EQ(q.scaleInv.size(), 2u * 3u);
  std::vector<float> back(rows * cols);
  dequantizeFP8Block(q, rows, cols, back.data());
  for (int64_t br = 0; br < 2; ++br)
    for (int64_t bc = 0; bc < 3; ++bc) {
      float amax = 0;
      for (int64_t r = br * 128; r < std::min<int64_t>(rows, br * 128 + 128); ++r)
        for (int64_t c = bc * 128; c < std::min<int64_t>(cols, bc * 128 + 128); ++c)
          amax = std::max(amax, std::fabs(w[r * cols + c]));
      float scale = amax / 448.0f;
      EXPECT_EQ(q.scaleInv[br * 3 + bc], scale);
      for (int64_t r = br * 128; r < std::min<int64_t>(rows, br * 128 + 128); ++r)
        for (int64_t c = bc * 128; c < std::min<int64_t>(cols, bc * 128 + 128); ++c) {
          float x = w[r * cols + c];
          float expect = fp8E4M3ToFp32(nearestFp8(x / scale)) * scale;
          ASSERT_EQ(back[r * cols + c], expect);
          // 3 mantissa bits: relative error at most 2^-4 for normals,
          // absolute 2^-10 * scale for subnormals.
          EXPECT_LE(std::fabs(back[r * cols + c] - x),
                    std::max(std::fabs(x) / 16.0f, scale / 1024.0f) * 1.0001f);
        }
    }
}

/// rows 0-31 of kjv-llama-5m's layer-2 down projection (../shared/golden),
/// or empty when it cannot be read.
static std::vector<float> realTensor() {
  std::string dir = llmq::test::goldenDir();
  if (dir.empty())
    dir = "../shared/golden/ggml";
  const llmq::test::GoldenInput &input = llmq::test::GoldenInputs[0]; // w_real
  const std::optional<std::vector<unsigned char>> bytes =
      llmq::test::readFile(dir + "/" + llmq::test::inputFile(input));
  if (!bytes)
    return {};
  std::vector<float> values = llmq::test::asFloats(*bytes);
  const size_t n = static_cast<size_t>(input.rows * input.cols);
  if (values.size() < n)
    return {};
  values.resize(n);
  return values;
}

TEST(GroupFormats, RealTensorWithinBounds) {
  std::vector<float> w = realTensor();
  if (w.empty())
    GTEST_SKIP() << "../shared/golden not found";
  const int64_t rows = 32, cols = 768;
  std::vector<float> back(w.size());
  FP8BlockTensor fp8 = quantizeFP8Block(w.data(), rows, cols);
  dequantizeFP8Block(fp8, rows, cols, back.data());
  for (size_t i = 0; i < w.size(); ++i) {
    float scale = fp8.scaleInv[(i % cols) / 128];
    EXPECT_LE(std::fabs(back[i] - w[i]),
              std::max(std::fabs(w[i]) / 16.0f, scale / 1024.0f) * 1.0001f);
  }
  for (bool symmetric : {true, false}) {
    Int4GroupTensor q4 = quantizeInt4Group(w.data(), rows, cols, 128, symmetric);
    dequantizeInt4Group(q4, rows, cols, 128, back.data());
    double err = 0, norm = 0;
    for (size_t i = 0; i < w.size(); ++i) {
      err += (back[i] - w[i]) * (back[i] - w[i]);
      norm += w[i] * w[i];
    }
    // 4 bits in groups of 128: relative RMS error of a few percent at most.
    EXPECT_LT(std::sqrt(err / norm), 0.2) << (symmetric ? "symmetric" : "asymmetric");
  }
}

TEST(FP8Block, ClampsBeforeRounding) {
  // A block whose scale comes from another row: values past 448 after
  // scaling cannot occur; a zero block keeps scale 1 and exact zeros.
  std::vector<float> w(128 * 128, 0.0f);
  FP8BlockTensor q = quantizeFP8Block(w.data(), 128, 128);
  EXPECT_EQ(q.scaleInv[0], 1.0f);
  for (uint8_t v : q.weight)
    EXPECT_EQ(v, 0);
  w[0] = 896.0f;
  w[1] = -900.0f; // amax: scaled to -448 exactly
  q = quantizeFP8Block(w.data(), 128, 128);
  EXPECT_EQ(fp8E4M3ToFp32(q.weight[1]), -448.0f);
  EXPECT_EQ(fp8E4M3ToFp32(q.weight[0]), 448.0f); // 896/(900/448) rounds to 448
}

TEST(Int8Channel, MatchesFormulaAndBound) {
  const int64_t rows = 17, cols = 64;
  std::vector<float> w = randomTensor(rows * cols, 0.05f, 3);
  Int8ChannelTensor q = quantizeInt8Channel(w.data(), rows, cols);
  std::vector<float> back(rows * cols);
  dequantizeInt8Channel(q, rows, cols, back.data());
  for (int64_t r = 0; r < rows; ++r) {
    float amax = 0;
    for (int64_t c = 0; c < cols; ++c)
      amax = std::max(amax, std::fabs(w[r * cols + c]));
    EXPECT_EQ(q.scale[r], amax / 127.0f);
    for (int64_t c = 0; c < cols; ++c) {
      float expect = std::nearbyint(w[r * cols + c] / q.scale[r]) * q.scale[r];
      EXPECT_EQ(back[r * cols + c], expect);
      EXPECT_LE(std::fabs(back[r * cols + c] - w[r * cols + c]),
                q.scale[r] / 2 * 1.0001f);
    }
  }
}

class Int4Group : public ::testing::TestWithParam<std::tuple<int, bool>> {};

TEST_P(Int4Group, MatchesFormulaAndBound) {
  auto [group, symmetric] = GetParam();
  const int64_t rows = 9, cols = 256;
  std::vector<float> w = randomTensor(rows * cols, 0.05f, 4 + group);
  Int4GroupTensor q = quantizeInt4Group(w.data(), rows, cols, group, symmetric);
  ASSERT_EQ(q.packed.size(), static_cast<size_t>(rows * cols / 8));
  EXPECT_EQ(q.zeroPoint.empty(), symmetric);
  std::vector<float> back(rows * cols);
  dequantizeInt4Group(q, rows, cols, group, back.data());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t g = 0; g < cols / group; ++g) {
      const float *x = w.data() + r * cols + g * group;
      float lo = 0, hi = 0, amax = 0;
      for (int i = 0; i < group; ++i) {
        lo = std::min(lo, x[i]);
        hi = std::max(hi, x[i]);
        amax = std::max(amax, std::fabs(x[i]));
      }
      float scale = symmetric ? amax / 7.0f : (hi - lo) / 15.0f;
      EXPECT_EQ(q.scale[r * (cols / group) + g], scale);
      for (int i = 0; i < group; ++i) {
        float got = back[r * cols + g * group + i];
        // Inside the representable range the error is at most half a step;
        // the symmetric range [-8, 7] clips only the most negative values.
        float bound = symmetric && x[i] < -7 * scale ? scale * 1.0001f
                                                     : scale / 2 * 1.0001f;
        EXPECT_LE(std::fabs(got - x[i]), bound);
      }
    }
  // The packing: element i of a row sits in bits 4*(i%8) of word i/8.
  int level = static_cast<uint32_t>(q.packed[0]) & 0xf;
  float expect = symmetric ? (level - 8) * q.scale[0]
                           : (level - q.zeroPoint[0]) * q.scale[0];
  EXPECT_EQ(back[0], expect);
}

INSTANTIATE_TEST_SUITE_P(Groups, Int4Group,
                         ::testing::Combine(::testing::Values(32, 64, 128),
                                            ::testing::Bool()));

} // namespace
