//===- Progress.h - Progress lines for long streaming work ------*- C++ -*-===//
//
// Long work (exporting, calibrating) reports "[k/n] what" on stderr, redrawn
// in place, but only when stderr is a terminal: logs and pipes stay clean.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_FORMATS_FILES_PROGRESS_H
#define LLMQ_FORMATS_FILES_PROGRESS_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>

namespace llmq {

class Progress {
public:
  /// `title` names the work ("export-gguf"); `total` counts its steps.
  Progress(llvm::StringRef title, uint64_t total);
  ~Progress();
  /// Marks the start of step `index` (0-based) on `what`.
  void step(uint64_t index, llvm::StringRef what);

private:
  llvm::StringRef title;
  uint64_t total;
  bool enabled;
};

} // namespace llmq

#endif // LLMQ_FORMATS_FILES_PROGRESS_H
