//===- OptimizerTest.cpp - target-bpw's error measurement and choice ------===//
//
// The error of a weight per format against a direct computation, the same
// at any thread count, with importance and row scales; the candidates (K
// types with llama.cpp's fallbacks, the head held at q6_K or better without
// probes, overrides fixed); sensitivity scaling the costs through a probe;
// and the choice under a budget (its errors name the shortfall).
//
//===----------------------------------------------------------------------===//

#include "passes/assign/Optimizer.h"

#include "runtime/exec/ThreadPool.h"

#include <gtest/gtest.h>

#include <random>

using namespace mlir::llmq;
using namespace mlir::llmq::assign;
using ::llmq::Format;
using ::llmq::TensorFormat;
using ::llmq::runtime::ThreadPool;

namespace {

/// An f32 matrix of `rows` x `cols` random values, and rows over it.
struct Matrix {
  Matrix(int64_t rows, int64_t cols, unsigned seed) : data(rows * cols) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 0.02f);
    for (float &v : data)
      v = normal(rng);
    weight.view.data = reinterpret_cast<const uint8_t *>(data.data());
    weight.view.format = Format::F32;
    weight.view.rows = rows;
    weight.view.cols = cols;
  }
  std::vector<float> data;
  WeightRows weight;
};

/// sum_r sum_c imp[c] (x - q(x))^2 in row order, one thread, row scale
/// applied.
double direct(const Matrix &m, Format format) {
  const ::llmq::FormatTraits &t = ::llmq::getFormatTraits(format);
  int64_t rows = m.weight.view.rows, cols = m.weight.view.cols;
  const float *imp =
      m.weight.importance.empty() ? nullptr : m.weight.importance.data();
  std::vector<uint8_t> packed(::llmq::rowBytes(format, cols));
  std::vector<float> x(cols), y(cols);
  double total = 0;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c)
      x[c] = m.data[r * cols + c] *
             (m.weight.scaled.contains(r) ? m.weight.rowScale : 1.0f);
    t.quantizeRow(x.data(), packed.data(), cols, imp);
    t.dequantizeRow(packed.data(), y.data(), cols);
    double e = 0;
    for (int64_t c = 0; c < cols; ++c) {
      double d = static_cast<double>(x[c]) - y[c];
      e += (imp ? imp[c] : 1.0) * d * d;
    }
    total += e;
  }
  return total;
}

TEST(ErrorMeasure, EqualsDirectComputationAtAnyThreadCount) {
  Matrix m(37, 256, 1);
  std::vector<Format> formats = {Format::Q2_K, Format::Q4_K, Format::Q8_0};
  ThreadPool one(1), three(3);
  std::vector<double> a = measureErrors(m.weight, formats, one);
  std::vector<double> b = measureErrors(m.weight, formats, three);
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a, b);
  for (size_t i = 0; i < formats.size(); ++i)
    EXPECT_EQ(a[i], direct(m, formats[i]));
  // More bits, less error.
  EXPECT_GT(a[0], a[1]);
  EXPECT_GT(a[1], a[2]);
  EXPECT_GT(a[2], 0.0);
}

TEST(ErrorMeasure, ImportanceAndRowScale) {
  Matrix m(8, 64, 2);
  m.weight.importance.assign(64, 0.0f);
  ThreadPool pool(2);
  // Zero importance everywhere: nothing counts.
  EXPECT_EQ(measureErrors(m.weight, {Format::Q4_0}, pool)[0], 0.0);
  for (int c = 0; c < 64; ++c)
    m.weight.importance[c] = 1.0f + c;
  m.weight.scaled = {1, 5};
  m.weight.rowScale = 3.0f;
  double measured = measureErrors(m.weight, {Format::Q4_0}, pool)[0];
  EXPECT_EQ(measured, direct(m, Format::Q4_0));
  // quantizeRows leaves the row scale to the runtime.
  Matrix plain(8, 64, 2);
  plain.weight.importance = m.weight.importance;
  double error = -1;
  std::vector<uint8_t> packed =
      quantizeRows(m.weight, Format::Q4_0, pool, error);
  EXPECT_EQ(error, direct(plain, Format::Q4_0));
  EXPECT_EQ(packed.size(), 8 * ::llmq::rowBytes(Format::Q4_0, 64));
}

/// A 2-layer model's tensors: hidden 256, ffn 384, untied head.
std::vector<Tensor> tensors() {
  std::vector<Tensor> list;
  auto add = [&](std::string symbol, std::vector<int64_t> shape) {
    list.push_back({symbol, llamacpp::ggufName(symbol),
                    {shape.begin(), shape.end()},
                    TensorFormat::ggmlFormat(Format::BF16)});
  };
  add("token_embd", {64, 256});
  for (int l = 0; l < 2; ++l) {
    std::string b = "blk." + std::to_string(l) + ".";
    add(b + "attn_norm", {256});
    add(b + "attn_q", {256, 256});
    add(b + "ffn_down", {256, 384});
  }
  add("output", {64, 256});
  return list;
}

