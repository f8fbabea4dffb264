//===- Model.cpp - A llmq.model bound to its weights ----------------------===//

#include "runtime/exec/Model.h"

#include "dialects/Llmq/Architectures.h"
#include "dialects/Llmq/Importance.h"
#include "dialects/Llmq/LlmqOps.h"
#include "dialects/Llmq/RopeScaling.h"
#include "dialects/Llmq/WeightFormats.h"
#include "dialects/Llmq/WeightSources.h"
#include "formats/CheckedArith.h"
#include "formats/files/MappedFile.h"
#include "formats/files/Progress.h"
#include "runtime/exec/Session.h"
#include "runtime/exec/SimulatedWeight.h"
#include "runtime/exec/ThreadPool.h"

using namespace llmq;
using namespace llmq::runtime;
using namespace mlir::llmq;
using llvm::StringRef;
using llvm::Twine;

static llvm::Error loadError(const Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

Model::Model() : sources(std::make_unique<mlir::llmq::WeightSources>()) {}
Model::~Model() = default;
Decoder::~Decoder() = default;

llvm::Error Decoder::forwardLogitsFrom(llvm::ArrayRef<int32_t> tokens,
                                       std::vector<float> &logits,
                                       int64_t firstLogit) {
  if (firstLogit < 0 || firstLogit > static_cast<int64_t>(tokens.size()))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "first logit %lld is outside [0, %zu]",
                                   static_cast<long long>(firstLogit),
                                   tokens.size());
  if (llvm::Error err = forward(tokens, logits, /*allLogits=*/true))
    return err;
  if (tokens.empty())
    return llvm::Error::success();
  size_t vocab = logits.size() / tokens.size();
  logits.erase(logits.begin(), logits.begin() + firstLogit * vocab);
  return llvm::Error::success();
}
LanguageModel::~LanguageModel() = default;

void Model::roundActivationsLikeGgml() {
  for (LayerWeights &l : layers)
    for (WeightView *w : {&l.q, &l.k, &l.v, &l.o, &l.gate, &l.up, &l.down})
      w->ggmlActivations = true;
  lmHead.ggmlActivations = true;
}

llvm::Expected<std::unique_ptr<Decoder>>
Model::newDecoder(ThreadPool &pool, int64_t maxPositions) const {
  // The KV cache is allocated for maxPositions: never more than the model's
  // context (nor a count that wrapped negative).
  if (maxPositions < 1 || maxPositions > contextSize())
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "%lld positions are outside [1, %lld], the context of model '%s'",
        static_cast<long long>(maxPositions),
        static_cast<long long>(contextSize()), modelName().str().c_str());
  return std::make_unique<Session>(*this, pool, maxPositions);
}

void Model::finishLogits(float *logits, int64_t count) const {
  applyLogitMask({headScaledRows, headRowScale, biasedIds, logitBias, bannedIds},
                 logits, count, config.vocab);
}

uint64_t Model::simulatedBytes() const {
  uint64_t bytes = 0;
  for (const std::unique_ptr<SimulatedWeight> &w : simulated)
    bytes += w->bytes();
  return bytes;
}

llvm::SmallVector<WeightView *, 2> Model::matrixViews(StringRef symbol) {
  llvm::SmallVector<WeightView *, 2> views;
  auto it = bindings.find(symbol);
  if (it == bindings.end())
    return views;
  for (const Binding &b : it->second)
    views.push_back(b.layer >= 0 ? &(layers[b.layer].*b.layerMember)
                                 : &(this->*b.modelMember));
  return views;
}

namespace llmq::runtime {
/// Resolves weight symbols into views of mapped files.
class ModelLoader {
public:
  ModelLoader(Model &model, ModelOp op, const LoadOptions &options)
      : model(model), op(op), options(options) {
    if (!options.simulateFormats)
      return;
    uint64_t count = 0;
    for (WeightOp weight : op.getBody().getOps<WeightOp>())
      count += chosenFormat(weight).has_value();
    if (count == 0)
      return;
    pool = std::make_unique<ThreadPool>(std::max(1u, options.threads));
    progress = std::make_unique<::llmq::Progress>("simulate", count);
  }

