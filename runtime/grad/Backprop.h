//===- Backprop.h - Gradients of a decoder's KL to a reference --*- C++ -*-===//
//
// One window's forward and backward pass through a pre-norm decoder (the
// runtime's llama family: RMS norms, RoPE, grouped-query causal attention,
// optional q/k/v biases and q/k head norms, SwiGLU) whose matrices a caller
// supplies as dense f32, with the loss
//   L = 1/|S| sum_{t in S} KL(p_t || softmax(z_t))
// between reference distributions p_t (the original model's, say) and the
// model's logits z_t over the scored positions S. The gradients of the
// matrices go back to the caller as dense dL/dW; those of the norm weights
// are summed here.
//
// Memory: the residual stream at each block's input is kept (blocks x
// tokens x hidden floats); a block's intermediates are recomputed from it
// when the backward pass reaches the block, and one matrix is dense at a
// time. So memory grows with the window and the widest matrix, not with the
// model's size.
//
// Every sum runs in a fixed order in one thread (the runtime's GEMM for the
// products), so gradients are the same bits at any thread count.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_RUNTIME_GRAD_BACKPROP_H
#define LLMQ_RUNTIME_GRAD_BACKPROP_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <vector>

namespace llmq::runtime {
class Model;
class ThreadPool;
struct WeightView;
} // namespace llmq::runtime

namespace llmq::runtime::grad {

/// The matrices of the decoder; `Head` belongs to no block.
enum class Linear : uint8_t { Q, K, V, O, Gate, Up, Down, Head };
constexpr int kNumLinears = 8;

/// `model`'s view of block `block`'s `linear` (block ignored for Head).
const WeightView &matrixView(const Model &model, int64_t block, Linear linear);
/// That matrix dequantized into `out` (row-major f32), rows over `pool`.
void denseMatrix(const Model &model, int64_t block, Linear linear, float *out,
                 ThreadPool &pool);

/// Where the matrices come from and where their gradients go.
class MatrixSource {
public:
  virtual ~MatrixSource();
  /// Block `block`'s `linear` (block is ignored for Head) as row-major f32,
  /// rows = outputs, into `out`.
  virtual void dense(int64_t block, Linear linear, float *out) = 0;
  /// dL/dW of that matrix for the window, the same layout. Called once per
  /// matrix per backward pass.
  virtual void gradient(int64_t block, Linear linear, const float *grad) = 0;
  /// Whether `gradient` wants that matrix's dL/dW; when not, it is neither
  /// computed nor handed over.
  virtual bool needsGradient(int64_t block, Linear linear) { return true; }
  /// The embedding row of `token` into `out` (hidden floats).
  virtual void embeddingRow(int32_t token, float *out) = 0;
  /// The matrix's input x (n x cols) and dL/d(output) dy (n x rows) of the
  /// window, before `gradient`; for statistics of the two (GuidedQuant's
  /// gradient-weighted Hessians). By default nothing.
  virtual void outputGradient(int64_t block, Linear linear, const float *x,
                              const float *dy, int64_t n);
};

/// The norm weights the loss is differentiated by, and their gradients.
struct NormWeights {
  std::vector<std::vector<float>> attn, ffn; ///< per block
  std::vector<float> final;
  /// Every vector in one fixed order: the attention norms by block, the FFN
  /// norms by block, the final norm.
  std::vector<std::vector<float> *> vectors();
};

/// Why `model` is outside what Backprop differentiates (post-norms), or
/// empty.
std::string unsupportedReason(const Model &model);

class Backprop {
public:
  /// `model` gives the shape, the biases and the fixed q/k norms; `norms`
  /// starts as its norm weights.
  explicit Backprop(const Model &model);

  NormWeights norms;

  /// Adds dL/d(norm weights) of one window to `normGradients` (shaped like
  /// `norms`) and hands each matrix's gradient to `source`. `reference`
  /// holds the reference's log-probabilities for positions first..T-1
  /// ((T - first) x vocab). Returns the window's loss.
  llvm::Expected<double> window(llvm::ArrayRef<int32_t> tokens, int64_t first,
                                const float *reference, MatrixSource &source,
                                NormWeights &normGradients, ThreadPool &pool);
  /// The same with the next-token cross-entropy as the loss: position t
  /// (first <= t < T - 1) predicts tokens[t + 1]. On text the model sampled
  /// itself, dL/dz are draws of the Fisher information's square roots (the
  /// labels are drawn from the model's own distribution).
  llvm::Expected<double> windowNextToken(llvm::ArrayRef<int32_t> tokens,
                                         int64_t first, MatrixSource &source,
                                         NormWeights &normGradients,
                                         ThreadPool &pool);

  /// Zeroed gradients shaped like `norms`.
  NormWeights zeroGradients() const;

private:
  llvm::Expected<double> run(llvm::ArrayRef<int32_t> tokens, int64_t first,
                             int64_t scored, const float *reference,
                             MatrixSource &source, NormWeights &grads,
                             ThreadPool &pool);
  const Model &model;
};

} // namespace llmq::runtime::grad

#endif // LLMQ_RUNTIME_GRAD_BACKPROP_H
