//===- StagingDirectory.h - A directory that appears whole or not at all -===//
//
// A directory output (the NPU artifact) is written under a sibling name,
// DEST.partial-PID, and moved to DEST only once complete. Until then DEST is
// untouched; on an error, a destructor or a signal, the sibling is removed.
// An existing DEST is replaced only if the caller says so (--force), and then
// by an atomic exchange: DEST is always either the old or the new directory.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_FORMATS_FILES_STAGINGDIRECTORY_H
#define LLMQ_FORMATS_FILES_STAGINGDIRECTORY_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>

namespace llmq {

class StagingDirectory {
public:
  /// Checks `destination` against the output policy (checkOutputDirectory)
  /// and creates the staging directory beside it.
  static llvm::Expected<std::unique_ptr<StagingDirectory>>
  create(llvm::StringRef destination, bool replaceExisting);
  /// Removes the staging directory unless commit() succeeded.
  ~StagingDirectory();

  /// Where to write: the staging directory.
  llvm::StringRef path() const { return staging; }
  /// Moves the staging directory to the destination; an existing destination
  /// (allowed by replaceExisting) is exchanged with it atomically, then
  /// removed.
  llvm::Error commit();

private:
  StagingDirectory() = default;
  std::string destination, staging;
  bool replaceExisting = false;
  bool committed = false;
};

} // namespace llmq

#endif // LLMQ_FORMATS_FILES_STAGINGDIRECTORY_H
