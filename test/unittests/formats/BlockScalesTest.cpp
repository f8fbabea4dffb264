//===- BlockScalesTest.cpp - The f16 scales inside ggml blocks ------------===//
//
// For every ggml block format: a quantized row dequantizes to d * a + dmin
// * b per block (blockBasis), with d and dmin read from the table's offsets;
// writing 2d and 2dmin doubles the values (so the offsets are the fields
// the dequantizer scales by, not some other bytes); float formats have no
// fields.
//
//===----------------------------------------------------------------------===//

#include "formats/quant/BlockScales.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

using namespace llmq;

namespace {

TEST(BlockScales, BasisReproducesTheDequantizer) {
  std::mt19937 rng(5);
  std::normal_distribution<float> gauss(0.3f, 1.0f);
  int tested = 0;
  for (unsigned i = 0; i < NumFormats; ++i) {
    Format format = Format(i);
    const FormatTraits &traits = getFormatTraits(format);
    if (!blockScaleFields(format)) {
      EXPECT_EQ(traits.blockElems, 1u) << traits.name.str();
      continue;
    }
    ++tested;
    int64_t n = 512, blocks = n / traits.blockElems;
    std::vector<float> row(n), values(n), a(traits.blockElems),
        b(traits.blockElems), doubled(n);
    for (float &v : row)
      v = gauss(rng);
    std::vector<uint8_t> bytes(blocks * traits.blockBytes);
    traits.quantizeRow(row.data(), bytes.data(), n, nullptr);
    traits.dequantizeRow(bytes.data(), values.data(), n);
    bool hasMin = blockScaleFields(format)->hasMin();
    for (int64_t k = 0; k < blocks; ++k) {
      uint8_t *block = bytes.data() + k * traits.blockBytes;
      float d, dmin;
      readBlockScales(format, block, d, dmin);
      EXPECT_NE(d, 0.0f) << traits.name.str();
      if (hasMin)
        EXPECT_NE(dmin, 0.0f) << traits.name.str();
      else
        EXPECT_EQ(dmin, 0.0f) << traits.name.str();
      blockBasis(format, block, a.data(), b.data());
      for (uint32_t j = 0; j < traits.blockElems; ++j) {
        float want = values[k * traits.blockElems + j];
        EXPECT_NEAR(d * a[j] + dmin * b[j], want, 1e-5f * (1 + std::fabs(want)))
            << traits.name.str() << " block " << k << " element " << j;
      }
      writeBlockScales(format, block, 2 * d, 2 * dmin);
    }
    traits.dequantizeRow(bytes.data(), doubled.data(), n);
    for (int64_t j = 0; j < n; ++j)
      EXPECT_NEAR(doubled[j], 2 * values[j], 1e-5f * (1 + std::fabs(values[j])))
          << traits.name.str() << " element " << j;
  }
  EXPECT_EQ(tested, 12);
}

} // namespace
