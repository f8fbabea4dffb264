//===- BackpropTest.cpp - Gradients of the KL to a reference --------------===//
//
// Backprop (runtime/grad/Backprop.h) on the test checkpoints:
// - its forward is the runtime's: against the model's own distributions
//   (Session's logits) the loss is 0 within f32 rounding;
// - its gradients are the loss's: with every matrix perturbed, the
//   derivative along a random direction of each matrix (and of each norm
//   vector) equals the central finite difference of the loss;
// - the gradients are the same bits at 1 and 2 threads.
// kjv-tiny is llama (rotary pairs split in halves), qwen3-tiny-tied has q/k
// head norms and a tied head, mistral-tiny-spm is another llama layout.
//
//===----------------------------------------------------------------------===//

#include "runtime/grad/Backprop.h"

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
#include <map>
#include <random>

using namespace llmq;
using namespace llmq::runtime;
using namespace llmq::runtime::grad;

namespace {

/// Dense copies of every matrix, optionally perturbed, and the gradients
/// handed back.
class DenseSource : public MatrixSource {
public:
  DenseSource(const Model &model, float noise) : model(model) {
    std::mt19937 rng(7);
    std::normal_distribution<float> gauss(0.0f, 1.0f);
    for (int64_t l = 0; l <= int64_t(model.layers.size()); ++l)
      for (int i = 0; i < kNumLinears; ++i) {
        Linear linear = Linear(i);
        if ((linear == Linear::Head) != (l == int64_t(model.layers.size())))
          continue;
        std::vector<float> w = matrixView(model, l, linear).toFloat();
        double rms = 0;
        for (float v : w)
          rms += double(v) * v;
        rms = std::sqrt(rms / w.size());
        for (float &v : w)
          v += noise * float(rms) * gauss(rng);
        matrices[{l, i}] = std::move(w);
      }
  }
  void dense(int64_t l, Linear linear, float *out) override {
    const auto &w = matrices.at({l, int(linear)});
    std::memcpy(out, w.data(), w.size() * sizeof(float));
  }
  void gradient(int64_t l, Linear linear, const float *g) override {
    const auto &w = matrices.at({l, int(linear)});
    grads[{l, int(linear)}].assign(g, g + w.size());
  }
  void embeddingRow(int32_t token, float *out) override {
    model.embedding.dequantizeRow(token, out);
  }

  const Model &model;
  std::map<std::pair<int64_t, int>, std::vector<float>> matrices, grads;
};

struct Loaded {
  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  std::unique_ptr<Model> model;
};

std::unique_ptr<Loaded> load(const char *name) {
  auto loaded = std::make_unique<Loaded>();
  loaded->context.getOrLoadDialect<mlir::llmq::LlmqDialect>();
  auto module =
      importHF(std::string(LLMQ_TEST_MODELS_DIR "/") + name, loaded->context);
  if (!module) {
    ADD_FAILURE() << llvm::toString(module.takeError());
    return nullptr;
  }
  loaded->module = std::move(*module);
  auto model =
      Model::load(*loaded->module->getOps<mlir::llmq::ModelOp>().begin());
  if (!model) {
    ADD_FAILURE() << llvm::toString(model.takeError());
    return nullptr;
  }
  loaded->model = std::move(*model);
  return loaded;
}

std::vector<int32_t> tokenStream(int64_t vocab, int64_t count) {
  std::mt19937 rng(3);
  std::vector<int32_t> tokens(count);
  for (int32_t &t : tokens)
    t = int32_t(rng() % vocab);
  return tokens;
}

/// The model's own log-probabilities of positions first.. of `tokens`.
std::vector<float> referenceLogProbs(const Model &model,
                                     llvm::ArrayRef<int32_t> tokens,
                                     int64_t first) {
  ThreadPool pool(1);
  Session session(model, pool, tokens.size());
  std::vector<float> logits;
  EXPECT_FALSE(bool(session.forwardLogitsFrom(tokens, logits, first)));
  int64_t vocab = model.vocabSize();
  for (size_t t = 0; t * vocab < logits.size(); ++t) {
    float *z = logits.data() + t * vocab;
    double top = *std::max_element(z, z + vocab), sum = 0;
    for (int64_t v = 0; v < vocab; ++v)
      sum += std::exp(double(z[v]) - top);
    for (int64_t v = 0; v < vocab; ++v)
      z[v] = float(z[v] - top - std::log(sum));
  }
  return logits;
}

class BackpropTest : public ::testing::TestWithParam<const char *> {};

TEST_P(BackpropTest, ForwardIsTheRuntimes) {
  auto loaded = load(GetParam());
  ASSERT_TRUE(loaded);
  const Model &model = *loaded->model;
  ASSERT_EQ(unsupportedReason(model), "");
  std::vector<int32_t> tokens = tokenStream(model.vocabSize(), 24);
  std::vector<float> ref = referenceLogProbs(model, tokens, 4);
  DenseSource source(model, 0.0f);
  Backprop backprop(model);
  NormWeights grads = backprop.zeroGradients();
  ThreadPool pool(2);
  auto loss = backprop.window(tokens, 4, ref.data(), source, grads, pool);
  ASSERT_TRUE(bool(loss)) << llvm::toString(loss.takeError());
  EXPECT_LT(std::fabs(*loss), 1e-5);
}

/// The loss at `source`'s matrices with matrix `key` moved by t * dir (or
/// the norm vector `norm` when key.first < 0).
double lossAt(Backprop &backprop, DenseSource &source,
              llvm::ArrayRef<int32_t> tokens, int64_t first,
              const std::vector<float> *ref, std::vector<float> &target,
              const std::vector<float> &dir, double t, ThreadPool &pool) {
  std::vector<float> saved = target;
  for (size_t i = 0; i < target.size(); ++i)
    target[i] += float(t) * dir[i];
  NormWeights scratch = backprop.zeroGradients();
  auto loss =
      ref ? backprop.window(tokens, first, ref->data(), source, scratch, pool)
          : backprop.windowNextToken(tokens, first, source, scratch, pool);
  target = saved;
  EXPECT_TRUE(bool(loss));
  return loss ? *loss : 0;
}

double dot(const std::vector<float> &a, const std::vector<float> &b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i)
    s += double(a[i]) * b[i];
  return s;
}

