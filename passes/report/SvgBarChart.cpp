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
/// The value range of a chart, widened to include 0.
struct Scale {
  double lo = 0, hi = 0;
  explicit Scale(const std::vector<BarChart::Item> &items) {
    for (const BarChart::Item &item : items)
      if (std::isfinite(item.value)) {
        lo = std::min(lo, item.value);
        hi = std::max(hi, item.value);
      }
    if (!(hi > lo))
      hi = lo + 1; // all zero (or none): an empty but valid axis
  }
  /// Where `v` falls in [0, 1] along the value axis.
  double at(double v) const { return (v - lo) / (hi - lo); }
};
} // namespace

static constexpr int kTicks = 4; // gridlines at 0, 1/4, ..., 4/4 of the range

static void writeMark(const BarChart &chart, const BarChart::Item &item,
                      double x, double y, double w, double h,
                      llvm::raw_ostream &os) {
  bool missing = !std::isfinite(item.value);
  os << "<rect class=\"mark" << (missing ? " missing" : "") << "\" data-"
     << chart.itemAxis << "=\"" << escapeXml(item.id) << "\" data-value=\""
     << dataValue(item.value) << "\" x=\"" << px(x) << "\" y=\"" << px(y)
     << "\" width=\"" << px(missing ? 0 : w) << "\" height=\""
     << px(missing ? 0 : h) << "\"><title>" << chart.itemAxis << ' '
     << escapeXml(item.label) << ": "
     << (missing ? std::string("not available") : formatNumber(item.value))
     << (item.note.empty() ? "" : " (" + escapeXml(item.note) + ")")
     << "</title></rect>\n";
}

static void writeVertical(const BarChart &chart, llvm::raw_ostream &os) {
  const double width = 720, height = 260, left = 84, right = 16, top = 34,
               bottom = 50;
  const double plotW = width - left - right, plotH = height - top - bottom;
  Scale scale(chart.items);
  auto yOf = [&](double v) { return top + plotH * (1 - scale.at(v)); };
  size_t n = chart.items.size();
  os << "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" "
        "data-chart=\""
     << chart.key << "\" data-per=\"" << chart.itemAxis << "\" data-count=\""
     << n << "\" width=\"" << px(width) << "\" height=\"" << px(height)
     << "\" viewBox=\"0 0 " << px(width) << ' ' << px(height) << "\">\n"
     << "<title>" << escapeXml(chart.title) << "</title>\n"
     << "<text class=\"chart-title\" x=\"" << px(left) << "\" y=\"20\">"
     << escapeXml(chart.title) << "</text>\n";
  for (int k = 0; k <= kTicks; ++k) {
    double v = scale.lo + (scale.hi - scale.lo) * k / kTicks, y = yOf(v);
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
    double x = left + slot * i + slot * 0.14, w = slot * 0.72;
    double v = std::isfinite(item.value) ? item.value : 0;
    double y0 = yOf(std::max(v, 0.0)), y1 = yOf(std::min(v, 0.0));
    writeMark(chart, item, x, y0, w, y1 - y0, os);
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
  Scale scale(chart.items);
  auto xOf = [&](double v) { return left + plotW * scale.at(v); };
  os << "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" "
        "data-chart=\""
     << chart.key << "\" data-per=\"" << chart.itemAxis << "\" data-count=\""
     << n << "\" width=\"" << px(width) << "\" height=\"" << px(height)
     << "\" viewBox=\"0 0 " << px(width) << ' ' << px(height) << "\">\n"
     << "<title>" << escapeXml(chart.title) << "</title>\n"
     << "<text class=\"chart-title\" x=\"" << px(left) << "\" y=\"20\">"
     << escapeXml(chart.title) << "</text>\n";
  for (int k = 0; k <= kTicks; ++k) {
    double v = scale.lo + (scale.hi - scale.lo) * k / kTicks, x = xOf(v);
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
    writeMark(chart, item, x0, y + row * 0.15, x1 - x0, row * 0.7, os);
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
