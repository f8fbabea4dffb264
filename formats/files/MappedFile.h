//===- MappedFile.h - Read-only memory-mapped source files ------*- C++ -*-===//
//
// Weights are read where they lie: a source file is mapped once and tensors are
// views into it. Streaming consumers hand pages back with release() after each
// tensor, so resident memory stays bounded by a tensor, not by the model.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_FORMATS_FILES_MAPPEDFILE_H
#define LLMQ_FORMATS_FILES_MAPPEDFILE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cassert>
#include <cstdint>
#include <memory>
#include <string>

namespace llmq {

class MappedFile {
public:
  /// Maps `path` read-only. Errors name the file.
  static llvm::Expected<std::unique_ptr<MappedFile>> open(llvm::StringRef path);
  ~MappedFile();
  MappedFile(const MappedFile &) = delete;
  MappedFile &operator=(const MappedFile &) = delete;

  llvm::StringRef path() const { return filePath; }
  uint64_t size() const { return fileSize; }
  const uint8_t *data() const { return base; }
  /// A view of [offset, offset + length), which the caller has checked lies
  /// inside the file (rangeFits in formats/CheckedArith.h).
  llvm::ArrayRef<uint8_t> bytes(uint64_t offset, uint64_t length) const {
    assert(offset <= fileSize && length <= fileSize - offset &&
           "range outside the mapped file");
    return {base + offset, static_cast<size_t>(length)};
  }
  /// Drops the resident pages of [offset, offset + length); later reads fault
  /// them in again from the file.
  void release(uint64_t offset, uint64_t length) const;

private:
  MappedFile(std::string path, const uint8_t *base, uint64_t size)
      : filePath(std::move(path)), base(base), fileSize(size) {}

  std::string filePath;
  const uint8_t *base;
  uint64_t fileSize;
};

} // namespace llmq

#endif // LLMQ_FORMATS_FILES_MAPPEDFILE_H
