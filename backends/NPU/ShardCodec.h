//===- ShardCodec.h - The formats an NPU artifact's shards hold -*- C++ -*-===//
//
// An artifact stores each weight shard in a ggml row format or in one of
// three group formats whose layouts the manifest schema fixes
// (docs/backends/npu-artifact.md). Other formats the IR can name (fp8 with
// other blocks, asymmetric or other integer groups) are refused by the plan.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_BACKENDS_NPU_SHARDCODEC_H
#define LLMQ_BACKENDS_NPU_SHARDCODEC_H

#include "formats/TensorFormat.h"

#include <optional>

namespace llmq::npu {

enum class ShardCodec {
  Ggml,        ///< ggml rows (floats included)
  FP8Block,    ///< F8_E4M3 codes, F32 `.scale_inv` per 128x128 block
  Int8Channel, ///< I8 codes, F32 `.scale` per row
  Int4G128,    ///< I32 words of eight 4-bit codes, F32 `.scale` per 128
};

/// How an artifact stores `format`, or nothing when it cannot.
inline std::optional<ShardCodec> shardCodec(const TensorFormat &format) {
  if (format.isGgml())
    return ShardCodec::Ggml;
  if (format == TensorFormat::fp8Block())
    return ShardCodec::FP8Block;
  if (format == TensorFormat::integer(8, 0, true))
    return ShardCodec::Int8Channel;
  if (format == TensorFormat::integer(4, 128, true))
    return ShardCodec::Int4G128;
  return std::nullopt;
}

} // namespace llmq::npu

#endif // LLMQ_BACKENDS_NPU_SHARDCODEC_H
