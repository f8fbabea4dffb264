//===- ImportHF.h - Hugging Face checkpoint importer ------------*- C++ -*-===//
//
// Imports a Hugging Face checkpoint directory (config.json, safetensors single
// or sharded, tokenizer.json) into a llmq.model. Only headers are read: the
// resulting weight symbols reference the tensors where they lie.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_FRONTENDS_HF_IMPORTHF_H
#define LLMQ_FRONTENDS_HF_IMPORTHF_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/Error.h"

namespace mlir {
class MLIRContext;
} // namespace mlir

namespace llmq {

/// Imports the checkpoint in `directory`. Errors name the file and, where one
/// is at fault, the tensor.
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
importHF(llvm::StringRef directory, mlir::MLIRContext &context);

} // namespace llmq

#endif // LLMQ_FRONTENDS_HF_IMPORTHF_H
