//===- GroupFormats.cpp - FP8 block and integer group formats -------------===//

#include "formats/GroupFormats.h"

#include "formats/TensorFormat.h"

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace llmq;

uint8_t llmq::fp32ToFp8E4M3(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, 4);
  uint8_t sign = (bits >> 24) & 0x80;
  uint32_t magnitude = bits & 0x7fffffffu;
  // NaN, and everything past the rounding midpoint above 448 (464 = 0x43e80000):
  // the encoding has no infinity.
  if (magnitude >= 0x43e80000u)
    return sign | 0x7f;
  // Below the smallest normal (2^-6 = 0x3c800000) the step is 2^-9
  // (subnormals): round |x| / 2^-9, ties to even, to 0..8 (8 is the smallest
  // normal's code).
  if (magnitude < 0x3c800000u) {
    float a;
    std::memcpy(&a, &magnitude, 4);
    return sign | static_cast<uint8_t>(std::nearbyint(a * 512.0f));
  }
  // Normal: keep 3 of the 23 mantissa bits, rounding to nearest even on the
  // bits dropped; a carry moves into the exponent by itself. Then rebias the
  // exponent from 127 to 7: (e + 127) << 3 becomes (e + 7) << 3.
  uint32_t rounded = (magnitude + 0x7ffffu + ((magnitude >> 20) & 1)) >> 20;
  uint32_t code = rounded - (120u << 3);
  if (code >= 0x7f) // 0x7f would be NaN: 448 is the largest finite value
    code = 0x7e;
  return sign | static_cast<uint8_t>(code);
}

namespace {
/// The 256 e4m3 values, decoded once.
struct FP8Table {
  float values[256];
  FP8Table() {
    for (int v = 0; v < 256; ++v) {
      float sign = (v & 0x80) ? -1.0f : 1.0f;
      int exponent = (v >> 3) & 0xf, mantissa = v & 7;
      if (exponent == 0xf && mantissa == 7)
        values[v] = NAN;
      else if (exponent == 0)
        values[v] = sign * std::ldexp(static_cast<float>(mantissa), -9);
      else
        values[v] = sign * std::ldexp(1.0f + mantissa / 8.0f, exponent - 7);
    }
  }
};
} // namespace

float llmq::fp8E4M3ToFp32(uint8_t v) {
  static const FP8Table table;
  return table.values[v];
}

//===----------------------------------------------------------------------===//
// Grouped formats
//===----------------------------------------------------------------------===//

int64_t llmq::groupedScaleRows(const TensorFormat &format, int64_t rows) {
  if (format.kind == FormatKind::FP8Block)
    return (rows + format.blockRows - 1) / format.blockRows;
  return rows;
}

int64_t llmq::groupedScaleCols(const TensorFormat &format, int64_t cols) {
  if (format.kind == FormatKind::FP8Block)
    return (cols + format.blockCols - 1) / format.blockCols;
  return format.group ? cols / format.group : 1;
}

static void quantizeFP8Blocks(const TensorFormat &f, const float *src,
                              int64_t rows, int64_t cols, GroupedStrip &q) {
  int64_t blockCols = groupedScaleCols(f, cols);
  for (int64_t br = 0; br < groupedScaleRows(f, rows); ++br)
    for (int64_t bc = 0; bc < blockCols; ++bc) {
      int64_t r0 = br * f.blockRows, r1 = std::min<int64_t>(rows, r0 + f.blockRows);
      int64_t c0 = bc * f.blockCols, c1 = std::min<int64_t>(cols, c0 + f.blockCols);
      float amax = 0;
      for (int64_t r = r0; r < r1; ++r)
        for (int64_t c = c0; c < c1; ++c)
          amax = std::max(amax, std::fabs(src[r * cols + c]));
      // An all-zero block keeps scale 1 rather than dividing by zero.
      float scale = amax > 0 ? amax / kFP8Max : 1.0f;
      q.scales[br * blockCols + bc] = scale;
      for (int64_t r = r0; r < r1; ++r)
        for (int64_t c = c0; c < c1; ++c) {
          float v = std::clamp(src[r * cols + c] / scale, -kFP8Max, kFP8Max);
          q.codes[r * cols + c] = fp32ToFp8E4M3(v);
        }
    }
}

