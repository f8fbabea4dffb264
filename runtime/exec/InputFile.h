//===- InputFile.h - Reading whole input files safely -----------*- C++ -*-===//
//
// Manifests, graphs, texts and the files whose hashes an artifact records
// are read whole into memory. A hostile path must not make that hang or
// exhaust memory: a FIFO, a device (/dev/zero), a directory or a file larger
// than the limit for its kind is refused with one line naming the file,
// before anything is allocated for it, and never more than the limit is read.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_RUNTIME_EXEC_INPUTFILE_H
#define LLMQ_RUNTIME_EXEC_INPUTFILE_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstdint>
#include <memory>

namespace llmq::runtime {

/// Size limits of the files the runtime reads whole (docs/runtime.md).
inline constexpr uint64_t kTextFileLimit = uint64_t(1) << 30;
/// llmq IR holds no weights, only references to them.
inline constexpr uint64_t kIRFileLimit = uint64_t(1) << 30;
inline constexpr uint64_t kManifestFileLimit = uint64_t(64) << 20;
inline constexpr uint64_t kGraphFileLimit = uint64_t(256) << 20;
inline constexpr uint64_t kConfigFileLimit = uint64_t(64) << 20;
inline constexpr uint64_t kTokenizerFileLimit = uint64_t(512) << 20;

/// The contents of the regular file `path`, which must hold at most `limit`
/// bytes; `what` names the kind of file in the message ("text file").
/// Errors name the file: "cannot read: <reason>", "not a regular file",
/// "is N bytes, more than the limit of M bytes for a <what>".
llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
readInputFile(llvm::StringRef path, uint64_t limit, llvm::StringRef what);

} // namespace llmq::runtime

#endif // LLMQ_RUNTIME_EXEC_INPUTFILE_H
