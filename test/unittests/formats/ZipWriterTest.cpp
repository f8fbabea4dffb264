//===- ZipWriterTest.cpp - Deterministic streamed zip archives ------------===//
//
// formats/files/ZipWriter, read back by a small independent reader (its own
// bitwise CRC-32, ZIP64 records parsed from APPNOTE's layouts): names in
// order, contents, CRCs, fixed dates and modes, byte-identical reruns, and
// the ZIP64 records, reached through a lowered threshold.
//
//===----------------------------------------------------------------------===//

#include "formats/files/ZipWriter.h"

#include "formats/files/OutputPaths.h"
#include "formats/files/SignalCleanup.h"

#include "ScratchDirectoryTest.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <unistd.h>
#include <vector>

using namespace llmq;
namespace fs = llvm::sys::fs;

namespace {

uint32_t referenceCrc32(llvm::StringRef data) {
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : data) {
    crc ^= c;
    for (int k = 0; k < 8; ++k)
      crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
  }
  return ~crc;
}

/// One member as the central directory and its local header describe it.
struct ReadEntry {
  std::string name, data;
  uint16_t madeBy = 0, method = 0, time = 0, date = 0;
  uint32_t crc = 0, externalAttributes = 0;
  bool zip64Extra = false;
};

struct ReadArchive {
  std::vector<ReadEntry> entries;
  bool zip64End = false;
  std::string error; ///< why the archive does not parse ("" if it does)
};

uint64_t le(llvm::StringRef bytes, size_t at, int width) {
  uint64_t v = 0;
  for (int i = width - 1; i >= 0; --i)
    v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
  return v;
}

ReadArchive readZip(llvm::StringRef z) {
  ReadArchive archive;
  auto fail = [&](const std::string &why) {
    archive.error = why;
    return archive;
  };
  if (z.size() < 22 || le(z, z.size() - 22, 4) != 0x06054b50)
    return fail("no end of central directory record at the end");
  size_t end = z.size() - 22;
  uint64_t count = le(z, end + 10, 2), cdSize = le(z, end + 12, 4),
           cdOffset = le(z, end + 16, 4);
  if (le(z, end + 8, 2) != count)
    return fail("entry counts differ");
  if (end >= 20 && le(z, end - 20, 4) == 0x07064b50) {
    archive.zip64End = true;
    uint64_t at = le(z, end - 20 + 8, 8);
    if (le(z, end - 20 + 16, 4) != 1 || le(z, at, 4) != 0x06064b50 ||
        le(z, at + 4, 8) != 44 || at + 56 != end - 20)
      return fail("bad ZIP64 end record or locator");
    count = le(z, at + 32, 8);
    cdSize = le(z, at + 40, 8);
    cdOffset = le(z, at + 48, 8);
  }
  size_t p = cdOffset;
  for (uint64_t i = 0; i < count; ++i) {
    if (p + 46 > z.size() || le(z, p, 4) != 0x02014b50)
      return fail("bad central header " + std::to_string(i));
    ReadEntry e;
    e.madeBy = le(z, p + 4, 2);
    e.method = le(z, p + 10, 2);
    e.time = le(z, p + 12, 2);
    e.date = le(z, p + 14, 2);
    e.crc = le(z, p + 16, 4);
    uint64_t csize = le(z, p + 20, 4), usize = le(z, p + 24, 4);
    size_t nameLen = le(z, p + 28, 2), extraLen = le(z, p + 30, 2),
           commentLen = le(z, p + 32, 2);
    e.externalAttributes = le(z, p + 38, 4);
    uint64_t offset = le(z, p + 42, 4);
    e.name = z.substr(p + 46, nameLen).str();
    size_t x = p + 46 + nameLen, xEnd = x + extraLen;
    while (x + 4 <= xEnd) {
      size_t tag = le(z, x, 2), len = le(z, x + 2, 2), f = x + 4;
      if (tag == 1) {
        e.zip64Extra = true;
        if (usize == 0xFFFFFFFF) {
          usize = le(z, f, 8);
          f += 8;
        }
        if (csize == 0xFFFFFFFF) {
          csize = le(z, f, 8);
          f += 8;
        }
        if (offset == 0xFFFFFFFF) {
          offset = le(z, f, 8);
          f += 8;
        }
        if (f != x + 4 + len)
          return fail(e.name + ": ZIP64 field length " + std::to_string(len));
      }
      x += 4 + len;
    }
    p = xEnd + commentLen;
    // The local header agrees and the data follows it.
    if (offset + 30 > z.size() || le(z, offset, 4) != 0x04034b50)
      return fail(e.name + ": bad local header");
    size_t lNameLen = le(z, offset + 26, 2), lExtraLen = le(z, offset + 28, 2);
    uint64_t lcrc = le(z, offset + 14, 4), lcsize = le(z, offset + 18, 4),
             lusize = le(z, offset + 22, 4);
    if (z.substr(offset + 30, lNameLen) != e.name)
      return fail(e.name + ": local name differs");
    if (lusize == 0xFFFFFFFF) {
      size_t f = offset + 30 + lNameLen;
      if (lExtraLen != 20 || le(z, f, 2) != 1 || le(z, f + 2, 2) != 16)
        return fail(e.name + ": bad local ZIP64 field");
      lusize = le(z, f + 4, 8);
      lcsize = le(z, f + 12, 8);
    }
    if (lcrc != e.crc || lcsize != csize || lusize != usize || csize != usize)
      return fail(e.name + ": local header disagrees");
    size_t data = offset + 30 + lNameLen + lExtraLen;
    if (data + usize > cdOffset)
      return fail(e.name + ": data past the central directory");
    e.data = z.substr(data, usize).str();
    if (referenceCrc32(e.data) != e.crc)
      return fail(e.name + ": CRC mismatch");
    archive.entries.push_back(std::move(e));
  }
  if (p != cdOffset + cdSize)
    return fail("central directory size differs");
  return archive;
}

