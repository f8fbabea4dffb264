//===- ScratchFile.cpp - Bytes kept on disk for later in the run ----------===//

#include "formats/files/ScratchFile.h"

#include "formats/CheckedArith.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <cerrno>
#include <climits>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

using namespace llmq;

llvm::Expected<std::unique_ptr<ScratchFile>>
ScratchFile::create(llvm::StringRef besidePath) {
  llvm::SmallString<256> directory(llvm::sys::path::parent_path(besidePath));
  if (directory.empty())
    directory = ".";
  int fd = -1;
#ifdef O_TMPFILE
  fd = ::open(directory.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
#endif
  if (fd < 0) {
    // No O_TMPFILE here (or not on this file system): a unique name,
    // removed right away; the open descriptor keeps the file.
    llvm::SmallString<256> model(directory);
    llvm::sys::path::append(model, ".llmq-scratch-%%%%%%%%");
    llvm::SmallString<256> path;
    if (std::error_code ec =
            llvm::sys::fs::createUniqueFile(model, fd, path))
      return llvm::createStringError(ec, "%s: cannot create a scratch file: %s",
                                     directory.c_str(), ec.message().c_str());
    llvm::sys::fs::remove(path);
  }
  return std::unique_ptr<ScratchFile>(
      new ScratchFile(fd, std::string(directory)));
}

ScratchFile::ScratchFile(int fd, std::string directory)
    : fd(fd), directory(std::move(directory)) {}

ScratchFile::~ScratchFile() { ::close(fd); }

llvm::Error ScratchFile::fail(const char *what, int errnum) const {
  return llvm::createStringError(
      std::error_code(errnum, std::generic_category()),
      "%s: scratch file %s failed: %s", directory.c_str(), what,
      std::strerror(errnum));
}

llvm::Expected<ScratchFile::Extent>
ScratchFile::append(llvm::ArrayRef<uint8_t> bytes) {
  Extent extent{end, bytes.size()};
  std::optional<uint64_t> newEnd = checkedAdd(end, bytes.size());
  if (!newEnd || *newEnd > uint64_t(INT64_MAX))
    return fail("write", EFBIG);
  for (uint64_t done = 0; done < bytes.size();) {
    ssize_t n = ::pwrite(fd, bytes.data() + done, bytes.size() - done,
                         static_cast<off_t>(end + done));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return fail("write", n < 0 ? errno : ENOSPC);
    done += static_cast<uint64_t>(n);
  }
  end = *newEnd;
  return extent;
}

llvm::Expected<std::vector<uint8_t>>
ScratchFile::read(Extent extent) const {
  if (extent.offset > end || extent.size > end - extent.offset)
    return fail("read", EINVAL);
  std::vector<uint8_t> bytes(extent.size);
  for (uint64_t done = 0; done < extent.size;) {
    ssize_t n = ::pread(fd, bytes.data() + done, extent.size - done,
                        static_cast<off_t>(extent.offset + done));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return fail("read", n < 0 ? errno : EIO);
    done += static_cast<uint64_t>(n);
  }
  return bytes;
}
