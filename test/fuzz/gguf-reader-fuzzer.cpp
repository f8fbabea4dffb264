//===- gguf-reader-fuzzer.cpp - libFuzzer target for the GGUF reader ------===//
//
// Feeds arbitrary bytes to GGUFFile::open (through a memfd, since the reader
// maps files) and, when they parse, touches every value and tensor the way
// importers do. Any crash, leak or sanitizer report is a bug in the reader:
// it must reject malformed input with an error.
//
// Built and run by scripts/fuzz-gguf.sh.
//
//===----------------------------------------------------------------------===//

#include "formats/files/GGUFReader.h"

#include <cstdint>
#include <cstdio>
#include <sys/mman.h>
#include <unistd.h>

using namespace llmq;

static void touch(const GGUFValue &value, uint64_t &sink) {
  if (auto s = value.getString())
    sink += s->size();
  if (auto u = value.getUInt())
    sink += *u;
  for (llvm::StringRef s : value.getStrings())
    sink += s.size();
  for (const GGUFValue &inner : value.getArrays())
    touch(inner, sink);
  for (size_t i = 0; i < value.size(); ++i)
    if (auto v = value.getIntElement(i))
      sink += *v;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int fd = memfd_create("gguf", MFD_CLOEXEC);
  if (fd < 0)
    return 0;
  if (size && write(fd, data, size) != static_cast<ssize_t>(size)) {
    close(fd);
    return 0;
  }
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  auto file = GGUFFile::open(path);
  uint64_t sink = 0;
  if (file) {
    for (const GGUFKeyValue &kv : (*file)->keyValues())
      touch(kv.value, sink);
    for (const GGUFTensorInfo &t : (*file)->tensors()) {
      llvm::ArrayRef<uint8_t> bytes = (*file)->tensorData(t);
      if (!bytes.empty())
        sink += bytes.front() + bytes.back();
    }
  } else {
    llvm::consumeError(file.takeError());
  }
  close(fd);
  return sink == 0xdeadbeef; // keeps the reads from being optimized away
}
