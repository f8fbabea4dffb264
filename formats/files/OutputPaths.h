//===- OutputPaths.h - What an output may not replace -----------*- C++ -*-===//
//
// The policy every output of llmq obeys before a byte is written: an output
// is never one of the files the run reads (its input, a weight's source file,
// the tokenizer, an imatrix, a GGUF the model came from), also not through a
// symbolic or hard link; a directory output never is or contains one; an
// existing directory is replaced only when the user asks for it (--force).
//
// The inputs are recorded once per process by whoever opens them (tool mains,
// importers, exporters), so that any later output, even one a pass writes,
// is checked against all of them.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_FORMATS_FILES_OUTPUTPATHS_H
#define LLMQ_FORMATS_FILES_OUTPUTPATHS_H

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/Path.h"

#include <string>

namespace llmq {

/// Records that this run reads `path` (a file or a directory) as `role`
/// ("the input", "a weight source", "the tokenizer", ...): no output may
/// replace it. "-" (stdin) and empty paths are ignored.
void protectInput(llvm::StringRef path, llvm::StringRef role);

/// Forgets every recorded input (for tests of the policy itself).
void clearProtectedInputs();

/// Refuses a file output at `path` that is a recorded input (compared as
/// files: a symlink or a hard link to an input is that input) or an existing
/// directory. "-" (stdout) is always accepted.
llvm::Error checkOutputFile(llvm::StringRef path);

/// Refuses a directory output at `path` that is or contains a recorded input,
/// that exists but is not a directory, or that exists at all unless
/// `replaceExisting` (--force).
llvm::Error checkOutputDirectory(llvm::StringRef path, bool replaceExisting);

/// `name` inside the directory `dir` (the paths of an output directory's
/// files, and of an artifact's files when it is read back).
inline std::string pathIn(llvm::StringRef dir, llvm::StringRef name) {
  llvm::SmallString<256> path(dir);
  llvm::sys::path::append(path, name);
  return std::string(path);
}

} // namespace llmq

#endif // LLMQ_FORMATS_FILES_OUTPUTPATHS_H
