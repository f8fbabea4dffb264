//===- GGUF.h - Constants of the GGUF container -----------------*- C++ -*-===//
//
// What the GGUF reader and writer share: the metadata value types as the
// GGUF specification numbers them, the version written, and the default
// alignment of the data section.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_FORMATS_FILES_GGUF_H
#define LLMQ_FORMATS_FILES_GGUF_H

#include <cstdint>

namespace llmq {

/// GGUF metadata value types, as numbered by the GGUF specification.
enum class GGUFValueType : uint32_t {
  UInt8 = 0,
  Int8 = 1,
  UInt16 = 2,
  Int16 = 3,
  UInt32 = 4,
  Int32 = 5,
  Float32 = 6,
  Bool = 7,
  String = 8,
  Array = 9,
  UInt64 = 10,
  Int64 = 11,
  Float64 = 12,
};

/// The version llmq writes; the reader also accepts version 2, which differs
/// only in being older.
inline constexpr uint32_t kGGUFVersion = 3;
/// Alignment of the data section and of each tensor in it, unless the file
/// says otherwise in `general.alignment`.
inline constexpr uint64_t kGGUFDefaultAlignment = 32;

} // namespace llmq

#endif // LLMQ_FORMATS_FILES_GGUF_H
