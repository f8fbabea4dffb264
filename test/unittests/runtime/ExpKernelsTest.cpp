//===- ExpKernelsTest.cpp - Vectorized exponentials -----------------------===//
//
// ExpKernels.h fixes the exponential's steps and the sums' order; the AVX2
// and AVX-512 variants (where this CPU has them) must give the portable
// variant's bits on lengths that exercise the tails and on the edge values
// (NaN, infinities, the clamps, zeros of both signs). The f32 exponential
// must be glibc's expf; both must be accurate: f32 within 2 units in the
// last place of the exact value,
// f64 within 1e-15 relative, and the sums within 1e-14 of a long double sum.
//
//===----------------------------------------------------------------------===//

#include "runtime/exec/arch/ExpKernels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

using namespace llmq::runtime;

static std::vector<const ExpKernels *> fastVariants() {
  std::vector<const ExpKernels *> variants;
  if (const ExpKernels *k = avx2ExpKernels())
    variants.push_back(k);
  if (const ExpKernels *k = avx512ExpKernels())
    variants.push_back(k);
  return variants;
}

template <typename T> static bool sameBits(T a, T b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

/// Gates with the edge values first, then normal values spread over the
/// clamps (SiLU takes exp(-g)).
static std::vector<float> gates(int64_t n, unsigned seed) {
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> edges = {0.0f,    -0.0f,    NAN,      inf,    -inf,
                              88.72f,  -88.73f,  103.97f,  -103.98f, 87.01f,
                              -88.01f, 1e-40f,   -1e-40f,  200.0f, -200.0f};
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> wide(-100.0f, 100.0f);
  std::normal_distribution<float> narrow(0.0f, 3.0f);
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i)
    v[i] = i < static_cast<int64_t>(edges.size()) ? edges[i]
           : i % 3 == 0                           ? wide(rng)
                                                  : narrow(rng);
  return v;
}

TEST(ExpKernels, SiluVariantsEqualPortableBits) {
  if (fastVariants().empty())
    GTEST_SKIP() << "this CPU runs only the portable variant";
  for (int64_t n : {0, 1, 7, 8, 9, 15, 16, 17, 31, 100, 8192, 8197}) {
    std::vector<float> up = gates(n, 7);
    std::vector<float> expected = gates(n, 3);
    genericExpKernels().siluMul(expected.data(), up.data(), n);
    for (const ExpKernels *k : fastVariants()) {
      std::vector<float> got = gates(n, 3);
      k->siluMul(got.data(), up.data(), n);
      for (int64_t i = 0; i < n; ++i)
        ASSERT_TRUE(sameBits(got[i], expected[i]))
            << k->name << " n=" << n << " i=" << i << ": " << got[i]
            << " != " << expected[i];
    }
  }
}

TEST(ExpKernels, ExpShiftedVariantsEqualPortableBits) {
  if (fastVariants().empty())
    GTEST_SKIP() << "this CPU runs only the portable variant";
  for (int64_t n : {0, 1, 7, 8, 9, 16, 17, 255, 256, 1001}) {
    std::vector<float> expected = gates(n, 5);
    genericExpKernels().expShifted(expected.data(), n, 3.5f);
    for (const ExpKernels *k : fastVariants()) {
      std::vector<float> got = gates(n, 5);
      k->expShifted(got.data(), n, 3.5f);
      for (int64_t i = 0; i < n; ++i)
        ASSERT_TRUE(sameBits(got[i], expected[i]))
            << k->name << " n=" << n << " i=" << i << ": " << got[i]
            << " != " << expected[i];
    }
  }
}

TEST(ExpKernels, ExpSumsVariantsEqualPortableBits) {
  if (fastVariants().empty())
    GTEST_SKIP() << "this CPU runs only the portable variant";
  std::mt19937 rng(11);
  std::normal_distribution<float> logit(0.0f, 4.0f);
  std::uniform_real_distribution<float> prob(0.0f, 1e-3f);
  for (int64_t n : {0, 1, 3, 15, 16, 17, 33, 1000, 128257}) {
    std::vector<float> x(n), p(n);
    for (int64_t i = 0; i < n; ++i) {
      x[i] = logit(rng);
      p[i] = prob(rng);
    }
    if (n > 2) {
      x[1] = -1000.0f; // below the clamp: adds +0
      x[2] = -std::numeric_limits<float>::infinity();
      p[2] = 0.0f;
    }
    double shift = n ? *std::max_element(x.begin(), x.end()) : 0.0;
    double expected[2];
    genericExpKernels().expSums(x.data(), p.data(), n, shift, expected);
    for (const ExpKernels *k : fastVariants()) {
      double got[2];
      k->expSums(x.data(), p.data(), n, shift, got);
      EXPECT_TRUE(sameBits(got[0], expected[0]))
          << k->name << " n=" << n << ": " << got[0] << " != " << expected[0];
      EXPECT_TRUE(sameBits(got[1], expected[1]))
          << k->name << " n=" << n << ": " << got[1] << " != " << expected[1];
    }
  }
}

