//===- SuperWeights.cpp - The super weights of a model --------------------===//
//
// "The Super Weight in Large Language Models" (Yu et al. 2024): a handful of
// weights the model cannot lose. The default (contribution) mode scores
// every entry of every matrix the runtime multiplies by the mean square of
// what it adds to its output, w^2 * E[x_c^2] over calibration text (the
// importance-matrix statistic), relative to its tensor's mean entry: the
// number of random entries of its own tensor it is worth. Small models
// without massive activations have super weights by this rule that the
// paper's rule misses. The paper's rule (activation mode) takes the spikes
// at each down projection's input (the column) and output (the row) on a
// probe prompt. A weight-only mode ranks |w| / rms(W_down). The best are
// recorded and pinned so later passes keep them exact.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "dialects/Llmq/Architectures.h"
#include "dialects/Llmq/LlmqOps.h"
#include "dialects/Llmq/Threading.h"
#include "formats/files/AtomicOutputFile.h"
#include "runtime/eval/Corpus.h"
#include "runtime/exec/Model.h"
#include "runtime/exec/Session.h"
#include "runtime/exec/ThreadPool.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <thread>

#define DEBUG_TYPE "llmq-super-weights"

namespace mlir::llmq {
#define GEN_PASS_DEF_SUPERWEIGHTS
#include "passes/Passes.h.inc"
} // namespace mlir::llmq

using namespace mlir;
using namespace mlir::llmq;
using MatmulInput = ::llmq::runtime::Session::MatmulInput;

namespace {
struct Candidate {
  WeightOp weight;
  int64_t layer = -1; ///< the block; -1 outside blocks (token_embd)
  int64_t row = 0, col = 0;
  double score = 0;
  double actIn = 0, actOut = 0; ///< the spikes (activation mode)
  int64_t token = -1;           ///< prompt position of the spike
  double value = 0;             ///< W[row, col]
  double ratio = 0;      ///< contribution mode: score / the tensor's mean score
  double meanSquare = 0; ///< contribution mode: E[x_col^2]
};

struct SuperWeightsPass
    : public mlir::llmq::impl::SuperWeightsBase<SuperWeightsPass> {
  using SuperWeightsBase::SuperWeightsBase;
  void runOnOperation() override;

private:
  LogicalResult run(ModelOp model);
  LogicalResult contribution(ModelOp model, const ::llmq::runtime::Model &rm,
                             std::vector<Candidate> &candidates,
                             llvm::json::Array &tensors, int64_t &tokenCount);
};

/// Per block, the largest spikes seen on the prompt (for the report).
struct LayerSpikes {
  double maxIn = 0, maxOut = 0;
  int64_t inChannel = -1, outChannel = -1, inToken = -1, outToken = -1;
};
} // namespace

/// The ffn_down weight op of each block, by block index.
static std::map<int64_t, WeightOp> downWeights(ModelOp model) {
  std::map<int64_t, WeightOp> result;
  for (BlockOp block : model.getBody().getOps<BlockOp>())
    for (NamedAttribute entry : block.getWeights()) {
      std::optional<Role> role = lookupRole(entry.getName().getValue());
      auto symbol = dyn_cast<FlatSymbolRefAttr>(entry.getValue());
      if (role && *role == Role::FfnDown && symbol)
        if (WeightOp weight = model.lookupWeight(symbol.getValue()))
          result[block.getIndex()] = weight;
    }
  return result;
}

