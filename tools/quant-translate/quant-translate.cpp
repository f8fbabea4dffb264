//===- quant-translate.cpp - llmq's import/export driver ------------------===//
//
// quant-translate --import-hf DIR -o model.mlir
// quant-translate --export-gguf model.mlir -o model.gguf --type q8_0
//
// A thin main over the registered translations (Translations.h), with
// mlir-translate's command line: the input defaults to stdin and -o to
// stdout; -split-input-file[=marker] translates each chunk of the input
// separately (-output-split-marker between their outputs on stdout);
// -verify-diagnostics checks the diagnostics against the input's
// `expected-error` / `expected-warning` lines; --mlir-disable-threading and
// the other MLIRContext options. It is not mlirTranslateMain because that
// main gives importers a buffer and exporters a stream: llmq's importers
// take a path (a checkpoint directory, a GGUF file mapped in place) and its
// exporters an output path (directories, sidecars, atomic renames), so the
// IR-reading half is done here as mlirTranslateMain does it, with the same
// ToolUtilities splitter and diagnostic handlers. The split and verify
// options apply to exporters, which read IR.
//
// As quant-opt: a diagnostic is one line at the op's location (the op's
// text only with --mlir-print-op-on-diagnostic); no output may replace the
// input or a file the model references; outputs are renamed into place
// once complete. A recipe (@file) is expanded first.
//
//===----------------------------------------------------------------------===//

#include "tools/quant-translate/Translations.h"

#include "dialects/Llmq/LlmqOps.h"
#include "dialects/Llmq/ModelFiles.h"
#include "dialects/Llmq/Threading.h"
#include "formats/files/AtomicOutputFile.h"
#include "formats/files/OutputPaths.h"
#include "formats/files/ReadFile.h"
#include "tools/support/OneLineDiagnostics.h"
#include "tools/support/Recipes.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/ToolUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace llmq;
namespace cl = llvm::cl;

static int fail(llvm::Error error) {
  llvm::WithColor::error(llvm::errs(), "quant-translate")
      << llvm::toString(std::move(error)) << "\n";
  return 1;
}

