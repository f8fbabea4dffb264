//===- Session.cpp - Forward passes with a KV cache -----------------------===//

#include "runtime/exec/Session.h"

#include "runtime/exec/ThreadPool.h"

#include <algorithm>
#include <cstring>
#include <functional>

using namespace llmq;
using namespace llmq::runtime;

Session::Session(const Model &model, ThreadPool &pool, int64_t maxPositions)
    : model(model), pool(pool), maxPositions(maxPositions) {
  int64_t kvDim = model.config.numKVHeads * model.config.headDim;
  keys.assign(model.layers.size(), FloatBuffer(maxPositions * kvDim));
  values.assign(model.layers.size(), FloatBuffer(maxPositions * kvDim));
}

static void addBias(float *x, int64_t n, const std::vector<float> &bias) {
  if (bias.empty())
    return;
  int64_t dim = bias.size();
  for (int64_t t = 0; t < n; ++t)
    for (int64_t i = 0; i < dim; ++i)
      x[t * dim + i] += bias[i];
}

/// Runs `fn(begin, end)` over `rows` rows of `width` floats on the pool. The
/// steps between the matmuls (norms, rope, the residual adds, SiLU) treat
/// each row alone, so any split computes the same bits; run on the calling
/// thread alone they left the other idle for several percent of a 256-token
/// window's time at 2 threads (perf on the 1.1B bench's probes). Small
/// batches (decoding) stay on the calling thread.
static void forRows(ThreadPool &pool, int64_t rows, int64_t width,
                    const std::function<void(int64_t, int64_t)> &fn) {
  constexpr int64_t kSerialFloats = 1 << 15;
  if (rows * width <= kSerialFloats)
    return fn(0, rows);
  pool.parallelFor(rows, fn);
}

llvm::Error Session::forward(llvm::ArrayRef<int32_t> tokens,
                             std::vector<float> &logits, bool allLogits) {
  int64_t n = tokens.size();
  if (n == 0)
    return llvm::Error::success();
  if (llvm::Error err = embed(tokens))
    return err;
  return run(0, n, logits, allLogits ? 0 : n - 1);
}

llvm::Error Session::forwardLogitsFrom(llvm::ArrayRef<int32_t> tokens,
                                       std::vector<float> &logits,
                                       int64_t firstLogit) {
  int64_t n = tokens.size();
  if (firstLogit < 0 || firstLogit > n)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "first logit %lld is outside [0, %lld]",
                                   static_cast<long long>(firstLogit),
                                   static_cast<long long>(n));
  if (n == 0) {
    logits.clear();
    return llvm::Error::success();
  }
  if (llvm::Error err = embed(tokens))
    return err;
  return run(0, n, logits, firstLogit);
}

llvm::Error Session::embed(llvm::ArrayRef<int32_t> tokens) {
  const ModelConfig &c = model.config;
  int64_t n = tokens.size();
  if (position + n > maxPositions)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "%lld positions exceed the context of %lld",
        static_cast<long long>(position + n),
        static_cast<long long>(maxPositions));
  for (int32_t id : tokens)
    if (id < 0 || id >= c.vocab)
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "token id %d is outside the vocabulary "
                                     "[0, %lld)",
                                     id, static_cast<long long>(c.vocab));
  resizeActivations(n);
  for (int64_t t = 0; t < n; ++t)
    model.embedding.dequantizeRow(tokens[t], x.data() + t * c.hidden);
  return llvm::Error::success();
}

llvm::Error Session::forwardFromLogitsFrom(int64_t block, const float *hidden,
                                           int64_t n, std::vector<float> &logits,
                                           int64_t firstLogit) {
  int64_t blocks = model.layers.size();
  if (block < 0 || block > blocks)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "block %lld is outside [0, %lld]",
                                   static_cast<long long>(block),
                                   static_cast<long long>(blocks));
  if (n <= 0)
    return llvm::Error::success();
  if (firstLogit < 0 || firstLogit >= n)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "first logit %lld is outside [0, %lld)",
                                   static_cast<long long>(firstLogit),
                                   static_cast<long long>(n));
  if (n > maxPositions - position)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "%lld positions exceed the context of %lld",
        static_cast<long long>(position + n),
        static_cast<long long>(maxPositions));
  resizeActivations(n);
  std::memcpy(x.data(), hidden, n * model.config.hidden * sizeof(float));
  return run(block, n, logits, firstLogit);
}

void Session::resizeActivations(int64_t n) {
  const ModelConfig &c = model.config;
  int64_t hidden = c.hidden, dim = c.headDim;
  int64_t qDim = c.numHeads * dim, kvDim = c.numKVHeads * dim;
  // Every element is written before it is read; resize only grows.
  for (auto [buffer, size] :
       {std::pair{&x, hidden}, {&h, hidden}, {&q, qDim}, {&k, kvDim},
        {&v, kvDim}, {&attn, qDim}, {&gate, c.ffn}, {&up, c.ffn}})
    buffer->resize(n * size);
}

