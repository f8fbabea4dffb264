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
    cl::desc("Format of 2-D weights without a chosen format: f32, f16, bf16, "
             "q8_0, q4_0, q4_1, q5_0, q5_1, q2_K..q6_K, iq4_nl, iq4_xs "
             "(export-gguf)"),
    cl::init("f32"), cl::cat(exportCategory));

static cl::opt<bool> strict(
    "strict",
    cl::desc("Refuse, rather than fall back, where a weight's rows do not "
             "split into its format's blocks (export-gguf)"),
    cl::cat(exportCategory));

/// libLLVM already registers a hidden `int` option named "threads", so a
/// second one would abort at start-up: quant-translate documents and reads
/// that one instead.
static unsigned requestedThreads() {
  auto *option = dynamic_cast<cl::opt<int> *>(
      cl::getRegisteredOptions().lookup("threads"));
  return option && option->getValue() > 0 ? option->getValue() : 0;
}

void llmq::describeThreadsOption() {
  if (cl::Option *option = cl::getRegisteredOptions().lookup("threads")) {
    option->setDescription("Threads for quantizing (default: all cores)");
    option->setHiddenFlag(cl::NotHidden);
    option->addCategory(exportCategory);
  }
}

static llvm::Error exportGGUFWithOptions(mlir::ModuleOp module,
                                         llvm::StringRef output) {
  std::optional<Format> format = lookupFormat(ggufType);
  if (!format) {
    std::string names;
    for (unsigned i = 0; i < NumFormats; ++i)
      names += (i ? ", " : "") +
               getFormatTraits(static_cast<Format>(i)).name.str();
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "--type: unknown format '" + ggufType +
                                       "' (expected one of " + names + ")");
  }
  GGUFExportOptions options;
  options.defaultFormat = *format;
  options.strict = strict;
  options.threads = requestedThreads();
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
