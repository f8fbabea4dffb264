//===- Evaluate.cpp - Perplexity, KL divergence, generation ---------------===//

#include "runtime/eval/Evaluate.h"

#include "runtime/exec/Model.h"
#include "runtime/exec/Decoder.h"
#include "runtime/exec/Session.h"
#include "formats/CheckedArith.h"
#include "runtime/exec/ThreadPool.h"
#include "runtime/exec/arch/ExpKernels.h"
#include "formats/files/Progress.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <random>

using namespace llmq;
using namespace llmq::runtime;

int64_t llmq::runtime::countWindows(int64_t length, int64_t ctx) {
  int64_t windows = 0;
  for (int64_t start = 0; start + ctx + 1 < length; start += ctx)
    ++windows;
  return windows;
}

/// log-softmax of `logits` (n floats) into `out`, in double for the sums.
static void logSoftmax(const float *logits, int64_t n, std::vector<double> &out) {
  out.resize(n);
  double maxLogit = *std::max_element(logits, logits + n);
  double sum = 0;
  for (int64_t i = 0; i < n; ++i)
    sum += std::exp(logits[i] - maxLogit);
  double logSum = maxLogit + std::log(sum);
  for (int64_t i = 0; i < n; ++i)
    out[i] = logits[i] - logSum;
}

/// KL(p || q) of two log-distributions over `n` ids, in double, clamped at
/// 0 (rounding can make it slightly negative).
static double klDivergence(const double *p, const double *q, int64_t n) {
  double kld = 0;
  for (int64_t i = 0; i < n; ++i)
    kld += std::exp(p[i]) * (p[i] - q[i]);
  return std::max(0.0, kld);
}

static llvm::Error checkContext(const LanguageModel &model, int64_t ctx) {
  if (ctx <= 0 || ctx > model.contextSize())
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "context %lld is outside [1, %lld], the context of model '%s'",
        static_cast<long long>(ctx),
        static_cast<long long>(model.contextSize()),
        model.modelName().str().c_str());
  return llvm::Error::success();
}

/// A stream too short for one window would score nothing (nan over 0
/// tokens): an error, not a result.
static llvm::Error checkWindows(size_t length, int64_t ctx) {
  if (countWindows(length, ctx) > 0)
    return llvm::Error::success();
  return llvm::createStringError(
      llvm::inconvertibleErrorCode(),
      "%zu tokens make no window of %lld (at least %lld are needed)", length,
      static_cast<long long>(ctx), static_cast<long long>(ctx) + 2);
}

llvm::Expected<PerplexityResult>
llmq::runtime::perplexity(const LanguageModel &model, ThreadPool &pool,
                          llvm::ArrayRef<int32_t> stream, int64_t ctx,
                          int64_t scoreFrom) {
  if (llvm::Error err = checkContext(model, ctx))
    return std::move(err);
  if (llvm::Error err = checkWindows(stream.size(), ctx))
    return std::move(err);
  if (scoreFrom < 0 || scoreFrom >= ctx)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "first scored position %lld is outside [0, %lld) (windows of %lld)",
        static_cast<long long>(scoreFrom), static_cast<long long>(ctx),
        static_cast<long long>(ctx));
  PerplexityResult result;
  result.windows = countWindows(stream.size(), ctx);
  auto session = model.newDecoder(pool, ctx);
  if (!session)
    return session.takeError();
  Progress progress("ppl", result.windows);
  std::vector<float> logits;
  int64_t scored = ctx - scoreFrom;
  std::vector<double> nll(scored);
  int64_t vocab = model.vocabSize();
  for (int64_t w = 0; w < result.windows; ++w) {
    progress.step(w, model.modelName());
    (*session)->reset();
    llvm::ArrayRef<int32_t> window = stream.slice(w * ctx, ctx);
    // logits row i is position scoreFrom + i of the window.
    if (llvm::Error err =
            (*session)->forwardLogitsFrom(window, logits, scoreFrom))
      return std::move(err);
    pool.parallelFor(scored, [&](int64_t begin, int64_t end) {
      std::vector<double> logProbs;
      for (int64_t i = begin; i < end; ++i) {
        logSoftmax(logits.data() + i * vocab, vocab, logProbs);
        nll[i] = -logProbs[stream[w * ctx + scoreFrom + i + 1]];
      }
    });
    // Summed in position order, whatever the thread count.
    for (double v : nll)
      result.nllSum += v;
    result.scored += scored;
  }
  result.perplexity = std::exp(result.nllSum / result.scored);
  return result;
}

