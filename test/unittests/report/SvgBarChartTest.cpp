//===- SvgBarChartTest.cpp - The report's charts and page -----------------===//
//
// The geometry the lit tests cannot see in numbers: one mark per item, bars
// of negative values on the other side of the zero line, empty marks for
// missing values, escaped names; and the page naming missing analyses.
//
//===----------------------------------------------------------------------===//

#include "passes/report/SvgBarChart.h"
#include "passes/report/Report.h"

#include "dialects/Llmq/MagnitudeHistogram.h"

#include "llvm/ADT/StringRef.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

using namespace llmq::report;

static constexpr int kMagnitudeBinsForTest = llmq::kMagnitudeBins;

static std::string render(const BarChart &chart) {
  std::string out;
  llvm::raw_string_ostream os(out);
  writeBarChart(chart, os);
  return out;
}

static size_t count(llvm::StringRef text, llvm::StringRef needle) {
  return text.count(needle);
}

/// The value of attribute `name` of the mark whose data-<axis> is `id`.
static double markAttr(llvm::StringRef svg, llvm::StringRef axis,
                       llvm::StringRef id, llvm::StringRef name) {
  std::string key = "data-" + axis.str() + "=\"" + id.str() + "\"";
  size_t at = svg.find(key);
  EXPECT_NE(at, llvm::StringRef::npos) << key;
  llvm::StringRef rest = svg.substr(at);
  rest = rest.substr(0, rest.find('>'));
  std::string attr = " " + name.str() + "=\"";
  size_t start = rest.find(attr);
  EXPECT_NE(start, llvm::StringRef::npos) << attr;
  llvm::StringRef value = rest.substr(start + attr.size());
  value = value.substr(0, value.find('"'));
  double result = 0;
  EXPECT_FALSE(value.getAsDouble(result)) << value.str();
  return result;
}

static BarChart layerChart(std::initializer_list<double> values) {
  BarChart chart{"layer-test", "Test", "value", "layer", false, false, {}, {}};
  int i = 0;
  for (double v : values) {
    chart.items.push_back({std::to_string(i), std::to_string(i), v, "", {}});
    ++i;
  }
  return chart;
}

TEST(SvgBarChart, OneMarkPerItemWithTitleAndAxes) {
  std::string svg = render(layerChart({0.5, 0.1, 0.2, 0.3, 0.25}));
  EXPECT_EQ(count(svg, "<rect class=\"mark\""), 5u);
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(count(svg, "data-layer=\"" + std::to_string(i) + "\""), 1u);
  EXPECT_EQ(count(svg, "data-count=\"5\""), 1u);
  EXPECT_EQ(count(svg, "class=\"chart-title\""), 1u);
  EXPECT_EQ(count(svg, "data-axis=\"x\""), 1u);
  EXPECT_EQ(count(svg, ">layer</text>"), 1u);
  EXPECT_EQ(count(svg, "data-axis=\"y\""), 1u);
  EXPECT_EQ(svg, render(layerChart({0.5, 0.1, 0.2, 0.3, 0.25})));
}

TEST(SvgBarChart, TallerBarForLargerValue) {
  std::string svg = render(layerChart({1.0, 0.5}));
  EXPECT_NEAR(markAttr(svg, "layer", "1", "height") * 2,
              markAttr(svg, "layer", "0", "height"), 0.02);
}

TEST(SvgBarChart, NegativeValuesHangBelowZero) {
  std::string svg = render(layerChart({1.0, -1.0}));
  double posBottom =
      markAttr(svg, "layer", "0", "y") + markAttr(svg, "layer", "0", "height");
  double negTop = markAttr(svg, "layer", "1", "y");
  EXPECT_NEAR(posBottom, negTop, 0.01); // both meet at the zero line
  EXPECT_GT(markAttr(svg, "layer", "1", "height"), 0);
}

TEST(SvgBarChart, MissingValueIsAnEmptyMark) {
  std::string svg =
      render(layerChart({1.0, std::numeric_limits<double>::quiet_NaN()}));
  EXPECT_EQ(
      count(svg, "class=\"mark missing\" data-layer=\"1\" data-value=\"\""),
      1u);
  EXPECT_EQ(markAttr(svg, "layer", "1", "height"), 0);
  EXPECT_EQ(count(svg, "not available"), 1u);
}

