//===- Scorers.cpp - The three ways to find super weights -----------------===//

#include "passes/superweights/Scorers.h"

#include "runtime/exec/Model.h"
#include "runtime/exec/ThreadPool.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

using namespace mlir::llmq;
using namespace mlir::llmq::superweights;
namespace rt = ::llmq::runtime;

llvm::Expected<InputMeanSquares>
superweights::inputMeanSquares(const rt::Model &model,
                               llvm::ArrayRef<int32_t> tokens, int64_t window,
                               rt::ThreadPool &pool) {
  struct Sums {
    std::vector<double> sum2;
    int64_t count = 0;
  };
  int64_t layers = model.layers.size();
  std::vector<std::array<Sums, 4>> sums(layers);
  rt::Session session(model, pool, window);
  session.setMatmulObserver([&](int64_t block, MatmulInput input,
                                const float *x, int64_t n, int64_t cols) {
    Sums &s = sums[block][static_cast<int>(input)];
    if (s.sum2.empty())
      s.sum2.assign(cols, 0.0);
    for (int64_t t = 0; t < n; ++t)
      for (int64_t c = 0; c < cols; ++c) {
        double v = x[t * cols + c];
        s.sum2[c] += v * v;
      }
    s.count += n;
  });
  std::vector<float> logits;
  int64_t count = tokens.size();
  for (int64_t start = 0; start < count; start += window) {
    session.reset();
    int64_t n = std::min<int64_t>(window, count - start);
    if (llvm::Error err = session.forward(tokens.slice(start, n), logits,
                                          /*allLogits=*/false))
      return std::move(err);
  }
  InputMeanSquares result(layers);
  for (int64_t l = 0; l < layers; ++l)
    for (int i = 0; i < 4; ++i) {
      const Sums &s = sums[l][i];
      for (double sum : s.sum2)
        result[l][i].push_back(sum / s.count);
    }
  return result;
}

const rt::WeightView *superweights::matmulView(const rt::LayerWeights &lw,
                                               Role role, MatmulInput &input) {
  input = MatmulInput::Attention;
  switch (role) {
  case Role::AttnQ:
    return &lw.q;
  case Role::AttnK:
    return &lw.k;
  case Role::AttnV:
    return &lw.v;
  case Role::AttnOutput:
    input = MatmulInput::AttnOutput;
    return &lw.o;
  case Role::FfnGate:
    input = MatmulInput::Ffn;
    return &lw.gate;
  case Role::FfnUp:
    input = MatmulInput::Ffn;
    return &lw.up;
  case Role::FfnDown:
    input = MatmulInput::FfnDown;
    return &lw.down;
  default:
    return nullptr;
  }
}

std::vector<double> superweights::tokenFrequencies(llvm::ArrayRef<int32_t> tokens,
                                                   int64_t vocab) {
  std::vector<double> frequency(vocab, 0.0);
  for (int32_t token : tokens)
    if (token >= 0 && token < vocab)
      frequency[token] += 1.0 / tokens.size();
  return frequency;
}

std::vector<Candidate>
superweights::scoreContribution(llvm::ArrayRef<ScoredTensor> tensors,
                                int64_t topK,
                                std::vector<TensorSummary> &summaries) {
  auto better = [](const Candidate &a, const Candidate &b) {
    return a.score > b.score;
  };
  std::vector<Candidate> candidates;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const ScoredTensor &t = tensors[i];
    const rt::WeightView &w = *t.view;
    bool embedding = t.layer < 0;
    std::vector<float> row(w.cols);
    std::vector<Candidate> best; // a min-heap of the tensor's top-k
    double total = 0;
    for (int64_t r = 0; r < w.rows; ++r) {
      w.dequantizeRow(r, row.data());
      for (int64_t c = 0; c < w.cols; ++c) {
        // A one-hot input selects a row: the row index plays the column's
        // part.
        double m = t.meanSquare[embedding ? r : c];
        double score = static_cast<double>(row[c]) * row[c] * m;
        total += score;
        if (static_cast<int64_t>(best.size()) == topK &&
            score <= best.front().score)
          continue;
        Candidate cand;
        cand.tensor = i;
        cand.layer = t.layer;
        cand.row = r;
        cand.col = c;
        cand.score = score;
        cand.value = row[c];
        cand.meanSquare = m;
        if (static_cast<int64_t>(best.size()) == topK) {
          std::pop_heap(best.begin(), best.end(), better);
          best.pop_back();
        }
        best.push_back(cand);
        std::push_heap(best.begin(), best.end(), better);
      }
    }
    std::sort_heap(best.begin(), best.end(), better);
    double mean = total / std::max<int64_t>(1, w.rows * w.cols);
    for (Candidate &cand : best)
      cand.ratio = mean > 0 ? cand.score / mean : 0;
    if (!best.empty())
      summaries.push_back({i, mean, best.front()});
    candidates.insert(candidates.end(), best.begin(), best.end());
  }
  // Across tensors the ratio ranks: scale-free, and the comparison the
  // acceptance makes (against random entries of the same tensor).
  std::stable_sort(
      candidates.begin(), candidates.end(),
      [](const Candidate &a, const Candidate &b) { return a.ratio > b.ratio; });
  if (static_cast<int64_t>(candidates.size()) > topK)
    candidates.resize(topK);
  return candidates;
}

