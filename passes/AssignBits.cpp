//===- AssignBits.cpp - A storage format for every weight -----------------===//
//
// `preset=q4_k_m` (and the other llama.cpp file types) sets `format` on every
// weight to the ggml type llama-quantize would write for that tensor in a
// file of that type; `preset=fp8`, `preset=w4a16` and `type=T` put one format
// on every quantizable matrix; `tensor-type=REGEX=FORMAT` overrides per
// tensor as llama-quantize's --tensor-type (all in assign/Plan.h);
// `target-bpw` / `target-bytes` choose by measured error under a size budget
// (assign/Optimizer.h). The pass checks its options, describes the weights
// to those libraries, binds their rows, and writes the results back as
// attributes and a remark. See docs/passes/assign-bits.md.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "dialects/Llmq/Importance.h"
#include "dialects/Llmq/LlmqOps.h"
#include "dialects/Llmq/ModelFiles.h"
#include "dialects/Llmq/ParameterFile.h"
#include "dialects/Llmq/Threading.h"
#include "dialects/Llmq/WeightFormats.h"
#include "dialects/Llmq/WeightSources.h"
#include "formats/files/Imatrix.h"
#include "formats/files/ScratchFile.h"
#include "formats/quant/RefinedQuants.h"
#include "passes/assign/GptqErrors.h"
#include "passes/assign/Optimizer.h"
#include "passes/assign/Plan.h"
#include "passes/assign/Sensitivity.h"
#include "passes/assign/Timing.h"
#include "runtime/exec/ThreadPool.h"

#include "mlir/IR/Builders.h"
#include "llvm/Support/Debug.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <optional>
#include <thread>

#define DEBUG_TYPE "llmq-assign-bits"

namespace mlir::llmq {
#define GEN_PASS_DEF_ASSIGNBITS
#include "passes/Passes.h.inc"
} // namespace mlir::llmq

using namespace mlir;
using namespace mlir::llmq;

namespace {
/// out= with error=gptq: every candidate's GPTQ bytes, kept on disk until
/// the knapsack has chosen (a second calibration run would otherwise be
/// needed to make the chosen ones again).
struct KeptCandidates {
  std::unique_ptr<::llmq::ScratchFile> file;
  /// [item][candidate], for the candidates GPTQ quantized.
  std::vector<std::vector<std::optional<::llmq::ScratchFile::Extent>>> where;

  const ::llmq::ScratchFile::Extent *find(size_t item,
                                          size_t candidate) const {
    if (item >= where.size() || candidate >= where[item].size() ||
        !where[item][candidate])
      return nullptr;
    return &*where[item][candidate];
  }
};

struct AssignBitsPass
    : public mlir::llmq::impl::AssignBitsBase<AssignBitsPass> {
  using AssignBitsBase::AssignBitsBase;
  void runOnOperation() override;

private:
  LogicalResult apply(ModelOp model, const assign::Plan &plan,
                      assign::Overrides &overrides);
  LogicalResult optimize(ModelOp model, assign::Overrides &overrides);
  LogicalResult writeRefined(ModelOp model, MutableArrayRef<WeightOp> weights,
                             const std::vector<assign::Item> &items,
                             const KeptCandidates *kept,
                             ::llmq::runtime::ThreadPool &pool);
  llvm::Error measureByGptq(ModelOp model, std::vector<assign::Item> &items,
                            assign::KldProbe probe, KeptCandidates *kept,
                            ::llmq::runtime::ThreadPool &pool);
  void count(const assign::PlanCounts &counts);
};
} // namespace

/// The weights of `model` in op order, and what the libraries need of them.
static SmallVector<WeightOp> weightsOf(ModelOp model,
                                       std::vector<assign::Tensor> &tensors) {
  SmallVector<WeightOp> weights(model.getBody().getOps<WeightOp>());
  for (WeightOp weight : weights) {
    ArrayRef<int64_t> shape = weight.getTensorType().getShape();
    tensors.push_back({weight.getSymName().str(),
                       llamacpp::ggufName(weight.getSymName()),
                       {shape.begin(), shape.end()},
                       sourceFormat(weight)});
  }
  return weights;
}

