//===- Gptq.cpp - GPTQ quantization of planned weights --------------------===//
//
// Runs the model over calibration text, accumulates each block linear's
// input Hessian from the runtime's matmul observer, quantizes the weight
// with GPTQ (formats/quant/Gptq.h) in the format --llmq-assign-bits chose,
// streams the bytes into a parameter file and points the weight's source
// at them. The algorithm lives in the library; this pass chooses the
// weights, runs the calibration in chunks of layers whose Hessians fit the
// memory budget, and writes.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "dialects/Llmq/Architectures.h"
#include "dialects/Llmq/LlmqOps.h"
#include "dialects/Llmq/ModelFiles.h"
#include "dialects/Llmq/ParameterFile.h"
#include "dialects/Llmq/Threading.h"
#include "dialects/Llmq/WeightFormats.h"
#include "dialects/Llmq/WeightSources.h"
#include "formats/quant/BlockScales.h"
#include "formats/quant/Gptq.h"
#include "passes/tune/GuidedHessians.h"
#include "passes/tune/ScaleTuning.h"
#include "runtime/eval/Corpus.h"
#include "runtime/exec/Model.h"
#include "runtime/exec/Session.h"
#include "runtime/exec/ThreadPool.h"

#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <cstring>
#include <thread>

#define DEBUG_TYPE "llmq-gptq"

namespace mlir::llmq {
#define GEN_PASS_DEF_GPTQ
#include "passes/Passes.h.inc"
} // namespace mlir::llmq

using namespace mlir;
using namespace mlir::llmq;
using MatmulInput = ::llmq::runtime::Session::MatmulInput;
using ::llmq::TensorFormat;
using ::llmq::runtime::grad::Linear;

namespace {
struct Target;
struct GptqPass : public mlir::llmq::impl::GptqBase<GptqPass> {
  using GptqBase::GptqBase;
  void runOnOperation() override;

private:
  LogicalResult run(ModelOp model);
  LogicalResult quantizeGuided(ModelOp model,
                               const std::vector<Target> &targets,
                               llvm::ArrayRef<int32_t> stream,
                               const ::llmq::runtime::Model &original,
                               const ::llmq::gptq::Options &options,
                               WeightSources &sources,
                               std::vector<::llmq::gptq::Quantized> &results,
                               ::llmq::runtime::ThreadPool &pool);
  LogicalResult tuneResults(ModelOp model, const std::vector<Target> &targets,
                            std::vector<::llmq::gptq::Quantized> &results,
                            llvm::ArrayRef<int32_t> stream,
                            ::llmq::runtime::grad::NormWeights &norms,
                            ::llmq::runtime::ThreadPool &pool);
};

/// `damp`'s default (::llmq::gptq::factorOptions picks kGgmlDamp or
/// kIntDamp per Hessian).
constexpr double kDefaultDamp = -1;

/// The input a weight multiplies: the runtime's matmul inputs, and the LM
/// head's.
enum class Input { Attention, AttnOutput, Ffn, FfnDown, Head };
constexpr int kNumInputs = 5;

/// A weight GPTQ quantizes; the LM head counts as a layer after the last.
struct Target {
  WeightOp weight;
  int64_t block;
  Input input;
  TensorFormat format;
  int64_t rows, cols;
  Linear linear;
};
} // namespace

/// The block linears: the runtime input each multiplies, and which of
/// Backprop's matrices it is.
struct LinearRole {
  Role role;
  Input input;
  Linear linear;
};
static const LinearRole kLinearRoles[] = {
    {Role::AttnQ, Input::Attention, Linear::Q},
    {Role::AttnK, Input::Attention, Linear::K},
    {Role::AttnV, Input::Attention, Linear::V},
    {Role::AttnOutput, Input::AttnOutput, Linear::O},
    {Role::FfnGate, Input::Ffn, Linear::Gate},
    {Role::FfnUp, Input::Ffn, Linear::Up},
    {Role::FfnDown, Input::FfnDown, Linear::Down},
};

/// `role`'s row of kLinearRoles, if it is a block linear.
static const LinearRole *linearRole(Role role) {
  for (const LinearRole &r : kLinearRoles)
    if (r.role == role)
      return &r;
  return nullptr;
}

