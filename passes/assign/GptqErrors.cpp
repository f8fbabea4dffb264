//===- GptqErrors.cpp - Candidate errors as GPTQ would leave them ---------===//

#include "passes/assign/GptqErrors.h"
#include "passes/assign/Sensitivity.h"

#include "dialects/Llmq/Architectures.h"
#include "dialects/Llmq/LlmqOps.h"
#include "formats/quant/Gptq.h"
#include "runtime/eval/Corpus.h"
#include "runtime/exec/Model.h"
#include "runtime/exec/Session.h"
#include "runtime/exec/ThreadPool.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Debug.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <array>
#include <memory>
#include <optional>

#define DEBUG_TYPE "llmq-assign-bits"

using namespace mlir::llmq;
using namespace mlir::llmq::assign;
namespace rt = ::llmq::runtime;
namespace gptq = ::llmq::gptq;
using MatmulInput = rt::Session::MatmulInput;

static llvm::Error error(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 message.str());
}

namespace {
/// The input a weight multiplies: the runtime's four matmul inputs of a
/// block, and the LM head's.
constexpr int kNumInputs = 5;
constexpr int kHeadInput = 4;

/// An item GPTQ quantizes: its layer (the head's is the number of blocks)
/// and input.
struct Target {
  size_t item;
  int64_t layer;
  int input;
};
} // namespace

/// The input a block role multiplies, if it is a linear layer.
static std::optional<int> inputOf(Role role) {
  switch (role) {
  case Role::AttnQ:
  case Role::AttnK:
  case Role::AttnV:
    return static_cast<int>(MatmulInput::Attention);
  case Role::AttnOutput:
    return static_cast<int>(MatmulInput::AttnOutput);
  case Role::FfnGate:
  case Role::FfnUp:
    return static_cast<int>(MatmulInput::Ffn);
  case Role::FfnDown:
    return static_cast<int>(MatmulInput::FfnDown);
  default:
    return std::nullopt;
  }
}

/// The quantizable items GPTQ can quantize in every candidate format, in
/// layer order: the block linears and an untied LM head, without rows the
/// logit mask scaled (as --llmq-gptq chooses them).
static std::vector<Target> collectTargets(ModelOp model,
                                          const std::vector<Item> &items) {
  llvm::DenseMap<llvm::StringRef, std::pair<int64_t, int>> placed;
  for (BlockOp block : model.getBody().getOps<BlockOp>())
    for (mlir::NamedAttribute entry : block.getWeights()) {
      std::optional<Role> role = lookupRole(entry.getName().getValue());
      auto symbol = llvm::dyn_cast<mlir::FlatSymbolRefAttr>(entry.getValue());
      if (!role || !symbol)
        continue;
      if (std::optional<int> input = inputOf(*role))
        placed[symbol.getValue()] = {static_cast<int64_t>(block.getIndex()),
                                     *input};
    }
  auto heads = model.getBody().getOps<LmHeadOp>();
  auto embeddings = model.getBody().getOps<EmbeddingOp>();
  if (!heads.empty()) {
    llvm::StringRef head = (*heads.begin()).getWeight();
    bool tied =
        !embeddings.empty() && (*embeddings.begin()).getWeight() == head;
    if (!tied)
      placed[head] = {static_cast<int64_t>(model.getNumLayers()), kHeadInput};
  }
  std::vector<Target> targets;
  for (size_t i = 0; i < items.size(); ++i) {
    const Item &item = items[i];
    if (!item.quantizable || !item.source.scaled.empty())
      continue;
    auto it = placed.find(item.symbol);
    if (it == placed.end())
      continue;
    bool all = llvm::all_of(item.candidates, [&](const Candidate &c) {
      return gptq::unsupportedReason(c.format).empty() &&
             c.format.fits(item.cols);
    });
    if (all)
      targets.push_back({i, it->second.first, it->second.second});
  }
  llvm::stable_sort(targets, [](const Target &a, const Target &b) {
    return a.layer < b.layer;
  });
  return targets;
}

/// sum_r (w_r - q_r)^T H (w_r - q_r), rows summed in row order.
static double outputError(const std::vector<float> &w,
                          const std::vector<float> &q, int64_t rows,
                          int64_t cols, const std::vector<double> &hessian,
                          rt::ThreadPool &pool) {
  std::vector<double> rowError(rows, 0.0);
  pool.parallelFor(rows, [&](int64_t begin, int64_t end) {
    std::vector<double> d(cols);
    for (int64_t r = begin; r < end; ++r) {
      const float *wr = w.data() + r * cols;
      const float *qr = q.data() + r * cols;
      for (int64_t c = 0; c < cols; ++c)
        d[c] = static_cast<double>(wr[c]) - qr[c];
      double e = 0;
      for (int64_t i = 0; i < cols; ++i) {
        if (d[i] == 0)
          continue;
        const double *h = hessian.data() + i * cols;
        double s = 0;
        for (int64_t j = 0; j < cols; ++j)
          s += h[j] * d[j];
        e += d[i] * s;
      }
      rowError[r] = e;
    }
  });
  double sum = 0;
  for (double e : rowError)
    sum += e;
  return sum;
}

