//===- ScratchFile.h - Bytes kept on disk for later in the run --*- C++ -*-===//
//
// Some results are computed long before the run knows which of them it
// needs: --llmq-assign-bits error=gptq quantizes every candidate format of a
// weight by GPTQ to measure it, and only the knapsack, at the end, says which
// one the parameter file gets. Keeping them all in memory would grow with the
// model; computing the chosen ones again would take a second calibration run.
// A ScratchFile keeps them on disk instead: an unnamed file in the output's
// directory (O_TMPFILE, or a unique name removed as soon as it is opened),
// so nothing is left behind whatever ends the run, a signal included.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_FORMATS_FILES_SCRATCHFILE_H
#define LLMQ_FORMATS_FILES_SCRATCHFILE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace llmq {

class ScratchFile {
public:
  /// Where append() put its bytes.
  struct Extent {
    uint64_t offset = 0, size = 0;
  };

  /// Opens an unnamed file in the directory of `besidePath` (the output it
  /// serves, so that the space it takes is on the output's file system).
  static llvm::Expected<std::unique_ptr<ScratchFile>>
  create(llvm::StringRef besidePath);
  ~ScratchFile();
  ScratchFile(const ScratchFile &) = delete;
  ScratchFile &operator=(const ScratchFile &) = delete;

  /// Writes `bytes` after everything written so far.
  llvm::Expected<Extent> append(llvm::ArrayRef<uint8_t> bytes);
  /// The bytes of an extent append() returned.
  llvm::Expected<std::vector<uint8_t>> read(Extent extent) const;
  uint64_t size() const { return end; }

private:
  ScratchFile(int fd, std::string directory);
  llvm::Error fail(const char *what, int errnum) const;

  int fd;
  std::string directory; ///< for messages
  uint64_t end = 0;
};

} // namespace llmq

#endif // LLMQ_FORMATS_FILES_SCRATCHFILE_H
