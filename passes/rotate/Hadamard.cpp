//===- Hadamard.cpp - Randomized Walsh-Hadamard rotations -----------------===//

#include "passes/rotate/Hadamard.h"

#include <cassert>
#include <cmath>

using namespace llmq::rotate;

int64_t llmq::rotate::hadamardBlock(int64_t n) {
  assert(n > 0 && "a rotation needs coordinates");
  return n & -n;
}

/// splitmix64: a fixed, portable stream (std::mt19937's distributions are
/// not specified bit for bit across standard libraries).
static uint64_t nextRandom(uint64_t &state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

Rotation::Rotation(int64_t n, uint64_t seed, uint64_t stream)
    : signs(n), blockSize(hadamardBlock(n)), scratch(n) {
  uint64_t state = seed * 0xd1342543de82ef95ull + stream;
  for (int64_t i = 0; i < n; i += 64) {
    uint64_t bits = nextRandom(state);
    for (int64_t j = i; j < n && j < i + 64; ++j, bits >>= 1)
      signs[j] = (bits & 1) ? -1 : 1;
  }
}

void Rotation::apply(double *x) const {
  int64_t n = size();
  for (int64_t i = 0; i < n; ++i)
    x[i] *= signs[i];
  // The fast Walsh-Hadamard transform of each block, in Sylvester's order.
  for (int64_t base = 0; base < n; base += blockSize)
    for (int64_t half = 1; half < blockSize; half *= 2)
      for (int64_t i = base; i < base + blockSize; i += 2 * half)
        for (int64_t j = i; j < i + half; ++j) {
          double a = x[j], b = x[j + half];
          x[j] = a + b;
          x[j + half] = a - b;
        }
  double norm = 1.0 / std::sqrt(static_cast<double>(blockSize));
  for (int64_t i = 0; i < n; ++i)
    x[i] *= norm;
}

void Rotation::apply(float *x, int64_t stride) const {
  int64_t n = size();
  for (int64_t i = 0; i < n; ++i)
    scratch[i] = x[i * stride];
  apply(scratch.data());
  for (int64_t i = 0; i < n; ++i)
    x[i * stride] = static_cast<float>(scratch[i]);
}

void llmq::rotate::rotateRowSegments(float *matrix, int64_t rows,
                                     int64_t cols, int64_t offset,
                                     const Rotation &q) {
  assert(offset >= 0 && offset + q.size() <= cols);
  for (int64_t r = 0; r < rows; ++r)
    q.apply(matrix + r * cols + offset);
}

void llmq::rotate::rotateColumnSegments(float *matrix, int64_t rows,
                                        int64_t cols, int64_t offset,
                                        const Rotation &q) {
  assert(offset >= 0 && offset + q.size() <= rows);
  for (int64_t c = 0; c < cols; ++c)
    q.apply(matrix + offset * cols + c, cols);
}
