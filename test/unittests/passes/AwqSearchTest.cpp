//===- AwqSearchTest.cpp - AWQ's clipping search ---------------------------===//
//
// searchClip's candidates on a group whose best limit lies above its range
// (clip-grow: the largest value is written at the limit, so round-to-nearest
// takes the wider scale), worked out by hand; crossMatrix against its sum.
//
//===----------------------------------------------------------------------===//

#include "passes/awq/AwqSearch.h"

#include "formats/GroupFormats.h"

#include "runtime/exec/ThreadPool.h"

#include <gtest/gtest.h>

using namespace llmq;
using namespace llmq::awq;
using ::llmq::runtime::ThreadPool;

namespace {

// One int4 group {7, 5.5, 5.5, 5.5}, identity Gram (the error is the sum of
// squares). Scale = limit / 7: limit 7 rounds 5.5 to 6 (error 3 x 0.25 =
// 0.75); 6.3 (scale 0.9) gives 6.3, 5.4 x 3 (0.49 + 3 x 0.01 = 0.52); 7.7
// (scale 1.1, grown) gives 7.7, 5.5 x 3 (0.49); smaller limits are worse.
TEST(AwqClip, GrowsTheRangeWhenThatRoundsBetter) {
  ThreadPool pool(2);
  TensorFormat format = TensorFormat::integer(4, 4, /*symmetric=*/true);
  std::vector<double> gram = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
  ClipOptions options;
  options.grid = 10;
  options.maxShrink = 0.5;

  std::vector<float> shrunk = {7, 5.5f, 5.5f, 5.5f};
  ClipResult plain = searchClip(shrunk.data(), 1, 4, format, gram, options,
                                pool);
  EXPECT_NEAR(plain.roundingError, 0.75, 1e-5);
  EXPECT_NEAR(plain.clippedError, 0.52, 1e-5);
  EXPECT_FLOAT_EQ(shrunk[0], 6.3f);
  EXPECT_EQ(shrunk[1], 5.5f);

  options.maxGrow = 0.1;
  std::vector<float> grown = {7, 5.5f, 5.5f, 5.5f};
  ClipResult wider = searchClip(grown.data(), 1, 4, format, gram, options,
                                pool);
  EXPECT_NEAR(wider.roundingError, 0.75, 1e-5);
  EXPECT_NEAR(wider.clippedError, 0.49, 1e-5);
  EXPECT_FLOAT_EQ(grown[0], 7.7f);
  EXPECT_EQ(grown[1], 5.5f);
  EXPECT_EQ(grown[3], 5.5f);
  // Written that way, round to nearest reproduces the chosen rounding.
  std::vector<float> rounded(4);
  roundTripRows(format, grown.data(), 1, 4, nullptr, rounded.data());
  EXPECT_FLOAT_EQ(rounded[0], 7.7f);
  EXPECT_NEAR(rounded[1], 5.5f, 1e-5);
}

// sum_t a_t (a_t - b_t)^T over two rows of two channels.
TEST(AwqClip, CrossMatrix) {
  ThreadPool pool(1);
  std::vector<float> a = {1, 2, 3, 4}, b = {0, 1, 1, 5};
  std::vector<double> c = crossMatrix(a.data(), b.data(), 2, 2, pool);
  // t0: a=(1,2), a-b=(1,1); t1: a=(3,4), a-b=(2,-1).
  EXPECT_EQ(c, (std::vector<double>{1 * 1 + 3 * 2, 1 * 1 + 3 * -1,
                                    2 * 1 + 4 * 2, 2 * 1 + 4 * -1}));
}

} // namespace
