//===- Plan.cpp - What a plan comes to, and a plan read back from JSON ----===//
//
// Totals and per-family histograms shared by the JSON and HTML writers, and
// the reader that lets --llmq-report put another run's plan (its JSON report)
// beside this one. The reader trusts nothing: every field is type-checked and
// every number range-checked before it is used, and a bad file gets one line
// naming it and the field.
//
//===----------------------------------------------------------------------===//

#include "passes/report/Report.h"

#include "dialects/Llmq/MagnitudeHistogram.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/JSON.h"

#include <cmath>

namespace llmq::report {

PlanTotals planTotals(const ModelReport &m) {
  // Doubles: element counts come from verified shapes (or a checked JSON
  // file) and stay far below 2^53 per tensor; sums are exact in practice and
  // cannot overflow.
  double bits = 0, elements = 0;
  for (const TensorInfo &t : m.tensors) {
    bits += t.bits * static_cast<double>(t.elements);
    elements += static_cast<double>(t.elements);
  }
  PlanTotals totals;
  totals.bytes = static_cast<int64_t>(std::llround(bits / 8));
  totals.elements = static_cast<int64_t>(elements);
  totals.bitsPerWeight = elements > 0 ? bits / elements : 0;
  return totals;
}

std::string tensorFamily(llvm::StringRef name) {
  llvm::StringRef rest = name;
  if (rest.consume_front("blk.")) {
    size_t digits = 0;
    while (digits < rest.size() && llvm::isDigit(rest[digits]))
      ++digits;
    if (digits > 0 && digits < rest.size() && rest[digits] == '.')
      return rest.drop_front(digits + 1).str();
  }
  return name.str();
}

std::vector<std::pair<std::string, std::vector<int64_t>>>
familyHistograms(const ModelReport &m) {
  std::vector<std::pair<std::string, std::vector<int64_t>>> families;
  for (const TensorInfo &t : m.tensors) {
    if (!t.histogram)
      continue;
    std::string family = tensorFamily(t.name);
    auto it = llvm::find_if(families,
                            [&](const auto &f) { return f.first == family; });
    if (it == families.end()) {
      families.push_back({family, std::vector<int64_t>(kMagnitudeBins)});
      it = std::prev(families.end());
    }
    for (size_t bin = 0; bin < t.histogram->size() && bin < it->second.size();
         ++bin)
      it->second[bin] += (*t.histogram)[bin];
  }
  return families;
}

namespace {
/// Reads fields of one JSON object, remembering the first problem.
struct FieldReader {
  llvm::StringRef what;
  std::string path;
  std::string problem;

  bool fail(llvm::StringRef field, llvm::StringRef expected) {
    if (problem.empty())
      problem = (what + ": '" + path + field + "' must be " + expected).str();
    return false;
  }
  bool string(const llvm::json::Object &o, llvm::StringRef key,
              std::string &out, bool required = true) {
    const llvm::json::Value *v = o.get(key);
    if (!v)
      return !required || fail(key, "present");
    auto s = v->getAsString();
    if (!s)
      return fail(key, "a string");
    out = s->str();
    return true;
  }
  bool integer(const llvm::json::Object &o, llvm::StringRef key, int64_t &out,
               int64_t lo, int64_t hi, bool required = true) {
    const llvm::json::Value *v = o.get(key);
    if (!v)
      return !required || fail(key, "present");
    auto n = v->getAsInteger();
    if (!n || *n < lo || *n > hi)
      return fail(key, ("an integer in [" + llvm::Twine(lo) + ", " +
                        llvm::Twine(hi) + "]")
                           .str());
    out = *n;
    return true;
  }
  bool number(const llvm::json::Object &o, llvm::StringRef key,
              std::optional<double> &out, double lo, double hi,
              bool required = false) {
    const llvm::json::Value *v = o.get(key);
    if (!v)
      return !required || fail(key, "present");
    auto n = v->getAsNumber();
    if (!n || !std::isfinite(*n) || *n < lo || *n > hi)
      return fail(key, "a number in range");
    out = *n;
    return true;
  }
};
} // namespace

// Far beyond any model (2^44 weights in one tensor, a million tensors), small
// enough that no sum of them overflows.
static constexpr int64_t kMaxElements = int64_t(1) << 44;
static constexpr size_t kMaxItems = size_t(1) << 20;

llvm::Expected<ModelReport> readJsonReport(llvm::StringRef text,
                                           llvm::StringRef what) {
  auto fail = [&](const llvm::Twine &message) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
  };
  llvm::Expected<llvm::json::Value> parsed = llvm::json::parse(text);
  if (!parsed)
    return fail(what +
                ": not a JSON report: " + llvm::toString(parsed.takeError()));
  const llvm::json::Object *model = parsed->getAsObject();
  if (model && model->get("models")) {
    const llvm::json::Array *models = model->getArray("models");
    if (!models || models->empty() || !(*models)[0].getAsObject())
      return fail(what + ": 'models' must be a non-empty list of objects");
    model = (*models)[0].getAsObject();
  }
  if (!model)
    return fail(what + ": not a JSON report (expected an object)");

