//===- LocatedError.h - llvm::Error reported at an op's location -*- C++ -*-===//
//
// Importers and exporters work with llvm::Error; an error about one op (a
// weight that cannot be written, a model without a tokenizer) carries that
// op's location, so that the translation reports it through the op's
// MLIRContext at that place: one line "file:line:col: error: ...", and
// checkable with -verify-diagnostics.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_DIALECTS_LLMQ_LOCATEDERROR_H
#define LLMQ_DIALECTS_LLMQ_LOCATEDERROR_H

#include "mlir/IR/Location.h"
#include "mlir/IR/Operation.h"
#include "llvm/Support/Error.h"

#include <string>

namespace mlir::llmq {

/// An error about `op`: reported as op->emitError() does, at its location
/// (and with its text under --mlir-print-op-on-diagnostic). The op must
/// outlive the error.
class LocatedError : public llvm::ErrorInfo<LocatedError> {
public:
  static char ID;
  LocatedError(Operation *op, std::string message)
      : op(op), message(std::move(message)) {}
  void log(llvm::raw_ostream &os) const override { os << message; }
  std::error_code convertToErrorCode() const override {
    return llvm::inconvertibleErrorCode();
  }
  Operation *getOp() const { return op; }
  llvm::StringRef getMessage() const { return message; }

private:
  Operation *op;
  std::string message;
};

/// An error about `op`, reported at its location.
llvm::Error errorAt(Operation *op, const llvm::Twine &message);

/// `error` located at `op`, unless it already names a place: for errors a
/// helper raised without knowing the op (a weight's source file).
llvm::Error locateAt(Operation *op, llvm::Error error);

/// Reports `error` through the context of `fallback`: each LocatedError at
/// its op, any other error at `fallback`. Returns failure.
LogicalResult emitError(llvm::Error error, Location fallback);

} // namespace mlir::llmq

#endif // LLMQ_DIALECTS_LLMQ_LOCATEDERROR_H