class ZipWriterTest : public llmq::test::ScratchDirectoryTest {
protected:
  ZipWriterTest() : ScratchDirectoryTest("llmq-zip-writer") {}
  void SetUp() override {
    ScratchDirectoryTest::SetUp();
    if (HasFatalFailure())
      return;
    ASSERT_FALSE(fs::create_directories(path("tree/sub/deeper")));
    ASSERT_FALSE(fs::create_directories(path("tree/empty-folder")));
    write("tree/config.json", "{\"num_hidden_layers\": 29}\n");
    write("tree/empty", "");
    // Larger than the chunk the tests use: copied in several reads.
    std::string big;
    for (int i = 0; i < 5000; ++i)
      big.push_back(static_cast<char>((i * 131) ^ (i >> 3)));
    write("tree/sub/model.safetensors", big);
    write("tree/sub/deeper/x", "x");
    write("tree/sub.txt", "sorts before sub/");
  }
  std::string read(llvm::StringRef name) {
    auto buffer = llvm::MemoryBuffer::getFile(path(name));
    return buffer ? (*buffer)->getBuffer().str() : std::string("<missing>");
  }
};
using llmq::test::message;

const std::vector<std::string> kExpectedNames = {
    "model/",
    "model/config.json",
    "model/empty",
    "model/empty-folder/",
    "model/sub.txt",
    "model/sub/",
    "model/sub/deeper/",
    "model/sub/deeper/x",
    "model/sub/model.safetensors",
};
} // namespace

TEST_F(ZipWriterTest, SortedStoredEntriesUnderOneFolder) {
  ZipWriterOptions options;
  options.chunkBytes = 1000;
  ZipWriterSummary summary;
  ASSERT_EQ(message(writeZipOfDirectory(path("tree"), "model", path("a.zip"),
                                        options, &summary)),
            "");
  EXPECT_EQ(summary.entries, kExpectedNames.size());
  EXPECT_EQ(summary.zip64Entries, 0u);
  EXPECT_FALSE(summary.zip64End);
  ReadArchive archive = readZip(read("a.zip"));
  ASSERT_EQ(archive.error, "");
  EXPECT_FALSE(archive.zip64End);
  std::vector<std::string> names;
  for (const ReadEntry &e : archive.entries) {
    names.push_back(e.name);
    EXPECT_EQ(e.method, 0) << e.name;
    EXPECT_EQ(e.time, 0) << e.name;
    EXPECT_EQ(e.date, 0x21) << e.name;     // 1980-01-01
    EXPECT_EQ(e.madeBy >> 8, 3) << e.name; // Unix
    EXPECT_FALSE(e.zip64Extra) << e.name;
    bool folder = llvm::StringRef(e.name).ends_with("/");
    EXPECT_EQ(e.externalAttributes,
              folder ? (040755u << 16) | 0x10 : 0100644u << 16)
        << e.name;
    if (folder)
      EXPECT_EQ(e.data, "") << e.name;
    else
      EXPECT_EQ(e.data, read("tree/" + e.name.substr(6))) << e.name;
  }
  EXPECT_EQ(names, kExpectedNames);
}

TEST_F(ZipWriterTest, SameTreeSameBytes) {
  ASSERT_EQ(message(writeZipOfDirectory(path("tree"), "model", path("1.zip"))),
            "");
  // Other modification times and another chunk size change nothing.
  ASSERT_FALSE(fs::setLastAccessAndModificationTime(
      *fs::openNativeFileForWrite(path("tree/empty"), fs::CD_OpenExisting,
                                  fs::OF_None),
      llvm::sys::TimePoint<>(std::chrono::seconds(1700000000))));
  ZipWriterOptions options;
  options.chunkBytes = 7;
  ASSERT_EQ(message(writeZipOfDirectory(path("tree"), "model", path("2.zip"),
                                        options)),
            "");
  std::string first = read("1.zip"), second = read("2.zip");
  EXPECT_GT(first.size(), 5000u);
  EXPECT_TRUE(first == second);
}

