//===- SuperWeightsTest.cpp - The scorers of --llmq-super-weights ---------===//
//
// Contribution and weight-only scoring against brute force over small
// matrices (the best ratios / magnitudes, the mean, the embedding's per-row
// statistic); on kjv-tiny, the calibration statistics and the activation
// rule are the same at 1 and 3 threads and the activation candidates are
// what their scores say; the JSON report holds each mode's fields.
//
//===----------------------------------------------------------------------===//

#include "passes/superweights/Report.h"
#include "passes/superweights/Scorers.h"

#include "KjvTiny.h"
#include "runtime/exec/ThreadPool.h"

#include "llvm/Support/FormatVariadic.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace mlir::llmq;
using namespace mlir::llmq::superweights;
using ::llmq::Format;
using ::llmq::runtime::LayerWeights;
using ::llmq::runtime::ThreadPool;
using ::llmq::runtime::WeightView;

namespace {

/// An f32 matrix of distinct random values with a few planted outliers.
struct Matrix {
  Matrix(int64_t rows, int64_t cols, unsigned seed) : data(rows * cols) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
    for (float &v : data)
      v = uniform(rng);
    view.data = reinterpret_cast<const uint8_t *>(data.data());
    view.rows = rows;
    view.cols = cols;
  }
  float &at(int64_t r, int64_t c) { return data[r * view.cols + c]; }
  std::vector<float> data;
  WeightView view;
};

TEST(SuperWeights, ContributionEqualsBruteForce) {
  Matrix a(6, 8, 1), b(5, 8, 2), embedding(7, 8, 3);
  a.at(2, 3) = 9.0f;
  b.at(4, 1) = -6.0f;
  embedding.at(5, 0) = 10.0f;
  std::mt19937 rng(4);
  std::uniform_real_distribution<double> positive(0.1, 2.0);
  std::vector<ScoredTensor> tensors = {{&embedding.view, -1, {}},
                                       {&a.view, 0, {}},
                                       {&b.view, 1, {}}};
  for (ScoredTensor &t : tensors) {
    t.meanSquare.resize(t.layer < 0 ? t.view->rows : t.view->cols);
    for (double &m : t.meanSquare)
      m = positive(rng);
  }
  // Brute force: every entry's score and its ratio to its tensor's mean.
  struct Entry {
    size_t tensor;
    int64_t row, col;
    double score, ratio;
  };
  std::vector<Entry> all;
  for (size_t t = 0; t < tensors.size(); ++t) {
    const WeightView &w = *tensors[t].view;
    const float *data = reinterpret_cast<const float *>(w.data);
    std::vector<Entry> entries;
    double total = 0;
    for (int64_t r = 0; r < w.rows; ++r)
      for (int64_t c = 0; c < w.cols; ++c) {
        double m = tensors[t].meanSquare[tensors[t].layer < 0 ? r : c];
        double v = data[r * w.cols + c];
        entries.push_back({t, r, c, v * v * m, 0});
        total += v * v * m;
      }
    for (Entry &e : entries)
      e.ratio = e.score / (total / (w.rows * w.cols));
    // Each tensor's best 2 by score.
    std::sort(entries.begin(), entries.end(),
              [](const Entry &x, const Entry &y) { return x.score > y.score; });
    all.insert(all.end(), entries.begin(), entries.begin() + 2);
  }
  std::stable_sort(all.begin(), all.end(), [](const Entry &x, const Entry &y) {
    return x.ratio > y.ratio;
  });
  std::vector<TensorSummary> summaries;
  std::vector<Candidate> found = scoreContribution(tensors, 2, summaries);
  ASSERT_EQ(found.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(found[i].tensor, all[i].tensor);
    EXPECT_EQ(found[i].row, all[i].row);
    EXPECT_EQ(found[i].col, all[i].col);
    EXPECT_DOUBLE_EQ(found[i].score, all[i].score);
    EXPECT_DOUBLE_EQ(found[i].ratio, all[i].ratio);
  }
  ASSERT_EQ(summaries.size(), 3u);
  EXPECT_EQ(summaries[1].top.row, 2);
  EXPECT_EQ(summaries[1].top.col, 3);
  EXPECT_EQ(summaries[1].top.value, 9.0);
  EXPECT_EQ(summaries[0].top.row, 5); // the embedding's planted row
  // More asked for than there are: every tensor's top-k, by ratio.
  std::vector<TensorSummary> more;
  EXPECT_EQ(scoreContribution(tensors, 1000, more).size(), 6u * 8 + 5 * 8 + 7 * 8);
}

