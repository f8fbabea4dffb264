//===- GGUFWriter.h - GGUF v3 container writer ------------------*- C++ -*-===//
//
// Writes the GGUF v3 container: metadata key/values and tensor infos first,
// then each tensor's bytes, streamed by the caller in the order the tensors
// were declared. The writer keeps only metadata in memory.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_FORMATS_FILES_GGUFWRITER_H
#define LLMQ_FORMATS_FILES_GGUFWRITER_H

#include "formats/files/GGUF.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llmq {

class GGUFWriter {
public:
  void addString(llvm::StringRef key, llvm::StringRef value);
  void addUInt32(llvm::StringRef key, uint32_t value);
  void addInt32(llvm::StringRef key, int32_t value);
  void addFloat32(llvm::StringRef key, float value);
  void addBool(llvm::StringRef key, bool value);
  void addStringArray(llvm::StringRef key, llvm::ArrayRef<std::string> values);
  void addFloat32Array(llvm::StringRef key, llvm::ArrayRef<float> values);
  void addInt32Array(llvm::StringRef key, llvm::ArrayRef<int32_t> values);
  /// Adds a value already encoded as GGUF stores it (as read from another
  /// file), so unknown keys pass through unchanged.
  void addEncoded(llvm::StringRef key, GGUFValueType type,
                  llvm::ArrayRef<uint8_t> encoded);
  /// Whether `key` was added already.
  bool contains(llvm::StringRef key) const;

  /// Declares a tensor: `ne` in ggml order (innermost, i.e. contiguous,
  /// dimension first) and its size in bytes in `ggmlType`.
  void addTensor(llvm::StringRef name, llvm::ArrayRef<int64_t> ne,
                 uint32_t ggmlType, uint64_t bytes);

  /// Writes magic, counts, metadata, tensor infos and the padding before the
  /// data section.
  void writeHeader(llvm::raw_ostream &os) const;
  /// Writes the zero padding that follows a tensor of `bytes` bytes.
  static void writeTensorPadding(llvm::raw_ostream &os, uint64_t bytes);

private:
  struct KeyValue {
    std::string key;
    GGUFValueType type;
    std::string payload; ///< the value, already encoded
  };
  struct TensorInfo {
    std::string name;
    llvm::SmallVector<int64_t, 4> ne;
    uint32_t ggmlType;
    uint64_t offset;
  };
  KeyValue &add(llvm::StringRef key, GGUFValueType type);

  std::vector<KeyValue> keyValues;
  std::vector<TensorInfo> tensors;
  uint64_t dataSize = 0;
};

} // namespace llmq

#endif // LLMQ_FORMATS_FILES_GGUFWRITER_H