llvm::Expected<DivergenceResult>
llmq::runtime::divergence(const LanguageModel &base, const LanguageModel &other,
                          ThreadPool &pool, llvm::ArrayRef<int32_t> stream,
                          int64_t ctx) {
  if (base.vocabSize() != other.vocabSize())
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "models '%s' and '%s' have different vocabularies (%lld and %lld)",
        base.modelName().str().c_str(), other.modelName().str().c_str(),
        static_cast<long long>(base.vocabSize()),
        static_cast<long long>(other.vocabSize()));
  for (const LanguageModel *m : {&base, &other})
    if (llvm::Error err = checkContext(*m, ctx))
      return std::move(err);
  if (llvm::Error err = checkWindows(stream.size(), ctx))
    return std::move(err);
  DivergenceResult result;
  int64_t windows = countWindows(stream.size(), ctx);
  int64_t vocab = base.vocabSize();
  auto baseSession = base.newDecoder(pool, ctx);
  if (!baseSession)
    return baseSession.takeError();
  auto otherSession = other.newDecoder(pool, ctx);
  if (!otherSession)
    return otherSession.takeError();
  Progress progress("kld", windows);
  std::vector<float> baseLogits, otherLogits;
  std::vector<double> p, q, klds;
  double baseNll = 0, otherNll = 0;
  int64_t agree = 0;
  for (int64_t w = 0; w < windows; ++w) {
    progress.step(w, other.modelName());
    (*baseSession)->reset();
    (*otherSession)->reset();
    llvm::ArrayRef<int32_t> window = stream.slice(w * ctx, ctx);
    if (llvm::Error err = (*baseSession)->forward(window, baseLogits, true))
      return std::move(err);
    if (llvm::Error err = (*otherSession)->forward(window, otherLogits, true))
      return std::move(err);
    for (int64_t t = 0; t < ctx; ++t) {
      const float *a = baseLogits.data() + t * vocab;
      const float *b = otherLogits.data() + t * vocab;
      logSoftmax(a, vocab, p);
      logSoftmax(b, vocab, q);
      klds.push_back(klDivergence(p.data(), q.data(), vocab));
      agree += std::max_element(a, a + vocab) - a ==
               std::max_element(b, b + vocab) - b;
      int32_t target = stream[w * ctx + t + 1];
      baseNll -= p[target];
      otherNll -= q[target];
    }
  }
  result.scored = klds.size();
  if (!result.scored)
    return result;
  double sum = 0;
  for (double k : klds)
    sum += k;
  result.meanKLD = sum / result.scored;
  std::vector<double> sorted = klds;
  std::sort(sorted.begin(), sorted.end());
  result.p99KLD = sorted[std::min<size_t>(sorted.size() - 1,
                                          sorted.size() * 99 / 100)];
  result.maxKLD = sorted.back();
  result.top1Agreement = static_cast<double>(agree) / result.scored;
  result.basePerplexity = std::exp(baseNll / result.scored);
  result.otherPerplexity = std::exp(otherNll / result.scored);
  return result;
}

/// The probe's windows of `stream` and the base's probabilities over them,
/// from `decoder` (a decoder of `base`), with each position's
/// {sum p log p, sum p}; `beforeWindow` is told each window's index before
/// it runs.
static llvm::Error
fillBase(const LanguageModel &base, Decoder &decoder, ThreadPool &pool,
         llvm::ArrayRef<int32_t> tokens, int64_t ctx, int64_t scoreFrom,
         int64_t windows, std::vector<float> &baseProbs,
         std::vector<std::pair<double, double>> &baseTerms,
         llvm::function_ref<void(int64_t)> beforeWindow) {
  int64_t vocab = base.vocabSize(), scored = ctx - scoreFrom;
  baseTerms.assign(windows * scored, {0.0, 0.0});
  std::vector<float> logits;
  for (int64_t w = 0; w < windows; ++w) {
    beforeWindow(w);
    decoder.reset();
    if (llvm::Error err = decoder.forwardLogitsFrom(tokens.slice(w * ctx, ctx),
                                                    logits, scoreFrom))
      return err;
    float *out = baseProbs.data() + w * scored * vocab;
    pool.parallelFor(scored, [&](int64_t begin, int64_t end) {
      std::vector<double> logProbs;
      for (int64_t t = begin; t < end; ++t) {
        logSoftmax(logits.data() + t * vocab, vocab, logProbs);
        double plogp = 0, mass = 0;
        for (int64_t i = 0; i < vocab; ++i) {
          float p = static_cast<float>(std::exp(logProbs[i]));
          out[t * vocab + i] = p;
          plogp += p * logProbs[i];
          mass += p;
        }
        baseTerms[w * scored + t] = {plogp, mass};
      }
    });
  }
  return llvm::Error::success();
}

