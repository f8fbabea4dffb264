//===- HadamardTest.cpp - The rotations --llmq-rotate folds ---------------===//
//
// Block sizes, orthogonality, and the two identities the pass relies on: a
// matrix that reads rotated inputs (W Q, row segments) gives the same
// outputs, and one whose outputs are rotated (Q^T W, column segments) gives
// the rotated outputs.
//
//===----------------------------------------------------------------------===//

#include "passes/rotate/Hadamard.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace llmq::rotate;

namespace {

TEST(Hadamard, BlockIsTheLargestPowerOfTwoDividing) {
  EXPECT_EQ(hadamardBlock(256), 256);
  EXPECT_EQ(hadamardBlock(768), 256);
  EXPECT_EQ(hadamardBlock(2560), 512);
  EXPECT_EQ(hadamardBlock(896), 128);
  EXPECT_EQ(hadamardBlock(7), 1);
}

// Q^T applied to the basis vectors: its columns are orthonormal, every entry
// of a block is +-1/sqrt(b), and entries outside the block are zero.
TEST(Hadamard, RotationIsOrthogonalWithinBlocks) {
  const int64_t n = 96; // three blocks of 32
  Rotation q(n, /*seed=*/7, /*stream=*/0);
  ASSERT_EQ(q.block(), 32);
  std::vector<std::vector<double>> cols(n, std::vector<double>(n, 0.0));
  for (int64_t i = 0; i < n; ++i) {
    cols[i][i] = 1;
    q.apply(cols[i].data());
    for (int64_t j = 0; j < n; ++j) {
      double expected = (i / 32 == j / 32) ? 1 / std::sqrt(32.0) : 0.0;
      EXPECT_NEAR(std::fabs(cols[i][j]), expected, 1e-15) << i << "," << j;
    }
  }
  for (int64_t a = 0; a < n; ++a)
    for (int64_t b = 0; b < n; ++b) {
      double dot = 0;
      for (int64_t j = 0; j < n; ++j)
        dot += cols[a][j] * cols[b][j];
      EXPECT_NEAR(dot, a == b ? 1.0 : 0.0, 1e-12);
    }
}

TEST(Hadamard, SignsDependOnSeedAndStreamOnly) {
  std::vector<double> e(64, 0.0), f(64, 0.0), g(64, 0.0), h(64, 0.0);
  e[0] = f[0] = g[0] = h[0] = 1;
  Rotation(64, 1, 0).apply(e.data());
  Rotation(64, 1, 0).apply(f.data());
  Rotation(64, 2, 0).apply(g.data());
  Rotation(64, 1, 1).apply(h.data());
  EXPECT_EQ(e, f);
  // x = e_0: only s_0 enters, so compare whole transforms of a dense x.
  std::vector<double> x(64), y, z, w;
  for (int i = 0; i < 64; ++i)
    x[i] = i + 1;
  y = z = w = x;
  Rotation(64, 1, 0).apply(y.data());
  Rotation(64, 2, 0).apply(z.data());
  Rotation(64, 1, 1).apply(w.data());
  EXPECT_NE(y, z);
  EXPECT_NE(y, w);
}

// y = W x with W rows x n: W Q (each row rotated) applied to Q^T x is y;
// z = V u with V n x k: Q^T V (each column rotated) gives Q^T z.
TEST(Hadamard, RowAndColumnSegmentsPreserveProducts) {
  const int64_t n = 48, rows = 5, k = 7;
  Rotation q(n, 3, 0);
  std::mt19937 rng(11);
  std::normal_distribution<float> normal;
  std::vector<float> w(rows * n), v(n * k), x(n), u(k);
  for (float &a : w)
    a = normal(rng);
  for (float &a : v)
    a = normal(rng);
  for (float &a : x)
    a = normal(rng);
  for (float &a : u)
    a = normal(rng);

  std::vector<double> y(rows, 0.0), z(n, 0.0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < n; ++c)
      y[r] += double(w[r * n + c]) * x[c];
  for (int64_t r = 0; r < n; ++r)
    for (int64_t c = 0; c < k; ++c)
      z[r] += double(v[r * k + c]) * u[c];

  std::vector<float> xr = x;
  q.apply(xr.data());
  rotateRowSegments(w.data(), rows, n, 0, q);
  for (int64_t r = 0; r < rows; ++r) {
    double yr = 0;
    for (int64_t c = 0; c < n; ++c)
      yr += double(w[r * n + c]) * xr[c];
    EXPECT_NEAR(yr, y[r], 1e-4);
  }

  q.apply(z.data());
  rotateColumnSegments(v.data(), n, k, 0, q);
  for (int64_t r = 0; r < n; ++r) {
    double zr = 0;
    for (int64_t c = 0; c < k; ++c)
      zr += double(v[r * k + c]) * u[c];
    EXPECT_NEAR(zr, z[r], 1e-4);
  }
}

// Segments leave the rest of the matrix alone.
TEST(Hadamard, SegmentsTouchOnlyTheirRange) {
  Rotation q(4, 0, 0);
  std::vector<float> m(3 * 8);
  for (size_t i = 0; i < m.size(); ++i)
    m[i] = float(i);
  std::vector<float> before = m;
  rotateRowSegments(m.data(), 3, 8, 4, q);
  for (int64_t r = 0; r < 3; ++r)
    for (int64_t c = 0; c < 4; ++c)
      EXPECT_EQ(m[r * 8 + c], before[r * 8 + c]);
  m = before;
  rotateColumnSegments(m.data(), 3, 8, 1, Rotation(2, 0, 0));
  for (int64_t c = 0; c < 8; ++c)
    EXPECT_EQ(m[c], before[c]);
}

} // namespace