static void quantizeIntGroups(const TensorFormat &f, const float *src,
                              int64_t rows, int64_t cols, GroupedStrip &q) {
  int64_t group = f.group ? f.group : cols;
  int64_t groups = cols / group;
  const int offset = 1 << (f.bits - 1);
  const float maxLevel = static_cast<float>((1 << f.bits) - 1);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t g = 0; g < groups; ++g) {
      const float *x = src + r * cols + g * group;
      uint8_t *codes = q.codes.data() + r * cols + g * group;
      float lo = x[0], hi = x[0];
      for (int64_t i = 1; i < group; ++i) {
        lo = std::min(lo, x[i]);
        hi = std::max(hi, x[i]);
      }
      float scale;
      if (f.symmetric) {
        float amax = std::max(std::fabs(lo), std::fabs(hi));
        scale = amax > 0 ? amax / static_cast<float>(offset - 1) : 1.0f;
        for (int64_t i = 0; i < group; ++i) {
          float v = std::clamp(std::nearbyint(x[i] / scale),
                               static_cast<float>(-offset),
                               static_cast<float>(offset - 1));
          codes[i] = static_cast<uint8_t>(static_cast<int>(v) + offset);
        }
      } else {
        // The range must hold 0 exactly, so zero is an integer.
        lo = std::min(lo, 0.0f);
        hi = std::max(hi, 0.0f);
        scale = hi > lo ? (hi - lo) / maxLevel : 1.0f;
        float zero = std::clamp(std::nearbyint(-lo / scale), 0.0f, maxLevel);
        q.zeros[r * groups + g] = static_cast<uint8_t>(zero);
        for (int64_t i = 0; i < group; ++i)
          codes[i] = static_cast<uint8_t>(
              std::clamp(std::nearbyint(x[i] / scale) + zero, 0.0f, maxLevel));
      }
      q.scales[r * groups + g] = scale;
    }
}

GroupedStrip llmq::quantizeGrouped(const TensorFormat &format,
                                   const float *src, int64_t rows,
                                   int64_t cols) {
  GroupedStrip q;
  q.codes.resize(rows * cols);
  q.scales.resize(groupedScaleRows(format, rows) *
                  groupedScaleCols(format, cols));
  if (format.kind == FormatKind::FP8Block) {
    quantizeFP8Blocks(format, src, rows, cols, q);
  } else {
    if (!format.symmetric)
      q.zeros.resize(q.scales.size());
    quantizeIntGroups(format, src, rows, cols, q);
  }
  return q;
}

void llmq::dequantizeGrouped(const TensorFormat &format, const GroupedStrip &q,
                             int64_t rows, int64_t cols, float *dst) {
  int64_t scaleCols = groupedScaleCols(format, cols);
  if (format.kind == FormatKind::FP8Block) {
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        dst[r * cols + c] =
            fp8E4M3ToFp32(q.codes[r * cols + c]) *
            q.scales[(r / format.blockRows) * scaleCols + c / format.blockCols];
    return;
  }
  int64_t group = format.group ? format.group : cols;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      int64_t g = r * scaleCols + c / group;
      int zero = format.symmetric ? 1 << (format.bits - 1) : q.zeros[g];
      dst[r * cols + c] =
          static_cast<float>(q.codes[r * cols + c] - zero) * q.scales[g];
    }
}

std::vector<int32_t> llmq::packLevels(const uint8_t *levels, int64_t count,
                                      unsigned bits) {
  int64_t perWord = 32 / bits;
  std::vector<int32_t> words(count / perWord, 0);
  for (int64_t i = 0; i < count; ++i)
    words[i / perWord] |= static_cast<int32_t>(
        static_cast<uint32_t>(levels[i]) << (bits * (i % perWord)));
  return words;
}

void llmq::unpackLevels(const int32_t *words, int64_t count, unsigned bits,
                        uint8_t *levels) {
  int64_t perWord = 32 / bits;
  uint32_t mask = (1u << bits) - 1;
  for (int64_t i = 0; i < count; ++i)
    levels[i] = static_cast<uint8_t>(
        (static_cast<uint32_t>(words[i / perWord]) >> (bits * (i % perWord))) &
        mask);
}