  ModelReport m;
  FieldReader read{what, "", ""};
  std::optional<double> bpw, error;
  int64_t bytes = -1;
  read.string(*model, "model", m.name);
  read.string(*model, "arch", m.arch);
  read.integer(*model, "num_layers", m.numLayers, 0, 1 << 20);
  read.number(*model, "estimated_kld", m.estimatedKld, 0, 1e9);
  read.number(*model, "assigned_bpw", bpw, 0, 64);
  read.number(*model, "assigned_error", error, 0, 1e300);
  if (read.integer(*model, "assigned_bytes", bytes, 0, kMaxElements * 8,
                   /*required=*/false) &&
      bytes >= 0)
    m.assignedBytes = bytes;
  m.assignedBpw = bpw;
  m.assignedError = error;
  if (auto formats = model->getBoolean("formats_assigned"))
    m.formatsAssigned = *formats;

  const llvm::json::Array *layers = model->getArray("layers");
  const llvm::json::Array *tensors = model->getArray("tensors");
  if (read.problem.empty() && (!layers || layers->size() > kMaxItems))
    read.fail("layers", "a list");
  if (read.problem.empty() && (!tensors || tensors->size() > kMaxItems))
    read.fail("tensors", "a list");
  for (size_t i = 0; read.problem.empty() && i < layers->size(); ++i) {
    read.path = ("layers[" + llvm::Twine(i) + "].").str();
    const llvm::json::Object *o = (*layers)[i].getAsObject();
    if (!o) {
      read.fail("", "an object");
      break;
    }
    LayerInfo l;
    std::optional<double> bits;
    read.integer(*o, "layer", l.index, 0, 1 << 20);
    read.number(*o, "bits", bits, 0, 64, /*required=*/true);
    l.bits = bits.value_or(0);
    m.layers.push_back(l);
  }
  for (size_t i = 0; read.problem.empty() && i < tensors->size(); ++i) {
    read.path = ("tensors[" + llvm::Twine(i) + "].").str();
    const llvm::json::Object *o = (*tensors)[i].getAsObject();
    if (!o) {
      read.fail("", "an object");
      break;
    }
    TensorInfo t;
    std::optional<double> bits;
    read.string(*o, "name", t.name);
    read.string(*o, "format", t.format);
    read.integer(*o, "elements", t.elements, 0, kMaxElements);
    read.integer(*o, "layer", t.layer, 0, 1 << 20, /*required=*/false);
    read.number(*o, "bits", bits, 0, 64, /*required=*/true);
    t.bits = bits.value_or(0);
    if (const llvm::json::Array *shape = o->getArray("shape"))
      for (const llvm::json::Value &d : *shape)
        if (auto n = d.getAsInteger(); n && *n >= 0 && *n <= kMaxElements)
          t.shape.push_back(*n);
    m.tensors.push_back(std::move(t));
  }
  if (!read.problem.empty())
    return fail(read.problem);
  return m;
}

} // namespace llmq::report
