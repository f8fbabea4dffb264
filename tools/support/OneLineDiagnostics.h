//===- OneLineDiagnostics.h - A user error is one line ----------*- C++ -*-===//
//
// The tools report a diagnostic the way a user reads it: one line,
// "file:line:col: error: message", each note on a line of its own, without
// the source line and caret (or, for a model, the whole module) that MLIR's
// handlers add. --mlir-print-op-on-diagnostic still shows the op's text.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_TOOLS_SUPPORT_ONELINEDIAGNOSTICS_H
#define LLMQ_TOOLS_SUPPORT_ONELINEDIAGNOSTICS_H

#include "mlir/IR/Diagnostics.h"

namespace llmq {

/// Prints `diag` and its notes, one line each, to llvm::errs().
void printDiagnosticLine(const mlir::Diagnostic &diag);

/// Makes every diagnostic of `context` one line while it lives.
class OneLineDiagnosticHandler : public mlir::ScopedDiagnosticHandler {
public:
  explicit OneLineDiagnosticHandler(mlir::MLIRContext *context);
};

} // namespace llmq

#endif // LLMQ_TOOLS_SUPPORT_ONELINEDIAGNOSTICS_H
