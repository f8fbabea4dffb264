//===- FuzzUtil.h - Shared helpers of the libFuzzer targets -----*- C++ -*-===//
//
// Readers take paths, so the fuzz targets hand them their input through a
// memfd (/proc/self/fd/N) or a file in a per-process scratch directory under
// $LLMQ_FUZZ_TMP or /tmp, removed when the process exits.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_TEST_FUZZ_FUZZUTIL_H
#define LLMQ_TEST_FUZZ_FUZZUTIL_H

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

/// ASan's defaults for these targets (each is one file, the only one to
/// include this header), also when run by hand: LLVM's
/// BumpPtrAllocator poisons memory in instrumented inline code that the
/// uninstrumented system libMLIR never unpoisons, which reads as false
/// use-after-poison reports.
extern "C" const char *__asan_default_options() {
  return "allow_user_poisoning=0:detect_leaks=1";
}

namespace llmq::fuzz {

/// A memfd holding `size` bytes, readable by path while it lives.
class MemFile {
public:
  MemFile(const uint8_t *data, size_t size) {
    fd = memfd_create("llmq-fuzz", MFD_CLOEXEC);
    if (fd < 0)
      return;
    if (size && write(fd, data, size) != static_cast<ssize_t>(size)) {
      close(fd);
      fd = -1;
      return;
    }
    path = "/proc/self/fd/" + std::to_string(fd);
  }
  ~MemFile() {
    if (fd >= 0)
      close(fd);
  }
  MemFile(const MemFile &) = delete;
  MemFile &operator=(const MemFile &) = delete;
  bool ok() const { return fd >= 0; }
  const std::string &getPath() const { return path; }

private:
  int fd = -1;
  std::string path;
};

/// This process's scratch directory, created on first use under
/// $LLMQ_FUZZ_TMP (else /tmp) and removed (with what the target put in it)
/// at a normal exit; scripts/fuzz.sh removes those a crash leaves behind.
inline const std::string &scratchDir() {
  static std::string dir = [] {
    const char *parent = getenv("LLMQ_FUZZ_TMP");
    std::string pattern =
        std::string(parent && *parent ? parent : "/tmp") + "/llmq-fuzz-XXXXXX";
    std::vector<char> name(pattern.begin(), pattern.end());
    name.push_back('\0');
    if (!mkdtemp(name.data())) {
      perror("llmq-fuzz: mkdtemp");
      abort();
    }
    static std::string removeCommand =
        std::string("rm -rf '") + name.data() + "'";
    atexit([] {
      if (system(removeCommand.c_str()) != 0)
        fputs("llmq-fuzz: could not remove the scratch directory\n", stderr);
    });
    return std::string(name.data());
  }();
  return dir;
}

/// Writes `size` bytes to `path` (replacing it); false on failure.
inline bool writeFile(const std::string &path, const uint8_t *data,
                      size_t size) {
  FILE *f = fopen(path.c_str(), "wb");
  if (!f)
    return false;
  bool ok = fwrite(data, 1, size, f) == size;
  return fclose(f) == 0 && ok;
}

/// Links `name` in the scratch directory to `target` (a fixed input).
inline void linkInput(const std::string &target, const std::string &name) {
  std::string link = scratchDir() + "/" + name;
  unlink(link.c_str());
  if (symlink(target.c_str(), link.c_str()) != 0) {
    perror(("llmq-fuzz: symlink " + link).c_str());
    abort();
  }
}

/// Reports a broken invariant as a crash, so libFuzzer saves the input.
#define LLMQ_FUZZ_CHECK(cond, message)                                         \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "llmq-fuzz: invariant broken: %s\n", message);          \
      abort();                                                                 \
    }                                                                          \
  } while (0)

} // namespace llmq::fuzz

#endif // LLMQ_TEST_FUZZ_FUZZUTIL_H
