//===- quant-opt.cpp - llmq's optimizer driver ----------------------------===//
//
// Parses, verifies and prints llmq IR and runs llmq passes over it; all the
// work is in the libraries, as in mlir-opt. A user error is one line at the
// op's location: neither the op's text (only with
// --mlir-print-op-on-diagnostic) nor the source line under it.
//
//===----------------------------------------------------------------------===//

#include "dialects/Graph/GraphOps.h"
#include "dialects/Llmq/LlmqOps.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"

/// Set under -verify-diagnostics, whose checker must see every diagnostic.
static bool verifyingDiagnostics = false;

static llvm::StringRef severityName(mlir::DiagnosticSeverity severity) {
  switch (severity) {
  case mlir::DiagnosticSeverity::Error:
    return "error";
  case mlir::DiagnosticSeverity::Warning:
    return "warning";
  case mlir::DiagnosticSeverity::Note:
    return "note";
  case mlir::DiagnosticSeverity::Remark:
    return "remark";
  }
  llvm_unreachable("unknown severity");
}

/// Prints `diag` as "file:line:col: error: message", without the source
/// line, and each of its notes the same way.
static void printOneLine(const mlir::Diagnostic &diag) {
  llvm::raw_ostream &os = llvm::errs();
  if (auto loc = diag.getLocation()->findInstanceOf<mlir::FileLineColLoc>())
    os << loc.getFilename().getValue() << ":" << loc.getLine() << ":"
       << loc.getColumn() << ": ";
  os << severityName(diag.getSeverity()) << ": " << diag.str() << "\n";
  for (const mlir::Diagnostic &note : diag.getNotes())
    printOneLine(note);
}

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<mlir::llmq::LlmqDialect, mlir::llmq_graph::GraphDialect,
                  mlir::func::FuncDialect>();
  mlir::llmq::registerLlmqPasses();

  // The op's text (for a model, the whole module) only with
  // --mlir-print-op-on-diagnostic.
  mlir::registerMLIRContextCLOptions();
  auto &options = llvm::cl::getRegisteredOptions();
  auto it = options.find("mlir-print-op-on-diagnostic");
  if (it != options.end())
    static_cast<llvm::cl::opt<bool> *>(it->second)->setInitialValue(false);

  // The driver's source-manager handler prints the source line under each
  // message; once llmq IR is being read, a handler registered after it
  // prints one line instead.
  for (int i = 1; i < argc; ++i)
    verifyingDiagnostics |=
        llvm::StringRef(argv[i]).contains("verify-diagnostics");
  registry.addExtension(+[](mlir::MLIRContext *context,
                            mlir::llmq::LlmqDialect *) {
    if (verifyingDiagnostics)
      return;
    context->getDiagEngine().registerHandler([](mlir::Diagnostic &diag) {
      printOneLine(diag);
      return mlir::success();
    });
  });
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "llmq optimizer driver\n", registry));
}
