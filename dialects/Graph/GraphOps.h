//===- GraphOps.h - llmq_graph dialect and operations -----------*- C++ -*-===//

#ifndef LLMQ_DIALECTS_GRAPH_GRAPHOPS_H
#define LLMQ_DIALECTS_GRAPH_GRAPHOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/Graph/GraphDialect.h.inc"

#define GET_OP_CLASSES
#include "dialects/Graph/GraphOps.h.inc"

#endif // LLMQ_DIALECTS_GRAPH_GRAPHOPS_H
