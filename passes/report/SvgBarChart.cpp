//===- SvgBarChart.cpp - A bar chart as inline SVG ------------------------===//
//
// Vertical bars for layers (few items, short labels), horizontal rows for
// tensors (many items, long names). The value scale always includes 0, so
// negative values (excess kurtosis) grow downwards or leftwards from it.
//
//===----------------------------------------------------------------------===//

#include "passes/report/SvgBarChart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace llmq::report {

std::string escapeXml(llvm::StringRef text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    case '\'':
      out += "&#39;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

static std::string printf1(const char *format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), format, value);
  return buffer;
}

std::string formatNumber(double value) { return printf1("%.4g", value); }

/// A tick label: short enough to fit the margin.
static std::string formatTick(double value) { return printf1("%.3g", value); }

/// Exact enough for a test to compare with the IR's value.
static std::string dataValue(double value) {
  return std::isnan(value) ? "" : printf1("%.9g", value);
}

/// A coordinate in pixels.
static std::string px(double value) { return printf1("%.2f", value); }

namespace {
/// The value axis of a chart: linear over a range widened to include 0, or
/// logarithmic (log10(1 + v)) from 0 up to the largest value.
struct Scale {
  double lo = 0, hi = 0;
  bool log = false;
  Scale(const BarChart &chart) : log(chart.logScale) {
    auto see = [&](double v) {
      if (!std::isfinite(v))
        return;
      v = log ? std::log10(1 + std::max(v, 0.0)) : v;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    };
    for (const BarChart::Item &item : chart.items) {
      see(item.value);
      for (double v : item.values)
        see(v);
    }
    if (log)
      hi = std::max(1.0, std::ceil(hi)); // up to the next power of ten
    if (!(hi > lo))
      hi = lo + 1; // all zero (or none): an empty but valid axis
  }
  /// Where `v` falls in [0, 1] along the value axis.
  double at(double v) const {
    if (log)
      v = std::log10(1 + std::max(v, 0.0));
    return (v - lo) / (hi - lo);
  }
  /// The value of gridline k of kTicks (a power of ten on a log axis).
  std::vector<double> ticks(int count) const {
    std::vector<double> values;
    if (log) {
      for (int e = 0; e <= static_cast<int>(hi); ++e)
        values.push_back(e == 0 ? 0 : std::pow(10.0, e));
      return values;
    }
    for (int k = 0; k <= count; ++k)
      values.push_back(lo + (hi - lo) * k / count);
    return values;
  }
};
} // namespace

static constexpr int kTicks = 4; // gridlines at 0, 1/4, ..., 4/4 of the range

static void writeMark(const BarChart &chart, const BarChart::Item &item,
                      double value, llvm::StringRef series, double x, double y,
                      double w, double h, llvm::raw_ostream &os) {
  bool missing = !std::isfinite(value);
  os << "<rect class=\"mark" << (missing ? " missing" : "") << "\" data-"
     << chart.itemAxis << "=\"" << escapeXml(item.id) << "\"";
  if (!series.empty())
    os << " data-series=\"" << escapeXml(series) << "\"";
  os << " data-value=\"" << dataValue(value) << "\" x=\"" << px(x) << "\" y=\""
     << px(y) << "\" width=\"" << px(missing ? 0 : w) << "\" height=\""
     << px(missing ? 0 : h) << "\"><title>" << chart.itemAxis << ' '
     << escapeXml(item.label)
     << (series.empty() ? "" : " (" + escapeXml(series) + ")") << ": "
     << (missing ? std::string("not available") : formatNumber(value))
     << (item.note.empty() ? "" : " (" + escapeXml(item.note) + ")")
     << "</title></rect>\n";
}