/// Whether GPTQ produces `weight`'s chosen format for its shape; counts the
/// planned weights it leaves to the exporter.
static std::optional<TensorFormat> gptqFormat(WeightOp weight,
                                              int64_t &skipped) {
  std::optional<TensorFormat> format = chosenFormat(weight);
  if (!format || format->isFloat() || weight.getTensorType().getRank() != 2)
    return std::nullopt;
  int64_t cols = weight.getTensorType().getShape()[1];
  if (!::llmq::gptq::unsupportedReason(*format).empty() ||
      !format->fits(cols) || weight.getScaledRowsAttr()) {
    ++skipped;
    return std::nullopt;
  }
  return format;
}

/// The block linears (and an untied LM head) with a format GPTQ produces,
/// in layer order; counts the planned ones it leaves to the exporter.
static std::vector<Target> collectTargets(ModelOp model, int64_t &skipped) {
  std::vector<Target> targets;
  auto add = [&](WeightOp weight, int64_t block, Input input, Linear linear) {
    std::optional<TensorFormat> format = gptqFormat(weight, skipped);
    if (!format)
      return;
    llvm::ArrayRef<int64_t> shape = weight.getTensorType().getShape();
    targets.push_back(
        {weight, block, input, *format, shape[0], shape[1], linear});
  };
  for (BlockOp block : model.getBody().getOps<BlockOp>()) {
    for (NamedAttribute entry : block.getWeights()) {
      std::optional<Role> role = lookupRole(entry.getName().getValue());
      auto symbol = dyn_cast<FlatSymbolRefAttr>(entry.getValue());
      if (!role || !symbol)
        continue;
      const LinearRole *linear = linearRole(*role);
      WeightOp weight = model.lookupWeight(symbol.getValue());
      if (linear && weight)
        add(weight, static_cast<int64_t>(block.getIndex()), linear->input,
            linear->linear);
    }
  }
  // A head tied to the embedding is the embedding too: left to the exporter.
  auto heads = model.getBody().getOps<LmHeadOp>();
  auto embeddings = model.getBody().getOps<EmbeddingOp>();
  if (!heads.empty()) {
    StringRef head = (*heads.begin()).getWeight();
    bool tied = !embeddings.empty() && (*embeddings.begin()).getWeight() == head;
    if (WeightOp weight = model.lookupWeight(head); weight && !tied)
      add(weight, model.getNumLayers(), Input::Head, Linear::Head);
  }
  return targets;
}

/// A quantized weight kept in memory so that later layers' calibration
/// runs read it (sequential mode): the bytes as the runtime reads a GGUF or
/// pack-quantized tensor.
struct KeptWeight {
  std::vector<uint8_t> bytes; ///< ggml blocks, or packed int32 level words
  TensorFormat format;
  std::vector<float> scales;
  std::vector<uint8_t> zeros;
  ::llmq::GroupedView grouped;
};

/// Rebinds `symbol`'s views in `model` to `q` (kept in `kept`).
static void rebind(::llmq::runtime::Model &model, StringRef symbol,
                   const Target &t, ::llmq::gptq::Quantized &q,
                   std::vector<std::unique_ptr<KeptWeight>> &kept) {
  auto k = std::make_unique<KeptWeight>();
  k->format = t.format;
  ::llmq::runtime::WeightView view;
  view.rows = t.rows;
  view.cols = t.cols;
  if (t.format.isGgml()) {
    k->bytes = std::move(q.bytes);
    view.format = t.format.ggml;
  } else {
    std::vector<int32_t> words = ::llmq::packLevels(
        q.grouped.codes.data(), t.rows * t.cols, t.format.bits);
    k->bytes.resize(words.size() * 4);
    std::memcpy(k->bytes.data(), words.data(), k->bytes.size());
    k->scales = std::move(q.grouped.scales);
    k->zeros = std::move(q.grouped.zeros);
    k->grouped.format = &k->format;
    k->grouped.codes = k->bytes.data();
    k->grouped.scales = k->scales.data();
    k->grouped.zeros = k->zeros.empty() ? nullptr : k->zeros.data();
    k->grouped.rows = t.rows;
    k->grouped.cols = t.cols;
    view.format = ::llmq::Format::F32;
    view.grouped = &k->grouped;
  }
  view.data = k->bytes.data();
  for (::llmq::runtime::WeightView *v : model.matrixViews(symbol)) {
    view.ggmlActivations = v->ggmlActivations;
    *v = view;
  }
  kept.push_back(std::move(k));
}

