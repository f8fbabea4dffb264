//===- LlmqDialect.cpp - llmq dialect registration and attributes ---------===//
//
// Registers the dialect and verifies its attributes: the attribute types'
// own invariants (rope scaling, pins, super weights, importance) and, for
// the analysis attributes passes leave on ops (`llmq.influence`, ...), which
// op may carry each and of what type.
//
//===----------------------------------------------------------------------===//

#include "dialects/Llmq/LlmqOps.h"
#include "dialects/Llmq/MagnitudeHistogram.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::llmq;

#include "dialects/Llmq/LlmqDialect.cpp.inc"
#include "dialects/Llmq/LlmqEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/Llmq/LlmqAttrs.cpp.inc"

void LlmqDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/Llmq/LlmqAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "dialects/Llmq/LlmqOps.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Attribute verifiers
//===----------------------------------------------------------------------===//

/// Checks that `value`, the number `name` of a rope scaling of `type`, is
/// present, finite and positive.
static LogicalResult
checkRopeNumber(function_ref<InFlightDiagnostic()> emitError, StringRef type,
                StringRef name, FloatAttr value) {
  if (!value)
    return emitError() << "rope scaling '" << type << "' needs " << name;
  double v = value.getValueAsDouble();
  if (!std::isfinite(v) || v <= 0)
    return emitError() << "rope scaling '" << type << "': " << name << " is "
                       << formatNumber(v) << ", expected a finite number > 0";
  return success();
}

LogicalResult
RopeScalingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                        StringRef type, FloatAttr factor, FloatAttr low,
                        FloatAttr high, FloatAttr original) {
  if (type == "linear") {
    if (failed(checkRopeNumber(emitError, type, "factor", factor)))
      return failure();
    if (low || high || original)
      return emitError() << "rope scaling 'linear' takes only a factor";
    return success();
  }
  if (type == "llama3") {
    std::pair<StringRef, FloatAttr> numbers[] = {
        {"factor", factor},
        {"low_freq_factor", low},
        {"high_freq_factor", high},
        {"original_max_position_embeddings", original}};
    for (auto [name, value] : numbers)
      if (failed(checkRopeNumber(emitError, type, name, value)))
        return failure();
    if (low.getValueAsDouble() == high.getValueAsDouble())
      return emitError() << "rope scaling 'llama3': low_freq_factor and "
                            "high_freq_factor are both "
                         << formatNumber(low.getValueAsDouble());
    return success();
  }
  return emitError() << "unknown rope scaling type '" << type
                     << "' (known: linear, llama3)";
}

/// Checks a row and column of an entry of a weight: non-negative, and the
/// value found there finite.
static LogicalResult
checkEntry(function_ref<InFlightDiagnostic()> emitError, StringRef what,
           int64_t row, int64_t col, FloatAttr value) {
  if (row < 0 || col < 0)
    return emitError() << what << " at (" << row << ", " << col
                       << ") has a negative coordinate";
  if (!value || !std::isfinite(value.getValueAsDouble()))
    return emitError() << what << " at (" << row << ", " << col
                       << ") needs a finite value";
  return success();
}

LogicalResult PinAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                              int64_t row, int64_t col, FloatAttr value) {
  return checkEntry(emitError, "pin", row, col, value);
}

LogicalResult
SuperWeightAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                        FlatSymbolRefAttr weight, int64_t row, int64_t col,
                        FloatAttr value) {
  if (!weight)
    return emitError() << "super weight needs a weight symbol";
  return checkEntry(emitError, "super weight", row, col, value);
}

LogicalResult
ImportanceAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                       StringRef file, StringRef key) {
  if (file.empty())
    return emitError() << "importance needs a file";
  if (key.empty())
    return emitError() << "importance needs the key of an entry in '" << file
                       << "'";
  return success();
}

//===----------------------------------------------------------------------===//
// Analysis attributes on ops
//===----------------------------------------------------------------------===//

namespace {
/// Where an analysis attribute may appear.
enum class Owner { Model, Block, Weight };
} // namespace

static StringRef ownerName(Owner owner) {
  switch (owner) {
  case Owner::Model:
    return "llmq.model";
  case Owner::Block:
    return "llmq.block";
  case Owner::Weight:
    return "llmq.weight";
  }
  llvm_unreachable("unknown owner");
}

