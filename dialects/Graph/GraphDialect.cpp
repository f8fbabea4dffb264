//===- GraphDialect.cpp - llmq_graph dialect registration -----------------===//

#include "dialects/Graph/GraphOps.h"

using namespace mlir;
using namespace mlir::llmq_graph;

#include "dialects/Graph/GraphDialect.cpp.inc"

void GraphDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/Graph/GraphOps.cpp.inc"
      >();
}