TEST(SuperWeights, WeightOnlyEqualsBruteForce) {
  Matrix d0(8, 16, 5), d1(8, 16, 6);
  d0.at(3, 7) = 5.0f;
  d1.at(6, 2) = -30.0f;
  d1.at(1, 1) = 20.0f;
  std::vector<LayerWeights> layers(2);
  layers[0].down = d0.view;
  layers[1].down = d1.view;
  std::vector<Candidate> found = scoreWeightOnly(layers, 3);
  ASSERT_EQ(found.size(), 3u);
  auto rms = [](const Matrix &m) {
    double s = 0;
    for (float v : m.data)
      s += double(v) * v;
    return std::sqrt(s / m.data.size());
  };
  // By |w| / rms, each against its own tensor's rms (the planted values
  // raise d1's).
  std::vector<std::tuple<int64_t, int64_t, int64_t, double>> expected = {
      {1, 6, 2, 30.0 / rms(d1)}, {1, 1, 1, 20.0 / rms(d1)},
      {0, 3, 7, 5.0 / rms(d0)}};
  std::sort(expected.begin(), expected.end(), [](auto &x, auto &y) {
    return std::get<3>(x) > std::get<3>(y);
  });
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(found[i].layer, std::get<0>(expected[i]));
    EXPECT_EQ(found[i].row, std::get<1>(expected[i]));
    EXPECT_EQ(found[i].col, std::get<2>(expected[i]));
    EXPECT_DOUBLE_EQ(found[i].score, std::get<3>(expected[i]));
    EXPECT_EQ(found[i].value,
              (found[i].layer == 0 ? d0 : d1).at(found[i].row, found[i].col));
  }
}

TEST(SuperWeights, TokenFrequencies) {
  std::vector<double> f = tokenFrequencies({1, 1, 3, 9, -1}, 4);
  EXPECT_EQ(f, (std::vector<double>{0, 0.4, 0, 0.2}));
}

struct KjvTiny : public ::llmq::testing::KjvTinyTest {
  void SetUp() override {
    KjvTinyTest::SetUp();
    if (HasFatalFailure())
      return;
    rm = bound.get();
    std::mt19937 rng(7);
    for (int i = 0; i < 100; ++i)
      tokens.push_back(static_cast<int32_t>(rng() % rm->vocabSize()));
  }
  ::llmq::runtime::Model *rm = nullptr;
  std::vector<int32_t> tokens;
};

TEST_F(KjvTiny, InputMeanSquaresAtAnyThreadCount) {
  ThreadPool one(1), three(3);
  auto a = inputMeanSquares(*rm, tokens, 32, one);
  auto b = inputMeanSquares(*rm, tokens, 32, three);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
  ASSERT_EQ(a->size(), 4u);
  MatmulInput input;
  const WeightView *down = matmulView(rm->layers[2], Role::FfnDown, input);
  EXPECT_EQ(down, &rm->layers[2].down);
  EXPECT_EQ(input, MatmulInput::FfnDown);
  EXPECT_EQ(matmulView(rm->layers[2], Role::AttnNorm, input), nullptr);
  const std::vector<double> &m = (*a)[2][static_cast<int>(MatmulInput::FfnDown)];
  ASSERT_EQ(static_cast<int64_t>(m.size()), down->cols);
  for (double v : m)
    EXPECT_GE(v, 0.0);
}

