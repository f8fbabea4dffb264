//===- SvgBarChart.h - A bar chart as inline SVG ----------------*- C++ -*-===//
//
// The one chart kind of the report: a bar per item (a layer or a tensor),
// drawn as static SVG so the page needs no script and no network. Every bar
// is a `<rect class="mark" data-<axis>="id" data-value="v">`, which is what
// tests count; coordinates and numbers are printed with fixed formats, so the
// same data gives the same bytes.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_PASSES_REPORT_SVGBARCHART_H
#define LLMQ_PASSES_REPORT_SVGBARCHART_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace llmq::report {

struct BarChart {
  struct Item {
    std::string id;    ///< the mark's data-<itemAxis> value
    std::string label; ///< shown beside the bar
    double value = 0;  ///< NaN: not available (an empty mark)
    std::string note;  ///< shown after the value (horizontal charts)
    /// With `series`: one value per series (a group of bars per item).
    std::vector<double> values;
  };
  std::string key; ///< data-chart: stable, for tests and styles
  std::string title;
  std::string valueAxis;   ///< what the values are
  std::string itemAxis;    ///< "layer" or "tensor"
  bool horizontal = false; ///< a row per item, for long labels
  /// Counts spanning orders of magnitude: bar length grows with log10(1 + v)
  /// (values must be >= 0); ticks at powers of ten.
  bool logScale = false;
  /// Vertical charts only: the names of several series drawn side by side
  /// (each mark gets data-series="name"), with a legend.
  std::vector<std::string> series;
  std::vector<Item> items;
};

/// Writes `chart` as one `<svg class="chart">` element.
void writeBarChart(const BarChart &chart, llvm::raw_ostream &os);

/// `text` with &, <, >, " and ' escaped for HTML/XML text and attributes.
std::string escapeXml(llvm::StringRef text);

/// A value for people to read: 4 significant digits ("%.4g").
std::string formatNumber(double value);

} // namespace llmq::report

#endif // LLMQ_PASSES_REPORT_SVGBARCHART_H
