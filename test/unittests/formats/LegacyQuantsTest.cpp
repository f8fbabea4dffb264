//===- LegacyQuantsTest.cpp - Q4/Q5 and IQ4 kernels against ggml ----------===//
//
// Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL and IQ4_XS checked byte for byte against what
// ggml wrote for the golden inputs (../shared/golden/ggml, see its README),
// with and without the importance vector, plus sanity checks of the error on
// random data and of corner cases the golden inputs do not cover.
//
// The kernels are called directly rather than through the format registry,
// so these tests do not depend on how the registry lists them.
//
//===----------------------------------------------------------------------===//

#include "formats/quant/LegacyQuants.h"
#include "formats/Float.h"
#include "formats/Formats.h"
#include "formats/quant/IQ4.h"

#include "GoldenData.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

using namespace llmq;
using namespace llmq::test;

namespace {

//===----------------------------------------------------------------------===//
// The kernels under test
//===----------------------------------------------------------------------===//

struct Kernel {
  const char *name; ///< ggml's type name, as in the golden file names
  int64_t blockElems;
  size_t blockBytes;
  QuantizeRowFn quantize;
  DequantizeRowFn dequantize;
};

// The registry stores these as QuantizeRowFn / DequantizeRowFn; make sure
// they convert without a cast.
static_assert(std::is_same_v<decltype(&quant::quantizeRowQ4_0), QuantizeRowFn>);
static_assert(
    std::is_same_v<decltype(&quant::dequantizeRowQ4_0), DequantizeRowFn>);
static_assert(
    std::is_same_v<decltype(&quant::quantizeRowIQ4_XS), QuantizeRowFn>);
static_assert(
    std::is_same_v<decltype(&quant::dequantizeRowIQ4_XS), DequantizeRowFn>);

constexpr Kernel Kernels[] = {
    {"q4_0", 32, sizeof(quant::BlockQ4_0), quant::quantizeRowQ4_0,
     quant::dequantizeRowQ4_0},
    {"q4_1", 32, sizeof(quant::BlockQ4_1), quant::quantizeRowQ4_1,
     quant::dequantizeRowQ4_1},
    {"q5_0", 32, sizeof(quant::BlockQ5_0), quant::quantizeRowQ5_0,
     quant::dequantizeRowQ5_0},
    {"q5_1", 32, sizeof(quant::BlockQ5_1), quant::quantizeRowQ5_1,
     quant::dequantizeRowQ5_1},
    {"iq4_nl", 32, sizeof(quant::BlockIQ4_NL), quant::quantizeRowIQ4_NL,
     quant::dequantizeRowIQ4_NL},
    {"iq4_xs", 256, sizeof(quant::BlockIQ4_XS), quant::quantizeRowIQ4_XS,
     quant::dequantizeRowIQ4_XS},
};

size_t kernelRowBytes(const Kernel &k, int64_t n) {
  return static_cast<size_t>(n / k.blockElems) * k.blockBytes;
}

/// Quantizes then dequantizes `x` row by row.
std::vector<float> roundTrip(const Kernel &k, const std::vector<float> &x,
                             int64_t cols, const float *importance) {
  const int64_t rows = static_cast<int64_t>(x.size()) / cols;
  const size_t rowSize = kernelRowBytes(k, cols);
  std::vector<unsigned char> bytes(rowSize * rows);
  std::vector<float> y(x.size());
  for (int64_t r = 0; r < rows; ++r) {
    k.quantize(x.data() + r * cols, bytes.data() + r * rowSize, cols,
               importance);
    k.dequantize(bytes.data() + r * rowSize, y.data() + r * cols, cols);
  }
  return y;
}

/// sqrt(sum w (x - y)^2 / sum w x^2), the golden README's error measure,
/// with w repeating every `cols` elements (w = 1 when null).
double relativeError(const std::vector<float> &x, const std::vector<float> &y,
                     int64_t cols, const float *w) {
  double err = 0.0, norm = 0.0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double wi = w ? w[i % cols] : 1.0;
    err += wi * (double(x[i]) - y[i]) * (double(x[i]) - y[i]);
    norm += wi * double(x[i]) * x[i];
  }
  return std::sqrt(err / norm);
}