/// `count` x `size` floats, or an error saying what would not fit.
static llvm::Error allocate(std::vector<float> &out, int64_t count,
                            int64_t size, const char *what) {
  std::optional<uint64_t> n =
      checkedMul(static_cast<uint64_t>(count), static_cast<uint64_t>(size));
  if (!n || *n > uint64_t(PTRDIFF_MAX) / sizeof(float))
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "the probe's %s (%lld x %lld floats) do not fit in memory", what,
        static_cast<long long>(count), static_cast<long long>(size));
  out.resize(*n);
  return llvm::Error::success();
}

llvm::Expected<DivergenceProbe>
DivergenceProbe::prepare(const LanguageModel &base, ThreadPool &pool,
                         llvm::ArrayRef<int32_t> stream, int64_t ctx,
                         int64_t scoreFrom) {
  if (llvm::Error err = checkContext(base, ctx))
    return std::move(err);
  if (scoreFrom < 0 || scoreFrom >= ctx)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "the first scored position %lld is outside [0, %lld)",
        static_cast<long long>(scoreFrom), static_cast<long long>(ctx));
  DivergenceProbe probe(pool);
  probe.ctx = ctx;
  probe.scoreFrom = scoreFrom;
  probe.windows = static_cast<int64_t>(stream.size()) / ctx;
  if (probe.windows == 0)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "%zu tokens make no window of %lld", stream.size(),
        static_cast<long long>(ctx));
  probe.vocab = base.vocabSize();
  probe.tokens.assign(stream.begin(), stream.begin() + probe.windows * ctx);
  if (llvm::Error err = allocate(probe.baseProbs, probe.scoredPositions(),
                                 probe.vocab, "base probabilities"))
    return std::move(err);
  return probe;
}

llvm::Expected<DivergenceProbe>
DivergenceProbe::create(const LanguageModel &base, ThreadPool &pool,
                        llvm::ArrayRef<int32_t> stream, int64_t ctx,
                        int64_t scoreFrom) {
  auto prepared = prepare(base, pool, stream, ctx, scoreFrom);
  if (!prepared)
    return prepared.takeError();
  DivergenceProbe probe = std::move(*prepared);
  auto session = base.newDecoder(pool, ctx);
  if (!session)
    return session.takeError();
  if (llvm::Error err =
          fillBase(base, **session, pool, probe.tokens, ctx, scoreFrom,
                   probe.windows,
                   probe.baseProbs, probe.baseTerms, [](int64_t) {}))
    return std::move(err);
  return probe;
}

llvm::Expected<DivergenceProbe>
DivergenceProbe::createWithBlockInputs(const Model &base, ThreadPool &pool,
                                       llvm::ArrayRef<int32_t> stream,
                                       int64_t ctx, int64_t scoreFrom) {
  auto prepared = prepare(base, pool, stream, ctx, scoreFrom);
  if (!prepared)
    return prepared.takeError();
  DivergenceProbe probe = std::move(*prepared);
  probe.hidden = base.config.hidden;
  probe.blockInputs.resize(base.layers.size());
  for (std::vector<float> &inputs : probe.blockInputs)
    if (llvm::Error err = allocate(inputs, probe.positions(), probe.hidden,
                                   "block inputs"))
      return std::move(err);
  // Block b's output is block b + 1's input (the last: the final hidden
  // states), exactly as the next block reads it.
  Session session(base, pool, ctx);
  int64_t window = 0;
  session.setBlockObserver([&](int64_t block, const float *, const float *out,
                               int64_t n) {
    float *to = probe.blockInputs[block].data() +
                (window * ctx + session.size()) * probe.hidden;
    std::copy(out, out + n * probe.hidden, to);
  });
  if (llvm::Error err = fillBase(base, session, pool, probe.tokens, ctx,
                                 scoreFrom, probe.windows, probe.baseProbs,
                                 probe.baseTerms,
                                 [&](int64_t w) { window = w; }))
    return std::move(err);
  return probe;
}

