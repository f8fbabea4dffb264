//===- ir-fuzzer.cpp - libFuzzer target for llmq IR parse and verify ------===//
//
// Parses the fuzzer's input as MLIR with the llmq, llmq_graph and func
// dialects, verifies it, and resolves the bytes of every weight of a module
// that verifies, touching the first and last byte. Source files are looked
// up from test/models (the process changes there first, making its path
// arguments absolute), so seeds that name
// kjv-tiny/model.safetensors reach real bytes. Any crash, leak or sanitizer
// report is a bug in a parser, a verifier or WeightSources: bad IR must be
// refused with a diagnostic. So is a weight that resolves to bytes outside
// the safetensors tensor its source names (by key).
//
// Built and run by scripts/fuzz.sh ir, with test/fuzz/ir.dict.
//
//===----------------------------------------------------------------------===//

#include "dialects/Graph/GraphOps.h"
#include "dialects/Llmq/LlmqOps.h"
#include "dialects/Llmq/WeightSources.h"
#include "formats/files/Safetensors.h"
#include "test/fuzz/FuzzUtil.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"

#include <cstring>
#include <optional>
#include <string>
#include <vector>

using namespace mlir;

/// Makes the relative paths among libFuzzer's arguments (inputs, corpus
/// folders, -artifact_prefix=, -dict=, -exact_artifact_path=) absolute, since
/// the target changes directory.
static void absolutePaths(int argc, char **argv) {
  static std::vector<std::string> storage(argc);
  char cwd[4096];
  if (!getcwd(cwd, sizeof cwd))
    return;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    size_t value = 0;
    if (arg[0] == '-') {
      value = std::string::npos;
      for (const char *flag :
           {"-artifact_prefix=", "-dict=", "-exact_artifact_path="})
        if (arg.rfind(flag, 0) == 0)
          value = strlen(flag);
      if (value == std::string::npos)
        continue;
    }
    if (value == arg.size() || arg[value] == '/')
      continue;
    storage[i] = arg.substr(0, value) + cwd + "/" + arg.substr(value);
    argv[i] = storage[i].data();
  }
}

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv) {
  absolutePaths(*argc, *argv);
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
  llvm::StringMap<std::optional<::llmq::SafetensorsHeader>> headers;
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
    // A grouped source's last row reads its last scales and zero points.
    if (tensor->grouped && tensor->rows > 0 && tensor->cols > 0) {
      std::vector<float> row(tensor->cols);
      tensor->dequantizeRow(tensor->rows - 1, row.data());
      sink += row.back() != 0;
    }
    // The bytes must be the named tensor's own, not its neighbours'.
    mlir::llmq::SourceAttr source = weight.getSource();
    if (!source.getFile().ends_with(".safetensors"))
      return;
    auto &header = headers[source.getFile()];
    if (!header) {
      auto read = ::llmq::readSafetensorsHeader(source.getFile(), true);
      if (!read) {
        llvm::consumeError(read.takeError());
        header.emplace();
      } else {
        header = std::move(*read);
      }
    }
    auto found = header->tensors.find(source.getKey());
    LLMQ_FUZZ_CHECK(found != header->tensors.end(),
                    "a weight resolved although its key is not in its file");
    const ::llmq::SafetensorsTensor &t = found->getValue();
    LLMQ_FUZZ_CHECK(tensor->offset >= t.offset &&
                        tensor->offset - t.offset <= t.size &&
                        bytes <= t.size - (tensor->offset - t.offset),
                    "a weight resolved to bytes outside its source tensor");
  });
  return sink == 0xdeadbeef; // keeps the reads from being optimized away
}
