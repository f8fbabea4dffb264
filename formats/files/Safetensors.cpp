//===- Safetensors.cpp - safetensors headers -------------------------------===//

#include "formats/files/Safetensors.h"

#include "formats/CheckedArith.h"
#include "formats/files/Json.h"
#include "formats/files/ReadFile.h"

#include "llvm/ADT/Twine.h"
#include "llvm/Support/FileSystem.h"

using namespace llmq;
using llvm::StringRef;
using llvm::Twine;

static llvm::Error headerError(StringRef path, const Twine &what) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 path + ": " + what);
}

/// The dtypes llmq reads. Only the float ones carry weights a model reads
/// directly; the others hold the codes and scales of group formats.
static const struct {
  StringRef name;
  std::optional<Format> format;
  unsigned bytes;
} kDTypes[] = {{"F32", Format::F32, 4},   {"F16", Format::F16, 2},
               {"BF16", Format::BF16, 2}, {"F8_E4M3", std::nullopt, 1},
               {"I8", std::nullopt, 1},   {"U8", std::nullopt, 1},
               {"I32", std::nullopt, 4},  {"I64", std::nullopt, 8}};

StringRef llmq::safetensorsDType(Format format) {
  for (const auto &d : kDTypes)
    if (d.format == format)
      return d.name;
  return {};
}

std::string llmq::shapeText(llvm::ArrayRef<int64_t> shape) {
  std::string text = "[";
  for (auto [i, d] : llvm::enumerate(shape))
    text += (i ? ", " : "") + std::to_string(d);
  return text + "]";
}

static std::string offsetsText(uint64_t begin, uint64_t end) {
  return ("[" + Twine(begin) + ", " + Twine(end) + ")").str();
}

