//===- GptqKernelsTest.cpp - GPTQ's tiled kernels against plain loops -----===//
//
// Each kernel of GptqKernels.h against the plain loop it replaces, bit for
// bit, on shapes that are not multiples of the tiles: the tiling, the
// vector width and the instruction set the loader picked must not change a
// single result.
//
//===----------------------------------------------------------------------===//

#include "formats/quant/GptqKernels.h"

#include <gtest/gtest.h>

#pragma clang fp contract(off)

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

using namespace llmq::gptq;

namespace {
std::vector<float> randomFloats(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> v(n);
  for (float &x : v)
    x = d(rng);
  return v;
}
std::vector<double> randomDoubles(size_t n, unsigned seed) {
  std::vector<float> f = randomFloats(n, seed);
  std::vector<double> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = double(f[i]) * (1.0 + 1e-3 * double(i % 7));
  return v;
}
bool sameBits(const std::vector<double> &a, const std::vector<double> &b) {
  return a.size() == b.size() &&
         std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}
} // namespace

TEST(GptqKernelsTest, HessianRowsMatchThePlainLoop) {
  for (int64_t n : {5, 16, 37, 131}) {
    for (int64_t count : {1, 3, 4, 9, 263, 520}) {
      std::vector<float> x = randomFloats(size_t(count * n), unsigned(n + count));
      std::vector<double> start = randomDoubles(size_t(n * n), 7);
      std::vector<double> expect = start, got = start;
      // The plain loop: the upper triangle, fours then singles.
      int64_t fours = count / 4 * 4;
      for (int64_t i = 0; i < n; ++i)
        for (int64_t k = i; k < n; ++k) {
          double acc = expect[i * n + k];
          for (int64_t t = 0; t < fours; t += 4) {
            const float *x0 = x.data() + t * n, *x1 = x0 + n, *x2 = x1 + n,
                        *x3 = x2 + n;
            acc += (double(x0[i]) * double(x0[k]) +
                    double(x1[i]) * double(x1[k])) +
                   (double(x2[i]) * double(x2[k]) +
                    double(x3[i]) * double(x3[k]));
          }
          for (int64_t t = fours; t < count; ++t)
            acc += double(x[t * n + i]) * double(x[t * n + k]);
          expect[i * n + k] = acc;
        }
      for (int64_t i0 = 0; i0 < n; i0 += kernels::kBlockRows)
        kernels::accumulateHessianRows(
            got.data(), x.data(), n, count, i0,
            std::min(n, i0 + kernels::kBlockRows));
      for (int64_t i = 0; i < n; ++i)
        for (int64_t k = i; k < n; ++k)
          ASSERT_EQ(std::memcmp(&expect[i * n + k], &got[i * n + k], 8), 0)
              << "n=" << n << " count=" << count << " (" << i << ", " << k
              << ")";
    }
  }
}

TEST(GptqKernelsTest, CholeskyBlockUpdateMatchesDot4) {
  for (int64_t width : {3, 4, 13, 64}) {
    int64_t n = 40, rows = 30, panelRow0 = 5;
    std::vector<double> panel = randomDoubles(size_t(rows * width), 3);
    std::vector<double> start = randomDoubles(size_t(n * n), 4);
    for (int64_t j1 : {int64_t(20), int64_t(21)}) {
      std::vector<double> expect = start, got = start;
      int64_t i0 = 26, j0 = 6;
      for (int64_t i = i0; i < i0 + kernels::kBlockRows; ++i)
        for (int64_t j = j0; j < j1; ++j)
          expect[i * n + j] -=
              kernels::dot4(panel.data() + (i - panelRow0) * width,
                            panel.data() + (j - panelRow0) * width, width);
      kernels::choleskyUpdateBlock(got.data(), n, panel.data(), width,
                                   panelRow0, i0, j0, j1);
      EXPECT_TRUE(sameBits(expect, got)) << "width=" << width;
    }
  }
}

TEST(GptqKernelsTest, InverseAccumulateMatchesThePlainLoop) {
  constexpr int64_t P = kernels::kInversePanel;
  int64_t n = 50;
  std::vector<double> lower = randomDoubles(size_t(n * n), 5);
  for (int64_t rows : {int64_t(3), kernels::kBlockRows}) {
    for (int64_t span : {0, 1, 17}) {
      std::vector<double> x = randomDoubles(size_t(span * P + 1), 6);
      double expect[kernels::kBlockRows][P], got[kernels::kBlockRows][P];
      std::vector<double> start = randomDoubles(kernels::kBlockRows * P, 8);
      std::memcpy(expect, start.data(), sizeof expect);
      std::memcpy(got, start.data(), sizeof got);
      int64_t k0 = 9;
      for (int64_t k = k0; k < k0 + span; ++k)
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t c = 0; c < P; ++c)
            expect[r][c] += lower[(2 + r) * n + k] * x[(k - k0) * P + c];
      kernels::inverseAccumulate(got, rows, lower.data() + 2 * n, n, x.data(),
                                 k0, k0 + span);
      EXPECT_EQ(std::memcmp(expect, got, sizeof got), 0)
          << "rows=" << rows << " span=" << span;
    }
  }
}

TEST(GptqKernelsTest, SubtractScaledAndIntGroupLossesMatchThePlainLoops) {
  std::vector<float> w = randomFloats(77, 9), u = randomFloats(77, 10);
  std::vector<float> expect = w;
  for (size_t k = 0; k < w.size(); ++k)
    expect[k] -= 0.37f * u[k];
  kernels::subtractScaled(w.data(), u.data(), 0.37f, int64_t(w.size()));
  EXPECT_EQ(std::memcmp(expect.data(), w.data(), w.size() * 4), 0);

  std::vector<float> x = randomFloats(128, 11), imp = randomFloats(128, 12);
  for (float &v : imp)
    v = std::fabs(v);
  std::vector<float> scales, zeros;
  for (int i = 0; i < 80; ++i) {
    scales.push_back(0.4f * (1.0f - float(i) / 100.0f));
    zeros.push_back(float(8 + i % 3));
  }
  const float *withImportance = imp.data();
  for (const float *importance : {(const float *)nullptr, withImportance}) {
    std::vector<double> loss(80), plain(80, 0.0);
    kernels::intGroupLosses(x.data(), importance, 128, scales.data(),
                            zeros.data(), 80, 15.0f, loss.data());
    for (int i = 0; i < 80; ++i)
      for (int k = 0; k < 128; ++k) {
        float level = std::clamp(
            std::nearbyint(x[k] / scales[i]) + zeros[i], 0.0f, 15.0f);
        float d = x[k] - scales[i] * (level - zeros[i]);
        double wk = importance ? double(importance[k]) : 1.0;
        plain[i] += wk * double(d) * double(d);
      }
    EXPECT_TRUE(sameBits(plain, loss));
  }
}