  llvm::Expected<WeightView> view(StringRef symbol) {
    WeightOp weight = op.lookupWeight(symbol);
    if (!weight)
      return loadError("model '" + op.getSymName() + "': no weight '" +
                       symbol + "'");
    auto source = model.sources->resolve(weight);
    if (!source)
      return source.takeError();
    WeightView v;
    v.format = source->format;
    v.rows = source->rows;
    v.cols = source->cols;
    v.data = source->data;
    v.grouped = source->grouped;
    if (options.simulateFormats)
      return simulate(weight, v, *source);
    return v;
  }

  /// `source` quantized in memory for the format `weight`'s plan chose (the
  /// source view itself where there is none), once per symbol: a tied
  /// embedding and head share one copy.
  llvm::Expected<WeightView> simulate(WeightOp weight, const WeightView &source,
                                      const SourceTensor &tensor) {
    auto cached = simulatedViews.find(weight.getSymName());
    if (cached != simulatedViews.end())
      return cached->second;
    auto plan = planSimulation(weight, importance);
    if (!plan)
      return plan.takeError();
    if (!*plan)
      return source;
    progress->step(numSimulated++, weight.getSymName());
    model.simulated.push_back(SimulatedWeight::quantize(source, **plan, *pool));
    WeightView v = model.simulated.back()->view();
    simulatedViews[weight.getSymName()] = v;
    // Only the quantized copy is read from now on: hand the source's pages
    // back so memory holds one weight's source at a time.
    if (std::optional<uint64_t> bytes =
            ::llmq::checkedMul(tensor.rowBytes, tensor.rows))
      tensor.file->release(tensor.offset, *bytes);
    return v;
  }

  /// Whether `symbol`'s view is a simulated copy (its scaled rows are in
  /// the bytes then, not applied to logits).
  bool isSimulated(StringRef symbol) const {
    return simulatedViews.count(symbol);
  }

  llvm::Expected<std::vector<float>> vector(StringRef symbol) {
    auto v = view(symbol);
    if (!v)
      return v.takeError();
    return v->toFloat();
  }

  llvm::Error loadBlock(BlockOp block, LayerWeights &layer) {
    for (mlir::NamedAttribute entry : block.getWeights()) {
      std::optional<Role> role = lookupRole(entry.getName().strref());
      StringRef symbol =
          mlir::cast<mlir::FlatSymbolRefAttr>(entry.getValue()).getValue();
      WeightView LayerWeights::*matrix = nullptr;
      std::vector<float> *vec = nullptr;
      switch (*role) {
      case Role::AttnQ: matrix = &LayerWeights::q; break;
      case Role::AttnK: matrix = &LayerWeights::k; break;
      case Role::AttnV: matrix = &LayerWeights::v; break;
      case Role::AttnOutput: matrix = &LayerWeights::o; break;
      case Role::FfnGate: matrix = &LayerWeights::gate; break;
      case Role::FfnUp: matrix = &LayerWeights::up; break;
      case Role::FfnDown: matrix = &LayerWeights::down; break;
      case Role::AttnNorm: vec = &layer.attnNorm; break;
      case Role::FfnNorm: vec = &layer.ffnNorm; break;
      case Role::AttnQNorm: vec = &layer.qNorm; break;
      case Role::AttnKNorm: vec = &layer.kNorm; break;
      case Role::AttnPostNorm: vec = &layer.attnPostNorm; break;
      case Role::FfnPostNorm: vec = &layer.ffnPostNorm; break;
      case Role::AttnQBias: vec = &layer.qBias; break;
      case Role::AttnKBias: vec = &layer.kBias; break;
      case Role::AttnVBias: vec = &layer.vBias; break;
      }
      if (matrix) {
        auto v = view(symbol);
        if (!v)
          return v.takeError();
        layer.*matrix = *v;
        model.bindings[symbol].push_back(
            {static_cast<int64_t>(model.layers.size()) - 1, matrix, nullptr});
      } else {
        auto v = vector(symbol);
        if (!v)
          return v.takeError();
        *vec = std::move(*v);
      }
    }
    if (auto window = block.getSlidingWindow())
      layer.slidingWindow = *window;
    layer.rope = !block.getNoRope();
    return llvm::Error::success();
  }

