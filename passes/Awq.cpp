//===- Awq.cpp - Activation-aware weight scaling (AWQ) --------------------===//
//
// Finds the groups of linears that read one input and an operation right
// before them that can absorb a per-channel division, collects activation
// statistics with the reference runtime (Session::setMatmulObserver, as
// --llmq-imatrix does), searches each group's scales (passes/awq), and
// writes the folded tensors to a parameter file the weights then point at.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "dialects/Llmq/Architectures.h"
#include "dialects/Llmq/LlmqOps.h"
#include "dialects/Llmq/ParameterFile.h"
#include "dialects/Llmq/WeightFormats.h"
#include "dialects/Llmq/WeightSources.h"
#include "dialects/Llmq/Threading.h"
#include "formats/files/AtomicOutputFile.h"
#include "passes/awq/AwqSearch.h"
#include "runtime/eval/Corpus.h"
#include "runtime/exec/Model.h"
#include "runtime/exec/Session.h"
#include "runtime/exec/ThreadPool.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

#include <cstdio>
#include <cstring>
#include <map>
#include <thread>

#define DEBUG_TYPE "llmq-awq"

namespace mlir::llmq {
#define GEN_PASS_DEF_AWQ
#include "passes/Passes.h.inc"
} // namespace mlir::llmq

using namespace mlir;
using namespace mlir::llmq;
using MatmulInput = ::llmq::runtime::Session::MatmulInput;

namespace {
struct AwqPass : public mlir::llmq::impl::AwqBase<AwqPass> {
  using AwqBase::AwqBase;
  void runOnOperation() override;

private:
  LogicalResult run(ModelOp model);
};

enum class GroupKind { Qkv, AttnOutput, GateUp, Down };

/// Which inputs the clipping search judges a group's rounding on.
enum class ClipInputs { Original, Quantized, Compensate };

/// Linears that read one input, and what absorbs the division by their
/// scales: a norm's weight, or the rows of the linear that makes the input.
struct Group {
  GroupKind kind;
  int64_t block;
  MatmulInput input;
  WeightOp previous;
  bool previousIsNorm;
  SmallVector<WeightOp, 3> linears;
  /// Input channel -> scale index (GQA's o: channels of the query heads
  /// that read one kv head share v's row scale); empty: identity.
  std::vector<int64_t> channelOf;
  std::string skipped; ///< why it is left alone ("" if searched)
  ::llmq::awq::SearchResult result;
};

/// How a folded weight changes: columns times `colScale`, rows (or a
/// vector's values) divided by `rowDivisor`; empty: unchanged that way.
/// `clip`: then clipped (AWQ's clipping search) for its format, on inputs
/// of block `block`'s `input`.
struct Fold {
  std::vector<float> colScale, rowDivisor;
  bool clip = false;
  int64_t block = 0;
  MatmulInput input = MatmulInput::Attention;
  ::llmq::awq::ClipResult clipResult;
};
} // namespace

static StringRef kindName(GroupKind kind) {
  switch (kind) {
  case GroupKind::Qkv:
    return "attn_qkv";
  case GroupKind::AttnOutput:
    return "attn_output";
  case GroupKind::GateUp:
    return "ffn_gate_up";
  case GroupKind::Down:
    return "ffn_down";
  }
  return "";
}