/// Reports `error` at the weight a TensorError names, else at `model`.
static LogicalResult report(llvm::Error error, ModelOp model,
                            ArrayRef<WeightOp> weights) {
  llvm::handleAllErrors(
      std::move(error),
      [&](const assign::TensorError &e) {
        WeightOp weight = weights[e.index];
        weight.emitError("llmq-assign-bits: ") << e.message;
      },
      [&](const llvm::ErrorInfoBase &e) {
        model.emitError("llmq-assign-bits: ") << e.message();
      });
  return failure();
}

void AssignBitsPass::count(const assign::PlanCounts &counts) {
  numQuantized += counts.quantized;
  numOverridden += counts.overridden;
  numFallbacks += counts.fallbacks;
}

/// Sets `assigned_bytes` and `assigned_bpw` on `model`.
static void setTotals(ModelOp model, uint64_t bytes, double bpw) {
  auto *dialect = model.getContext()->getLoadedDialect<LlmqDialect>();
  Builder builder(model.getContext());
  dialect->getAssignedBytesAttrHelper().setAttr(
      model, builder.getI64IntegerAttr(static_cast<int64_t>(bytes)));
  dialect->getAssignedBpwAttrHelper().setAttr(model,
                                              builder.getF64FloatAttr(bpw));
}

LogicalResult AssignBitsPass::apply(ModelOp model, const assign::Plan &plan,
                                    assign::Overrides &overrides) {
  std::vector<assign::Tensor> tensors;
  SmallVector<WeightOp> weights = weightsOf(model, tensors);
  assign::ModelFacts facts{model.getArch().str(),
                           static_cast<int64_t>(model.getNumLayers()),
                           static_cast<int64_t>(model.getNumHeads()),
                           static_cast<int64_t>(model.getNumKvHeads()),
                           !importanceFile(model).empty()};
  assign::PlanCounts counts;
  auto formats = assign::applyPlan(plan, facts, tensors, overrides, counts);
  if (!formats)
    return report(formats.takeError(), model, weights);
  count(counts);
  for (auto [weight, format] : llvm::zip_equal(weights, *formats))
    weight.setFormatAttr(FormatAttr::get(model.getContext(), format));
  auto totals = assign::totals(tensors, *formats);
  if (!totals)
    return report(totals.takeError(), model, weights);
  setTotals(model, totals->bytes, totals->bpw());
  model.emitRemark(llvm::formatv(
      "llmq-assign-bits: {0}: {1}, assigned {2} bytes ({3:F4} bpw)",
      model.getSymName(), plan.option, totals->bytes, totals->bpw()));
  return success();
}

/// error=gptq: every candidate of the weights GPTQ quantizes measured as
/// --llmq-gptq with the same options would leave it (assign/GptqErrors.h).
llvm::Error AssignBitsPass::measureByGptq(ModelOp model,
                                          std::vector<assign::Item> &items,
                                          assign::KldProbe probe,
                                          KeptCandidates *kept,
                                          ::llmq::runtime::ThreadPool &pool) {
  assign::GptqErrorOptions options;
  options.textFile = textFile;
  options.tokens = gptqTokens;
  options.ctx = contextSize;
  options.damp = gptqDamp;
  options.scaleSearch = static_cast<int>(gptqScaleSearch);
  options.refine = static_cast<int>(gptqRefine);
  options.hessianMiB = gptqHessianMiB;
  options.factorOnly = errorMethod == "gptq-factor";
  if (kept) {
    kept->where.assign(items.size(), {});
    options.keep = [&](size_t item, size_t candidate,
                       ArrayRef<uint8_t> bytes) -> llvm::Error {
      auto extent = kept->file->append(bytes);
      if (!extent)
        return extent.takeError();
      auto &slots = kept->where[item];
      slots.resize(items[item].candidates.size());
      slots[candidate] = *extent;
      return llvm::Error::success();
    };
  }
  assign::GptqErrorStats stats;
  llvm::Error err =
      assign::measureGptqErrors(model, items, options, probe, pool, stats);
  numGptqRuns += stats.quantized;
  return err;
}

