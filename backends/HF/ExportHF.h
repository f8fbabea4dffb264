//===- ExportHF.h - Hugging Face checkpoint backend -------------*- C++ -*-===//
//
// Translates a llmq.model into a checkpoint directory that transformers and
// vLLM load: config.json, generation_config.json, the tokenizer's files
// copied byte for byte, and the weights under Hugging Face names in
// safetensors shards (model.safetensors, or model-0000K-of-0000N.safetensors
// with model.safetensors.index.json). Each weight is written in its chosen
// format: f32/f16/bf16, transformers' fine-grained FP8 blocks, or
// compressed-tensors' pack-quantized int4/int8 groups. Weights stream a strip
// of rows at a time from their mapped sources into a staging directory that
// is renamed into place once complete (docs/backends/hf.md).
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_BACKENDS_HF_EXPORTHF_H
#define LLMQ_BACKENDS_HF_EXPORTHF_H

#include "backends/HF/HFConfig.h"
#include "formats/Formats.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <optional>

namespace llmq {

struct HFExportOptions {
  /// The format of weights without a chosen one (`--type`: f32, f16 or
  /// bf16). Unset, a weight keeps its source's float dtype, and one
  /// quantized in a GGUF source is dequantized to bf16.
  std::optional<Format> type;
  /// The largest shard's tensor bytes (`--max-shard-size`; transformers'
  /// default, 5 GB). A weight larger than that gets a shard of its own.
  uint64_t maxShardBytes = 5'000'000'000ull;
  /// Replace an existing output directory (`--force`), once the new one is
  /// complete.
  bool replaceExisting = false;
  /// Threads converting rows; 0: mlir::llmq::getWorkerThreads's setting
  /// (the tool's --threads, 1 under --mlir-disable-threading, else all
  /// cores). The bytes do not depend on it.
  unsigned threads = 0;
  hf::GenerationOptions generation;
};

/// Parses a shard size as transformers spells it: "5GB" (10^9), "500MB",
/// "2GiB" (2^30), "100KB" or a byte count; one line naming the option when
/// it is not one.
llvm::Expected<uint64_t> parseShardSize(llvm::StringRef text);

/// Writes the single llmq.model in `module` to the directory `outputDir`.
llvm::Error exportHF(mlir::ModuleOp module, llvm::StringRef outputDir,
                     const HFExportOptions &options);

/// Writes the checkpoint as a zip at `zipPath` whose only top-level entry
/// is `model/` (`--zip`): from the directory `outputDir` written first, or,
/// when it is "-", from a scratch directory removed afterwards.
llvm::Error exportHFZip(mlir::ModuleOp module, llvm::StringRef outputDir,
                        llvm::StringRef zipPath,
                        const HFExportOptions &options);

} // namespace llmq

#endif // LLMQ_BACKENDS_HF_EXPORTHF_H
