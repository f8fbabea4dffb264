//===- Hadamard.h - Randomized Walsh-Hadamard rotations ---------*- C++ -*-===//
//
// The orthogonal matrices --llmq-rotate folds into a model's weights
// (QuaRot, Ashkboos et al. 2024; SpinQuant's R1/R2 with Hadamard matrices):
//
//   Q = diag(s) * blockdiag(H_b, ..., H_b) / sqrt(b)
//
// with s a seeded vector of signs and H_b the Sylvester-Hadamard matrix of
// the largest power of two b dividing the dimension. Q spreads a vector's
// large coordinates over its block (the "incoherence" that makes weights and
// activations round better) and costs O(n log b) to apply.
//
// Every use reduces to one operation on an n-vector x,
//
//   x <- Q^T x = H (s o x) / sqrt(b)      (H symmetric)
//
// which is both what a residual-stream vector becomes (an embedding row, a
// column of a matrix that writes the residual) and what a row of a matrix
// that reads the residual becomes (w <- w Q, the transpose of the same).
// Values are transformed in double and rounded to f32 once.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_PASSES_ROTATE_HADAMARD_H
#define LLMQ_PASSES_ROTATE_HADAMARD_H

#include <cstdint>
#include <vector>

namespace llmq::rotate {

/// The largest power of two that divides n (n > 0): the Hadamard block.
int64_t hadamardBlock(int64_t n);

/// One rotation Q of n coordinates: its signs, drawn from (seed, stream)
/// alone, so the same options give the same rotation on any machine.
class Rotation {
public:
  Rotation(int64_t n, uint64_t seed, uint64_t stream);

  int64_t size() const { return static_cast<int64_t>(signs.size()); }
  int64_t block() const { return blockSize; }

  /// x <- Q^T x for the n values x[0], x[stride], ..., x[(n-1) stride].
  void apply(float *x, int64_t stride = 1) const;
  /// The same on doubles, in place (no rounding): applyColumns(x, 1).
  void apply(double *x) const;
  /// The same on each of the `width` columns of x (n x width, row-major,
  /// doubles), every column through the same operations in the same order;
  /// a strip of columns keeps rows' cache lines in use.
  void applyColumns(double *x, int64_t width) const;

private:
  std::vector<int8_t> signs;
  int64_t blockSize;
  mutable std::vector<double> scratch;
};

/// Applies `q` to each row's columns [offset, offset + q.size()) of a
/// row-major rows x cols matrix: W <- W Q on those columns (a matrix that
/// reads rotated inputs), or each row of an embedding table.
void rotateRowSegments(float *matrix, int64_t rows, int64_t cols,
                       int64_t offset, const Rotation &q);

/// Applies `q` to each column's rows [offset, offset + q.size()): W <- Q^T W
/// on those rows (a matrix whose outputs are rotated).
void rotateColumnSegments(float *matrix, int64_t rows, int64_t cols,
                          int64_t offset, const Rotation &q);

} // namespace llmq::rotate

#endif // LLMQ_PASSES_ROTATE_HADAMARD_H