TEST_F(ZipWriterTest, Zip64WhereSizesOffsetsOrCountsReachTheLimit) {
  ZipWriterOptions options;
  options.zip64Threshold = 100;
  options.zip64EntryCount = 4;
  options.chunkBytes = 64;
  ZipWriterSummary summary;
  ASSERT_EQ(message(writeZipOfDirectory(path("tree"), "model", path("z.zip"),
                                        options, &summary)),
            "");
  EXPECT_TRUE(summary.zip64End);
  ReadArchive archive = readZip(read("z.zip"));
  ASSERT_EQ(archive.error, "");
  EXPECT_TRUE(archive.zip64End);
  ASSERT_EQ(archive.entries.size(), kExpectedNames.size());
  // "model/" (offset 0) and "model/config.json" (offset 36) start below 100;
  // every later entry starts past 100 bytes, the large file is 5000 bytes.
  uint64_t withExtra = 0;
  for (size_t i = 0; i < archive.entries.size(); ++i) {
    const ReadEntry &e = archive.entries[i];
    EXPECT_EQ(e.name, kExpectedNames[i]);
    EXPECT_EQ(e.zip64Extra, i >= 2) << e.name;
    withExtra += e.zip64Extra;
    if (!llvm::StringRef(e.name).ends_with("/"))
      EXPECT_EQ(e.data, read("tree/" + e.name.substr(6))) << e.name;
  }
  EXPECT_EQ(summary.zip64Entries, withExtra);
}

TEST_F(ZipWriterTest, EntryCountAloneNeedsTheZip64EndRecord) {
  ZipWriterOptions options;
  options.zip64EntryCount = kExpectedNames.size() + 1;
  ZipWriterSummary summary;
  ASSERT_EQ(message(writeZipOfDirectory(path("tree"), "model", path("9.zip"),
                                        options, &summary)),
            "");
  EXPECT_FALSE(summary.zip64End);
  options.zip64EntryCount = kExpectedNames.size();
  ASSERT_EQ(message(writeZipOfDirectory(path("tree"), "model", path("8.zip"),
                                        options, &summary)),
            "");
  EXPECT_TRUE(summary.zip64End);
  EXPECT_EQ(summary.zip64Entries, 0u);
  std::string bytes = read("8.zip");
  // The end record's two counts say "see the ZIP64 record"; its size and
  // offset of the central directory are plain.
  ASSERT_GT(bytes.size(), 22u);
  EXPECT_EQ(le(bytes, bytes.size() - 22 + 8, 2), 0xFFFFu);
  EXPECT_EQ(le(bytes, bytes.size() - 22 + 10, 2), 0xFFFFu);
  EXPECT_NE(le(bytes, bytes.size() - 22 + 16, 4), 0xFFFFFFFFu);
  ReadArchive archive = readZip(bytes);
  ASSERT_EQ(archive.error, "");
  EXPECT_TRUE(archive.zip64End);
  EXPECT_EQ(archive.entries.size(), kExpectedNames.size());
  for (const ReadEntry &e : archive.entries)
    EXPECT_FALSE(e.zip64Extra) << e.name;
}

TEST_F(ZipWriterTest, RefusalsNameTheFileAndLeaveNoOutput) {
  write("old.zip", "keep me");
  ASSERT_FALSE(
      fs::create_link(path("tree/config.json"), path("tree/sub/link.json")));
  EXPECT_EQ(
      message(writeZipOfDirectory(path("tree"), "model", path("old.zip"))),
      path("tree/sub/link.json") +
          ": not a regular file or a folder (a zip holds only those; "
          "links are not followed)");
  EXPECT_EQ(read("old.zip"), "keep me");
  ASSERT_FALSE(fs::remove(path("tree/sub/link.json")));

  EXPECT_EQ(message(writeZipOfDirectory(path("tree"), "model",
                                        path("tree/sub/out.zip"))),
            path("tree/sub/out.zip") +
                ": lies inside the folder it archives, '" + path("tree") + "'");
  EXPECT_FALSE(fs::exists(path("tree/sub/out.zip")));
  EXPECT_EQ(message(writeZipOfDirectory(path("tree"), "a/b", path("x.zip"))),
            path("x.zip") +
                ": the top folder 'a/b' must be one path component");
  EXPECT_EQ(
      message(writeZipOfDirectory(path("missing"), "model", path("x.zip"))),
      path("missing") + ": not a folder");
  EXPECT_FALSE(fs::exists(path("x.zip")));

  // An output that is an input of the run is refused (AtomicOutputFile).
  protectInput(path("tree/config.json"), "the input");
  EXPECT_NE(message(writeZipOfDirectory(path("tree"), "model",
                                        path("tree/config.json"))),
            "");
  EXPECT_EQ(read("tree/config.json"), "{\"num_hidden_layers\": 29}\n");
}
