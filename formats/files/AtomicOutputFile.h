//===- AtomicOutputFile.h - Output that appears whole or not at all -*- C++ -*-===//
//
// Every artifact llmq writes goes to a temporary beside its destination and is
// renamed into place only once complete, so a failure (bad input, a full disk,
// a signal) never leaves a partial file under the requested name.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_FORMATS_FILES_ATOMICOUTPUTFILE_H
#define LLMQ_FORMATS_FILES_ATOMICOUTPUTFILE_H

#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <string>

namespace llmq {

class AtomicOutputFile {
public:
  /// Opens a temporary next to `path`, once the output policy allows `path`
  /// (checkOutputFile: not an input of this run, not a directory). "-"
  /// writes to stdout directly, and so is an existing device or pipe
  /// (-o /dev/null) written in place.
  static llvm::Expected<std::unique_ptr<AtomicOutputFile>>
  create(llvm::StringRef path);
  /// Removes the temporary unless commit() succeeded.
  ~AtomicOutputFile();

  llvm::raw_pwrite_stream &os() { return *stream; }
  /// Flushes, closes and renames the temporary to the destination, after
  /// checking the destination again against the inputs the run has read by
  /// now (the test hook raiseSignalForTesting() fires first).
  llvm::Error commit();

private:
  AtomicOutputFile() = default;
  std::string destination, temporary;
  std::unique_ptr<llvm::raw_fd_ostream> stream;
  bool committed = false;
};

} // namespace llmq

#endif // LLMQ_FORMATS_FILES_ATOMICOUTPUTFILE_H
