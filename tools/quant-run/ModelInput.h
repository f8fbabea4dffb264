//===- ModelInput.h - Open any model quant-run accepts ----------*- C++ -*-===//

#ifndef LLMQ_TOOLS_QUANT_RUN_MODELINPUT_H
#define LLMQ_TOOLS_QUANT_RUN_MODELINPUT_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/Error.h"

namespace llmq {

/// A Hugging Face checkpoint directory or a .gguf file is imported, a .mlir
/// file parsed and verified; all yield a module with one llmq.model.
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
openModel(llvm::StringRef path, mlir::MLIRContext &context);

} // namespace llmq

#endif // LLMQ_TOOLS_QUANT_RUN_MODELINPUT_H
