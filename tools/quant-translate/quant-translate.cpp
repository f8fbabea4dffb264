//===- quant-translate.cpp - llmq's import/export driver ------------------===//
//
// quant-translate --import-hf DIR -o model.mlir
// quant-translate --export-gguf model.mlir -o model.gguf --type q8_0
//
// A thin main: the translations are library functions (Translations.h).
//
//===----------------------------------------------------------------------===//

#include "tools/quant-translate/Translations.h"

#include "dialects/Llmq/LlmqOps.h"
#include "dialects/Llmq/ModelFiles.h"
#include "formats/files/AtomicOutputFile.h"
#include "formats/files/OutputPaths.h"
#include "formats/files/ReadFile.h"
#include "tools/support/OneLineDiagnostics.h"
#include "tools/support/Recipes.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/WithColor.h"

using namespace llmq;
namespace cl = llvm::cl;

static int fail(llvm::Error error) {
  llvm::WithColor::error(llvm::errs(), "quant-translate")
      << llvm::toString(std::move(error)) << "\n";
  return 1;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  // Recipes (@file) with comment lines, expanded before llvm::cl sees them.
  llvm::BumpPtrAllocator recipeAllocator;
  llvm::SmallVector<const char *> args;
  if (llvm::Error err = expandRecipes(argc, argv, recipeAllocator, args))
    return fail(std::move(err));
  // As mlir-translate: the input defaults to stdin, the output to stdout.
  cl::OptionCategory toolCategory("quant-translate options");
  cl::opt<std::string> input(cl::Positional, cl::desc("<input>"),
                             cl::init("-"), cl::cat(toolCategory));
  cl::opt<std::string> output("o", cl::desc("Output path"),
                              cl::value_desc("path"), cl::init("-"),
                              cl::cat(toolCategory));
  cl::opt<const Translation *, false, cl::parser<const Translation *>>
      selected(cl::desc("Translation:"), cl::Required, cl::cat(toolCategory));
  for (const Translation &t : registerAllTranslations())
    selected.getParser().addLiteralOption(t.flag, &t, t.description);
  describeThreadsOption();
  // --help shows llmq's options, not the back-end options libLLVM registers.
  llvm::SmallVector<const cl::OptionCategory *> shown = translationCategories();
  shown.push_back(&toolCategory);
  cl::HideUnrelatedOptions(shown);
  cl::ParseCommandLineOptions(static_cast<int>(args.size()), args.data(),
                              "llmq translation driver\n");

  mlir::MLIRContext context;
  context.printOpOnDiagnostic(false); // one line at the op's location
  context.getOrLoadDialect<mlir::llmq::LlmqDialect>();
  const Translation &translation = *selected;
  // No output may replace what this run reads: the input, and every file
  // the model references (checked again by each output as it is created).
  protectInput(input, "the input");

  if (translation.importFn) {
    auto module = translation.importFn(input, context);
    if (!module)
      return fail(module.takeError());
    mlir::llmq::protectModelFiles(**module);
    auto file = AtomicOutputFile::create(output);
    if (!file)
      return fail(file.takeError());
    (**module)->print((*file)->os());
    (*file)->os() << "\n";
    if (llvm::Error err = (*file)->commit())
      return fail(std::move(err));
    return 0;
  }

  // IR is read whole, so a FIFO or a device is refused, not waited on.
  std::unique_ptr<llvm::MemoryBuffer> buffer;
  if (input == "-") {
    auto in = llvm::MemoryBuffer::getSTDIN();
    if (!in)
      return fail(llvm::createStringError(in.getError(),
                                          "<stdin>: cannot read: " +
                                              in.getError().message()));
    buffer = std::move(*in);
  } else {
    auto in = readSmallFileBuffer(input, kMaxIRFileBytes, "model IR file");
    if (!in)
      return fail(in.takeError());
    buffer = std::move(*in);
  }
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(buffer), llvm::SMLoc());
  OneLineDiagnosticHandler diagnostics(&context);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr,
                                            mlir::ParserConfig(&context));
  if (!module)
    return 1; // the parser reported why
  mlir::llmq::protectModelFiles(*module);
  if (llvm::Error err = translation.exportFn(*module, output))
    return fail(std::move(err));
  return 0;
}