void llmq::roundTripRows(const TensorFormat &format, const float *src,
                         int64_t rows, int64_t cols, const float *importance,
                         float *dst) {
  if (format.isGrouped()) {
    dequantizeGrouped(format, quantizeGrouped(format, src, rows, cols), rows,
                      cols, dst);
    return;
  }
  const FormatTraits &t = getFormatTraits(format.ggml);
  std::vector<uint8_t> bytes(rowBytes(format.ggml, cols));
  for (int64_t r = 0; r < rows; ++r) {
    t.quantizeRow(src + r * cols, bytes.data(), cols, importance);
    t.dequantizeRow(bytes.data(), dst + r * cols, cols);
  }
}

uint64_t GroupedView::codeRowBytes() const {
  if (format->kind == FormatKind::FP8Block)
    return static_cast<uint64_t>(cols);
  return static_cast<uint64_t>(cols) * format->bits / 8;
}

void GroupedView::dequantizeRow(int64_t r, float *out) const {
  const TensorFormat &f = *format;
  int64_t scaleCols = groupedScaleCols(f, cols);
  const uint8_t *row = codes + r * codeRowBytes();
  if (f.kind == FormatKind::FP8Block) {
    const float *s = scales + (r / f.blockRows) * scaleCols;
    for (int64_t c = 0; c < cols; ++c)
      out[c] = fp8E4M3ToFp32(row[c]) * s[c / f.blockCols];
    return;
  }
  int64_t group = f.group ? f.group : cols;
  int64_t perWord = 32 / f.bits;
  uint32_t mask = (1u << f.bits) - 1;
  for (int64_t c = 0; c < cols; ++c) {
    uint32_t word;
    std::memcpy(&word, row + (c / perWord) * 4, 4);
    int level = static_cast<int>((word >> (f.bits * (c % perWord))) & mask);
    int64_t g = r * scaleCols + c / group;
    int zero = f.symmetric ? 1 << (f.bits - 1) : zeros[g];
    out[c] = static_cast<float>(level - zero) * scales[g];
  }
}

//===----------------------------------------------------------------------===//
// The NPU artifact's layouts
//===----------------------------------------------------------------------===//

FP8BlockTensor llmq::quantizeFP8Block(const float *src, int64_t rows,
                                      int64_t cols) {
  GroupedStrip g = quantizeGrouped(TensorFormat::fp8Block(), src, rows, cols);
  return {std::move(g.codes), std::move(g.scales)};
}

void llmq::dequantizeFP8Block(const FP8BlockTensor &q, int64_t rows,
                              int64_t cols, float *dst) {
  GroupedStrip g{q.weight, q.scaleInv, {}};
  dequantizeGrouped(TensorFormat::fp8Block(), g, rows, cols, dst);
}

Int8ChannelTensor llmq::quantizeInt8Channel(const float *src, int64_t rows,
                                            int64_t cols) {
  GroupedStrip g =
      quantizeGrouped(TensorFormat::integer(8, 0, true), src, rows, cols);
  Int8ChannelTensor q;
  q.weight.resize(g.codes.size());
  for (size_t i = 0; i < g.codes.size(); ++i)
    q.weight[i] = static_cast<int8_t>(g.codes[i] - 128);
  q.scale = std::move(g.scales);
  return q;
}

void llmq::dequantizeInt8Channel(const Int8ChannelTensor &q, int64_t rows,
                                 int64_t cols, float *dst) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      dst[r * cols + c] = q.weight[r * cols + c] * q.scale[r];
}

Int4GroupTensor llmq::quantizeInt4Group(const float *src, int64_t rows,
                                        int64_t cols, int64_t group,
                                        bool symmetric) {
  GroupedStrip g = quantizeGrouped(
      TensorFormat::integer(4, static_cast<uint32_t>(group), symmetric), src,
      rows, cols);
  Int4GroupTensor q;
  q.packed = packLevels(g.codes.data(), rows * cols, 4);
  q.scale = std::move(g.scales);
  q.zeroPoint.assign(g.zeros.begin(), g.zeros.end());
  return q;
}

void llmq::dequantizeInt4Group(const Int4GroupTensor &q, int64_t rows,
                               int64_t cols, int64_t group, float *dst) {
  bool symmetric = q.zeroPoint.empty();
  GroupedStrip g;
  g.codes.resize(rows * cols);
  unpackLevels(q.packed.data(), rows * cols, 4, g.codes.data());
  g.scales = q.scale;
  g.zeros.assign(q.zeroPoint.begin(), q.zeroPoint.end());
  dequantizeGrouped(
      TensorFormat::integer(4, static_cast<uint32_t>(group), symmetric), g,
      rows, cols, dst);
}