/// Counts the blocks of a row set that differ, to tell one unlucky tie from
/// a systematically wrong quantizer in failure messages.
int64_t countBadBlocks(const std::vector<unsigned char> &a,
                       const std::vector<unsigned char> &b, size_t blockBytes) {
  int64_t bad = 0;
  for (size_t i = 0; i + blockBytes <= a.size() && i + blockBytes <= b.size();
       i += blockBytes)
    bad += std::memcmp(a.data() + i, b.data() + i, blockBytes) != 0;
  return bad;
}

struct GoldenCase {
  GoldenInput input;
  const Kernel *kernel;
  bool withImatrix;
};

/// Names the case in failure messages instead of dumping its bytes.
void PrintTo(const GoldenCase &c, std::ostream *os) {
  *os << c.input.name << " as " << c.kernel->name
      << (c.withImatrix ? " with imatrix" : "");
}

std::string caseName(const testing::TestParamInfo<GoldenCase> &info) {
  return std::string(info.param.input.name) + "_" + info.param.kernel->name +
         (info.param.withImatrix ? "_imatrix" : "");
}

std::vector<GoldenCase> allGoldenCases() {
  std::vector<GoldenCase> cases;
  for (const GoldenInput &input : GoldenInputs)
    for (const Kernel &kernel : Kernels)
      for (bool withImatrix : {false, true})
        cases.push_back({input, &kernel, withImatrix});
  return cases;
}

class LegacyGoldenTest : public GoldenDataTest<GoldenCase> {};

TEST_P(LegacyGoldenTest, QuantizeAndDequantizeMatchGgml) {
  const GoldenCase &c = GetParam();
  const Kernel &k = *c.kernel;
  const std::string stem = goldenStem(c.input, k.name, c.withImatrix);

  const std::vector<float> src = asFloats(load(inputFile(c.input)));
  const std::vector<float> imatrix = asFloats(load(imatrixFile(c.input.cols)));
  const std::vector<unsigned char> goldenBytes = load(stem + ".bin");
  const std::vector<float> goldenFloats = asFloats(load(stem + ".dequant.f32"));
  if (HasFailure())
    return;

  const int64_t n = c.input.rows * c.input.cols;
  const size_t rowSize = kernelRowBytes(k, c.input.cols);
  ASSERT_EQ(src.size(), static_cast<size_t>(n));
  ASSERT_EQ(imatrix.size(), static_cast<size_t>(c.input.cols));
  ASSERT_EQ(goldenBytes.size(), rowSize * c.input.rows);
  ASSERT_EQ(goldenFloats.size(), static_cast<size_t>(n));

  // Quantize row by row, as ggml_quantize_chunk does.
  std::vector<unsigned char> bytes(goldenBytes.size());
  for (int64_t r = 0; r < c.input.rows; ++r)
    k.quantize(src.data() + r * c.input.cols, bytes.data() + r * rowSize,
               c.input.cols, c.withImatrix ? imatrix.data() : nullptr);
  const int64_t badByte =
      firstMismatch(bytes.data(), goldenBytes.data(), bytes.size());
  EXPECT_EQ(badByte, -1) << stem << ".bin differs first at byte " << badByte
                         << " (row " << badByte / int64_t(rowSize) << "), in "
                         << countBadBlocks(bytes, goldenBytes, k.blockBytes)
                         << " of " << bytes.size() / k.blockBytes << " blocks";

  // Dequantize ggml's own bytes, so this checks the dequantizer even when
  // the quantizer is off.
  std::vector<float> floats(n);
  for (int64_t r = 0; r < c.input.rows; ++r)
    k.dequantize(goldenBytes.data() + r * rowSize,
                 floats.data() + r * c.input.cols, c.input.cols);
  const int64_t badFloat = firstFloatMismatch(floats, goldenFloats);
  if (badFloat >= 0)
    ADD_FAILURE() << stem << ".dequant.f32 differs first at element "
                  << badFloat << ": got " << floats[badFloat] << ", ggml "
                  << goldenFloats[badFloat];
}

