//===- SelfCalibration.cpp - Calibration text the model writes ------------===//

#include "runtime/eval/SelfCalibration.h"

#include "runtime/eval/Evaluate.h"
#include "runtime/exec/Decoder.h"
#include "runtime/tokenizer/Tokenizer.h"

#include "llvm/Support/JSON.h"

#include <algorithm>
#include <numeric>
#include <random>

using namespace llmq;
using namespace llmq::runtime;

/// splitmix64: independent seeds for passage i from one user seed.
static uint64_t passageSeed(uint64_t seed, uint64_t index) {
  uint64_t z = seed + (index + 1) * 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/// The `count` ids the model ranks highest after bos alone (ties: lowest id
/// first), bos and eos left out.
static llvm::Expected<std::vector<int32_t>>
frequentStarts(const LanguageModel &model, ThreadPool &pool, int32_t bos,
               int32_t eos, int64_t count) {
  auto decoder = model.newDecoder(pool, 1);
  if (!decoder)
    return decoder.takeError();
  std::vector<float> logits;
  if (llvm::Error err = (*decoder)->forward({bos}, logits, false))
    return std::move(err);
  std::vector<int32_t> order(model.vocabSize());
  std::iota(order.begin(), order.end(), 0);
  order.erase(std::remove_if(order.begin(), order.end(),
                             [&](int32_t id) { return id == bos || id == eos; }),
              order.end());
  int64_t k = std::min<int64_t>(count, order.size());
  std::partial_sort(order.begin(), order.begin() + k, order.end(),
                    [&](int32_t a, int32_t b) {
                      return logits[a] > logits[b] ||
                             (logits[a] == logits[b] && a < b);
                    });
  order.resize(k);
  return order;
}

/// The passage as one line: newlines become spaces, ends trimmed.
static std::string oneLine(std::string text) {
  for (char &c : text)
    if (c == '\n' || c == '\r')
      c = ' ';
  std::string line = llvm::StringRef(text).trim().str();
  // Byte-fallback tokens can end a passage inside a character: the text and
  // the JSONL carry the same valid UTF-8.
  return llvm::json::isUTF8(line) ? line : llvm::json::fixUTF8(line);
}

llvm::Expected<std::vector<CalibrationPassage>>
llmq::runtime::generateCalibration(const LanguageModel &model,
                                   ThreadPool &pool,
                                   const Tokenizer &tokenizer, int32_t bos,
                                   int32_t eos,
                                   const SelfCalibrationOptions &options) {
  auto error = [](const llvm::Twine &message) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
  };
  if (options.passages < 1 || options.length < 1)
    return error("--passages " + llvm::Twine(options.passages) +
                 " and --length " + llvm::Twine(options.length) +
                 " must both be >= 1");
  if (options.startTokens < 1)
    return error("start tokens " + llvm::Twine(options.startTokens) +
                 " must be >= 1");
  std::vector<std::vector<int32_t>> starts;
  std::vector<std::string> startTexts;
  if (options.prompts.empty()) {
    if (bos < 0)
      return error("model '" + model.modelName() +
                   "' has no bos token to start passages from: give prompts "
                   "(--prompts FILE)");
    auto ranked = frequentStarts(model, pool, bos, eos, options.startTokens);
    if (!ranked)
      return ranked.takeError();
    for (int32_t id : *ranked) {
      starts.push_back({bos, id});
      startTexts.push_back(tokenizer.decode({id}));
    }
  } else {
    for (const std::string &prompt : options.prompts) {
      std::vector<int32_t> ids;
      if (bos >= 0)
        ids.push_back(bos);
      auto encoded = tokenizer.encode(prompt, false);
      if (!encoded)
        return encoded.takeError();
      ids.insert(ids.end(), encoded->begin(), encoded->end());
      if (ids.empty())
        return error("prompt '" + prompt +
                     "' has no tokens and the model has no bos token");
      starts.push_back(std::move(ids));
      startTexts.push_back(prompt);
    }
  }

  // Which start each passage takes: in turn for prompts, uniformly drawn
  // (from one generator seeded by `seed`) for frequent tokens.
  std::mt19937_64 startRng(passageSeed(options.seed, ~0ull));
  std::vector<CalibrationPassage> passages;
  for (int64_t i = 0; i < options.passages; ++i) {
    size_t which = options.prompts.empty()
                       ? static_cast<size_t>(startRng() % starts.size())
                       : static_cast<size_t>(i) % starts.size();
    const std::vector<int32_t> &start = starts[which];
    SamplingOptions sampling;
    sampling.temperature = options.temperature;
    sampling.topK = options.topK;
    sampling.topP = options.topP;
    sampling.seed = passageSeed(options.seed, i);
    sampling.stopToken = eos;
    auto out = generate(model, pool, start, options.length, sampling);
    if (!out)
      return out.takeError();
    if (!out->empty() && out->back() == eos)
      out->pop_back();
    std::vector<int32_t> ids(start.begin() + (bos >= 0 ? 1 : 0), start.end());
    ids.insert(ids.end(), out->begin(), out->end());
    std::string text = oneLine(tokenizer.decode(ids));
    if (text.empty())
      continue;
    passages.push_back({startTexts[which], std::move(text)});
  }
  return passages;
}

void llmq::runtime::writeCalibrationText(
    llvm::ArrayRef<CalibrationPassage> passages, llvm::raw_ostream &os) {
  for (const CalibrationPassage &p : passages)
    os << p.text << "\n";
}

void llmq::runtime::writeCalibrationJsonl(
    llvm::ArrayRef<CalibrationPassage> passages, llvm::raw_ostream &os) {
  for (const CalibrationPassage &p : passages)
    os << llvm::json::Value(llvm::json::Object{{"text", p.text}}) << "\n";
}
