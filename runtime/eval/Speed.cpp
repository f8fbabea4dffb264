//===- Speed.cpp - Prefill and generation rates of a model ----------------===//

#include "runtime/eval/Speed.h"

#include "runtime/exec/Decoder.h"

#include <algorithm>
#include <chrono>

using namespace llmq;
using namespace llmq::runtime;

/// The most likely token, the lowest id on ties (as greedy generation).
static int32_t argmax(llvm::ArrayRef<float> logits) {
  return static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) -
                              logits.begin());
}

llvm::Expected<SpeedResult>
llmq::runtime::measureSpeed(const LanguageModel &model, ThreadPool &pool,
                            llvm::ArrayRef<std::vector<int32_t>> prompts,
                            int64_t count) {
  using Clock = std::chrono::steady_clock;
  auto seconds = [](Clock::time_point since) {
    return std::chrono::duration<double>(Clock::now() - since).count();
  };
  SpeedResult result;
  int64_t vocab = model.vocabSize();
  std::vector<float> logits;
  for (const std::vector<int32_t> &prompt : prompts) {
    auto decoder =
        model.newDecoder(pool, static_cast<int64_t>(prompt.size()) + count);
    if (!decoder)
      return decoder.takeError();
    Clock::time_point start = Clock::now();
    if (llvm::Error err = (*decoder)->forward(prompt, logits, false))
      return std::move(err);
    result.prefillSeconds += seconds(start);
    result.prefillTokens += prompt.size();
    start = Clock::now();
    for (int64_t i = 0; i < count; ++i) {
      int32_t next = argmax(llvm::ArrayRef(logits).take_back(vocab));
      if (llvm::Error err = (*decoder)->forward({next}, logits, false))
        return std::move(err);
    }
    result.generationSeconds += seconds(start);
    result.generatedTokens += count;
  }
  return result;
}

double llmq::runtime::median(std::vector<double> values) {
  if (values.empty())
    return 0;
  std::sort(values.begin(), values.end());
  size_t mid = values.size() / 2;
  return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}