INSTANTIATE_TEST_SUITE_P(Ggml, LegacyGoldenTest,
                         testing::ValuesIn(allGoldenCases()), caseName);

//===----------------------------------------------------------------------===//
// Error on random data
//===----------------------------------------------------------------------===//

class LegacyKernelTest : public testing::TestWithParam<const Kernel *> {};

std::string kernelName(const testing::TestParamInfo<const Kernel *> &info) {
  return info.param->name;
}

/// Gaussian rows of 1024 (a multiple of every block size) and a positive
/// importance vector that varies by two orders of magnitude across columns.
struct RandomData {
  static constexpr int64_t rows = 16, cols = 1024;
  std::vector<float> x, importance;
  RandomData() {
    std::mt19937 rng(12345);
    std::normal_distribution<float> normal(0.0f, 0.02f);
    std::uniform_real_distribution<float> logUniform(-2.3f, 2.3f);
    for (int64_t i = 0; i < rows * cols; ++i)
      x.push_back(normal(rng));
    for (int64_t j = 0; j < cols; ++j)
      importance.push_back(std::exp(logUniform(rng)));
  }
};

TEST_P(LegacyKernelTest, RandomDataErrorIsSane) {
  const Kernel &k = *GetParam();
  const RandomData data;
  const std::vector<float> plain =
      roundTrip(k, data.x, data.cols, /*importance=*/nullptr);
  const std::vector<float> weighted =
      roundTrip(k, data.x, data.cols, data.importance.data());

  // Uniform 4-bit quantization of a Gaussian block of 32 has a relative RMS
  // error near 0.1, 5-bit near half that; IQ4's non-linear levels sit in
  // between. The bounds leave a margin but catch a wrong scale or packing.
  const bool fiveBit = k.name[1] == '5';
  const double bound = fiveBit ? 0.06 : 0.12;
  const double plainErr = relativeError(data.x, plain, data.cols, nullptr);
  const double weightedErr =
      relativeError(data.x, weighted, data.cols, data.importance.data());
  EXPECT_LT(plainErr, bound) << k.name;
  EXPECT_GT(plainErr, 0.0) << k.name << " cannot be lossless";
  EXPECT_LT(relativeError(data.x, weighted, data.cols, nullptr), bound)
      << k.name;
  // Optimizing for the importance-weighted error must not do worse on it
  // than ignoring the importance.
  EXPECT_LE(weightedErr,
            relativeError(data.x, plain, data.cols, data.importance.data()))
      << k.name;
}

TEST_P(LegacyKernelTest, ZeroRowsStayZero) {
  const Kernel &k = *GetParam();
  const int64_t n = 512;
  const std::vector<float> zeros(n, 0.0f);
  const std::vector<float> ones(n, 1.0f);
  for (const float *importance :
       {static_cast<const float *>(nullptr), ones.data()}) {
    const std::vector<float> y = roundTrip(k, zeros, n, importance);
    for (int64_t i = 0; i < n; ++i)
      ASSERT_EQ(std::fabs(y[i]), 0.0f)
          << k.name << (importance ? " with importance" : "") << " at " << i;
  }
}

