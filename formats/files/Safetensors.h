//===- Safetensors.h - safetensors headers ----------------------*- C++ -*-===//
//
// Parses and validates a safetensors file's header. Only the header is read:
// tensor bytes are located (offset, size) for later mapping, never copied.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_FORMATS_FILES_SAFETENSORS_H
#define LLMQ_FORMATS_FILES_SAFETENSORS_H

#include "formats/Formats.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"

#include <string>

namespace llmq {

/// safetensors' own reader refuses headers over 100 MB; so does llmq, before
/// reading them.
inline constexpr uint64_t kMaxSafetensorsHeaderBytes = 100'000'000;
/// No tensor llmq reads has more dimensions.
inline constexpr size_t kMaxSafetensorsRank = 8;

struct SafetensorsTensor {
  Format dtype; ///< for F32, F16 and BF16 tensors
  std::string dtypeName; ///< as in the header: "BF16", "F8_E4M3", "I32", ...
  llvm::SmallVector<int64_t, 2> shape;
  uint64_t offset; ///< absolute byte offset in the file
  uint64_t size;   ///< bytes
};

struct SafetensorsHeader {
  std::string path;
  uint64_t fileSize = 0;
  llvm::StringMap<SafetensorsTensor> tensors;
};

/// Reads the header of `path`, checking that every tensor has a supported
/// dtype and lies inside the file with the size its shape implies (checked
/// arithmetic), that no key repeats and that no two tensors share bytes.
/// Errors name the file and the tensor. Refuses non-regular files and
/// headers over kMaxSafetensorsHeaderBytes before reading them.
/// Only F32, F16 and BF16 tensors are accepted unless `anyDType`, which also
/// admits F8_E4M3, I8, U8, I32 and I64 (the components of group formats;
/// compressed-tensors' `weight_shape` is I64).
/// Without `checkExtents`, a tensor that runs past the end of the file is
/// kept (its offset and size still checked arithmetic), for a caller that
/// checks each tensor it reads and names it then (WeightSources).
llvm::Expected<SafetensorsHeader> readSafetensorsHeader(llvm::StringRef path,
                                                        bool anyDType = false,
                                                        bool checkExtents = true);

/// A shape as "[64, 32]".
std::string shapeText(llvm::ArrayRef<int64_t> shape);

/// The safetensors dtype name of `format` ("BF16"), or empty if none.
llvm::StringRef safetensorsDType(Format format);

} // namespace llmq

#endif // LLMQ_FORMATS_FILES_SAFETENSORS_H
