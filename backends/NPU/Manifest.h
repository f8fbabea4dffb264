//===- Manifest.h - The NPU artifact's manifest.json ------------*- C++ -*-===//

#ifndef LLMQ_BACKENDS_NPU_MANIFEST_H
#define LLMQ_BACKENDS_NPU_MANIFEST_H

#include "backends/NPU/BuildGraphs.h"
#include "backends/NPU/WriteShards.h"
#include "dialects/Llmq/LlmqOps.h"

namespace llmq::npu {

/// A graph as written: its info and the files holding it.
struct GraphFiles {
  const GraphInfo *info;
  std::string text, bytecode, sha256, bytecodeSha256;
  /// The graph lowered to upstream dialects (--graph-dialect=linalg), or
  /// empty.
  std::string loweredText, loweredBytecode, loweredSha256,
      loweredBytecodeSha256;
};

struct ManifestInput {
  mlir::llmq::ModelOp model;
  const ArtifactPlan *plan;
  std::vector<GraphFiles> graphs;
  std::vector<RankFile> ranks;
  std::string tokenizerFile; ///< relative; empty when the model has none
  std::string tokenizerSha256, configSha256;
};

/// manifest.json's text (pretty-printed, keys sorted: deterministic).
std::string renderManifest(const ManifestInput &input);
/// An HF-style config.json of the model as it is now (after layer drops).
std::string renderConfig(mlir::llmq::ModelOp model);

} // namespace llmq::npu

#endif // LLMQ_BACKENDS_NPU_MANIFEST_H
