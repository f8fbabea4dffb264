//===- Speed.h - Prefill and generation rates of a model --------*- C++ -*-===//
//
// What `quant-run speed` measures: tokens per second of prefill (a prompt
// run through an empty cache in one forward call) and of generation (one
// greedy token at a time through the cache), the rates the EXAONE seed
// compares between a base model and its compressed version.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_RUNTIME_EVAL_SPEED_H
#define LLMQ_RUNTIME_EVAL_SPEED_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <vector>

namespace llmq::runtime {
class LanguageModel;
class ThreadPool;

struct SpeedResult {
  int64_t prefillTokens = 0, generatedTokens = 0;
  double prefillSeconds = 0, generationSeconds = 0;

  double prefillTokensPerSecond() const {
    return prefillSeconds > 0 ? prefillTokens / prefillSeconds : 0;
  }
  double generationTokensPerSecond() const {
    return generationSeconds > 0 ? generatedTokens / generationSeconds : 0;
  }
};

/// One timed run over `prompts`: each prompt is prefilled from an empty
/// cache, then `count` tokens are generated greedily, each fed back through
/// the cache. Decoder set-up is not timed; the first generated token's
/// logits come from the prefill, so generation times `count` one-token
/// forward calls. Rates are total tokens over total seconds.
llvm::Expected<SpeedResult>
measureSpeed(const LanguageModel &model, ThreadPool &pool,
             llvm::ArrayRef<std::vector<int32_t>> prompts, int64_t count);

/// The median of `values` (the mean of the middle two for an even count);
/// 0 for none.
double median(std::vector<double> values);

} // namespace llmq::runtime

#endif // LLMQ_RUNTIME_EVAL_SPEED_H