/// Contribution mode: per input channel mean squares over the calibration
/// text (or the probe prompt), then every entry of every multiplied matrix
/// scored w^2 * E[x_c^2]; the token embedding is a product with a one-hot
/// input, so its E[x_tok^2] is the token's frequency. Candidates keep each
/// tensor's top-k, ranked by ratio to the tensor's mean score.
LogicalResult SuperWeightsPass::contribution(ModelOp model,
                                             const ::llmq::runtime::Model &rm,
                                             std::vector<Candidate> &candidates,
                                             llvm::json::Array &tensors,
                                             int64_t &tokenCount) {
  auto fail = [&](const llvm::Twine &message) {
    model.emitError("llmq-super-weights: ") << message;
    return failure();
  };
  if (contextSize < 1 ||
      contextSize > static_cast<int64_t>(model.getContextLength()))
    return fail("ctx=" + llvm::Twine(contextSize.getValue()) +
                " is outside [1, " + llvm::Twine(model.getContextLength()) +
                "]");
  if (numTokens < 1)
    return fail("tokens=" + llvm::Twine(numTokens.getValue()) +
                " must be >= 1");
  TokenizerAttr tokenizerAttr = model.getTokenizerAttr();
  if (!tokenizerAttr)
    return fail("model '" + model.getSymName() + "' has no tokenizer");
  auto tokenizer = ::llmq::runtime::openTokenizer(tokenizerAttr.getFile());
  if (!tokenizer)
    return fail(llvm::toString(tokenizer.takeError()));
  std::vector<int32_t> stream;
  if (!textFile.empty()) {
    auto encoded = ::llmq::runtime::encodeFile(
        **tokenizer, tokenizerAttr.getBos(), textFile);
    if (!encoded)
      return fail(llvm::toString(encoded.takeError()));
    stream = std::move(*encoded);
  } else {
    if (prompt.empty())
      return fail("prompt= is empty and no text= is given");
    auto encoded = ::llmq::runtime::encodeLines(
        **tokenizer, tokenizerAttr.getBos(), prompt);
    if (!encoded)
      return fail(llvm::toString(encoded.takeError()));
    stream = std::move(*encoded);
  }
  if (static_cast<int64_t>(stream.size()) > numTokens)
    stream.resize(numTokens);
  tokenCount = stream.size();
  if (stream.empty())
    return fail(textFile.empty() ? "the prompt holds no tokens"
                                 : "'" + textFile + "' holds no tokens");

  // Sums of x^2 per (block, matmul input) and input channel, in double, in
  // token order (the same at any thread count).
  struct Sums {
    std::vector<double> sum2;
    int64_t count = 0;
  };
  int64_t layers = rm.layers.size();
  std::vector<std::array<Sums, 4>> sums(layers);
  unsigned workers =
      getWorkerThreads(model, threads, "llmq-super-weights");
  ::llmq::runtime::ThreadPool pool(workers);
  int64_t window = std::min<int64_t>(contextSize, stream.size());
  ::llmq::runtime::Session session(rm, pool, window);
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
  for (int64_t start = 0; start < tokenCount; start += window) {
    session.reset();
    int64_t n = std::min<int64_t>(window, tokenCount - start);
    if (llvm::Error err = session.forward(
            llvm::ArrayRef<int32_t>(stream).slice(start, n), logits,
            /*allLogits=*/false))
      return fail(llvm::toString(std::move(err)));
  }

  // The tensors and the mean square of their inputs.
  struct Tensor {
    WeightOp weight;
    int64_t layer;
    const ::llmq::runtime::WeightView *view;
    std::vector<double> meanSquare;
  };
  std::vector<Tensor> list;
  for (EmbeddingOp embedding : model.getBody().getOps<EmbeddingOp>()) {
    std::vector<double> frequency(rm.embedding.rows, 0.0);
    for (int32_t token : stream)
      if (token >= 0 && token < rm.embedding.rows)
        frequency[token] += 1.0 / tokenCount;
    // A one-hot input selects a row: the row index plays the column's part.
    list.push_back({model.lookupWeight(embedding.getWeight()), -1,
                    &rm.embedding, std::move(frequency)});
  }
  for (BlockOp block : model.getBody().getOps<BlockOp>()) {
    int64_t l = block.getIndex();
    if (l < 0 || l >= layers)
      continue;
    const ::llmq::runtime::LayerWeights &lw = rm.layers[l];
    for (NamedAttribute entry : block.getWeights()) {
      std::optional<Role> role = lookupRole(entry.getName().getValue());
      auto symbol = dyn_cast<FlatSymbolRefAttr>(entry.getValue());
      if (!role || !symbol)
        continue;
      const ::llmq::runtime::WeightView *view = nullptr;
      MatmulInput input = MatmulInput::Attention;
      switch (*role) {
      case Role::AttnQ:
        view = &lw.q;
        break;
      case Role::AttnK:
        view = &lw.k;
        break;
      case Role::AttnV:
        view = &lw.v;
        break;
      case Role::AttnOutput:
        view = &lw.o, input = MatmulInput::AttnOutput;
        break;
      case Role::FfnGate:
        view = &lw.gate, input = MatmulInput::Ffn;
        break;
      case Role::FfnUp:
        view = &lw.up, input = MatmulInput::Ffn;
        break;
      case Role::FfnDown:
        view = &lw.down, input = MatmulInput::FfnDown;
        break;
      default:
        break;
      }
      const Sums &s = sums[l][static_cast<int>(input)];
      if (!view || view->rows == 0 ||
          static_cast<int64_t>(s.sum2.size()) != view->cols)
        continue;
      std::vector<double> meanSquare(view->cols);
      for (int64_t c = 0; c < view->cols; ++c)
        meanSquare[c] = s.sum2[c] / s.count;
      list.push_back({model.lookupWeight(symbol.getValue()), l, view,
                      std::move(meanSquare)});
    }
  }

  auto better = [](const Candidate &a, const Candidate &b) {
    return a.score > b.score;
  };
  for (Tensor &t : list) {
    if (!t.weight)
      continue;
    const ::llmq::runtime::WeightView &w = *t.view;
    bool embedding = t.layer < 0;
    std::vector<float> row(w.cols);
    std::vector<Candidate> best; // a min-heap of the tensor's top-k
    double total = 0;
    for (int64_t r = 0; r < w.rows; ++r) {
      w.dequantizeRow(r, row.data());
      for (int64_t c = 0; c < w.cols; ++c) {
        double m = t.meanSquare[embedding ? r : c];
        double score = static_cast<double>(row[c]) * row[c] * m;
        total += score;
        if (static_cast<int64_t>(best.size()) == topK &&
            score <= best.front().score)
          continue;
        Candidate cand;
        cand.weight = t.weight;
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
      tensors.push_back(
          llvm::json::Object{{"weight", t.weight.getSymName().str()},
                             {"mean_score", mean},
                             {"top_row", best.front().row},
                             {"top_col", best.front().col},
                             {"top_score", best.front().score},
                             {"top_ratio", best.front().ratio}});
    candidates.insert(candidates.end(), best.begin(), best.end());
  }
  // Across tensors the ratio ranks: scale-free, and the comparison the
  // acceptance makes (against random entries of the same tensor).
  std::stable_sort(
      candidates.begin(), candidates.end(),
      [](const Candidate &a, const Candidate &b) { return a.ratio > b.ratio; });
  return success();
}

LogicalResult SuperWeightsPass::run(ModelOp model) {
  auto fail = [&](const llvm::Twine &message) {
    model.emitError("llmq-super-weights: ") << message;
    return failure();
  };
  bool weightOnly = mode == "weight-only";
  bool byContribution = mode == "contribution";
  if (!weightOnly && !byContribution && mode != "activation")
    return fail("mode='" + mode +
                "' is none of contribution, activation, weight-only");
  if (topK < 1)
    return fail("top-k=" + llvm::Twine(topK.getValue()) + " must be >= 1");
  auto runtimeModel = ::llmq::runtime::Model::load(model);
  if (!runtimeModel)
    return fail(llvm::toString(runtimeModel.takeError()));
  const ::llmq::runtime::Model &rm = **runtimeModel;
  int64_t layers = rm.layers.size();

  std::vector<Candidate> candidates;
  std::vector<LayerSpikes> spikes(layers);
  int64_t promptTokens = 0;
  llvm::json::Array tensors;
  if (byContribution) {
    if (failed(contribution(model, rm, candidates, tensors, promptTokens)))
      return failure();
  } else if (weightOnly) {
    // Score every entry by |w| / rms(W_down); keep each layer's top-k.
    for (int64_t l = 0; l < layers; ++l) {
      const ::llmq::runtime::WeightView &down = rm.layers[l].down;
      std::vector<float> row(down.cols);
      double sum2 = 0;
      std::vector<Candidate> best;
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
      double rms = std::sqrt(sum2 / std::max<int64_t>(1, down.rows * down.cols));
      for (Candidate &cand : best) {
        cand.score = rms > 0 ? cand.score / rms : 0;
        candidates.push_back(cand);
      }
    }
  } else {
    if (prompt.empty())
      return fail("prompt= is empty");
    TokenizerAttr tokenizerAttr = model.getTokenizerAttr();
    if (!tokenizerAttr)
      return fail("model '" + model.getSymName() + "' has no tokenizer");
    auto tokenizer = ::llmq::runtime::openTokenizer(tokenizerAttr.getFile());
    if (!tokenizer)
      return fail(llvm::toString(tokenizer.takeError()));
    auto encoded = ::llmq::runtime::encodeLines(
        **tokenizer, tokenizerAttr.getBos(), prompt);
    if (!encoded)
      return fail(llvm::toString(encoded.takeError()));
    std::vector<int32_t> tokens = std::move(*encoded);
    if (static_cast<int64_t>(tokens.size()) > rm.config.contextLength)
      tokens.resize(rm.config.contextLength);
    promptTokens = tokens.size();
    if (promptTokens == 0)
      return fail("the prompt holds no tokens");

    // Best candidate per (layer, row, col).
    std::map<std::tuple<int64_t, int64_t, int64_t>, Candidate> best;
    unsigned workers =
        getWorkerThreads(model, threads, "llmq-super-weights");
    ::llmq::runtime::ThreadPool pool(workers);
    ::llmq::runtime::Session session(rm, pool, promptTokens);
    std::vector<float> out, wrow;
    session.setMatmulObserver([&](int64_t block, MatmulInput input,
                                  const float *x, int64_t n, int64_t cols) {
      if (input != MatmulInput::FfnDown)
        return;
      const ::llmq::runtime::WeightView &down = rm.layers[block].down;
      out.resize(n * down.rows);
      wrow.resize(down.cols);
      // The down projection's raw output (before any post-norm).
      ::llmq::runtime::matmul(down, x, n, out.data(), pool);
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
      return fail(llvm::toString(std::move(err)));
    for (auto &entry : best)
      candidates.push_back(entry.second);
  }

  if (!byContribution) {
    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const Candidate &a, const Candidate &b) {
                       return a.score > b.score;
                     });
    if (static_cast<int64_t>(candidates.size()) > topK)
      candidates.resize(topK);
    std::map<int64_t, WeightOp> weights = downWeights(model);
    for (Candidate &cand : candidates) {
      auto it = weights.find(cand.layer);
      if (it == weights.end())
        return fail("block " + llvm::Twine(cand.layer) +
                    " has no ffn_down weight");
      cand.weight = it->second;
      const ::llmq::runtime::WeightView &down = rm.layers[cand.layer].down;
      std::vector<float> row(down.cols);
      down.dequantizeRow(cand.row, row.data());
      cand.value = row[cand.col];
    }
  } else if (static_cast<int64_t>(candidates.size()) > topK) {
    candidates.resize(topK);
  }

  // Attributes: the list on the model, `llmq.pinned` entries on each
  // weight (merged with pins already there).
  MLIRContext *ctx = model.getContext();
  auto *dialect = ctx->getLoadedDialect<LlmqDialect>();
  Builder builder(ctx);
  SmallVector<Attribute> list;
  // By weight symbol, so the order of updates does not depend on pointers;
  // per weight by (row, col).
  std::map<std::string,
           std::pair<WeightOp, std::map<std::pair<int64_t, int64_t>, double>>>
      pins;
  for (Candidate &cand : candidates) {
    list.push_back(SuperWeightAttr::get(
        ctx, FlatSymbolRefAttr::get(cand.weight.getSymNameAttr()), cand.row,
        cand.col, builder.getF64FloatAttr(cand.value)));
    auto &entry = pins[cand.weight.getSymName().str()];
    entry.first = cand.weight;
    entry.second[{cand.row, cand.col}] = cand.value;
  }
  dialect->getSuperWeightsAttrHelper().setAttr(model,
                                               builder.getArrayAttr(list));
  for (auto &[name, pinned] : pins) {
    auto &[weight, entries] = pinned;
    if (ArrayAttr old = dialect->getPinnedAttrHelper().getAttr(weight))
      for (auto pin : old.getAsRange<PinAttr>())
        entries.insert({{pin.getRow(), pin.getCol()},
                        pin.getValue().getValueAsDouble()});
    SmallVector<Attribute> attrs;
    for (auto [at, value] : entries)
      attrs.push_back(PinAttr::get(ctx, at.first, at.second,
                                   builder.getF64FloatAttr(value)));
    dialect->getPinnedAttrHelper().setAttr(weight,
                                           builder.getArrayAttr(attrs));
  }
  numSuperWeights += candidates.size();

  if (!jsonFile.empty()) {
    llvm::json::Array found, perLayer;
    for (Candidate &cand : candidates) {
      llvm::json::Object o{{"weight", cand.weight.getSymName().str()},
                           {"row", cand.row},
                           {"col", cand.col},
                           {"value", cand.value},
                           {"score", cand.score}};
      if (cand.layer >= 0)
        o["layer"] = cand.layer;
      if (SourceAttr source = cand.weight.getSource())
        o["source_key"] = source.getKey().str();
      if (byContribution) {
        o["ratio"] = cand.ratio;
        o["mean_square_input"] = cand.meanSquare;
      } else if (!weightOnly) {
        o["activation_in"] = cand.actIn;
        o["activation_out"] = cand.actOut;
        o["token"] = cand.token;
      }
      found.push_back(std::move(o));
    }
    if (!weightOnly && !byContribution)
      for (int64_t l = 0; l < layers; ++l)
        perLayer.push_back(llvm::json::Object{
            {"layer", l},
            {"max_in", spikes[l].maxIn},
            {"in_channel", spikes[l].inChannel},
            {"in_token", spikes[l].inToken},
            {"max_out", spikes[l].maxOut},
            {"out_channel", spikes[l].outChannel},
            {"out_token", spikes[l].outToken}});
    llvm::json::Object report{{"model", model.getSymName()},
                              {"mode", mode.getValue()},
                              {"super_weights", std::move(found)}};
    if (byContribution) {
      if (textFile.empty())
        report["prompt"] = prompt.getValue();
      else
        report["text"] = textFile.getValue();
      report["tokens"] = promptTokens;
      report["tensors"] = std::move(tensors);
    } else if (!weightOnly) {
      report["prompt"] = prompt.getValue();
      report["prompt_tokens"] = promptTokens;
      report["layers"] = std::move(perLayer);
    }
    auto file = ::llmq::AtomicOutputFile::create(jsonFile);
    if (!file)
      return fail(llvm::toString(file.takeError()));
    (*file)->os() << llvm::formatv("{0:2}\n",
                                   llvm::json::Value(std::move(report)));
    if (llvm::Error err = (*file)->commit())
      return fail(llvm::toString(std::move(err)));
  }
  return success();
}

void SuperWeightsPass::runOnOperation() {
  for (ModelOp model : getOperation().getOps<ModelOp>())
    if (failed(run(model)))
      return signalPassFailure();
}
