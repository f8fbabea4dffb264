//===- SafetensorsWriter.h - Streaming safetensors output -------*- C++ -*-===//
//
// Writes a safetensors file whose tensors are declared up front (names,
// dtypes, shapes, sizes) and whose bytes then arrive in declaration order, a
// chunk at a time, so a writer never holds more than the chunk it is given.
// The file is written to a temporary and renamed on commit; the SHA-256 of
// the whole file is computed on the way.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_FORMATS_FILES_SAFETENSORSWRITER_H
#define LLMQ_FORMATS_FILES_SAFETENSORSWRITER_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace llmq {
class AtomicOutputFile;

struct SafetensorsEntry {
  std::string name;
  std::string dtype; ///< safetensors spelling: "BF16", "F8_E4M3", "U8", ...
  llvm::SmallVector<int64_t, 2> shape;
  uint64_t bytes = 0;
};

class SafetensorsWriter {
public:
  /// Opens `path` and writes the header; `metadata` goes to "__metadata__".
  static llvm::Expected<std::unique_ptr<SafetensorsWriter>>
  create(llvm::StringRef path, std::vector<SafetensorsEntry> entries,
         llvm::ArrayRef<std::pair<std::string, std::string>> metadata);
  ~SafetensorsWriter();

  /// Appends bytes of the current tensor (and on into the next ones).
  void write(llvm::ArrayRef<uint8_t> bytes);
  /// Checks that every declared byte arrived, then renames into place.
  llvm::Error commit();

  /// Hex SHA-256 of the file, valid after commit().
  const std::string &sha256() const { return digest; }
  uint64_t fileSize() const { return size; }

private:
  SafetensorsWriter();
  std::unique_ptr<AtomicOutputFile> file;
  struct Hasher;
  std::unique_ptr<Hasher> hasher;
  std::string path, digest;
  uint64_t expected = 0, written = 0, size = 0;
};

} // namespace llmq

#endif // LLMQ_FORMATS_FILES_SAFETENSORSWRITER_H