uint64_t DivergenceProbe::keptBytes() const {
  uint64_t floats = baseProbs.size();
  for (const std::vector<float> &inputs : blockInputs)
    floats += inputs.size();
  return floats * sizeof(float) +
         baseTerms.size() * sizeof(decltype(baseTerms)::value_type);
}

llvm::Expected<double> DivergenceProbe::score(
    llvm::function_ref<llvm::Error(int64_t, std::vector<float> &)> run)
    const {
  static const ExpKernels &expKernels = selectExpKernels();
  int64_t scored = ctx - scoreFrom;
  std::vector<double> klds(scoredPositions());
  for (int64_t w = 0; w < windows; ++w) {
    if (llvm::Error err = run(w, windowLogits))
      return std::move(err);
    const float *base = baseProbs.data() + w * scored * vocab;
    pool->parallelFor(scored, [&](int64_t begin, int64_t end) {
      for (int64_t t = begin; t < end; ++t) {
        const float *x = windowLogits.data() + t * vocab;
        const float *p = base + t * vocab;
        double maxLogit = *std::max_element(x, x + vocab);
        // sum exp(x - max) and sum p x, vectorized in a fixed order.
        double sums[2];
        expKernels.expSums(x, p, vocab, maxLogit, sums);
        double px = sums[1];
        auto [plogp, mass] = baseTerms[w * scored + t];
        double logSum = maxLogit + std::log(sums[0]);
        // Rounding can make it slightly negative.
        klds[w * scored + t] = std::max(0.0, plogp - px + logSum * mass);
      }
    });
  }
  double sum = 0;
  for (double k : klds)
    sum += k;
  return klds.empty() ? 0.0 : sum / klds.size();
}

static llvm::Error checkVocab(const LanguageModel &other, int64_t vocab) {
  if (other.vocabSize() == vocab)
    return llvm::Error::success();
  return llvm::createStringError(
      llvm::inconvertibleErrorCode(),
      "model '%s' has %lld tokens, the probe's base %lld",
      other.modelName().str().c_str(),
      static_cast<long long>(other.vocabSize()),
      static_cast<long long>(vocab));
}

llvm::Expected<double>
DivergenceProbe::meanKLD(const LanguageModel &other) const {
  if (llvm::Error err = checkVocab(other, vocab))
    return std::move(err);
  auto session = other.newDecoder(*pool, ctx);
  if (!session)
    return session.takeError();
  return score([&](int64_t w, std::vector<float> &logits) {
    (*session)->reset();
    return (*session)->forwardLogitsFrom(
        llvm::ArrayRef<int32_t>(tokens).slice(w * ctx, ctx), logits,
        scoreFrom);
  });
}

llvm::Expected<double> DivergenceProbe::meanKLDFrom(const Model &other,
                                                    int64_t block) const {
  if (llvm::Error err = checkVocab(other, vocab))
    return std::move(err);
  int64_t blocks = blockInputs.size();
  if (other.config.hidden != hidden ||
      static_cast<int64_t>(other.layers.size()) != blocks)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "model '%s' (%zu blocks of %lld) is not the probe's base (%lld "
        "blocks of %lld), or the probe keeps no block inputs",
        other.modelName().str().c_str(), other.layers.size(),
        static_cast<long long>(other.config.hidden),
        static_cast<long long>(blocks), static_cast<long long>(hidden));
  if (block < 0 || block > blocks)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "block %lld is outside [0, %lld]",
                                   static_cast<long long>(block),
                                   static_cast<long long>(blocks));
  if (block == 0)
    return meanKLD(other);
  Session session(other, *pool, ctx);
  const std::vector<float> &inputs = blockInputs[block - 1];
  return score([&](int64_t w, std::vector<float> &logits) {
    session.reset();
    return session.forwardFromLogitsFrom(
        block, inputs.data() + w * ctx * hidden, ctx, logits, scoreFrom);
  });
}