TEST(Optimizer, Candidates) {
  EXPECT_EQ(candidateFormats(256),
            (std::vector<Format>{Format::Q2_K, Format::Q3_K, Format::Q4_K,
                                 Format::Q5_K, Format::Q6_K, Format::Q8_0}));
  // Rows of 384: llama.cpp's fallbacks, each once.
  EXPECT_EQ(candidateFormats(384),
            (std::vector<Format>{Format::Q4_0, Format::Q5_0, Format::Q5_1,
                                 Format::Q8_0}));

  std::vector<Tensor> list = tensors();
  auto overrides = Overrides::parse({"blk\\.1\\.ffn_down=q4_0"});
  ASSERT_TRUE(static_cast<bool>(overrides));
  PlanCounts counts;
  auto problem = makeProblem(list, *overrides, /*probing=*/false, counts);
  ASSERT_TRUE(static_cast<bool>(problem))
      << llvm::toString(problem.takeError());
  EXPECT_EQ(problem->elements, 2u * 64 * 256 + 2 * (256 + 65536 + 98304));
  std::vector<Item> &items = problem->items;
  ASSERT_EQ(items.size(), list.size());
  // The norm: f32, fixed, not measured.
  EXPECT_FALSE(items[1].quantizable);
  EXPECT_FALSE(items[1].measured);
  ASSERT_EQ(items[1].candidates.size(), 1u);
  EXPECT_EQ(items[1].candidates[0].format,
            TensorFormat::ggmlFormat(Format::F32));
  EXPECT_EQ(items[1].candidates[0].bytes, 256u * 4);
  // A matrix: every candidate with its bytes.
  EXPECT_TRUE(items[2].quantizable);
  EXPECT_EQ(items[2].candidates.size(), 6u);
  EXPECT_EQ(items[2].candidates[0].bytes, 256u * 84); // q2_K: 84 per 256
  // The head without probes: q6_K and q8_0 only.
  ASSERT_EQ(items.back().candidates.size(), 2u);
  EXPECT_EQ(items.back().candidates[0].format,
            TensorFormat::ggmlFormat(Format::Q6_K));
  // The override: fixed, measured (a ggml type), counted.
  Item &fixed = items[6];
  EXPECT_EQ(fixed.symbol, "blk.1.ffn_down");
  EXPECT_TRUE(fixed.fixed);
  EXPECT_FALSE(fixed.quantizable);
  EXPECT_TRUE(fixed.measured);
  EXPECT_EQ(counts.overridden, 1u);
  // With probes the head may go lower.
  PlanCounts again;
  auto probed = makeProblem(list, *overrides, /*probing=*/true, again);
  ASSERT_TRUE(static_cast<bool>(probed));
  EXPECT_EQ(probed->items.back().candidates.size(), 6u);
}

TEST(Optimizer, SensitivityScalesTheCosts) {
  Matrix m(16, 256, 3);
  Item item;
  item.symbol = "blk.0.attn_q";
  item.quantizable = true;
  item.measured = true;
  for (Format f : candidateFormats(256))
    item.candidates.push_back({TensorFormat::ggmlFormat(f), 0, 0, 0});
  item.source = m.weight;
  ThreadPool pool(2);
  measure(item, pool);
  for (const Candidate &c : item.candidates)
    EXPECT_EQ(c.cost, c.error);
  std::vector<Item> items = {item};
  int calls = 0;
  auto probe = [&](const Item &probed, Format format,
                   llvm::ArrayRef<uint8_t> packed) -> llvm::Expected<double> {
    ++calls;
    EXPECT_EQ(probed.symbol, "blk.0.attn_q");
    EXPECT_EQ(format, Format::Q2_K); // the smallest candidate
    EXPECT_EQ(packed.size(), 16 * ::llmq::rowBytes(Format::Q2_K, 256));
    return 0.5;
  };
  ASSERT_FALSE(static_cast<bool>(weighBySensitivity(items, probe, pool)));
  EXPECT_EQ(calls, 1);
  double sensitivity = 0.5 / items[0].candidates[0].error;
  EXPECT_EQ(items[0].sensitivity, sensitivity);
  for (const Candidate &c : items[0].candidates)
    EXPECT_EQ(c.cost, c.error * sensitivity);
  // A probe's error is handed back.
  auto failing = [](const Item &, Format, llvm::ArrayRef<uint8_t>)
      -> llvm::Expected<double> {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "no text");
  };
  EXPECT_EQ(llvm::toString(weighBySensitivity(items, failing, pool)),
            "no text");
}

TEST(Optimizer, ChoiceUnderABudget) {
  std::vector<Item> items(3);
  items[0].candidates = {{TensorFormat::ggmlFormat(Format::F32), 100, 0, 0}};
  for (int i = 1; i < 3; ++i) {
    items[i].quantizable = true;
    items[i].candidates = {
        {TensorFormat::ggmlFormat(Format::Q2_K), 100, 8.0, 8.0},
        {TensorFormat::ggmlFormat(Format::Q4_K), 200, 2.0, 2.0 * i},
        {TensorFormat::ggmlFormat(Format::Q8_0), 400, 0.5, 0.5}};
  }
  auto chosen = chooseFormats(items, 500);
  ASSERT_TRUE(static_cast<bool>(chosen)) << llvm::toString(chosen.takeError());
  // 400 bytes for the two: q4_K for both (cost 2 + 4) beats q2_K + q8_0
  // (8.5).
  EXPECT_EQ(items[1].chosen, 1u);
  EXPECT_EQ(items[2].chosen, 1u);
  EXPECT_EQ(chosen->budget, 500u);
  EXPECT_EQ(chosen->bytes, 500u);
  EXPECT_EQ(chosen->error, 4.0);
  EXPECT_EQ(chosen->cost, 6.0);
  // 700: the one whose q4_K costs more goes to q8_0.
  ASSERT_TRUE(static_cast<bool>(chooseFormats(items, 700)));
  EXPECT_EQ(items[1].chosen, 1u);
  EXPECT_EQ(items[2].chosen, 2u);
  auto small = chooseFormats(items, 299);
  ASSERT_FALSE(static_cast<bool>(small));
  EXPECT_EQ(llvm::toString(small.takeError()),
            "budget of 299 bytes is below the smallest assignment, 300 bytes");
  EXPECT_EQ(budgetBytes(4.5, 0, 1000), 562u);
  EXPECT_EQ(budgetBytes(4.5, 77, 1000), 77u);
}

} // namespace
