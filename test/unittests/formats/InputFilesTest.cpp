//===- InputFilesTest.cpp - Checked arithmetic and safe file reading ------===//
//
// The helpers every reader of untrusted input goes through: sizes that
// would wrap around 2^64 are refused, small-file reads refuse FIFOs,
// devices, directories and files over their limit, and JSON objects that
// repeat a key are refused.
//
//===----------------------------------------------------------------------===//

#include "formats/CheckedArith.h"
#include "formats/files/Json.h"
#include "formats/files/ReadFile.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

using namespace llmq;

namespace {

TEST(CheckedArithTest, RefusesOverflow) {
  EXPECT_EQ(checkedAdd(1, 2), std::optional<uint64_t>(3));
  EXPECT_EQ(checkedAdd(UINT64_MAX, 1), std::nullopt);
  EXPECT_EQ(checkedMul(uint64_t(1) << 32, uint64_t(1) << 31),
            std::optional<uint64_t>(uint64_t(1) << 63));
  EXPECT_EQ(checkedMul(uint64_t(1) << 32, uint64_t(1) << 32), std::nullopt);
  EXPECT_EQ(checkedMul(0, UINT64_MAX), std::optional<uint64_t>(0));
}

TEST(CheckedArithTest, Products) {
  EXPECT_EQ(checkedProduct({}), std::optional<uint64_t>(1));
  EXPECT_EQ(checkedProduct({64, 32}), std::optional<uint64_t>(2048));
  EXPECT_EQ(checkedProduct({0, INT64_MAX}), std::optional<uint64_t>(0));
  // 2^62 * 2 = 2^63 does not fit an int64_t.
  EXPECT_EQ(checkedProduct({int64_t(1) << 62, 2}), std::nullopt);
  EXPECT_EQ(checkedProduct({int64_t(1) << 62, 4}), std::nullopt);
  EXPECT_EQ(checkedProduct({-1, 4}), std::nullopt);
  EXPECT_EQ(checkedProduct({1000, 1000}, 999999), std::nullopt);
}

TEST(CheckedArithTest, RangeFits) {
  EXPECT_TRUE(rangeFits(0, 10, 10));
  EXPECT_TRUE(rangeFits(10, 0, 10));
  EXPECT_FALSE(rangeFits(11, 0, 10));
  EXPECT_FALSE(rangeFits(1, 10, 10));
  // offset + size wraps to 4: still outside.
  EXPECT_FALSE(rangeFits(UINT64_MAX - 4, 9, 100));
}

class ReadFileTest : public ::testing::Test {
protected:
  void SetUp() override {
    llvm::SmallString<128> path;
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("readfile", path));
    dir = std::string(path);
  }
  void TearDown() override { llvm::sys::fs::remove_directories(dir); }
  std::string file(llvm::StringRef name, llvm::StringRef text) {
    llvm::SmallString<128> path(dir);
    llvm::sys::path::append(path, name);
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    EXPECT_FALSE(ec);
    os << text;
    return std::string(path);
  }
  static std::string error(llvm::Expected<std::string> result) {
    if (result)
      return "read " + std::to_string(result->size()) + " bytes";
    return llvm::toString(result.takeError());
  }
  std::string dir;
};

TEST_F(ReadFileTest, ReadsRegularFiles) {
  std::string path = file("a.txt", "hello\n");
  llvm::Expected<std::string> text = readSmallFile(path, 6, "text file");
  ASSERT_TRUE(bool(text)) << llvm::toString(text.takeError());
  EXPECT_EQ(*text, "hello\n");
}

TEST_F(ReadFileTest, RefusesFilesOverTheLimit) {
  std::string path = file("a.txt", "hello\n");
  EXPECT_EQ(error(readSmallFile(path, 5, "text file")),
            path + ": is 6 bytes, more than the limit of 5 bytes for a text "
                   "file");
}

TEST_F(ReadFileTest, RefusesDevicesDirectoriesAndFifos) {
  EXPECT_EQ(error(readSmallFile("/dev/zero", 100, "text file")),
            "/dev/zero: not a regular file");
  EXPECT_EQ(error(readSmallFile(dir, 100, "text file")),
            dir + ": not a regular file");
  std::string fifo = dir + "/fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  // Returns at once: opening a FIFO would wait for a writer.
  EXPECT_EQ(error(readSmallFile(fifo, 100, "text file")),
            fifo + ": not a regular file");
  std::string out;
  llvm::Error err = readFileRange(fifo, 0, 8, out);
  EXPECT_EQ(llvm::toString(std::move(err)), fifo + ": not a regular file");
}

TEST_F(ReadFileTest, RefusesMissingFilesAndShortRanges) {
  std::string missing = dir + "/missing";
  EXPECT_EQ(error(readSmallFile(missing, 100, "text file")),
            missing + ": cannot read: No such file or directory");
  std::string path = file("a.bin", "12345678");
  std::string out;
  EXPECT_FALSE(bool(readFileRange(path, 0, 8, out)));
  EXPECT_EQ(out, "12345678");
  llvm::Error err = readFileRange(path, 4, UINT64_MAX - 2, out);
  EXPECT_EQ(llvm::toString(std::move(err)),
            path + ": cannot read 18446744073709551613 bytes at offset 4: the "
                   "file has 8 bytes");
}

TEST(JsonTest, RefusesRepeatedKeys) {
  std::optional<std::string> duplicate;
  json::Json ok = json::parseNoDuplicateKeys(
      R"({"a": {"b": 1}, "c": [{"b": 2}, {"b": 3}]})", duplicate);
  EXPECT_FALSE(ok.is_discarded());
  EXPECT_FALSE(duplicate);
  json::Json top =
      json::parseNoDuplicateKeys(R"({"a": 1, "b": 2, "a": 3})", duplicate);
  EXPECT_TRUE(top.is_discarded());
  EXPECT_EQ(duplicate, std::optional<std::string>("a"));
  json::Json nested =
      json::parseNoDuplicateKeys(R"({"x": {"": 1, "": 2}})", duplicate);
  EXPECT_TRUE(nested.is_discarded());
  EXPECT_EQ(duplicate, std::optional<std::string>(""));
  json::Json bad = json::parseNoDuplicateKeys("{", duplicate);
  EXPECT_TRUE(bad.is_discarded());
  EXPECT_FALSE(duplicate);
}

} // namespace
