//===- HFNames.h - Weight symbols under Hugging Face names ------*- C++ -*-===//
//
// The inverse of the HF importer's naming: every weight the model's
// structure uses, under the tensor name a Hugging Face checkpoint of its
// architecture gives it (the architecture table's `hfName` column), in the
// order transformers' state dict lists them.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_BACKENDS_HF_HFNAMES_H
#define LLMQ_BACKENDS_HF_HFNAMES_H

#include "dialects/Llmq/Architectures.h"
#include "dialects/Llmq/LlmqOps.h"

#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace llmq::hf {

/// One tensor of the checkpoint and the weight it is written from.
struct NamedWeight {
  /// "model.layers.3.self_attn.q_proj.weight"
  std::string name;
  mutable mlir::llmq::WeightOp weight; ///< ops are handles: accessors not const
  /// Whether it is a linear layer's matrix (a quantization target), rather
  /// than an embedding, a norm or a bias.
  bool isLinear = false;
  /// >0: the rows are in llama.cpp's interleaved RoPE order for this many
  /// heads (a model imported from GGUF) and are written back in HF's.
  int64_t permuteHeads = 0;

  /// The module the tensor belongs to: `name` less its last component
  /// ("model.layers.3.self_attn.q_proj").
  std::string module() const;
};

/// The model's tensors in checkpoint order: the embedding, each block's in
/// the architecture's order, the final norm, and the LM head unless it is
/// tied to the embedding. Errors name the weight or role.
llvm::Expected<std::vector<NamedWeight>>
nameWeights(mlir::llmq::ModelOp model, const mlir::llmq::ArchInfo &arch);

/// The HF row that row `row` of a weight in llama.cpp's interleaved order
/// holds: the inverse of the GGUF backend's permutation. HF keeps each
/// head's rows as [first halves..., second halves...].
int64_t interleavedRowOf(int64_t row, int64_t rows, int64_t heads);

} // namespace llmq::hf

#endif // LLMQ_BACKENDS_HF_HFNAMES_H