llvm::Error Session::run(size_t firstBlock, int64_t n,
                         std::vector<float> &logits, int64_t firstLogit) {
  const ModelConfig &c = model.config;
  int64_t hidden = c.hidden, dim = c.headDim;
  int64_t qDim = c.numHeads * dim, kvDim = c.numKVHeads * dim;
  size_t endBlock = model.layers.size();
  if (lastBlock >= 0)
    endBlock = std::min(endBlock, static_cast<size_t>(lastBlock) + 1);
  for (size_t l = firstBlock; l < endBlock; ++l) {
    const LayerWeights &layer = model.layers[l];
    if (blockObserver)
      blockInput = x;
    // The rows past the K/V projections run for: every token, except in the
    // last block when only the logits of tokens firstLogit.. are wanted and
    // nobody observes the rest. There the earlier tokens' keys and values
    // are all later tokens need, so their queries, attention, output
    // projection and FFN are skipped: each row is computed alone (matmul's
    // and attention's results do not depend on the batch), so the logits
    // are the same bits. Half a block per window of llama-perplexity-style
    // scoring (the optimizer's probes, ppl, kld).
    int64_t r0 = 0, m = n;
    // h = norm(x), row by row, for rows r0.. (h row 0 is x row r0).
    auto normed = [&](const std::vector<float> &weight) {
      forRows(pool, m, hidden, [&](int64_t b, int64_t e) {
        std::memcpy(h.data() + b * hidden, x.data() + (r0 + b) * hidden,
                    (e - b) * hidden * sizeof(float));
        if (!weight.empty())
          rmsNorm(h.data() + b * hidden, e - b, hidden, weight.data(),
                  c.normEps);
      });
    };
    // x += norm(h) (the norm only where the architecture has one).
    auto addNormed = [&](const std::vector<float> &weight) {
      forRows(pool, m, hidden, [&](int64_t b, int64_t e) {
        if (!weight.empty())
          rmsNorm(h.data() + b * hidden, e - b, hidden, weight.data(),
                  c.normEps);
        float *xr = x.data() + r0 * hidden;
        for (int64_t i = b * hidden; i < e * hidden; ++i)
          xr[i] += h[i];
      });
    };
    normed(layer.attnNorm);
    if (matmulObserver)
      matmulObserver(l, MatmulInput::Attention, h.data(), n, hidden);
    matmul(layer.q, h.data(), n, q.data(), pool);
    matmul(layer.k, h.data(), n, k.data(), pool);
    matmul(layer.v, h.data(), n, v.data(), pool);
    addBias(q.data(), n, layer.qBias);
    addBias(k.data(), n, layer.kBias);
    addBias(v.data(), n, layer.vBias);
    // Per token: the q/k head norms, then rope at the token's position.
    forRows(pool, n, qDim + kvDim, [&](int64_t b, int64_t e) {
      float *qb = q.data() + b * qDim, *kb = k.data() + b * kvDim;
      if (!layer.qNorm.empty())
        rmsNorm(qb, (e - b) * c.numHeads, dim, layer.qNorm.data(), c.normEps);
      if (!layer.kNorm.empty())
        rmsNorm(kb, (e - b) * c.numKVHeads, dim, layer.kNorm.data(),
                c.normEps);
      if (layer.rope) {
        applyRope(qb, e - b, c.numHeads, dim, position + b,
                  model.invFreq.data(), c.ropeInterleaved);
        applyRope(kb, e - b, c.numKVHeads, dim, position + b,
                  model.invFreq.data(), c.ropeInterleaved);
      }
    });
    std::memcpy(keys[l].data() + position * kvDim, k.data(),
                n * kvDim * sizeof(float));
    std::memcpy(values[l].data() + position * kvDim, v.data(),
                n * kvDim * sizeof(float));
    if (l + 1 == model.layers.size() && lastBlock < 0 && firstLogit < n &&
        !blockObserver && !matmulObserver) {
      r0 = firstLogit;
      m = n - firstLogit;
    }
    attention({c.numHeads, c.numKVHeads, dim, layer.slidingWindow,
               /*halfSplitPairs=*/!c.ropeInterleaved},
              q.data() + r0 * qDim, m, position + r0, keys[l].data(),
              values[l].data(), attn.data(), pool);
    if (matmulObserver)
      matmulObserver(l, MatmulInput::AttnOutput, attn.data(), m, qDim);
    matmul(layer.o, attn.data(), m, h.data(), pool);
    addNormed(layer.attnPostNorm);

    normed(layer.ffnNorm);
    if (matmulObserver)
      matmulObserver(l, MatmulInput::Ffn, h.data(), m, hidden);
    matmul(layer.gate, h.data(), m, gate.data(), pool);
    matmul(layer.up, h.data(), m, up.data(), pool);
    forRows(pool, m, c.ffn, [&](int64_t b, int64_t e) {
      siluMul(gate.data() + b * c.ffn, up.data() + b * c.ffn,
              (e - b) * c.ffn);
    });
    if (matmulObserver)
      matmulObserver(l, MatmulInput::FfnDown, gate.data(), m, c.ffn);
    matmul(layer.down, gate.data(), m, h.data(), pool);
    addNormed(layer.ffnPostNorm);
    if (blockObserver)
      blockObserver(l, blockInput.data(), x.data(), n);
  }
  position += n;
  if (endBlock < model.layers.size()) {
    logits.clear();
    return llvm::Error::success();
  }

  int64_t count = n - firstLogit;
  logits.resize(count * c.vocab);
  if (count == 0)
    return llvm::Error::success();
  float *last = x.data() + firstLogit * hidden;
  rmsNorm(last, count, hidden, model.finalNorm.data(), c.normEps);
  if (headObserver)
    headObserver(last, count, hidden);
  matmul(model.lmHead, last, count, logits.data(), pool);
  model.finishLogits(logits.data(), count);
  return llvm::Error::success();
}
