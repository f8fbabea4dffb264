//===- Passes.h - llmq passes -----------------------------------*- C++ -*-===//

#ifndef LLMQ_PASSES_PASSES_H
#define LLMQ_PASSES_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

#include <memory>

namespace mlir::llmq {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

} // namespace mlir::llmq

#endif // LLMQ_PASSES_PASSES_H
