//===- Evaluate.h - Perplexity, KL divergence, generation -------*- C++ -*-===//
//
// What quant-run measures, as library functions over token streams, so that
// passes (calibration, layer dropping) measure the same way.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_RUNTIME_EVAL_EVALUATE_H
#define LLMQ_RUNTIME_EVAL_EVALUATE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <vector>

namespace llmq::runtime {
class LanguageModel;
class Model;
class ThreadPool;

/// The windows a stream of `length` tokens is scored in: window w covers
/// tokens [w*ctx, w*ctx + ctx) and predicts the ones after each of them. As in
/// kjv-llama-5m.ref.json: windows start at 0, ctx, 2 ctx, ... while
/// start + ctx + 1 < length, each from an empty cache.
int64_t countWindows(int64_t length, int64_t ctx);

struct PerplexityResult {
  double perplexity = 0, nllSum = 0;
  int64_t scored = 0, windows = 0;
};

/// Perplexity of `stream` in windows of `ctx` tokens, scoring positions
/// [scoreFrom, ctx) of each window (0 <= scoreFrom < ctx; ctx / 2 is
/// llama-perplexity's second half); the LM head runs only for those.
llvm::Expected<PerplexityResult> perplexity(const LanguageModel &model,
                                            ThreadPool &pool,
                                            llvm::ArrayRef<int32_t> stream,
                                            int64_t ctx, int64_t scoreFrom = 0);

struct DivergenceResult {
  double meanKLD = 0, p99KLD = 0, maxKLD = 0;
  double top1Agreement = 0; ///< share of positions with the same argmax
  double basePerplexity = 0, otherPerplexity = 0;
  int64_t scored = 0;
};

/// KL(base || other) of the next-token distributions at every scored
/// position of the same windows as perplexity(); both models must share a
/// vocabulary.
llvm::Expected<DivergenceResult> divergence(const LanguageModel &base,
                                            const LanguageModel &other,
                                            ThreadPool &pool,
                                            llvm::ArrayRef<int32_t> stream,
                                            int64_t ctx);

/// KL(base || other) on a fixed token stream for many variants `other` of
/// one base model (e.g. the base with one tensor quantized): the base's
/// probabilities are computed once, so each variant costs one forward
/// pass. The stream is scored in windows of `ctx` tokens from an empty
/// cache, every position of every window.
class DivergenceProbe {
public:
  /// Scores positions [scoreFrom, ctx) of each window (0 <= scoreFrom <
  /// ctx): the head runs for those only. ctx / 2 scores what
  /// llama-perplexity --kl-divergence scores, positions with at least half
  /// a window of context.
  static llvm::Expected<DivergenceProbe> create(const LanguageModel &base,
                                                ThreadPool &pool,
                                                llvm::ArrayRef<int32_t> stream,
                                                int64_t ctx,
                                                int64_t scoreFrom = 0);
  /// As create(), and keeps the residual stream entering every block but
  /// the first, and the final hidden states, at every position, so that
  /// meanKLDFrom() can restart a variant at the first block it changes:
  /// positions() x hidden f32 values per block. f32, because a restart must
  /// see exactly what the full forward pass saw.
  static llvm::Expected<DivergenceProbe>
  createWithBlockInputs(const Model &base, ThreadPool &pool,
                        llvm::ArrayRef<int32_t> stream, int64_t ctx,
                        int64_t scoreFrom = 0);
  /// Mean KL(base || other) over the positions; summed in position order,
  /// so the result does not depend on the pool's threads.
  llvm::Expected<double> meanKLD(const LanguageModel &other) const;
  /// meanKLD(other), bit for bit, for a variant `other` of the base model
  /// that differs from it only in blocks `block`.. and the head (e.g. the
  /// base with one weight of block `block` rebound to a quantized copy):
  /// runs only those, from the kept block inputs. `block` = the number of
  /// blocks runs the head alone; 0 runs the whole model.
  llvm::Expected<double> meanKLDFrom(const Model &other, int64_t block) const;
  /// Positions run through the model, and those scored.
  int64_t positions() const { return windows * ctx; }
  int64_t scoredPositions() const { return windows * (ctx - scoreFrom); }
  /// Bytes kept: the base's probabilities and any block inputs.
  uint64_t keptBytes() const;

private:
  DivergenceProbe(ThreadPool &pool) : pool(&pool) {}
  /// The checks and the windows both creators share, with baseProbs sized.
  static llvm::Expected<DivergenceProbe>
  prepare(const LanguageModel &base, ThreadPool &pool,
          llvm::ArrayRef<int32_t> stream, int64_t ctx, int64_t scoreFrom);
  /// Mean KL(base || the logits `run` writes for each window).
  llvm::Expected<double> score(
      llvm::function_ref<llvm::Error(int64_t window, std::vector<float> &)>
          run) const;
  ThreadPool *pool;
  std::vector<int32_t> tokens;
  int64_t ctx = 0, scoreFrom = 0, windows = 0, vocab = 0, hidden = 0;
  /// scoredPositions() x vocab: the base's probabilities, rounded to float. A
  /// variant's KL(base || q) at a position is then
  ///   sum p log p  -  sum p x  +  logsumexp(x) * sum p
  /// over its logits x: one exp per logit (for logsumexp) instead of two,
  /// the first and last sums kept per position (baseTerms).
  std::vector<float> baseProbs;
  /// Per position: {sum p log p, sum p} over the rounded p.
  std::vector<std::pair<double, double>> baseTerms;
  /// The scored logits of one window, kept across calls: a fresh positions x vocab
  /// buffer per variant costs its zeroing and page faults every time.
  mutable std::vector<float> windowLogits;
  /// [b - 1]: positions() x hidden, the residual stream entering block b;
  /// the last: the final hidden states (before the final norm).
  std::vector<std::vector<float>> blockInputs;
};

struct SamplingOptions {
  float temperature = 0; ///< 0: greedy (argmax, lowest id on ties)
  int64_t topK = 0;      ///< 0: whole vocabulary
  /// Nucleus sampling: keep the most likely tokens (after top-k) whose
  /// probabilities first add up to at least `topP`; 1: keep them all.
  float topP = 1.0f;
  uint64_t seed = 0;
  int32_t stopToken = -1; ///< stop after emitting it; -1: never
  /// Run the whole sequence from an empty cache at every step instead of
  /// feeding one token through the cache (greedy decoding by full
  /// recomputation: what KV caching must reproduce).
  bool recompute = false;
};

/// Continues `prompt` by `count` tokens.
llvm::Expected<std::vector<int32_t>> generate(const LanguageModel &model,
                                              ThreadPool &pool,
                                              llvm::ArrayRef<int32_t> prompt,
                                              int64_t count,
                                              const SamplingOptions &options);

} // namespace llmq::runtime

#endif // LLMQ_RUNTIME_EVAL_EVALUATE_H