/// Sets `item`'s costs from its sensitivity (or its errors without one).
static void setCosts(Item &item, bool probing) {
  for (Candidate &c : item.candidates)
    c.cost = probing ? c.error * item.sensitivity : c.error;
}

llvm::Error assign::measureGptqErrors(ModelOp model, std::vector<Item> &items,
                                      const GptqErrorOptions &options,
                                      KldProbe probe, rt::ThreadPool &pool,
                                      GptqErrorStats &stats) {
  bool probing = static_cast<bool>(probe) && !options.factorOnly;
  std::vector<Target> targets = collectTargets(model, items);

  auto stream = rt::calibrationTokens(model, options.textFile, options.tokens,
                                     options.ctx);
  if (!stream)
    return stream.takeError();
  int64_t windows = int64_t(stream->size()) / options.ctx;
  auto runtimeModel = rt::Model::load(model);
  if (!runtimeModel)
    return runtimeModel.takeError();

  gptq::ParallelFor parallelFor =
      [&](int64_t n, const std::function<void(int64_t, int64_t)> &fn) {
        pool.parallelFor(n, fn);
      };
  gptq::Options gptqOptions;
  gptqOptions.block = options.block;
  gptqOptions.scaleSearch = options.scaleSearch;
  gptqOptions.refine = options.refine;

  int64_t blocks = model.getNumLayers();
  int64_t layers = blocks + 1; // the head's last
  std::vector<std::array<int64_t, kNumInputs>> inputCols(
      layers, std::array<int64_t, kNumInputs>{});
  // Whether a ggml candidate reads the input: its damping default, and
  // refine's coordinate descent (which keeps H in the factor).
  std::vector<std::array<bool, kNumInputs>> ggmlInput(
      layers, std::array<bool, kNumInputs>{});
  for (const Target &t : targets) {
    inputCols[t.layer][t.input] = items[t.item].cols;
    if (llvm::any_of(items[t.item].candidates,
                     [](const Candidate &c) { return c.format.isGgml(); }))
      ggmlInput[t.layer][t.input] = true;
  }
  auto layerBytes = [&](int64_t l) {
    double bytes = 0;
    for (int64_t c : inputCols[l])
      bytes += 8.0 * double(c) * double(c);
    return bytes;
  };
  double budget = double(options.hessianMiB) * 1024 * 1024;

  std::vector<uint8_t> byGptq(items.size(), 0);
  size_t next = 0;
  for (int64_t first = 0; first < layers;) {
    int64_t last = first;
    double bytes = layerBytes(first);
    while (last + 1 < layers && bytes + layerBytes(last + 1) <= budget)
      bytes += layerBytes(++last);
    if (bytes == 0) {
      first = last + 1;
      continue;
    }
    // One calibration run for the chunk's Hessians.
    std::vector<std::array<std::unique_ptr<gptq::HessianAccumulator>,
                           kNumInputs>>
        hessians(last - first + 1);
    for (int64_t l = first; l <= last; ++l)
      for (int i = 0; i < kNumInputs; ++i)
        if (int64_t c = inputCols[l][i])
          hessians[l - first][i] =
              std::make_unique<gptq::HessianAccumulator>(c);
    rt::Session session(**runtimeModel, pool, options.ctx);
    session.setMatmulObserver([&](int64_t l, MatmulInput input, const float *x,
                                  int64_t n, int64_t cols) {
      if (l < first || l > last)
        return;
      auto &h = hessians[l - first][static_cast<int>(input)];
      if (h && h->cols() == cols)
        h->add(x, n, parallelFor);
    });
    bool head = last == blocks && hessians[blocks - first][kHeadInput];
    if (head)
      session.setHeadObserver([&](const float *x, int64_t n, int64_t cols) {
        auto &h = hessians[blocks - first][kHeadInput];
        if (h->cols() == cols)
          h->add(x, n, parallelFor);
      });
    if (last < blocks)
      session.setLastBlock(last);
    std::vector<float> logits;
    for (int64_t w = 0; w < windows; ++w) {
      session.reset();
      if (llvm::Error err = session.forward(
              llvm::ArrayRef<int32_t>(*stream).slice(w * options.ctx,
                                                     options.ctx),
              logits, /*allLogits=*/head))
        return err;
    }
    ++stats.calibrations;

    for (int64_t l = first; l <= last; ++l) {
      std::array<std::optional<gptq::Factor>, kNumInputs> factors;
      std::array<std::vector<double>, kNumInputs> matrices;
      std::array<std::vector<float>, kNumInputs> importance;
      std::array<double, kNumInputs> samples{};
      for (int i = 0; i < kNumInputs; ++i) {
        auto &h = hessians[l - first][i];
        if (!h)
          continue;
        if (h->count() == 0)
          return error("the calibration never reached block " +
                       llvm::Twine(l));
        importance[i] = h->meanSquares();
        samples[i] = static_cast<double>(h->count());
        matrices[i] = h->matrix();
        h.reset();
        auto factor = gptq::factorHessian(
            matrices[i], inputCols[l][i],
            gptq::factorOptions(gptqOptions, options.damp, ggmlInput[l][i]),
            parallelFor);
        if (!factor)
          return error("block " + llvm::Twine(l) + ": " +
                       llvm::toString(factor.takeError()));
        factors[i] = std::move(*factor);
      }
      for (; next < targets.size() && targets[next].layer == l; ++next) {
        const Target &t = targets[next];
        Item &item = items[t.item];
        int64_t rows = item.rows, cols = item.cols;
        std::vector<float> w(size_t(rows) * size_t(cols));
        for (int64_t r = 0; r < rows; ++r)
          item.source.view.dequantizeRow(r, w.data() + r * cols);
        for (size_t k = 0; k < item.candidates.size(); ++k) {
          Candidate &c = item.candidates[k];
          gptq::Quantized q = gptq::quantize(
              c.format, *factors[t.input], w.data(), rows,
              importance[t.input].data(), gptqOptions, parallelFor);
          ++stats.quantized;
          if (options.keep && c.format.isGgml())
            if (llvm::Error err = options.keep(t.item, k, q.bytes))
              return err;
          double gptqError = outputError(w, q.values, rows, cols,
                                         matrices[t.input], pool) /
                             samples[t.input];
          if (options.factorOnly) {
            std::vector<float> rtn = gptq::roundToNearest(
                c.format, w.data(), rows, cols, importance[t.input].data());
            double rtnError = outputError(w, rtn, rows, cols,
                                          matrices[t.input], pool) /
                              samples[t.input];
            c.error *= rtnError > 0 ? gptqError / rtnError : 1.0;
            c.cost = c.error;
            continue;
          }
          c.error = gptqError;
          // The smallest candidate is probed (as weighBySensitivity does),
          // with the bytes GPTQ writes.
          if (k == 0 && probing) {
            llvm::Expected<double> kld =
                probe(item, c.format.ggml, q.bytes);
            if (!kld)
              return kld.takeError();
            item.sensitivity = c.error > 0 ? *kld / c.error : 0.0;
            LLVM_DEBUG(llvm::dbgs() << llvm::formatv(
                           "{0}: gptq {1} error {2:E4} kld {3:E4} "
                           "sensitivity {4:E4}\n",
                           item.name, c.format.name(), c.error, *kld,
                           item.sensitivity));
          }
        }
        LLVM_DEBUG({
          llvm::dbgs() << item.name << ": gptq errors";
          for (const Candidate &c : item.candidates)
            llvm::dbgs() << llvm::formatv(" {0}={1:E4}", c.format.name(),
                                          c.error);
          llvm::dbgs() << "\n";
        });
        if (!options.factorOnly)
          setCosts(item, probing);
        byGptq[t.item] = 1;
        ++stats.weights;
      }
    }
    first = last + 1;
  }

  // The rest keeps round-to-nearest's errors and probes.
  if (!probing || options.factorOnly)
    return llvm::Error::success();
  for (size_t i = 0; i < items.size(); ++i) {
    Item &item = items[i];
    if (!item.quantizable || byGptq[i])
      continue;
    ::llmq::Format probeFormat = item.candidates.front().format.ggml;
    double rtnError = 0;
    std::vector<uint8_t> packed =
        quantizeRows(item.source, probeFormat, pool, rtnError);
    llvm::Expected<double> kld = probe(item, probeFormat, packed);
    if (!kld)
      return kld.takeError();
    item.sensitivity = rtnError > 0 ? *kld / rtnError : 0.0;
    setCosts(item, probing);
  }
  return llvm::Error::success();
}
