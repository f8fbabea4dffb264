//===- OneLineDiagnostics.cpp - A user error is one line ------------------===//

#include "tools/support/OneLineDiagnostics.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"
#include "llvm/Support/raw_ostream.h"

using namespace llmq;

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

void llmq::printDiagnosticLine(const mlir::Diagnostic &diag) {
  llvm::raw_ostream &os = llvm::errs();
  if (auto loc = diag.getLocation()->findInstanceOf<mlir::FileLineColLoc>())
    os << loc.getFilename().getValue() << ":" << loc.getLine() << ":"
       << loc.getColumn() << ": ";
  os << severityName(diag.getSeverity()) << ": " << diag.str() << "\n";
  for (const mlir::Diagnostic &note : diag.getNotes())
    printDiagnosticLine(note);
}

OneLineDiagnosticHandler::OneLineDiagnosticHandler(mlir::MLIRContext *context)
    : ScopedDiagnosticHandler(context, [](mlir::Diagnostic &diag) {
        printDiagnosticLine(diag);
        return mlir::success();
      }) {}
