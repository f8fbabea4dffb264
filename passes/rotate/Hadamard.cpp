//===- Hadamard.cpp - Randomized Walsh-Hadamard rotations -----------------===//

#include "passes/rotate/Hadamard.h"

#include <algorithm>
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

void Rotation::applyColumns(double *x, int64_t width) const {
  int64_t n = size();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < width; ++k)
      x[i * width + k] *= signs[i];
  // The fast Walsh-Hadamard transform of each block, in Sylvester's order.
  for (int64_t base = 0; base < n; base += blockSize)
    for (int64_t half = 1; half < blockSize; half *= 2)
      for (int64_t i = base; i < base + blockSize; i += 2 * half)
        for (int64_t j = i; j < i + half; ++j) {
          double *a = x + j * width, *b = x + (j + half) * width;
          for (int64_t k = 0; k < width; ++k) {
            double u = a[k], v = b[k];
            a[k] = u + v;
            b[k] = u - v;
          }
        }
  double norm = 1.0 / std::sqrt(static_cast<double>(blockSize));
  for (int64_t i = 0; i < n * width; ++i)
    x[i] *= norm;
}

void Rotation::apply(double *x) const { applyColumns(x, 1); }

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
  // Strips of 16 columns: one 64-byte line of every row per strip, where
  // a column at a time would read a line for each of its values.
  constexpr int64_t kStrip = 16;
  int64_t n = q.size();
  std::vector<double> strip(size_t(n) * kStrip);
  for (int64_t c0 = 0; c0 < cols; c0 += kStrip) {
    int64_t width = std::min(kStrip, cols - c0);
    float *first = matrix + offset * cols + c0;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t k = 0; k < width; ++k)
        strip[i * width + k] = first[i * cols + k];
    q.applyColumns(strip.data(), width);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t k = 0; k < width; ++k)
        first[i * cols + k] = static_cast<float>(strip[i * width + k]);
  }
}
