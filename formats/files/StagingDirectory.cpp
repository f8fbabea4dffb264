//===- StagingDirectory.cpp - A directory that appears whole or not at all ===//

#include "formats/files/StagingDirectory.h"

#include "formats/files/OutputPaths.h"
#include "formats/files/SignalCleanup.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <system_error>

using namespace llmq;
using llvm::StringRef;
using llvm::Twine;

static llvm::Error stagingError(const Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

static std::string withPid(StringRef path, StringRef tag) {
  return (path + tag + Twine(llvm::sys::Process::getProcessId())).str();
}

namespace {
enum class RenameResult { Done, Exists, Unsupported, Failed };
} // namespace

/// rename(2) that fails rather than replace an existing `to` (noReplace), or
/// that swaps `from` and `to` (exchange). Unsupported where the system or the
/// file system lacks renameat2's flags.
static RenameResult renameWithFlags(const std::string &from,
                                    const std::string &to, bool exchange,
                                    std::error_code &ec) {
#if defined(__linux__) && defined(RENAME_NOREPLACE) && defined(RENAME_EXCHANGE)
  unsigned flags = exchange ? RENAME_EXCHANGE : RENAME_NOREPLACE;
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), flags) == 0)
    return RenameResult::Done;
  int error = errno;
  ec = std::error_code(error, std::generic_category());
  if (error == EEXIST || error == ENOTEMPTY)
    return RenameResult::Exists;
  if (error == EINVAL || error == ENOSYS || error == ENOTSUP)
    return RenameResult::Unsupported;
  return RenameResult::Failed;
#else
  (void)from, (void)to, (void)exchange, (void)ec;
  return RenameResult::Unsupported;
#endif
}

llvm::Expected<std::unique_ptr<StagingDirectory>>
StagingDirectory::create(StringRef destination, bool replaceExisting) {
  // "out/" names out, not a file inside it.
  while (destination.size() > 1 && destination.ends_with("/"))
    destination = destination.drop_back();
  if (llvm::Error err = checkOutputDirectory(destination, replaceExisting))
    return std::move(err);
  std::unique_ptr<StagingDirectory> dir(new StagingDirectory());
  dir->destination = destination.str();
  dir->staging = withPid(destination, ".partial-");
  dir->replaceExisting = replaceExisting;
  // The parent is created as -o asks; the staging directory itself must be
  // new: whatever has its name (a killed run of the same PID) is not ours.
  StringRef parent = llvm::sys::path::parent_path(dir->staging);
  if (!parent.empty())
    if (std::error_code ec = llvm::sys::fs::create_directories(parent))
      return stagingError(parent + ": cannot create: " + ec.message());
  if (llvm::sys::fs::exists(dir->staging)) {
    dir->committed = true; // nothing of ours to remove
    return stagingError(dir->staging +
                        ": already exists (left by an interrupted export?); "
                        "remove it first");
  }
  // Registered first, so that no moment exists where a signal leaves it.
  removeDirectoryOnSignal(dir->staging);
  if (std::error_code ec = llvm::sys::fs::create_directory(
          dir->staging, /*IgnoreExisting=*/false)) {
    dontRemoveDirectoryOnSignal(dir->staging);
    dir->committed = true; // nothing of ours to remove
    return stagingError(dir->staging + ": cannot create: " + ec.message());
  }
  return std::move(dir);
}

StagingDirectory::~StagingDirectory() {
  if (committed)
    return;
  removeTree(staging.c_str());
  dontRemoveDirectoryOnSignal(staging);
}

llvm::Error StagingDirectory::commit() {
  raiseSignalForTesting();
  bool exists = llvm::sys::fs::exists(destination);
  if (exists && !replaceExisting) // created since create() checked
    return stagingError(destination +
                        ": already exists; pass --force to replace it");
  std::error_code ec;
  RenameResult result = renameWithFlags(staging, destination, exists, ec);
  if (result == RenameResult::Exists)
    return stagingError(destination +
                        ": already exists; pass --force to replace it");
  if (result == RenameResult::Failed)
    return stagingError(destination + ": cannot move into place: " +
                        ec.message());
  if (result == RenameResult::Done) {
    committed = true;
    if (exists) { // the old directory now sits at the staging path
      bool removed = removeTree(staging.c_str());
      dontRemoveDirectoryOnSignal(staging);
      if (!removed)
        return stagingError(destination + ": replaced, but the old directory "
                                          "could not be removed (left at " +
                            staging + ")");
    } else {
      dontRemoveDirectoryOnSignal(staging);
    }
    return llvm::Error::success();
  }

  // No atomic exchange here: the old directory is moved aside first, then
  // the new one into place, and the old one is restored if that fails. A
  // signal in between leaves the old one at DEST.old-PID, never removes it.
  std::string aside = withPid(destination, ".old-");
  if (exists)
    if (std::error_code moveEc = llvm::sys::fs::rename(destination, aside))
      return stagingError(destination + ": cannot move aside: " +
                          moveEc.message());
  if (std::error_code renameEc = llvm::sys::fs::rename(staging, destination)) {
    if (exists)
      (void)llvm::sys::fs::rename(aside, destination);
    return stagingError(destination + ": cannot move into place: " +
                        renameEc.message());
  }
  committed = true;
  dontRemoveDirectoryOnSignal(staging);
  if (exists) {
    bool removed = removeTree(aside.c_str());
    if (!removed)
      return stagingError(destination + ": replaced, but the old directory "
                                        "could not be removed (left at " +
                          aside + ")");
  }
  return llvm::Error::success();
}