/// The groups of every block, in block order, with the reason each one that
/// cannot be folded is skipped.
static std::vector<Group> findGroups(ModelOp model) {
  std::vector<Group> groups;
  for (BlockOp block : model.getBody().getOps<BlockOp>()) {
    std::map<Role, WeightOp> weights = block.getWeightsByRole();
    auto get = [&](Role role) {
      auto it = weights.find(role);
      return it == weights.end() ? WeightOp() : it->second;
    };
    int64_t index = block.getIndex();
    auto add = [&](GroupKind kind, MatmulInput input, WeightOp previous,
                   bool isNorm, std::initializer_list<WeightOp> linears,
                   StringRef missing) {
      Group g{kind, index, input, previous, isNorm, {}, {}, "", {}};
      for (WeightOp w : linears)
        if (w)
          g.linears.push_back(w);
      if (g.linears.size() != linears.size())
        return; // the architecture has no such group
      if (!previous)
        g.skipped = missing.str();
      else if (llvm::none_of(g.linears,
                             [](WeightOp w) { return chosenFormat(w); }))
        g.skipped = "no linear of the group has a format";
      groups.push_back(std::move(g));
    };
    add(GroupKind::Qkv, MatmulInput::Attention, get(Role::AttnNorm), true,
        {get(Role::AttnQ), get(Role::AttnK), get(Role::AttnV)},
        "no norm right before q/k/v (post-norm block)");
    add(GroupKind::AttnOutput, MatmulInput::AttnOutput,
        get(Role::AttnVBias) ? WeightOp() : get(Role::AttnV), false,
        {get(Role::AttnOutput)},
        "v has a bias (its rows cannot take the division alone)");
    if (!groups.empty() && groups.back().kind == GroupKind::AttnOutput &&
        groups.back().block == index) {
      // o's input channel c belongs to query head c / head_dim, which reads
      // kv head (c / head_dim) / (heads / kv_heads): v's row of that head
      // and dimension absorbs the scale, so those channels share it.
      int64_t headDim = model.getHeadDim();
      int64_t perKV = model.getNumHeads() / model.getNumKvHeads();
      int64_t qDim = model.getNumHeads() * headDim;
      std::vector<int64_t> &map = groups.back().channelOf;
      for (int64_t c = 0; c < qDim; ++c)
        map.push_back((c / headDim) / perKV * headDim + c % headDim);
    }
    add(GroupKind::GateUp, MatmulInput::Ffn, get(Role::FfnNorm), true,
        {get(Role::FfnGate), get(Role::FfnUp)},
        "no norm right before gate/up (post-norm block)");
    add(GroupKind::Down, MatmulInput::FfnDown, get(Role::FfnUp), false,
        {get(Role::FfnDown)}, "");
  }
  return groups;
}

/// A double option's value as a diagnostic shows it (%g).
static std::string formatDouble(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g", value);
  return text;
}

