//===- SignalCleanup.cpp - Directories removed on a signal ----------------===//

#include "formats/files/SignalCleanup.h"

#include "llvm/Support/Signals.h"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <string>
#include <unistd.h>

#if defined(__linux__)
#include <sys/syscall.h>
#else
#include <dirent.h>
#endif

using namespace llmq;
using llvm::StringRef;

//===----------------------------------------------------------------------===//
// Removing a tree with system calls only
//===----------------------------------------------------------------------===//

/// Deeper trees than an artifact's (DIR/weights/x) are not expected; the
/// bound keeps the handler's stack use fixed.
static constexpr int MaxDepth = 16;

static bool removeEntries(int dirFd, int depth);

/// Removes the entry `name` of the open directory `dirFd`: a file at once, a
/// directory with everything inside it.
static bool removeEntry(int dirFd, const char *name, int depth) {
  if (!strcmp(name, ".") || !strcmp(name, ".."))
    return true;
  if (unlinkat(dirFd, name, 0) == 0 || errno == ENOENT)
    return true;
  if (errno != EISDIR && errno != EPERM)
    return false;
  int sub =
      openat(dirFd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (sub < 0)
    return false;
  bool ok = removeEntries(sub, depth + 1);
  close(sub);
  return unlinkat(dirFd, name, AT_REMOVEDIR) == 0 && ok;
}

/// Removes everything inside the open directory `dirFd`.
static bool removeEntries(int dirFd, int depth) {
  if (depth > MaxDepth)
    return false;
  bool ok = true;
#if defined(__linux__)
  struct Entry {
    uint64_t ino;
    int64_t off;
    unsigned short reclen;
    unsigned char type;
    char name[1];
  };
  alignas(8) char buffer[2048];
  for (;;) {
    long n = syscall(SYS_getdents64, dirFd, buffer, sizeof(buffer));
    if (n <= 0) {
      ok &= n == 0;
      break;
    }
    for (long offset = 0; offset < n;) {
      const Entry *entry = reinterpret_cast<const Entry *>(buffer + offset);
      offset += entry->reclen;
      ok &= removeEntry(dirFd, entry->name, depth);
    }
  }
#else
  // Not async-signal-safe (opendir allocates); used outside Linux only.
  int dupFd = dup(dirFd);
  DIR *dir = dupFd < 0 ? nullptr : fdopendir(dupFd);
  if (!dir)
    return false;
  while (struct dirent *entry = readdir(dir))
    ok &= removeEntry(dirFd, entry->d_name, depth);
  closedir(dir);
#endif
  return ok;
}

bool llmq::removeTree(const char *path) {
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT)
      return true;
    if (errno == ENOTDIR || errno == ELOOP) // a file or a symbolic link
      return unlink(path) == 0 || errno == ENOENT;
    return false;
  }
  // Entries unlinked while reading may hide others from the same read; a
  // second pass over the directory finds them.
  bool removed = false;
  for (int pass = 0; pass < 3 && !removed; ++pass) {
    lseek(fd, 0, SEEK_SET);
    removeEntries(fd, 0);
    removed = rmdir(path) == 0 || errno == ENOENT;
  }
  close(fd);
  return removed;
}

//===----------------------------------------------------------------------===//
// The registry and the handlers
//===----------------------------------------------------------------------===//

static constexpr int MaxDirectories = 16;
/// Owned copies of the registered paths; the handler takes them out with an
/// exchange, so a path is never freed while the handler uses it.
static std::atomic<char *> registered[MaxDirectories];

static constexpr int TerminationSignals[] = {SIGHUP, SIGINT, SIGTERM};
static struct sigaction previousActions[std::size(TerminationSignals)];

static void removeRegisteredDirectories() {
  for (std::atomic<char *> &slot : registered)
    if (char *path = slot.exchange(nullptr))
      removeTree(path);
}

/// Removes the registered directories, then hands the signal back to the
/// handler it had before (LLVM's, which removes its files and re-raises it
/// with the default action): the signal stays blocked while this handler
/// runs, so the raise takes effect on return.
static void onTerminationSignal(int signal) {
  int savedErrno = errno;
  removeRegisteredDirectories();
  for (size_t i = 0; i < std::size(TerminationSignals); ++i)
    if (TerminationSignals[i] == signal)
      sigaction(signal, &previousActions[i], nullptr);
  raise(signal);
  errno = savedErrno;
}

static void onCrash(void *) { removeRegisteredDirectories(); }

static void installHandlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Installs LLVM's own handlers first (a no-op where InitLLVM did), so
    // that ours run before them and pass the signal on.
    llvm::sys::AddSignalHandler(onCrash, nullptr);
    for (size_t i = 0; i < std::size(TerminationSignals); ++i) {
      struct sigaction current;
      if (sigaction(TerminationSignals[i], nullptr, &current) != 0 ||
          (!(current.sa_flags & SA_SIGINFO) && current.sa_handler == SIG_IGN))
        continue; // an ignored signal stays ignored
      struct sigaction action;
      memset(&action, 0, sizeof(action));
      action.sa_handler = onTerminationSignal;
      sigemptyset(&action.sa_mask);
      action.sa_flags = SA_ONSTACK;
      sigaction(TerminationSignals[i], &action, &previousActions[i]);
    }
  });
}

void llmq::removeDirectoryOnSignal(StringRef path) {
  installHandlers();
  char *copy = strdup(path.str().c_str());
  if (!copy)
    return;
  for (std::atomic<char *> &slot : registered) {
    char *expected = nullptr;
    if (slot.compare_exchange_strong(expected, copy))
      return;
  }
  free(copy); // all slots taken: this one is cleaned up on error paths only
}

void llmq::dontRemoveDirectoryOnSignal(StringRef path) {
  for (std::atomic<char *> &slot : registered) {
    char *current = slot.load();
    if (current && path == current &&
        slot.compare_exchange_strong(current, nullptr))
      free(current);
  }
}

void llmq::raiseSignalForTesting() {
  const char *name = getenv("LLMQ_TEST_SIGNAL_AT_COMMIT");
  if (!name)
    return;
  StringRef which(name);
  if (which.consume_front("wait:")) {
    // Tell the test where we are, then wait (a minute at most) for its
    // signal: it comes from outside, to whichever thread the kernel picks.
    static std::once_flag once;
    std::call_once(once, [&] {
      int fd = open(which.str().c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
      if (fd >= 0)
        close(fd);
      for (int i = 0; i < 600; ++i)
        usleep(100 * 1000);
    });
    return;
  }
  if (which == "INT")
    raise(SIGINT);
  else if (which == "TERM")
    raise(SIGTERM);
  else if (which == "HUP")
    raise(SIGHUP);
}
