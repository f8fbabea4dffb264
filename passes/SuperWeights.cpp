//===- SuperWeights.cpp - The super weights of a model --------------------===//
//
// "The Super Weight in Large Language Models" (Yu et al. 2024): a handful of
// weights the model cannot lose. The scorers (contribution, the default;
// activation, the paper's rule; weight-only) are in superweights/Scorers.h
// and the JSON report in superweights/Report.h; the pass checks its options,
// reads the calibration text or prompt, binds the model, names the weights
// the scorers found, records them on the model and pins them on their
// weights so later passes keep them exact.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "dialects/Llmq/Architectures.h"
#include "dialects/Llmq/LlmqOps.h"
#include "dialects/Llmq/Threading.h"
#include "formats/files/AtomicOutputFile.h"
#include "passes/superweights/Report.h"
#include "passes/superweights/Scorers.h"
#include "runtime/eval/Corpus.h"
#include "runtime/exec/Model.h"
#include "runtime/exec/ThreadPool.h"

#include "mlir/IR/Builders.h"
#include "llvm/Support/FormatVariadic.h"

#include <map>
#include <thread>

#define DEBUG_TYPE "llmq-super-weights"

namespace mlir::llmq {
#define GEN_PASS_DEF_SUPERWEIGHTS
#include "passes/Passes.h.inc"
} // namespace mlir::llmq

using namespace mlir;
using namespace mlir::llmq;
using namespace mlir::llmq::superweights;

namespace {
struct SuperWeightsPass
    : public mlir::llmq::impl::SuperWeightsBase<SuperWeightsPass> {
  using SuperWeightsBase::SuperWeightsBase;
  void runOnOperation() override;

private:
  LogicalResult run(ModelOp model);
  FailureOr<std::vector<int32_t>> readTokens(ModelOp model, bool useText);
};
} // namespace

/// The tokens of the calibration text (`useText`) or of the prompt, with
/// the model's tokenizer; an empty stream is an error.
FailureOr<std::vector<int32_t>> SuperWeightsPass::readTokens(ModelOp model,
                                                             bool useText) {
  auto fail = [&](const Twine &message) {
    model.emitError("llmq-super-weights: ") << message;
    return failure();
  };
  bool contribution = mode == SuperWeightsMode::Contribution;
  if (!contribution && prompt.empty())
    return fail("prompt= is empty");
  TokenizerAttr tokenizerAttr = model.getTokenizerAttr();
  if (!tokenizerAttr)
    return fail("model '" + model.getSymName() + "' has no tokenizer");
  auto tokenizer = ::llmq::runtime::openTokenizer(tokenizerAttr.getFile());
  if (!tokenizer)
    return fail(llvm::toString(tokenizer.takeError()));
  if (!useText && prompt.empty())
    return fail("prompt= is empty and no text= is given");
  auto encoded =
      useText ? ::llmq::runtime::encodeFile(**tokenizer,
                                            tokenizerAttr.getBos(), textFile)
              : ::llmq::runtime::encodeLines(**tokenizer,
                                             tokenizerAttr.getBos(), prompt);
  if (!encoded)
    return fail(llvm::toString(encoded.takeError()));
  return std::move(*encoded);
}

/// The matrices contribution mode scores, with their weights: the token
/// embedding, then every block's matrix products whose inputs ran.
static std::vector<ScoredTensor>
scoredTensors(ModelOp model, const ::llmq::runtime::Model &rm,
              const InputMeanSquares &squares, ArrayRef<int32_t> tokens,
              SmallVector<WeightOp> &weights) {
  std::vector<ScoredTensor> list;
  for (EmbeddingOp embedding : model.getBody().getOps<EmbeddingOp>())
    if (WeightOp weight = model.lookupWeight(embedding.getWeight())) {
      weights.push_back(weight);
      list.push_back({&rm.embedding, -1,
                      tokenFrequencies(tokens, rm.embedding.rows)});
    }
  for (BlockOp block : model.getBody().getOps<BlockOp>()) {
    int64_t l = block.getIndex();
    if (l < 0 || l >= static_cast<int64_t>(rm.layers.size()))
      continue;
    for (NamedAttribute entry : block.getWeights()) {
      std::optional<Role> role = lookupRole(entry.getName().getValue());
      auto symbol = dyn_cast<FlatSymbolRefAttr>(entry.getValue());
      if (!role || !symbol)
        continue;
      MatmulInput input;
      const ::llmq::runtime::WeightView *view =
          matmulView(rm.layers[l], *role, input);
      if (!view || view->rows == 0)
        continue;
      const std::vector<double> &meanSquare =
          squares[l][static_cast<int>(input)];
      WeightOp weight = model.lookupWeight(symbol.getValue());
      if (static_cast<int64_t>(meanSquare.size()) != view->cols || !weight)
        continue;
      weights.push_back(weight);
      list.push_back({view, l, meanSquare});
    }
  }
  return list;
}

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

