//===- ExportGGUF.h - GGUF backend ------------------------------*- C++ -*-===//
//
// Translates a llmq.model into a GGUF v3 file that llama.cpp loads: its
// tensor names and metadata keys, the Q/K row permutation of llama-family
// weights, tokenizer metadata, 32-byte alignment. Tensors are streamed one at
// a time from their mapped sources, so memory stays at about one tensor.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_BACKENDS_GGUF_EXPORTGGUF_H
#define LLMQ_BACKENDS_GGUF_EXPORTGGUF_H

#include "formats/Formats.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <optional>

namespace llmq {

struct GGUFExportOptions {
  /// Format of 2-D weights without a `format` attribute (`--type`). 1-D
  /// weights (norms, biases) stay f32, as llama.cpp's converter keeps them.
  /// Unset, a weight read from a GGUF file keeps the format and bytes it has
  /// there (re-export changes nothing it was not asked to), and any other
  /// weight is written as f32.
  std::optional<Format> defaultFormat;
  /// A weight whose rows do not split into its format's blocks is an error,
  /// rather than falling back as llama.cpp does (with a warning).
  bool strict = false;
  /// Threads converting rows; 0: mlir::llmq::getWorkerThreads's setting
  /// (the tool's --threads, 1 under --mlir-disable-threading, else all
  /// cores). The bytes do not depend on it.
  unsigned threads = 0;
  /// llama.cpp's repetition prevention (`--repeat-penalty`, > 0 and finite,
  /// 1 is off; `--repeat-last-n`, >= -1: -1 is the context size, 0 off).
  /// Given, they are written as `llmq.sampling.*` keys and into the
  /// logit-bias sidecars, which are then written even without a logit mask.
  std::optional<double> repeatPenalty;
  std::optional<int64_t> repeatLastN;
};

/// Checks the repetition settings of `options`: one line naming the option.
llvm::Error checkRepetitionOptions(const GGUFExportOptions &options);

/// Writes the single llmq.model in `module` to `outputPath` (atomically).
llvm::Error exportGGUF(mlir::ModuleOp module, llvm::StringRef outputPath,
                       const GGUFExportOptions &options);

} // namespace llmq

#endif // LLMQ_BACKENDS_GGUF_EXPORTGGUF_H
