//===- TensorFormat.cpp - Names, sizes and fallbacks of formats -----------===//

#include "formats/TensorFormat.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>

using namespace llmq;

std::string TensorFormat::name() const {
  switch (kind) {
  case FormatKind::Ggml:
    return getFormatTraits(ggml).name.str();
  case FormatKind::FP8Block:
    if (blockRows == 128 && blockCols == 128)
      return "fp8_block";
    return "fp8_block_" + std::to_string(blockRows) + "x" +
           std::to_string(blockCols);
  case FormatKind::Int: {
    std::string text = "int" + std::to_string(bits);
    if (group)
      text += "_g" + std::to_string(group);
    if (!symmetric)
      text += "_asym";
    return text;
  }
  }
  return "";
}

/// Parses "N" or "NxM" block edges after "fp8_block_".
static bool parseBlock(llvm::StringRef text, uint32_t &rows, uint32_t &cols) {
  auto [r, c] = text.split('x');
  if (r.getAsInteger(10, rows))
    return false;
  if (c.empty()) {
    cols = rows;
    return true;
  }
  return !c.getAsInteger(10, cols);
}

std::optional<TensorFormat> TensorFormat::parse(llvm::StringRef text) {
  if (std::optional<Format> f = lookupFormat(text))
    return ggmlFormat(*f);
  std::string normal = text.str();
  std::replace(normal.begin(), normal.end(), '-', '_');
  llvm::StringRef t = normal;
  std::optional<TensorFormat> result;
  if (t == "fp8" || t == "fp8_block" || t == "fp8_e4m3") {
    result = fp8Block();
  } else if (t.consume_front("fp8_block_")) {
    uint32_t rows, cols;
    if (!parseBlock(t, rows, cols))
      return std::nullopt;
    result = fp8Block(rows, cols);
  } else if (t.consume_front("int")) {
    unsigned bits;
    if (t.consumeInteger(10, bits))
      return std::nullopt;
    bool symmetric = !t.consume_back("_asym");
    uint32_t group = 0;
    if (t.consume_front("_g")) {
      if (t.getAsInteger(10, group))
        return std::nullopt;
    } else if (!t.empty() && t != "_channel") {
      return std::nullopt;
    }
    if (bits > 255)
      return std::nullopt;
    result = integer(static_cast<uint8_t>(bits), group, symmetric);
  }
  if (!result || !result->invalidReason().empty())
    return std::nullopt;
  return result;
}

std::string TensorFormat::invalidReason() const {
  switch (kind) {
  case FormatKind::Ggml:
    return "";
  case FormatKind::FP8Block:
    if (blockRows < 1 || blockRows > 4096 || blockCols < 1 || blockCols > 4096)
      return "fp8 block edges must be 1..4096";
    return "";
  case FormatKind::Int:
    if (bits != 4 && bits != 8)
      return "integer formats have 4 or 8 bits";
    if (group != 0 &&
        (group < 8 || group > 4096 || !llvm::isPowerOf2_32(group)))
      return "a group is 0 (per channel) or a power of two from 8 to 4096";
    return "";
  }
  return "unknown format kind";
}

bool TensorFormat::fits(int64_t cols) const {
  switch (kind) {
  case FormatKind::Ggml:
    return rowFits(ggml, cols);
  case FormatKind::FP8Block:
    return true;
  case FormatKind::Int:
    // compressed-tensors packs 32/bits codes per int32 along a row.
    return cols % (32 / bits) == 0 && (group == 0 || cols % group == 0);
  }
  return false;
}

uint64_t TensorFormat::storageBytes(int64_t rows, int64_t cols) const {
  uint64_t r = static_cast<uint64_t>(rows), c = static_cast<uint64_t>(cols);
  switch (kind) {
  case FormatKind::Ggml:
    return r * rowBytes(ggml, cols);
  case FormatKind::FP8Block: {
    uint64_t blocks = ((r + blockRows - 1) / blockRows) *
                      ((c + blockCols - 1) / blockCols);
    return r * c + 4 * blocks;
  }
  case FormatKind::Int: {
    uint64_t groups = r * (group ? c / group : 1);
    uint64_t zeroBytes = symmetric ? 0 : (groups * bits + 7) / 8;
    return (r * c * bits + 7) / 8 + 4 * groups + zeroBytes;
  }
  }
  return 0;
}

double TensorFormat::bitsPerWeight(int64_t rows, int64_t cols) const {
  if (kind == FormatKind::Ggml)
    return llmq::bitsPerWeight(ggml);
  if (rows <= 0 || cols <= 0)
    return 0;
  return 8.0 * static_cast<double>(storageBytes(rows, cols)) /
         (static_cast<double>(rows) * static_cast<double>(cols));
}

int64_t TensorFormat::colAlignment() const {
  switch (kind) {
  case FormatKind::Ggml:
    return getFormatTraits(ggml).blockElems;
  case FormatKind::FP8Block:
    return blockCols;
  case FormatKind::Int:
    return group ? group : 1;
  }
  return 1;
}

Format llmq::ggmlFallback(Format wanted, int64_t cols) {
  if (rowFits(wanted, cols))
    return wanted;
  Format result = Format::F16;
  switch (wanted) {
  case Format::IQ4_XS:
    result = Format::IQ4_NL;
    break;
  case Format::Q2_K:
  case Format::Q3_K:
    result = Format::Q4_0;
    break;
  case Format::Q4_K:
    result = Format::Q5_0;
    break;
  case Format::Q5_K:
    result = Format::Q5_1;
    break;
  case Format::Q6_K:
    result = Format::Q8_0;
    break;
  default:
    // A 32-element format that does not fit goes to f16 (llama.cpp's
    // check after its switch).
    break;
  }
  return rowFits(result, cols) ? result : Format::F16;
}
