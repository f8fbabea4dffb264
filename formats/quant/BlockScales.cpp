//===- BlockScales.cpp - The f16 scales inside ggml blocks ----------------===//

#include "formats/quant/BlockScales.h"

#include "formats/Float.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <vector>

using namespace llmq;

std::optional<BlockScaleFields> llmq::blockScaleFields(Format format) {
  // The offsets of ggml's block structs (ggml-common.h): d first in the
  // legacy formats, q4_K/q5_K and the IQ4s; after the levels in q3_K and
  // q6_K; after scales and levels in q2_K.
  switch (format) {
  case Format::Q8_0:
  case Format::Q4_0:
  case Format::Q5_0:
  case Format::IQ4_NL:
  case Format::IQ4_XS:
    return BlockScaleFields{0, -1};
  case Format::Q4_1:
  case Format::Q5_1:
  case Format::Q4_K:
  case Format::Q5_K:
    return BlockScaleFields{0, 2};
  case Format::Q2_K:
    return BlockScaleFields{80, 82};
  case Format::Q3_K:
    return BlockScaleFields{108, -1};
  case Format::Q6_K:
    return BlockScaleFields{208, -1};
  case Format::F32:
  case Format::F16:
  case Format::BF16:
    return std::nullopt;
  }
  return std::nullopt;
}

static float readHalf(const uint8_t *p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return fp16ToFp32(h);
}

static void writeHalf(uint8_t *p, float value) {
  uint16_t h = fp32ToFp16(value);
  std::memcpy(p, &h, 2);
}

void llmq::readBlockScales(Format format, const uint8_t *block, float &scale,
                           float &min) {
  BlockScaleFields f = *blockScaleFields(format);
  scale = readHalf(block + f.scaleOffset);
  min = f.hasMin() ? readHalf(block + f.minOffset) : 0.0f;
}

void llmq::writeBlockScales(Format format, uint8_t *block, float scale,
                            float min) {
  BlockScaleFields f = *blockScaleFields(format);
  writeHalf(block + f.scaleOffset, scale);
  if (f.hasMin())
    writeHalf(block + f.minOffset, min);
}

void llmq::blockBasis(Format format, const uint8_t *block, float *a, float *b) {
  const FormatTraits &traits = getFormatTraits(format);
  BlockScaleFields f = *blockScaleFields(format);
  thread_local std::vector<uint8_t> copy;
  copy.assign(block, block + traits.blockBytes);
  writeHalf(copy.data() + f.scaleOffset, 1.0f);
  if (f.hasMin())
    writeHalf(copy.data() + f.minOffset, 0.0f);
  traits.dequantizeRow(copy.data(), a, traits.blockElems);
  if (!f.hasMin()) {
    std::fill(b, b + traits.blockElems, 0.0f);
    return;
  }
  writeHalf(copy.data() + f.scaleOffset, 0.0f);
  writeHalf(copy.data() + f.minOffset, 1.0f);
  traits.dequantizeRow(copy.data(), b, traits.blockElems);
}
