//===- hf-config-fuzzer.cpp - libFuzzer target for config.json ------------===//
//
// Imports a checkpoint whose config.json is the fuzzer's input: the other
// files (model.safetensors, generation_config.json, the tokenizer) are
// test/models/kjv-tiny's, linked into a per-process scratch directory, so a
// config close to kjv-tiny's imports and the fuzzer reaches every check the
// importer makes against the tensors. Any crash, leak, runaway allocation or
// sanitizer report is a bug in the importer; so is a model imported from a
// config whose rms_norm_eps or rope_theta is there but not a number, or with
// another value than the config's.
//
// Built and run by scripts/fuzz.sh hf-config.
//
//===----------------------------------------------------------------------===//

#include "dialects/Llmq/LlmqOps.h"
#include "test/fuzz/ImportScratch.h"

#include <nlohmann/json.hpp>


using namespace llmq;
using namespace llmq::fuzz;

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  std::string model = LLMQ_SOURCE_DIR "/test/models/kjv-tiny/";
  for (const char *name : {"model.safetensors", "generation_config.json",
                           "tokenizer.json", "tokenizer_config.json"})
    linkInput(model + name, name);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mlir::MLIRContext context(mlir::MLIRContext::Threading::DISABLED);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      importScratch("config.json", data, size, context);
  if (!module)
    return 0;
  // Accepted: the numbers the model took are the config's own.
  nlohmann::json config = nlohmann::json::parse(data, data + size, nullptr, false);
  LLMQ_FUZZ_CHECK(config.is_object(), "a config that is not an object was accepted");
  auto model = *module->getOps<mlir::llmq::ModelOp>().begin();
  std::pair<const char *, double> numbers[] = {
      {"rms_norm_eps", model.getNormEps().convertToDouble()},
      {"rope_theta", model.getRopeTheta().convertToDouble()}};
  for (auto [key, imported] : numbers) {
    auto it = config.find(key);
    if (it == config.end() || it->is_null())
      continue;
    LLMQ_FUZZ_CHECK(it->is_number(),
                    "a config whose rms_norm_eps or rope_theta is not a "
                    "number was accepted");
    LLMQ_FUZZ_CHECK(it->get<double>() == imported,
                    "the model's rms_norm_eps or rope_theta is not the "
                    "config's");
  }
  return 0;
}
