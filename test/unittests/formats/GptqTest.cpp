//===- GptqTest.cpp - GPTQ against round-to-nearest -----------------------===//
//
// On a small random layer with correlated inputs, for every format GPTQ
// produces: its output error ||W X - Q X|| is below round-to-nearest's (the
// exporters' rule, with the same importance); its bytes dequantize exactly
// to the values the sweep used (and coordinate descent after it, which
// lowers the error again for ggml formats); the result is the same at 1
// and 2 threads and for any lazy-batch width. q4_1/q5_1 blocks: GptqBlocks reads and
// writes ggml's layout (the reference quantizer's bytes round-trip).
//
//===----------------------------------------------------------------------===//

#include "formats/quant/Gptq.h"

#include "formats/Formats.h"
#include "formats/quant/GptqBlocks.h"
#include "formats/GroupFormats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <thread>

using namespace llmq;
using namespace llmq::gptq;

namespace {
/// Two threads, each over half of [0, n): what ThreadPool does.
void twoThreads(int64_t n, const std::function<void(int64_t, int64_t)> &fn) {
  int64_t half = n / 2;
  std::thread t([&] {
    if (half > 0)
      fn(0, half);
  });
  if (n > half)
    fn(half, n);
  t.join();
}

struct Layer {
  int64_t rows = 48, cols = 512, samples = 1024;
  std::vector<float> w, x; ///< rows x cols, samples x cols
};

/// Inputs with correlated channels and uneven magnitudes (as activations
/// have), weights with a few outliers.
Layer makeLayer(unsigned seed) {
  Layer l;
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  l.w.resize(l.rows * l.cols);
  for (float &v : l.w)
    v = 0.02f * normal(rng) * (normal(rng) > 2.5f ? 6.0f : 1.0f);
  int64_t latent = 64;
  std::vector<float> mix(latent * l.cols), gain(l.cols);
  for (float &v : mix)
    v = normal(rng);
  for (float &g : gain)
    g = std::exp(0.8f * normal(rng));
  l.x.assign(l.samples * l.cols, 0.0f);
  std::vector<float> z(latent);
  for (int64_t t = 0; t < l.samples; ++t) {
    for (float &v : z)
      v = normal(rng);
    for (int64_t c = 0; c < l.cols; ++c) {
      float s = 0.3f * normal(rng);
      for (int64_t k = 0; k < latent; ++k)
        s += z[k] * mix[k * l.cols + c] / 8.0f;
      l.x[t * l.cols + c] = gain[c] * s;
    }
  }
  return l;
}

/// ||(W - Q) X^T||^2 over the samples.
double outputError(const Layer &l, const std::vector<float> &q) {
  double total = 0;
  for (int64_t r = 0; r < l.rows; ++r)
    for (int64_t t = 0; t < l.samples; ++t) {
      double s = 0;
      for (int64_t c = 0; c < l.cols; ++c)
        s += double(l.w[r * l.cols + c] - q[r * l.cols + c]) *
             l.x[t * l.cols + c];
      total += s * s;
    }
  return total;
}

/// The values the bytes of `q` decode to, through the format's own reader.
std::vector<float> decode(const TensorFormat &format, const Quantized &q,
                          int64_t rows, int64_t cols) {
  std::vector<float> out(rows * cols);
  if (format.isGgml()) {
    const FormatTraits &t = getFormatTraits(format.ggml);
    size_t rb = rowBytes(format.ggml, cols);
    for (int64_t r = 0; r < rows; ++r)
      t.dequantizeRow(q.bytes.data() + r * rb, out.data() + r * cols, cols);
  } else {
    dequantizeGrouped(format, q.grouped, rows, cols, out.data());
  }
  return out;
}

class GptqFormatTest : public ::testing::TestWithParam<const char *> {};
} // namespace

