//===- SimulatedWeight.h - A weight quantized as exported ------*- C++ -*-===//
//
// Simulated quantization: a weight whose IR carries a `format` chosen by a
// pass is quantized in memory exactly as the exporter of that format writes
// it, and the runtime then computes from those bytes with the dequantizer a
// reader of the exported file uses:
//
//   ggml formats   the weight's rows through the format's quantizeRow with
//                  the importance the GGUF exporter passes (llmq.importance),
//                  the logit mask's scaled rows multiplied first, llama.cpp's
//                  row fallback applied; the WeightView reads the bytes as it
//                  reads a GGUF tensor.
//   fp8 blocks,    quantizeGrouped over strips of whole blocks; codes (int:
//   int groups     packed 32/bits per int32 as compressed-tensors'
//                  `weight_packed`), f32 scales and zero levels read through
//                  a GroupedView, as an imported checkpoint is.
//
// Only the quantized bytes stay in memory (their storage size); the
// source's pages are handed back once a weight is done.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_RUNTIME_EXEC_SIMULATEDWEIGHT_H
#define LLMQ_RUNTIME_EXEC_SIMULATEDWEIGHT_H

#include "formats/TensorFormat.h"
#include "runtime/exec/Kernels.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <optional>
#include <vector>

namespace mlir::llmq {
class ImportanceReader;
class WeightOp;
} // namespace mlir::llmq

namespace llmq::runtime {
class ThreadPool;

/// How one weight is quantized: what its exporter would be given.
struct SimulationPlan {
  /// The format written: the chosen one, after llama.cpp's row fallback for
  /// ggml formats.
  TensorFormat format;
  /// One weight per column (ggml block formats with an imatrix entry), or
  /// empty.
  std::vector<float> importance;
  /// Rows multiplied by `rowScale` before quantizing (the logit mask's
  /// amplified tokens, folded into the LM head).
  llvm::DenseSet<int64_t> scaledRows;
  float rowScale = 1.0f;
};

/// The plan for `weight`, or nullopt when it has no chosen format or its
/// source bytes are in that format already (and no row is scaled): the
/// exporters copy such bytes, so it runs from its source. A grouped format
/// its rows cannot hold is an error naming the weight; a ggml format falls
/// back as llama.cpp and the GGUF exporter do, with a warning.
llvm::Expected<std::optional<SimulationPlan>>
planSimulation(mlir::llmq::WeightOp weight,
               mlir::llmq::ImportanceReader &importance);

/// A weight quantized in memory; its view reads it like an exported file.
class SimulatedWeight {
public:
  /// Quantizes the rows of `source` (any view: f32/f16/bf16, ggml blocks or
  /// grouped) as `plan` says, in parallel over rows (fp8: over strips of
  /// block rows); the bytes do not depend on the threads.
  static std::unique_ptr<SimulatedWeight> quantize(const WeightView &source,
                                                   const SimulationPlan &plan,
                                                   ThreadPool &pool);

  SimulatedWeight(const SimulatedWeight &) = delete;
  SimulatedWeight &operator=(const SimulatedWeight &) = delete;

  const TensorFormat &format() const { return fmt; }
  /// Reads the quantized rows; valid while this object lives.
  WeightView view() const;
  /// Bytes held: codes, scales and zero levels.
  uint64_t bytes() const;

private:
  SimulatedWeight() = default;

  TensorFormat fmt;
  int64_t rows = 0, cols = 0;
  /// ggml: rows of the format's blocks; fp8: one e4m3 byte per value; int:
  /// rows of packed int32 words.
  std::vector<uint8_t> codes;
  std::vector<float> scales;
  std::vector<uint8_t> zeros;
  GroupedView grouped;
};

} // namespace llmq::runtime

#endif // LLMQ_RUNTIME_EXEC_SIMULATEDWEIGHT_H
