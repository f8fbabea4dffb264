//===- Report.cpp - A report of the analyses on a model -------------------===//
//
// Reads what the analysis passes left on the IR (block influence, weight
// statistics, the imatrix entries the weights name, super weights, the formats
// and errors of the bit assignment) and writes them as JSON and as one
// self-contained HTML page of SVG charts. Changes nothing in the IR.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "dialects/Llmq/Importance.h"
#include "dialects/Llmq/LlmqOps.h"
#include "dialects/Llmq/WeightFormats.h"
#include "formats/files/AtomicOutputFile.h"
#include "formats/files/Imatrix.h"
#include "formats/files/OutputPaths.h"
#include "formats/files/ReadFile.h"
#include "passes/report/Report.h"

#include "mlir/Parser/Parser.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/SourceMgr.h"

#include <functional>
#include <map>

#define DEBUG_TYPE "llmq-report"

namespace mlir::llmq {
#define GEN_PASS_DEF_REPORT
#include "passes/Passes.h.inc"
} // namespace mlir::llmq

using namespace mlir;
using namespace mlir::llmq;
using ::llmq::report::LayerInfo;
using ::llmq::report::ModelReport;
using ::llmq::report::TensorInfo;

namespace {
struct ReportPass : public mlir::llmq::impl::ReportBase<ReportPass> {
  using ReportBase::ReportBase;
  void runOnOperation() override;
};
} // namespace

static std::optional<double> floatAttr(FloatAttr attr) {
  if (attr)
    return attr.getValueAsDouble();
  return std::nullopt;
}

static std::optional<double> statsEntry(DictionaryAttr stats, StringRef name) {
  if (auto attr = stats ? stats.getAs<FloatAttr>(name) : FloatAttr())
    return attr.getValueAsDouble();
  return std::nullopt;
}

/// Mean of `entry`'s in_sum2 / count over channels (and experts), with the
/// sum and the number of channels for a weighted mean over several entries.
static std::pair<double, int64_t>
importanceSum(const ::llmq::ImatrixEntry &entry) {
  double sum = 0;
  for (int64_t mat = 0; mat < entry.nmat; ++mat)
    for (int64_t col = 0; col < entry.cols; ++col)
      sum += entry.mean2(col, mat);
  return {sum, entry.cols * entry.nmat};
}

static std::optional<double> maxOf(std::optional<double> a,
                                   std::optional<double> b) {
  if (!a)
    return b;
  if (!b)
    return a;
  return std::max(*a, *b);
}

