//===- ScratchDirectoryTest.h - A fixture owning a fresh directory -*- C++ -*-===//
//
// Shared by the tests of writers (output paths, zip): each test gets a new
// directory, removed afterwards, and starts and ends with no protected inputs
// registered (OutputPaths keeps them process-wide).
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_TEST_UNITTESTS_FORMATS_SCRATCHDIRECTORYTEST_H
#define LLMQ_TEST_UNITTESTS_FORMATS_SCRATCHDIRECTORYTEST_H

#include "formats/files/OutputPaths.h"
#include "formats/files/SignalCleanup.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <string>

namespace llmq::test {

class ScratchDirectoryTest : public ::testing::Test {
protected:
  /// `prefix` names the directory (under the system's temporary directory).
  explicit ScratchDirectoryTest(const char *prefix) : prefix(prefix) {}

  void SetUp() override {
    clearProtectedInputs();
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory(prefix, root));
  }
  void TearDown() override {
    clearProtectedInputs();
    removeTree(root.c_str());
  }
  /// `name` inside the directory.
  std::string path(llvm::StringRef name) const { return pathIn(root, name); }
  void write(llvm::StringRef name, llvm::StringRef text) {
    std::error_code ec;
    llvm::raw_fd_ostream os(path(name), ec);
    ASSERT_FALSE(ec);
    os << text;
  }

  llvm::SmallString<256> root;

private:
  const char *prefix;
};

/// An error's text, or "" for success.
inline std::string message(llvm::Error err) {
  return err ? llvm::toString(std::move(err)) : std::string();
}

} // namespace llmq::test

#endif // LLMQ_TEST_UNITTESTS_FORMATS_SCRATCHDIRECTORYTEST_H
