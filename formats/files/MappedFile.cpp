//===- MappedFile.cpp - Read-only memory-mapped source files ---------------===//

#include "formats/files/MappedFile.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace llmq;

static llvm::Error fileError(llvm::StringRef path, llvm::StringRef what) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 path + ": " + what + ": " + strerror(errno));
}

llvm::Expected<std::unique_ptr<MappedFile>>
MappedFile::open(llvm::StringRef path) {
  std::string name = path.str();
  int fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fileError(path, "cannot open");
  struct stat st;
  if (fstat(fd, &st) != 0) {
    llvm::Error err = fileError(path, "cannot stat");
    ::close(fd);
    return std::move(err);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path + ": not a regular file");
  }
  uint64_t size = static_cast<uint64_t>(st.st_size);
  const uint8_t *base = nullptr;
  if (size > 0) {
    void *map = mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
      llvm::Error err = fileError(path, "cannot map");
      ::close(fd);
      return std::move(err);
    }
    base = static_cast<const uint8_t *>(map);
  }
  ::close(fd); // the mapping keeps the file alive
  return std::unique_ptr<MappedFile>(new MappedFile(name, base, size));
}

MappedFile::~MappedFile() {
  if (base)
    munmap(const_cast<uint8_t *>(base), fileSize);
}

void MappedFile::release(uint64_t offset, uint64_t length) const {
  if (!base || length == 0)
    return;
  // A page fault may map a whole large folio of the page cache (up to a
  // PMD, 2 MiB), reaching back into pages released before. Widen the range
  // back by that much, or such pages stay resident and memory grows with the
  // file. madvise also needs a page-aligned start.
  constexpr uint64_t kFolioReach = 2u << 20;
  uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  uint64_t start = (offset > kFolioReach ? offset - kFolioReach : 0) & ~(page - 1);
  if (offset >= fileSize)
    return;
  uint64_t end = offset + std::min(length, fileSize - offset);
  madvise(const_cast<uint8_t *>(base) + start, end - start, MADV_DONTNEED);
}
