//===- SignalCleanup.h - Directories removed on a signal --------*- C++ -*-===//
//
// llvm::sys::RemoveFileOnSignal removes files, never directories; a staging
// directory needs the same promise. A directory registered here is removed,
// with everything under it, when the process is interrupted (SIGINT, SIGTERM,
// SIGHUP) or crashes; the signal then takes its usual course (LLVM removes
// its temporary files and the process dies of the signal).
//
// The removal in the signal handler uses only async-signal-safe system calls
// (open, getdents64, unlinkat, close) on Linux.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_FORMATS_FILES_SIGNALCLEANUP_H
#define LLMQ_FORMATS_FILES_SIGNALCLEANUP_H

#include "llvm/ADT/StringRef.h"

namespace llmq {

/// Removes the directory `path` and its contents if a termination or crash
/// signal arrives. At most 16 directories are registered at a time.
void removeDirectoryOnSignal(llvm::StringRef path);

/// Undoes removeDirectoryOnSignal (the directory was committed or removed).
void dontRemoveDirectoryOnSignal(llvm::StringRef path);

/// Removes `path` and, if it is a directory, everything under it, without
/// following symbolic links. Returns false if something could not be removed.
/// Async-signal-safe on Linux.
bool removeTree(const char *path);

/// Test hook, called where an output is complete but not yet in place: if
/// the environment variable LLMQ_TEST_SIGNAL_AT_COMMIT is INT, TERM or HUP,
/// raises that signal; if it is wait:PATH, creates PATH and waits up to a
/// minute (the first time only) for the test to send a signal from outside.
/// Either way the test interrupts an export deterministically. Does nothing
/// otherwise.
void raiseSignalForTesting();

} // namespace llmq

#endif // LLMQ_FORMATS_FILES_SIGNALCLEANUP_H
