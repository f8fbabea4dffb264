//===- OutputFilesTest.cpp - Output paths, staging, signal cleanup --------===//
//
// formats/files/OutputPaths (what an output may not replace),
// StagingDirectory (a directory that appears whole or not at all),
// SignalCleanup (trees removed without following links, also on a signal)
// and ScratchFile (bytes kept on disk under no name).
//
//===----------------------------------------------------------------------===//

#include "formats/files/OutputPaths.h"
#include "formats/files/ScratchFile.h"
#include "formats/files/SignalCleanup.h"
#include "formats/files/StagingDirectory.h"

#include "ScratchDirectoryTest.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <csignal>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace llmq;
namespace fs = llvm::sys::fs;

namespace {
class OutputFilesTest : public llmq::test::ScratchDirectoryTest {
protected:
  OutputFilesTest() : ScratchDirectoryTest("llmq-output-files") {}
};
using llmq::test::message;
} // namespace

TEST_F(OutputFilesTest, RemoveTreeDoesNotFollowLinks) {
  ASSERT_FALSE(fs::create_directories(path("keep")));
  write("keep/precious.txt", "precious");
  ASSERT_FALSE(fs::create_directories(path("tree/a/b")));
  write("tree/a/b/file", "x");
  ASSERT_FALSE(fs::create_link(path("keep"), path("tree/a/link")));
  // More entries than one getdents64 read returns, removed while reading.
  for (int i = 0; i < 300; ++i)
    write("tree/file-with-a-long-name-" + std::to_string(i), "y");
  EXPECT_TRUE(removeTree(path("tree").c_str()));
  EXPECT_FALSE(fs::exists(path("tree")));
  EXPECT_TRUE(fs::exists(path("keep/precious.txt")));
  EXPECT_TRUE(removeTree(path("missing").c_str()));
}

TEST_F(OutputFilesTest, FileOutputIsNeverAnInput) {
  write("weights.safetensors", "w");
  protectInput(path("weights.safetensors"), "a weight source");
  ASSERT_FALSE(fs::create_link(path("weights.safetensors"), path("soft.gguf")));
  ASSERT_FALSE(fs::create_hard_link(path("weights.safetensors"),
                                    path("hard.gguf")));
  for (const char *name : {"weights.safetensors", "soft.gguf", "hard.gguf"})
    EXPECT_EQ(message(checkOutputFile(path(name))),
              path(name) + ": is an input of this run (a weight source '" +
                  path("weights.safetensors") + "'); refusing to overwrite it")
        << name;
  EXPECT_EQ(message(checkOutputFile(path("new.gguf"))), "");
  EXPECT_EQ(message(checkOutputFile("-")), "");
  EXPECT_EQ(message(checkOutputFile(root)),
            std::string(root) + ": is a directory; expected a file name");
}

TEST_F(OutputFilesTest, DirectoryOutputNeitherIsNorContainsAnInput) {
  ASSERT_FALSE(fs::create_directories(path("ckpt/sub")));
  write("ckpt/sub/model.safetensors", "w");
  protectInput(path("ckpt/sub/model.safetensors"), "a weight source");
  for (const char *name : {"ckpt", "ckpt/sub"})
    EXPECT_EQ(message(checkOutputDirectory(path(name), /*replace=*/true)),
              path(name) + ": contains an input of this run (a weight source '" +
                  path("ckpt/sub/model.safetensors") +
                  "'); refusing to replace it")
        << name;
  ASSERT_FALSE(fs::create_directories(path("notes")));
  EXPECT_EQ(message(checkOutputDirectory(path("notes"), /*replace=*/false)),
            path("notes") + ": already exists; pass --force to replace it");
  EXPECT_EQ(message(checkOutputDirectory(path("notes"), /*replace=*/true)), "");
  write("file", "f");
  EXPECT_EQ(message(checkOutputDirectory(path("file"), /*replace=*/true)),
            path("file") + ": exists and is not a directory");
  EXPECT_EQ(message(checkOutputDirectory(path("new"), /*replace=*/false)), "");
}

