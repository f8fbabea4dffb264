//===- Decoder.h - What the evaluators run ----------------------*- C++ -*-===//
//
// Perplexity, KL divergence and generation need only two things of a model:
// its vocabulary and context, and a stateful decoder that turns tokens into
// logits. A llmq.model bound to its weights (Model) and an NPU artifact
// executed rank by rank both provide them, so both are measured by the same
// code.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_RUNTIME_EXEC_DECODER_H
#define LLMQ_RUNTIME_EXEC_DECODER_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <vector>

namespace llmq::runtime {
class ThreadPool;

/// Runs tokens at consecutive positions, keeping a KV cache between calls.
class Decoder {
public:
  virtual ~Decoder();
  /// Appends `tokens` at the next positions. `logits` receives vocab floats
  /// per token when `allLogits`, else only for the last token.
  virtual llvm::Error forward(llvm::ArrayRef<int32_t> tokens,
                              std::vector<float> &logits, bool allLogits) = 0;
  /// As forward(), with logits (vocab floats each) only for the tokens at
  /// offsets [firstLogit, tokens.size()) of this call, 0 <= firstLogit <=
  /// tokens.size(); a decoder may skip the LM head of the others. By default,
  /// forward() with every logit, the first ones dropped.
  virtual llvm::Error forwardLogitsFrom(llvm::ArrayRef<int32_t> tokens,
                                        std::vector<float> &logits,
                                        int64_t firstLogit);
  /// Forgets every cached position.
  virtual void reset() = 0;
};

class LanguageModel {
public:
  virtual ~LanguageModel();
  virtual llvm::StringRef modelName() const = 0;
  virtual int64_t vocabSize() const = 0;
  virtual int64_t contextSize() const = 0;
  /// A decoder with room for `maxPositions` tokens (at most contextSize()).
  virtual llvm::Expected<std::unique_ptr<Decoder>>
  newDecoder(ThreadPool &pool, int64_t maxPositions) const = 0;
};

} // namespace llmq::runtime

#endif // LLMQ_RUNTIME_EXEC_DECODER_H
