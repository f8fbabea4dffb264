//===- ExportNPUArtifact.h - NPU artifact backend ---------------*- C++ -*-===//
//
// Translates a llmq.model into an NPU artifact directory (after FuriosaAI's
// artifact builder): manifest.json, config.json, the tokenizer, per-bucket
// prefill and decode graphs in the llmq_graph dialect (text and bytecode),
// and one safetensors weight file per rank. docs/backends/npu-artifact.md
// gives the layout and the manifest schema.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_BACKENDS_NPU_EXPORTNPUARTIFACT_H
#define LLMQ_BACKENDS_NPU_EXPORTNPUARTIFACT_H

#include "backends/NPU/ArtifactPlan.h"

#include "mlir/IR/BuiltinOps.h"

namespace llmq {

/// The manifest's "version"; readers refuse other versions.
inline constexpr int kNPUArtifactVersion = 1;

/// Writes the single llmq.model of `module` as an artifact at `outputDir`.
/// Everything is written into a sibling staging directory that becomes
/// `outputDir` only once complete and is removed on any error or signal. An
/// existing `outputDir` is refused unless `replaceExisting` (--force), and
/// then replaced only by the complete new artifact; an `outputDir` that is
/// or contains a file the model reads is always refused.
llvm::Error exportNPUArtifact(mlir::ModuleOp module,
                              llvm::StringRef outputDir,
                              const npu::ArtifactOptions &options,
                              bool replaceExisting = false);

} // namespace llmq

#endif // LLMQ_BACKENDS_NPU_EXPORTNPUARTIFACT_H
