//===- CheckedArith.h - Checked arithmetic on sizes from input --*- C++ -*-===//
//
// Every size, offset and count llmq computes from a file it reads (shape
// products, byte sizes, offsets plus sizes) goes through these helpers, so a
// hostile header cannot wrap a size around 2^64 and pass a bounds check. They
// return nullopt on overflow; callers turn that into an error naming the file
// and the tensor.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_FORMATS_CHECKEDARITH_H
#define LLMQ_FORMATS_CHECKEDARITH_H

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>
#include <optional>

namespace llmq {

/// a + b, or nullopt if it overflows 64 bits.
inline std::optional<uint64_t> checkedAdd(uint64_t a, uint64_t b) {
  uint64_t sum;
  if (__builtin_add_overflow(a, b, &sum))
    return std::nullopt;
  return sum;
}

/// a * b, or nullopt if it overflows 64 bits.
inline std::optional<uint64_t> checkedMul(uint64_t a, uint64_t b) {
  uint64_t product;
  if (__builtin_mul_overflow(a, b, &product))
    return std::nullopt;
  return product;
}

/// The product of `dims` (1 for none), or nullopt when a dimension is
/// negative or the product overflows `limit` (by default 2^63 - 1, so the
/// result also fits an int64_t).
inline std::optional<uint64_t>
checkedProduct(llvm::ArrayRef<int64_t> dims,
               uint64_t limit = uint64_t(INT64_MAX)) {
  uint64_t product = 1;
  for (int64_t d : dims) {
    if (d < 0)
      return std::nullopt;
    std::optional<uint64_t> next = checkedMul(product, uint64_t(d));
    if (!next || *next > limit)
      return std::nullopt;
    product = *next;
  }
  return product;
}

/// Whether [offset, offset + size) lies inside [0, extent), without
/// overflowing.
inline bool rangeFits(uint64_t offset, uint64_t size, uint64_t extent) {
  return offset <= extent && size <= extent - offset;
}

} // namespace llmq

#endif // LLMQ_FORMATS_CHECKEDARITH_H