LogicalResult AssignBitsPass::optimize(ModelOp model,
                                       assign::Overrides &overrides) {
  auto fail = [&](const Twine &message) {
    return model.emitError("llmq-assign-bits: ") << message;
  };
  if (sensitivityTokens < 0)
    return fail("sensitivity-tokens=" + Twine(sensitivityTokens.getValue()) +
                " is negative");
  bool gptqFactor = errorMethod == "gptq-factor";
  bool byGptq = errorMethod == "gptq" || gptqFactor;
  if (!byGptq && errorMethod != "rtn")
    return fail("error='" + errorMethod + "' is not rtn, gptq or gptq-factor");
  if (byGptq && textFile.empty())
    return fail("error=" + errorMethod + " needs text=FILE (calibration text)");
  if (byGptq && gptqTokens < 1)
    return fail("gptq-tokens=" + Twine(gptqTokens.getValue()) +
                " must be >= 1");
  if (byGptq && gptqDamp != -1 &&
      (!std::isfinite(gptqDamp) || gptqDamp < 0 || gptqDamp > 1))
    return fail("gptq-damp=" + formatOptionValue(gptqDamp) +
                " is outside [0, 1]");
  if (byGptq && (gptqScaleSearch < 0 || gptqScaleSearch > 64))
    return fail("gptq-scale-search=" + Twine(gptqScaleSearch.getValue()) +
                " is outside [0, 64]");
  if (byGptq && (gptqRefine < 0 || gptqRefine > 64))
    return fail("gptq-refine=" + Twine(gptqRefine.getValue()) +
                " is outside [0, 64]");
  if (byGptq && gptqHessianMiB < 1)
    return fail("gptq-hessian-mib=" + Twine(gptqHessianMiB.getValue()) +
                " must be >= 1");
  bool probing = sensitivityTokens > 0 && !textFile.empty();
  std::vector<assign::Tensor> tensors;
  SmallVector<WeightOp> weights = weightsOf(model, tensors);
  assign::PlanCounts counts;
  auto problem = assign::makeProblem(tensors, overrides, probing, counts);
  if (!problem)
    return report(problem.takeError(), model, weights);
  count(counts);
  std::vector<assign::Item> &items = problem->items;
  std::optional<KeptCandidates> kept;
  if (byGptq && !outFile.empty()) {
    auto file = ::llmq::ScratchFile::create(outFile);
    if (!file)
      return fail("out='" + outFile + "': " + llvm::toString(file.takeError()));
    kept.emplace();
    kept->file = std::move(*file);
  }
  KeptCandidates *keptOrNull = kept ? &*kept : nullptr;

  // Bind the rows of every weight with candidates to measure, and measure.
  unsigned numThreads =
      getWorkerThreads(model, threads, "llmq-assign-bits");
  ::llmq::runtime::ThreadPool pool(numThreads);
  assign::OptimizerTiming timing{printTiming, {}, {}, {}};
  timing.error.start();
  auto sources = std::make_unique<WeightSources>();
  ImportanceReader importanceReader;
  for (assign::Item &item : items) {
    if (!item.measured)
      continue;
    WeightOp weight = weights[item.tensor];
    auto source = sources->resolve(weight);
    if (!source)
      return fail(llvm::toString(source.takeError()));
    ::llmq::runtime::WeightView &view = item.source.view;
    item.source.refined = !outFile.empty();
    view.format = source->format;
    view.rows = source->rows;
    view.cols = source->cols;
    view.data = source->data;
    view.grouped = source->grouped;
    if (auto rows = weight.getScaledRowsAttr()) {
      item.source.scaled.insert(rows.asArrayRef().begin(),
                                rows.asArrayRef().end());
      if (auto s = weight.getRowScaleAttr())
        item.source.rowScale = s.getValueAsDouble();
    }
    // Importance: the mean squared input per column of the imatrix entry
    // the weight's llmq.importance names; 1 for a weight without one (the
    // untied token embedding, every weight without an imatrix).
    llvm::Expected<const ::llmq::ImatrixEntry *> entry =
        importanceReader.lookup(weight);
    if (!entry)
      return fail(llvm::toString(entry.takeError()));
    if (*entry)
      for (int64_t c = 0; c < (*entry)->cols; ++c)
        item.source.importance.push_back((*entry)->mean2(c));
    assign::measure(item, pool);
    ++numQuantized;
  }
  timing.errorDone(numThreads);
  if (probing) {
    timing.base.start();
    auto probes = assign::SensitivityProbes::create(
        model, textFile, sensitivityTokens, contextSize, pool);
    timing.base.stop();
    if (!probes)
      return fail(llvm::toString(probes.takeError()));
    auto kld = [&](const assign::Item &item, ::llmq::Format format,
                   ArrayRef<uint8_t> packed) {
      auto result = (*probes)->kld(item.symbol, format, packed);
      timing.probeDone((*probes)->numProbes(), item.name,
                       (*probes)->blockTokens());
      return result;
    };
    timing.probes.start();
    auto weigh = [&]() -> llvm::Error {
      if (!byGptq)
        return assign::weighBySensitivity(items, kld, pool);
      if (!gptqFactor)
        return measureByGptq(model, items, kld, keptOrNull, pool);
      if (llvm::Error err =
              measureByGptq(model, items, nullptr, keptOrNull, pool))
        return err;
      return assign::weighBySensitivity(items, kld, pool);
    };
    llvm::Error probeError = weigh();
    timing.probes.stop();
    if (probeError)
      return fail(llvm::toString(std::move(probeError)));
    timing.probesDone((*probes)->positions(), (*probes)->numProbes(),
                      (*probes)->blockTokens());
    numProbes += (*probes)->numProbes();
    numProbeBlockTokens += (*probes)->blockTokens();
    LLVM_DEBUG(llvm::dbgs() << llvm::formatv(
                   "{0} probes over {1} positions: {2} block x token "
                   "evaluations ({3} as full forward passes), {4} bytes kept\n",
                   (*probes)->numProbes(), (*probes)->positions(),
                   (*probes)->blockTokens(),
                   (*probes)->fullForwardBlockTokens(), (*probes)->keptBytes()));
  }
  if (byGptq && !probing)
    if (llvm::Error err =
            measureByGptq(model, items, nullptr, keptOrNull, pool))
      return fail(llvm::toString(std::move(err)));

  uint64_t budget =
      assign::budgetBytes(targetBpw, targetBytes, problem->elements);
  auto assignment = assign::chooseFormats(items, budget);
  if (!assignment)
    return fail(llvm::toString(assignment.takeError()));
  if (!outFile.empty() &&
      failed(writeRefined(model, weights, items, keptOrNull, pool)))
    return failure();
  sources.reset();

  MLIRContext *ctx = model.getContext();
  auto *dialect = ctx->getLoadedDialect<LlmqDialect>();
  Builder builder(ctx);
  for (const assign::Item &item : items) {
    const assign::Candidate &c = item.candidates[item.chosen];
    WeightOp weight = weights[item.tensor];
    weight.setFormatAttr(FormatAttr::get(ctx, c.format));
    if (item.measured)
      dialect->getQuantErrorAttrHelper().setAttr(
          weight, builder.getF64FloatAttr(c.error));
    if (item.quantizable && probing)
      dialect->getSensitivityAttrHelper().setAttr(
          weight, builder.getF64FloatAttr(item.sensitivity));
  }
  double bpw = assign::Totals{assignment->bytes, problem->elements}.bpw();
  setTotals(model, assignment->bytes, bpw);
  dialect->getAssignedErrorAttrHelper().setAttr(
      model, builder.getF64FloatAttr(assignment->error));
  if (probing)
    dialect->getEstimatedKldAttrHelper().setAttr(
        model, builder.getF64FloatAttr(assignment->cost));
  InFlightDiagnostic remark = model.emitRemark(llvm::formatv(
      "llmq-assign-bits: {0}: budget {1} bytes, assigned {2} bytes "
      "({3:F4} bpw), error {4:E6}",
      model.getSymName(), budget, assignment->bytes, bpw, assignment->error));
  if (probing)
    remark << llvm::formatv(", estimated KLD {0:E4}", assignment->cost).str();
  return success();
}