/// Records `found` as the model's `super_weights` and pins each entry on its
/// weight, merged with pins already there.
static void record(ModelOp model, ArrayRef<Candidate> found,
                   ArrayRef<WeightOp> weights) {
  MLIRContext *ctx = model.getContext();
  auto *dialect = ctx->getLoadedDialect<LlmqDialect>();
  Builder builder(ctx);
  SmallVector<Attribute> list;
  // By weight symbol, so the order of updates does not depend on pointers;
  // per weight by (row, col).
  std::map<std::string,
           std::pair<WeightOp, std::map<std::pair<int64_t, int64_t>, double>>>
      pins;
  for (auto [cand, op] : llvm::zip_equal(found, weights)) {
    WeightOp weight = op;
    list.push_back(SuperWeightAttr::get(
        ctx, FlatSymbolRefAttr::get(weight.getSymNameAttr()), cand.row,
        cand.col, builder.getF64FloatAttr(cand.value)));
    auto &entry = pins[weight.getSymName().str()];
    entry.first = weight;
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
}

LogicalResult SuperWeightsPass::run(ModelOp model) {
  auto fail = [&](const llvm::Twine &message) {
    model.emitError("llmq-super-weights: ") << message;
    return failure();
  };
  if (topK < 1)
    return fail("top-k=" + llvm::Twine(topK.getValue()) + " must be >= 1");
  auto runtimeModel = ::llmq::runtime::Model::load(model);
  if (!runtimeModel)
    return fail(llvm::toString(runtimeModel.takeError()));
  const ::llmq::runtime::Model &rm = **runtimeModel;
  unsigned workers =
      getWorkerThreads(model, threads, "llmq-super-weights");

  Report report;
  report.model = model.getSymName().str();
  report.mode = mode;
  report.prompt = prompt;
  SmallVector<WeightOp> weights; // of each found entry
  if (mode == SuperWeightsMode::Contribution) {
    if (contextSize < 1 ||
        contextSize > static_cast<int64_t>(model.getContextLength()))
      return fail("ctx=" + llvm::Twine(contextSize.getValue()) +
                  " is outside [1, " + llvm::Twine(model.getContextLength()) +
                  "]");
    if (numTokens < 1)
      return fail("tokens=" + llvm::Twine(numTokens.getValue()) +
                  " must be >= 1");
    FailureOr<std::vector<int32_t>> tokens =
        readTokens(model, !textFile.empty());
    if (failed(tokens))
      return failure();
    if (static_cast<int64_t>(tokens->size()) > numTokens)
      tokens->resize(numTokens);
    if (tokens->empty())
      return fail(textFile.empty() ? "the prompt holds no tokens"
                                   : "'" + textFile + "' holds no tokens");
    ::llmq::runtime::ThreadPool pool(workers);
    int64_t window = std::min<int64_t>(contextSize, tokens->size());
    auto squares = inputMeanSquares(rm, *tokens, window, pool);
    if (!squares)
      return fail(llvm::toString(squares.takeError()));
    SmallVector<WeightOp> tensorWeights;
    std::vector<ScoredTensor> tensors =
        scoredTensors(model, rm, *squares, *tokens, tensorWeights);
    report.found = scoreContribution(tensors, topK, report.tensors);
    for (WeightOp weight : tensorWeights)
      report.tensorNames.push_back(weight.getSymName().str());
    for (const Candidate &cand : report.found)
      weights.push_back(tensorWeights[cand.tensor]);
    report.text = textFile;
    report.tokens = tokens->size();
  } else {
    if (mode == SuperWeightsMode::WeightOnly) {
      report.found = scoreWeightOnly(rm.layers, topK);
    } else {
      FailureOr<std::vector<int32_t>> tokens = readTokens(model, false);
      if (failed(tokens))
        return failure();
      if (static_cast<int64_t>(tokens->size()) > rm.config.contextLength)
        tokens->resize(rm.config.contextLength);
      if (tokens->empty())
        return fail("the prompt holds no tokens");
      ::llmq::runtime::ThreadPool pool(workers);
      auto found = scoreActivations(rm, *tokens, topK, pool, report.spikes);
      if (!found)
        return fail(llvm::toString(found.takeError()));
      report.found = std::move(*found);
      report.tokens = tokens->size();
    }
    std::map<int64_t, WeightOp> downs = downWeights(model);
    for (const Candidate &cand : report.found) {
      auto it = downs.find(cand.layer);
      if (it == downs.end())
        return fail("block " + llvm::Twine(cand.layer) +
                    " has no ffn_down weight");
      weights.push_back(it->second);
    }
  }
  record(model, report.found, weights);
  numSuperWeights += report.found.size();
  if (jsonFile.empty())
    return success();

  for (WeightOp weight : weights) {
    report.weights.push_back(weight.getSymName().str());
    SourceAttr source = weight.getSource();
    report.sourceKeys.push_back(source ? source.getKey().str() : "");
  }
  auto file = ::llmq::AtomicOutputFile::create(jsonFile);
  if (!file)
    return fail(llvm::toString(file.takeError()));
  (*file)->os() << llvm::formatv("{0:2}\n", toJSON(report));
  if (llvm::Error err = (*file)->commit())
    return fail(llvm::toString(std::move(err)));
  return success();
}

void SuperWeightsPass::runOnOperation() {
  for (ModelOp model : getOperation().getOps<ModelOp>())
    if (failed(run(model)))
      return signalPassFailure();
}