TEST_F(KjvTiny, ActivationCandidatesAreTheirSpikes) {
  ThreadPool one(1), three(3);
  std::vector<LayerSpikes> spikes, spikes3;
  llvm::ArrayRef<int32_t> prompt = llvm::ArrayRef<int32_t>(tokens).take_front(24);
  auto found = scoreActivations(*rm, prompt, 3, one, spikes);
  auto found3 = scoreActivations(*rm, prompt, 3, three, spikes3);
  ASSERT_TRUE(found && found3);
  ASSERT_EQ(found->size(), 3u);
  ASSERT_EQ(spikes.size(), 4u);
  for (size_t i = 0; i < found->size(); ++i) {
    const Candidate &c = (*found)[i];
    EXPECT_EQ(c.row, (*found3)[i].row);
    EXPECT_EQ(c.col, (*found3)[i].col);
    EXPECT_EQ(c.score, (*found3)[i].score);
    EXPECT_DOUBLE_EQ(c.score, std::fabs(c.actIn * c.actOut));
    if (i > 0)
      EXPECT_GE((*found)[i - 1].score, c.score);
    EXPECT_LE(std::fabs(c.actOut), spikes[c.layer].maxOut);
    std::vector<float> row(rm->layers[c.layer].down.cols);
    rm->layers[c.layer].down.dequantizeRow(c.row, row.data());
    EXPECT_EQ(c.value, row[c.col]);
    EXPECT_GE(c.token, 0);
    EXPECT_LT(c.token, 24);
  }
}

TEST(SuperWeights, ReportFieldsPerMode) {
  Report report;
  report.model = "m";
  Candidate c;
  c.layer = 2;
  c.row = 3;
  c.col = 4;
  c.value = 0.5;
  c.score = 7;
  c.ratio = 70;
  c.meanSquare = 0.25;
  report.found = {c};
  report.weights = {"blk.2.ffn_down"};
  report.sourceKeys = {"model.layers.2.mlp.down_proj.weight"};
  report.text = "calib.txt";
  report.tokens = 100;
  report.tensors = {{0, 0.125, c}};
  report.tensorNames = {"blk.2.ffn_down"};
  std::string json = llvm::formatv("{0}", toJSON(report)).str();
  EXPECT_EQ(json,
            "{\"mode\":\"contribution\",\"model\":\"m\",\"super_weights\":[{"
            "\"col\":4,\"layer\":2,\"mean_square_input\":0.25,\"ratio\":70,"
            "\"row\":3,\"score\":7,\"source_key\":\"model.layers.2.mlp.down_"
            "proj.weight\",\"value\":0.5,\"weight\":\"blk.2.ffn_down\"}],"
            "\"tensors\":[{\"mean_score\":0.125,\"top_col\":4,\"top_ratio\":70,"
            "\"top_row\":3,\"top_score\":7,\"weight\":\"blk.2.ffn_down\"}],"
            "\"text\":\"calib.txt\",\"tokens\":100}");
  report.mode = SuperWeightsMode::WeightOnly;
  report.sourceKeys = {""};
  EXPECT_EQ(llvm::formatv("{0}", toJSON(report)).str(),
            "{\"mode\":\"weight-only\",\"model\":\"m\",\"super_weights\":[{"
            "\"col\":4,\"layer\":2,\"row\":3,\"score\":7,\"value\":0.5,"
            "\"weight\":\"blk.2.ffn_down\"}]}");
  report.mode = SuperWeightsMode::Activation;
  report.prompt = "Apple";
  report.spikes = {LayerSpikes{2.0, 3.0, 1, 2, 0, 5}};
  std::string activation = llvm::formatv("{0}", toJSON(report)).str();
  EXPECT_NE(activation.find("\"activation_in\":0,\"activation_out\":0"),
            std::string::npos)
      << activation;
  EXPECT_NE(activation.find("\"layers\":[{\"in_channel\":1,\"in_token\":0,"
                            "\"layer\":0,\"max_in\":2,\"max_out\":3,"
                            "\"out_channel\":2,\"out_token\":5}]"),
            std::string::npos)
      << activation;
  EXPECT_NE(activation.find("\"prompt\":\"Apple\",\"prompt_tokens\":100"),
            std::string::npos)
      << activation;
  EXPECT_EQ(modeName(SuperWeightsMode::WeightOnly), "weight-only");
}

} // namespace
