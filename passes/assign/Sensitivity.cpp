//===- Sensitivity.cpp - KLD probes of --llmq-assign-bits -----------------===//

#include "passes/assign/Sensitivity.h"

#include "dialects/Llmq/LlmqOps.h"
#include "runtime/eval/Corpus.h"
#include "runtime/eval/Evaluate.h"
#include "runtime/exec/Kernels.h"
#include "runtime/exec/Model.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/Twine.h"

#include <algorithm>
#include <functional>

using namespace mlir::llmq;
using namespace mlir::llmq::assign;
namespace rt = ::llmq::runtime;

SensitivityProbes::SensitivityProbes() = default;
SensitivityProbes::~SensitivityProbes() = default;

static llvm::Error error(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 message.str());
}

llvm::Expected<std::unique_ptr<SensitivityProbes>>
SensitivityProbes::create(ModelOp model, llvm::StringRef textFile,
                          int64_t tokens, int64_t ctx, rt::ThreadPool &pool) {
  auto stream = rt::calibrationTokens(model, textFile, tokens, ctx);
  if (!stream)
    return stream.takeError();
  auto runtimeModel = rt::Model::load(model);
  if (!runtimeModel)
    return runtimeModel.takeError();
  // The second half of each window, as llama-perplexity --kl-divergence
  // scores it: positions with at least ctx / 2 of context, and the head
  // (a third of a probe's FLOPs at a 128k vocabulary) for half of them.
  auto probe = rt::DivergenceProbe::createWithBlockInputs(
      **runtimeModel, pool, *stream, ctx, ctx / 2);
  if (!probe)
    return probe.takeError();
  std::unique_ptr<SensitivityProbes> probes(new SensitivityProbes());
  probes->model = std::move(*runtimeModel);
  probes->probe = std::make_unique<rt::DivergenceProbe>(std::move(*probe));
  return probes;
}

/// The first block that reads a weight bound to `views`: 0 for the token
/// embedding (it feeds block 0), the number of blocks for the output head
/// alone, else the block whose member it is.
static int64_t firstBlockReading(const rt::Model &model,
                                 llvm::ArrayRef<rt::WeightView *> views) {
  int64_t blocks = model.layers.size(), first = blocks;
  std::less<const void *> before;
  for (const rt::WeightView *view : views) {
    if (view == &model.embedding)
      return 0;
    if (view == &model.lmHead)
      continue;
    for (int64_t b = 0; b < blocks; ++b) {
      const rt::LayerWeights *layer = &model.layers[b];
      if (!before(view, layer) && before(view, layer + 1)) {
        first = std::min(first, b);
        break;
      }
    }
  }
  return first;
}

llvm::Expected<double> SensitivityProbes::kld(llvm::StringRef symbol,
                                              ::llmq::Format format,
                                              llvm::ArrayRef<uint8_t> packed) {
  llvm::SmallVector<rt::WeightView *, 2> views = model->matrixViews(symbol);
  if (views.empty())
    return error("weight '" + symbol +
                 "' is no matrix the runtime multiplies by");
  for (rt::WeightView *view : views)
    if (::llmq::rowBytes(format, view->cols) * view->rows != packed.size())
      return error("weight '" + symbol + "' quantized to " +
                   ::llmq::getFormatTraits(format).name + " holds " +
                   llvm::Twine(packed.size()) + " bytes, not " +
                   llvm::Twine(::llmq::rowBytes(format, view->cols) *
                               view->rows));
  int64_t block = firstBlockReading(*model, views);
  llvm::SmallVector<rt::WeightView, 2> saved;
  for (rt::WeightView *view : views) {
    saved.push_back(*view);
    view->data = packed.data();
    view->format = format;
    view->grouped = nullptr;
  }
  llvm::Expected<double> result = probe->meanKLDFrom(*model, block);
  for (size_t i = 0; i < views.size(); ++i)
    *views[i] = saved[i];
  ++probes;
  ranBlockTokens += static_cast<uint64_t>(model->layers.size() - block) *
                    static_cast<uint64_t>(probe->positions());
  return result;
}

uint64_t SensitivityProbes::fullForwardBlockTokens() const {
  return probes * model->layers.size() *
         static_cast<uint64_t>(probe->positions());
}

uint64_t SensitivityProbes::keptBytes() const { return probe->keptBytes(); }

int64_t SensitivityProbes::positions() const { return probe->positions(); }
