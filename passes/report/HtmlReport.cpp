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

#include "dialects/Llmq/MagnitudeHistogram.h"

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
  /// Only tensors of rank >= 2: a norm's vector is kept in f32/bf16 and, at
  /// 16-32 bits, would dwarf every quantized matrix on a bits chart.
  bool matricesOnly = false;
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
      {{"tensor-bits",
        "Bits per weight per matrix (norms and other vectors left out)",
        "bits per weight", "--llmq-assign-bits", always},
       [](const TensorInfo &t) { return t.bits; },
       /*withFormat=*/true,
       /*matricesOnly=*/true},
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

/// Per format: how many tensors and weights, and their share of the bytes.
static void writeFormatTable(const ModelReport &m, llvm::raw_ostream &os) {
  struct Share {
    int64_t tensors = 0, elements = 0;
    double bits = 0;
  };
  std::vector<std::pair<std::string, Share>> formats; // first-seen order
  double allBits = 0;
  for (const TensorInfo &t : m.tensors) {
    auto it = llvm::find_if(formats,
                            [&](const auto &f) { return f.first == t.format; });
    if (it == formats.end()) {
      formats.push_back({t.format, Share()});
      it = std::prev(formats.end());
    }
    ++it->second.tensors;
    it->second.elements += t.elements;
    it->second.bits += t.bits * static_cast<double>(t.elements);
    allBits += t.bits * static_cast<double>(t.elements);
  }
  os << "<table class=\"formats\">\n<tr><th>format</th><th>tensors</th>"
        "<th>weights</th><th>bytes</th><th>share of bytes</th></tr>\n";
  for (const auto &[name, share] : formats)
    os << "<tr data-format=\"" << escapeXml(name) << "\"><td>"
       << escapeXml(name) << "</td><td>" << share.tensors << "</td><td>"
       << share.elements << "</td><td>"
       << static_cast<int64_t>(std::llround(share.bits / 8)) << "</td><td>"
       << formatNumber(allBits > 0 ? 100 * share.bits / allBits : 0)
       << "%</td></tr>\n";
  os << "</table>\n";
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
  PlanTotals totals = planTotals(m);
  row("total bytes (tensor data)", std::to_string(totals.bytes));
  row("bits per weight (all tensors)", formatNumber(totals.bitsPerWeight));
  row("estimated KLD",
      m.estimatedKld
          ? formatNumber(*m.estimatedKld)
          : "not known (--llmq-assign-bits with text= estimates it)");
  os << "</table>\n";
  writeFormatTable(m, os);
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
       << "</td><td>" << s.row << "</td><td>" << s.col << "</td><td>"
       << formatNumber(s.value) << "</td></tr>\n";
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

/// One chart per tensor family of how its weights spread over octaves of
/// |w|, counts on a log scale; every family's chart has the same bins (the
/// model's non-empty range, and the zero bin where any weight is 0), so the
/// charts line up.
static void writeHistograms(const ModelReport &m, llvm::raw_ostream &os) {
  os << "<h3>Weight distributions</h3>\n";
  auto families = familyHistograms(m);
  if (families.empty()) {
    os << "<p class=\"not-computed\" data-chart=\"histogram\">Weight "
          "distributions: not computed: run "
       << kStatsPass << "</p>\n";
    return;
  }
  int first = ::llmq::kMagnitudeBins, last = 0;
  bool zeros = false;
  for (const auto &[family, counts] : families)
    for (int bin = 0; bin < ::llmq::kMagnitudeBins; ++bin)
      if (counts[bin] > 0) {
        if (bin == 0) {
          zeros = true;
          continue;
        }
        first = std::min(first, bin);
        last = std::max(last, bin);
      }
  for (const auto &[family, counts] : families) {
    BarChart chart{"histogram-" + family,
                   family + ": weights per octave of |w| (log scale)",
                   "weights (log scale)",
                   "octave",
                   /*horizontal=*/false,
                   /*logScale=*/true,
                   {},
                   {}};
    if (zeros)
      chart.items.push_back(
          {"zero", "0", static_cast<double>(counts[0]), "", {}});
    for (int bin = first; bin <= last; ++bin) {
      int octave = ::llmq::octaveOfBin(bin);
      chart.items.push_back({std::to_string(octave),
                             std::to_string(octave),
                             static_cast<double>(counts[bin]),
                             "|w| in [2^" + std::to_string(octave) + ", 2^" +
                                 std::to_string(octave + 1) + ")",
                             {}});
    }
    writeBarChart(chart, os);
  }
}

/// This plan beside another run's: totals, bits per layer as paired bars,
/// and every tensor whose format differs.
static void writeComparison(const ModelReport &a, const ModelReport &b,
                            llvm::raw_ostream &os) {
  PlanTotals ta = planTotals(a), tb = planTotals(b);
  std::string nameA = "this: " + a.name, nameB = "other: " + b.name;
  os << "<section class=\"compare\" data-a=\"" << escapeXml(a.name)
     << "\" data-b=\"" << escapeXml(b.name) << "\">\n<h2>Plans side by "
     << "side</h2>\n<table class=\"compare-summary\">\n<tr><th></th><th>"
     << escapeXml(nameA) << "</th><th>" << escapeXml(nameB) << "</th></tr>\n";
  auto row = [&](llvm::StringRef key, llvm::StringRef label,
                 const std::string &x, const std::string &y) {
    os << "<tr data-row=\"" << key << "\"><th>" << label << "</th><td>"
       << escapeXml(x) << "</td><td>" << escapeXml(y) << "</td></tr>\n";
  };
  row("bytes", "total bytes", std::to_string(ta.bytes),
      std::to_string(tb.bytes));
  row("bpw", "bits per weight", formatNumber(ta.bitsPerWeight),
      formatNumber(tb.bitsPerWeight));
  row("kld", "estimated KLD", optionalNumber(a.estimatedKld),
      optionalNumber(b.estimatedKld));
  row("error", "assigned error (sum)", optionalNumber(a.assignedError),
      optionalNumber(b.assignedError));
  os << "</table>\n";

  BarChart chart{"compare-layer-bits",
                 "Average bits per weight per layer, both plans",
                 "bits per weight",
                 "layer",
                 /*horizontal=*/false,
                 /*logScale=*/false,
                 {"this", "other"},
                 {}};
  size_t layers = std::max(a.layers.size(), b.layers.size());
  for (size_t i = 0; i < layers; ++i) {
    double x = i < a.layers.size() ? a.layers[i].bits : kMissing;
    double y = i < b.layers.size() ? b.layers[i].bits : kMissing;
    chart.items.push_back(
        {std::to_string(i), std::to_string(i), kMissing, "", {x, y}});
  }
  writeBarChart(chart, os);

  os << "<table class=\"compare-tensors\">\n<tr><th>tensor</th><th>"
     << escapeXml(nameA) << "</th><th>" << escapeXml(nameB) << "</th></tr>\n";
  size_t same = 0;
  for (const TensorInfo &t : a.tensors) {
    auto other = llvm::find_if(
        b.tensors, [&](const TensorInfo &u) { return u.name == t.name; });
    std::string theirs = other == b.tensors.end() ? "-" : other->format;
    if (theirs == t.format) {
      ++same;
      continue;
    }
    os << "<tr data-tensor=\"" << escapeXml(t.name) << "\"><td>"
       << escapeXml(t.name) << "</td><td>" << escapeXml(t.format) << "</td><td>"
       << escapeXml(theirs) << "</td></tr>\n";
  }
  for (const TensorInfo &u : b.tensors)
    if (llvm::none_of(a.tensors,
                      [&](const TensorInfo &t) { return t.name == u.name; }))
      os << "<tr data-tensor=\"" << escapeXml(u.name) << "\"><td>"
         << escapeXml(u.name) << "</td><td>-</td><td>" << escapeXml(u.format)
         << "</td></tr>\n";
  os << "</table>\n<p class=\"compare-same\" data-same=\"" << same << "\">"
     << same << " tensors have the same format in both plans.</p>\n"
     << "</section>\n";
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
                   /*logScale=*/false,
                   {},
                   {}};
    for (const LayerInfo &l : m.layers)
      chart.items.push_back({std::to_string(l.index),
                             std::to_string(l.index),
                             spec.value(l),
                             "",
                             {}});
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
                   /*logScale=*/false,
                   {},
                   {}};
    for (const TensorInfo &t : m.tensors) {
      double value = spec.value(t);
      if (spec.matricesOnly && t.shape.size() < 2)
        continue;
      if (!std::isnan(value))
        chart.items.push_back(
            {t.name, t.name, value, spec.withFormat ? t.format : "", {}});
    }
    writeBarChart(chart, os);
  }
  writeHistograms(m, os);
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
svg.chart .series-1 .mark, svg.chart .legend.series-1 { fill: #c9a227; }
svg.chart .legend.series-0 { fill: #4a7ab5; }
svg.chart .grid { stroke: #eee; } svg.chart .axis { stroke: #555; }
svg.chart .chart-title { font-size: 13px; font-weight: bold; }
svg.chart .axis-label { font-size: 11px; fill: #555; }
p.not-computed { color: #8a5a00; background: #fff7e0; padding: 4px 8px; }
)css";

void writeHtmlReport(llvm::ArrayRef<ModelReport> models, llvm::raw_ostream &os,
                     const ModelReport *other) {
  std::string names;
  for (const ModelReport &m : models)
    names += (names.empty() ? "" : ", ") + m.name;
  os << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta "
        "charset=\"utf-8\">\n"
     << "<title>llmq report: " << escapeXml(names) << "</title>\n<style>"
     << kStyle
     << "</style>\n</head>\n<body>\n<h1>llmq report: " << escapeXml(names)
     << "</h1>\n";
  if (other && !models.empty())
    writeComparison(models.front(), *other, os);
  for (const ModelReport &m : models)
    writeModel(m, os);
  os << "</body>\n</html>\n";
}

} // namespace llmq::report
