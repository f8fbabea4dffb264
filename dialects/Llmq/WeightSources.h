//===- WeightSources.h - A weight's bytes in its mapped source --*- C++ -*-===//
//
// Everything that reads weights (the runtime, the analysis passes, the
// backends) resolves a llmq.weight the same way: map its source file once,
// read its tensor table once (the safetensors header or the GGUF tensor
// infos), look the weight's key up in it, and refuse a weight whose bytes
// (at the source offset, in its source format, sized by checked arithmetic)
// do not lie inside that tensor's own extent, naming file, key and weight.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_DIALECTS_LLMQ_WEIGHTSOURCES_H
#define LLMQ_DIALECTS_LLMQ_WEIGHTSOURCES_H

#include "formats/Formats.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"

#include <memory>

namespace llmq {
class MappedFile;
} // namespace llmq

namespace mlir::llmq {
class WeightOp;

/// A weight's bytes: rows x cols in `format`, rows of `rowBytes` bytes (a
/// vector is one row).
struct SourceTensor {
  const ::llmq::MappedFile *file = nullptr;
  uint64_t offset = 0; ///< of the first byte in `file`
  const uint8_t *data = nullptr;
  ::llmq::Format format = ::llmq::Format::F32;
  int64_t rows = 1, cols = 0;
  uint64_t rowBytes = 0;
};

/// Maps each source file once, for as long as it lives.
class WeightSources {
public:
  WeightSources();
  ~WeightSources();
  llvm::Expected<SourceTensor> resolve(WeightOp weight);

  /// A mapped source file and the byte extent of each tensor in it.
  struct File;

private:
  llvm::Expected<File *> open(llvm::StringRef path);

  llvm::StringMap<std::unique_ptr<File>> files;
};

} // namespace mlir::llmq

#endif // LLMQ_DIALECTS_LLMQ_WEIGHTSOURCES_H
