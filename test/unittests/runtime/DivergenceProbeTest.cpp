//===- DivergenceProbeTest.cpp - Probes restarted from kept block inputs --===//
//
// DivergenceProbe::meanKLDFrom(model, b) runs only blocks b.. and the head
// from the residual stream the base model's pass kept; for a variant that
// differs from the base only there (one weight rebound to a quantized copy,
// as --llmq-assign-bits probes), its mean KLD equals meanKLD()'s full
// forward pass bit for bit, at every block, for the output head alone and
// for tied embeddings, at 1 and 2 threads; and the kept pass's base
// log-probabilities are those of create().
//
//===----------------------------------------------------------------------===//

#include "runtime/eval/Evaluate.h"
#include "runtime/exec/Model.h"
#include "runtime/exec/ThreadPool.h"

#include "dialects/Llmq/LlmqOps.h"
#include "formats/Formats.h"
#include "frontends/HF/ImportHF.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

#include <random>

using namespace llmq;
using namespace llmq::runtime;

namespace {

/// `windows` windows of `ctx` token ids drawn with a fixed seed.
std::vector<int32_t> tokenStream(int64_t vocab, int64_t count) {
  std::mt19937 rng(14);
  std::vector<int32_t> tokens(count);
  for (int32_t &t : tokens)
    t = static_cast<int32_t>(rng() % vocab);
  return tokens;
}

/// `view`'s rows quantized to q8_0, as the runtime reads them.
std::vector<uint8_t> quantized(const WeightView &view) {
  const FormatTraits &t = getFormatTraits(Format::Q8_0);
  size_t bytes = rowBytes(Format::Q8_0, view.cols);
  std::vector<uint8_t> out(bytes * view.rows);
  std::vector<float> row(view.cols);
  for (int64_t r = 0; r < view.rows; ++r) {
    view.dequantizeRow(r, row.data());
    t.quantizeRow(row.data(), out.data() + r * bytes, view.cols, nullptr);
  }
  return out;
}

/// Rebinds `views` to `data` in q8_0 for the life of the object.
struct Rebind {
  Rebind(std::vector<WeightView *> views, const std::vector<uint8_t> &data)
      : views(std::move(views)) {
    for (WeightView *v : this->views) {
      saved.push_back(*v);
      v->data = data.data();
      v->format = Format::Q8_0;
      v->grouped = nullptr;
    }
  }
  ~Rebind() {
    for (size_t i = 0; i < views.size(); ++i)
      *views[i] = saved[i];
  }
  std::vector<WeightView *> views;
  std::vector<WeightView> saved;
};

double value(llvm::Expected<double> v) {
  if (!v) {
    ADD_FAILURE() << llvm::toString(v.takeError());
    return -1;
  }
  return *v;
}

/// `scoreFrom`: the probes score positions [scoreFrom, ctx) of each window.
void checkModel(llvm::StringRef directory, unsigned threads,
                int64_t scoreFrom) {
  mlir::MLIRContext context;
  context.getOrLoadDialect<mlir::llmq::LlmqDialect>();
  auto module = importHF(directory, context);
  ASSERT_TRUE(static_cast<bool>(module)) << llvm::toString(module.takeError());
  auto op = *(*module)->getOps<mlir::llmq::ModelOp>().begin();
  auto loaded = Model::load(op);
  ASSERT_TRUE(static_cast<bool>(loaded)) << llvm::toString(loaded.takeError());
  Model &model = **loaded;
  ThreadPool pool(threads);
  const int64_t ctx = 24;
  std::vector<int32_t> stream = tokenStream(model.vocabSize(), 3 * ctx + 5);
  auto kept = DivergenceProbe::createWithBlockInputs(model, pool, stream, ctx,
                                                     scoreFrom);
  ASSERT_TRUE(static_cast<bool>(kept)) << llvm::toString(kept.takeError());
  auto plain = DivergenceProbe::create(model, pool, stream, ctx, scoreFrom);
  ASSERT_TRUE(static_cast<bool>(plain)) << llvm::toString(plain.takeError());
  EXPECT_EQ(kept->positions(), 3 * ctx);
  EXPECT_EQ(kept->scoredPositions(), 3 * (ctx - scoreFrom));
  // A first scored position outside the window is an error.
  for (int64_t bad : {int64_t(-1), ctx}) {
    auto refused = DivergenceProbe::create(model, pool, stream, ctx, bad);
    ASSERT_FALSE(static_cast<bool>(refused));
    EXPECT_NE(llvm::toString(refused.takeError()).find("outside"),
              std::string::npos);
  }
  int64_t blocks = model.layers.size();
  ASSERT_GT(blocks, 1);
  // The base against itself: the rounding floor of the f32 base
  // log-probabilities, the same from every block.
  double self = value(kept->meanKLD(model));
  EXPECT_GE(self, 0.0);
  EXPECT_LT(self, 1e-6);
  for (int64_t b = 0; b <= blocks; ++b)
    EXPECT_EQ(value(kept->meanKLDFrom(model, b)), self) << "block " << b;

  // One weight of each block, quantized: the restart from that block
  // equals the full pass, and both probes agree on the base.
  WeightView LayerWeights::*members[] = {&LayerWeights::q, &LayerWeights::v,
                                         &LayerWeights::o, &LayerWeights::down};
  for (int64_t b = 0; b < blocks; ++b) {
    WeightView LayerWeights::*member = members[b % 4];
    std::vector<uint8_t> data = quantized(model.layers[b].*member);
    Rebind rebind({&(model.layers[b].*member)}, data);
    double full = value(kept->meanKLD(model));
    EXPECT_GT(full, 10 * self) << "block " << b;
    EXPECT_EQ(value(kept->meanKLDFrom(model, b)), full) << "block " << b;
    EXPECT_EQ(value(plain->meanKLD(model)), full) << "block " << b;
    // Restarting after the changed block reads the base's kept stream:
    // the change is not seen at all.
    EXPECT_EQ(value(kept->meanKLDFrom(model, b + 1)), self) << "block " << b;
  }

  // The head: alone when untied, with the embedding (from block 0) when
  // tied.
  bool tied = model.lmHead.data == model.embedding.data;
  std::vector<uint8_t> data = quantized(model.lmHead);
  std::vector<WeightView *> views = {&model.lmHead};
  if (tied)
    views.push_back(&model.embedding);
  Rebind rebind(views, data);
  double full = value(kept->meanKLD(model));
  EXPECT_GT(full, 10 * self);
  EXPECT_EQ(value(kept->meanKLDFrom(model, tied ? 0 : blocks)), full);
  EXPECT_EQ(value(plain->meanKLD(model)), full);

  // Bad blocks: errors, not reads out of bounds.
  for (int64_t b : {int64_t(-1), blocks + 1}) {
    llvm::Expected<double> bad = kept->meanKLDFrom(model, b);
    ASSERT_FALSE(static_cast<bool>(bad));
    EXPECT_NE(llvm::toString(bad.takeError()).find("outside"),
              std::string::npos);
  }
  // A probe that kept no block inputs cannot restart.
  llvm::Expected<double> none = plain->meanKLDFrom(model, 1);
  ASSERT_FALSE(static_cast<bool>(none));
  llvm::consumeError(none.takeError());
}

TEST(DivergenceProbe, RestartEqualsFullPassUntied) {
  for (int64_t scoreFrom : {0, 12}) {
    checkModel(LLMQ_TEST_MODELS_DIR "/kjv-tiny", 1, scoreFrom);
    checkModel(LLMQ_TEST_MODELS_DIR "/kjv-tiny", 2, scoreFrom);
  }
}

TEST(DivergenceProbe, RestartEqualsFullPassTiedQkNorm) {
  for (int64_t scoreFrom : {0, 12}) {
    checkModel(LLMQ_TEST_MODELS_DIR "/qwen3-tiny-tied", 1, scoreFrom);
    checkModel(LLMQ_TEST_MODELS_DIR "/qwen3-tiny-tied", 2, scoreFrom);
  }
}

/// The numbers themselves do not depend on the threads.
TEST(DivergenceProbe, SameAtOneAndTwoThreads) {
  mlir::MLIRContext context;
  context.getOrLoadDialect<mlir::llmq::LlmqDialect>();
  auto module = importHF(LLMQ_TEST_MODELS_DIR "/kjv-tiny", context);
  ASSERT_TRUE(static_cast<bool>(module)) << llvm::toString(module.takeError());
  auto op = *(*module)->getOps<mlir::llmq::ModelOp>().begin();
  auto loaded = Model::load(op);
  ASSERT_TRUE(static_cast<bool>(loaded)) << llvm::toString(loaded.takeError());
  Model &model = **loaded;
  std::vector<uint8_t> data = quantized(model.layers[1].gate);
  std::vector<double> results;
  for (unsigned threads : {1u, 2u}) {
    ThreadPool pool(threads);
    std::vector<int32_t> stream = tokenStream(model.vocabSize(), 64);
    auto kept = DivergenceProbe::createWithBlockInputs(model, pool, stream, 32);
    ASSERT_TRUE(static_cast<bool>(kept)) << llvm::toString(kept.takeError());
    Rebind rebind({&model.layers[1].gate}, data);
    results.push_back(value(kept->meanKLDFrom(model, 1)));
  }
  EXPECT_GT(results[0], 1e-6);
  EXPECT_EQ(results[0], results[1]);
}

} // namespace