  Model &model;
  ModelOp op;
  const LoadOptions &options;
  /// Simulation's state, only where some weight has a chosen format.
  std::unique_ptr<ThreadPool> pool;
  std::unique_ptr<::llmq::Progress> progress;
  ImportanceReader importance;
  llvm::StringMap<WeightView> simulatedViews;
  uint64_t numSimulated = 0;
};
} // namespace llmq::runtime

llvm::Expected<std::unique_ptr<Model>> Model::load(ModelOp op,
                                                   const LoadOptions &options) {
  std::unique_ptr<Model> model(new Model());
  ModelConfig &c = model->config;
  c.name = op.getSymName().str();
  c.arch = op.getArch().str();
  c.hidden = op.getHiddenSize();
  c.numHeads = op.getNumHeads();
  c.numKVHeads = op.getNumKvHeads();
  c.headDim = op.getHeadDim();
  c.ffn = op.getFfnSize();
  c.vocab = op.getVocabSize();
  c.contextLength = op.getContextLength();
  c.normEps = static_cast<float>(op.getNormEps().convertToDouble());
  c.ropeInterleaved = op.getRopeInterleaved();
  model->invFreq = ropeScaledInverseFrequencies(op);

  ModelLoader loader(*model, op, options);
  for (mlir::Operation &nested : op.getBody().front()) {
    if (auto e = mlir::dyn_cast<EmbeddingOp>(nested)) {
      auto v = loader.view(e.getWeight());
      if (!v)
        return v.takeError();
      model->embedding = *v;
      model->bindings[e.getWeight()].push_back(
          {-1, nullptr, &Model::embedding});
    } else if (auto b = mlir::dyn_cast<BlockOp>(nested)) {
      model->layers.emplace_back();
      if (llvm::Error err = loader.loadBlock(b, model->layers.back()))
        return std::move(err);
    } else if (auto n = mlir::dyn_cast<FinalNormOp>(nested)) {
      auto v = loader.vector(n.getWeight());
      if (!v)
        return v.takeError();
      model->finalNorm = std::move(*v);
    } else if (auto h = mlir::dyn_cast<LmHeadOp>(nested)) {
      auto v = loader.view(h.getWeight());
      if (!v)
        return v.takeError();
      model->lmHead = *v;
      model->bindings[h.getWeight()].push_back({-1, nullptr, &Model::lmHead});
      WeightOp weight = op.lookupWeight(h.getWeight());
      // A simulated head has its scaled rows in its bytes, as an exported
      // file has.
      auto rows = weight.getScaledRowsAttr();
      if (rows && !loader.isSimulated(h.getWeight())) {
        model->headScaledRows.assign(rows.asArrayRef().begin(),
                                     rows.asArrayRef().end());
        model->headRowScale =
            static_cast<float>(weight.getRowScaleAttr().getValueAsDouble());
      }
    } else if (auto m = mlir::dyn_cast<LogitMaskOp>(nested)) {
      model->bannedIds.assign(m.getBanned().begin(), m.getBanned().end());
      model->biasedIds.assign(m.getAmplified().begin(), m.getAmplified().end());
      model->logitBias = static_cast<float>(m.getFactor().convertToDouble());
    }
  }
  return std::move(model);
}