/// A target's bytes into the parameter file.
static llvm::Error writeResult(ParameterFileWriter &writer, const Target &t,
                               const ::llmq::gptq::Quantized &q) {
  return t.format.isGgml() ? writer.writeRows(q.bytes)
                           : writer.writeStrip(q.grouped, t.rows);
}

/// The norm weights tuning writes, in Backprop's order: every block's
/// attention norm, every block's FFN norm, the final norm.
static FailureOr<std::vector<WeightOp>> tunedNorms(ModelOp model) {
  std::vector<WeightOp> attn, ffn, norms;
  for (BlockOp block : model.getBody().getOps<BlockOp>()) {
    std::map<Role, WeightOp> weights = block.getWeightsByRole();
    WeightOp a = weights[Role::AttnNorm], f = weights[Role::FfnNorm];
    if (!a || !f) {
      model.emitError("llmq-gptq: tune needs every block's attention and "
                      "FFN norm weights; block ")
          << block.getIndex() << " lacks one";
      return failure();
    }
    attn.push_back(a);
    ffn.push_back(f);
  }
  auto finals = model.getBody().getOps<FinalNormOp>();
  WeightOp final = finals.empty()
                       ? WeightOp()
                       : model.lookupWeight((*finals.begin()).getWeight());
  if (!final) {
    model.emitError("llmq-gptq: tune needs the final norm's weight");
    return failure();
  }
  norms = attn;
  norms.insert(norms.end(), ffn.begin(), ffn.end());
  norms.push_back(final);
  llvm::SmallPtrSet<Operation *, 16> seen;
  for (WeightOp w : norms)
    if (!seen.insert(w).second) {
      w.emitError("llmq-gptq: tune needs a norm weight per norm; '")
          << w.getSymName() << "' is shared";
      return failure();
    }
  return norms;
}