static FailureOr<ModelReport> collect(ModelOp model) {
  auto fail = [&](const Twine &message) {
    model.emitError("llmq-report: ") << message;
    return failure();
  };
  ModelReport report;
  report.name = model.getSymName().str();
  report.arch = model.getArch().str();
  report.numLayers = model.getNumLayers();

  auto *dialect = model.getContext()->getLoadedDialect<LlmqDialect>();
  ImportanceReader importanceReader;
  report.imatrix = importanceFile(model);

  // Blocks, by index; which block uses which weight.
  std::map<int64_t, LayerInfo> layers;
  llvm::StringMap<int64_t> layerOf;
  for (BlockOp block : model.getBody().getOps<BlockOp>()) {
    LayerInfo &layer = layers[block.getIndex()];
    layer.index = block.getIndex();
    layer.influence =
        floatAttr(dialect->getInfluenceAttrHelper().getAttr(block));
    layer.angularDistance =
        floatAttr(dialect->getAngularDistanceAttrHelper().getAttr(block));
    report.hasInfluence |= layer.influence.has_value();
    for (NamedAttribute entry : block.getWeights())
      if (auto symbol = dyn_cast<FlatSymbolRefAttr>(entry.getValue()))
        layerOf[symbol.getValue()] = block.getIndex();
  }

  // Per layer sums: elements x bits, importance sum and channels.
  std::map<int64_t, std::pair<double, int64_t>> bitSums, importanceSums;
  for (WeightOp weight : model.getBody().getOps<WeightOp>()) {
    TensorInfo t;
    t.name = weight.getSymName().str();
    auto it = layerOf.find(t.name);
    t.layer = it == layerOf.end() ? -1 : it->second;
    RankedTensorType type = weight.getTensorType();
    t.shape.assign(type.getShape().begin(), type.getShape().end());
    t.elements = type.getNumElements();
    ::llmq::TensorFormat format = sourceFormat(weight);
    if (std::optional<::llmq::TensorFormat> chosen = chosenFormat(weight)) {
      format = *chosen;
      report.formatsAssigned = true;
    }
    t.format = format.name();
    t.bits = format.bitsPerWeight(t.shape.empty() ? 1 : t.shape.front(),
                                  t.shape.empty() ? 1 : t.shape.back());
    t.quantError =
        floatAttr(dialect->getQuantErrorAttrHelper().getAttr(weight));
    report.hasQuantError |= t.quantError.has_value();
    DictionaryAttr stats = dialect->getStatsAttrHelper().getAttr(weight);
    report.hasStats |= static_cast<bool>(stats);
    t.rms = statsEntry(stats, "rms");
    t.maxAbs = statsEntry(stats, "max_abs");
    t.kurtosis = statsEntry(stats, "kurtosis");
    t.outliers = statsEntry(stats, "outliers");
    // The verifier checked its length and that it adds up to `count`.
    if (auto histogram = stats
                             ? stats.getAs<DenseI64ArrayAttr>("log2_histogram")
                             : DenseI64ArrayAttr())
      t.histogram.emplace(histogram.asArrayRef().begin(),
                          histogram.asArrayRef().end());
    if (ArrayAttr pinned = dialect->getPinnedAttrHelper().getAttr(weight))
      t.pinned = pinned.size();
    std::pair<double, int64_t> importance{0, 0};
    llvm::Expected<const ::llmq::ImatrixEntry *> entry =
        importanceReader.lookup(weight);
    if (!entry)
      return fail(llvm::toString(entry.takeError()));
    if (*entry)
      importance = importanceSum(**entry);
    if (importance.second > 0)
      t.importance = importance.first / importance.second;

    if (t.layer >= 0) {
      LayerInfo &layer = layers[t.layer];
      auto &bits = bitSums[t.layer];
      bits.first += t.bits * t.elements;
      bits.second += t.elements;
      auto &imp = importanceSums[t.layer];
      imp.first += importance.first;
      imp.second += importance.second;
      if (t.quantError)
        layer.quantError = layer.quantError.value_or(0) + *t.quantError;
      // Over the block's matrices: a norm's few elements say little about
      // how a quantizer will fare, and they are never quantized.
      if (t.shape.size() >= 2) {
        layer.maxKurtosis = maxOf(layer.maxKurtosis, t.kurtosis);
        layer.maxOutliers = maxOf(layer.maxOutliers, t.outliers);
      }
    }
    report.tensors.push_back(std::move(t));
  }
  for (auto &[index, sums] : bitSums)
    if (sums.second > 0)
      layers[index].bits = sums.first / sums.second;
  for (auto &[index, sums] : importanceSums)
    if (sums.second > 0)
      layers[index].importance = sums.first / sums.second;

  if (ArrayAttr list = dialect->getSuperWeightsAttrHelper().getAttr(model)) {
    report.superWeights.emplace();
    // The verifier checked each entry's type and that its weight exists.
    for (auto entry : list.getAsRange<SuperWeightAttr>()) {
      StringRef weight = entry.getWeight().getValue();
      auto owner = layerOf.find(weight);
      int64_t layer = owner == layerOf.end() ? -1 : owner->second;
      report.superWeights->push_back({weight.str(), layer, entry.getRow(),
                                      entry.getCol(),
                                      entry.getValue().getValueAsDouble()});
      auto it = layers.find(layer);
      if (it != layers.end())
        ++it->second.superWeights;
    }
  }
  if (IntegerAttr bytes = dialect->getAssignedBytesAttrHelper().getAttr(model))
    report.assignedBytes = bytes.getInt();
  report.assignedBpw =
      floatAttr(dialect->getAssignedBpwAttrHelper().getAttr(model));
  report.assignedError =
      floatAttr(dialect->getAssignedErrorAttrHelper().getAttr(model));
  report.estimatedKld =
      floatAttr(dialect->getEstimatedKldAttrHelper().getAttr(model));
  for (auto &[index, layer] : layers)
    report.layers.push_back(std::move(layer));
  return report;
}

