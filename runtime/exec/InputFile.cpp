//===- InputFile.cpp - Reading whole input files safely -------------------===//

#include "runtime/exec/InputFile.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"

using namespace llmq;
using llvm::StringRef;
using llvm::Twine;

static llvm::Error fileError(StringRef path, const Twine &what) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 path + ": " + what);
}

llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
llmq::runtime::readInputFile(StringRef path, uint64_t limit, StringRef what) {
  // The path is checked before it is opened (opening a FIFO blocks until a
  // writer comes), and the open descriptor again, so that the file checked
  // is the file read.
  llvm::sys::fs::file_status status;
  if (std::error_code ec = llvm::sys::fs::status(path, status))
    return fileError(path, "cannot read: " + ec.message());
  if (status.type() != llvm::sys::fs::file_type::regular_file)
    return fileError(path, "not a regular file");
  llvm::Expected<llvm::sys::fs::file_t> file =
      llvm::sys::fs::openNativeFileForRead(path);
  if (!file)
    return fileError(path, "cannot read: " +
                               llvm::errorToErrorCode(file.takeError())
                                   .message());
  llvm::scope_exit close([&] { llvm::sys::fs::closeFile(*file); });
  if (std::error_code ec = llvm::sys::fs::status(*file, status))
    return fileError(path, "cannot read: " + ec.message());
  if (status.type() != llvm::sys::fs::file_type::regular_file)
    return fileError(path, "not a regular file");
  uint64_t size = status.getSize();
  if (size > limit)
    return fileError(path, "is " + Twine(size) +
                               " bytes, more than the limit of " +
                               Twine(limit) + " bytes for a " + what);
  auto buffer = llvm::MemoryBuffer::getOpenFileSlice(*file, path, size, 0);
  if (!buffer)
    return fileError(path, "cannot read: " + buffer.getError().message());
  return std::move(*buffer);
}
