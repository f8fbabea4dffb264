//===- HtmlReport.cpp - The report as one self-contained HTML page --------===//
//
// One page, readable offline: inline CSS, inline SVG charts, no script. A
// chart per analysis, per layer and per tensor; where an analysis was not
// run, a line saying which pass computes it stands in the chart's place
// (with the chart's data-chart key, so tests can tell the two apart).
//
//===----------------------------------------------------------------------===//

#include "passes/report/Report.h"
#include "passes/report/SvgBarChart.h"

#include <cmath>
#include <functional>
#include <limits>

namespace llmq::report {

static constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

static double orMissing(const std::optional<double> &value) {
  return value ? *value : kMissing;
}

namespace {
/// A chart the page may show: its data and the pass that computes it.
struct ChartSpec {
  const char *key, *title, *valueAxis, *pass;
  std::function<bool(const ModelReport &)> available;
};

struct LayerChart : ChartSpec {
  std::function<double(const LayerInfo &)> value;
};

struct TensorChart : ChartSpec {
  /// NaN: the tensor has no such value and is left out of the chart.
  std::function<double(const TensorInfo &)> value;
  bool withFormat = false; ///< note each bar's format
};
} // namespace

static bool always(const ModelReport &) { return true; }
static bool hasInfluence(const ModelReport &m) { return m.hasInfluence; }
static bool hasImatrix(const ModelReport &m) { return !m.imatrix.empty(); }
static bool hasStats(const ModelReport &m) { return m.hasStats; }
static bool hasError(const ModelReport &m) { return m.hasQuantError; }
static bool hasSuper(const ModelReport &m) {
  return m.superWeights.has_value();
}

static const char *kInfluencePass = "--llmq-block-influence";
static const char *kImatrixPass = "--llmq-imatrix";
static const char *kStatsPass = "--llmq-weight-stats";
static const char *kErrorPass =
    "--llmq-assign-bits with target-bpw= or target-bytes=";
static const char *kSuperPass = "--llmq-super-weights";

static std::vector<LayerChart> layerCharts() {
  return {
      {{"layer-influence", "Block influence per layer",
        "1 - mean cos(x_in, x_out)", kInfluencePass, hasInfluence},
       [](const LayerInfo &l) { return orMissing(l.influence); }},
      {{"layer-importance", "Mean imatrix importance per layer",
        "mean in_sum2 / count", kImatrixPass, hasImatrix},
       [](const LayerInfo &l) { return orMissing(l.importance); }},
      {{"layer-bits", "Average bits per weight per layer", "bits per weight",
        "--llmq-assign-bits", always},
       [](const LayerInfo &l) { return l.bits; }},
      {{"layer-error", "Quantization error per layer (sum over its weights)",
        "importance-weighted squared error", kErrorPass, hasError},
       [](const LayerInfo &l) { return orMissing(l.quantError); }},
      {{"layer-kurtosis", "Largest excess kurtosis per layer",
        "excess kurtosis", kStatsPass, hasStats},
       [](const LayerInfo &l) { return orMissing(l.maxKurtosis); }},
      {{"layer-outliers", "Largest outlier share per layer",
        "share of |w - mean| > 6 std", kStatsPass, hasStats},
       [](const LayerInfo &l) { return orMissing(l.maxOutliers); }},
      {{"layer-super-weights", "Super weights per layer", "super weights",
        kSuperPass, hasSuper},
       [](const LayerInfo &l) { return static_cast<double>(l.superWeights); }},
  };
}

static std::vector<TensorChart> tensorCharts() {
  return {
      {{"tensor-bits", "Bits per weight per tensor", "bits per weight",
        "--llmq-assign-bits", always},
       [](const TensorInfo &t) { return t.bits; },
       /*withFormat=*/true},
      {{"tensor-error", "Quantization error per tensor",
        "importance-weighted squared error", kErrorPass, hasError},
       [](const TensorInfo &t) { return orMissing(t.quantError); },
       true},
      {{"tensor-importance", "Mean imatrix importance per tensor",
        "mean in_sum2 / count", kImatrixPass, hasImatrix},
       [](const TensorInfo &t) { return orMissing(t.importance); }},
      {{"tensor-rms", "RMS per tensor", "sqrt(mean(w^2))", kStatsPass,
        hasStats},
       [](const TensorInfo &t) { return orMissing(t.rms); }},
      {{"tensor-max-abs", "Largest |w| per tensor", "max |w|", kStatsPass,
        hasStats},
       [](const TensorInfo &t) { return orMissing(t.maxAbs); }},
      {{"tensor-kurtosis", "Excess kurtosis per tensor", "excess kurtosis",
        kStatsPass, hasStats},
       [](const TensorInfo &t) { return orMissing(t.kurtosis); }},
      {{"tensor-outliers", "Outlier share per tensor",
        "share of |w - mean| > 6 std", kStatsPass, hasStats},
       [](const TensorInfo &t) { return orMissing(t.outliers); }},
  };
}

static void writeNotComputed(const ChartSpec &spec, llvm::raw_ostream &os) {
  os << "<p class=\"not-computed\" data-chart=\"" << spec.key << "\">"
     << escapeXml(spec.title) << ": not computed: run " << escapeXml(spec.pass)
     << "</p>\n";
}

static std::string optionalNumber(const std::optional<double> &value) {
  return value ? formatNumber(*value) : "-";
}

static void writeSummary(const ModelReport &m, llvm::raw_ostream &os) {
  int64_t elements = 0;
  for (const TensorInfo &t : m.tensors)
    elements += t.elements;
  auto row = [&](llvm::StringRef name, llvm::StringRef value) {
    os << "<tr><th>" << name << "</th><td>" << escapeXml(value)
       << "</td></tr>\n";
  };
  os << "<table class=\"summary\">\n";
  row("architecture", m.arch);
  row("layers", std::to_string(m.numLayers));
  row("tensors", std::to_string(m.tensors.size()));
  row("weights", std::to_string(elements));
  row("formats",
      m.formatsAssigned ? "assigned" : "as imported (no --llmq-assign-bits)");
  row("imatrix", m.imatrix.empty() ? "none" : m.imatrix);
  if (m.assignedBytes)
    row("assigned bytes", std::to_string(*m.assignedBytes));
  if (m.assignedBpw)
    row("assigned bits per weight", formatNumber(*m.assignedBpw));
  if (m.assignedError)
    row("assigned error (sum)", formatNumber(*m.assignedError));
  os << "</table>\n";
}

static void writeSuperWeights(const ModelReport &m, llvm::raw_ostream &os) {
  os << "<h3>Super weights</h3>\n";
  if (!m.superWeights) {
    os << "<p class=\"not-computed\" data-table=\"super-weights\">Super "
          "weights: not computed: run "
       << kSuperPass << "</p>\n";
    return;
  }
  os << "<table class=\"super-weights\">\n<tr><th>weight</th><th>layer</th>"
        "<th>row</th><th>col</th><th>value</th></tr>\n";
  for (const SuperWeight &s : *m.superWeights)
    os << "<tr><td>" << escapeXml(s.weight) << "</td><td>" << s.layer
       << "</td><td>" << s.row << "</td><td>" << s.col
       << "</td><td>" << formatNumber(s.value) << "</td></tr>\n";
  os << "</table>\n";
}

static void writeTensorTable(const ModelReport &m, llvm::raw_ostream &os) {
  os << "<h3>Tensors</h3>\n<table class=\"tensors\">\n<tr><th>name</th>"
        "<th>layer</th><th>shape</th><th>format</th><th>bits</th>"
        "<th>error</th><th>importance</th><th>rms</th><th>max |w|</th>"
        "<th>kurtosis</th><th>outliers</th><th>pinned</th></tr>\n";
  for (const TensorInfo &t : m.tensors) {
    std::string shape;
    for (int64_t d : t.shape)
      shape += (shape.empty() ? "" : "x") + std::to_string(d);
    os << "<tr><td>" << escapeXml(t.name) << "</td><td>"
       << (t.layer >= 0 ? std::to_string(t.layer) : "-") << "</td><td>" << shape
       << "</td><td>" << escapeXml(t.format) << "</td><td>"
       << formatNumber(t.bits) << "</td><td>" << optionalNumber(t.quantError)
       << "</td><td>" << optionalNumber(t.importance) << "</td><td>"
       << optionalNumber(t.rms) << "</td><td>" << optionalNumber(t.maxAbs)
       << "</td><td>" << optionalNumber(t.kurtosis) << "</td><td>"
       << optionalNumber(t.outliers) << "</td><td>" << t.pinned
       << "</td></tr>\n";
  }
  os << "</table>\n";
}

static void writeModel(const ModelReport &m, llvm::raw_ostream &os) {
  os << "<section class=\"model\" data-model=\"" << escapeXml(m.name)
     << "\" data-layers=\"" << m.numLayers << "\" data-tensors=\""
     << m.tensors.size() << "\">\n<h2>" << escapeXml(m.name) << "</h2>\n";
  writeSummary(m, os);

  os << "<h3>Per layer</h3>\n";
  for (const LayerChart &spec : layerCharts()) {
    if (!spec.available(m)) {
      writeNotComputed(spec, os);
      continue;
    }
    BarChart chart{spec.key,
                   spec.title,
                   spec.valueAxis,
                   "layer",
                   /*horizontal=*/false,
                   {}};
    for (const LayerInfo &l : m.layers)
      chart.items.push_back({std::to_string(l.index), std::to_string(l.index),
                             spec.value(l), ""});
    writeBarChart(chart, os);
  }

  os << "<h3>Per tensor</h3>\n";
  for (const TensorChart &spec : tensorCharts()) {
    if (!spec.available(m)) {
      writeNotComputed(spec, os);
      continue;
    }
    BarChart chart{spec.key,
                   spec.title,
                   spec.valueAxis,
                   "tensor",
                   /*horizontal=*/true,
                   {}};
    for (const TensorInfo &t : m.tensors) {
      double value = spec.value(t);
      if (!std::isnan(value))
        chart.items.push_back(
            {t.name, t.name, value, spec.withFormat ? t.format : ""});
    }
    writeBarChart(chart, os);
  }
  writeSuperWeights(m, os);
  writeTensorTable(m, os);
  os << "</section>\n";
}

static const char *kStyle = R"css(
body { font-family: sans-serif; margin: 2em; color: #222; max-width: 80em; }
h2 { border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.85em; }
th, td { border: 1px solid #ddd; padding: 2px 8px; text-align: right; }
th { background: #f4f4f4; } td:first-child, th:first-child { text-align: left; }
svg.chart { display: block; margin: 0.5em 0 1.5em; font-size: 11px; }
svg.chart .mark { fill: #4a7ab5; } svg.chart .mark:hover { fill: #d0792b; }
svg.chart .grid { stroke: #eee; } svg.chart .axis { stroke: #555; }
svg.chart .chart-title { font-size: 13px; font-weight: bold; }
svg.chart .axis-label { font-size: 11px; fill: #555; }
p.not-computed { color: #8a5a00; background: #fff7e0; padding: 4px 8px; }
)css";

void writeHtmlReport(llvm::ArrayRef<ModelReport> models,
                     llvm::raw_ostream &os) {
  std::string names;
  for (const ModelReport &m : models)
    names += (names.empty() ? "" : ", ") + m.name;
  os << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta "
        "charset=\"utf-8\">\n"
     << "<title>llmq report: " << escapeXml(names) << "</title>\n<style>"
     << kStyle
     << "</style>\n</head>\n<body>\n<h1>llmq report: " << escapeXml(names)
     << "</h1>\n";
  for (const ModelReport &m : models)
    writeModel(m, os);
  os << "</body>\n</html>\n";
}

} // namespace llmq::report
