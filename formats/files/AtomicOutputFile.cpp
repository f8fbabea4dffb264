//===- AtomicOutputFile.cpp - Output that appears whole or not at all -----===//

#include "formats/files/AtomicOutputFile.h"

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
  if (committed) { // stdout
    stream->flush();
    return llvm::Error::success();
  }
  stream->close();
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
