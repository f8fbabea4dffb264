//===- quant-opt.cpp - llmq's optimizer driver ----------------------------===//
//
// Parses, verifies and prints llmq IR and runs llmq passes over it; all the
// work is in the libraries, as in mlir-opt.
//
//===----------------------------------------------------------------------===//

#include "dialects/Graph/GraphOps.h"
#include "dialects/Llmq/LlmqOps.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/Support/CommandLine.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<mlir::llmq::LlmqDialect, mlir::llmq_graph::GraphDialect,
                  mlir::func::FuncDialect>();
  mlir::llmq::registerLlmqPasses();
  // A user error is one line at the op's location; the op's text (for a
  // model, the whole module) only with --mlir-print-op-on-diagnostic.
  mlir::registerMLIRContextCLOptions();
  auto &options = llvm::cl::getRegisteredOptions();
  auto it = options.find("mlir-print-op-on-diagnostic");
  if (it != options.end())
    static_cast<llvm::cl::opt<bool> *>(it->second)->setInitialValue(false);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "llmq optimizer driver\n", registry));
}
