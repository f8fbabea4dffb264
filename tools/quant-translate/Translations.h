//===- Translations.h - quant-translate's translations ----------*- C++ -*-===//
//
// Every importer and exporter is a library function; this registry gives each
// a flag of quant-translate. Importers turn an input path (a directory or a
// file) into a module; exporters write a module to an output path.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_TOOLS_QUANT_TRANSLATE_TRANSLATIONS_H
#define LLMQ_TOOLS_QUANT_TRANSLATE_TRANSLATIONS_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Error.h"

#include <functional>

namespace llmq {

struct Translation {
  using ImportFn = std::function<llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>(
      llvm::StringRef input, mlir::MLIRContext &context)>;
  using ExportFn = std::function<llvm::Error(mlir::ModuleOp module,
                                             llvm::StringRef output)>;
  llvm::StringRef flag;
  llvm::StringRef description;
  ImportFn importFn; ///< set for importers
  ExportFn exportFn; ///< set for exporters
};

/// All translations, in the order quant-translate --help lists them. Their
/// options (e.g. --type) are registered as command-line options too.
llvm::ArrayRef<Translation> registerAllTranslations();

/// Shows --threads in --help (call before parsing the command line).
void describeThreadsOption();

/// The option categories of the translations, for --help to show only
/// those (libLLVM registers hundreds of back-end options).
llvm::SmallVector<const llvm::cl::OptionCategory *> translationCategories();

} // namespace llmq

#endif // LLMQ_TOOLS_QUANT_TRANSLATE_TRANSLATIONS_H