LogicalResult GptqPass::run(ModelOp model) {
  auto fail = [&](const llvm::Twine &message) {
    model.emitError("llmq-gptq: ") << message;
    return failure();
  };
  if (textFile.empty())
    return fail("needs text=FILE (calibration text)");
  if (outFile.empty())
    return fail("needs out=FILE, the parameter file to write the weights to");
  if (numTokens < 1)
    return fail("tokens=" + llvm::Twine(numTokens.getValue()) +
                " must be >= 1");
  if (contextSize < 1 ||
      contextSize > static_cast<int64_t>(model.getContextLength()))
    return fail("ctx=" + llvm::Twine(contextSize.getValue()) +
                " is outside [1, " + llvm::Twine(model.getContextLength()) +
                "]");
  if (damp != kDefaultDamp && (!std::isfinite(damp) || damp < 0 || damp > 1))
    return fail("damp=" + formatOptionValue(damp) + " is outside [0, 1]");
  if (block < 1)
    return fail("block=" + llvm::Twine(block.getValue()) + " must be >= 1");
  if (scaleSearch < 0 || scaleSearch > 64)
    return fail("scale-search=" + llvm::Twine(scaleSearch.getValue()) +
                " is outside [0, 64]");
  if (groupScales != "max" && groupScales != "mse" && groupScales != "sweep")
    return fail("scales='" + groupScales + "' is not max, mse or sweep");
  if (scaleGrid < 1 || scaleGrid > 1000)
    return fail("scale-grid=" + llvm::Twine(scaleGrid.getValue()) +
                " is outside [1, 1000]");
  if (refine < 0 || refine > 64)
    return fail("refine=" + llvm::Twine(refine.getValue()) +
                " is outside [0, 64]");
  if (hessianMiB < 1)
    return fail("hessian-mib=" + llvm::Twine(hessianMiB.getValue()) +
                " must be >= 1");
  if (tune < 0 || tune > 1000)
    return fail("tune=" + llvm::Twine(tune.getValue()) +
                " is outside [0, 1000]");
  if (!std::isfinite(tuneRate) || tuneRate <= 0 || tuneRate > 1)
    return fail("tune-rate=" + formatOptionValue(tuneRate) +
                " is outside (0, 1]");
  if (tuneBatch < 1)
    return fail("tune-batch=" + llvm::Twine(tuneBatch.getValue()) +
                " must be >= 1");
  if (guided < 0 || guided > 1024)
    return fail("guided=" + llvm::Twine(guided.getValue()) +
                " is outside [0, 1024]");
  if (guided > 0 && (sequential || asymmetric))
    return fail("guided takes its Hessians from the original model's "
                "gradients; it does not combine with sequential or "
                "asymmetric");

  int64_t skipped = 0;
  std::vector<Target> targets = collectTargets(model, skipped);
  numSkipped += skipped;
  if (targets.empty())
    return fail("model '" + model.getSymName() +
                "' has no block weight with a format GPTQ produces (int4/int8 "
                "groups, q4_0, q5_0, q5_1, q8_0, q2_K..q6_K); run "
                "--llmq-assign-bits first");

  // tune: the norm weights it writes, in Backprop's order.
  std::vector<WeightOp> norms;
  if (tune > 0 && tuneNorms) {
    auto found = tunedNorms(model);
    if (failed(found))
      return failure();
    norms = std::move(*found);
  }

  // The output is opened first: a path it may not replace fails before
  // any work.
  protectModelFiles(model);
  std::vector<ParameterSpec> specs;
  for (Target &t : targets)
    specs.push_back({t.weight.getSymName().str(), t.format, t.rows, t.cols});
  for (WeightOp norm : norms)
    specs.push_back({norm.getSymName().str(),
                     TensorFormat::ggmlFormat(::llmq::Format::F32), 1,
                     norm.getTensorType().getNumElements()});
  auto writer = ParameterFileWriter::create(outFile, specs);
  if (!writer)
    return fail(llvm::toString(writer.takeError()));

  auto stream = ::llmq::runtime::calibrationTokens(model, textFile, numTokens,
                                                   contextSize);
  if (!stream)
    return fail(llvm::toString(stream.takeError()));
  int64_t windows = static_cast<int64_t>(stream->size()) / contextSize;
  auto runtimeModel = ::llmq::runtime::Model::load(model);
  if (!runtimeModel)
    return fail(llvm::toString(runtimeModel.takeError()));
  // guided and tune differentiate the model: refused before any work.
  if (guided > 0 || tune > 0) {
    std::string reason =
        ::llmq::runtime::grad::unsupportedReason(**runtimeModel);
    if (!reason.empty())
      return fail("guided and tune need gradients through a pre-norm "
                  "decoder, but " +
                  reason);
  }

  unsigned workers =
      getWorkerThreads(model, threads, "llmq-gptq");
  ::llmq::runtime::ThreadPool pool(workers);
  ::llmq::gptq::ParallelFor parallelFor =
      [&](int64_t n, const std::function<void(int64_t, int64_t)> &fn) {
        pool.parallelFor(n, fn);
      };
  ::llmq::gptq::Options options;
  options.block = block;
  options.actOrder = actOrder;
  options.scaleSearch = static_cast<int>(scaleSearch);
  options.scaleGrid = static_cast<int>(scaleGrid);
  options.refine = static_cast<int>(refine);
  if (groupScales == "max")
    options.groupScales = ::llmq::gptq::GroupScales::Max;
  else if (groupScales == "mse")
    options.groupScales = ::llmq::gptq::GroupScales::Mse;
  else if (groupScales == "sweep")
    options.groupScales = ::llmq::gptq::GroupScales::Sweep;

  // Chunks of whole layers whose Hessians fit the budget (at least one
  // layer each), one calibration run per chunk.
  int64_t layers = model.getNumLayers() + 1; // the LM head's last
  std::vector<std::array<int64_t, kNumInputs>> inputCols(
      layers, std::array<int64_t, kNumInputs>{});
  // Whether a ggml weight reads the input (refine keeps its H then).
  std::vector<std::array<bool, kNumInputs>> ggmlInput(
      layers, std::array<bool, kNumInputs>{});
  for (const Target &t : targets) {
    inputCols[t.block][static_cast<int>(t.input)] = t.cols;
    if (t.format.isGgml())
      ggmlInput[t.block][static_cast<int>(t.input)] = true;
  }
  auto layerBytes = [&](int64_t l) {
    double bytes = 0;
    for (int64_t c : inputCols[l])
      bytes += 8.0 * double(c) * double(c);
    return bytes;
  };
  double budget = double(hessianMiB) * 1024 * 1024;

  // asymmetric: the original model beside the one whose weights are
  // rebound as they are quantized; its inputs of the layer being
  // calibrated, per window, to pair with the quantized model's.
  bool layerByLayer = sequential || asymmetric;
  std::unique_ptr<::llmq::runtime::Model> originalModel;
  if (asymmetric) {
    auto loaded = ::llmq::runtime::Model::load(model);
    if (!loaded)
      return fail(llvm::toString(loaded.takeError()));
    originalModel = std::move(*loaded);
  }
  std::array<std::vector<float>, kNumInputs> originalInputs;

  WeightSources sources;
  std::vector<std::unique_ptr<KeptWeight>> kept;
  // tune, guided: every target's result, written at the end.
  std::vector<::llmq::gptq::Quantized> results;
  bool keepResults = tune > 0 || guided > 0;
  if (guided > 0 &&
      failed(quantizeGuided(model, targets, *stream, **runtimeModel, options,
                            sources, results, pool)))
    return failure();
  int64_t headLayer = layers - 1;
  std::vector<float> residual; // windows x ctx x hidden, between chunks
  int64_t keptWindow = 0;
  int64_t residualBlock = 0; // the block `residual` enters
  size_t next = 0; // targets are in block order
  // guided quantized every target above.
  for (int64_t first = guided > 0 ? layers : 0; first < layers;) {
    int64_t last = first;
    double bytes = layerBytes(first);
    while (!layerByLayer && last + 1 < layers &&
           bytes + layerBytes(last + 1) <= budget)
      bytes += layerBytes(++last);
    if (bytes == 0) {
      first = last + 1;
      continue;
    }
    std::vector<std::array<std::unique_ptr<::llmq::gptq::HessianAccumulator>,
                           kNumInputs>>
        hessians(last - first + 1);
    for (int64_t l = first; l <= last; ++l)
      for (int i = 0; i < kNumInputs; ++i)
        if (int64_t c = inputCols[l][i])
          // asymmetric: the sums of z z^T for z = (x~, x - x~).
          hessians[l - first][i] =
              std::make_unique<::llmq::gptq::HessianAccumulator>(
                  asymmetric ? 2 * c : c);
    ::llmq::runtime::Session session(**runtimeModel, pool, contextSize);
    std::vector<float> paired;
    auto addPaired = [&](::llmq::gptq::HessianAccumulator &h, int index,
                         const float *x, int64_t n, int64_t cols) {
      const std::vector<float> &orig = originalInputs[index];
      if (orig.size() != size_t(n) * size_t(cols))
        return;
      paired.resize(size_t(n) * size_t(2 * cols));
      for (int64_t t = 0; t < n; ++t)
        for (int64_t c = 0; c < cols; ++c) {
          float xq = x[t * cols + c];
          paired[t * 2 * cols + c] = xq;
          paired[t * 2 * cols + cols + c] = orig[t * cols + c] - xq;
        }
      h.add(paired.data(), n, parallelFor);
    };
    session.setMatmulObserver([&](int64_t l, MatmulInput input, const float *x,
                                  int64_t n, int64_t cols) {
      if (l < first || l > last)
        return;
      auto &h = hessians[l - first][static_cast<int>(input)];
      if (asymmetric && h && h->cols() == 2 * cols)
        return addPaired(*h, static_cast<int>(input), x, n, cols);
      if (h && h->cols() == cols)
        h->add(x, n, parallelFor);
    });
    // The head sees every position only when all logits are computed.
    bool head = first <= headLayer && headLayer <= last &&
                hessians[headLayer - first][int(Input::Head)];
    if (head)
      session.setHeadObserver([&](const float *x, int64_t n, int64_t cols) {
        auto &h = hessians[headLayer - first][int(Input::Head)];
        if (asymmetric && h->cols() == 2 * cols)
          return addPaired(*h, int(Input::Head), x, n, cols);
        if (h->cols() == cols)
          h->add(x, n, parallelFor);
      });
    std::optional<::llmq::runtime::Session> original;
    if (asymmetric) {
      original.emplace(*originalModel, pool, contextSize);
      auto keepInput = [&](int index, const float *x, int64_t n,
                           int64_t cols) {
        originalInputs[index].assign(x, x + n * cols);
      };
      original->setMatmulObserver([&, keepInput](int64_t l, MatmulInput input,
                                                 const float *x, int64_t n,
                                                 int64_t cols) {
        if (l == first)
          keepInput(static_cast<int>(input), x, n, cols);
      });
      if (head)
        original->setHeadObserver(
            [&, keepInput](const float *x, int64_t n, int64_t cols) {
              keepInput(int(Input::Head), x, n, cols);
            });
      if (last < headLayer)
        original->setLastBlock(last);
    }
    // Without sequential, each window's residual stream after the chunk's
    // last block is kept (tokens x hidden floats), so that the next chunk
    // starts there instead of running the earlier blocks again: the model
    // runs once in all, and the activations are the same bit for bit
    // (Session::forwardFrom).
    int64_t hidden = (*runtimeModel)->config.hidden;
    bool resume = !layerByLayer && residualBlock > 0;
    bool keep = !layerByLayer && last < headLayer;
    if (keep) {
      session.setLastBlock(last);
      if (residual.empty())
        residual.resize(size_t(windows) * size_t(contextSize) *
                        size_t(hidden));
      session.setBlockObserver([&, this](int64_t l, const float *, const float *out,
                                         int64_t n) {
        if (l == last && n == contextSize)
          std::memcpy(residual.data() + keptWindow * contextSize * hidden,
                      out, size_t(n) * size_t(hidden) * sizeof(float));
      });
    }
    std::vector<float> logits;
    for (int64_t w = 0; w < windows; ++w) {
      if (original) {
        original->reset();
        for (auto &v : originalInputs)
          v.clear();
        if (llvm::Error err = original->forward(
                llvm::ArrayRef<int32_t>(*stream).slice(w * contextSize,
                                                       contextSize),
                logits, /*allLogits=*/head))
          return fail(llvm::toString(std::move(err)));
      }
      session.reset();
      keptWindow = w;
      llvm::Error err =
          resume ? session.forwardFrom(
                       residualBlock, residual.data() + w * contextSize * hidden,
                       contextSize, logits, /*allLogits=*/head)
                 : session.forward(llvm::ArrayRef<int32_t>(*stream).slice(
                                       w * contextSize, contextSize),
                                   logits, /*allLogits=*/head);
      if (err)
        return fail(llvm::toString(std::move(err)));
    }
    if (keep)
      residualBlock = last + 1;
    ++numChunks;

    // Per layer: each Hessian factored once for the weights that share its
    // input, then the layer's weights quantized and written in the file's
    // order (the targets' order).
    for (int64_t l = first; l <= last; ++l) {
      std::array<std::optional<::llmq::gptq::Factor>, kNumInputs> factors;
      std::array<std::vector<float>, kNumInputs> importance;
      std::array<std::vector<double>, kNumInputs> cross;
      for (int i = 0; i < kNumInputs; ++i) {
        auto &h = hessians[l - first][i];
        if (!h)
          continue;
        if (h->count() == 0)
          return fail("the calibration never reached block " + llvm::Twine(l));
        importance[i] = h->meanSquares();
        ::llmq::gptq::Options factorOptions =
            ::llmq::gptq::factorOptions(options, damp, ggmlInput[l][i]);
        std::vector<double> matrix = h->matrix();
        int64_t c = h->cols();
        if (asymmetric) {
          // z = (x~, x - x~): H~ is the leading block, M[i][j] =
          // sum (x - x~)_i x~_j the block below it.
          c /= 2;
          importance[i].resize(c);
          std::vector<double> top(size_t(c) * size_t(c));
          cross[i].resize(size_t(c) * size_t(c));
          for (int64_t r = 0; r < c; ++r)
            for (int64_t k = 0; k < c; ++k) {
              top[r * c + k] = matrix[r * 2 * c + k];
              cross[i][r * c + k] = matrix[(c + r) * 2 * c + k];
            }
          matrix = std::move(top);
        }
        auto factor = ::llmq::gptq::factorHessian(std::move(matrix), c,
                                                  factorOptions, parallelFor);
        h.reset();
        if (!factor)
          return fail("block " + llvm::Twine(l) + ": " +
                      llvm::toString(factor.takeError()));
        factors[i] = std::move(*factor);
      }
      for (; next < targets.size() && targets[next].block == l; ++next) {
        Target &t = targets[next];
        const auto &factor = factors[static_cast<int>(t.input)];
        if (!factor || factor->cols != t.cols)
          return fail("'" + t.weight.getSymName() + "' has " +
                      llvm::Twine(t.cols) +
                      " columns, which its input in the runtime does not have");
        int64_t rows = 0, cols = 0;
        auto values = sources.readFloats(t.weight, rows, cols);
        if (!values)
          return fail(llvm::toString(values.takeError()));
        if (asymmetric)
          ::llmq::gptq::correctForInputError(
              values->data(), t.rows, cross[static_cast<int>(t.input)],
              *factor, parallelFor);
        ::llmq::gptq::Quantized q = ::llmq::gptq::quantize(
            t.format, *factor, values->data(), t.rows,
            importance[static_cast<int>(t.input)].data(), options,
            parallelFor);
        if (keepResults) {
          results.push_back(q);
        } else if (llvm::Error err = writeResult(**writer, t, q)) {
          return fail(llvm::toString(std::move(err)));
        }
        if (layerByLayer)
          rebind(**runtimeModel, t.weight.getSymName(), t, q, kept);
        ++numWeights;
      }
    }
    first = last + 1;
  }
  if (keepResults) {
    ::llmq::runtime::grad::NormWeights tuned;
    if (tune > 0 &&
        failed(tuneResults(model, targets, results, *stream, tuned, pool)))
      return failure();
    for (size_t k = 0; k < targets.size(); ++k)
      if (llvm::Error err = writeResult(**writer, targets[k], results[k]))
        return fail(llvm::toString(std::move(err)));
    if (!norms.empty()) {
      // tunedNorms() lists the weights in NormWeights::vectors()'s order.
      for (const std::vector<float> *v : tuned.vectors()) {
        llvm::ArrayRef<uint8_t> bytes(
            reinterpret_cast<const uint8_t *>(v->data()),
            v->size() * sizeof(float));
        if (llvm::Error err = (*writer)->writeRows(bytes))
          return fail(llvm::toString(std::move(err)));
      }
    }
  }
  if (llvm::Error err = (*writer)->commit())
    return fail(llvm::toString(std::move(err)));
  for (size_t k = 0; k < targets.size(); ++k)
    repointSource(targets[k].weight, (*writer)->location(k));
  for (size_t k = 0; k < norms.size(); ++k)
    repointSource(norms[k], (*writer)->location(targets.size() + k));
  return success();
}

