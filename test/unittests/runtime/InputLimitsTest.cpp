//===- InputLimitsTest.cpp - Safe whole-file reads and bucket limits ------===//

#include "formats/files/ReadFile.h"

#include "backends/NPU/ArtifactLimits.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

using namespace llmq;
using namespace llmq::npu;

namespace {
/// A fresh directory, removed with everything in it at the end.
class InputFileTest : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("input-file", dir));
  }
  void TearDown() override { llvm::sys::fs::remove_directories(dir); }
  std::string path(llvm::StringRef name) {
    llvm::SmallString<128> p(dir);
    llvm::sys::path::append(p, name);
    return std::string(p);
  }
  std::string write(llvm::StringRef name, llvm::StringRef text) {
    std::string p = path(name);
    std::error_code ec;
    llvm::raw_fd_ostream os(p, ec);
    os << text;
    return p;
  }
  static std::string message(llvm::Error err) {
    return llvm::toString(std::move(err));
  }
  llvm::SmallString<128> dir;
};
} // namespace

TEST_F(InputFileTest, ReadsARegularFileWithinTheLimit) {
  std::string p = write("text.txt", "In the beginning\n");
  auto buffer = readSmallFileBuffer(p, 17, "text file");
  ASSERT_TRUE(static_cast<bool>(buffer)) << message(buffer.takeError());
  EXPECT_EQ((*buffer)->getBuffer(), "In the beginning\n");
}

TEST_F(InputFileTest, RefusesAFileOverTheLimit) {
  std::string p = write("text.txt", "In the beginning\n");
  auto buffer = readSmallFileBuffer(p, 16, "text file");
  ASSERT_FALSE(static_cast<bool>(buffer));
  EXPECT_EQ(message(buffer.takeError()),
            p + ": is 17 bytes, more than the limit of 16 bytes for a text "
                "file");
}

TEST_F(InputFileTest, RefusesWhatIsNotARegularFile) {
  std::string fifo = path("fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  for (const std::string &p : {fifo, std::string(dir), std::string("/dev/zero")}) {
    auto buffer = readSmallFileBuffer(p, kMaxTextFileBytes, "text file");
    ASSERT_FALSE(static_cast<bool>(buffer)) << p;
    EXPECT_EQ(message(buffer.takeError()), p + ": not a regular file");
  }
}

TEST_F(InputFileTest, NamesAMissingFile) {
  std::string p = path("missing.txt");
  auto buffer = readSmallFileBuffer(p, kMaxTextFileBytes, "text file");
  ASSERT_FALSE(static_cast<bool>(buffer));
  EXPECT_EQ(message(buffer.takeError()),
            p + ": cannot read: No such file or directory");
}

// kjv-tiny's sizes at tp=1: widest row 2048 (vocabulary), 64 kv features,
// 4 blocks in one stage.
static const BucketDims kTiny{2048, 64, 4};

TEST(BucketLimits, AcceptsBucketsAtTheLimits) {
  EXPECT_EQ(bucketOverLimits(kMaxBucketBatch, 512, true, kTiny), "");
  // 2^31 / 2048 tokens of prefill activation exactly.
  EXPECT_EQ(bucketOverLimits(1, kMaxBucketValues / 2048, true, kTiny), "");
  // Decode activations are one token a sequence; its cache is the bound:
  // 2^31 / (2 x 64 x 4) positions exactly.
  EXPECT_EQ(bucketOverLimits(1, kMaxBucketValues / 512, false, kTiny), "");
}

TEST(BucketLimits, RefusesOneValuePastEachLimit) {
  EXPECT_EQ(bucketOverLimits(kMaxBucketBatch + 1, 1, true, kTiny),
            "has a batch of 1025, more than the limit of 1024");
  EXPECT_EQ(bucketOverLimits(1, kMaxBucketValues / 2048 + 1, true, kTiny),
            "needs 2147485696 values for an activation (batch x 1048577 "
            "tokens x 2048), more than the limit of 2147483648");
  EXPECT_EQ(bucketOverLimits(1, kMaxBucketValues / 512 + 1, false, kTiny),
            "needs 2147484160 values for a rank's KV cache (batch x length x "
            "2 x 64 features x 4 blocks), more than the limit of 2147483648");
}

TEST(BucketLimits, AnOverflowIsOverTheLimit) {
  BucketDims huge{int64_t(1) << 40, int64_t(1) << 40, 1};
  EXPECT_EQ(bucketOverLimits(1024, int64_t(1) << 40, true, huge),
            "needs more than 2^63 values for an activation (batch x "
            "1099511627776 tokens x 1099511627776), more than the limit of "
            "2147483648");
  EXPECT_EQ(checkedProduct({INT64_MAX, 2}), std::nullopt);
  EXPECT_EQ(checkedProduct({-1, 2}), std::nullopt);
  EXPECT_EQ(checkedProduct({3, 5, 7}), 105);
}
