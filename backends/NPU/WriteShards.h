//===- WriteShards.h - One weight file per NPU rank -------------*- C++ -*-===//
//
// Writes rank r's weights (stage r / tp, tensor-parallel rank r % tp) to
// weights/rank<r>.safetensors, one shard tensor at a time: each shard is
// read from the mapped source a strip of rows at a time, converted to its
// format and appended, so memory holds a strip, not a tensor.
//
// Tensor names are the llmq weight symbols; group formats add components:
//   fp8_block  <name> F8_E4M3 [rows, cols], <name>.scale_inv F32 [ceil(rows/128), ceil(cols/128)]
//   int8       <name> I8 [rows, cols],      <name>.scale F32 [rows]
//   int4_g128  <name> I32 [rows, cols/8],   <name>.scale F32 [rows, cols/128]
// and ggml row formats are U8 [rows, row bytes].
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_BACKENDS_NPU_WRITESHARDS_H
#define LLMQ_BACKENDS_NPU_WRITESHARDS_H

#include "backends/NPU/ArtifactPlan.h"

namespace llmq::npu {

struct ShardComponent {
  std::string key, dtype;
  llvm::SmallVector<int64_t, 2> shape;
};

struct ShardRecord {
  const ShardedWeight *weight;
  ShardedWeight::Slice slice;
  std::vector<ShardComponent> components;
};

struct RankFile {
  int64_t rank = 0, stage = 0, tpRank = 0;
  std::string file; ///< relative to the artifact directory
  std::string sha256;
  uint64_t bytes = 0;
  std::vector<ShardRecord> tensors;
};

/// Writes every rank's file under `dir` (which must exist), converting rows
/// on `threads` workers (the calling thread when 1).
llvm::Expected<std::vector<RankFile>> writeShards(mlir::llmq::ModelOp model,
                                                  const ArtifactPlan &plan,
                                                  llvm::StringRef dir,
                                                  unsigned threads);

} // namespace llmq::npu

#endif // LLMQ_BACKENDS_NPU_WRITESHARDS_H
