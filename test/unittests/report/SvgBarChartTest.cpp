//===- SvgBarChartTest.cpp - The report's charts and page -----------------===//
//
// The geometry the lit tests cannot see in numbers: one mark per item, bars
// of negative values on the other side of the zero line, empty marks for
// missing values, escaped names; and the page naming missing analyses.
//
//===----------------------------------------------------------------------===//

#include "passes/report/SvgBarChart.h"
#include "passes/report/Report.h"

#include "llvm/ADT/StringRef.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

using namespace llmq::report;

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
  BarChart chart{"layer-test", "Test", "value", "layer", false, {}};
  int i = 0;
  for (double v : values) {
    chart.items.push_back({std::to_string(i), std::to_string(i), v, ""});
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
  BarChart chart{"tensor-test", "T", "bits", "tensor", true, {}};
  chart.items.push_back({"a<b&\"c\"", "a<b&\"c\"", 4.5, "q4_K"});
  chart.items.push_back({"d", "d", -2, ""});
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
  EXPECT_EQ(count(page, "not computed: run --llmq-weight-stats"), 6u);
}
