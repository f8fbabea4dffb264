//===- SuperWeights.cpp - The super weights of a model --------------------===//
//
// "The Super Weight in Large Language Models" (Yu et al. 2024): a handful of
// FFN down-projection entries create a huge activation spike ("super
// activation") that the model cannot lose. They show as a spike in the
// largest |input| of down_proj (channel = the weight's column) together with
// a spike in its largest |output| (channel = the weight's row) on a probe
// prompt. This pass runs the reference runtime over the prompt, scores such
// (row, col) pairs per block, records the best and pins them so later
// passes keep them exact. A weight-only mode ranks |w| / rms(W_down).
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "dialects/Llmq/Architectures.h"
#include "dialects/Llmq/LlmqOps.h"
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
struct SuperWeightsPass
    : public mlir::llmq::impl::SuperWeightsBase<SuperWeightsPass> {
  using SuperWeightsBase::SuperWeightsBase;
  void runOnOperation() override;

private:
  LogicalResult run(ModelOp model);
};

struct Candidate {
  int64_t layer = 0, row = 0, col = 0;
  double score = 0;
  double actIn = 0, actOut = 0; ///< the spikes (activation mode)
  int64_t token = -1;           ///< prompt position of the spike
  double value = 0;             ///< W_down[row, col]
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

LogicalResult SuperWeightsPass::run(ModelOp model) {
  auto fail = [&](const llvm::Twine &message) {
    model.emitError("llmq-super-weights: ") << message;
    return failure();
  };
  bool weightOnly = mode == "weight-only";
  if (!weightOnly && mode != "activation")
    return fail("mode='" + mode + "' is neither activation nor weight-only");
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
  if (weightOnly) {
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
          best.push_back({l, r, c, magnitude, 0, 0, -1, row[c]});
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
    std::vector<int32_t> tokens = ::llmq::runtime::encodeLines(
        **tokenizer, tokenizerAttr.getBos(), prompt);
    if (static_cast<int64_t>(tokens.size()) > rm.config.contextLength)
      tokens.resize(rm.config.contextLength);
    promptTokens = tokens.size();
    if (promptTokens == 0)
      return fail("the prompt holds no tokens");

    // Best candidate per (layer, row, col).
    std::map<std::tuple<int64_t, int64_t, int64_t>, Candidate> best;
    unsigned workers =
        threads ? threads : std::max(1u, std::thread::hardware_concurrency());
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
        if (score > cand.score)
          cand = {block, r, c, score, xi[c], yo[r], t, 0};
      }
    });
    std::vector<float> logits;
    if (llvm::Error err = session.forward(tokens, logits, /*allLogits=*/false))
      return fail(llvm::toString(std::move(err)));
    for (auto &entry : best)
      candidates.push_back(entry.second);
  }

  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate &a, const Candidate &b) {
                     return a.score > b.score;
                   });
  if (static_cast<int64_t>(candidates.size()) > topK)
    candidates.resize(topK);
  std::map<int64_t, WeightOp> weights = downWeights(model);
  for (Candidate &cand : candidates) {
    const ::llmq::runtime::WeightView &down = rm.layers[cand.layer].down;
    std::vector<float> row(down.cols);
    down.dequantizeRow(cand.row, row.data());
    cand.value = row[cand.col];
  }

  // Attributes: the list on the model, `pinned` entries on each weight
  // (merged with pins already there).
  Builder builder(model.getContext());
  SmallVector<Attribute> list;
  std::map<int64_t, SmallVector<std::pair<int64_t, int64_t>>> pins;
  for (const Candidate &cand : candidates) {
    list.push_back(builder.getArrayAttr(
        {builder.getI64IntegerAttr(cand.layer),
         builder.getI64IntegerAttr(cand.row), builder.getI64IntegerAttr(cand.col),
         builder.getF64FloatAttr(cand.value)}));
    pins[cand.layer].push_back({cand.row, cand.col});
  }
  model->setAttr("super_weights", builder.getArrayAttr(list));
  for (auto &[layer, entries] : pins) {
    auto it = weights.find(layer);
    if (it == weights.end())
      return fail("block " + llvm::Twine(layer) + " has no ffn_down weight");
    WeightOp weight = it->second;
    std::set<std::pair<int64_t, int64_t>> all(entries.begin(), entries.end());
    if (auto old = weight->getAttrOfType<ArrayAttr>("pinned"))
      for (Attribute a : old)
        if (auto pair = dyn_cast<DenseI64ArrayAttr>(a); pair && pair.size() == 2)
          all.insert({pair[0], pair[1]});
    SmallVector<Attribute> attrs;
    for (auto [r, c] : all)
      attrs.push_back(builder.getDenseI64ArrayAttr({r, c}));
    weight->setAttr("pinned", builder.getArrayAttr(attrs));
  }
  numSuperWeights += candidates.size();

  if (!jsonFile.empty()) {
    llvm::json::Array found, perLayer;
    for (const Candidate &cand : candidates) {
      llvm::json::Object o{{"layer", cand.layer},
                           {"row", cand.row},
                           {"col", cand.col},
                           {"value", cand.value},
                           {"score", cand.score}};
      auto it = weights.find(cand.layer);
      if (it != weights.end())
        o["weight"] = it->second.getSymName().str();
      if (!weightOnly) {
        o["activation_in"] = cand.actIn;
        o["activation_out"] = cand.actOut;
        o["token"] = cand.token;
      }
      found.push_back(std::move(o));
    }
    if (!weightOnly)
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
                              {"mode", weightOnly ? "weight-only" : "activation"},
                              {"super_weights", std::move(found)}};
    if (!weightOnly) {
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
