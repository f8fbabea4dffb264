//===- Safetensors.cpp - safetensors headers -------------------------------===//

#include "formats/files/Safetensors.h"

#include "llvm/ADT/Twine.h"
#include "llvm/Support/FileSystem.h"

#include <nlohmann/json.hpp>

#include <cstdio>

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
} kDTypes[] = {{"F32", Format::F32, 4}, {"F16", Format::F16, 2},
               {"BF16", Format::BF16, 2}, {"F8_E4M3", std::nullopt, 1},
               {"I8", std::nullopt, 1},   {"U8", std::nullopt, 1},
               {"I32", std::nullopt, 4}};

StringRef llmq::safetensorsDType(Format format) {
  for (const auto &d : kDTypes)
    if (d.format == format)
      return d.name;
  return {};
}

/// Reads exactly `n` bytes at the start of `path` (the header is small and is
/// read with stdio rather than mapping the whole file).
static bool readPrefix(StringRef path, uint64_t offset, std::string &out,
                       uint64_t n) {
  std::string name = path.str();
  FILE *f = fopen(name.c_str(), "rb");
  if (!f)
    return false;
  out.resize(n);
  bool ok = fseeko(f, static_cast<off_t>(offset), SEEK_SET) == 0 &&
            fread(out.data(), 1, n, f) == n;
  fclose(f);
  return ok;
}

llvm::Expected<SafetensorsHeader>
llmq::readSafetensorsHeader(StringRef path, bool anyDType) {
  SafetensorsHeader header;
  header.path = path.str();
  uint64_t fileSize;
  if (std::error_code ec = llvm::sys::fs::file_size(path, fileSize))
    return headerError(path, "cannot open: " + ec.message());
  header.fileSize = fileSize;
  if (fileSize < 8)
    return headerError(path, "truncated safetensors header: the file has " +
                                 Twine(fileSize) +
                                 " bytes, fewer than the 8-byte length");
  std::string lengthBytes;
  if (!readPrefix(path, 0, lengthBytes, 8))
    return headerError(path, "cannot read the header length");
  uint64_t headerLength = 0;
  for (int i = 7; i >= 0; --i)
    headerLength = (headerLength << 8) | static_cast<uint8_t>(lengthBytes[i]);
  if (headerLength > fileSize - 8)
    return headerError(path, "safetensors header length " +
                                 Twine(headerLength) +
                                 " is larger than the file (" +
                                 Twine(fileSize) + " bytes)");
  std::string text;
  if (!readPrefix(path, 8, text, headerLength))
    return headerError(path, "cannot read the header");
  nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object())
    return headerError(path, "truncated or malformed safetensors header "
                             "(not a JSON object)");

  uint64_t dataStart = 8 + headerLength;
  uint64_t dataSize = fileSize - dataStart;
  for (auto &[name, entry] : json.items()) {
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
    uint64_t elements = 1;
    for (const nlohmann::json &d : entry["shape"]) {
      if (!d.is_number_unsigned())
        return tensorError("has a malformed shape");
      tensor.shape.push_back(d.get<int64_t>());
      elements *= d.get<uint64_t>();
    }
    const nlohmann::json &offsets = entry["data_offsets"];
    if (!offsets[0].is_number_unsigned() || !offsets[1].is_number_unsigned())
      return tensorError("has malformed data_offsets");
    uint64_t begin = offsets[0].get<uint64_t>(), end = offsets[1].get<uint64_t>();
    if (begin > end || end > dataSize)
      return tensorError("data offsets [" + Twine(begin) + ", " + Twine(end) +
                         ") lie outside the file (data section is " +
                         Twine(dataSize) + " bytes)");
    uint64_t expected = elements * known->bytes;
    if (end - begin != expected)
      return tensorError("has " + Twine(end - begin) + " bytes, but its shape "
                         "and dtype need " + Twine(expected));
    tensor.offset = dataStart + begin;
    tensor.size = end - begin;
    header.tensors.try_emplace(name, std::move(tensor));
  }
  return std::move(header);
}
