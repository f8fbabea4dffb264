//===- ReadFile.cpp - Reading small input files safely --------------------===//

#include "formats/files/ReadFile.h"

#include "llvm/ADT/Twine.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace llmq;
using llvm::StringRef;
using llvm::Twine;

static llvm::Error readError(StringRef path, const Twine &what) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 path + ": " + what);
}

namespace {
/// Closes a descriptor on every path out.
struct FileDescriptor {
  int fd = -1;
  ~FileDescriptor() {
    if (fd >= 0)
      ::close(fd);
  }
};
} // namespace

/// Opens `path` for reading without blocking (a FIFO would otherwise wait
/// for a writer) and checks that it is a regular file; returns its size.
static llvm::Expected<uint64_t> openRegular(StringRef path,
                                            FileDescriptor &file) {
  std::string name = path.str();
  struct stat st;
  if (::stat(name.c_str(), &st) != 0)
    return readError(path, Twine("cannot read: ") + strerror(errno));
  if (!S_ISREG(st.st_mode))
    return readError(path, "not a regular file");
  file.fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (file.fd < 0)
    return readError(path, Twine("cannot read: ") + strerror(errno));
  // The path may have been replaced between stat and open.
  if (::fstat(file.fd, &st) != 0)
    return readError(path, Twine("cannot read: ") + strerror(errno));
  if (!S_ISREG(st.st_mode))
    return readError(path, "not a regular file");
  return static_cast<uint64_t>(st.st_size);
}

/// Opens `path` as openRegular does and refuses a file over `limit` bytes;
/// returns its size.
static llvm::Expected<uint64_t> openWithin(StringRef path, uint64_t limit,
                                           StringRef what,
                                           FileDescriptor &file) {
  llvm::Expected<uint64_t> size = openRegular(path, file);
  if (!size)
    return size.takeError();
  if (*size > limit)
    return readError(path, "is " + Twine(*size) +
                               " bytes, more than the limit of " +
                               Twine(limit) + " bytes for a " + what);
  return *size;
}

/// Reads up to `length` bytes at `offset` into `out`, stopping at the end of
/// the file; returns how many were read.
static llvm::Expected<uint64_t> readInto(StringRef path, int fd,
                                         uint64_t offset, char *out,
                                         uint64_t length) {
  uint64_t done = 0;
  while (done < length) {
    ssize_t n = ::pread(fd, out + done, length - done,
                        static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return readError(path, Twine("cannot read: ") + strerror(errno));
    }
    if (n == 0)
      break;
    done += static_cast<uint64_t>(n);
  }
  return done;
}

/// readInto a string, resized to what was read.
static llvm::Error readAt(StringRef path, int fd, uint64_t offset,
                          uint64_t length, std::string &out) {
  out.resize(length);
  llvm::Expected<uint64_t> done = readInto(path, fd, offset, out.data(), length);
  if (!done)
    return done.takeError();
  out.resize(*done);
  return llvm::Error::success();
}

llvm::Expected<std::string> llmq::readSmallFile(StringRef path, uint64_t limit,
                                                StringRef what) {
  FileDescriptor file;
  llvm::Expected<uint64_t> size = openWithin(path, limit, what, file);
  if (!size)
    return size.takeError();
  // Read one byte more than the file had, so a file that grew since it was
  // measured is caught, and never more than the limit plus one.
  std::string text;
  if (llvm::Error err = readAt(path, file.fd, 0, *size + 1, text))
    return std::move(err);
  if (text.size() > *size)
    return readError(path, "changed while it was read");
  return text;
}

llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
llmq::readSmallFileBuffer(StringRef path, uint64_t limit, StringRef what) {
  FileDescriptor file;
  llvm::Expected<uint64_t> size = openWithin(path, limit, what, file);
  if (!size)
    return size.takeError();
  std::unique_ptr<llvm::WritableMemoryBuffer> buffer =
      llvm::WritableMemoryBuffer::getNewUninitMemBuffer(*size, path);
  if (!buffer)
    return readError(path, "cannot allocate " + Twine(*size) + " bytes");
  llvm::Expected<uint64_t> done =
      readInto(path, file.fd, 0, buffer->getBufferStart(), *size);
  if (!done)
    return done.takeError();
  if (*done != *size)
    return readError(path, "changed while it was read");
  return std::unique_ptr<llvm::MemoryBuffer>(std::move(buffer));
}

llvm::Error llmq::readFileRange(StringRef path, uint64_t offset,
                                uint64_t length, std::string &out) {
  FileDescriptor file;
  llvm::Expected<uint64_t> size = openRegular(path, file);
  if (!size)
    return size.takeError();
  if (offset > *size || length > *size - offset)
    return readError(path, "cannot read " + Twine(length) + " bytes at offset " +
                               Twine(offset) + ": the file has " +
                               Twine(*size) + " bytes");
  if (llvm::Error err = readAt(path, file.fd, offset, length, out))
    return err;
  if (out.size() != length)
    return readError(path, "cannot read " + Twine(length) + " bytes at offset " +
                               Twine(offset) + ": the file is shorter");
  return llvm::Error::success();
}
