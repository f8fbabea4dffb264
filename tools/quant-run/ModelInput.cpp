//===- ModelInput.cpp - Open any model quant-run accepts ------------------===//

#include "tools/quant-run/ModelInput.h"

#include "dialects/Llmq/LlmqOps.h"
#include "frontends/GGUF/ImportGGUF.h"
#include "frontends/HF/ImportHF.h"
#include "formats/files/ReadFile.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/SourceMgr.h"

using namespace llmq;

llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
llmq::openModel(llvm::StringRef path, mlir::MLIRContext &context) {
  context.getOrLoadDialect<mlir::llmq::LlmqDialect>();
  if (llvm::sys::fs::is_directory(path))
    return importHF(path, context);
  if (path.ends_with(".gguf"))
    return importGGUF(path, context);
  if (!llvm::sys::fs::exists(path))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path + ": no such file or directory");
  auto buffer =
      readSmallFileBuffer(path, ::llmq::kMaxIRFileBytes, "model IR file");
  if (!buffer)
    return buffer.takeError();
  std::string diagnostics;
  llvm::raw_string_ostream os(diagnostics);
  auto sourceMgr = std::make_shared<llvm::SourceMgr>();
  sourceMgr->AddNewSourceBuffer(std::move(*buffer), llvm::SMLoc());
  mlir::SourceMgrDiagnosticHandler handler(*sourceMgr, &context, os);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr,
                                            mlir::ParserConfig(&context));
  // One line: the first diagnostic, with its location.
  if (!module)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        path + ": not llmq IR: " +
            llvm::StringRef(diagnostics).trim().split('\n').first);
  auto models = module->getOps<mlir::llmq::ModelOp>();
  if (std::distance(models.begin(), models.end()) != 1)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path + ": expected exactly one llmq.model");
  return std::move(module);
}