/// Parses one chunk of IR and exports it to `output`.
static mlir::LogicalResult exportChunk(const Translation &translation,
                                       llvm::SourceMgr &sourceMgr,
                                       mlir::MLIRContext &context,
                                       llvm::StringRef output) {
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr,
                                            mlir::ParserConfig(&context));
  if (!module)
    return mlir::failure(); // the parser reported why
  mlir::llmq::protectModelFiles(*module);
  return translation.exportFn(*module, output);
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  // Recipes (@file) with comment lines, expanded before llvm::cl sees them.
  llvm::BumpPtrAllocator recipeAllocator;
  llvm::SmallVector<const char *> args;
  if (llvm::Error err = expandRecipes(argc, argv, recipeAllocator, args))
    return fail(std::move(err));
  registerAllTranslations();

  // mlir-translate's options, spelled as it spells them.
  cl::OptionCategory toolCategory("quant-translate options");
  cl::opt<std::string> inputFilename(cl::Positional, cl::desc("<input>"),
                                     cl::init("-"), cl::cat(toolCategory));
  cl::opt<std::string> outputFilename("o", cl::desc("Output path"),
                                      cl::value_desc("path"), cl::init("-"),
                                      cl::cat(toolCategory));
  cl::opt<std::string> inputSplitMarker(
      "split-input-file", cl::ValueOptional,
      cl::desc("Split the input IR into chunks at the given or default "
               "marker (// -----) and export each separately"),
      cl::value_desc("marker"), cl::init(""), cl::cat(toolCategory));
  cl::opt<std::string> outputSplitMarker(
      "output-split-marker",
      cl::desc("Marker between the chunks' outputs on stdout"),
      cl::value_desc("marker"), cl::init(""), cl::cat(toolCategory));
  cl::opt<bool> verifyDiagnostics(
      "verify-diagnostics",
      cl::desc("Check the diagnostics against the input's expected-* lines"),
      cl::init(false), cl::cat(toolCategory));
  cl::opt<const Translation *, false, cl::parser<const Translation *>>
      selected(cl::desc("Translation:"), cl::Required, cl::cat(toolCategory));
  for (const Translation &t : getRegisteredTranslations())
    selected.getParser().addLiteralOption(t.flag, &t, t.description);
  mlir::llmq::registerThreadingOptions(toolCategory);

  // --help shows llmq's options and MLIR's context options, not the
  // back-end options libLLVM registers: those are hidden before MLIR's are
  // registered (as quant-opt does).
  llvm::SmallVector<const cl::OptionCategory *> shown = translationCategories();
  shown.push_back(&toolCategory);
  cl::HideUnrelatedOptions(shown);
  mlir::registerMLIRContextCLOptions();
  // The op's text (for a model, the whole module) only with
  // --mlir-print-op-on-diagnostic.
  if (cl::Option *option =
          cl::getRegisteredOptions().lookup("mlir-print-op-on-diagnostic"))
    static_cast<cl::opt<bool> *>(option)->setInitialValue(false);
  cl::ParseCommandLineOptions(static_cast<int>(args.size()), args.data(),
                              "llmq translation driver\n");
  if (inputSplitMarker.getNumOccurrences() && inputSplitMarker.empty())
    inputSplitMarker = mlir::kDefaultSplitMarker;

  const Translation &translation = *selected;
  // No output may replace what this run reads: the input, and every file
  // the model references (checked again by each output as it is created).
  protectInput(inputFilename, "the input");

  if (translation.importFn) {
    for (const cl::Option *irOnly :
         {static_cast<const cl::Option *>(&inputSplitMarker),
          static_cast<const cl::Option *>(&verifyDiagnostics)})
      if (irOnly->getNumOccurrences())
        return fail(llvm::createStringError(
            "-" + irOnly->ArgStr + ": applies to IR input; --" +
            translation.flag + " reads a model's files"));
    mlir::MLIRContext context;
    context.getOrLoadDialect<mlir::llmq::LlmqDialect>();
    OneLineDiagnosticHandler diagnostics(&context);
    mlir::OwningOpRef<mlir::ModuleOp> module =
        translation.importFn(inputFilename, context);
    if (!module)
      return 1; // the importer reported why
    mlir::llmq::protectModelFiles(*module);
    auto file = AtomicOutputFile::create(outputFilename);
    if (!file)
      return fail(file.takeError());
    (*module)->print((*file)->os());
    (*file)->os() << "\n";
    if (llvm::Error err = (*file)->commit())
      return fail(std::move(err));
    return 0;
  }

  // IR is read whole, so a FIFO or a device is refused, not waited on.
  std::unique_ptr<llvm::MemoryBuffer> buffer;
  if (inputFilename == "-") {
    auto in = llvm::MemoryBuffer::getSTDIN();
    if (!in)
      return fail(llvm::createStringError(in.getError(),
                                          "<stdin>: cannot read: " +
                                              in.getError().message()));
    buffer = std::move(*in);
  } else {
    auto in =
        readSmallFileBuffer(inputFilename, kMaxIRFileBytes, "model IR file");
    if (!in)
      return fail(in.takeError());
    buffer = std::move(*in);
  }

  // Each chunk in a context of its own, as mlirTranslateMain does.
  auto processChunk = [&](std::unique_ptr<llvm::MemoryBuffer> chunk,
                          llvm::raw_ostream &os) -> mlir::LogicalResult {
    mlir::MLIRContext context;
    context.getOrLoadDialect<mlir::llmq::LlmqDialect>();
    llvm::SourceMgr sourceMgr;
    sourceMgr.AddNewSourceBuffer(std::move(chunk), llvm::SMLoc());
    // An output on stdout follows the marker written before this chunk.
    os.flush();
    if (verifyDiagnostics) {
      mlir::SourceMgrDiagnosticVerifierHandler verifier(sourceMgr, &context);
      (void)exportChunk(translation, sourceMgr, context, outputFilename);
      return verifier.verify();
    }
    OneLineDiagnosticHandler diagnostics(&context);
    return exportChunk(translation, sourceMgr, context, outputFilename);
  };
  // The splitter writes the output marker between chunks: on stdout when
  // the outputs go there, else nowhere (each export writes its own path).
  llvm::raw_null_ostream noOutput;
  llvm::raw_ostream &markers =
      outputFilename == "-" ? static_cast<llvm::raw_ostream &>(llvm::outs())
                            : noOutput;
  if (mlir::failed(mlir::splitAndProcessBuffer(std::move(buffer), processChunk,
                                               markers, inputSplitMarker,
                                               outputSplitMarker)))
    return 1;
  return 0;
}