// Debian 12's glibc (2.36) picks its FMA build of expf on CPUs with FMA and
// AVX2; ExpKernels.h's f32 exponential is that build's, bit for bit, so
// that SiLU and the softmax kept their bits when they were vectorized.
TEST(ExpKernels, F32IsGlibcExpfOnFmaMachines) {
  if (!__builtin_cpu_supports("fma") || !__builtin_cpu_supports("avx2"))
    GTEST_SKIP() << "glibc runs its non-FMA expf here";
  int64_t differ = 0, checked = 0;
  for (uint64_t u = 0; u <= 0xffffffffu; u += 997) {
    float x;
    uint32_t bits = static_cast<uint32_t>(u);
    std::memcpy(&x, &bits, sizeof(x));
    ++checked;
    differ += !sameBits(expF32(x), std::exp(x)) && !std::isnan(x);
  }
  EXPECT_EQ(differ, 0) << "of " << checked;
}

TEST(ExpKernels, ExponentialsAreAccurate) {
  // f32 against the f64 exponential rounded once, over the whole range.
  float worst = 0;
  for (float x = -87.0f; x <= 88.0f; x += 0.0137f) {
    double exact = std::exp(static_cast<double>(x));
    float got = expF32(x);
    float ulp = std::nextafter(static_cast<float>(exact), INFINITY) -
                static_cast<float>(exact);
    worst = std::max(worst, static_cast<float>(std::fabs(got - exact) / ulp));
  }
  EXPECT_LE(worst, 2.0f);
  double worstRelative = 0;
  for (double x = -708.0; x <= 709.0; x += 0.0731)
    worstRelative = std::max(
        worstRelative, std::fabs(expF64(x) - std::exp(x)) / std::exp(x));
  EXPECT_LE(worstRelative, 1e-15);
  // The edges.
  EXPECT_TRUE(std::isnan(expF32(NAN)));
  EXPECT_TRUE(std::isnan(expF64(NAN)));
  EXPECT_EQ(expF32(100.0f), std::numeric_limits<float>::infinity());
  EXPECT_EQ(expF64(800.0), std::numeric_limits<double>::infinity());
  EXPECT_EQ(expF32(-104.0f), 0.0f);
  EXPECT_EQ(expF64(-800.0), 0.0);
  EXPECT_EQ(expF32(0.0f), 1.0f);
  EXPECT_EQ(expF64(0.0), 1.0);
}

TEST(ExpKernels, SumsAreAccurate) {
  const ExpKernels &k = selectExpKernels();
  std::mt19937 rng(5);
  std::normal_distribution<float> logit(0.0f, 3.0f);
  int64_t n = 128256;
  std::vector<float> x(n), p(n);
  for (int64_t i = 0; i < n; ++i) {
    x[i] = logit(rng);
    p[i] = 1.0f / n;
  }
  double shift = *std::max_element(x.begin(), x.end());
  long double exps = 0, products = 0;
  for (int64_t i = 0; i < n; ++i) {
    exps += std::exp(static_cast<long double>(x[i]) - shift);
    products += static_cast<long double>(p[i]) * x[i];
  }
  double got[2];
  k.expSums(x.data(), p.data(), n, shift, got);
  EXPECT_NEAR(got[0], static_cast<double>(exps), 1e-14 * std::fabs(exps));
  EXPECT_NEAR(got[1], static_cast<double>(products), 1e-14);
  // SiLU as its formula with libm's exponential.
  std::vector<float> gate = gates(4096, 9), up(4096, 1.5f), silu = gate;
  k.siluMul(silu.data(), up.data(), 4096);
  for (int64_t i = 15; i < 4096; ++i) {
    float g = gate[i];
    float expected = g / (1.0f + std::exp(-g)) * 1.5f;
    EXPECT_NEAR(silu[i], expected, 1e-6f * std::fabs(expected) + 1e-30f)
        << "g=" << g;
  }
}