TEST_P(LegacyKernelTest, ConstantBlocksAreExactWithinFp16) {
  // Every format has a level that a constant block maps onto exactly (the
  // extreme level, or the offset itself for Q4_1 / Q5_1), so only the fp16
  // rounding of the scale may remain: a relative error of at most 2^-11.
  const Kernel &k = *GetParam();
  const int64_t n = 2 * k.blockElems;
  std::vector<float> x(n);
  for (int64_t i = 0; i < n; ++i)
    x[i] = i < k.blockElems ? -0.75f : 0.3f;
  const std::vector<float> ones(n, 1.0f);
  for (const float *importance :
       {static_cast<const float *>(nullptr), ones.data()}) {
    const std::vector<float> y = roundTrip(k, x, n, importance);
    for (int64_t i = 0; i < n; ++i)
      EXPECT_NEAR(y[i], x[i], std::fabs(x[i]) * 0x1p-11f)
          << k.name << (importance ? " with importance" : "") << " at " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(AllKernels, LegacyKernelTest, testing::ValuesIn([] {
                           std::vector<const Kernel *> all;
                           for (const Kernel &k : Kernels)
                             all.push_back(&k);
                           return all;
                         }()),
                         kernelName);

//===----------------------------------------------------------------------===//
// Format details
//===----------------------------------------------------------------------===//

TEST(LegacyQuants, Q4_0ReferenceUsesSignedExtreme) {
  // The weight of largest magnitude maps to level 0 (value -8 * d), so d
  // takes the opposite sign of that weight.
  float x[32] = {};
  x[0] = 1.0f;
  x[5] = -2.0f;
  x[20] = 2.0f; // same magnitude later: the first one wins
  quant::BlockQ4_0 block;
  quant::quantizeRowQ4_0(x, &block, 32, nullptr);
  EXPECT_EQ(block.d, fp32ToFp16(0.25f));
  EXPECT_EQ(block.qs[5] & 0x0f, 0);  // -2 / 0.25 + 8 = 0
  EXPECT_EQ(block.qs[4] >> 4, 15);   // x[20] = +2 -> 16, clamped to 15
  EXPECT_EQ(block.qs[0] & 0x0f, 12); // 1 / 0.25 + 8 = 12
  EXPECT_EQ(block.qs[1] & 0x0f, 8);  // zeros sit on the middle level
}

TEST(LegacyQuants, Q5_1StoresFifthBits) {
  float x[32];
  for (int i = 0; i < 32; ++i)
    x[i] = static_cast<float>(i); // min 0, d = 1: q = i
  quant::BlockQ5_1 block;
  quant::quantizeRowQ5_1(x, &block, 32, nullptr);
  EXPECT_EQ(block.d, fp32ToFp16(1.0f));
  EXPECT_EQ(block.m, fp32ToFp16(0.0f));
  // q >= 16 exactly for weights 16..31, i.e. the top half of the mask.
  const uint8_t qh[4] = {0x00, 0x00, 0xff, 0xff};
  EXPECT_EQ(std::memcmp(block.qh, qh, 4), 0);
  for (int j = 0; j < 16; ++j)
    EXPECT_EQ(block.qs[j], (j & 0x0f) | (((j + 16) & 0x0f) << 4)) << j;
  float y[32];
  quant::dequantizeRowQ5_1(&block, y, 32);
  for (int i = 0; i < 32; ++i)
    EXPECT_EQ(y[i], x[i]);
}

TEST(LegacyQuants, IQ4XSZeroSuperBlockHasNegativeZeroScale) {
  // ggml derives d = -max_scale / 32 with max_scale = +0, and keeps the sign.
  const float x[256] = {};
  quant::BlockIQ4_XS block;
  quant::quantizeRowIQ4_XS(x, &block, 256, nullptr);
  EXPECT_EQ(block.d, 0x8000u);
  // Every sub-block scale is 0 (biased 32) and every index is 8, the level
  // nearest zero.
  EXPECT_EQ(block.scalesH, 0xaaaau);
  for (uint8_t s : block.scalesL)
    EXPECT_EQ(s, 0u);
  for (uint8_t q : block.qs)
    EXPECT_EQ(q, 0x88u);
}

} // namespace