/// Whether the chosen candidate of `item` goes to the parameter file: a
/// quantizable weight the knapsack chose, in a format with a refined search,
/// without logit-mask row scales (the exporters apply those to the source).
static bool isRefined(const assign::Item &item) {
  return item.quantizable && !item.fixed && item.measured &&
         item.source.scaled.empty() &&
         item.candidates[item.chosen].format.isGgml() &&
         ::llmq::quant::hasRefinedSearch(
             item.candidates[item.chosen].format.ggml);
}

/// out=: the chosen formats' rows, streamed weight by weight into the
/// parameter file (GPTQ's kept bytes where error=gptq made them, else the
/// refined search's); the weights' sources then point at it.
LogicalResult AssignBitsPass::writeRefined(
    ModelOp model, MutableArrayRef<WeightOp> weights,
    const std::vector<assign::Item> &items, const KeptCandidates *kept,
    ::llmq::runtime::ThreadPool &pool) {
  auto fail = [&](const Twine &message) {
    return model.emitError("llmq-assign-bits: ") << message;
  };
  auto keptBytes = [&](size_t i) -> const ::llmq::ScratchFile::Extent * {
    return kept ? kept->find(i, items[i].chosen) : nullptr;
  };
  protectModelFiles(model);
  std::vector<ParameterSpec> specs;
  std::vector<size_t> written;
  for (size_t i = 0; i < items.size(); ++i) {
    const assign::Item &item = items[i];
    if (!keptBytes(i) && !isRefined(item))
      continue;
    specs.push_back({weights[item.tensor].getSymName().str(),
                     item.candidates[item.chosen].format, item.rows,
                     item.cols});
    written.push_back(i);
  }
  auto writer = ParameterFileWriter::create(outFile, specs);
  if (!writer)
    return fail(llvm::toString(writer.takeError()));
  for (size_t i : written) {
    const assign::Item &item = items[i];
    std::vector<uint8_t> packed;
    if (const ::llmq::ScratchFile::Extent *extent = keptBytes(i)) {
      auto bytes = kept->file->read(*extent);
      if (!bytes)
        return fail(llvm::toString(bytes.takeError()));
      packed = std::move(*bytes);
    } else {
      double error = 0;
      packed = assign::quantizeRows(
          item.source, item.candidates[item.chosen].format.ggml, pool, error);
    }
    if (llvm::Error err = (*writer)->writeRows(packed))
      return fail(llvm::toString(std::move(err)));
  }
  if (llvm::Error err = (*writer)->commit())
    return fail(llvm::toString(std::move(err)));
  for (size_t k = 0; k < written.size(); ++k)
    repointSource(weights[items[written[k]].tensor], (*writer)->location(k));
  return success();
}

