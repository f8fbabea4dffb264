//===- HeadRowsTest.cpp - The LM head only for the positions that need it -===//
//
// Session::forwardLogitsFrom(tokens, logits, k) computes the last block's
// attention, output projection and FFN, the final norm and the head only
// for tokens k.. (the earlier ones only need their keys and values there):
// its logits are rows k.. of forward()'s with every logit, bit for bit, for
// every k from 0 to the token count, at 1 and 2 threads. perplexity(..., scoreFrom) (quant-run ppl --score-from) scores
// positions scoreFrom.. of each window: its sum of negative log-likelihoods
// is the one computed from the full logits over those positions, 0 is the
// default, and a first position outside [0, ctx) is an error.
//
//===----------------------------------------------------------------------===//

#include "runtime/eval/Evaluate.h"
#include "runtime/exec/Model.h"
#include "runtime/exec/Session.h"
#include "runtime/exec/ThreadPool.h"

#include "dialects/Llmq/LlmqOps.h"
#include "frontends/HF/ImportHF.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

using namespace llmq;
using namespace llmq::runtime;

namespace {

std::vector<int32_t> tokenStream(int64_t vocab, int64_t count) {
  std::mt19937 rng(20);
  std::vector<int32_t> tokens(count);
  for (int32_t &t : tokens)
    t = static_cast<int32_t>(rng() % vocab);
  return tokens;
}

TEST(HeadRows, LogitsFromAPositionEqualTheFullForward) {
  mlir::MLIRContext context;
  context.getOrLoadDialect<mlir::llmq::LlmqDialect>();
  auto module = importHF(LLMQ_TEST_MODELS_DIR "/kjv-tiny", context);
  ASSERT_TRUE(static_cast<bool>(module)) << llvm::toString(module.takeError());
  auto op = *(*module)->getOps<mlir::llmq::ModelOp>().begin();
  auto loaded = Model::load(op);
  ASSERT_TRUE(static_cast<bool>(loaded)) << llvm::toString(loaded.takeError());
  const Model &model = **loaded;
  int64_t vocab = model.vocabSize(), n = 40;
  std::vector<int32_t> tokens = tokenStream(vocab, n);
  for (unsigned threads : {1u, 2u}) {
    ThreadPool pool(threads);
    Session session(model, pool, n);
    std::vector<float> full, part;
    ASSERT_FALSE(static_cast<bool>(session.forward(tokens, full, true)));
    ASSERT_EQ(full.size(), static_cast<size_t>(n * vocab));
    for (int64_t k : {int64_t(0), int64_t(1), int64_t(21), n - 1, n}) {
      session.reset();
      ASSERT_FALSE(
          static_cast<bool>(session.forwardLogitsFrom(tokens, part, k)));
      ASSERT_EQ(part.size(), static_cast<size_t>((n - k) * vocab));
      EXPECT_EQ(std::memcmp(part.data(), full.data() + k * vocab,
                            part.size() * sizeof(float)),
                0)
          << "first logit " << k << ", " << threads << " threads";
      EXPECT_EQ(session.size(), n);
    }
    session.reset();
    for (int64_t k : {int64_t(-1), n + 1}) {
      llvm::Error err = session.forwardLogitsFrom(tokens, part, k);
      EXPECT_TRUE(static_cast<bool>(err)) << k;
      llvm::consumeError(std::move(err));
    }
  }

  // Perplexity over positions scoreFrom.. of each window.
  const int64_t ctx = 16;
  std::vector<int32_t> stream = tokenStream(vocab, 3 * ctx + 4);
  ThreadPool one(1), two(2);
  auto all = perplexity(model, two, stream, ctx);
  auto zero = perplexity(model, two, stream, ctx, 0);
  ASSERT_TRUE(all && zero);
  EXPECT_EQ(all->nllSum, zero->nllSum);
  EXPECT_EQ(all->scored, 3 * ctx);
  for (int64_t from : {int64_t(1), ctx / 2, ctx - 1}) {
    auto a = perplexity(model, one, stream, ctx, from);
    auto b = perplexity(model, two, stream, ctx, from);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->nllSum, b->nllSum) << from;
    EXPECT_EQ(a->scored, 3 * (ctx - from));
    EXPECT_EQ(a->windows, 3);
    // The same positions from full forwards.
    double want = 0;
    Session session(model, two, ctx);
    for (int64_t w = 0; w < 3; ++w) {
      session.reset();
      std::vector<float> logits;
      ASSERT_FALSE(static_cast<bool>(session.forward(
          llvm::ArrayRef<int32_t>(stream).slice(w * ctx, ctx), logits, true)));
      for (int64_t t = from; t < ctx; ++t) {
        const float *row = logits.data() + t * vocab;
        double top = row[0];
        for (int64_t i = 1; i < vocab; ++i)
          top = std::max<double>(top, row[i]);
        double sum = 0;
        for (int64_t i = 0; i < vocab; ++i)
          sum += std::exp(row[i] - top);
        want -= row[stream[w * ctx + t + 1]] - (top + std::log(sum));
      }
    }
    EXPECT_NEAR(a->nllSum, want, 1e-9 * std::fabs(want)) << from;
  }
  for (int64_t from : {int64_t(-1), ctx}) {
    auto bad = perplexity(model, two, stream, ctx, from);
    EXPECT_FALSE(static_cast<bool>(bad)) << from;
    if (!bad)
      llvm::consumeError(bad.takeError());
  }
}

} // namespace