TEST(SvgBarChart, HorizontalRowsEscapeNames) {
  BarChart chart{"tensor-test", "T", "bits", "tensor", true, false, {}, {}};
  chart.items.push_back({"a<b&\"c\"", "a<b&\"c\"", 4.5, "q4_K", {}});
  chart.items.push_back({"d", "d", -2, "", {}});
  std::string svg = render(chart);
  EXPECT_EQ(count(svg, "data-tensor=\"a&lt;b&amp;&quot;c&quot;\""), 1u);
  EXPECT_EQ(count(svg, "a<b"), 0u);
  EXPECT_EQ(count(svg, "4.5 q4_K"), 1u);
  double posLeft = markAttr(svg, "tensor", "a&lt;b&amp;&quot;c&quot;", "x");
  double negRight =
      markAttr(svg, "tensor", "d", "x") + markAttr(svg, "tensor", "d", "width");
  EXPECT_NEAR(posLeft, negRight, 0.01);
}

TEST(HtmlReport, NamesMissingAnalysesAndChartsBits) {
  ModelReport m;
  m.name = "tiny";
  m.arch = "llama";
  m.numLayers = 2;
  for (int i = 0; i < 2; ++i) {
    LayerInfo l;
    l.index = i;
    l.bits = 16;
    m.layers.push_back(l);
  }
  TensorInfo t;
  t.name = "blk.0.attn_q";
  t.layer = 0;
  t.shape = {8, 8};
  t.elements = 64;
  t.format = "bf16";
  t.bits = 16;
  m.tensors.push_back(t);
  std::string page;
  llvm::raw_string_ostream os(page);
  writeHtmlReport({m}, os);
  EXPECT_EQ(count(page, "<script"), 0u);
  EXPECT_EQ(count(page, "<title>llmq report: tiny</title>"), 1u);
  EXPECT_EQ(count(page, "data-chart=\"layer-bits\" data-per=\"layer\" "
                        "data-count=\"2\""),
            1u);
  EXPECT_EQ(count(page, "data-chart=\"tensor-bits\" data-per=\"tensor\" "
                        "data-count=\"1\""),
            1u);
  EXPECT_EQ(count(page, "<p class=\"not-computed\" "
                        "data-chart=\"layer-influence\">"),
            1u);
  // Kurtosis and outliers per layer, rms, max |w|, kurtosis and outliers
  // per tensor, and the weight distributions.
  EXPECT_EQ(count(page, "not computed: run --llmq-weight-stats"), 7u);
  EXPECT_EQ(count(page, "data-chart=\"histogram\""), 1u);
}

TEST(SvgBarChart, LogScaleShowsCountsAcrossOrdersOfMagnitude) {
  BarChart chart = layerChart({0, 1, 9, 99999});
  chart.logScale = true;
  std::string svg = render(chart);
  EXPECT_EQ(count(svg, "data-scale=\"log\""), 1u);
  // Heights grow with log10(1 + v): 0, log 2, 1, 5 of a 5-decade axis.
  double h1 = markAttr(svg, "layer", "1", "height");
  double h9 = markAttr(svg, "layer", "2", "height");
  double hBig = markAttr(svg, "layer", "3", "height");
  EXPECT_EQ(markAttr(svg, "layer", "0", "height"), 0);
  EXPECT_NEAR(h9 / hBig, 1.0 / 5.0, 1e-3);
  EXPECT_NEAR(h1 / h9, std::log10(2.0), 1e-3);
  // The data keeps the count itself.
  EXPECT_EQ(markAttr(svg, "layer", "3", "data-value"), 99999);
  EXPECT_EQ(count(svg, ">1e+04</text>"), 1u); // a tick per power of ten
}

TEST(SvgBarChart, SeriesDrawAGroupOfMarksPerItem) {
  BarChart chart{"compare",         "C", "bits", "layer", false, false,
                 {"this", "other"}, {}};
  chart.items.push_back({"0", "0", NAN, "", {4.5, 6.5}});
  chart.items.push_back({"1", "1", NAN, "", {5.0, NAN}});
  std::string svg = render(chart);
  EXPECT_EQ(count(svg, "class=\"mark\""), 3u);
  EXPECT_EQ(count(svg, "class=\"mark missing\""), 1u);
  EXPECT_EQ(count(svg, "data-series=\"this\""), 2u);
  EXPECT_EQ(count(svg, "data-series=\"other\""), 2u);
  EXPECT_EQ(count(svg, "class=\"legend-label\""), 2u);
}