void AssignBitsPass::runOnOperation() {
  // Budgets first: NaN compares unequal to 0 and would pass for a mode.
  auto refuse = [&](const Twine &message) {
    getOperation().emitError("llmq-assign-bits: ") << message;
    signalPassFailure();
  };
  if (!std::isfinite(targetBpw) || targetBpw < 0 || targetBpw > 32)
    return refuse("target-bpw=" + formatOptionValue(targetBpw) +
                  " is outside (0, 32]");
  if (targetBytes < 0)
    return refuse("target-bytes=" + Twine(targetBytes.getValue()) +
                  " must be > 0");
  int modes = (preset != AssignBitsPreset::None) + !uniformType.empty() +
              (targetBpw != 0) + (targetBytes != 0);
  if (modes != 1)
    return refuse("give exactly one of preset, type, target-bpw and "
                  "target-bytes");
  if (!outFile.empty() && targetBpw == 0 && targetBytes == 0)
    return refuse("out='" + outFile + "' needs target-bpw or target-bytes");
  // out= holds one model's tensors, named by weight: a second model would
  // replace the file the first one's weights point at.
  if (!outFile.empty() &&
      std::distance(getOperation().getOps<ModelOp>().begin(),
                    getOperation().getOps<ModelOp>().end()) > 1)
    return refuse("out='" + outFile + "' takes one model, the input has " +
                  Twine(std::distance(getOperation().getOps<ModelOp>().begin(),
                                      getOperation().getOps<ModelOp>().end())));
  std::optional<assign::Plan> plan;
  if (preset != AssignBitsPreset::None) {
    plan = assign::presetPlan(preset);
  } else if (!uniformType.empty()) {
    plan = assign::uniformPlan(uniformType);
    if (!plan)
      return refuse("type='" + uniformType + "' names no storage format (" +
                    assign::kFormatExamples + ")");
  }
  auto overrides = assign::Overrides::parse(tensorTypes);
  if (!overrides)
    return refuse(llvm::toString(overrides.takeError()));
  for (ModelOp model : getOperation().getOps<ModelOp>())
    if (failed(plan ? apply(model, *plan, *overrides)
                    : optimize(model, *overrides)))
      return signalPassFailure();
  // llama-quantize ignores a pattern that matches nothing; a warning says
  // so, since it is most often a misspelt name.
  for (const std::string &spec : overrides->unused())
    getOperation().emitWarning("llmq-assign-bits: tensor-type '")
        << spec << "' matches no quantizable weight";
}