/// The plan in `path`: a JSON report (--llmq-report json=) or IR, whose
/// first model is collected in a context of its own.
static llvm::Expected<ModelReport> loadOtherPlan(StringRef path,
                                                 MLIRContext *context) {
  auto buffer = ::llmq::readSmallFileBuffer(path, ::llmq::kMaxIRFileBytes,
                                            "compare= file");
  if (!buffer)
    return buffer.takeError();
  StringRef text = (*buffer)->getBuffer().ltrim();
  if (text.starts_with("{"))
    return ::llmq::report::readJsonReport(text, path);
  // IR: parsed and verified like quant-opt's input; its diagnostics go to the
  // handler of this pass's context, so they are located in that file.
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(*buffer), llvm::SMLoc());
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(sourceMgr, ParserConfig(context));
  if (!module)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path + ": not a JSON report nor valid IR");
  auto models = module->getOps<ModelOp>();
  if (models.empty())
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path + ": holds no llmq.model");
  FailureOr<ModelReport> report = collect(*models.begin());
  if (failed(report))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path + ": cannot be reported");
  return std::move(*report);
}

/// Writes `path` through `write`, atomically.
static llvm::Error
writeFile(StringRef path, llvm::function_ref<void(llvm::raw_ostream &)> write) {
  auto file = ::llmq::AtomicOutputFile::create(path);
  if (!file)
    return file.takeError();
  write((*file)->os());
  return (*file)->commit();
}

void ReportPass::runOnOperation() {
  markAllAnalysesPreserved();
  if (htmlFile.empty() && jsonFile.empty()) {
    getOperation().emitError("llmq-report: give html=FILE, json=FILE or both");
    return signalPassFailure();
  }
  std::vector<ModelReport> models;
  for (ModelOp model : getOperation().getOps<ModelOp>()) {
    FailureOr<ModelReport> report = collect(model);
    if (failed(report))
      return signalPassFailure();
    models.push_back(std::move(*report));
  }
  if (models.empty()) {
    getOperation().emitError("llmq-report: the module holds no llmq.model");
    return signalPassFailure();
  }
  std::optional<ModelReport> other;
  if (!compareFile.empty()) {
    ::llmq::protectInput(compareFile, "the compare= plan");
    llvm::Expected<ModelReport> loaded =
        loadOtherPlan(compareFile, &getContext());
    if (!loaded) {
      getOperation().emitError("llmq-report: compare=")
          << llvm::toString(loaded.takeError());
      return signalPassFailure();
    }
    other = std::move(*loaded);
  }
  // Each file appears whole or not at all; if the HTML fails, the JSON
  // written before it stays (it is complete on its own). An output the
  // run may not write (an input) is refused before either is written.
  for (const std::string &path : {jsonFile.getValue(), htmlFile.getValue()})
    if (!path.empty())
      if (llvm::Error refused = ::llmq::checkOutputFile(path)) {
        getOperation().emitError("llmq-report: ")
            << llvm::toString(std::move(refused));
        return signalPassFailure();
      }
  llvm::Error err = llvm::Error::success();
  if (!jsonFile.empty())
    err = writeFile(jsonFile, [&](llvm::raw_ostream &os) {
      ::llmq::report::writeJsonReport(models, os);
    });
  if (!err && !htmlFile.empty())
    err = writeFile(htmlFile, [&](llvm::raw_ostream &os) {
      ::llmq::report::writeHtmlReport(models, os, other ? &*other : nullptr);
    });
  if (err) {
    getOperation().emitError("llmq-report: ") << llvm::toString(std::move(err));
    signalPassFailure();
  }
}