TEST_P(GptqFormatTest, BeatsRoundToNearestWithExactBytes) {
  std::optional<TensorFormat> format = TensorFormat::parse(GetParam());
  ASSERT_TRUE(format);
  ASSERT_EQ(unsupportedReason(*format), "");
  Layer l = makeLayer(11);
  HessianAccumulator h(l.cols);
  h.add(l.x.data(), l.samples, serialFor);
  HessianAccumulator h2(l.cols);
  h2.add(l.x.data(), l.samples / 2, twoThreads);
  h2.add(l.x.data() + l.samples / 2 * l.cols, l.samples - l.samples / 2,
         twoThreads);
  std::vector<double> hm = h.matrix();
  std::vector<float> importance = h.meanSquares();

  double plainError = 0, searchedError = 0;
  for (int variant = 0; variant < 5; ++variant) {
    bool actOrder = variant == 2;
    Options options;
    options.actOrder = actOrder;
    options.refinements = variant == 1 ? 1 : 0;
    options.scaleSearch = variant >= 3 ? 4 : 0;
    options.refine = variant == 4 ? 4 : 0;
    auto factor = factorHessian(hm, l.cols, options, serialFor);
    ASSERT_TRUE(bool(factor)) << llvm::toString(factor.takeError());
    Quantized q = quantize(*format, *factor, l.w.data(), l.rows,
                           importance.data(), options, serialFor);

    // The bytes are what the sweep used.
    std::vector<float> decoded = decode(*format, q, l.rows, l.cols);
    ASSERT_EQ(std::memcmp(decoded.data(), q.values.data(), decoded.size() * 4),
              0)
        << GetParam() << (actOrder ? " act-order" : "");

    std::vector<float> rtn = roundToNearest(*format, l.w.data(), l.rows,
                                            l.cols, importance.data());
    double gptqError = outputError(l, q.values);
    double rtnError = outputError(l, rtn);
    const char *names[] = {"in order", "refined", "act-order", "searched",
                           "descent"};
    std::printf("%-14s %-10s output error GPTQ/RTN = %.3f\n", GetParam(),
                names[variant], gptqError / rtnError);
    EXPECT_LT(gptqError, rtnError) << GetParam();
    if (variant == 0)
      plainError = gptqError;
    // Sweep-aware scales (ggml formats): below ggml's scales in the sweep.
    if (variant == 3 && format->isGgml())
      EXPECT_LT(gptqError, plainError) << GetParam() << " scale-search";
    if (variant == 3)
      searchedError = gptqError;
    // Coordinate descent after the sweep (ggml formats) lowers it further;
    // int formats keep the sweep's result bit for bit.
    if (variant == 4 && format->isGgml())
      EXPECT_LT(gptqError, searchedError) << GetParam() << " refine";
    if (variant == 4 && !format->isGgml())
      EXPECT_EQ(gptqError, searchedError) << GetParam() << " refine";

    // Two threads (Hessian and sweep), another batch width: same bytes.
    Options other = options;
    other.block = 32;
    auto factor2 = factorHessian(h2.matrix(), l.cols, other, twoThreads);
    ASSERT_TRUE(bool(factor2));
    Quantized q2 = quantize(*format, *factor2, l.w.data(), l.rows,
                            h2.meanSquares().data(), other, twoThreads);
    EXPECT_EQ(q2.values, q.values) << GetParam();
    EXPECT_EQ(q2.bytes, q.bytes) << GetParam();
    EXPECT_EQ(q2.grouped.codes, q.grouped.codes) << GetParam();
    EXPECT_EQ(q2.grouped.scales, q.grouped.scales) << GetParam();
    EXPECT_EQ(q2.grouped.zeros, q.grouped.zeros) << GetParam();
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, GptqFormatTest,
                         ::testing::Values("int4_g128", "int4_g32_asym",
                                           "int8", "int8_g32", "q4_0", "q5_0",
                                           "q5_1", "q8_0", "q2_K", "q3_K", "q4_K",
                                           "q5_K", "q6_K"),
                         [](const auto &info) {
                           return std::string(info.param);
                         });

TEST(GptqTest, InputErrorCorrectionSolvesTheAsymmetricLeastSquares) {
  // W' = W + W M H~^-1 satisfies the normal equations of
  // min ||W X - W' X~||^2: W' H~ = W X X~^T (no damping), in sweep order
  // or with act-order.
  int64_t n = 6, rows = 3, samples = 64;
  std::mt19937 rng(5);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<double> x(samples * n), xq(samples * n);
  for (int64_t t = 0; t < samples; ++t)
    for (int64_t c = 0; c < n; ++c) {
      x[t * n + c] = normal(rng) * (1.0 + c);
      xq[t * n + c] = x[t * n + c] + 0.3 * normal(rng);
    }
  std::vector<double> h(n * n, 0.0), m(n * n, 0.0), target(n * n, 0.0);
  for (int64_t t = 0; t < samples; ++t)
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j) {
        h[i * n + j] += xq[t * n + i] * xq[t * n + j];
        m[i * n + j] += (x[t * n + i] - xq[t * n + i]) * xq[t * n + j];
        target[i * n + j] += x[t * n + i] * xq[t * n + j];
      }
  std::vector<float> w(rows * n);
  for (float &v : w)
    v = float(normal(rng));
  for (bool actOrder : {false, true}) {
    Options options;
    options.damp = 0;
    options.actOrder = actOrder;
    auto f = factorHessian(h, n, options, serialFor);
    ASSERT_TRUE(bool(f));
    std::vector<float> corrected = w;
    correctForInputError(corrected.data(), rows, m, *f, twoThreads);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = 0; j < n; ++j) {
        double lhs = 0, rhs = 0;
        for (int64_t k = 0; k < n; ++k) {
          lhs += double(corrected[r * n + k]) * h[k * n + j];
          rhs += double(w[r * n + k]) * target[k * n + j];
        }
        EXPECT_NEAR(lhs, rhs, 1e-3 * std::max(1.0, std::fabs(rhs)))
            << r << "," << j << (actOrder ? " act-order" : "");
      }
  }
}

