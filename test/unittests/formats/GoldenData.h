//===- GoldenData.h - Access to ggml's golden outputs in tests --*- C++ -*-===//
//
// What the format tests share for reading ../shared/golden/ggml (see its
// README): where the directory is, reading its raw files, comparing against
// them bit for bit, the shapes of the golden inputs, and when to skip
// because the shared checkout is absent.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_TEST_UNITTESTS_FORMATS_GOLDENDATA_H
#define LLMQ_TEST_UNITTESTS_FORMATS_GOLDENDATA_H

#include "formats/Float.h"

#include "gtest/gtest.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace llmq::test {

//===----------------------------------------------------------------------===//
// Files
//===----------------------------------------------------------------------===//

/// The golden ggml directory: $LLMQ_SHARED_DIR/golden/ggml, where the shared
/// dir defaults to $LLMQ_SRC_ROOT/../shared. Empty when neither is set.
inline std::string goldenDir() {
  std::string shared;
  if (const char *dir = std::getenv("LLMQ_SHARED_DIR"); dir && *dir)
    shared = dir;
  else if (const char *root = std::getenv("LLMQ_SRC_ROOT"); root && *root)
    shared = std::string(root) + "/../shared";
  else
    return {};
  return shared + "/golden/ggml";
}

/// The whole file at `path`, or nullopt if it cannot be read.
inline std::optional<std::vector<unsigned char>>
readFile(const std::string &path) {
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f)
    return std::nullopt;
  std::vector<unsigned char> bytes;
  unsigned char buf[1 << 16];
  size_t got;
  while ((got = std::fread(buf, 1, sizeof(buf), f)) > 0)
    bytes.insert(bytes.end(), buf, buf + got);
  const bool failed = std::ferror(f);
  std::fclose(f);
  if (failed)
    return std::nullopt;
  return bytes;
}

/// Raw little-endian float32 file as floats (the host is little-endian too;
/// GGUF and these tests assume so). A trailing partial float is dropped.
inline std::vector<float> asFloats(const std::vector<unsigned char> &bytes) {
  std::vector<float> floats(bytes.size() / sizeof(float));
  std::memcpy(floats.data(), bytes.data(), floats.size() * sizeof(float));
  return floats;
}

/// Why the golden data cannot be used from `dir` (as goldenDir() gives it),
/// or nullopt when it can. The README sits next to the ggml/ directory;
/// without it the shared checkout is absent, which skips rather than fails:
///
///   if (std::optional<std::string> why = goldenDataMissing(dir))
///     GTEST_SKIP() << *why;
inline std::optional<std::string> goldenDataMissing(const std::string &dir) {
  if (dir.empty())
    return std::string("neither LLMQ_SHARED_DIR nor LLMQ_SRC_ROOT is set; "
                       "cannot find the golden data");
  if (!readFile(dir + "/../README.md"))
    return "golden data not found at " + dir;
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Inputs
//===----------------------------------------------------------------------===//

/// One golden input tensor: `<name>.f32`, `rows` x `cols` floats.
struct GoldenInput {
  const char *name;
  int64_t rows;
  int64_t cols;
};

/// Shapes from the golden README.
inline constexpr GoldenInput GoldenInputs[] = {
    {"w_real", 32, 768},
    {"w_gauss", 16, 512},
    {"w_edge", 8, 256},
};

/// The file holding `input`'s weights.
inline std::string inputFile(const GoldenInput &input) {
  return std::string(input.name) + ".f32";
}

/// The file holding the importance vector for rows of `cols`.
inline std::string imatrixFile(int64_t cols) {
  return "imatrix_" + std::to_string(cols) + ".f32";
}

/// The stem of ggml's outputs for `input` quantized to `type` (ggml's type
/// name), with or without the importance vector: `<stem>.bin` holds the
/// quantized rows and `<stem>.dequant.f32` their dequantization.
inline std::string goldenStem(const GoldenInput &input, const std::string &type,
                              bool withImatrix) {
  return std::string(input.name) + "." + type +
         (withImatrix ? ".imatrix" : "");
}

//===----------------------------------------------------------------------===//
// Comparisons
//===----------------------------------------------------------------------===//

/// Index of the first byte where `a` and `b` differ, or -1 when equal
/// (sizes are checked separately).
inline int64_t firstMismatch(const unsigned char *a, const unsigned char *b,
                             size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (a[i] != b[i])
      return static_cast<int64_t>(i);
  return -1;
}

/// Index of the first differing byte, or -1 when equal; when one is a
/// prefix of the other, the size of `a`.
inline int64_t firstMismatch(const std::vector<unsigned char> &a,
                             const std::vector<unsigned char> &b) {
  for (size_t i = 0; i < a.size() && i < b.size(); ++i)
    if (a[i] != b[i])
      return static_cast<int64_t>(i);
  return a.size() == b.size() ? -1 : static_cast<int64_t>(a.size());
}

/// Index of the first float whose bits differ (so -0 != +0, and NaNs must
/// carry the same payload), or -1 when equal; when one is a prefix of the
/// other, the size of `a`.
inline int64_t firstFloatMismatch(const std::vector<float> &a,
                                  const std::vector<float> &b) {
  for (size_t i = 0; i < a.size() && i < b.size(); ++i)
    if (floatBits(a[i]) != floatBits(b[i]))
      return static_cast<int64_t>(i);
  return a.size() == b.size() ? -1 : static_cast<int64_t>(a.size());
}

//===----------------------------------------------------------------------===//
// Fixture
//===----------------------------------------------------------------------===//

/// Base of the parameterized golden tests: skips when the golden data is
/// absent and loads its files.
template <typename Param>
class GoldenDataTest : public testing::TestWithParam<Param> {
protected:
  void SetUp() override {
    dir = goldenDir();
    if (std::optional<std::string> why = goldenDataMissing(dir))
      GTEST_SKIP() << *why;
  }

  /// Reads `file` under the golden dir, failing the test when it is missing.
  std::vector<unsigned char> load(const std::string &file) {
    std::optional<std::vector<unsigned char>> bytes =
        readFile(dir + "/" + file);
    EXPECT_TRUE(bytes.has_value()) << "cannot read " << dir << "/" << file;
    return bytes ? std::move(*bytes) : std::vector<unsigned char>();
  }

  std::string dir;
};

} // namespace llmq::test

#endif // LLMQ_TEST_UNITTESTS_FORMATS_GOLDENDATA_H
