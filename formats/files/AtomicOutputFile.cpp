//===- AtomicOutputFile.cpp - Output that appears whole or not at all -----===//

#include "formats/files/AtomicOutputFile.h"

#include "formats/files/OutputPaths.h"
#include "formats/files/SignalCleanup.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Signals.h"

using namespace llmq;

llvm::Expected<std::unique_ptr<AtomicOutputFile>>
AtomicOutputFile::create(llvm::StringRef path) {
  std::unique_ptr<AtomicOutputFile> file(new AtomicOutputFile());
  file->destination = path.str();
  std::error_code ec;
  if (path == "-") {
    file->stream = std::make_unique<llvm::raw_fd_ostream>("-", ec);
    file->committed = true;
    return std::move(file);
  }
  if (llvm::Error err = checkOutputFile(path))
    return std::move(err);
  // A device or a pipe (-o /dev/null) is written in place: it cannot be
  // renamed over, and holds nothing to lose.
  llvm::sys::fs::file_status status;
  if (!llvm::sys::fs::status(path, status) &&
      status.type() != llvm::sys::fs::file_type::regular_file &&
      status.type() != llvm::sys::fs::file_type::symlink_file) {
    file->stream = std::make_unique<llvm::raw_fd_ostream>(
        path, ec, llvm::sys::fs::OF_None);
    if (ec)
      return llvm::createStringError(ec, "%s: cannot open output: %s",
                                     file->destination.c_str(),
                                     ec.message().c_str());
    file->committed = true;
    return std::move(file);
  }
  llvm::SmallString<256> model(path);
  model += ".tmp-%%%%%%%%";
  llvm::SmallString<256> temporary;
  int fd;
  ec = llvm::sys::fs::createUniqueFile(model, fd, temporary);
  if (ec)
    return llvm::createStringError(ec, "%s: cannot create output: %s",
                                   file->destination.c_str(),
                                   ec.message().c_str());
  file->temporary = std::string(temporary);
  llvm::sys::RemoveFileOnSignal(file->temporary);
  file->stream = std::make_unique<llvm::raw_fd_ostream>(fd, /*shouldClose=*/true);
  return std::move(file);
}

AtomicOutputFile::~AtomicOutputFile() {
  if (committed)
    return;
  stream.reset();
  llvm::sys::fs::remove(temporary);
  llvm::sys::DontRemoveFileOnSignal(temporary);
}

llvm::Error AtomicOutputFile::commit() {
  if (committed) { // stdout or a device
    stream->flush();
    if (stream->has_error()) {
      std::error_code ec = stream->error();
      stream->clear_error();
      return llvm::createStringError(ec, "%s: write failed: %s",
                                     destination.c_str(), ec.message().c_str());
    }
    return llvm::Error::success();
  }
  raiseSignalForTesting();
  stream->close();
  // Checked again: the run may have read more inputs since create() (a pass
  // reading its ban-file, say, while quant-opt's -o was open).
  if (llvm::Error err = checkOutputFile(destination))
    return err;
  if (stream->has_error()) {
    std::error_code ec = stream->error();
    stream->clear_error();
    return llvm::createStringError(ec, "%s: write failed: %s",
                                   destination.c_str(), ec.message().c_str());
  }
  if (std::error_code ec = llvm::sys::fs::rename(temporary, destination))
    return llvm::createStringError(ec, "%s: cannot rename into place: %s",
                                   destination.c_str(), ec.message().c_str());
  llvm::sys::DontRemoveFileOnSignal(temporary);
  committed = true;
  return llvm::Error::success();
}