/// GuidedQuant: every target quantized by groups of rows, each group with
/// its gradient-weighted Hessian (passes/tune/GuidedHessians.h).
LogicalResult GptqPass::quantizeGuided(
    ModelOp model, const std::vector<Target> &targets,
    llvm::ArrayRef<int32_t> stream, const ::llmq::runtime::Model &original,
    const ::llmq::gptq::Options &options, WeightSources &sources,
    std::vector<::llmq::gptq::Quantized> &results,
    ::llmq::runtime::ThreadPool &pool) {
  auto fail = [&](const llvm::Twine &message) {
    model.emitError("llmq-gptq: guided: ") << message;
    return failure();
  };
  std::vector<::llmq::tune::GuidedTarget> guidedTargets;
  double bytes = 0;
  for (Target t : targets) {
    if (!t.format.isGgml())
      return fail("'" + t.weight.getSymName() +
                  "' has an int group format; guided quantizes ggml block "
                  "formats");
    guidedTargets.push_back({t.block, t.linear, t.rows, t.cols});
    bytes += 8.0 * double(guided) * double(t.cols) * double(t.cols);
  }
  if (bytes > double(hessianMiB) * 1024 * 1024)
    return fail(
        "the Hessians of every weight's " + llvm::Twine(guided) +
        " groups take " + llvm::Twine(int64_t(bytes / (1 << 20))) +
        " MiB, more than hessian-mib=" + llvm::Twine(hessianMiB.getValue()));
  auto hessians = ::llmq::tune::guidedHessians(original, stream, contextSize,
                                               guidedTargets, guided, pool);
  if (!hessians)
    return fail(llvm::toString(hessians.takeError()));
  ::llmq::gptq::ParallelFor parallelFor =
      [&](int64_t n, const std::function<void(int64_t, int64_t)> &fn) {
        pool.parallelFor(n, fn);
      };
  for (size_t i = 0; i < targets.size(); ++i) {
    Target t = targets[i];
    int64_t rows = 0, cols = 0;
    auto values = sources.readFloats(t.weight, rows, cols);
    if (!values)
      return fail(llvm::toString(values.takeError()));
    ::llmq::gptq::Quantized whole;
    for (int64_t k = 0; k < guided; ++k) {
      auto &h = (*hessians)[i][k];
      if (h->count() == 0)
        return fail("the calibration never reached '" + t.weight.getSymName() +
                    "'");
      std::vector<float> importance = h->meanSquares();
      auto factor = ::llmq::gptq::factorHessian(
          h->matrix(), t.cols,
          ::llmq::gptq::factorOptions(options, damp, /*ggml=*/true),
          parallelFor);
      h.reset();
      if (!factor)
        return fail("'" + t.weight.getSymName() +
                    "': " + llvm::toString(factor.takeError()));
      int64_t r0 = ::llmq::tune::groupBegin(t.rows, guided, k),
              r1 = ::llmq::tune::groupBegin(t.rows, guided, k + 1);
      ::llmq::gptq::Quantized part = ::llmq::gptq::quantize(
          t.format, *factor, values->data() + r0 * t.cols, r1 - r0,
          importance.data(), options, parallelFor);
      whole.bytes.insert(whole.bytes.end(), part.bytes.begin(),
                         part.bytes.end());
    }
    results.push_back(std::move(whole));
    ++numWeights;
  }
  return success();
}

