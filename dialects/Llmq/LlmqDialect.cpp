//===- LlmqDialect.cpp - llmq dialect registration -------------------------===//

#include "dialects/Llmq/LlmqOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::llmq;

#include "dialects/Llmq/LlmqDialect.cpp.inc"
#include "dialects/Llmq/LlmqEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/Llmq/LlmqAttrs.cpp.inc"

void LlmqDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/Llmq/LlmqAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "dialects/Llmq/LlmqOps.cpp.inc"
      >();
}
