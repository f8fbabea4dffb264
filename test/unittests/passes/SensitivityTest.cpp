//===- SensitivityTest.cpp - The KLD probes of --llmq-assign-bits ---------===//
//
// SensitivityProbes on kjv-tiny (imported from test/models): a weight
// quantized coarser costs more KLD than finer, its unchanged rows (in f32)
// next to none; a probe of block b's weight runs blocks b.. and the head only, and
// the counters say so; the same numbers at 1 and 3 threads; bad options
// and inputs are one-line errors naming the value.
//
//===----------------------------------------------------------------------===//

#include "passes/assign/Sensitivity.h"

#include "KjvTiny.h"
#include "passes/assign/ErrorMeasure.h"
#include "runtime/exec/ThreadPool.h"

#include <gtest/gtest.h>

using namespace mlir::llmq;
using ::llmq::Format;
using ::llmq::runtime::ThreadPool;

namespace {

const char *kText = LLMQ_TEST_MODELS_DIR "/README.md";

struct KjvTinyProbes : public ::llmq::testing::KjvTinyTest {
  /// `symbol`'s rows in `format`, as the probes take them.
  std::vector<uint8_t> packed(llvm::StringRef symbol, Format format,
                              ThreadPool &pool) {
    assign::WeightRows weight;
    weight.view = *bound->matrixViews(symbol).front();
    double error = 0;
    return assign::quantizeRows(weight, format, pool, error);
  }

  std::unique_ptr<assign::SensitivityProbes>
  probes(ThreadPool &pool, int64_t tokens = 256, int64_t ctx = 64) {
    auto created = assign::SensitivityProbes::create(model, kText, tokens,
                                                     ctx, pool);
    EXPECT_TRUE(static_cast<bool>(created))
        << llvm::toString(created.takeError());
    return created ? std::move(*created) : nullptr;
  }

};

double value(llvm::Expected<double> v) {
  if (!v) {
    ADD_FAILURE() << llvm::toString(v.takeError());
    return -1;
  }
  return *v;
}

TEST_F(KjvTinyProbes, CoarserCostsMore) {
  ThreadPool pool(2);
  auto p = probes(pool);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->positions(), 256);
  double same = value(p->kld("blk.1.attn_q", Format::F32,
                             packed("blk.1.attn_q", Format::F32, pool)));
  double q8 = value(p->kld("blk.1.attn_q", Format::Q8_0,
                           packed("blk.1.attn_q", Format::Q8_0, pool)));
  double q4 = value(p->kld("blk.1.attn_q", Format::Q4_0,
                           packed("blk.1.attn_q", Format::Q4_0, pool)));
  // The same values in f32 differ from the bf16 source only in the
  // kernels' rounding.
  EXPECT_GE(same, 0.0);
  EXPECT_LT(same, 1e-6);
  EXPECT_GT(q8, 10 * same) << q8;
  EXPECT_GT(q4, 4 * q8) << q4;
}

TEST_F(KjvTinyProbes, ProbesRunFromTheWeightsBlock) {
  ThreadPool pool(1);
  auto p = probes(pool);
  ASSERT_TRUE(p);
  int64_t blocks = 4, positions = p->positions();
  value(p->kld("blk.1.ffn_down", Format::Q8_0,
               packed("blk.1.ffn_down", Format::Q8_0, pool)));
  EXPECT_EQ(p->numProbes(), 1u);
  EXPECT_EQ(p->blockTokens(), uint64_t(blocks - 1) * positions);
  // The head alone runs no block; the embedding feeds block 0.
  value(p->kld("output", Format::Q8_0, packed("output", Format::Q8_0, pool)));
  EXPECT_EQ(p->blockTokens(), uint64_t(blocks - 1) * positions);
  value(p->kld("token_embd", Format::Q8_0,
               packed("token_embd", Format::Q8_0, pool)));
  EXPECT_EQ(p->numProbes(), 3u);
  EXPECT_EQ(p->blockTokens(), uint64_t(2 * blocks - 1) * positions);
  EXPECT_EQ(p->fullForwardBlockTokens(), uint64_t(3 * blocks) * positions);
  EXPECT_GT(p->keptBytes(), 0u);
}

TEST_F(KjvTinyProbes, SameAtAnyThreadCount) {
  ThreadPool one(1), three(3);
  auto a = probes(one), b = probes(three);
  ASSERT_TRUE(a && b);
  for (const char *symbol : {"blk.0.attn_v", "blk.3.ffn_up", "output"})
    EXPECT_EQ(value(a->kld(symbol, Format::Q4_0,
                           packed(symbol, Format::Q4_0, one))),
              value(b->kld(symbol, Format::Q4_0,
                           packed(symbol, Format::Q4_0, three))))
        << symbol;
}

TEST_F(KjvTinyProbes, ErrorsAreOneLine) {
  ThreadPool pool(1);
  auto message = [&](int64_t tokens, int64_t ctx, const char *text) {
    auto created =
        assign::SensitivityProbes::create(model, text, tokens, ctx, pool);
    EXPECT_FALSE(static_cast<bool>(created));
    return created ? std::string() : llvm::toString(created.takeError());
  };
  EXPECT_EQ(message(256, 0, kText), "ctx=0 is outside [1, 512]");
  EXPECT_EQ(message(256, 513, kText), "ctx=513 is outside [1, 512]");
  std::string few = message(10, 64, kText);
  EXPECT_NE(few.find("README.md' holds "), std::string::npos) << few;
  EXPECT_NE(few.find(" tokens, fewer than one window of ctx=64"),
            std::string::npos)
      << few;
  EXPECT_EQ(few.find('\n'), std::string::npos);
  std::string missing = message(256, 64, LLMQ_TEST_MODELS_DIR "/missing.txt");
  EXPECT_NE(missing.find("missing.txt"), std::string::npos) << missing;

  auto p = probes(pool);
  ASSERT_TRUE(p);
  auto notMatrix = p->kld("blk.0.attn_norm", Format::F32, {});
  ASSERT_FALSE(static_cast<bool>(notMatrix));
  EXPECT_EQ(llvm::toString(notMatrix.takeError()),
            "weight 'blk.0.attn_norm' is no matrix the runtime multiplies by");
  auto wrongSize = p->kld("blk.0.attn_q", Format::Q8_0,
                          std::vector<uint8_t>(10));
  ASSERT_FALSE(static_cast<bool>(wrongSize));
  EXPECT_EQ(llvm::toString(wrongSize.takeError()),
            "weight 'blk.0.attn_q' quantized to q8_0 holds 10 bytes, not " +
                std::to_string(128 * ::llmq::rowBytes(Format::Q8_0, 128)));
}

} // namespace