TEST(ReportPlan, FamiliesAndTotals) {
  EXPECT_EQ(tensorFamily("blk.12.ffn_down"), "ffn_down");
  EXPECT_EQ(tensorFamily("token_embd"), "token_embd");
  EXPECT_EQ(tensorFamily("blk.x.attn_q"), "blk.x.attn_q");
  EXPECT_EQ(tensorFamily("blk.3"), "blk.3");
  ModelReport m;
  for (int layer = 0; layer < 2; ++layer) {
    TensorInfo t;
    t.name = "blk." + std::to_string(layer) + ".attn_q";
    t.elements = 256;
    t.bits = 4.5;
    t.histogram = std::vector<int64_t>(kMagnitudeBinsForTest, 0);
    (*t.histogram)[0] = layer + 1;
    (*t.histogram)[5] = 255 - layer;
    m.tensors.push_back(t);
  }
  TensorInfo norm;
  norm.name = "output_norm";
  norm.elements = 256;
  norm.bits = 32;
  m.tensors.push_back(norm);
  PlanTotals totals = planTotals(m);
  EXPECT_EQ(totals.bytes, 2 * 144 + 1024);
  EXPECT_EQ(totals.elements, 768);
  EXPECT_NEAR(totals.bitsPerWeight, (4.5 * 512 + 32 * 256) / 768, 1e-12);
  auto families = familyHistograms(m);
  ASSERT_EQ(families.size(), 1u); // the norm has no histogram
  EXPECT_EQ(families[0].first, "attn_q");
  EXPECT_EQ(families[0].second[0], 3);
  EXPECT_EQ(families[0].second[5], 509);
}

TEST(ReportPlan, JsonReportReadsBack) {
  ModelReport m;
  m.name = "tiny";
  m.arch = "llama";
  m.numLayers = 1;
  m.estimatedKld = 0.25;
  LayerInfo l;
  l.bits = 4.75;
  m.layers.push_back(l);
  TensorInfo t;
  t.name = "blk.0.attn_q";
  t.layer = 0;
  t.shape = {8, 32};
  t.elements = 256;
  t.format = "q4_0";
  t.bits = 4.5;
  m.tensors.push_back(t);
  std::string json;
  llvm::raw_string_ostream os(json);
  writeJsonReport({m}, os);
  llvm::Expected<ModelReport> back = readJsonReport(json, "plan.json");
  ASSERT_TRUE(static_cast<bool>(back)) << llvm::toString(back.takeError());
  EXPECT_EQ(back->name, "tiny");
  EXPECT_EQ(back->estimatedKld, 0.25);
  ASSERT_EQ(back->layers.size(), 1u);
  EXPECT_EQ(back->layers[0].bits, 4.75);
  ASSERT_EQ(back->tensors.size(), 1u);
  EXPECT_EQ(back->tensors[0].format, "q4_0");
  EXPECT_EQ(back->tensors[0].layer, 0);
  EXPECT_EQ(planTotals(*back).bytes, planTotals(m).bytes);
}

TEST(ReportPlan, BadJsonIsOneLineNamingTheField) {
  auto error = [](llvm::StringRef text) {
    llvm::Expected<ModelReport> r = readJsonReport(text, "p.json");
    EXPECT_FALSE(static_cast<bool>(r));
    return r ? std::string() : llvm::toString(r.takeError());
  };
  EXPECT_EQ(error("nope"), error("nope")); // stable
  EXPECT_NE(error("nope").find("p.json: not a JSON report"), std::string::npos);
  EXPECT_EQ(error("[1]"), "p.json: not a JSON report (expected an object)");
  std::string base = R"({"model": "m", "arch": "llama", "num_layers": 1, )";
  EXPECT_EQ(
      error(base + R"("layers": [{"layer": 0, "bits": "x"}], "tensors": []})"),
      "p.json: 'layers[0].bits' must be a number in range");
  EXPECT_EQ(
      error(
          base +
          R"("layers": [], "tensors": [{"name": "w", "format": "q4_0", "bits": 4.5, "elements": 1e300}]})"),
      "p.json: 'tensors[0].elements' must be an integer in [0, "
      "17592186044416]");
  EXPECT_EQ(
      error(
          base +
          R"("layers": [], "tensors": [{"name": "w", "format": "q4_0", "bits": 1e9, "elements": 4}]})"),
      "p.json: 'tensors[0].bits' must be a number in range");
  EXPECT_EQ(error(R"({"models": []})"),
            "p.json: 'models' must be a non-empty list of objects");
  EXPECT_EQ(error(base + R"("tensors": []})"),
            "p.json: 'layers' must be a list");
}
