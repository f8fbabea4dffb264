//===- LocatedError.cpp - llvm::Error reported at an op's location --------===//

#include "dialects/Llmq/LocatedError.h"

#include "mlir/IR/Diagnostics.h"

using namespace mlir;
using namespace mlir::llmq;

char LocatedError::ID = 0;

llvm::Error mlir::llmq::errorAt(Operation *op, const llvm::Twine &message) {
  return llvm::make_error<LocatedError>(op, message.str());
}

llvm::Error mlir::llmq::locateAt(Operation *op, llvm::Error error) {
  if (!error || error.isA<LocatedError>())
    return error;
  return errorAt(op, llvm::toString(std::move(error)));
}

LogicalResult mlir::llmq::emitError(llvm::Error error, Location fallback) {
  llvm::handleAllErrors(
      std::move(error),
      [](const LocatedError &located) {
        located.getOp()->emitError() << located.getMessage();
      },
      [&](const llvm::ErrorInfoBase &other) {
        mlir::emitError(fallback) << other.message();
      });
  return failure();
}
