//===- Scorers.h - The three ways to find super weights ---------*- C++ -*-===//
//
// "The Super Weight in Large Language Models" (Yu et al. 2024): a handful of
// weights the model cannot lose. --llmq-super-weights scores them over a
// model bound to its weights (runtime/exec/Model.h), three ways:
// - contribution (the default): every entry of every multiplied matrix by
//   w^2 * E[x_c^2] over calibration text (the importance-matrix statistic),
//   relative to its tensor's mean entry: the number of random entries of its
//   own tensor it is worth;
// - activation (the paper's rule): the spikes at each down projection's
//   input (the column) and output (the row) on a probe prompt;
// - weight-only: |w| / rms(W_down).
// No MLIR: the pass names the weights and writes the attributes.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_PASSES_SUPERWEIGHTS_SCORERS_H
#define LLMQ_PASSES_SUPERWEIGHTS_SCORERS_H

#include "dialects/Llmq/Architectures.h"
#include "runtime/exec/Kernels.h"
#include "runtime/exec/Session.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace llmq::runtime {
struct LayerWeights;
class Model;
class ThreadPool;
} // namespace llmq::runtime

namespace mlir::llmq::superweights {

using MatmulInput = ::llmq::runtime::Session::MatmulInput;

/// One candidate super weight: W[row, col] of a tensor.
struct Candidate {
  size_t tensor = 0;  ///< contribution mode: the index of its ScoredTensor
  int64_t layer = -1; ///< the block; -1 outside blocks (token_embd)
  int64_t row = 0, col = 0;
  double score = 0;
  double actIn = 0, actOut = 0; ///< the spikes (activation mode)
  int64_t token = -1;           ///< prompt position of the spike
  double value = 0;             ///< W[row, col]
  double ratio = 0;      ///< contribution mode: score / the tensor's mean score
  double meanSquare = 0; ///< contribution mode: E[x_col^2]
};

/// Per block and matmul input (MatmulInput), the mean square of every input
/// channel over a calibration run; empty where that input never ran.
using InputMeanSquares = std::vector<std::array<std::vector<double>, 4>>;

/// Runs `tokens` through `model` in windows of `window` tokens and averages
/// x^2 per input channel of every matrix product, in double, in token order
/// (the same at any thread count).
llvm::Expected<InputMeanSquares>
inputMeanSquares(const ::llmq::runtime::Model &model,
                 llvm::ArrayRef<int32_t> tokens, int64_t window,
                 ::llmq::runtime::ThreadPool &pool);

/// The view of a block's weight of `role` the runtime multiplies, and which
/// input it reads; null for roles that are no matrix product (norms,
/// biases).
const ::llmq::runtime::WeightView *
matmulView(const ::llmq::runtime::LayerWeights &layer, Role role,
           MatmulInput &input);

/// A matrix with the mean square of each input channel; for the token
/// embedding (layer -1) the input is one-hot, and `meanSquare` holds each
/// token's frequency, per row.
struct ScoredTensor {
  const ::llmq::runtime::WeightView *view = nullptr;
  int64_t layer = -1;
  std::vector<double> meanSquare;
};

/// Each token's frequency in `tokens`, over a vocabulary of `vocab`.
std::vector<double> tokenFrequencies(llvm::ArrayRef<int32_t> tokens,
                                     int64_t vocab);

/// What contribution mode found in one tensor.
struct TensorSummary {
  size_t tensor = 0;
  double meanScore = 0;
  Candidate top;
};

/// Contribution mode: every entry of every tensor scored
/// w^2 * meanSquare[c]; each tensor's top `topK` (by score, ties to the
/// earlier entry) with their ratio to the tensor's mean score; all of them
/// ranked by ratio (stable), the best `topK` returned. `summaries` gets one
/// entry per tensor with candidates.
std::vector<Candidate> scoreContribution(llvm::ArrayRef<ScoredTensor> tensors,
                                         int64_t topK,
                                         std::vector<TensorSummary> &summaries);

/// Weight-only mode: every entry of every block's down projection scored
/// |w| / rms(W_down); the best `topK` overall (per block at most `topK`).
std::vector<Candidate>
scoreWeightOnly(llvm::ArrayRef<::llmq::runtime::LayerWeights> layers,
                int64_t topK);

/// The largest spikes of one block on the prompt (for the report).
struct LayerSpikes {
  double maxIn = 0, maxOut = 0;
  int64_t inChannel = -1, outChannel = -1, inToken = -1, outToken = -1;
};

/// Activation mode: at every block's down projection, per token of
/// `tokens` (one window), the output channel r of largest |y[r]| and the
/// column c of the largest term |W[r, c] x[c]|; W_down[r, c] scores the
/// largest |x[c] * y[r]| over tokens; the best `topK` returned. `spikes`
/// gets one entry per block.
llvm::Expected<std::vector<Candidate>>
scoreActivations(const ::llmq::runtime::Model &model,
                 llvm::ArrayRef<int32_t> tokens, int64_t topK,
                 ::llmq::runtime::ThreadPool &pool,
                 std::vector<LayerSpikes> &spikes);

} // namespace mlir::llmq::superweights

#endif // LLMQ_PASSES_SUPERWEIGHTS_SCORERS_H