static void writeVertical(const BarChart &chart, llvm::raw_ostream &os) {
  const double width = 720, height = 260, left = 84, right = 16, top = 34,
               bottom = 50;
  const double plotW = width - left - right, plotH = height - top - bottom;
  Scale scale(chart);
  auto yOf = [&](double v) { return top + plotH * (1 - scale.at(v)); };
  size_t n = chart.items.size();
  size_t groups = std::max<size_t>(1, chart.series.size());
  os << "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" "
        "data-chart=\""
     << chart.key << "\" data-per=\"" << chart.itemAxis << "\" data-count=\""
     << n << "\"" << (chart.logScale ? " data-scale=\"log\"" : "")
     << " width=\"" << px(width) << "\" height=\"" << px(height)
     << "\" viewBox=\"0 0 " << px(width) << ' ' << px(height) << "\">\n"
     << "<title>" << escapeXml(chart.title) << "</title>\n"
     << "<text class=\"chart-title\" x=\"" << px(left) << "\" y=\"20\">"
     << escapeXml(chart.title) << "</text>\n";
  for (size_t s = 0; s < chart.series.size(); ++s)
    os << "<rect class=\"legend series-" << s << "\" x=\""
       << px(width - right - 150 + 75 * s) << "\" y=\"10\" width=\"10\" "
       << "height=\"10\"/><text class=\"legend-label\" x=\""
       << px(width - right - 136 + 75 * s) << "\" y=\"19\">"
       << escapeXml(chart.series[s]) << "</text>\n";
  for (double v : scale.ticks(kTicks)) {
    double y = yOf(v);
    os << "<line class=\"grid\" x1=\"" << px(left) << "\" x2=\""
       << px(width - right) << "\" y1=\"" << px(y) << "\" y2=\"" << px(y)
       << "\"/><text class=\"tick\" x=\"" << px(left - 6) << "\" y=\""
       << px(y + 4) << "\" text-anchor=\"end\">" << formatTick(v)
       << "</text>\n";
  }
  double slot = n ? plotW / n : plotW;
  size_t labelEvery = std::max<size_t>(1, (n + 31) / 32);
  for (size_t i = 0; i < n; ++i) {
    const BarChart::Item &item = chart.items[i];
    double w = slot * 0.72 / groups;
    for (size_t s = 0; s < groups; ++s) {
      double value = chart.series.empty()
                         ? item.value
                         : (s < item.values.size() ? item.values[s] : NAN);
      double x = left + slot * i + slot * 0.14 + w * s;
      double v = std::isfinite(value) ? value : 0;
      double y0 = yOf(std::max(v, 0.0)), y1 = yOf(std::min(v, 0.0));
      os << (chart.series.empty()
                 ? ""
                 : "<g class=\"series-" + std::to_string(s) + "\">");
      writeMark(chart, item, value,
                chart.series.empty() ? llvm::StringRef() : chart.series[s], x,
                y0, w, y1 - y0, os);
      os << (chart.series.empty() ? "" : "</g>\n");
    }
    if (i % labelEvery == 0)
      os << "<text class=\"tick\" x=\"" << px(left + slot * (i + 0.5))
         << "\" y=\"" << px(top + plotH + 16) << "\" text-anchor=\"middle\">"
         << escapeXml(item.label) << "</text>\n";
  }
  os << "<line class=\"axis\" x1=\"" << px(left) << "\" x2=\"" << px(left)
     << "\" y1=\"" << px(top) << "\" y2=\"" << px(top + plotH) << "\"/>\n"
     << "<line class=\"axis\" x1=\"" << px(left) << "\" x2=\""
     << px(width - right) << "\" y1=\"" << px(yOf(0)) << "\" y2=\""
     << px(yOf(0)) << "\"/>\n"
     << "<text class=\"axis-label\" data-axis=\"x\" x=\""
     << px(left + plotW / 2) << "\" y=\"" << px(height - 10)
     << "\" text-anchor=\"middle\">" << chart.itemAxis << "</text>\n"
     << "<text class=\"axis-label\" data-axis=\"y\" transform=\"translate(14,"
     << px(top + plotH / 2) << ") rotate(-90)\" text-anchor=\"middle\">"
     << escapeXml(chart.valueAxis) << "</text>\n</svg>\n";
}

static void writeHorizontal(const BarChart &chart, llvm::raw_ostream &os) {
  const double width = 760, row = 16, left = 200, right = 150, top = 34,
               bottom = 44;
  size_t n = chart.items.size();
  const double plotW = width - left - right, plotH = row * n;
  const double height = top + plotH + bottom;
  Scale scale(chart);
  auto xOf = [&](double v) { return left + plotW * scale.at(v); };
  os << "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" "
        "data-chart=\""
     << chart.key << "\" data-per=\"" << chart.itemAxis << "\" data-count=\""
     << n << "\" width=\"" << px(width) << "\" height=\"" << px(height)
     << "\" viewBox=\"0 0 " << px(width) << ' ' << px(height) << "\">\n"
     << "<title>" << escapeXml(chart.title) << "</title>\n"
     << "<text class=\"chart-title\" x=\"" << px(left) << "\" y=\"20\">"
     << escapeXml(chart.title) << "</text>\n";
  for (double v : scale.ticks(kTicks)) {
    double x = xOf(v);
    os << "<line class=\"grid\" x1=\"" << px(x) << "\" x2=\"" << px(x)
       << "\" y1=\"" << px(top) << "\" y2=\"" << px(top + plotH)
       << "\"/><text class=\"tick\" x=\"" << px(x) << "\" y=\""
       << px(top + plotH + 14) << "\" text-anchor=\"middle\">" << formatTick(v)
       << "</text>\n";
  }
  for (size_t i = 0; i < n; ++i) {
    const BarChart::Item &item = chart.items[i];
    double y = top + row * i;
    double v = std::isfinite(item.value) ? item.value : 0;
    double x0 = xOf(std::min(v, 0.0)), x1 = xOf(std::max(v, 0.0));
    writeMark(chart, item, item.value, "", x0, y + row * 0.15, x1 - x0,
              row * 0.7, os);
    std::string shown = std::isfinite(item.value) ? formatNumber(item.value)
                                                  : std::string("n/a");
    if (!item.note.empty())
      shown += " " + item.note;
    os << "<text class=\"tick\" x=\"" << px(left - 6) << "\" y=\""
       << px(y + row * 0.75) << "\" text-anchor=\"end\">"
       << escapeXml(item.label) << "</text><text class=\"value\" x=\""
       << px(width - right + 6) << "\" y=\"" << px(y + row * 0.75) << "\">"
       << escapeXml(shown) << "</text>\n";
  }
  os << "<line class=\"axis\" x1=\"" << px(xOf(0)) << "\" x2=\"" << px(xOf(0))
     << "\" y1=\"" << px(top) << "\" y2=\"" << px(top + plotH) << "\"/>\n"
     << "<text class=\"axis-label\" data-axis=\"x\" x=\""
     << px(left + plotW / 2) << "\" y=\"" << px(height - 8)
     << "\" text-anchor=\"middle\">" << escapeXml(chart.valueAxis)
     << "</text>\n"
     << "<text class=\"axis-label\" data-axis=\"y\" x=\"8\" y=\"20\">"
     << chart.itemAxis << "</text>\n</svg>\n";
}

void writeBarChart(const BarChart &chart, llvm::raw_ostream &os) {
  if (chart.horizontal)
    writeHorizontal(chart, os);
  else
    writeVertical(chart, os);
}

} // namespace llmq::report
