//===- hf-index-fuzzer.cpp - libFuzzer target for model.safetensors.index.json
//
// Imports a sharded checkpoint whose model.safetensors.index.json is the
// fuzzer's input: the other files (config.json, the five shards, the
// tokenizer) are test/models/qwen3-tiny-tied's, linked into a per-process
// scratch directory. Any crash, leak or sanitizer report is a bug in the
// importer, which must refuse a bad index with an error; so is an import
// that binds a weight to a tensor in another shard than the index names.
//
// Built and run by scripts/fuzz.sh hf-index.
//
//===----------------------------------------------------------------------===//

#include "dialects/Llmq/LlmqOps.h"
#include "test/fuzz/ImportScratch.h"

#include "llvm/Support/Path.h"

#include <nlohmann/json.hpp>


using namespace llmq;
using namespace llmq::fuzz;

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  std::string model = LLMQ_SOURCE_DIR "/test/models/qwen3-tiny-tied/";
  for (const char *name :
       {"config.json", "generation_config.json", "tokenizer.json",
        "tokenizer_config.json", "model-00001-of-00005.safetensors",
        "model-00002-of-00005.safetensors", "model-00003-of-00005.safetensors",
        "model-00004-of-00005.safetensors",
        "model-00005-of-00005.safetensors"})
    linkInput(model + name, name);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mlir::MLIRContext context(mlir::MLIRContext::Threading::DISABLED);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      importScratch("model.safetensors.index.json", data, size, context);
  if (!module)
    return 0;
  // Accepted: each weight's tensor is in the shard the index names for it.
  nlohmann::json index = nlohmann::json::parse(data, data + size, nullptr, false);
  LLMQ_FUZZ_CHECK(index.is_object() && index.contains("weight_map") &&
                      index["weight_map"].is_object(),
                  "an index without a weight_map was accepted");
  const nlohmann::json &map = index["weight_map"];
  module->walk([&](mlir::llmq::WeightOp weight) {
    mlir::llmq::SourceAttr source = weight.getSource();
    auto shard = map.find(source.getKey().str());
    LLMQ_FUZZ_CHECK(shard != map.end() && shard->is_string(),
                    "a weight was bound to a tensor the index does not list");
    LLMQ_FUZZ_CHECK(llvm::sys::path::filename(source.getFile()) ==
                        llvm::sys::path::filename(shard->get<std::string>()),
                    "a weight was bound to a tensor in another shard than "
                    "the index names");
  });
  return 0;
}
