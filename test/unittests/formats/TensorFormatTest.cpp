//===- TensorFormatTest.cpp - Names, sizes and fallbacks of formats -------===//
//
// The registry every pass and exporter asks: spellings round-trip, byte
// counts include scales and zero points, invalid parameters are refused,
// and the fallback chain is llama.cpp's tensor_type_fallback
// (src/llama-quant.cpp), row by row.
//
//===----------------------------------------------------------------------===//

#include "formats/GroupFormats.h"
#include "formats/TensorFormat.h"

#include <gtest/gtest.h>

#include <random>

using namespace llmq;

TEST(TensorFormat, NamesRoundTrip) {
  for (const char *name :
       {"f32", "bf16", "q4_K", "iq4_xs", "fp8_block", "fp8_block_64x128",
        "int4_g128", "int4_g32_asym", "int8", "int8_g64", "int4"}) {
    std::optional<TensorFormat> f = TensorFormat::parse(name);
    ASSERT_TRUE(f) << name;
    EXPECT_EQ(f->name(), name);
  }
  EXPECT_EQ(TensorFormat::parse("fp8-block"), TensorFormat::fp8Block());
  EXPECT_EQ(TensorFormat::parse("fp8"), TensorFormat::fp8Block());
  EXPECT_EQ(TensorFormat::parse("int4-g128"), TensorFormat::integer(4, 128, true));
  EXPECT_EQ(TensorFormat::parse("int8_channel"), TensorFormat::integer(8, 0, true));
}

TEST(TensorFormat, RefusesInvalidParameters) {
  for (const char *name : {"int5_g128", "int4_g100", "int4_g4", "fp8_block_0",
                           "fp8_block_128x9999", "int4_gx", "q4_k", "int8_",
                           "fp8_block_", ""})
    EXPECT_FALSE(TensorFormat::parse(name)) << name;
}

TEST(TensorFormat, StorageBytesCountScalesAndZeros) {
  // 256x512 fp8 in 128x128 blocks: one byte a value and 2x4 f32 scales.
  EXPECT_EQ(TensorFormat::fp8Block().storageBytes(256, 512), 256u * 512 + 8 * 4);
  // Partial blocks count whole: 200x300 has 2x3 blocks.
  EXPECT_EQ(TensorFormat::fp8Block().storageBytes(200, 300), 200u * 300 + 6 * 4);
  // int4 g128 symmetric: half a byte a value, a f32 scale per 128.
  EXPECT_EQ(TensorFormat::integer(4, 128, true).storageBytes(4, 256),
            4u * 128 + 4 * 2 * 4);
  // ... asymmetric adds a 4-bit zero point per group.
  EXPECT_EQ(TensorFormat::integer(4, 128, false).storageBytes(4, 256),
            4u * 128 + 4 * 2 * 4 + 4);
  EXPECT_DOUBLE_EQ(TensorFormat::integer(4, 128, true).bitsPerWeight(4096, 4096),
                   4.25);
  EXPECT_DOUBLE_EQ(TensorFormat::ggmlFormat(Format::Q4_K).bitsPerWeight(1, 256),
                   4.5);
}

TEST(TensorFormat, Fits) {
  EXPECT_TRUE(TensorFormat::fp8Block().fits(100));
  EXPECT_FALSE(TensorFormat::integer(4, 128, true).fits(192));
  EXPECT_TRUE(TensorFormat::integer(4, 64, true).fits(192));
  EXPECT_FALSE(TensorFormat::integer(4, 0, true).fits(12)); // 8 codes a word
  EXPECT_FALSE(TensorFormat::ggmlFormat(Format::Q4_K).fits(128));
}

TEST(TensorFormat, FallbackIsLlamaCpps) {
  // Columns that fit 32-element blocks but not 256-element ones.
  const int64_t cols = 288;
  EXPECT_EQ(ggmlFallback(Format::Q2_K, cols), Format::Q4_0);
  EXPECT_EQ(ggmlFallback(Format::Q3_K, cols), Format::Q4_0);
  EXPECT_EQ(ggmlFallback(Format::Q4_K, cols), Format::Q5_0);
  EXPECT_EQ(ggmlFallback(Format::Q5_K, cols), Format::Q5_1);
  EXPECT_EQ(ggmlFallback(Format::Q6_K, cols), Format::Q8_0);
  EXPECT_EQ(ggmlFallback(Format::IQ4_XS, cols), Format::IQ4_NL);
  // Fits: unchanged. Nothing fits 40 columns but floats.
  EXPECT_EQ(ggmlFallback(Format::Q4_K, 512), Format::Q4_K);
  EXPECT_EQ(ggmlFallback(Format::Q4_K, 40), Format::F16);
  EXPECT_EQ(ggmlFallback(Format::Q8_0, 40), Format::F16);
}

TEST(GroupedView, RowsEqualTheWholeTensorDequantization) {
  const int64_t rows = 130, cols = 256;
  std::mt19937 rng(7);
  std::normal_distribution<float> dist(0.0f, 0.05f);
  std::vector<float> w(rows * cols);
  for (float &x : w)
    x = dist(rng);
  for (TensorFormat f :
       {TensorFormat::fp8Block(), TensorFormat::fp8Block(64, 32),
        TensorFormat::integer(4, 128, true), TensorFormat::integer(4, 32, false),
        TensorFormat::integer(8, 0, true), TensorFormat::integer(8, 64, false)}) {
    GroupedStrip q = quantizeGrouped(f, w.data(), rows, cols);
    std::vector<float> whole(rows * cols), byRow(cols), trip(rows * cols);
    dequantizeGrouped(f, q, rows, cols, whole.data());
    roundTripRows(f, w.data(), rows, cols, nullptr, trip.data());
    EXPECT_EQ(whole, trip) << f.name();
    std::vector<int32_t> packed;
    const uint8_t *codes = q.codes.data();
    if (f.kind == FormatKind::Int) {
      packed = packLevels(q.codes.data(), rows * cols, f.bits);
      codes = reinterpret_cast<const uint8_t *>(packed.data());
      std::vector<uint8_t> back(rows * cols);
      unpackLevels(packed.data(), rows * cols, f.bits, back.data());
      EXPECT_EQ(back, q.codes) << f.name();
    }
    GroupedView view{&f, codes, q.scales.data(), q.zeros.data(), rows, cols};
    for (int64_t r = 0; r < rows; ++r) {
      view.dequantizeRow(r, byRow.data());
      for (int64_t c = 0; c < cols; ++c)
        ASSERT_EQ(byRow[c], whole[r * cols + c]) << f.name() << " " << r << "," << c;
    }
  }
}
