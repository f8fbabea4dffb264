//===- Session.h - Forward passes with a KV cache ---------------*- C++ -*-===//
//
// A Session runs tokens through a Model, keeping each layer's keys and values
// so that generation feeds one token at a time. The computation follows
// transformers' eager implementation in f32 (pre- or post-norms, q/k norms,
// GQA, RoPE variants, sliding windows), which is what the references hold.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_RUNTIME_EXEC_SESSION_H
#define LLMQ_RUNTIME_EXEC_SESSION_H

#include "runtime/exec/Model.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <functional>
#include <vector>

namespace llmq::runtime {
class ThreadPool;

class Session : public Decoder {
public:
  /// A cache for up to `maxPositions` tokens (at most the model's context).
  Session(const Model &model, ThreadPool &pool, int64_t maxPositions);

  /// Appends `tokens` at the next positions. `logits` receives vocab floats
  /// per token when `allLogits`, else only for the last token.
  llvm::Error forward(llvm::ArrayRef<int32_t> tokens, std::vector<float> &logits,
                      bool allLogits) override;
  /// Computes the final norm and the LM head only for tokens firstLogit..
  /// (the others' logits are never needed, e.g. by ppl's --score-from).
  llvm::Error forwardLogitsFrom(llvm::ArrayRef<int32_t> tokens,
                                std::vector<float> &logits,
                                int64_t firstLogit) override;

  /// Runs `n` tokens whose residual stream entering block `block` is
  /// `hidden` (n x hidden floats: what a BlockObserver saw as `in` for that
  /// block in a forward() of the same tokens at the same positions) through
  /// blocks `block`.. and the head. The logits are forward()'s, bit for bit,
  /// when only weights of those blocks and the head differ; the KV caches of
  /// earlier blocks are left untouched. `block` = the number of blocks runs
  /// the head alone on the final hidden states.
  llvm::Error forwardFrom(int64_t block, const float *hidden, int64_t n,
                          std::vector<float> &logits, bool allLogits) {
    return forwardFromLogitsFrom(block, hidden, n, logits,
                                 allLogits ? 0 : n - 1);
  }
  /// forwardFrom() with the final norm and the head only for tokens
  /// firstLogit.. of the n.
  llvm::Error forwardFromLogitsFrom(int64_t block, const float *hidden,
                                    int64_t n, std::vector<float> &logits,
                                    int64_t firstLogit);

  /// Called after each block with the residual stream before and after it
  /// (n x hidden floats each), for analyses such as block influence.
  using BlockObserver = std::function<void(int64_t block, const float *in,
                                           const float *out, int64_t n)>;
  void setBlockObserver(BlockObserver observer) {
    blockObserver = std::move(observer);
  }
  /// The input of the block's matrix multiplies. Q, K and V read the same
  /// (normed) input, as do the FFN's gate and up projections.
  enum class MatmulInput { Attention, AttnOutput, Ffn, FfnDown };
  /// Called with each matmul input of each block (n x cols floats), once per
  /// distinct input, before the multiply; for activation statistics such as
  /// the importance matrix. Unset, it costs one branch per matmul group.
  using MatmulObserver =
      std::function<void(int64_t block, MatmulInput input, const float *x,
                          int64_t n, int64_t cols)>;
  void setMatmulObserver(MatmulObserver observer) {
    matmulObserver = std::move(observer);
  }
  /// Called with the LM head's input (the final-normed hidden states of the
  /// positions whose logits are computed: all of them with `allLogits`,
  /// firstLogit.. with forwardLogitsFrom),
  /// n x hidden floats, before the multiply; for GPTQ's Hessian of the head.
  using HeadObserver =
      std::function<void(const float *x, int64_t n, int64_t cols)>;
  void setHeadObserver(HeadObserver observer) {
    headObserver = std::move(observer);
  }
  /// Makes forward() and forwardFrom() stop after block `block` (none of
  /// the later blocks or the head run; `logits` comes back empty), for
  /// callers that only need the blocks' activations (GPTQ's Hessians of a
  /// chunk of layers); a negative value runs every block again.
  void setLastBlock(int64_t block) { lastBlock = block; }
  /// Forgets every cached position.
  void reset() override { position = 0; }
  int64_t size() const { return position; }
  int64_t capacity() const { return maxPositions; }

private:
  /// Sizes the activation buffers for n tokens.
  void resizeActivations(int64_t n);
  /// Checks that n tokens fit the cache and that every id is in the
  /// vocabulary, then embeds them into `x`.
  llvm::Error embed(llvm::ArrayRef<int32_t> tokens);
  /// Blocks `firstBlock`.. over the residual stream in `x` (n tokens), and
  /// the head for tokens firstLogit.. of them.
  llvm::Error run(size_t firstBlock, int64_t n, std::vector<float> &logits,
                  int64_t firstLogit);

  const Model &model;
  ThreadPool &pool;
  int64_t maxPositions;
  int64_t position = 0;
  std::vector<FloatBuffer> keys, values; ///< per layer [pos][kvDim]
  /// Activations of the last forward, kept so that the next one reuses their
  /// memory instead of zeroing and faulting in fresh pages each call.
  FloatBuffer x, h, q, k, v, attn, gate, up, blockInput;
  BlockObserver blockObserver;
  MatmulObserver matmulObserver;
  HeadObserver headObserver;
  int64_t lastBlock = -1;
};

} // namespace llmq::runtime

#endif // LLMQ_RUNTIME_EXEC_SESSION_H
