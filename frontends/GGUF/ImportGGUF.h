//===- ImportGGUF.h - GGUF importer -----------------------------*- C++ -*-===//
//
// Imports a GGUF file written by llama.cpp's converter (or by llmq) into a
// llmq.model whose weights reference the file's tensors in place, quantized
// ones included (#llmq.source<..., stored = #llmq.format<q8_0>>).
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_FRONTENDS_GGUF_IMPORTGGUF_H
#define LLMQ_FRONTENDS_GGUF_IMPORTGGUF_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/Error.h"

namespace llmq {

/// Imports `path`. Errors name the file and the key or tensor at fault.
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
importGGUF(llvm::StringRef path, mlir::MLIRContext &context);

} // namespace llmq

#endif // LLMQ_FRONTENDS_GGUF_IMPORTGGUF_H
