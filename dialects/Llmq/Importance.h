//===- Importance.h - The importance a weight's attribute names -*- C++ -*-===//
//
// A weight's `llmq.importance = #llmq.importance<file = F, key = K>` names
// the entry of llama.cpp's imatrix GGUF F computed for it. Every reader (the
// GGUF exporter, assign-bits, the report) resolves it here: each file is read
// once, and the entry must exist and have one value per column of the
// weight.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_DIALECTS_LLMQ_IMPORTANCE_H
#define LLMQ_DIALECTS_LLMQ_IMPORTANCE_H

#include "formats/files/Imatrix.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"

namespace mlir::llmq {
class ModelOp;
class WeightOp;

class ImportanceReader {
public:
  /// The imatrix entry `weight`'s `llmq.importance` names, or null when it
  /// has none. Errors name the file, the key and the weight.
  llvm::Expected<const ::llmq::ImatrixEntry *> lookup(WeightOp weight);

private:
  llvm::StringMap<::llmq::Imatrix> files;
};

/// The imatrix file the weights of `model` name, for a report; empty when
/// none does (the first in weight order when several do).
std::string importanceFile(ModelOp model);

} // namespace mlir::llmq

#endif // LLMQ_DIALECTS_LLMQ_IMPORTANCE_H
