//===- Translations.cpp - quant-translate's translations ------------------===//

#include "tools/quant-translate/Translations.h"

#include "backends/GGUF/ExportGGUF.h"
#include "frontends/GGUF/ImportGGUF.h"
#include "frontends/HF/ImportHF.h"

#include "llvm/Support/CommandLine.h"

using namespace llmq;
namespace cl = llvm::cl;

static cl::OptionCategory exportCategory("Export options");

static cl::opt<std::string> ggufType(
    "type",
    cl::desc("Format of 2-D weights without a chosen format: f32, f16, bf16 "
             "or q8_0 (export-gguf)"),
    cl::init("f32"), cl::cat(exportCategory));

static llvm::Error exportGGUFWithOptions(mlir::ModuleOp module,
                                         llvm::StringRef output) {
  std::optional<Format> format = lookupFormat(ggufType);
  if (!format)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "--type: unknown format '" + ggufType +
                                       "' (expected f32, f16, bf16 or q8_0)");
  GGUFExportOptions options;
  options.defaultFormat = *format;
  return exportGGUF(module, output, options);
}

llvm::ArrayRef<Translation> llmq::registerAllTranslations() {
  static const Translation translations[] = {
      {"import-hf", "Import a Hugging Face checkpoint directory", importHF,
       nullptr},
      {"import-gguf", "Import a GGUF file", importGGUF, nullptr},
      {"export-gguf", "Export to a GGUF v3 file for llama.cpp", nullptr,
       exportGGUFWithOptions},
  };
  return translations;
}