/// The statistics --llmq-weight-stats writes; `count` is an integer.
static LogicalResult verifyStats(Operation *op, StringRef name,
                                 DictionaryAttr stats) {
  static const StringLiteral kKeys[] = {"count",    "rms",      "max_abs",
                                        "mean",     "std",      "kurtosis",
                                        "outliers", "log2_histogram"};
  for (NamedAttribute entry : stats) {
    StringRef key = entry.getName().strref();
    if (!llvm::is_contained(kKeys, key))
      return op->emitOpError("'")
             << name << "' has an unknown entry '" << key
             << "' (known: count, rms, max_abs, mean, std, kurtosis, "
                "outliers, log2_histogram)";
    if (key == "log2_histogram")
      continue;
    bool ok = key == "count" ? isa<IntegerAttr>(entry.getValue())
                             : isa<FloatAttr>(entry.getValue());
    if (!ok)
      return op->emitOpError("'")
             << name << "' entry '" << key << "' must be "
             << (key == "count" ? "an integer" : "a float");
  }
  Attribute histogramValue = stats.get("log2_histogram");
  if (!histogramValue)
    return success();
  // One count per bin of MagnitudeHistogram.h, adding up to `count`.
  auto histogram = dyn_cast<DenseI64ArrayAttr>(histogramValue);
  if (!histogram || histogram.size() != ::llmq::kMagnitudeBins)
    return op->emitOpError("'")
           << name << "' entry 'log2_histogram' must be an array<i64> of "
           << ::llmq::kMagnitudeBins << " counts (zeros, then octaves 2^"
           << ::llmq::kLowestOctave << " to 2^" << ::llmq::kHighestOctave
           << ")";
  int64_t total = 0;
  for (int64_t n : histogram.asArrayRef()) {
    if (n < 0 || total > std::numeric_limits<int64_t>::max() - n)
      return op->emitOpError("'")
             << name << "' entry 'log2_histogram' has a count of " << n;
    total += n;
  }
  auto count = stats.getAs<IntegerAttr>("count");
  if (count && count.getInt() != total)
    return op->emitOpError("'")
           << name << "' entry 'log2_histogram' counts " << total
           << " values, 'count' is " << count.getInt();
  return success();
}

LogicalResult LlmqDialect::verifyOperationAttribute(Operation *op,
                                                    NamedAttribute attr) {
  StringRef name = attr.getName().strref();
  Attribute value = attr.getValue();
  StringRef bare = name;
  bare.consume_front("llmq.");

  // Which op carries it, and whether the value has the right type.
  std::optional<Owner> owner;
  bool typed = false;
  StringRef expected;
  if (bare == "influence" || bare == "angular_distance") {
    owner = Owner::Block;
    typed = isa<FloatAttr>(value);
    expected = "a float";
  } else if (bare == "quant_error" || bare == "sensitivity") {
    owner = Owner::Weight;
    typed = isa<FloatAttr>(value);
    expected = "a float";
  } else if (bare == "stats") {
    owner = Owner::Weight;
    typed = isa<DictionaryAttr>(value);
    expected = "a dictionary";
  } else if (bare == "pinned") {
    owner = Owner::Weight;
    auto list = dyn_cast<ArrayAttr>(value);
    typed = list && !list.empty() &&
            llvm::all_of(list, [](Attribute a) { return isa<PinAttr>(a); });
    expected = "a non-empty list of #llmq.pin";
  } else if (bare == "importance") {
    owner = Owner::Weight;
    typed = isa<ImportanceAttr>(value);
    expected = "a #llmq.importance";
  } else if (bare == "super_weights") {
    owner = Owner::Model;
    auto list = dyn_cast<ArrayAttr>(value);
    typed = list && llvm::all_of(list, [](Attribute a) {
              return isa<SuperWeightAttr>(a);
            });
    expected = "a list of #llmq.super_weight";
  } else if (bare == "assigned_bytes") {
    owner = Owner::Model;
    auto bytes = dyn_cast<IntegerAttr>(value);
    typed = bytes && !bytes.getValue().isNegative();
    expected = "a non-negative integer";
  } else if (bare == "assigned_bpw" || bare == "assigned_error" ||
             bare == "estimated_kld") {
    owner = Owner::Model;
    typed = isa<FloatAttr>(value);
    expected = "a float";
  }
  if (!owner)
    return op->emitError("unknown attribute '")
           << name
           << "' (llmq's analysis attributes: llmq.influence, "
              "llmq.angular_distance, llmq.stats, llmq.pinned, "
              "llmq.importance, llmq.quant_error, llmq.sensitivity, "
              "llmq.super_weights, llmq.assigned_bytes, llmq.assigned_bpw, "
              "llmq.assigned_error, llmq.estimated_kld)";
  bool onOwner = (*owner == Owner::Model && isa<ModelOp>(op)) ||
                 (*owner == Owner::Block && isa<BlockOp>(op)) ||
                 (*owner == Owner::Weight && isa<WeightOp>(op));
  if (!onOwner)
    return op->emitError("'") << name << "' belongs on a "
                              << ownerName(*owner) << ", not on "
                              << op->getName();
  if (!typed)
    return op->emitOpError("'") << name << "' must be " << expected;
  if (auto floatValue = dyn_cast<FloatAttr>(value))
    if (!std::isfinite(floatValue.getValueAsDouble()))
      return op->emitOpError("'")
             << name << "' is " << formatNumber(floatValue.getValueAsDouble())
             << ", expected a finite number";
  if (bare == "stats")
    return verifyStats(op, name, cast<DictionaryAttr>(value));
  return success();
}