TEST(GptqTest, FactorIsTheInverseHessianCholesky) {
  // U^T U = (H + damp)^-1 on a small matrix, and dead columns are kept.
  int64_t n = 5;
  std::vector<double> h = {4, 1, 0, 0.5, 0,  1, 3,   0.2, 0, 0, 0, 0.2, 2,
                           0, 0, 0.5, 0, 0, 1, 0, 0,   0,   0, 0, 0};
  Options options;
  options.damp = 0;
  auto f = factorHessian(h, n, options, serialFor);
  ASSERT_TRUE(bool(f)) << llvm::toString(f.takeError());
  EXPECT_EQ(f->dead, (std::vector<uint8_t>{0, 0, 0, 0, 1}));
  h[24] = 1; // what a dead column becomes
  // (U^T U) H = I.
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double s = 0;
      for (int64_t k = 0; k < n; ++k) {
        double inv = 0;
        for (int64_t m = 0; m <= std::min(i, k); ++m)
          inv += double(f->upper[m * n + i]) * f->upper[m * n + k];
        s += inv * h[k * n + j];
      }
      EXPECT_NEAR(s, i == j ? 1.0 : 0.0, 1e-6) << i << "," << j;
    }
  // Not positive definite even damped: an error.
  std::vector<double> bad = {1, 2, 2, 1};
  options.damp = 0.0;
  auto refused = factorHessian(bad, 2, options, serialFor);
  ASSERT_FALSE(bool(refused));
  EXPECT_NE(llvm::toString(refused.takeError()).find("not positive definite"),
            std::string::npos);
}

// q4_1 and q5_1 (GptqBlocks.h): the blocks ggml's quantizer writes decode to
// the levels and grid whose values are the dequantizer's bit for bit, the
// levels re-encode to the same bytes, and a search of radius 0 keeps them.
TEST(GptqTest, MinBlocksReadAndWriteGgmlLayout) {
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const int64_t n = 32 * 64;
  std::vector<float> x(n), importance(n);
  for (int64_t i = 0; i < n; ++i) {
    // Blocks of both signs, offsets and a few outliers (fifth bits set).
    x[i] = 0.05f * normal(rng) + 0.02f * float(i / 32 % 5 - 2) +
           (normal(rng) > 2.8f ? 0.3f : 0.0f);
    importance[i] = std::exp(normal(rng));
  }
  for (Format f : {Format::Q4_1, Format::Q5_1}) {
    ASSERT_TRUE(isMinBlock(f));
    const FormatTraits &t = getFormatTraits(f);
    for (const float *imp : {(const float *)nullptr,
                             (const float *)importance.data()}) {
      std::vector<uint8_t> bytes(rowBytes(f, n));
      t.quantizeRow(x.data(), bytes.data(), n, imp);
      std::vector<float> expected(n);
      t.dequantizeRow(bytes.data(), expected.data(), n);
      bool fifth = false;
      for (int64_t b = 0; b < n / 32; ++b) {
        uint8_t *p = bytes.data() + b * t.blockBytes;
        float a[32], m[32];
        int q[32];
        decodeMinBlock(f, p, a, m, q);
        for (int j = 0; j < 32; ++j) {
          ASSERT_GE(q[j], 0);
          ASSERT_LE(q[j], f == Format::Q4_1 ? 15 : 31);
          fifth |= q[j] > 15;
          float v = a[j] * float(q[j]);
          v = v - m[j];
          ASSERT_EQ(std::memcmp(&v, &expected[b * 32 + j], 4), 0)
              << t.name.str() << " block " << b << " value " << j;
        }
        // The levels written back over cleared level bytes: the same block.
        std::vector<uint8_t> copy(p, p + t.blockBytes);
        std::memset(copy.data() + 4, 0, t.blockBytes - 4);
        encodeMinBlock(f, q, copy.data());
        ASSERT_EQ(std::memcmp(copy.data(), p, t.blockBytes), 0)
            << t.name.str() << " block " << b;
        // Radius 0: the stored scale and min stay.
        std::vector<float> u(32 * 32, 0.0f);
        for (int j = 0; j < 32; ++j)
          u[j * 32 + j] = 1.0f;
        float sa[32], sm[32];
        searchScale(f, copy.data(), 0,
                    {x.data() + b * 32, u.data(), 32, 0,
                     f == Format::Q4_1 ? 15 : 31, true},
                    0, sa, sm);
        ASSERT_EQ(std::memcmp(copy.data(), p, t.blockBytes), 0);
        ASSERT_EQ(std::memcmp(sa, a, sizeof a), 0);
        ASSERT_EQ(std::memcmp(sm, m, sizeof m), 0);
      }
      EXPECT_EQ(fifth, f == Format::Q5_1) << t.name.str();
    }
  }
}