void checkGradients(const char *name, bool nextToken);

/// Both losses: the KL to the model's own distributions (of the perturbed
/// model), and the next token's cross-entropy (of the model itself).
TEST_P(BackpropTest, GradientsMatchFiniteDifferences) {
  for (bool nextToken : {false, true})
    checkGradients(GetParam(), nextToken);
}

void checkGradients(const char *name, bool nextToken) {
  SCOPED_TRACE(nextToken ? "next-token cross-entropy" : "KL");
  auto loaded = load(name);
  ASSERT_TRUE(loaded);
  const Model &model = *loaded->model;
  std::vector<int32_t> tokens = tokenStream(model.vocabSize(), 20);
  int64_t first = 6;
  std::vector<float> refValues = referenceLogProbs(model, tokens, first);
  const std::vector<float> *ref = nextToken ? nullptr : &refValues;
  DenseSource source(model, nextToken ? 0.0f : 0.3f);
  Backprop backprop(model);
  NormWeights grads = backprop.zeroGradients();
  ThreadPool pool(2);
  auto loss =
      ref ? backprop.window(tokens, first, ref->data(), source, grads, pool)
          : backprop.windowNextToken(tokens, first, source, grads, pool);
  ASSERT_TRUE(bool(loss));
  EXPECT_GT(*loss, 1e-3); // the perturbation moves the distributions

  std::mt19937 rng(11);
  std::normal_distribution<float> gauss(0.0f, 1.0f);
  auto check = [&](std::vector<float> &target, const std::vector<float> &g,
                   const std::string &what) {
    std::vector<float> dir(target.size());
    for (float &d : dir)
      d = gauss(rng);
    double analytic = dot(g, dir);
    double norm = std::sqrt(dot(dir, dir)), scale = 1e-2 / norm;
    double plus =
        lossAt(backprop, source, tokens, first, ref, target, dir, scale, pool);
    double minus =
        lossAt(backprop, source, tokens, first, ref, target, dir, -scale, pool);
    double numeric = (plus - minus) / (2 * scale);
    EXPECT_NEAR(analytic, numeric,
                2e-2 * std::fabs(numeric) + 1e-4 * std::sqrt(dot(g, g)) * norm)
        << what;
  };
  for (auto &[key, w] : source.matrices)
    check(w, source.grads.at(key),
          "block " + std::to_string(key.first) + " linear " +
              std::to_string(key.second));
  for (size_t l = 0; l < model.layers.size(); ++l) {
    check(backprop.norms.attn[l], grads.attn[l],
          "attn norm " + std::to_string(l));
    check(backprop.norms.ffn[l], grads.ffn[l], "ffn norm " + std::to_string(l));
  }
  check(backprop.norms.final, grads.final, "final norm");
}

TEST_P(BackpropTest, SameBitsAtAnyThreadCount) {
  auto loaded = load(GetParam());
  ASSERT_TRUE(loaded);
  const Model &model = *loaded->model;
  std::vector<int32_t> tokens = tokenStream(model.vocabSize(), 32);
  std::vector<float> ref = referenceLogProbs(model, tokens, 8);
  std::vector<DenseSource> sources;
  std::vector<NormWeights> grads;
  for (unsigned threads : {1u, 2u}) {
    DenseSource source(model, 0.2f);
    Backprop backprop(model);
    NormWeights g = backprop.zeroGradients();
    ThreadPool pool(threads);
    ASSERT_TRUE(bool(backprop.window(tokens, 8, ref.data(), source, g, pool)));
    sources.push_back(std::move(source));
    grads.push_back(std::move(g));
  }
  EXPECT_EQ(sources[0].grads, sources[1].grads);
  EXPECT_EQ(grads[0].attn, grads[1].attn);
  EXPECT_EQ(grads[0].ffn, grads[1].ffn);
  EXPECT_EQ(grads[0].final, grads[1].final);
}

INSTANTIATE_TEST_SUITE_P(Models, BackpropTest,
                         ::testing::Values("kjv-tiny", "qwen3-tiny-tied",
                                           "mistral-tiny-spm"));

TEST(Backprop, RefusesPostNorms) {
  auto loaded = load("exaone4-tiny-global");
  ASSERT_TRUE(loaded);
  EXPECT_NE(unsupportedReason(*loaded->model).find("post-norms"),
            std::string::npos);
}

} // namespace
