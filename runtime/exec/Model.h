//===- Model.h - A llmq.model bound to its weights --------------*- C++ -*-===//
//
// Binds every weight symbol of a llmq.model to a view into its mapped source
// file, per block, in the shape the executor wants. Matrices stay in their
// files; only norm vectors and biases are copied (as f32).
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_RUNTIME_EXEC_MODEL_H
#define LLMQ_RUNTIME_EXEC_MODEL_H

#include "runtime/exec/Decoder.h"
#include "runtime/exec/Kernels.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace mlir::llmq {
class ModelOp;
class WeightSources;
} // namespace mlir::llmq

namespace llmq::runtime {
class SimulatedWeight;

struct LayerWeights {
  WeightView q, k, v, o, gate, up, down;
  /// f32 copies; empty where the architecture has no such tensor.
  std::vector<float> attnNorm, ffnNorm, qNorm, kNorm, attnPostNorm,
      ffnPostNorm, qBias, kBias, vBias;
  int64_t slidingWindow = 0; ///< 0: attends to every earlier position
  bool rope = true;
};

struct ModelConfig {
  std::string name, arch;
  int64_t hidden = 0, numHeads = 0, numKVHeads = 0, headDim = 0, ffn = 0,
          vocab = 0, contextLength = 0;
  float normEps = 1e-5f;
  /// RoPE pairs dimensions (2i, 2i+1) rather than (i, i + d/2): the layout of
  /// Q/K rows that llama.cpp's converter permuted.
  bool ropeInterleaved = false;
};

/// How Model::load binds weights.
struct LoadOptions {
  /// Evaluate the formats passes chose (a weight's `format`): each such
  /// weight is quantized in memory as its exporter writes it and read back
  /// through that format's dequantizer (SimulatedWeight.h). Off: every weight
  /// runs as its source bytes.
  bool simulateFormats = false;
  /// Threads that quantize simulated weights (the bytes do not depend on
  /// them).
  unsigned threads = 1;
};

class Model : public LanguageModel {
public:
  static llvm::Expected<std::unique_ptr<Model>>
  load(mlir::llmq::ModelOp op, const LoadOptions &options = {});
  ~Model() override;

  llvm::StringRef modelName() const override { return config.name; }
  int64_t vocabSize() const override { return config.vocab; }
  int64_t contextSize() const override { return config.contextLength; }
  /// A Session.
  llvm::Expected<std::unique_ptr<Decoder>>
  newDecoder(ThreadPool &pool, int64_t maxPositions) const override;

  ModelConfig config;
  WeightView embedding, lmHead;
  std::vector<float> finalNorm;
  std::vector<LayerWeights> layers;
  /// RoPE inverse frequencies, head_dim / 2 of them, scaling applied.
  std::vector<float> invFreq;
  /// LM-head rows scaled by `headRowScale` (amplified tokens).
  std::vector<int64_t> headScaledRows;
  float headRowScale = 1.0f;
  /// The logit mask: banned ids get -inf, biased ids + `logitBias`.
  std::vector<int64_t> bannedIds, biasedIds;
  float logitBias = 0.0f;

  /// Matrix products round their activations as llama.cpp's CPU backend does
  /// (GgmlActivations.h): to predict llama.cpp rather than exact f32.
  void roundActivationsLikeGgml();

  /// Applies the scaled head rows and the mask to `count` rows of logits.
  void finishLogits(float *logits, int64_t count) const;

  /// The views a matrix symbol is bound to: two for tied embeddings (the
  /// embedding and the LM head), none for vectors or unknown symbols.
  /// Assigning a view to them rebinds the weight, e.g. to a copy quantized
  /// in memory to measure one tensor's effect; the caller keeps that data
  /// alive and restores the old view.
  llvm::SmallVector<WeightView *, 2> matrixViews(llvm::StringRef symbol);

  /// Weights quantized in memory for their chosen formats, and the bytes
  /// they hold.
  size_t numSimulated() const { return simulated.size(); }
  uint64_t simulatedBytes() const;

private:
  Model();
  /// The mapped source files the views point into.
  std::unique_ptr<mlir::llmq::WeightSources> sources;
  /// The bytes of simulated weights the views point into.
  std::vector<std::unique_ptr<SimulatedWeight>> simulated;
  /// Where each matrix symbol is bound: a layer index and member, or layer
  /// -1 and &Model::embedding / &Model::lmHead.
  struct Binding {
    int64_t layer;
    WeightView LayerWeights::*layerMember;
    WeightView Model::*modelMember;
  };
  llvm::StringMap<llvm::SmallVector<Binding, 2>> bindings;
  friend class ModelLoader;
};

} // namespace llmq::runtime

#endif // LLMQ_RUNTIME_EXEC_MODEL_H
