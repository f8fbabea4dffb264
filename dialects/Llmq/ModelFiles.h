//===- ModelFiles.h - The files a model reads -------------------*- C++ -*-===//
//
// A model in the IR reads files it does not contain: each weight's source
// (safetensors, GGUF), its tokenizer, the imatrix and the GGUF it came from.
// No output of a run may replace them (formats/files/OutputPaths.h).
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_DIALECTS_LLMQ_MODELFILES_H
#define LLMQ_DIALECTS_LLMQ_MODELFILES_H

#include "mlir/IR/Operation.h"

#include <string>
#include <vector>

namespace mlir::llmq {

struct ModelFile {
  std::string path;
  std::string role; ///< "a weight source", "the tokenizer", ...
};

/// The files the IR under `root` references, each once, in IR order.
std::vector<ModelFile> collectModelFiles(Operation *root);

/// Records every file of collectModelFiles(root) as an input of this run
/// (::llmq::protectInput), so that no output replaces one.
void protectModelFiles(Operation *root);

} // namespace mlir::llmq

#endif // LLMQ_DIALECTS_LLMQ_MODELFILES_H
