//===- FormatsTest.cpp - Formats against ggml's golden outputs ------------===//
//
// The registry, the 16-bit float conversions, and every row quantizer checked
// byte for byte against what ggml wrote for the same inputs
// (../shared/golden/ggml, see its README). Exact equality is the point: a
// quantizer that is merely close still makes files llama.cpp would not.
//
//===----------------------------------------------------------------------===//

#include "formats/Float.h"
#include "formats/Formats.h"

#include "GoldenData.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <vector>

using namespace llmq;
using namespace llmq::test;

namespace {

struct GoldenCase {
  GoldenInput input;
  Format format;
  bool withImatrix;
};

/// Names the case in failure messages instead of dumping its bytes.
void PrintTo(const GoldenCase &c, std::ostream *os) {
  *os << c.input.name << " as " << getFormatTraits(c.format).name.str()
      << (c.withImatrix ? " with imatrix" : "");
}

std::string caseName(const testing::TestParamInfo<GoldenCase> &info) {
  return std::string(info.param.input.name) + "_" +
         getFormatTraits(info.param.format).name.str() +
         (info.param.withImatrix ? "_imatrix" : "");
}

std::vector<GoldenCase> allGoldenCases() {
  std::vector<GoldenCase> cases;
  for (const GoldenInput &input : GoldenInputs)
    for (Format format : {Format::F16, Format::BF16, Format::Q8_0})
      for (bool withImatrix : {false, true})
        cases.push_back({input, format, withImatrix});
  return cases;
}

class GoldenTest : public GoldenDataTest<GoldenCase> {};

TEST_P(GoldenTest, QuantizeAndDequantizeMatchGgml) {
  const GoldenCase &c = GetParam();
  const FormatTraits &traits = getFormatTraits(c.format);
  const std::string stem =
      goldenStem(c.input, traits.name.str(), c.withImatrix);

  const std::vector<float> src = asFloats(load(inputFile(c.input)));
  const std::vector<float> imatrix = asFloats(load(imatrixFile(c.input.cols)));
  const std::vector<unsigned char> goldenBytes = load(stem + ".bin");
  const std::vector<float> goldenFloats = asFloats(load(stem + ".dequant.f32"));
  if (HasFailure())
    return;

  const int64_t n = c.input.rows * c.input.cols;
  const size_t rowSize = rowBytes(c.format, c.input.cols);
  ASSERT_EQ(src.size(), static_cast<size_t>(n));
  ASSERT_EQ(imatrix.size(), static_cast<size_t>(c.input.cols));
  ASSERT_EQ(goldenBytes.size(), rowSize * c.input.rows);
  ASSERT_EQ(goldenFloats.size(), static_cast<size_t>(n));

  // Quantize row by row, as ggml_quantize_chunk does.
  std::vector<unsigned char> bytes(goldenBytes.size());
  for (int64_t r = 0; r < c.input.rows; ++r)
    traits.quantizeRow(src.data() + r * c.input.cols,
                       bytes.data() + r * rowSize, c.input.cols,
                       c.withImatrix ? imatrix.data() : nullptr);
  const int64_t badByte =
      firstMismatch(bytes.data(), goldenBytes.data(), bytes.size());
  EXPECT_EQ(badByte, -1) << stem << ".bin differs first at byte " << badByte
                         << " (row " << badByte / int64_t(rowSize) << ")";

  // Dequantize ggml's own bytes, so this checks the dequantizer even when
  // the quantizer is off.
  std::vector<float> floats(n);
  for (int64_t r = 0; r < c.input.rows; ++r)
    traits.dequantizeRow(goldenBytes.data() + r * rowSize,
                         floats.data() + r * c.input.cols, c.input.cols);
  const int64_t badFloat = firstFloatMismatch(floats, goldenFloats);
  EXPECT_EQ(badFloat, -1) << stem << ".dequant.f32 differs first at element "
                          << badFloat << ": got " << floats[badFloat]
                          << ", ggml " << goldenFloats[badFloat];
}

INSTANTIATE_TEST_SUITE_P(Ggml, GoldenTest,
                         testing::ValuesIn(allGoldenCases()), caseName);

/// F32 has no golden files: its "quantization" must be the identity.
TEST(FloatFormats, F32RowsAreCopies) {
  const FormatTraits &traits = getFormatTraits(Format::F32);
  const float src[] = {0.0f, -0.0f, 1.0f, -2.5f, 1e-40f,
                       std::numeric_limits<float>::infinity(),
                       std::numeric_limits<float>::quiet_NaN(), 65504.0f};
  constexpr int64_t n = sizeof(src) / sizeof(src[0]);
  unsigned char bytes[sizeof(src)];
  traits.quantizeRow(src, bytes, n, nullptr);
  EXPECT_EQ(std::memcmp(bytes, src, sizeof(src)), 0);
  float back[n];
  traits.dequantizeRow(bytes, back, n);
  EXPECT_EQ(std::memcmp(back, src, sizeof(src)), 0);
}

//===----------------------------------------------------------------------===//
// Registry
//===----------------------------------------------------------------------===//

TEST(FormatRegistry, EveryFormatIsConsistent) {
  std::set<std::string> names;
  std::set<uint32_t> ggmlTypes;
  for (unsigned i = 0; i < NumFormats; ++i) {
    const auto format = static_cast<Format>(i);
    const FormatTraits &traits = getFormatTraits(format);
    SCOPED_TRACE(traits.name.str());
    EXPECT_EQ(traits.format, format);
    EXPECT_FALSE(traits.name.empty());
    EXPECT_EQ(lookupFormat(traits.name), format);
    EXPECT_TRUE(names.insert(traits.name.str()).second) << "duplicate name";
    EXPECT_TRUE(ggmlTypes.insert(traits.ggmlType).second)
        << "duplicate ggml type";
    EXPECT_GE(traits.blockElems, 1u);
    EXPECT_GE(traits.blockBytes, 1u);
    EXPECT_NE(traits.quantizeRow, nullptr);
    EXPECT_NE(traits.dequantizeRow, nullptr);
    EXPECT_EQ(rowBytes(format, 4 * traits.blockElems), 4u * traits.blockBytes);
  }
}

TEST(FormatRegistry, KnownFormats) {
  struct Expected {
    Format format;
    const char *name;
    uint32_t ggmlType, blockElems, blockBytes;
  };
  // ggml_type values and block sizes as in ggml.h / ggml-common.h.
  const Expected expected[] = {
      {Format::F32, "f32", 0, 1, 4},
      {Format::F16, "f16", 1, 1, 2},
      {Format::BF16, "bf16", 30, 1, 2},
      {Format::Q8_0, "q8_0", 8, 32, 34},
      {Format::Q4_0, "q4_0", 2, 32, 18},
      {Format::Q4_1, "q4_1", 3, 32, 20},
      {Format::Q5_0, "q5_0", 6, 32, 22},
      {Format::Q5_1, "q5_1", 7, 32, 24},
      // K-quant names keep ggml's spelling, as llama-quantize prints them.
      {Format::Q2_K, "q2_K", 10, 256, 84},
      {Format::Q3_K, "q3_K", 11, 256, 110},
      {Format::Q4_K, "q4_K", 12, 256, 144},
      {Format::Q5_K, "q5_K", 13, 256, 176},
      {Format::Q6_K, "q6_K", 14, 256, 210},
      {Format::IQ4_NL, "iq4_nl", 20, 32, 18},
      {Format::IQ4_XS, "iq4_xs", 23, 256, 136},
  };
  for (const Expected &e : expected) {
    SCOPED_TRACE(e.name);
    const FormatTraits &traits = getFormatTraits(e.format);
    EXPECT_EQ(traits.name, e.name);
    EXPECT_EQ(traits.ggmlType, e.ggmlType);
    EXPECT_EQ(traits.blockElems, e.blockElems);
    EXPECT_EQ(traits.blockBytes, e.blockBytes);
    EXPECT_EQ(lookupFormat(e.name), e.format);
  }
  EXPECT_EQ(rowBytes(Format::Q8_0, 768), 24u * 34u);
  EXPECT_EQ(lookupFormat("q3_x"), std::nullopt);
  EXPECT_EQ(lookupFormat(""), std::nullopt);
  EXPECT_EQ(lookupFormat("F16"), std::nullopt) << "names are exact";
}

//===----------------------------------------------------------------------===//
// 16-bit floats
//===----------------------------------------------------------------------===//

bool isFp16NaN(uint16_t h) { return (h & 0x7c00u) == 0x7c00u && (h & 0x3ffu); }
bool isBf16NaN(uint16_t h) { return (h & 0x7f80u) == 0x7f80u && (h & 0x7fu); }

TEST(Float16, AllPatternsRoundTrip) {
  for (uint32_t i = 0; i < 0x10000u; ++i) {
    const auto h = static_cast<uint16_t>(i);
    const float f = fp16ToFp32(h);
    if (isFp16NaN(h)) {
      EXPECT_TRUE(std::isnan(f)) << std::hex << i;
      // ggml's portable path canonicalizes NaNs, keeping only the sign.
      EXPECT_EQ(fp32ToFp16(f), (h & 0x8000u) | 0x7e00u) << std::hex << i;
    } else {
      EXPECT_EQ(fp32ToFp16(f), h) << std::hex << i;
    }
  }
}

TEST(Float16, RowConversionIsElementwiseOnAllPatterns) {
  // The registry's f16 row reader (F16C where the CPU has it) gives
  // fp16ToFp32's bits for every pattern (subnormals, infinities, quiet and
  // signalling NaNs), at every length and alignment of the row.
  std::vector<uint16_t> all(0x10000 + 16);
  for (size_t i = 0; i < all.size(); ++i)
    all[i] = static_cast<uint16_t>(i * 40503u); // covers all 2^16 values
  const FormatTraits &f16 = getFormatTraits(Format::F16);
  for (int64_t start : {0, 1, 3}) {
    for (int64_t n : {int64_t(0x10000), int64_t(7), int64_t(9), int64_t(1)}) {
      std::vector<float> out(n + 1, 42.0f);
      f16.dequantizeRow(all.data() + start, out.data(), n);
      int64_t bad = -1;
      for (int64_t i = 0; i < n && bad < 0; ++i)
        if (floatBits(out[i]) != floatBits(fp16ToFp32(all[start + i])))
          bad = i;
      EXPECT_EQ(bad, -1) << "start " << start << " n " << n << " pattern "
                         << std::hex << all[start + (bad < 0 ? 0 : bad)];
      EXPECT_EQ(out[n], 42.0f) << "wrote past the row";
    }
  }
}

TEST(BFloat16, AllPatternsRoundTrip) {
  for (uint32_t i = 0; i < 0x10000u; ++i) {
    const auto h = static_cast<uint16_t>(i);
    const float f = bf16ToFp32(h);
    EXPECT_EQ(floatBits(f), i << 16) << std::hex << i;
    if (isBf16NaN(h))
      // Quiet NaNs survive as they are; signaling ones gain the quiet bit.
      EXPECT_EQ(fp32ToBf16(f), h | 0x40u) << std::hex << i;
    else
      EXPECT_EQ(fp32ToBf16(f), h) << std::hex << i;
  }
}

TEST(Float16, RoundsToNearestEven) {
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(fp32ToFp16(0.0f), 0x0000u);
  EXPECT_EQ(fp32ToFp16(-0.0f), 0x8000u);
  EXPECT_EQ(fp32ToFp16(1e-30f), 0x0000u);
  EXPECT_EQ(fp32ToFp16(-1e-30f), 0x8000u) << "underflow keeps the sign";
  EXPECT_EQ(fp32ToFp16(65504.0f), 0x7bffu);
  EXPECT_EQ(fp32ToFp16(65519.996f), 0x7bffu);
  EXPECT_EQ(fp32ToFp16(65520.0f), 0x7c00u) << "tie rounds up to infinity";
  EXPECT_EQ(fp32ToFp16(-1e10f), 0xfc00u);
  EXPECT_EQ(fp32ToFp16(inf), 0x7c00u);
  EXPECT_EQ(fp32ToFp16(std::numeric_limits<float>::quiet_NaN()), 0x7e00u);
  EXPECT_EQ(fp32ToFp16(floatFromBits(0xff800001u)), 0xfe00u);
  // Subnormals count units of 2^-24.
  const float unit = std::ldexp(1.0f, -24);
  EXPECT_EQ(fp32ToFp16(0.5f * unit), 0x0000u) << "tie between 0 and 1 unit";
  EXPECT_EQ(fp32ToFp16(std::nextafter(0.5f * unit, 1.0f)), 0x0001u);
  EXPECT_EQ(fp32ToFp16(1.5f * unit), 0x0002u) << "tie goes to even";
  EXPECT_EQ(fp32ToFp16(2.5f * unit), 0x0002u) << "tie goes to even";
  EXPECT_EQ(fp32ToFp16(1023.5f * unit), 0x0400u) << "up into the normals";
  // Normals: 1 + 2^-11 is halfway between 1 and 1 + 2^-10.
  EXPECT_EQ(fp32ToFp16(1.0f + std::ldexp(1.0f, -11)), 0x3c00u);
  EXPECT_EQ(fp32ToFp16(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02u);
  EXPECT_EQ(fp32ToFp16(1.0f + 3 * std::ldexp(1.0f, -12)), 0x3c01u);
  EXPECT_EQ(fp16ToFp32(0x0001u), unit);
  EXPECT_EQ(fp16ToFp32(0x7c00u), inf);
}

TEST(BFloat16, RoundsToNearestEven) {
  EXPECT_EQ(fp32ToBf16(1.0f), 0x3f80u);
  EXPECT_EQ(fp32ToBf16(floatFromBits(0x3f808000u)), 0x3f80u) << "tie to even";
  EXPECT_EQ(fp32ToBf16(floatFromBits(0x3f818000u)), 0x3f82u) << "tie to even";
  EXPECT_EQ(fp32ToBf16(floatFromBits(0x3f808001u)), 0x3f81u);
  EXPECT_EQ(fp32ToBf16(std::numeric_limits<float>::max()), 0x7f80u);
  EXPECT_EQ(fp32ToBf16(floatFromBits(0x00008000u)), 0x0000u)
      << "subnormals round, they are not flushed";
  EXPECT_EQ(fp32ToBf16(floatFromBits(0x00018000u)), 0x0002u);
  // A NaN with payload only in the low half stays a NaN, and quiet.
  EXPECT_EQ(fp32ToBf16(floatFromBits(0x7f800001u)), 0x7fc0u);
  EXPECT_EQ(fp32ToBf16(floatFromBits(0xffc00000u)), 0xffc0u);
  EXPECT_EQ(fp32ToBf16(floatFromBits(0x7fffffffu)), 0x7fffu);
}

//===----------------------------------------------------------------------===//
// Q8_0 corner cases not in the golden inputs
//===----------------------------------------------------------------------===//

TEST(Q8_0, ZeroBlockHasZeroScale) {
  const FormatTraits &traits = getFormatTraits(Format::Q8_0);
  float src[32] = {};
  unsigned char bytes[34];
  std::memset(bytes, 0xaa, sizeof(bytes));
  traits.quantizeRow(src, bytes, 32, nullptr);
  for (unsigned char b : bytes)
    EXPECT_EQ(b, 0u);
}

TEST(Q8_0, ImportanceIsIgnored) {
  const FormatTraits &traits = getFormatTraits(Format::Q8_0);
  float src[64], importance[64];
  for (int i = 0; i < 64; ++i) {
    src[i] = std::sin(0.37f * i) * (i % 7 + 1);
    importance[i] = 1.0f + (i * 13 % 5);
  }
  unsigned char plain[68], weighted[68];
  traits.quantizeRow(src, plain, 64, nullptr);
  traits.quantizeRow(src, weighted, 64, importance);
  EXPECT_EQ(std::memcmp(plain, weighted, sizeof(plain)), 0);
  // The largest magnitude of a block maps to +-127 and halves round away
  // from zero.
  float block[32] = {};
  block[0] = 127.0f;
  block[1] = 2.5f;
  block[2] = -2.5f;
  block[3] = -127.0f;
  traits.quantizeRow(block, plain, 32, nullptr);
  EXPECT_EQ(plain[0] | plain[1] << 8, fp32ToFp16(1.0f));
  EXPECT_EQ(static_cast<int8_t>(plain[2]), 127);
  EXPECT_EQ(static_cast<int8_t>(plain[3]), 3);
  EXPECT_EQ(static_cast<int8_t>(plain[4]), -3);
  EXPECT_EQ(static_cast<int8_t>(plain[5]), -127);
}

} // namespace
