//===- ReadFile.h - Reading small input files safely ------------*- C++ -*-===//
//
// Config files, tokenizers, index files and calibration texts are read whole
// into memory. A hostile path must not make that hang or exhaust memory: a
// FIFO, a device (/dev/zero), a directory or a file larger than the limit for
// its kind is refused with one line naming the file, before anything is
// allocated for it, and never more than the limit is read.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_FORMATS_FILES_READFILE_H
#define LLMQ_FORMATS_FILES_READFILE_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdint>
#include <memory>
#include <string>

namespace llmq {

/// Size limits of the files llmq reads whole (documented in
/// docs/frontends/hf.md and docs/runtime.md).
inline constexpr uint64_t kMaxConfigFileBytes = uint64_t(64) << 20;
inline constexpr uint64_t kMaxTokenizerFileBytes = uint64_t(512) << 20;
inline constexpr uint64_t kMaxTextFileBytes = uint64_t(1) << 30;
/// llmq IR holds no weights, only references to them.
inline constexpr uint64_t kMaxIRFileBytes = uint64_t(1) << 30;
/// NPU artifacts (docs/backends/npu-artifact.md).
inline constexpr uint64_t kMaxManifestFileBytes = uint64_t(64) << 20;
inline constexpr uint64_t kMaxGraphFileBytes = uint64_t(256) << 20;

/// The contents of the regular file `path`, which must hold at most `limit`
/// bytes. `what` names the kind of file in the message ("config file").
/// Errors name the file: "cannot read: <reason>", "not a regular file",
/// "is N bytes, more than the limit of M bytes for a <what>".
llvm::Expected<std::string> readSmallFile(llvm::StringRef path, uint64_t limit,
                                          llvm::StringRef what);

/// readSmallFile into a buffer that ends in a NUL byte, for parsers that take
/// a MemoryBuffer (the MLIR parser); the buffer is named after `path`.
llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
readSmallFileBuffer(llvm::StringRef path, uint64_t limit, llvm::StringRef what);

/// Reads at most `length` bytes at `offset` of the regular file `path` into
/// `out`; errors unless exactly `length` bytes were there.
llvm::Error readFileRange(llvm::StringRef path, uint64_t offset,
                          uint64_t length, std::string &out);

} // namespace llmq

#endif // LLMQ_FORMATS_FILES_READFILE_H