/// The token to emit from `logits`: argmax (lowest id on ties) or a sample.
static int32_t pick(const float *logits, int64_t vocab,
                    const SamplingOptions &options, std::mt19937_64 &rng) {
  if (options.temperature <= 0)
    return std::max_element(logits, logits + vocab) - logits;
  std::vector<int32_t> order(vocab);
  for (int64_t i = 0; i < vocab; ++i)
    order[i] = i;
  int64_t k = options.topK > 0 ? std::min(options.topK, vocab) : vocab;
  std::partial_sort(order.begin(), order.begin() + k, order.end(),
                    [&](int32_t a, int32_t b) {
                      return logits[a] > logits[b] ||
                             (logits[a] == logits[b] && a < b);
                    });
  std::vector<double> weights(k);
  for (int64_t i = 0; i < k; ++i)
    weights[i] = std::exp((logits[order[i]] - logits[order[0]]) /
                          options.temperature);
  if (options.topP < 1) {
    // The nucleus: the shortest prefix of the k candidates (sorted by
    // partial_sort, most likely first) holding topP of their mass.
    double mass = 0;
    for (double wgt : weights)
      mass += wgt;
    double kept = 0;
    int64_t nucleus = 0;
    while (nucleus < k) {
      kept += weights[nucleus++];
      if (kept >= options.topP * mass)
        break;
    }
    k = nucleus;
    weights.resize(k);
  }
  // Drawn by hand rather than with std::discrete_distribution, whose
  // algorithm is left to the standard library: the same seed gives the same
  // text everywhere.
  double total = 0;
  for (double wgt : weights)
    total += wgt;
  double u = (rng() >> 11) * (1.0 / 9007199254740992.0) * total;
  for (int64_t i = 0; i < k; ++i) {
    u -= weights[i];
    if (u < 0)
      return order[i];
  }
  return order[k - 1];
}

llvm::Expected<std::vector<int32_t>>
llmq::runtime::generate(const LanguageModel &model, ThreadPool &pool,
                        llvm::ArrayRef<int32_t> prompt, int64_t count,
                        const SamplingOptions &options) {
  if (prompt.empty() || count < 1)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "generation needs at least one prompt token and one new token, not "
        "%zu and %lld",
        prompt.size(), static_cast<long long>(count));
  if (!std::isfinite(options.temperature) || options.temperature < 0 ||
      options.topK < 0)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "sampling needs a finite temperature >= 0 and top-k >= 0, not %g and "
        "%lld",
        static_cast<double>(options.temperature),
        static_cast<long long>(options.topK));
  if (!(options.topP > 0 && options.topP <= 1))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "sampling needs top-p in (0, 1], not %g",
                                   static_cast<double>(options.topP));
  // Compared without adding: a huge count must not wrap the sum.
  if (count > model.contextSize() - static_cast<int64_t>(prompt.size()))
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "%zu prompt tokens + %lld new ones exceed the context of %lld",
        prompt.size(), static_cast<long long>(count),
        static_cast<long long>(model.contextSize()));
  int64_t total = prompt.size() + count;
  auto session = model.newDecoder(pool, total);
  if (!session)
    return session.takeError();
  std::mt19937_64 rng(options.seed);
  std::vector<float> logits;
  std::vector<int32_t> out;
  if (llvm::Error err = (*session)->forward(prompt, logits, false))
    return std::move(err);
  for (int64_t i = 0; i < count; ++i) {
    int32_t next = pick(logits.data(), model.vocabSize(), options, rng);
    out.push_back(next);
    if (next == options.stopToken || i + 1 == count)
      break;
    llvm::Error err = llvm::Error::success();
    if (options.recompute) {
      std::vector<int32_t> sequence(prompt.begin(), prompt.end());
      sequence.insert(sequence.end(), out.begin(), out.end());
      (*session)->reset();
      err = (*session)->forward(sequence, logits, false);
    } else {
      err = (*session)->forward({next}, logits, false);
    }
    if (err)
      return std::move(err);
  }
  return out;
}
