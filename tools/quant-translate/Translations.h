//===- Translations.h - quant-translate's translations ----------*- C++ -*-===//
//
// Every importer and exporter is a library function (frontends/, backends/);
// each has a registration here that gives it a flag of quant-translate and
// its options, as MLIR's TranslateToMLIRRegistration and
// TranslateFromMLIRRegistration do for mlir-translate, and
// registerAllTranslations() collects them.
//
// The signatures differ from MLIR's where llmq's formats need it: an
// importer takes a path, not a buffer (a Hugging Face checkpoint is a
// directory, and the IR references a GGUF's or safetensors file's tensors in
// place, so the file is mapped, never read into memory); an exporter takes
// an output path, not a stream (a checkpoint or an NPU artifact is a
// directory; a GGUF has sidecars beside it; every output is written to a
// temporary and renamed into place). Both report errors and warnings through
// the MLIRContext, at the op at fault where there is one.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_TOOLS_QUANT_TRANSLATE_TRANSLATIONS_H
#define LLMQ_TOOLS_QUANT_TRANSLATE_TRANSLATIONS_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/CommandLine.h"

#include <functional>

namespace llmq {

/// Reads the model at `input` (a path) into a module; null after reporting
/// why through `context`.
using ImportFunction = std::function<mlir::OwningOpRef<mlir::ModuleOp>(
    llvm::StringRef input, mlir::MLIRContext &context)>;
/// Writes `module` to the path `output`; failure after reporting why
/// through the module's context.
using ExportFunction =
    std::function<mlir::LogicalResult(mlir::ModuleOp module,
                                      llvm::StringRef output)>;

struct Translation {
  std::string flag;
  std::string description;
  ImportFunction importFn; ///< set for importers
  ExportFunction exportFn; ///< set for exporters
};

/// Registers an importer as `--<flag>`.
struct ImportTranslationRegistration {
  ImportTranslationRegistration(llvm::StringRef flag,
                                llvm::StringRef description,
                                ImportFunction function);
};

/// Registers an exporter as `--<flag>`.
struct ExportTranslationRegistration {
  ExportTranslationRegistration(llvm::StringRef flag,
                                llvm::StringRef description,
                                ExportFunction function);
};

/// The registered translations, in registration order (--help's order).
llvm::ArrayRef<Translation> getRegisteredTranslations();

void registerImportHFTranslation();
void registerImportGGUFTranslation();
void registerExportGGUFTranslation();
void registerExportHFTranslation();
void registerExportNPUArtifactTranslation();

/// Registers every translation above, once.
void registerAllTranslations();

/// The option categories of the translations, for --help to show only
/// those (libLLVM registers hundreds of back-end options).
llvm::SmallVector<const llvm::cl::OptionCategory *> translationCategories();

} // namespace llmq

#endif // LLMQ_TOOLS_QUANT_TRANSLATE_TRANSLATIONS_H
