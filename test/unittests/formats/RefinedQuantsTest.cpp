//===- RefinedQuantsTest.cpp - The refined scale search -------------------===//
//
// quantizeRowRefined never does worse than ggml's quantizer, block by
// block, by the importance-weighted squared error (decoded by the format's
// own dequantizer), does strictly better over a row of random values,
// writes ggml's bytes where it finds nothing better (a zero row), and
// depends on nothing but its input.
//
//===----------------------------------------------------------------------===//

#include "formats/quant/RefinedQuants.h"
#include "formats/Formats.h"

#include "gtest/gtest.h"

#include <cstring>
#include <random>
#include <vector>

using namespace llmq;

namespace {

constexpr int64_t kCols = 256;

double blockError(const float *x, const float *y, const float *imp,
                  int64_t b) {
  double e = 0;
  for (int64_t j = b * 32; j < (b + 1) * 32; ++j) {
    double d = static_cast<double>(x[j]) - y[j];
    e += (imp ? imp[j] : 1.0) * d * d;
  }
  return e;
}

void checkFormat(Format f, bool withImportance) {
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 0.02f);
  std::uniform_real_distribution<float> uniform(0.01f, 4.0f);
  std::vector<float> x(kCols), imp(kCols);
  for (int64_t j = 0; j < kCols; ++j) {
    x[j] = normal(rng);
    imp[j] = uniform(rng);
  }
  x[5] = 0.2f; // an outlier
  const float *w = withImportance ? imp.data() : nullptr;
  const FormatTraits &t = getFormatTraits(f);
  std::vector<uint8_t> ggml(rowBytes(f, kCols)), refined(ggml.size()),
      again(ggml.size());
  t.quantizeRow(x.data(), ggml.data(), kCols, w);
  quant::quantizeRowRefined(f, x.data(), refined.data(), kCols, w);
  quant::quantizeRowRefined(f, x.data(), again.data(), kCols, w);
  EXPECT_EQ(refined, again) << t.name.str();
  std::vector<float> yg(kCols), yr(kCols);
  t.dequantizeRow(ggml.data(), yg.data(), kCols);
  t.dequantizeRow(refined.data(), yr.data(), kCols);
  double totalG = 0, totalR = 0;
  for (int64_t b = 0; b < kCols / 32; ++b) {
    double eg = blockError(x.data(), yg.data(), w, b);
    double er = blockError(x.data(), yr.data(), w, b);
    EXPECT_LE(er, eg) << t.name.str() << " block " << b;
    totalG += eg;
    totalR += er;
  }
  EXPECT_LT(totalR, totalG) << t.name.str();
}

TEST(RefinedQuants, NeverWorseAndBetterOverARow) {
  for (Format f : {Format::Q4_0, Format::Q4_1, Format::Q5_0, Format::Q5_1,
                   Format::Q8_0}) {
    ASSERT_TRUE(quant::hasRefinedSearch(f));
    checkFormat(f, /*withImportance=*/true);
    checkFormat(f, /*withImportance=*/false);
  }
  EXPECT_FALSE(quant::hasRefinedSearch(Format::Q4_K));
}

TEST(RefinedQuants, ZeroRowKeepsGgmlBytes) {
  std::vector<float> x(kCols, 0.0f);
  for (Format f : {Format::Q4_0, Format::Q5_1, Format::Q8_0}) {
    std::vector<uint8_t> ggml(rowBytes(f, kCols)), refined(ggml.size());
    getFormatTraits(f).quantizeRow(x.data(), ggml.data(), kCols, nullptr);
    quant::quantizeRowRefined(f, x.data(), refined.data(), kCols, nullptr);
    EXPECT_EQ(ggml, refined);
  }
}

} // namespace