/// Tunes the block scales of the ggml targets in `results` (and the norm
/// weights into `norms`) end to end against the original model.
LogicalResult
GptqPass::tuneResults(ModelOp model, const std::vector<Target> &targets,
                      std::vector<::llmq::gptq::Quantized> &results,
                      llvm::ArrayRef<int32_t> stream,
                      ::llmq::runtime::grad::NormWeights &norms,
                      ::llmq::runtime::ThreadPool &pool) {
  auto fail = [&](const llvm::Twine &message) {
    model.emitError("llmq-gptq: tune: ") << message;
    return failure();
  };
  // The reference: the model as its sources hold it (not yet repointed).
  // The student: the formats the exporter writes for the other weights.
  auto teacher = ::llmq::runtime::Model::load(model);
  if (!teacher)
    return fail(llvm::toString(teacher.takeError()));
  ::llmq::runtime::LoadOptions simulate;
  simulate.simulateFormats = true;
  simulate.threads = pool.size();
  auto student = ::llmq::runtime::Model::load(model, simulate);
  if (!student)
    return fail(llvm::toString(student.takeError()));
  std::vector<::llmq::tune::TunedMatrix> tuned;
  for (size_t k = 0; k < targets.size(); ++k) {
    const Target &t = targets[k];
    if (t.format.isGgml() && ::llmq::blockScaleFields(t.format.ggml))
      tuned.push_back({t.block, t.linear, t.format.ggml, t.rows, t.cols,
                       &results[k].bytes});
  }
  ::llmq::tune::Options options;
  options.epochs = tune;
  options.batch = tuneBatch;
  options.rate = tuneRate;
  options.norms = tuneNorms;
  auto result = ::llmq::tune::tuneScales(
      **teacher, **student, stream, contextSize, tuned, norms, options, pool);
  if (!result)
    return fail(llvm::toString(result.takeError()));
  numTuneSteps += result->steps;
  model.emitRemark("llmq-gptq: tuned the block scales of ")
      << tuned.size() << " matrices"
      << (tuneNorms ? " and the norm weights" : "") << " in " << result->steps
      << " steps: mean KL per position "
      << llvm::formatv("{0:f6}", result->firstEpochLoss)
      << " over the first epoch, "
      << llvm::formatv("{0:f6}", result->lastEpochLoss) << " over the last";
  return success();
}

void GptqPass::runOnOperation() {
  auto models = modelsForParameterFile(getOperation(), "llmq-gptq", outFile);
  if (failed(models))
    return signalPassFailure();
  for (ModelOp model : *models)
    if (failed(run(model)))
      return signalPassFailure();
}
