//===- LlmqOps.h - llmq dialect, attributes and operations ------*- C++ -*-===//

#ifndef LLMQ_DIALECTS_LLMQ_LLMQOPS_H
#define LLMQ_DIALECTS_LLMQ_LLMQOPS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"

#include "dialects/Llmq/Architectures.h"
#include "formats/TensorFormat.h"

#include <map>
#include <string>

#include "dialects/Llmq/LlmqDialect.h.inc"
#include "dialects/Llmq/LlmqEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/Llmq/LlmqAttrs.h.inc"

namespace mlir::llmq {
class WeightOp;

/// A number as diagnostics show it: "0.5", "nan", "inf" (%g).
std::string formatNumber(double value);
} // namespace mlir::llmq

#define GET_OP_CLASSES
#include "dialects/Llmq/LlmqOps.h.inc"

#endif // LLMQ_DIALECTS_LLMQ_LLMQOPS_H