TEST_F(OutputFilesTest, StagingDirectoryAppearsWholeOrNotAtAll) {
  // Not committed: nothing is left.
  {
    auto staging = StagingDirectory::create(path("art"), false);
    ASSERT_TRUE(bool(staging)) << message(staging.takeError());
    EXPECT_TRUE(fs::is_directory((*staging)->path()));
  }
  std::error_code ec;
  EXPECT_TRUE(fs::directory_iterator(root, ec) == fs::directory_iterator());

  // Committed: the destination holds what was staged.
  auto staging = StagingDirectory::create(path("art"), false);
  ASSERT_TRUE(bool(staging));
  write(llvm::sys::path::filename((*staging)->path()).str() + "/new", "new");
  ASSERT_EQ(message((*staging)->commit()), "");
  EXPECT_TRUE(fs::exists(path("art/new")));

  // Existing: refused, then replaced whole with replaceExisting.
  auto refused = StagingDirectory::create(path("art"), false);
  EXPECT_EQ(message(refused.takeError()),
            path("art") + ": already exists; pass --force to replace it");
  write("art/old", "old");
  auto replacing = StagingDirectory::create(path("art") + "/", true);
  ASSERT_TRUE(bool(replacing));
  write(llvm::sys::path::filename((*replacing)->path()).str() + "/newer", "x");
  ASSERT_EQ(message((*replacing)->commit()), "");
  EXPECT_TRUE(fs::exists(path("art/newer")));
  EXPECT_FALSE(fs::exists(path("art/old")));
  EXPECT_FALSE(fs::exists(path("art/new")));
  int entries = 0;
  for (fs::directory_iterator it(root, ec), end; it != end && !ec;
       it.increment(ec))
    ++entries;
  EXPECT_EQ(entries, 1); // no staging or set-aside sibling
}

TEST_F(OutputFilesTest, SignalRemovesStagingDirectory) {
  std::string dest = path("art");
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto staging = StagingDirectory::create(dest, false);
    if (!staging)
      _exit(2);
    std::error_code ec;
    llvm::raw_fd_ostream os((*staging)->path().str() + "/file", ec);
    os << "partial";
    os.flush();
    raise(SIGTERM);
    _exit(3); // not reached: the signal ends the process
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WIFSIGNALED(status) ? WTERMSIG(status) : 0, SIGTERM);
  std::error_code ec;
  EXPECT_TRUE(fs::directory_iterator(root, ec) == fs::directory_iterator())
      << "the staging directory survived the signal";
}

// ScratchFile: bytes written come back as written, and the directory holds
// no name for them, during the run or after it.
TEST_F(OutputFilesTest, ScratchFileKeepsBytesWithoutAName) {
  auto scratch = ScratchFile::create(path("out.safetensors"));
  ASSERT_TRUE(static_cast<bool>(scratch)) << message(scratch.takeError());
  std::vector<uint8_t> first(70000), second = {1, 2, 3};
  for (size_t i = 0; i < first.size(); ++i)
    first[i] = static_cast<uint8_t>(i * 7 + 3);
  auto a = (*scratch)->append(first);
  ASSERT_TRUE(static_cast<bool>(a)) << message(a.takeError());
  auto b = (*scratch)->append(second);
  ASSERT_TRUE(static_cast<bool>(b)) << message(b.takeError());
  EXPECT_EQ(a->offset, 0u);
  EXPECT_EQ(b->offset, first.size());
  EXPECT_EQ((*scratch)->size(), first.size() + second.size());
  auto readB = (*scratch)->read(*b);
  ASSERT_TRUE(static_cast<bool>(readB)) << message(readB.takeError());
  EXPECT_EQ(*readB, second);
  auto readA = (*scratch)->read(*a);
  ASSERT_TRUE(static_cast<bool>(readA)) << message(readA.takeError());
  EXPECT_EQ(*readA, first);
  // An extent past the end is refused, not read.
  auto past = (*scratch)->read({first.size(), 4});
  ASSERT_FALSE(static_cast<bool>(past));
  EXPECT_NE(message(past.takeError()).find("scratch file read failed"),
            std::string::npos);
  std::error_code ec;
  auto entries = [&] {
    int n = 0;
    for (fs::directory_iterator it(root, ec), end; it != end && !ec;
         it.increment(ec))
      ++n;
    return n;
  };
  EXPECT_EQ(entries(), 0);
  scratch->reset();
  EXPECT_EQ(entries(), 0);
}

// A directory that cannot be written: one line naming it.
TEST_F(OutputFilesTest, ScratchFileInAMissingDirectory) {
  auto scratch = ScratchFile::create(path("missing/out.safetensors"));
  ASSERT_FALSE(static_cast<bool>(scratch));
  std::string text = message(scratch.takeError());
  EXPECT_NE(text.find(path("missing")), std::string::npos) << text;
}
