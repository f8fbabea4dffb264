//===- ir-fuzzer.cpp - libFuzzer target for llmq IR parse and verify ------===//
//
// Parses the fuzzer's input as MLIR with the llmq, llmq_graph and func
// dialects, verifies it, and resolves the bytes of every weight of a module
// that verifies, touching the first and last byte. Source files are looked
// up from test/models (the process changes there first), so seeds that name
// kjv-tiny/model.safetensors reach real bytes. Any crash, leak or sanitizer
// report is a bug in a parser, a verifier or WeightSources: bad IR must be
// refused with a diagnostic.
//
// Built and run by scripts/fuzz.sh ir, with test/fuzz/ir.dict.
//
//===----------------------------------------------------------------------===//

#include "dialects/Graph/GraphOps.h"
#include "dialects/Llmq/LlmqOps.h"
#include "dialects/Llmq/WeightSources.h"
#include "test/fuzz/FuzzUtil.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"

using namespace mlir;

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  if (chdir(LLMQ_SOURCE_DIR "/test/models") != 0) {
    perror("ir-fuzzer: chdir " LLMQ_SOURCE_DIR "/test/models");
    abort();
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  DialectRegistry registry;
  registry.insert<mlir::llmq::LlmqDialect, llmq_graph::GraphDialect,
                  func::FuncDialect>();
  MLIRContext context(registry, MLIRContext::Threading::DISABLED);
  context.loadAllAvailableDialects();
  ScopedDiagnosticHandler quiet(&context,
                                [](Diagnostic &) { return success(); });
  ParserConfig config(&context);
  // MLIR's lexer needs the NUL after the text that a file buffer has.
  std::string text(reinterpret_cast<const char *>(data), size);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, config);
  if (!module || failed(verify(*module)))
    return 0;
  mlir::llmq::WeightSources sources;
  uint64_t sink = 0;
  module->walk([&](mlir::llmq::WeightOp weight) {
    auto tensor = sources.resolve(weight);
    if (!tensor) {
      llvm::consumeError(tensor.takeError());
      return;
    }
    uint64_t bytes = tensor->rowBytes * uint64_t(tensor->rows);
    if (bytes)
      sink += tensor->data[0] + tensor->data[bytes - 1];
  });
  return sink == 0xdeadbeef; // keeps the reads from being optimized away
}
