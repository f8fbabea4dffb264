//===- Sensitivity.h - KLD probes of --llmq-assign-bits ---------*- C++ -*-===//
//
// How much one weight's quantization error costs the model's predictions:
// the mean KL divergence, over calibration text, between the model and the
// model with only that weight quantized. The base model runs over the text
// once; its log-probabilities and the residual stream entering every block
// are kept, so a probe of a weight of block b runs blocks b.. and the head
// only, with the same numbers as a full forward pass.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_PASSES_ASSIGN_SENSITIVITY_H
#define LLMQ_PASSES_ASSIGN_SENSITIVITY_H

#include "formats/Formats.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace llmq::runtime {
class DivergenceProbe;
class Model;
class ThreadPool;
} // namespace llmq::runtime

namespace mlir::llmq {
class ModelOp;

namespace assign {

class SensitivityProbes {
public:
  /// Reads `textFile` with the model's tokenizer, keeps its first `tokens`
  /// tokens in whole windows of `ctx`, runs the unquantized model over them
  /// once and keeps what the probes restart from. Errors are one line
  /// without a prefix (the pass adds its own).
  static llvm::Expected<std::unique_ptr<SensitivityProbes>>
  create(ModelOp model, llvm::StringRef textFile, int64_t tokens, int64_t ctx,
         ::llmq::runtime::ThreadPool &pool);
  ~SensitivityProbes();

  /// The mean KLD of the model with weight `symbol` (an llmq.weight symbol)
  /// replaced by `packed`: its rows in `format`, as the runtime reads them.
  /// Runs from the first block that reads the weight: the whole model for
  /// the token embedding, the head alone for an untied output head.
  llvm::Expected<double> kld(llvm::StringRef symbol, ::llmq::Format format,
                             llvm::ArrayRef<uint8_t> packed);

  /// Probes run so far, and block x token evaluations they ran, against
  /// what a full forward pass per probe would have run.
  uint64_t numProbes() const { return probes; }
  uint64_t blockTokens() const { return ranBlockTokens; }
  uint64_t fullForwardBlockTokens() const;
  /// Bytes the probes keep (the base's log-probabilities, block inputs).
  uint64_t keptBytes() const;
  int64_t positions() const;

private:
  SensitivityProbes();
  std::unique_ptr<::llmq::runtime::Model> model;
  std::unique_ptr<::llmq::runtime::DivergenceProbe> probe;
  uint64_t probes = 0, ranBlockTokens = 0;
};

} // namespace assign
} // namespace mlir::llmq

#endif // LLMQ_PASSES_ASSIGN_SENSITIVITY_H
