//===- JsonReport.cpp - The report as JSON --------------------------------===//
//
// Values an analysis did not compute are left out rather than written as
// null, and `not_computed` names the pass that would compute them. Object
// keys come out sorted (llvm::json), so the bytes depend on the data only.
//
//===----------------------------------------------------------------------===//

#include "passes/report/Report.h"

#include "dialects/Llmq/MagnitudeHistogram.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

namespace llmq::report {

static void put(llvm::json::Object &o, llvm::StringRef key,
                const std::optional<double> &value) {
  if (value)
    o[key] = *value;
}

static llvm::json::Object toJson(const TensorInfo &t) {
  llvm::json::Object o{{"name", t.name},
                       {"shape", llvm::json::Array(t.shape)},
                       {"elements", t.elements},
                       {"format", t.format},
                       {"bits", t.bits}};
  if (t.layer >= 0)
    o["layer"] = t.layer;
  put(o, "quant_error", t.quantError);
  put(o, "rms", t.rms);
  put(o, "max_abs", t.maxAbs);
  put(o, "kurtosis", t.kurtosis);
  put(o, "outliers", t.outliers);
  put(o, "importance", t.importance);
  if (t.pinned)
    o["pinned"] = t.pinned;
  return o;
}

static llvm::json::Object toJson(const LayerInfo &l, bool superWeights) {
  llvm::json::Object o{{"layer", l.index}, {"bits", l.bits}};
  put(o, "influence", l.influence);
  put(o, "angular_distance", l.angularDistance);
  put(o, "importance", l.importance);
  put(o, "quant_error", l.quantError);
  put(o, "max_kurtosis", l.maxKurtosis);
  put(o, "max_outliers", l.maxOutliers);
  if (superWeights)
    o["super_weights"] = l.superWeights;
  return o;
}

static llvm::json::Object toJson(const ModelReport &m) {
  llvm::json::Array layers, tensors;
  for (const LayerInfo &l : m.layers)
    layers.push_back(toJson(l, m.superWeights.has_value()));
  for (const TensorInfo &t : m.tensors)
    tensors.push_back(toJson(t));
  llvm::json::Object o{{"model", m.name},
                       {"arch", m.arch},
                       {"num_layers", m.numLayers},
                       {"formats_assigned", m.formatsAssigned},
                       {"layers", std::move(layers)},
                       {"tensors", std::move(tensors)}};
  llvm::json::Object missing;
  if (!m.hasInfluence)
    missing["influence"] = "--llmq-block-influence";
  if (m.imatrix.empty())
    missing["importance"] = "--llmq-imatrix";
  else
    o["imatrix"] = m.imatrix;
  if (!m.hasStats)
    missing["weight_stats"] = "--llmq-weight-stats";
  if (!m.hasQuantError)
    missing["quant_error"] = "--llmq-assign-bits target-bpw=X";
  if (m.superWeights) {
    llvm::json::Array list;
    for (const SuperWeight &s : *m.superWeights)
      list.push_back(llvm::json::Object{{"weight", s.weight},
                                        {"layer", s.layer},
                                        {"row", s.row},
                                        {"col", s.col},
                                        {"value", s.value}});
    o["super_weights"] = std::move(list);
  } else {
    missing["super_weights"] = "--llmq-super-weights";
  }
  if (m.assignedBytes)
    o["assigned_bytes"] = *m.assignedBytes;
  put(o, "assigned_bpw", m.assignedBpw);
  put(o, "assigned_error", m.assignedError);
  put(o, "estimated_kld", m.estimatedKld);
  PlanTotals totals = planTotals(m);
  o["total_bytes"] = totals.bytes;
  o["bits_per_weight"] = totals.bitsPerWeight;
  if (m.hasStats) {
    // Bin 0: exact zeros; bin k >= 1: |w| in [2^(lowest+k-1), 2^(lowest+k)).
    llvm::json::Array families;
    for (auto &[family, counts] : familyHistograms(m))
      families.push_back(llvm::json::Object{
          {"family", family}, {"counts", llvm::json::Array(counts)}});
    o["weight_histograms"] =
        llvm::json::Object{{"lowest_octave", ::llmq::kLowestOctave},
                           {"highest_octave", ::llmq::kHighestOctave},
                           {"families", std::move(families)}};
  }
  o["not_computed"] = std::move(missing);
  return o;
}

void writeJsonReport(llvm::ArrayRef<ModelReport> models,
                     llvm::raw_ostream &os) {
  llvm::json::Value value = nullptr;
  if (models.size() == 1) {
    value = toJson(models[0]);
  } else {
    llvm::json::Array all;
    for (const ModelReport &m : models)
      all.push_back(toJson(m));
    value = llvm::json::Object{{"models", std::move(all)}};
  }
  os << llvm::formatv("{0:2}\n", value);
}

} // namespace llmq::report
