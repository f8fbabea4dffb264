//===- SelfCalibration.h - Calibration text the model writes ----*- C++ -*-===//
//
// Calibration passages sampled from the model itself (the quantization
// planner's --generate-calibration; the "self-generated" data of LLM-QAT and
// of GPTQ/AWQ tools when no corpus is at hand): each passage starts from bos
// and a first token (or a prompt), then continues by seeded sampling. The
// passages are one line each, what every pass's `text=` reads.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_RUNTIME_EVAL_SELFCALIBRATION_H
#define LLMQ_RUNTIME_EVAL_SELFCALIBRATION_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llmq {
class Tokenizer;
} // namespace llmq

namespace llmq::runtime {
class LanguageModel;
class ThreadPool;

struct SelfCalibrationOptions {
  int64_t passages = 64;
  int64_t length = 128; ///< tokens sampled per passage after its start
  uint64_t seed = 0;
  float temperature = 1.0f;
  float topP = 0.95f;
  int64_t topK = 0;
  /// Where passages start. Empty: at bos and one of the `startTokens` tokens
  /// the model ranks most likely right after bos (the vocabulary's frequent
  /// first tokens), drawn uniformly; else at prompt i mod their count.
  std::vector<std::string> prompts;
  int64_t startTokens = 64;
};

struct CalibrationPassage {
  std::string start; ///< the prompt, or the first token's text
  std::string text;  ///< the whole passage, newlines made spaces, trimmed
};

/// Samples the passages. `bos` < 0 means the model has none: then prompts
/// are required. Passage i samples with its own seed (from `seed` and i), and
/// every logit is the same at any thread count, so the passages are too.
llvm::Expected<std::vector<CalibrationPassage>>
generateCalibration(const LanguageModel &model, ThreadPool &pool,
                    const Tokenizer &tokenizer, int32_t bos, int32_t eos,
                    const SelfCalibrationOptions &options);

/// One passage a line: the text file `text=` options read.
void writeCalibrationText(llvm::ArrayRef<CalibrationPassage> passages,
                          llvm::raw_ostream &os);
/// One JSON object a line, {"text": passage}: the datasets AutoAWQ,
/// llm-compressor and AutoGPTQ load with load_dataset("json", ...).
void writeCalibrationJsonl(llvm::ArrayRef<CalibrationPassage> passages,
                           llvm::raw_ostream &os);

} // namespace llmq::runtime

#endif // LLMQ_RUNTIME_EVAL_SELFCALIBRATION_H
