//===- ImportScratch.h - Import a checkpoint holding one fuzzed file -*- C++ -*-===//
//
// The HF importer's targets fuzz one file of a checkpoint whose other files
// are a test model's, linked into the scratch directory (FuzzUtil.h).
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_TEST_FUZZ_IMPORTSCRATCH_H
#define LLMQ_TEST_FUZZ_IMPORTSCRATCH_H

#include "frontends/HF/ImportHF.h"
#include "test/fuzz/FuzzUtil.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

namespace llmq::fuzz {

/// Writes the input as `name` in the scratch directory and imports the
/// directory into `context`, its verifier diagnostics silenced (the outcome
/// is what counts); null where the importer refuses it.
inline mlir::OwningOpRef<mlir::ModuleOp>
importScratch(const char *name, const uint8_t *data, size_t size,
              mlir::MLIRContext &context) {
  const std::string &dir = scratchDir();
  if (!writeFile(dir + "/" + name, data, size))
    abort();
  mlir::ScopedDiagnosticHandler quiet(
      &context, [](mlir::Diagnostic &) { return mlir::success(); });
  auto module = importHF(dir, context);
  if (!module) {
    llvm::consumeError(module.takeError());
    return nullptr;
  }
  return std::move(*module);
}

} // namespace llmq::fuzz

#endif // LLMQ_TEST_FUZZ_IMPORTSCRATCH_H
