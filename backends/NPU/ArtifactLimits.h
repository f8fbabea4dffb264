//===- ArtifactLimits.h - The largest buckets an artifact may hold -*- C++ -*-===//
//
// A bucket fixes the static shapes of its graphs, and the executor allocates
// them: a decode bucket of 100000000x256 exported without complaint and then
// ran out of memory. The export refuses such buckets (ArtifactPlan), and the
// loader refuses a manifest asking for one (runtime/artifact), with the same
// limits, documented in docs/backends/npu-artifact.md:
//   - batch at most kMaxBucketBatch;
//   - batch x tokens x the widest activation row (hidden size, heads x head
//     dim, ffn size, padded vocabulary), tokens being the prefill length or 1
//     for decode, at most kMaxBucketValues;
//   - the KV cache of one rank, batch x length x 2 (keys and values) x local
//     kv features x blocks of the largest stage, at most kMaxBucketValues.
// Every product is checked arithmetic: an overflow is over the limit.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_BACKENDS_NPU_ARTIFACTLIMITS_H
#define LLMQ_BACKENDS_NPU_ARTIFACTLIMITS_H

#include "llvm/ADT/Twine.h"
#include "llvm/Support/CheckedArithmetic.h"

#include <cstdint>
#include <optional>
#include <string>

namespace llmq::npu {

/// The most sequences one bucket may batch.
inline constexpr int64_t kMaxBucketBatch = 1024;
/// The most f32 values (8 GiB) of one activation or of one rank's KV cache.
inline constexpr int64_t kMaxBucketValues = int64_t(1) << 31;

/// The model's sizes that a bucket multiplies.
struct BucketDims {
  int64_t widestRow = 0;     ///< max(hidden, heads x head dim, ffn, padded vocab)
  int64_t cacheFeatures = 0; ///< local kv heads x head dim
  int64_t stageBlocks = 0;   ///< blocks of the largest pipeline stage
};

/// The product of `factors`, or nothing if it overflows int64 or a factor is
/// negative.
inline std::optional<int64_t>
checkedProduct(std::initializer_list<int64_t> factors) {
  int64_t product = 1;
  for (int64_t f : factors) {
    if (f < 0)
      return std::nullopt;
    std::optional<int64_t> next = llvm::checkedMul(product, f);
    if (!next)
      return std::nullopt;
    product = *next;
  }
  return product;
}

/// Why bucket `batch` x `length` (prefill: tokens; decode: cache positions)
/// is over the limits, as the end of a sentence starting "bucket BxL "; empty
/// when it is within them.
inline std::string bucketOverLimits(int64_t batch, int64_t length,
                                    bool prefill, const BucketDims &dims) {
  if (batch > kMaxBucketBatch)
    return ("has a batch of " + llvm::Twine(batch) +
            ", more than the limit of " + llvm::Twine(kMaxBucketBatch))
        .str();
  auto over = [](std::optional<int64_t> values, const llvm::Twine &what) {
    if (values && *values <= kMaxBucketValues)
      return std::string();
    return ("needs " +
            (values ? llvm::Twine(*values) : llvm::Twine("more than 2^63")) +
            " values for " + what + ", more than the limit of " +
            llvm::Twine(kMaxBucketValues))
        .str();
  };
  int64_t tokens = prefill ? length : 1;
  std::string why =
      over(checkedProduct({batch, tokens, dims.widestRow}),
           "an activation (batch x " + llvm::Twine(tokens) + " tokens x " +
               llvm::Twine(dims.widestRow) + ")");
  if (!why.empty())
    return why;
  return over(checkedProduct({batch, length, 2, dims.cacheFeatures,
                              dims.stageBlocks}),
              "a rank's KV cache (batch x length x 2 x " +
                  llvm::Twine(dims.cacheFeatures) + " features x " +
                  llvm::Twine(dims.stageBlocks) + " blocks)");
}

} // namespace llmq::npu

#endif // LLMQ_BACKENDS_NPU_ARTIFACTLIMITS_H
