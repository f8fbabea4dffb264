//===- HFConfig.h - config.json and generation_config.json ------*- C++ -*-===//
//
// The JSON files of an exported checkpoint. config.json starts from the
// config the model was imported from (the model's `hf_config`), so keys llmq
// does not know travel unchanged, and rewrites every key the IR decides:
// sizes, num_hidden_layers, layer_types and the sliding-window pattern of
// the kept blocks, tie_word_embeddings, the dtype and quantization_config.
// A model without a source config (imported from GGUF) gets one written
// from the architecture table and its hyperparameters.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_BACKENDS_HF_HFCONFIG_H
#define LLMQ_BACKENDS_HF_HFCONFIG_H

#include "backends/HF/HFTensors.h"
#include "dialects/Llmq/Architectures.h"
#include "dialects/Llmq/LlmqOps.h"
#include "formats/files/Json.h"

#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <vector>

namespace llmq::hf {

/// Sampling defaults written into generation_config.json (and the vLLM
/// sidecar): transformers' `repetition_penalty` (> 0, 1 is off) and
/// `no_repeat_ngram_size` (>= 0, 0 is off).
struct GenerationOptions {
  std::optional<double> repetitionPenalty;
  std::optional<int64_t> noRepeatNgramSize;
};

/// Refuses repetition settings outside their ranges, naming the option.
llvm::Error checkGenerationOptions(const GenerationOptions &options);

/// The `quantization_config` of a checkpoint whose tensors are `plan`: null
/// when every weight is a float, transformers' fine-grained FP8 config, or
/// a compressed-tensors pack-quantized one (several config_groups when int
/// formats differ). FP8 mixed with int, or FP8 with two block shapes, is
/// refused naming two weights.
llvm::Expected<json::Json>
quantizationConfig(llvm::ArrayRef<PlannedTensor> plan);

/// config.json's text. `dtype` is the torch dtype name of the float
/// weights ("bfloat16").
llvm::Expected<std::string> renderConfig(mlir::llmq::ModelOp model,
                                         const mlir::llmq::ArchInfo &arch,
                                         llvm::StringRef dtype,
                                         const json::Json &quantization);

/// generation_config.json's text: the source's (beside its config.json)
/// with bos/eos, the logit mask's bans as `suppress_tokens` and its biases
/// as `sequence_bias`, and the repetition settings.
llvm::Expected<std::string>
renderGenerationConfig(mlir::llmq::ModelOp model,
                       const GenerationOptions &options);

/// The vLLM sidecar (vLLM takes bans and biases per request, not from the
/// checkpoint): `{"logit_bias": {"ID": -100 | BIAS, ...},
/// "repetition_penalty": P}`, fields an OpenAI-style request to vLLM's
/// server accepts. Empty when there is nothing to say.
std::string renderSamplingSidecar(mlir::llmq::ModelOp model,
                                  const GenerationOptions &options);

} // namespace llmq::hf

#endif // LLMQ_BACKENDS_HF_HFCONFIG_H