LogicalResult AwqPass::run(ModelOp model) {
  auto fail = [&](const llvm::Twine &message) {
    model.emitError("llmq-awq: ") << message;
    return failure();
  };
  if (textFile.empty())
    return fail("needs text=FILE (calibration text)");
  if (outFile.empty())
    return fail("needs out=FILE to write the folded tensors to");
  if (numTokens < 1)
    return fail("tokens=" + llvm::Twine(numTokens.getValue()) +
                " must be >= 1");
  if (contextSize < 1 ||
      contextSize > static_cast<int64_t>(model.getContextLength()))
    return fail("ctx=" + llvm::Twine(contextSize.getValue()) +
                " is outside [1, " + llvm::Twine(model.getContextLength()) +
                "]");
  if (sampleRows < 1)
    return fail("samples=" + llvm::Twine(sampleRows.getValue()) +
                " must be >= 1");
  if (grid < 1 || grid > 1000)
    return fail("grid=" + llvm::Twine(grid.getValue()) +
                " is outside [1, 1000]");
  ClipInputs inputsMode;
  if (clipInputs == "original")
    inputsMode = ClipInputs::Original;
  else if (clipInputs == "quantized")
    inputsMode = ClipInputs::Quantized;
  else if (clipInputs == "compensate")
    inputsMode = ClipInputs::Compensate;
  else
    return fail("clip-inputs='" + clipInputs +
                "' is not one of original, quantized, compensate");
  if (clipGrid < 1 || clipGrid > 1000)
    return fail("clip-grid=" + llvm::Twine(clipGrid.getValue()) +
                " is outside [1, 1000]");
  if (!(clipShrink >= 0 && clipShrink < 1))
    return fail("clip-shrink=" + formatDouble(clipShrink) +
                " is outside [0, 1)");
  if (!(clipGrow >= 0 && clipGrow <= 1))
    return fail("clip-grow=" + formatDouble(clipGrow) +
                " is outside [0, 1]");
  if (clipPasses < 0 || clipPasses > 100)
    return fail("clip-passes=" + llvm::Twine(clipPasses.getValue()) +
                " is outside [0, 100]");
  // The report's file is opened before anything is written, so that a
  // json= the run may not write leaves no parameter file behind.
  std::unique_ptr<::llmq::AtomicOutputFile> jsonOut;
  if (!jsonFile.empty()) {
    auto file = ::llmq::AtomicOutputFile::create(jsonFile);
    if (!file)
      return fail(llvm::toString(file.takeError()));
    jsonOut = std::move(*file);
  }

  std::vector<Group> groups = findGroups(model);
  // Clipping needs no previous operation, only a format: every linear of
  // the groups that has one, except q and k unless clip-qk (AutoAWQ's
  // avoid_clipping: attention scores are sensitive to their extremes).
  auto clips = [&](WeightOp w) {
    std::optional<Role> role;
    for (BlockOp block : model.getBody().getOps<BlockOp>())
      for (NamedAttribute entry : block.getWeights())
        if (auto symbol = dyn_cast<FlatSymbolRefAttr>(entry.getValue()))
          if (symbol.getValue() == w.getSymName())
            role = lookupRole(entry.getName().getValue());
    return clip && chosenFormat(w) &&
           (clipQK || (role != Role::AttnQ && role != Role::AttnK));
  };
  bool anySearched = llvm::any_of(groups, [&](const Group &g) {
    return g.skipped.empty() || llvm::any_of(g.linears, clips);
  });

  unsigned workers =
      getWorkerThreads(model, threads, "llmq-awq");
  ::llmq::runtime::ThreadPool pool(workers);
  int64_t layers = model.getNumLayers();
  std::vector<std::array<::llmq::awq::InputStats, 4>> stats(layers),
      quantizedStats(layers);
  int64_t calibrationTokens = 0;
  if (anySearched) {
    auto stream = ::llmq::runtime::calibrationTokens(model, textFile,
                                                     numTokens, contextSize);
    if (!stream)
      return fail(llvm::toString(stream.takeError()));
    int64_t chunks = static_cast<int64_t>(stream->size()) / contextSize;
    // The model as its sources: the statistics are those of the unquantized
    // model, as AutoAWQ's (its scaling is exact, so the inputs of later
    // blocks do not change).
    // With clip-inputs other than original, a second run over the same
    // windows with every assigned format simulated (round to nearest) gives
    // the inputs the clipped linears meet once the layers before them are
    // quantized: its sample rows are the same tokens'.
    for (bool quantized : {false, true}) {
      if (quantized && (inputsMode == ClipInputs::Original || !clip))
        break;
      ::llmq::runtime::LoadOptions load;
      load.simulateFormats = quantized;
      load.threads = workers;
      auto runtimeModel = ::llmq::runtime::Model::load(model, load);
      if (!runtimeModel)
        return fail(llvm::toString(runtimeModel.takeError()));
      ::llmq::runtime::Session session(**runtimeModel, pool, contextSize);
      int64_t maxRows = sampleRows;
      auto &into = quantized ? quantizedStats : stats;
      session.setMatmulObserver([&](int64_t block, MatmulInput input,
                                    const float *x, int64_t n, int64_t cols) {
        into[block][static_cast<int>(input)].add(x, n, cols, maxRows);
      });
      std::vector<float> logits;
      for (int64_t chunk = 0; chunk < chunks; ++chunk) {
        session.reset();
        if (llvm::Error err = session.forward(
                llvm::ArrayRef<int32_t>(*stream).slice(chunk * contextSize,
                                                       contextSize),
                logits, /*allLogits=*/false))
          return fail(llvm::toString(std::move(err)));
      }
    }
    calibrationTokens = chunks * contextSize;
  }

  // Search every group on the original weights (the folds of different
  // groups commute: columns of one, rows of another).
  WeightSources sources;
  ::llmq::awq::SearchOptions options;
  options.grid = grid;
  options.duoScaling = duoScaling;
  options.powerOfTwo = exactScales;
  for (Group &g : groups) {
    if (!g.skipped.empty()) {
      ++numSkipped;
      continue;
    }
    const ::llmq::awq::InputStats &in =
        stats[g.block][static_cast<int>(g.input)];
    std::vector<std::vector<float>> values;
    SmallVector<::llmq::awq::LinearToScale, 3> linears;
    int64_t cols = 0;
    for (WeightOp w : g.linears) {
      int64_t rows = 0, c = 0;
      auto read = sources.readFloats(w, rows, c);
      if (!read)
        return fail(llvm::toString(read.takeError()));
      if (c != in.cols || (cols && c != cols))
        return fail("'" + w.getSymName() + "' has " + llvm::Twine(c) +
                    " columns, its input has " + llvm::Twine(in.cols) +
                    " channels");
      cols = c;
      values.push_back(std::move(*read));
      linears.push_back({values.back().data(), rows, chosenFormat(w)});
    }
    for (const ::llmq::awq::LinearToScale &l : linears)
      if (l.format && !::llmq::awq::effectiveFormat(*l.format, cols).fits(cols))
        return fail("a format of group " + kindName(g.kind) + " of block " +
                    llvm::Twine(g.block) + " does not fit " +
                    llvm::Twine(cols) + " columns");
    std::vector<double> gram = ::llmq::awq::gramMatrix(
        in.sample.data(), in.sampleRows, cols, pool);
    g.result = ::llmq::awq::searchScales(linears, cols, in.meanAbs(),
                                         g.channelOf, gram, options, pool);
    ++numGroups;
    if (g.result.alpha >= 0)
      ++numScaled;
  }

  // What each weight becomes: the scales of the groups it reads for
  // (columns) and of the group it feeds (rows, or a norm's values).
  llvm::DenseMap<Operation *, Fold> folds;
  for (const Group &g : groups)
    for (WeightOp w : g.linears)
      if (clips(w)) {
        Fold &fold = folds[w];
        fold.clip = true;
        fold.block = g.block;
        fold.input = g.input;
      }
  for (const Group &g : groups) {
    if (!g.skipped.empty() || g.result.alpha < 0)
      continue;
    std::vector<float> full;
    if (g.channelOf.empty())
      full = g.result.scales;
    else
      for (int64_t m : g.channelOf)
        full.push_back(g.result.scales[m]);
    for (WeightOp w : g.linears)
      folds[w].colScale = full;
    folds[g.previous].rowDivisor = g.result.scales;
  }
  // In model order, so the file and the IR do not depend on hashing.
  std::vector<WeightOp> folded;
  for (WeightOp w : model.getBody().getOps<WeightOp>())
    if (folds.count(w))
      folded.push_back(w);

  if (!folded.empty()) {
    std::vector<ParameterSpec> specs;
    for (WeightOp w : folded) {
      ArrayRef<int64_t> shape = w.getTensorType().getShape();
      int64_t rows = shape.size() == 2 ? shape[0] : 1;
      int64_t cols = shape.back();
      specs.push_back({w.getSymName().str(),
                       ::llmq::TensorFormat::ggmlFormat(::llmq::Format::F32),
                       rows, cols});
    }
    auto writer = ParameterFileWriter::create(outFile, std::move(specs));
    if (!writer)
      return fail(llvm::toString(writer.takeError()));
    // The Gram matrix of the last input clipped against (q/k/v, gate/up
    // follow each other in model order), in its scaled form.
    std::pair<int64_t, int> gramKey{-1, 0};
    std::vector<float> gramScale;
    std::vector<double> gram, cross;
    ::llmq::awq::ClipOptions clipOptions;
    clipOptions.grid = clipGrid;
    clipOptions.maxShrink = clipShrink;
    clipOptions.maxGrow = clipGrow;
    clipOptions.crossPasses = clipPasses;
    for (WeightOp w : folded) {
      Fold &fold = folds[w];
      int64_t rows = 0, cols = 0;
      auto values = sources.readFloats(w, rows, cols);
      if (!values)
        return fail(llvm::toString(values.takeError()));
      // A vector (a norm) is one row of values, each divided by its scale.
      bool vector = rows == 1 && w.getTensorType().getRank() == 1;
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c) {
          double v = (*values)[r * cols + c];
          if (!fold.colScale.empty())
            v *= fold.colScale[c];
          if (!fold.rowDivisor.empty())
            v /= fold.rowDivisor[vector ? c : r];
          (*values)[r * cols + c] = static_cast<float>(v);
        }
      if (fold.clip) {
        // The inputs the folded weight reads are x / s.
        const ::llmq::awq::InputStats &in =
            stats[fold.block][static_cast<int>(fold.input)];
        std::pair<int64_t, int> key{fold.block, static_cast<int>(fold.input)};
        const ::llmq::awq::InputStats &seen =
            inputsMode == ClipInputs::Original
                ? in
                : quantizedStats[fold.block][static_cast<int>(fold.input)];
        if (key != gramKey || fold.colScale != gramScale) {
          gram = ::llmq::awq::gramMatrix(seen.sample.data(), seen.sampleRows,
                                         cols, pool);
          cross.clear();
          if (inputsMode == ClipInputs::Compensate)
            cross = ::llmq::awq::crossMatrix(seen.sample.data(),
                                             in.sample.data(),
                                             std::min(seen.sampleRows,
                                                      in.sampleRows),
                                             cols, pool);
          if (!fold.colScale.empty())
            for (int64_t i = 0; i < cols; ++i)
              for (int64_t j = 0; j < cols; ++j) {
                double st = static_cast<double>(fold.colScale[i]) *
                            fold.colScale[j];
                gram[i * cols + j] /= st;
                if (!cross.empty())
                  cross[i * cols + j] /= st;
              }
          gramKey = key;
          gramScale = fold.colScale;
        }
        fold.clipResult = ::llmq::awq::searchClip(
            values->data(), rows, cols, *chosenFormat(w), gram, clipOptions,
            pool, cross);
      }
      if (llvm::Error err = (*writer)->writeRows(ArrayRef<uint8_t>(
              reinterpret_cast<const uint8_t *>(values->data()),
              values->size() * sizeof(float))))
        return fail(llvm::toString(std::move(err)));
    }
    if (llvm::Error err = (*writer)->commit())
      return fail(llvm::toString(std::move(err)));
    auto importance =
        model.getContext()->getLoadedDialect<LlmqDialect>()
            ->getImportanceAttrHelper();
    bool staleImportance = false;
    for (auto [i, w] : llvm::enumerate(folded)) {
      repointSource(w, (*writer)->location(i));
      if (importance.getAttr(w)) {
        w->removeAttr(importance.getName());
        staleImportance = true;
      }
    }
    if (staleImportance)
      model.emitWarning("llmq-awq: the importance measured before the "
                        "folding no longer matches the folded weights and "
                        "was removed: run --llmq-imatrix after --llmq-awq");
  }

  if (jsonOut) {
    llvm::json::Array report;
    for (const Group &g : groups) {
      llvm::json::Array names;
      for (WeightOp w : g.linears)
        names.push_back(w.getSymName().str());
      llvm::json::Object o{{"block", g.block},
                           {"group", kindName(g.kind)},
                           {"linears", std::move(names)}};
      if (!g.skipped.empty()) {
        o["skipped"] = g.skipped;
      } else {
        o["alpha"] = g.result.alpha;
        o["rounding_error"] = g.result.roundingError;
        o["scaled_error"] = g.result.scaledError;
      }
      llvm::json::Object clipped;
      for (WeightOp w : g.linears) {
        auto it = folds.find(w);
        if (it != folds.end() && it->second.clip)
          clipped[w.getSymName()] = llvm::json::Array{
              it->second.clipResult.roundingError,
              it->second.clipResult.clippedError};
      }
      if (!clipped.empty())
        o["clip_error"] = std::move(clipped);
      report.push_back(std::move(o));
    }
    jsonOut->os() << llvm::formatv(
        "{0:2}\n", llvm::json::Value(llvm::json::Object{
                       {"model", model.getSymName()},
                       {"calibration_tokens", calibrationTokens},
                       {"sample_rows", sampleRows.getValue()},
                       {"grid", grid.getValue()},
                       {"duo_scaling", duoScaling.getValue()},
                       {"exact_scales", exactScales.getValue()},
                       {"clip", clip.getValue()},
                       {"clip_grid", clipGrid.getValue()},
                       {"clip_shrink", clipShrink.getValue()},
                       {"clip_grow", clipGrow.getValue()},
                       {"clip_passes", clipPasses.getValue()},
                       {"clip_inputs", clipInputs.getValue()},
                       {"groups", std::move(report)}}));
    if (llvm::Error err = jsonOut->commit())
      return fail(llvm::toString(std::move(err)));
  }
  return success();
}

void AwqPass::runOnOperation() {
  auto models = modelsForParameterFile(getOperation(), "llmq-awq", outFile);
  if (failed(models))
    return signalPassFailure();
  for (ModelOp model : *models)
    if (failed(run(model)))
      return signalPassFailure();
}
