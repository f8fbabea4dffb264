//===- SafetensorsWriter.cpp - Streaming safetensors output ---------------===//

#include "formats/files/SafetensorsWriter.h"

#include "formats/files/AtomicOutputFile.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/SHA256.h"

#include <nlohmann/json.hpp>

using namespace llmq;

struct SafetensorsWriter::Hasher {
  llvm::SHA256 sha;
};

SafetensorsWriter::SafetensorsWriter() : hasher(new Hasher) {}
SafetensorsWriter::~SafetensorsWriter() = default;

llvm::Expected<std::unique_ptr<SafetensorsWriter>> SafetensorsWriter::create(
    llvm::StringRef path, std::vector<SafetensorsEntry> entries,
    llvm::ArrayRef<std::pair<std::string, std::string>> metadata) {
  std::unique_ptr<SafetensorsWriter> writer(new SafetensorsWriter());
  writer->path = path.str();
  // nlohmann's object keeps keys sorted: the header's bytes depend only on
  // the entries, not on the order they were declared in.
  nlohmann::json header = nlohmann::json::object();
  nlohmann::json meta = nlohmann::json::object();
  for (const auto &[key, value] : metadata)
    meta[key] = value;
  header["__metadata__"] = meta;
  uint64_t offset = 0;
  for (const SafetensorsEntry &e : entries) {
    nlohmann::json shape = nlohmann::json::array();
    for (int64_t d : e.shape)
      shape.push_back(d);
    header[e.name] = {{"dtype", e.dtype},
                      {"shape", shape},
                      {"data_offsets", {offset, offset + e.bytes}}};
    offset += e.bytes;
  }
  std::string text = header.dump();
  // Data starts 8-byte aligned, as the safetensors writer pads with spaces.
  text.append((8 - text.size() % 8) % 8, ' ');
  auto file = AtomicOutputFile::create(path);
  if (!file)
    return file.takeError();
  writer->file = std::move(*file);
  writer->expected = offset;
  uint8_t length[8];
  uint64_t n = text.size();
  for (int i = 0; i < 8; ++i)
    length[i] = static_cast<uint8_t>(n >> (8 * i));
  writer->write(length);
  writer->write(llvm::arrayRefFromStringRef(text));
  writer->expected += writer->written;
  return std::move(writer);
}

void SafetensorsWriter::write(llvm::ArrayRef<uint8_t> bytes) {
  file->os().write(reinterpret_cast<const char *>(bytes.data()), bytes.size());
  hasher->sha.update(bytes);
  written += bytes.size();
}

llvm::Error SafetensorsWriter::commit() {
  if (written != expected)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "%s: wrote %llu bytes of the %llu the header declares", path.c_str(),
        static_cast<unsigned long long>(written),
        static_cast<unsigned long long>(expected));
  if (llvm::Error err = file->commit())
    return err;
  std::array<uint8_t, 32> hash = hasher->sha.final();
  digest = llvm::toHex(hash, /*LowerCase=*/true);
  size = written;
  return llvm::Error::success();
}