llvm::Expected<SafetensorsHeader>
llmq::readSafetensorsHeader(StringRef path, bool anyDType, bool checkExtents) {
  SafetensorsHeader header;
  header.path = path.str();
  // A FIFO or a device is refused before a byte is read from it.
  llvm::sys::fs::file_status status;
  if (std::error_code ec = llvm::sys::fs::status(path, status))
    return headerError(path, "cannot open: " + ec.message());
  if (status.type() != llvm::sys::fs::file_type::regular_file)
    return headerError(path, "not a regular file");
  uint64_t fileSize = status.getSize();
  header.fileSize = fileSize;
  if (fileSize < 8)
    return headerError(path, "truncated safetensors header: the file has " +
                                 Twine(fileSize) +
                                 " bytes, fewer than the 8-byte length");
  std::string lengthBytes;
  if (llvm::Error err = readFileRange(path, 0, 8, lengthBytes))
    return std::move(err);
  uint64_t headerLength = 0;
  for (int i = 7; i >= 0; --i)
    headerLength = (headerLength << 8) | static_cast<uint8_t>(lengthBytes[i]);
  if (headerLength > fileSize - 8)
    return headerError(path, "safetensors header length " +
                                 Twine(headerLength) +
                                 " is larger than the file (" +
                                 Twine(fileSize) + " bytes)");
  if (headerLength > kMaxSafetensorsHeaderBytes)
    return headerError(path, "safetensors header length " +
                                 Twine(headerLength) + " is over the limit of " +
                                 Twine(kMaxSafetensorsHeaderBytes) + " bytes");
  std::string text;
  if (llvm::Error err = readFileRange(path, 8, headerLength, text))
    return std::move(err);
  std::optional<std::string> duplicate;
  json::Json json = json::parseNoDuplicateKeys(text, duplicate);
  if (duplicate)
    return headerError(path, "safetensors header repeats the key '" +
                                 *duplicate + "'");
  if (json.is_discarded() || !json.is_object())
    return headerError(path, "truncated or malformed safetensors header "
                             "(not a JSON object)");

  uint64_t dataStart = 8 + headerLength;
  uint64_t dataSize = fileSize - dataStart;
  // Each tensor's byte range in the data section, to refuse overlaps.
  std::vector<std::pair<std::pair<uint64_t, uint64_t>, std::string>> ranges;
  for (auto &item : json.items()) {
    const std::string &name = item.key();
    const json::Json &entry = item.value();
    if (name == "__metadata__")
      continue;
    auto tensorError = [&](const Twine &what) {
      return headerError(path, "tensor '" + name + "' " + what);
    };
    if (!entry.is_object() || !entry.contains("dtype") ||
        !entry["dtype"].is_string() || !entry.contains("shape") ||
        !entry["shape"].is_array() || !entry.contains("data_offsets") ||
        !entry["data_offsets"].is_array() || entry["data_offsets"].size() != 2)
      return tensorError("has a malformed header entry");
    std::string dtype = entry["dtype"].get<std::string>();
    const auto *known = llvm::find_if(
        kDTypes, [&](const auto &d) { return d.name == dtype; });
    if (known == std::end(kDTypes) || (!known->format && !anyDType))
      return tensorError("has unknown or unsupported dtype '" + dtype +
                         "' (expected F32, F16 or BF16)");
    SafetensorsTensor tensor;
    tensor.dtype = known->format.value_or(Format::F32);
    tensor.dtypeName = dtype;
    if (entry["shape"].size() > kMaxSafetensorsRank)
      return tensorError("has " + Twine(entry["shape"].size()) +
                         " dimensions, more than " + Twine(kMaxSafetensorsRank));
    for (const json::Json &d : entry["shape"]) {
      if (!d.is_number_unsigned())
        return tensorError("has a malformed shape");
      uint64_t dim = d.get<uint64_t>();
      if (dim > uint64_t(INT64_MAX))
        return tensorError("has dimension " + Twine(dim) + ", larger than " +
                           Twine(INT64_MAX));
      tensor.shape.push_back(static_cast<int64_t>(dim));
    }
    std::optional<uint64_t> elements = checkedProduct(tensor.shape);
    std::optional<uint64_t> expected =
        elements ? checkedMul(*elements, known->bytes) : std::nullopt;
    if (!expected)
      return tensorError("has shape " + shapeText(tensor.shape) + " of " +
                         dtype + ", whose byte size overflows 64 bits");
    const json::Json &offsets = entry["data_offsets"];
    if (!offsets[0].is_number_unsigned() || !offsets[1].is_number_unsigned())
      return tensorError("has malformed data_offsets");
    uint64_t begin = offsets[0].get<uint64_t>(), end = offsets[1].get<uint64_t>();
    if (begin > end || (checkExtents && end > dataSize))
      return tensorError("data offsets " + offsetsText(begin, end) +
                         " lie outside the file (data section is " +
                         Twine(dataSize) + " bytes)");
    if (end - begin != *expected)
      return tensorError("has " + Twine(end - begin) + " bytes, but its shape "
                         "and dtype need " + Twine(*expected));
    std::optional<uint64_t> offset = checkedAdd(dataStart, begin);
    if (!offset || !checkedAdd(*offset, end - begin))
      return tensorError("data offsets " + offsetsText(begin, end) +
                         " overflow 64 bits");
    tensor.offset = *offset;
    tensor.size = end - begin;
    if (tensor.size)
      ranges.push_back({{begin, end}, name});
    header.tensors.try_emplace(name, std::move(tensor));
  }
  // Two tensors sharing bytes would alias each other's data; no writer makes
  // that, so it marks a corrupt or hostile file.
  llvm::sort(ranges);
  for (size_t i = 1; i < ranges.size(); ++i) {
    const auto &[prev, prevName] = ranges[i - 1];
    const auto &[next, nextName] = ranges[i];
    if (prev.second > next.first)
      return headerError(path, "tensors '" + prevName + "' and '" + nextName +
                                   "' overlap (data offsets " +
                                   offsetsText(prev.first, prev.second) +
                                   " and " +
                                   offsetsText(next.first, next.second) + ")");
  }
  return std::move(header);
}
