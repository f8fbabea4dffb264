//===- BlockInfluence.cpp - How much each block changes the hidden state --===//
//
// ShortGPT's block influence: a block whose output is nearly parallel to its
// input changes little and is the cheapest to drop. Runs the reference
// runtime over calibration text and records, per block, 1 - mean cos and the
// mean angular distance.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "passes/JsonOutput.h"

#include "dialects/Llmq/LlmqOps.h"
#include "dialects/Llmq/Threading.h"
#include "formats/files/AtomicOutputFile.h"
#include "runtime/eval/Corpus.h"
#include "runtime/exec/Model.h"
#include "runtime/exec/Session.h"
#include "runtime/exec/ThreadPool.h"

#include "mlir/IR/Builders.h"
#include "llvm/Support/JSON.h"

#include <cmath>
#include <thread>

#define DEBUG_TYPE "llmq-block-influence"

namespace mlir::llmq {
#define GEN_PASS_DEF_BLOCKINFLUENCE
#include "passes/Passes.h.inc"
} // namespace mlir::llmq

using namespace mlir;
using namespace mlir::llmq;

namespace {
struct BlockInfluencePass
    : public mlir::llmq::impl::BlockInfluenceBase<BlockInfluencePass> {
  using BlockInfluenceBase::BlockInfluenceBase;
  void runOnOperation() override;

private:
  LogicalResult measure(ModelOp model, llvm::json::Array &models);
};
} // namespace

LogicalResult BlockInfluencePass::measure(ModelOp model,
                                          llvm::json::Array &models) {
  auto fail = [&](const llvm::Twine &message) {
    model.emitError("llmq-block-influence: ") << message;
    return failure();
  };
  if (textFile.empty())
    return fail("needs text=FILE (calibration text)");
  if (numTokens < 1)
    return fail("tokens=" + llvm::Twine(numTokens.getValue()) +
                " must be >= 1");
  if (contextSize < 2 || contextSize > static_cast<int64_t>(model.getContextLength()))
    return fail("ctx=" + llvm::Twine(contextSize.getValue()) +
                " is outside [2, " + llvm::Twine(model.getContextLength()) + "]");
  TokenizerAttr tokenizerAttr = model.getTokenizerAttr();
  if (!tokenizerAttr)
    return fail("model '" + model.getSymName() + "' has no tokenizer");
  auto tokenizer = ::llmq::runtime::openTokenizer(tokenizerAttr.getFile());
  if (!tokenizer)
    return fail(llvm::toString(tokenizer.takeError()));
  auto stream = ::llmq::runtime::encodeFile(**tokenizer, tokenizerAttr.getBos(),
                                            textFile);
  if (!stream)
    return fail(llvm::toString(stream.takeError()));
  if (static_cast<int64_t>(stream->size()) > numTokens)
    stream->resize(numTokens);
  auto runtimeModel = ::llmq::runtime::Model::load(model);
  if (!runtimeModel)
    return fail(llvm::toString(runtimeModel.takeError()));

  int64_t layers = model.getNumLayers(), hidden = model.getHiddenSize();
  std::vector<double> cosSum(layers, 0), angleSum(layers, 0);
  int64_t positions = 0;
  unsigned workers = getWorkerThreads(model, threads, "llmq-block-influence");
  ::llmq::runtime::ThreadPool pool(workers);
  ::llmq::runtime::Session session(**runtimeModel, pool, contextSize);
  // Each token's cosine is computed on its own (the pool splits the
  // tokens), then added in token order: the same sums at any thread count.
  std::vector<double> cosines;
  session.setBlockObserver([&](int64_t block, const float *in, const float *out,
                               int64_t n) {
    cosines.resize(n);
    pool.parallelFor(n, [&](int64_t begin, int64_t end) {
      for (int64_t t = begin; t < end; ++t) {
        const float *a = in + t * hidden, *b = out + t * hidden;
        double dot = 0, na = 0, nb = 0;
        for (int64_t i = 0; i < hidden; ++i) {
          dot += static_cast<double>(a[i]) * b[i];
          na += static_cast<double>(a[i]) * a[i];
          nb += static_cast<double>(b[i]) * b[i];
        }
        double cosine = dot / std::sqrt(na * nb);
        cosines[t] = std::max(-1.0, std::min(1.0, cosine));
      }
    });
    for (int64_t t = 0; t < n; ++t) {
      cosSum[block] += cosines[t];
      angleSum[block] += std::acos(cosines[t]) / M_PI;
    }
  });
  std::vector<float> logits;
  for (size_t start = 0; start < stream->size(); start += contextSize) {
    size_t length = std::min<size_t>(contextSize, stream->size() - start);
    session.reset();
    if (llvm::Error err = session.forward(
            llvm::ArrayRef<int32_t>(*stream).slice(start, length), logits,
            /*allLogits=*/false))
      return fail(llvm::toString(std::move(err)));
    positions += length;
  }
  if (positions == 0)
    return fail("'" + textFile + "' holds no tokens");

  Builder builder(model.getContext());
  auto *dialect = model.getContext()->getLoadedDialect<LlmqDialect>();
  llvm::json::Array report;
  for (BlockOp block : model.getBody().getOps<BlockOp>()) {
    int64_t index = block.getIndex();
    double influence = 1.0 - cosSum[index] / positions;
    double angular = angleSum[index] / positions;
    dialect->getInfluenceAttrHelper().setAttr(
        block, builder.getF64FloatAttr(influence));
    dialect->getAngularDistanceAttrHelper().setAttr(
        block, builder.getF64FloatAttr(angular));
    report.push_back(llvm::json::Object{{"block", index},
                                        {"influence", influence},
                                        {"angular_distance", angular}});
    ++numBlocks;
  }
  models.push_back(llvm::json::Object{{"model", model.getSymName()},
                                      {"calibration_tokens", positions},
                                      {"blocks", std::move(report)}});
  return success();
}

void BlockInfluencePass::runOnOperation() {
  llvm::json::Array models;
  for (ModelOp model : getOperation().getOps<ModelOp>())
    if (failed(measure(model, models)))
      return signalPassFailure();
  if (jsonFile.empty())
    return;
  // One file for all models (a "models" list when there are several, as
  // --llmq-weight-stats writes), not one model's numbers over another's.
  llvm::Error err = ::llmq::writeModelsJson(jsonFile, std::move(models));
  if (err) {
    getOperation().emitError("llmq-block-influence: ")
        << llvm::toString(std::move(err));
    signalPassFailure();
  }
}