/// The best `topK` of `candidates` by score (stable), each with its value
/// W_down[row, col].
static void keepBest(llvm::ArrayRef<rt::LayerWeights> layers,
                     std::vector<Candidate> &candidates, int64_t topK) {
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate &a, const Candidate &b) {
                     return a.score > b.score;
                   });
  if (static_cast<int64_t>(candidates.size()) > topK)
    candidates.resize(topK);
  for (Candidate &cand : candidates) {
    const rt::WeightView &down = layers[cand.layer].down;
    std::vector<float> row(down.cols);
    down.dequantizeRow(cand.row, row.data());
    cand.value = row[cand.col];
  }
}

std::vector<Candidate>
superweights::scoreWeightOnly(llvm::ArrayRef<rt::LayerWeights> layers,
                              int64_t topK) {
  std::vector<Candidate> candidates;
  for (int64_t l = 0, e = layers.size(); l < e; ++l) {
    const rt::WeightView &down = layers[l].down;
    std::vector<float> row(down.cols);
    double sum2 = 0;
    std::vector<Candidate> best; // the layer's top-k, best first
    for (int64_t r = 0; r < down.rows; ++r) {
      down.dequantizeRow(r, row.data());
      for (int64_t c = 0; c < down.cols; ++c) {
        sum2 += static_cast<double>(row[c]) * row[c];
        double magnitude = std::fabs(row[c]);
        if (static_cast<int64_t>(best.size()) == topK &&
            magnitude <= best.back().score)
          continue;
        Candidate cand;
        cand.layer = l;
        cand.row = r;
        cand.col = c;
        cand.score = magnitude;
        cand.value = row[c];
        best.push_back(cand);
        std::sort(best.begin(), best.end(),
                  [](const Candidate &a, const Candidate &b) {
                    return a.score > b.score;
                  });
        if (static_cast<int64_t>(best.size()) > topK)
          best.pop_back();
      }
    }
    double rms =
        std::sqrt(sum2 / std::max<int64_t>(1, down.rows * down.cols));
    for (Candidate &cand : best) {
      cand.score = rms > 0 ? cand.score / rms : 0;
      candidates.push_back(cand);
    }
  }
  keepBest(layers, candidates, topK);
  return candidates;
}

llvm::Expected<std::vector<Candidate>>
superweights::scoreActivations(const rt::Model &model,
                               llvm::ArrayRef<int32_t> tokens, int64_t topK,
                               rt::ThreadPool &pool,
                               std::vector<LayerSpikes> &spikes) {
  spikes.assign(model.layers.size(), LayerSpikes());
  // Best candidate per (layer, row, col).
  std::map<std::tuple<int64_t, int64_t, int64_t>, Candidate> best;
  rt::Session session(model, pool, tokens.size());
  std::vector<float> out, wrow;
  session.setMatmulObserver([&](int64_t block, MatmulInput input,
                                const float *x, int64_t n, int64_t cols) {
    if (input != MatmulInput::FfnDown)
      return;
    const rt::WeightView &down = model.layers[block].down;
    out.resize(n * down.rows);
    wrow.resize(down.cols);
    // The down projection's raw output (before any post-norm).
    rt::matmul(down, x, n, out.data(), pool);
    LayerSpikes &s = spikes[block];
    for (int64_t t = 0; t < n; ++t) {
      const float *xi = x + t * cols, *yo = out.data() + t * down.rows;
      int64_t spikeIn = 0, r = 0;
      for (int64_t i = 1; i < cols; ++i)
        if (std::fabs(xi[i]) > std::fabs(xi[spikeIn]))
          spikeIn = i;
      for (int64_t i = 1; i < down.rows; ++i)
        if (std::fabs(yo[i]) > std::fabs(yo[r]))
          r = i;
      if (std::fabs(xi[spikeIn]) > s.maxIn) {
        s.maxIn = std::fabs(xi[spikeIn]);
        s.inChannel = spikeIn;
        s.inToken = t;
      }
      // The column through which the output spike is made: the largest
      // term |W[r, c] * x[c]| of y[r].
      down.dequantizeRow(r, wrow.data());
      int64_t c = 0;
      for (int64_t i = 1; i < cols; ++i)
        if (std::fabs(wrow[i] * xi[i]) > std::fabs(wrow[c] * xi[c]))
          c = i;
      if (std::fabs(yo[r]) > s.maxOut) {
        s.maxOut = std::fabs(yo[r]);
        s.outChannel = r;
        s.outToken = t;
      }
      double score = std::fabs(static_cast<double>(xi[c]) * yo[r]);
      Candidate &cand = best[{block, r, c}];
      if (score > cand.score) {
        cand = Candidate();
        cand.layer = block;
        cand.row = r;
        cand.col = c;
        cand.score = score;
        cand.actIn = xi[c];
        cand.actOut = yo[r];
        cand.token = t;
      }
    }
  });
  std::vector<float> logits;
  if (llvm::Error err = session.forward(tokens, logits, /*allLogits=*/false))
    return std::move(err);
  std::vector<Candidate> candidates;
  for (auto &entry : best)
    candidates.push_back(entry.second);
  keepBest(model.layers, candidates, topK);
  return candidates;
}
