//===- quant-opt.cpp - llmq's optimizer driver ----------------------------===//
//
// Parses, verifies and prints llmq IR and runs llmq passes over it; all the
// work is in the libraries, as in mlir-opt. A user error is one line at the
// op's location: neither the op's text (only with
// --mlir-print-op-on-diagnostic) nor the source line under it.
//
// Unlike mlir-opt, the output is written to a temporary and renamed into
// place (an error or a signal leaves an existing -o file as it was), and -o
// may not name a file the run reads: the input, or a file the model
// references (weight sources, tokenizer, imatrix). The same check guards
// every file a pass writes (json=, out=, html=).
//
// A recipe (`quant-opt model.mlir @recipe.opt`) is an LLVM response file
// expanded here, with `#` comment lines (docs/recipes/README.md).
//
//===----------------------------------------------------------------------===//

#include "dialects/Graph/GraphOps.h"
#include "dialects/Llmq/LlmqOps.h"
#include "dialects/Llmq/ModelFiles.h"
#include "dialects/Llmq/Threading.h"
#include "formats/files/AtomicOutputFile.h"
#include "formats/files/OutputPaths.h"
#include "passes/Passes.h"
#include "tools/support/OneLineDiagnostics.h"
#include "tools/support/Recipes.h"

#include "conversion/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/Support/Allocator.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/WithColor.h"

#include <cstdio>

static int fail(llvm::Error error) {
  llvm::WithColor::error(llvm::errs(), "quant-opt")
      << llvm::toString(std::move(error)) << "\n";
  return 1;
}

/// Set while MlirOptMain runs, unless -verify-diagnostics is on (its checker
/// must see every diagnostic): contexts that load the llmq dialect then print
/// each diagnostic as one line.
static bool oneLineDiagnostics = false;

/// Records the files the input's model references as inputs of this run.
/// The input is parsed on its own for this, quietly: a file that does not
/// parse is reported by MlirOptMain, and nothing is written then anyway.
static void protectReferencedFiles(const llvm::MemoryBuffer &input,
                                   mlir::DialectRegistry &registry) {
  mlir::MLIRContext context(registry, mlir::MLIRContext::Threading::DISABLED);
  context.allowUnregisteredDialects();
  mlir::ScopedDiagnosticHandler quiet(
      &context, [](mlir::Diagnostic &) { return mlir::success(); });
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBuffer(input.getMemBufferRef(),
                                       /*RequiresNullTerminator=*/false),
      llvm::SMLoc());
  // As MlirOptMain does: several top-level ops (a file of several models,
  // or -split-input-file chunks read whole) go into an implicit module; as
  // an Operation * they would not parse, and nothing would be protected.
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr,
                                            mlir::ParserConfig(&context));
  if (module)
    mlir::llmq::protectModelFiles(*module);
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  llvm::BumpPtrAllocator recipeAllocator;
  llvm::SmallVector<const char *> args;
  if (llvm::Error err = ::llmq::expandRecipes(argc, argv, recipeAllocator, args))
    return fail(std::move(err));
  mlir::DialectRegistry registry;
  registry.insert<mlir::llmq::LlmqDialect, mlir::llmq_graph::GraphDialect,
                  mlir::func::FuncDialect, mlir::arith::ArithDialect,
                  mlir::linalg::LinalgDialect, mlir::math::MathDialect,
                  mlir::tensor::TensorDialect>();
  mlir::llmq::registerLlmqPasses();
  mlir::llmq::registerLlmqConversionPasses();

  // --help shows llmq's passes and MLIR's own options, not the back-end
  // options libLLVM registers when it loads (AMDGPU, ARM, Polly...), as
  // CIRCT's drivers do. MLIR puts its options in llvm::cl's general category
  // beside LLVM's, so a category list cannot tell them apart; but MLIR
  // registers them only when asked (below, and in registerAndParseCLIOptions),
  // so every option registered by now, other than the generic ones (--help,
  // --version), is libLLVM's and is hidden. The options still work.
  llvm::cl::HideUnrelatedOptions(llvm::ArrayRef<const llvm::cl::OptionCategory *>{});
  // The one worker-thread setting of llmq's passes (dialects/Llmq/
  // Threading.h): --threads N, which a pass's threads= overrides and
  // --mlir-disable-threading turns into 1.
  static llvm::cl::OptionCategory llmqCategory("llmq options");
  mlir::llmq::registerThreadingOptions(llmqCategory);

  // The op's text (for a model, the whole module) only with
  // --mlir-print-op-on-diagnostic.
  mlir::registerMLIRContextCLOptions();
  auto &options = llvm::cl::getRegisteredOptions();
  auto it = options.find("mlir-print-op-on-diagnostic");
  if (it != options.end())
    static_cast<llvm::cl::opt<bool> *>(it->second)->setInitialValue(false);
  // The driver's source-manager handler prints the source line under each
  // message; a handler registered after it, once llmq IR is being read,
  // prints one line instead.
  registry.addExtension(+[](mlir::MLIRContext *context,
                            mlir::llmq::LlmqDialect *) {
    if (!oneLineDiagnostics)
      return;
    context->getDiagEngine().registerHandler([](mlir::Diagnostic &diag) {
      ::llmq::printDiagnosticLine(diag);
      return mlir::success();
    });
  });

  auto [inputFile, outputFile] = mlir::registerAndParseCLIOptions(
      static_cast<int>(args.size()), const_cast<char **>(args.data()),
      "llmq optimizer driver\n", registry);
  mlir::MlirOptMainConfig config = mlir::MlirOptMainConfig::createFromCLOptions();
  if (config.shouldShowDialects() || config.shouldListPasses())
    return mlir::asMainReturnCode(
        mlir::MlirOptMain(llvm::outs(), nullptr, registry, config));

  if (inputFile == "-" &&
      llvm::sys::Process::FileDescriptorIsDisplayed(fileno(stdin)))
    llvm::errs() << "(processing input from stdin now, hit ctrl-c/ctrl-d to "
                    "interrupt)\n";
  std::string message;
  std::unique_ptr<llvm::MemoryBuffer> input =
      mlir::openInputFile(inputFile, &message);
  if (!input) {
    llvm::errs() << message << "\n";
    return 1;
  }
  ::llmq::protectInput(inputFile, "the input");
  protectReferencedFiles(*input, registry);

  auto output = ::llmq::AtomicOutputFile::create(outputFile);
  if (!output)
    return fail(output.takeError());
  oneLineDiagnostics = !config.shouldVerifyDiagnostics();
  if (mlir::failed(
          mlir::MlirOptMain((*output)->os(), std::move(input), registry, config)))
    return 1; // the temporary is removed; an existing output stays as it was
  if (llvm::Error err = (*output)->commit())
    return fail(std::move(err));
  return 0;
}
