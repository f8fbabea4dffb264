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
  // MLIR's pass pipeline parser reports a bad option value as an empty error
  // at no location, after llvm::cl printed the line that names the option
  // and the value: that line is the error.
  if (diag.str().empty() && diag.getNotes().empty() &&
      llvm::isa<mlir::UnknownLoc>(diag.getLocation()))
    return;
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
